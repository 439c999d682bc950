//! What a carrier connection's keyring entry holds, and how it is written there: one JSON object
//! per connection. Values are `Sensitive`, so no Debug or log line can show them.

use crate::domain::kinds::CarrierKind;
use serde::{Deserialize, Serialize};

use crate::secrets::Sensitive;

/// Credentials of one carrier account.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    Twilio(TwilioCredentials),
    Telnyx(TelnyxCredentials),
}

#[derive(Clone, PartialEq, Eq)]
pub struct TwilioCredentials {
    /// `AC…`: names the account in every path; not a secret, shown on the connection's tile.
    pub account_sid: String,
    pub auth: TwilioAuth,
}

#[derive(Clone, PartialEq, Eq)]
pub enum TwilioAuth {
    AuthToken(Sensitive<String>),
    /// An API key (`SK…`) and its secret; the recommended way for production.
    ApiKey {
        sid: String,
        secret: Sensitive<String>,
    },
}

#[derive(Clone, PartialEq, Eq)]
pub struct TelnyxCredentials {
    pub api_key: Sensitive<String>,
}

impl Credentials {
    /// The secret values (an auth token, an API key secret, an API key), for the log redactor.
    pub fn secrets(&self) -> Vec<&str> {
        match self {
            Credentials::Twilio(twilio) => match &twilio.auth {
                TwilioAuth::AuthToken(token) => vec![token.expose().as_str()],
                TwilioAuth::ApiKey { secret, .. } => vec![secret.expose().as_str()],
            },
            Credentials::Telnyx(telnyx) => vec![telnyx.api_key.expose().as_str()],
        }
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Twilio(twilio) => f
                .debug_struct("TwilioCredentials")
                .field("account_sid", &twilio.account_sid)
                .field("auth", &"[redacted]")
                .finish(),
            Credentials::Telnyx(_) => f.write_str("TelnyxCredentials([redacted])"),
        }
    }
}

/// The keyring entry's JSON. Private: only this module sees plain secrets as `String`.
#[derive(Serialize, Deserialize)]
#[serde(tag = "carrier", rename_all = "snake_case")]
enum Stored {
    Twilio {
        account_sid: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        auth_token: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        api_key_sid: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        api_key_secret: Option<String>,
    },
    Telnyx {
        api_key: String,
    },
}

#[derive(Debug, thiserror::Error)]
#[error("the stored credentials of this connection are unreadable; enter them again")]
pub struct UnreadableCredentials;

impl Credentials {
    pub fn carrier(&self) -> CarrierKind {
        match self {
            Credentials::Twilio(_) => CarrierKind::Twilio,
            Credentials::Telnyx(_) => CarrierKind::Telnyx,
        }
    }

    /// The JSON the keyring keeps.
    pub fn to_secret(&self) -> Sensitive<String> {
        let stored = match self {
            Credentials::Twilio(twilio) => match &twilio.auth {
                TwilioAuth::AuthToken(token) => Stored::Twilio {
                    account_sid: twilio.account_sid.clone(),
                    auth_token: Some(token.expose().clone()),
                    api_key_sid: None,
                    api_key_secret: None,
                },
                TwilioAuth::ApiKey { sid, secret } => Stored::Twilio {
                    account_sid: twilio.account_sid.clone(),
                    auth_token: None,
                    api_key_sid: Some(sid.clone()),
                    api_key_secret: Some(secret.expose().clone()),
                },
            },
            Credentials::Telnyx(telnyx) => Stored::Telnyx {
                api_key: telnyx.api_key.expose().clone(),
            },
        };
        Sensitive::new(serde_json::to_string(&stored).expect("credentials serialise"))
    }

    pub fn from_secret(secret: &Sensitive<String>) -> Result<Self, UnreadableCredentials> {
        let stored: Stored =
            serde_json::from_str(secret.expose()).map_err(|_| UnreadableCredentials)?;
        match stored {
            Stored::Twilio {
                account_sid,
                auth_token: Some(token),
                ..
            } => Ok(Credentials::Twilio(TwilioCredentials {
                account_sid,
                auth: TwilioAuth::AuthToken(Sensitive::new(token)),
            })),
            Stored::Twilio {
                account_sid,
                api_key_sid: Some(sid),
                api_key_secret: Some(secret),
                ..
            } => Ok(Credentials::Twilio(TwilioCredentials {
                account_sid,
                auth: TwilioAuth::ApiKey {
                    sid,
                    secret: Sensitive::new(secret),
                },
            })),
            Stored::Twilio { .. } => Err(UnreadableCredentials),
            Stored::Telnyx { api_key } => Ok(Credentials::Telnyx(TelnyxCredentials {
                api_key: Sensitive::new(api_key),
            })),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_the_keyring_json() {
        let all = [
            Credentials::Twilio(TwilioCredentials {
                account_sid: "AC0123".into(),
                auth: TwilioAuth::AuthToken(Sensitive::from("token-abcdef")),
            }),
            Credentials::Twilio(TwilioCredentials {
                account_sid: "AC0123".into(),
                auth: TwilioAuth::ApiKey {
                    sid: "SK0456".into(),
                    secret: Sensitive::from("secret-abcdef"),
                },
            }),
            Credentials::Telnyx(TelnyxCredentials {
                api_key: Sensitive::from("KEY0123456789"),
            }),
        ];
        for credentials in all {
            let secret = credentials.to_secret();
            assert_eq!(Credentials::from_secret(&secret).unwrap(), credentials);
        }
    }

    #[test]
    fn debug_shows_no_secret() {
        let credentials = Credentials::Twilio(TwilioCredentials {
            account_sid: "AC0123".into(),
            auth: TwilioAuth::AuthToken(Sensitive::from("token-abcdef")),
        });
        let shown = format!("{credentials:?}");
        assert!(
            shown.contains("AC0123") && !shown.contains("token-abcdef"),
            "{shown}"
        );
    }

    #[test]
    fn garbage_is_unreadable_not_a_panic() {
        for bad in [
            "",
            "{}",
            r#"{"carrier":"twilio","account_sid":"AC1"}"#,
            "[1,2]",
        ] {
            assert!(
                Credentials::from_secret(&Sensitive::from(bad)).is_err(),
                "{bad}"
            );
        }
    }
}
