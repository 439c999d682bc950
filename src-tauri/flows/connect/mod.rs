//! Connecting a carrier account to a workspace: checking what the user typed, proving the
//! credentials with a live call, checking a Telnyx TeXML application (Connection ID), and saving
//! the connection only when all of that passed. Wrong input changes nothing.

pub mod connections;

use crate::domain::failure::{Classified, ErrorKind, UserError};
use serde::Serialize;

use crate::app::context::Context;
use std::sync::Arc;

use crate::app::blocking::{blocking, TaskFailed};
use crate::carriers::account::CarrierAccount;
use crate::carriers::{AccountInfo, AccountStatus, CarrierError, MessagingProfile};
use crate::domain::target::expected_texml_voice_url;
use crate::flows::accounts::AccountUnavailable;
use crate::flows::connect::connections::{ConnectionDraft, ConnectionError, Connections};
use crate::flows::workspaces::{Workspace, WorkspaceError};
use crate::secrets::credentials::{Credentials, TelnyxCredentials, TwilioAuth, TwilioCredentials};
use crate::secrets::Sensitive;
use crate::store::connections::ConnectionRow;

/// What the connect form sends, before any check.
#[derive(Debug, Clone, Default)]
pub struct ConnectForm {
    pub carrier: String,
    pub name: String,
    pub twilio_account_sid: Option<String>,
    pub twilio_auth_token: Option<Sensitive<String>>,
    pub twilio_api_key_sid: Option<String>,
    pub twilio_api_key_secret: Option<Sensitive<String>>,
    pub telnyx_api_key: Option<Sensitive<String>>,
    pub texml_connection_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TexmlCheck {
    pub id: String,
    pub name: String,
    pub voice_url: Option<String>,
    pub expected_voice_url: String,
    pub points_at_workspace: bool,
    /// What to do when it does not point at the workspace, in one sentence.
    pub fix: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("Choose Twilio or Telnyx.")]
    UnknownCarrier,
    #[error("Give the connection a name, for example \"Main Twilio\".")]
    EmptyName,
    #[error("{0}")]
    BadField(String),
    #[error("Enter the Connection ID of a TeXML application: Telnyx needs it to route calls to your agents.")]
    TexmlIdRequired,
    #[error("No TeXML application has the Connection ID {0} in this Telnyx account. In the Telnyx portal open Voice > TeXML Applications and copy the ID of the application to use.")]
    TexmlNotFound(String),
    #[error("This Twilio account is suspended: Twilio refuses every API call until it is reactivated. Sign in to the Twilio console, settle what suspended it, then connect again. Nothing was saved.")]
    AccountSuspended,
    #[error("This Twilio account is closed, and a closed account cannot be used again. Connect another Twilio account. Nothing was saved.")]
    AccountClosed,
    #[error(transparent)]
    Carrier(#[from] CarrierError),
    #[error(transparent)]
    Connection(#[from] ConnectionError),
    #[error(transparent)]
    Workspace(#[from] WorkspaceError),
    #[error(transparent)]
    Account(#[from] AccountUnavailable),
    #[error(transparent)]
    Task(#[from] TaskFailed),
}

impl UserError for ConnectError {
    fn classify(&self) -> Classified<'_> {
        match self {
            Self::Carrier(inner) => Classified::Wraps(inner),
            Self::Connection(inner) => Classified::Wraps(inner),
            Self::Workspace(inner) => Classified::Wraps(inner),
            Self::Account(inner) => Classified::Wraps(inner),
            Self::Task(inner) => Classified::Wraps(inner),
            Self::AccountSuspended | Self::AccountClosed => Classified::Kind(ErrorKind::Carrier),
            Self::UnknownCarrier
            | Self::EmptyName
            | Self::BadField(_)
            | Self::TexmlIdRequired
            | Self::TexmlNotFound(_) => Classified::Kind(ErrorKind::InvalidInput),
        }
    }
}

fn present(value: &Option<String>) -> Option<String> {
    value
        .as_ref()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn present_secret(value: &Option<Sensitive<String>>) -> Option<Sensitive<String>> {
    value
        .as_ref()
        .map(|v| v.expose().trim().to_owned())
        .filter(|v| !v.is_empty())
        .map(Sensitive::new)
}

/// `AC…` or `SK…` followed by 32 hexadecimal digits, as Twilio issues them.
fn is_twilio_sid(value: &str, prefix: &str) -> bool {
    value.len() == 34
        && value.starts_with(prefix)
        && value[2..].chars().all(|c| c.is_ascii_hexdigit())
}

/// Checks the form's fields and builds the credentials. Nothing is called yet.
pub fn credentials_from(form: &ConnectForm) -> Result<Credentials, ConnectError> {
    let bad = |text: &str| ConnectError::BadField(text.to_owned());
    match form.carrier.as_str() {
        "twilio" => {
            let sid = present(&form.twilio_account_sid).ok_or_else(|| {
                bad("Enter the Account SID from the Twilio Console (it starts with AC).")
            })?;
            if !is_twilio_sid(&sid, "AC") {
                return Err(bad("That is not an Account SID: it is AC followed by 32 letters and digits (0-9, a-f)."));
            }
            let auth = match (
                present_secret(&form.twilio_auth_token),
                present(&form.twilio_api_key_sid),
                present_secret(&form.twilio_api_key_secret),
            ) {
                (Some(token), None, None) => TwilioAuth::AuthToken(token),
                (None, Some(key), Some(secret)) => {
                    if !is_twilio_sid(&key, "SK") {
                        return Err(bad("That is not an API key SID: it is SK followed by 32 letters and digits (0-9, a-f)."));
                    }
                    TwilioAuth::ApiKey { sid: key, secret }
                }
                (None, Some(_), None) => return Err(bad("Enter the API key's secret too.")),
                (None, None, Some(_)) => {
                    return Err(bad("Enter the API key SID (it starts with SK) too."))
                }
                (None, None, None) => {
                    return Err(bad(
                        "Enter the Auth Token, or an API key SID and its secret.",
                    ))
                }
                _ => return Err(bad("Use either the Auth Token or an API key, not both.")),
            };
            Ok(Credentials::Twilio(TwilioCredentials::new(sid, auth)))
        }
        "telnyx" => {
            let api_key = present_secret(&form.telnyx_api_key).ok_or_else(|| {
                bad("Enter a Telnyx API key (Auth > API Keys in the Telnyx portal).")
            })?;
            Ok(Credentials::Telnyx(TelnyxCredentials { api_key }))
        }
        _ => Err(ConnectError::UnknownCarrier),
    }
}

/// Proves the credentials with a live call. Refuses suspended and closed accounts.
pub async fn validate(account: &CarrierAccount) -> Result<AccountInfo, ConnectError> {
    let info = account.validate().await?;
    match info.status {
        AccountStatus::Suspended => Err(ConnectError::AccountSuspended),
        AccountStatus::Closed => Err(ConnectError::AccountClosed),
        _ => Ok(info),
    }
}

/// Checks a Telnyx Connection ID live: it exists and is a TeXML application (Telnyx answers 404
/// for any other kind of connection on this path), and whether its voice URL reaches the
/// workspace's voice platform.
pub async fn check_texml(
    account: &CarrierAccount,
    workspace: &Workspace,
    connection_id: &str,
) -> Result<TexmlCheck, ConnectError> {
    let id = connection_id.trim();
    if id.is_empty() {
        return Err(ConnectError::TexmlIdRequired);
    }
    let app = match account.texml_application(id).await {
        Ok(app) => app,
        Err(CarrierError::NotFound { .. }) => {
            return Err(ConnectError::TexmlNotFound(id.to_owned()))
        }
        Err(other) => return Err(other.into()),
    };
    let expected = expected_texml_voice_url(&workspace.webhook_base_url);
    let points = app
        .voice_url
        .as_deref()
        .is_some_and(|url| url.trim().trim_end_matches('/') == expected);
    let fix = (!points).then(|| {
        format!(
            "In the Telnyx portal, open Voice > TeXML Applications > {} and set its voice URL to {expected}, or calls will not reach your agents.",
            app.name
        )
    });
    Ok(TexmlCheck {
        id: app.id,
        name: app.name,
        voice_url: app.voice_url,
        expected_voice_url: expected,
        points_at_workspace: points,
        fix,
    })
}

/// The messaging profile managed Telnyx numbers join: one already sending to this workspace's
/// platform, else the first enabled one.
fn choose_messaging_profile(
    profiles: &[MessagingProfile],
    workspace: &Workspace,
) -> Option<String> {
    profiles
        .iter()
        .find(|p| {
            p.enabled
                && p.webhook_url
                    .as_deref()
                    .is_some_and(|url| url.starts_with(&workspace.webhook_base_url))
        })
        .or_else(|| profiles.iter().find(|p| p.enabled))
        .map(|p| p.id.clone())
}

/// Validates everything live again and saves the connection (credentials to the keyring).
pub async fn connect(
    ctx: &Arc<Context>,
    workspace: &Workspace,
    form: &ConnectForm,
    account: &CarrierAccount,
) -> Result<ConnectionRow, ConnectError> {
    if form.name.trim().is_empty() {
        return Err(ConnectError::EmptyName);
    }
    let credentials = credentials_from(form)?;
    let info = validate(account).await?;
    let (texml, messaging) = match credentials {
        Credentials::Telnyx(_) => {
            let id = present(&form.texml_connection_id).ok_or(ConnectError::TexmlIdRequired)?;
            let check = check_texml(account, workspace, &id).await?;
            let profiles = account.messaging_profiles().await?;
            (
                Some(check.id),
                choose_messaging_profile(&profiles, workspace),
            )
        }
        Credentials::Twilio(_) | Credentials::Sip(_) => (None, None),
    };
    let account_ref = match &credentials {
        Credentials::Twilio(twilio) => Some(twilio.account_sid.clone()),
        Credentials::Telnyx(_) => info.account_id.clone(),
        Credentials::Sip(_) => None,
    };
    let draft = ConnectionDraft {
        name: form.name.trim().to_owned(),
        credentials,
        account_ref,
        account_name: info.friendly_name.clone(),
        texml_connection_id: texml,
        messaging_profile_id: messaging,
        // A sandbox workspace holds only sandbox connections, and a real one only real ones.
        is_sandbox: workspace.is_sandbox,
    };
    let workspace_id = workspace.id;
    blocking(ctx, move |ctx| {
        Ok::<_, ConnectError>(Connections::new(ctx).save(workspace_id, &draft)?)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn twilio(
        sid: &str,
        token: Option<&str>,
        key: Option<&str>,
        secret: Option<&str>,
    ) -> ConnectForm {
        ConnectForm {
            carrier: "twilio".into(),
            name: "Main".into(),
            twilio_account_sid: Some(sid.into()),
            twilio_auth_token: token.map(Sensitive::from),
            twilio_api_key_sid: key.map(Into::into),
            twilio_api_key_secret: secret.map(Sensitive::from),
            ..ConnectForm::default()
        }
    }

    const SID: &str = "AC0123456789abcdef0123456789abcdef";
    const KEY: &str = "SK0123456789abcdef0123456789abcdef";

    #[test]
    fn twilio_fields_are_checked_before_any_call() {
        assert!(credentials_from(&twilio(SID, Some("tok"), None, None)).is_ok());
        assert!(credentials_from(&twilio(SID, None, Some(KEY), Some("sec"))).is_ok());
        let cases = [
            (twilio("", Some("t"), None, None), "Enter the Account SID"),
            (twilio("AC123", Some("t"), None, None), "not an Account SID"),
            (twilio(KEY, Some("t"), None, None), "not an Account SID"),
            (twilio(SID, None, None, None), "Enter the Auth Token"),
            (twilio(SID, Some("t"), Some(KEY), Some("s")), "not both"),
            (twilio(SID, None, Some(KEY), None), "secret too"),
            (
                twilio(SID, None, Some("SKshort"), Some("s")),
                "not an API key SID",
            ),
            (twilio(SID, Some("   "), None, None), "Enter the Auth Token"),
        ];
        for (form, expected) in cases {
            let error = credentials_from(&form).unwrap_err().to_string();
            assert!(error.contains(expected), "{error} (wanted {expected})");
        }
    }

    #[test]
    fn telnyx_needs_a_key_and_unknown_carriers_are_refused() {
        let mut form = ConnectForm {
            carrier: "telnyx".into(),
            ..ConnectForm::default()
        };
        assert!(credentials_from(&form)
            .unwrap_err()
            .to_string()
            .contains("Telnyx API key"));
        form.telnyx_api_key = Some(Sensitive::from("KEY0123"));
        assert!(matches!(
            credentials_from(&form),
            Ok(Credentials::Telnyx(_))
        ));
        form.carrier = "bandwidth".into();
        assert!(matches!(
            credentials_from(&form),
            Err(ConnectError::UnknownCarrier)
        ));
    }
}
