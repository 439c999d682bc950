//! "Check": runs the reference product's troubleshooting list for real, for one connection or one
//! number: credentials stored and still accepted, the account active, the number still in the
//! account, an agent assigned, the carrier's webhook settings matching the chosen mode, and for
//! Telnyx a TeXML application whose voice URL is the workspace's webhook. Each result is ok or a
//! problem with the fix in one sentence. Checking changes nothing, here or at the carrier.

use crate::domain::failure::{Classified, ErrorKind, UserError};
use crate::domain::ids::{ConnectionId, PhoneNumberId, WorkspaceId};
use serde::Serialize;

use crate::app::blocking::{blocking, TaskFailed};
use crate::carriers::account::CarrierAccount;
use crate::carriers::{AccountStatus, CarrierError, Routing};
use crate::domain::kinds::{CarrierKind, WebhookMode};
use crate::domain::target::expected_texml_voice_url;
use crate::flows::accounts::Accounts;
use crate::flows::connect::connections::{ConnectionError, Connections};
use crate::flows::manage::sync::{drift_of, target_of};
use crate::flows::sip::check::{trunk_results, SIP_CHECK_TIMEOUT};
use crate::flows::sip::SipTrunks;
use crate::secrets::credentials::Credentials;
use crate::secrets::SecretKey;
use crate::store::connections::ConnectionRow;
use crate::store::sync_state;
use crate::store::StoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    Ok,
    Problem,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    /// Stable id the UI may key on: `credentials_stored`, `credentials_valid`, `account_active`,
    /// `texml_application`, `number_in_account`, `number_status`, `agent_assigned`,
    /// `webhook_settings`, `texml_connection`, `region_configuration`.
    pub id: &'static str,
    pub label: &'static str,
    pub status: CheckStatus,
    /// What was found, in one sentence.
    pub detail: String,
    /// What to do about a problem, in one sentence.
    pub fix: Option<String>,
}

impl CheckResult {
    pub(crate) fn ok(id: &'static str, label: &'static str, detail: impl Into<String>) -> Self {
        Self {
            id,
            label,
            status: CheckStatus::Ok,
            detail: detail.into(),
            fix: None,
        }
    }

    pub(crate) fn problem(
        id: &'static str,
        label: &'static str,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self {
            id,
            label,
            status: CheckStatus::Problem,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnosis {
    /// The connection name or the number checked.
    pub subject: String,
    pub results: Vec<CheckResult>,
}

impl Diagnosis {
    pub fn problems(&self) -> impl Iterator<Item = &CheckResult> {
        self.results
            .iter()
            .filter(|r| r.status == CheckStatus::Problem)
    }

    pub fn all_ok(&self) -> bool {
        self.problems().next().is_none()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DiagnosticsError {
    #[error("This number is not in this workspace any more. Reload the table.")]
    NumberNotFound,
    #[error(transparent)]
    Connection(#[from] ConnectionError),
    #[error("The checks could not read the database: {0}")]
    Store(#[from] StoreError),
    #[error(transparent)]
    Task(#[from] TaskFailed),
}

impl UserError for DiagnosticsError {
    fn classify(&self) -> Classified<'_> {
        match self {
            Self::Connection(inner) => Classified::Wraps(inner),
            Self::Store(inner) => Classified::Wraps(inner),
            Self::Task(inner) => Classified::Wraps(inner),
            Self::NumberNotFound => Classified::Kind(ErrorKind::NotFound),
        }
    }
}

fn carrier_fix(error: &CarrierError) -> String {
    match error {
        CarrierError::AuthRejected { .. } => {
            "Disconnect this carrier and connect it again with credentials copied from the carrier's console.".into()
        }
        CarrierError::NoApiAccess { .. } => {
            "Use credentials with full API access, then connect the carrier again.".into()
        }
        CarrierError::AccountSuspended { carrier } => {
            format!("Reactivate the account in the {carrier} console.")
        }
        e if e.is_transient() => "Check your internet connection and run the check again.".into(),
        _ => "Run the check again; if it keeps failing, look for messages in the carrier's dashboard.".into(),
    }
}

/// Twilio keeps a number's configuration per region, and calls use the configuration of the
/// number's inbound processing region only: that one must send them somewhere (and, for a
/// managed number, to NumberDesk's target).
async fn region_result(
    account: &CarrierAccount,
    e164: &str,
    carrier_id: &str,
    target: Option<&crate::domain::target::ManagedTarget>,
) -> CheckResult {
    const ID: &str = "region_configuration";
    const LABEL: &str = "Voice configuration in the processing region";
    let region = match account.inbound_region(e164).await {
        Ok(found) => found.voice_region,
        Err(error) => {
            return CheckResult::problem(ID, LABEL, error.to_string(), carrier_fix(&error))
        }
    };
    if region == "us1" {
        return CheckResult::ok(
            ID,
            LABEL,
            "Twilio processes this number's calls in us1, whose settings are checked above.",
        );
    }
    let again = format!("In Phone Numbers, set this number's region to {region} again: NumberDesk asks for an API key made in {region} if it has none, and writes the number's configuration there.");
    if !account.has_regional_key(&region) {
        return CheckResult::problem(
            ID,
            LABEL,
            format!("Twilio processes this number's calls in {region}, and NumberDesk holds no API key made in {region} to read the number's configuration there."),
            again,
        );
    }
    let routing = match account.routing_in_region(carrier_id, &region).await {
        Ok(routing) => routing,
        Err(error) => {
            return CheckResult::problem(ID, LABEL, error.to_string(), carrier_fix(&error))
        }
    };
    let set = |value: &Option<String>| value.as_deref().is_some_and(|v| !v.is_empty());
    if !(set(&routing.voice_url) || set(&routing.voice_application_sid) || set(&routing.trunk_sid))
    {
        return CheckResult::problem(
            ID,
            LABEL,
            format!("Twilio processes this number's calls in {region}, where the number has no voice configuration: calls to it reach nothing."),
            again,
        );
    }
    if let Some(target) = target {
        let drift = drift_of(&Routing::Twilio(routing), target);
        if !drift.is_empty() {
            let labels: Vec<String> = drift.iter().map(|d| d.label.clone()).collect();
            return CheckResult::problem(
                ID,
                LABEL,
                format!("In {region}, where Twilio processes this number's calls, its {} do not point at NumberDesk.", labels.join(", ")),
                again,
            );
        }
    }
    CheckResult::ok(
        ID,
        LABEL,
        format!(
            "Twilio processes this number's calls in {region}, and the number is configured there."
        ),
    )
}

/// Credentials stored, accepted, account active, and for Telnyx the TeXML application. Returns
/// the results and the account when the credentials work.
/// A SIP trunk has no API to ask: its check is an OPTIONS sent to the trunk itself.
async fn sip_trunk_results(
    accounts: &Accounts,
    connection: &ConnectionRow,
    secret: &crate::secrets::Sensitive<String>,
) -> Vec<CheckResult> {
    let (workspace_id, connection_id) = (connection.workspace_id, connection.id);
    let trunk = blocking(accounts.context(), move |ctx| {
        SipTrunks::new(ctx)
            .get(workspace_id, connection_id)
            .map(|(_, trunk)| trunk)
    })
    .await;
    let credentials = Credentials::from_secret(secret);
    match (trunk, credentials) {
        (Ok(trunk), Ok(credentials)) => {
            let timeout = accounts.options().request_timeout.min(SIP_CHECK_TIMEOUT);
            // A sandbox trunk's names are in the sandbox's own zone.
            let name_server = match accounts.endpoints(connection.is_sandbox).await {
                Ok(endpoints) => endpoints.sip_dns.parse().ok(),
                Err(_) => None,
            };
            trunk_results(&trunk, &credentials, timeout, name_server).await
        }
        (Err(error), _) => vec![CheckResult::problem(
            "sip_trunk",
            "Trunk settings",
            error.to_string(),
            "Disconnect this trunk and connect it again.",
        )],
        (_, Err(error)) => vec![CheckResult::problem(
            "credentials_stored",
            "Credentials in the keyring",
            error.to_string(),
            "Disconnect this trunk and connect it again to enter its credentials.",
        )],
    }
}

async fn connection_results(
    accounts: &Accounts,
    connection: &ConnectionRow,
) -> (Vec<CheckResult>, Option<std::sync::Arc<CarrierAccount>>) {
    let mut results = Vec::new();
    let key = SecretKey::new(connection.workspace_id, connection.id);
    let stored = blocking(accounts.context(), move |ctx| {
        Ok::<_, TaskFailed>(ctx.secrets.get(key))
    })
    .await;
    let stored = match stored {
        Ok(stored) => stored,
        Err(error) => {
            results.push(CheckResult::problem(
                "credentials_stored",
                "Credentials in the keyring",
                error.to_string(),
                "Run the check again.",
            ));
            return (results, None);
        }
    };
    match stored {
        Ok(Some(secret)) => {
            results.push(CheckResult::ok(
                "credentials_stored",
                "Credentials in the keyring",
                "The credentials are in the system keyring.",
            ));
            if !connection.carrier.has_api() {
                results.extend(sip_trunk_results(accounts, connection, &secret).await);
                return (results, None);
            }
        }
        Ok(None) => {
            results.push(CheckResult::problem(
                "credentials_stored",
                "Credentials in the keyring",
                "The credentials of this connection are missing from the system keyring.",
                "Disconnect this carrier and connect it again to enter the credentials.",
            ));
            return (results, None);
        }
        Err(error) => {
            results.push(CheckResult::problem(
                "credentials_stored",
                "Credentials in the keyring",
                format!("The system keyring could not be read: {error}."),
                "Unlock the system keyring and run the check again.",
            ));
            return (results, None);
        }
    }
    let account = match accounts
        .connection(connection.workspace_id, connection.id)
        .await
    {
        Ok(account) => account,
        Err(error) => {
            results.push(CheckResult::problem(
                "credentials_valid",
                "Credentials accepted",
                error.to_string(),
                "Disconnect this carrier and connect it again with valid credentials.",
            ));
            return (results, None);
        }
    };
    match account.validate().await {
        Ok(info) => {
            results.push(CheckResult::ok(
                "credentials_valid",
                "Credentials accepted",
                format!("{} accepted the credentials.", info.carrier),
            ));
            match info.status {
                AccountStatus::Suspended => results.push(CheckResult::problem(
                    "account_active",
                    "Account active",
                    format!("The {} account is suspended.", info.carrier),
                    format!("Reactivate the account in the {} console.", info.carrier),
                )),
                AccountStatus::Closed => results.push(CheckResult::problem(
                    "account_active",
                    "Account active",
                    format!("The {} account is closed.", info.carrier),
                    "A closed account cannot be used again: disconnect it and connect an active one.",
                )),
                _ => results.push(CheckResult::ok(
                    "account_active",
                    "Account active",
                    "The account is active.",
                )),
            }
        }
        Err(error) => {
            results.push(CheckResult::problem(
                "credentials_valid",
                "Credentials accepted",
                error.to_string(),
                carrier_fix(&error),
            ));
            return (results, None);
        }
    }
    if connection.carrier == CarrierKind::Telnyx {
        results.push(texml_result(accounts, &account, connection).await);
    }
    (results, Some(account))
}

async fn texml_result(
    accounts: &Accounts,
    account: &CarrierAccount,
    connection: &ConnectionRow,
) -> CheckResult {
    const ID: &str = "texml_application";
    const LABEL: &str = "TeXML application";
    let Some(app_id) = connection.texml_connection_id.as_deref() else {
        return CheckResult::problem(
            ID,
            LABEL,
            "This connection has no TeXML application (Connection ID).",
            "Disconnect and connect again with the Connection ID of a TeXML application.",
        );
    };
    let workspace_id = connection.workspace_id;
    let workspace = blocking(accounts.context(), move |ctx| {
        Ok::<_, DiagnosticsError>(
            ctx.workspaces()
                .get(workspace_id)
                .map_err(ConnectionError::from)?,
        )
    })
    .await;
    let expected = match workspace {
        Ok(workspace) => expected_texml_voice_url(&workspace.webhook_base_url),
        Err(error) => {
            return CheckResult::problem(ID, LABEL, error.to_string(), "Reload the workspace.")
        }
    };
    match account.texml_application(app_id).await {
        Ok(app) if app.voice_url.as_deref() == Some(expected.as_str()) => CheckResult::ok(
            ID,
            LABEL,
            format!(
                "TeXML application \"{}\" sends calls to {expected}.",
                app.name
            ),
        ),
        Ok(app) => CheckResult::problem(
            ID,
            LABEL,
            format!(
                "TeXML application \"{}\" has the voice URL {}.",
                app.name,
                app.voice_url.as_deref().unwrap_or("(none)")
            ),
            format!(
                "In the Telnyx portal, open Voice > TeXML Applications > \"{}\" and set the voice URL to {expected}.",
                app.name
            ),
        ),
        Err(CarrierError::NotFound { .. }) => CheckResult::problem(
            ID,
            LABEL,
            format!("No TeXML application has the Connection ID {app_id}."),
            "Create a TeXML application in the Telnyx portal, then disconnect and connect again with its Connection ID.",
        ),
        Err(error) => CheckResult::problem(ID, LABEL, error.to_string(), carrier_fix(&error)),
    }
}

/// Checks a carrier connection.
pub async fn check_connection(
    accounts: &Accounts,
    workspace_id: WorkspaceId,
    connection_id: ConnectionId,
) -> Result<Diagnosis, DiagnosticsError> {
    let connection = blocking(accounts.context(), move |ctx| {
        Ok::<_, DiagnosticsError>(Connections::new(ctx).get(workspace_id, connection_id)?)
    })
    .await?;
    let (results, _) = connection_results(accounts, &connection).await;
    Ok(Diagnosis {
        subject: connection.name,
        results,
    })
}

/// Checks one number: its connection's checks, then the number's own.
pub async fn check_number(
    accounts: &Accounts,
    workspace_id: WorkspaceId,
    number_id: PhoneNumberId,
) -> Result<Diagnosis, DiagnosticsError> {
    let number = blocking(accounts.context(), move |ctx| {
        Ok::<_, DiagnosticsError>(
            ctx.store
                .read(|c| sync_state::by_ids(c, workspace_id, &[number_id]))?
                .pop(),
        )
    })
    .await?
    .ok_or(DiagnosticsError::NumberNotFound)?;
    let mut results = Vec::new();

    if matches!(number.status.as_str(), "missing" | "released" | "failed") {
        results.push(CheckResult::problem(
            "number_status",
            "Number status",
            format!("The number is {}.", number.status.label().to_lowercase()),
            match number.status.as_str() {
                "missing" => "Check the carrier account for the number; if it was released there, remove it from NumberDesk or import it again.",
                "released" => "Buy or import another number for this agent.",
                _ => "Buy or import the number again.",
            },
        ));
    } else {
        results.push(CheckResult::ok(
            "number_status",
            "Number status",
            format!("The number is {}.", number.status.label().to_lowercase()),
        ));
    }

    if number.inbound_agent_id.is_some()
        || number.outbound_agent_id.is_some()
        || number.sms_agent_id.is_some()
    {
        results.push(CheckResult::ok(
            "agent_assigned",
            "Assigned to an agent",
            "An agent is assigned to this number.",
        ));
    } else {
        results.push(CheckResult::problem(
            "agent_assigned",
            "Assigned to an agent",
            "No agent is assigned to this number, so calls to it reach nobody.",
            "Assign an inbound agent to this number in the Phone Numbers table.",
        ));
    }

    let Some(connection_id) = number.connection_id else {
        return Ok(Diagnosis {
            subject: number.e164,
            results,
        });
    };
    let (connection, target) = blocking(accounts.context(), move |ctx| {
        let connection = Connections::new(ctx).get(workspace_id, connection_id)?;
        let target = target_of(ctx, workspace_id, connection_id)?;
        Ok::<_, DiagnosticsError>((connection, target))
    })
    .await?;
    let (connection_checks, account) = connection_results(accounts, &connection).await;
    results.extend(connection_checks);
    let Some(account) = account else {
        return Ok(Diagnosis {
            subject: number.e164,
            results,
        });
    };

    let carrier_id = number.carrier_number_id.clone().unwrap_or_default();
    let found = match account.fetch_number(&carrier_id).await {
        Ok(found) => {
            results.push(CheckResult::ok(
                "number_in_account",
                "Number in the carrier account",
                format!("{} still has the number in this account.", account.kind()),
            ));
            Some(found)
        }
        Err(CarrierError::NotFound { carrier, .. }) => {
            results.push(CheckResult::problem(
                "number_in_account",
                "Number in the carrier account",
                format!("{carrier} no longer has this number in the connected account."),
                "Run Sync with carrier to mark it Missing, then check whether it was released or moved to another account.",
            ));
            None
        }
        Err(error) => {
            results.push(CheckResult::problem(
                "number_in_account",
                "Number in the carrier account",
                error.to_string(),
                carrier_fix(&error),
            ));
            None
        }
    };

    if let Some(found) = found {
        if number.webhook_mode == WebhookMode::Managed {
            match &target {
                Some(target) => {
                    let drift = drift_of(&found.routing, target);
                    if drift.is_empty() {
                        results.push(CheckResult::ok(
                            "webhook_settings",
                            "Carrier webhook settings",
                            "The carrier sends this number's calls and messages to NumberDesk.",
                        ));
                    } else {
                        let fields: Vec<String> = drift
                            .iter()
                            .map(|d| {
                                format!(
                                    "{} is {} instead of {}",
                                    d.label,
                                    d.carrier_has.as_deref().unwrap_or("empty"),
                                    d.numberdesk_set.as_deref().unwrap_or("empty")
                                )
                            })
                            .collect();
                        results.push(CheckResult::problem(
                            "webhook_settings",
                            "Carrier webhook settings",
                            format!("The settings were changed at the carrier: {}.", fields.join("; ")),
                            "Import the number again in managed mode, or change the settings back in the carrier's console.",
                        ));
                    }
                }
                None => results.push(CheckResult::problem(
                    "webhook_settings",
                    "Carrier webhook settings",
                    "NumberDesk cannot tell what this connection's numbers should point at.",
                    "Disconnect and connect again with the Connection ID of a TeXML application.",
                )),
            }
            if let (Routing::Telnyx(routing), Some(app)) =
                (&found.routing, connection.texml_connection_id.as_deref())
            {
                if routing.connection_id.as_deref() == Some(app) {
                    results.push(CheckResult::ok(
                        "texml_connection",
                        "Number on the TeXML application",
                        "The number uses the connection's TeXML application.",
                    ));
                } else {
                    results.push(CheckResult::problem(
                        "texml_connection",
                        "Number on the TeXML application",
                        format!(
                            "The number uses connection {} instead of the TeXML application {app}.",
                            routing.connection_id.as_deref().unwrap_or("(none)")
                        ),
                        format!("In the Telnyx portal, set the number's connection to the TeXML application {app}."),
                    ));
                }
            }
        } else {
            results.push(CheckResult::ok(
                "webhook_settings",
                "Carrier webhook settings",
                "Outbound only: NumberDesk leaves this number's carrier settings as they are, so inbound calls go where the carrier sends them.",
            ));
        }
        if account.kind() == CarrierKind::Twilio {
            let managed = number.webhook_mode == WebhookMode::Managed;
            let wanted = if managed { target.as_ref() } else { None };
            results.push(region_result(&account, &number.e164, &carrier_id, wanted).await);
        }
    }

    Ok(Diagnosis {
        subject: number.e164,
        results,
    })
}
