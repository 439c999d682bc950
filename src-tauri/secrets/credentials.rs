//! What a carrier connection's keyring entry holds, and how it is written there: one JSON object
//! per connection. Values are `Sensitive`, so no Debug or log line can show them.

use std::collections::BTreeMap;

use crate::domain::kinds::CarrierKind;
use serde::{Deserialize, Serialize};

use crate::secrets::Sensitive;

/// Credentials of one carrier account.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    Twilio(TwilioCredentials),
    Telnyx(TelnyxCredentials),
    Sip(SipCredentials),
}

#[derive(Clone, PartialEq, Eq)]
pub struct TwilioCredentials {
    /// `AC…`: names the account in every path; not a secret, shown on the connection's tile.
    pub account_sid: String,
    pub auth: TwilioAuth,
    /// API keys made in regions other than us1 (`ie1`, `au1`), by region: a region's API host
    /// takes only a key made there. Asked for the first time a number moves to that region.
    pub regional: BTreeMap<String, RegionalKey>,
}

/// An API key (`SK…`) made in one Twilio region, and its secret.
#[derive(Clone, PartialEq, Eq)]
pub struct RegionalKey {
    pub sid: String,
    pub secret: Sensitive<String>,
}

impl TwilioCredentials {
    /// Credentials with no regional key yet.
    pub fn new(account_sid: String, auth: TwilioAuth) -> TwilioCredentials {
        TwilioCredentials {
            account_sid,
            auth,
            regional: BTreeMap::new(),
        }
    }
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

/// A SIP trunk's digest credentials: both or neither (a trunk that authenticates by IP has
/// none). The username is kept here too, beside its password.
#[derive(Clone, PartialEq, Eq)]
pub struct SipCredentials {
    pub username: Option<String>,
    pub password: Option<Sensitive<String>>,
}

impl Credentials {
    /// The secret values (an auth token, an API key secret, an API key), for the log redactor.
    pub fn secrets(&self) -> Vec<&str> {
        match self {
            Credentials::Twilio(twilio) => {
                let main = match &twilio.auth {
                    TwilioAuth::AuthToken(token) => token.expose().as_str(),
                    TwilioAuth::ApiKey { secret, .. } => secret.expose().as_str(),
                };
                std::iter::once(main)
                    .chain(
                        twilio
                            .regional
                            .values()
                            .map(|key| key.secret.expose().as_str()),
                    )
                    .collect()
            }
            Credentials::Telnyx(telnyx) => vec![telnyx.api_key.expose().as_str()],
            Credentials::Sip(sip) => sip
                .password
                .iter()
                .map(|password| password.expose().as_str())
                .collect(),
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
                .field("regional", &twilio.regional.keys().collect::<Vec<_>>())
                .finish(),
            Credentials::Telnyx(_) => f.write_str("TelnyxCredentials([redacted])"),
            Credentials::Sip(sip) => f
                .debug_struct("SipCredentials")
                .field("username", &sip.username)
                .field("password", &sip.password.as_ref().map(|_| "[redacted]"))
                .finish(),
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
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        regional_keys: BTreeMap<String, StoredKey>,
    },
    Telnyx {
        api_key: String,
    },
    Sip {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        username: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        password: Option<String>,
    },
}

#[derive(Serialize, Deserialize)]
struct StoredKey {
    sid: String,
    secret: String,
}

#[derive(Debug, thiserror::Error)]
#[error("the stored credentials of this connection are unreadable; enter them again")]
pub struct UnreadableCredentials;

impl Credentials {
    pub fn carrier(&self) -> CarrierKind {
        match self {
            Credentials::Twilio(_) => CarrierKind::Twilio,
            Credentials::Telnyx(_) => CarrierKind::Telnyx,
            Credentials::Sip(_) => CarrierKind::Sip,
        }
    }

    /// The JSON the keyring keeps.
    pub fn to_secret(&self) -> Sensitive<String> {
        let stored = match self {
            Credentials::Twilio(twilio) => {
                let (auth_token, api_key_sid, api_key_secret) = match &twilio.auth {
                    TwilioAuth::AuthToken(token) => (Some(token.expose().clone()), None, None),
                    TwilioAuth::ApiKey { sid, secret } => {
                        (None, Some(sid.clone()), Some(secret.expose().clone()))
                    }
                };
                Stored::Twilio {
                    account_sid: twilio.account_sid.clone(),
                    auth_token,
                    api_key_sid,
                    api_key_secret,
                    regional_keys: twilio
                        .regional
                        .iter()
                        .map(|(region, key)| {
                            let stored = StoredKey {
                                sid: key.sid.clone(),
                                secret: key.secret.expose().clone(),
                            };
                            (region.clone(), stored)
                        })
                        .collect(),
                }
            }
            Credentials::Telnyx(telnyx) => Stored::Telnyx {
                api_key: telnyx.api_key.expose().clone(),
            },
            Credentials::Sip(sip) => Stored::Sip {
                username: sip.username.clone(),
                password: sip.password.as_ref().map(|p| p.expose().clone()),
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
                auth_token,
                api_key_sid,
                api_key_secret,
                regional_keys,
            } => {
                let auth = match (auth_token, api_key_sid, api_key_secret) {
                    (Some(token), _, _) => TwilioAuth::AuthToken(Sensitive::new(token)),
                    (None, Some(sid), Some(secret)) => TwilioAuth::ApiKey {
                        sid,
                        secret: Sensitive::new(secret),
                    },
                    _ => return Err(UnreadableCredentials),
                };
                let regional = regional_keys
                    .into_iter()
                    .map(|(region, key)| {
                        let key = RegionalKey {
                            sid: key.sid,
                            secret: Sensitive::new(key.secret),
                        };
                        (region, key)
                    })
                    .collect();
                Ok(Credentials::Twilio(TwilioCredentials {
                    account_sid,
                    auth,
                    regional,
                }))
            }
            Stored::Telnyx { api_key } => Ok(Credentials::Telnyx(TelnyxCredentials {
                api_key: Sensitive::new(api_key),
            })),
            Stored::Sip { username, password } => {
                if username.is_some() != password.is_some() {
                    return Err(UnreadableCredentials);
                }
                Ok(Credentials::Sip(SipCredentials {
                    username,
                    password: password.map(Sensitive::new),
                }))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_the_keyring_json() {
        let all = [
            Credentials::Twilio(TwilioCredentials::new(
                "AC0123".into(),
                TwilioAuth::AuthToken(Sensitive::from("token-abcdef")),
            )),
            Credentials::Twilio(TwilioCredentials::new(
                "AC0123".into(),
                TwilioAuth::ApiKey {
                    sid: "SK0456".into(),
                    secret: Sensitive::from("secret-abcdef"),
                },
            )),
            Credentials::Twilio(TwilioCredentials {
                account_sid: "AC0123".into(),
                auth: TwilioAuth::AuthToken(Sensitive::from("token-abcdef")),
                regional: [(
                    "ie1".to_string(),
                    RegionalKey {
                        sid: "SK0789".into(),
                        secret: Sensitive::from("ie1-secret"),
                    },
                )]
                .into(),
            }),
            Credentials::Telnyx(TelnyxCredentials {
                api_key: Sensitive::from("KEY0123456789"),
            }),
            Credentials::Sip(SipCredentials {
                username: Some("office".into()),
                password: Some(Sensitive::from("digest-pass")),
            }),
            Credentials::Sip(SipCredentials {
                username: None,
                password: None,
            }),
        ];
        for credentials in all {
            let secret = credentials.to_secret();
            assert_eq!(Credentials::from_secret(&secret).unwrap(), credentials);
        }
    }

    #[test]
    fn debug_shows_no_secret() {
        let credentials = Credentials::Twilio(TwilioCredentials::new(
            "AC0123".into(),
            TwilioAuth::AuthToken(Sensitive::from("token-abcdef")),
        ));
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
            r#"{"carrier":"sip","username":"office"}"#,
            "[1,2]",
        ] {
            assert!(
                Credentials::from_secret(&Sensitive::from(bad)).is_err(),
                "{bad}"
            );
        }
    }
}
