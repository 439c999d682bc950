//! The only home of credentials: the OS keyring (Secret Service on Linux, Keychain on macOS,
//! Credential Manager on Windows), one entry per workspace + carrier connection.
//!
//! Nothing else in NumberDesk may call the keyring crate. Secrets travel as [`Sensitive`], which
//! prints as `[redacted]`, and every secret handled here is registered with the log [`Redactor`].
//! Errors never carry a secret. The calls block: async callers use `spawn_blocking`.

pub mod credentials;

use crate::domain::failure::{Classified, ErrorKind, UserError};
use crate::domain::ids::{ConnectionId, WorkspaceId};
use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use crate::logging::Redactor;

/// A value that must never be printed. Debug and Display show `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Sensitive<T>(T);

impl<T> Sensitive<T> {
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The secret itself, for the one place that must send it (an HTTP header, the keyring).
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl<T> fmt::Display for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<String> for Sensitive<String> {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Sensitive<String> {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

/// Which credential: the connection `connection_id` of workspace `workspace_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SecretKey {
    pub workspace_id: WorkspaceId,
    pub connection_id: ConnectionId,
}

impl SecretKey {
    pub fn new(workspace_id: WorkspaceId, connection_id: ConnectionId) -> Self {
        Self {
            workspace_id,
            connection_id,
        }
    }

    /// The agency's number-pool Telnyx API key (app-wide, not a workspace's connection; workspace
    /// ids start at 1).
    pub const POOL: SecretKey = SecretKey {
        workspace_id: WorkspaceId(0),
        connection_id: ConnectionId(0),
    };

    /// The keyring "user" of this entry. Stable: changing it would orphan stored credentials.
    pub fn account_name(&self) -> String {
        if *self == Self::POOL {
            return "number-pool/telnyx".to_owned();
        }
        format!(
            "workspace-{}/connection-{}",
            self.workspace_id, self.connection_id
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    /// No keyring service answers (for example no Secret Service on the session bus).
    #[error("no keyring service is available: {reason}")]
    Unavailable { reason: String },
    /// The keyring answered but refused or failed the operation.
    #[error("the keyring refused to {operation} the credentials of {key}: {reason}")]
    Backend {
        operation: &'static str,
        key: String,
        reason: String,
    },
}

impl UserError for SecretsError {
    fn classify(&self) -> Classified<'_> {
        match self {
            Self::Unavailable { .. } | Self::Backend { .. } => {
                Classified::Kind(ErrorKind::KeyringUnavailable)
            }
        }
    }

    fn user_message(&self) -> String {
        match self {
            Self::Unavailable { reason } => format!("The system keyring is not available, so credentials cannot be kept safely: {reason}."),
            Self::Backend { operation, reason, .. } => format!("The system keyring refused to {operation} the credentials: {reason}."),
        }
    }
}

/// Where credentials are kept. The desktop app uses [`KeyringStore`]; unit tests may use
/// [`MemorySecretStore`].
pub trait SecretStore: Send + Sync {
    fn put(&self, key: SecretKey, secret: &Sensitive<String>) -> Result<(), SecretsError>;
    fn get(&self, key: SecretKey) -> Result<Option<Sensitive<String>>, SecretsError>;
    /// Deletes the entry. Deleting an entry that does not exist is not an error.
    fn delete(&self, key: SecretKey) -> Result<(), SecretsError>;
    /// Checks that the backend answers at all, without touching any real entry.
    fn probe(&self) -> Result<(), SecretsError>;
}

/// The keys among `keys` that have no stored secret (a connection whose credentials were lost,
/// for example after moving the database to another machine).
pub fn missing(
    store: &dyn SecretStore,
    keys: impl IntoIterator<Item = SecretKey>,
) -> Result<Vec<SecretKey>, SecretsError> {
    let mut absent = Vec::new();
    for key in keys {
        if store.get(key)?.is_none() {
            absent.push(key);
        }
    }
    Ok(absent)
}

/// Registers a secret with the redactor: the whole value and, when it is a JSON object of
/// credentials, each string field in it but the `carrier` tag (a carrier's name, `twilio` or
/// `telnyx`, is no secret, and masking it would blank it from every log line).
fn register_with(redactor: &Redactor, secret: &Sensitive<String>) {
    redactor.register(secret.expose());
    if let Ok(serde_json::Value::Object(fields)) = serde_json::from_str(secret.expose()) {
        for (_, value) in fields.iter().filter(|(key, _)| key.as_str() != "carrier") {
            if let serde_json::Value::String(text) = value {
                redactor.register(text);
            }
        }
    }
}

/// The OS keyring, under one service name per app (and per test run, if a test chooses one).
pub struct KeyringStore {
    service: String,
    redactor: Redactor,
}

pub const DEFAULT_SERVICE: &str = "app.numberdesk.desktop";

impl KeyringStore {
    pub fn new(service: impl Into<String>, redactor: Redactor) -> Self {
        Self {
            service: service.into(),
            redactor,
        }
    }

    pub fn service(&self) -> &str {
        &self.service
    }

    fn entry(&self, user: &str, operation: &'static str) -> Result<keyring::Entry, SecretsError> {
        keyring::Entry::new(&self.service, user).map_err(|error| classify(error, operation, user))
    }
}

/// Turns a keyring error into ours. keyring's messages name the service and user, never the
/// password, so passing the reason on is safe.
fn classify(error: keyring::Error, operation: &'static str, key: &str) -> SecretsError {
    match error {
        keyring::Error::PlatformFailure(inner) => SecretsError::Unavailable {
            reason: platform_reason(&inner.to_string()),
        },
        keyring::Error::NoStorageAccess(inner) => SecretsError::Unavailable {
            reason: platform_reason(&inner.to_string()),
        },
        other => SecretsError::Backend {
            operation,
            key: key.to_owned(),
            reason: other.to_string(),
        },
    }
}

/// Says in plain words what a missing Secret Service usually looks like.
fn platform_reason(raw: &str) -> String {
    if raw.contains("autolaunch")
        || raw.contains("DBUS_SESSION_BUS_ADDRESS")
        || raw.contains("org.freedesktop.secrets")
    {
        "no Secret Service is running on the session bus (start gnome-keyring or KeePassXC's Secret Service)".to_owned()
    } else if raw.to_lowercase().contains("locked") {
        "the keyring is locked; unlock it and try again".to_owned()
    } else {
        raw.to_owned()
    }
}

impl SecretStore for KeyringStore {
    fn put(&self, key: SecretKey, secret: &Sensitive<String>) -> Result<(), SecretsError> {
        register_with(&self.redactor, secret);
        let user = key.account_name();
        self.entry(&user, "store")?
            .set_password(secret.expose())
            .map_err(|error| classify(error, "store", &user))
    }

    fn get(&self, key: SecretKey) -> Result<Option<Sensitive<String>>, SecretsError> {
        let user = key.account_name();
        match self.entry(&user, "read")?.get_password() {
            Ok(password) => {
                let secret = Sensitive::new(password);
                register_with(&self.redactor, &secret);
                Ok(Some(secret))
            }
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(error) => Err(classify(error, "read", &user)),
        }
    }

    fn delete(&self, key: SecretKey) -> Result<(), SecretsError> {
        let user = key.account_name();
        match self.entry(&user, "delete")?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(error) => Err(classify(error, "delete", &user)),
        }
    }

    fn probe(&self) -> Result<(), SecretsError> {
        match self.entry("probe", "reach")?.get_password() {
            Ok(_) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(error) => Err(classify(error, "reach", "probe")),
        }
    }
}

/// An in-memory store for unit tests, with switches to make the next operation fail.
#[derive(Default)]
pub struct MemorySecretStore {
    entries: Mutex<HashMap<SecretKey, String>>,
    failures: Mutex<MemoryFailures>,
    redactor: Redactor,
    crash: Mutex<Option<CrashGate>>,
}

/// The next delete stops its thread just after it removed the entry, as a process killed there
/// would; see [`MemorySecretStore::crash_after_next_delete`].
struct CrashGate {
    reached: std::sync::mpsc::Sender<()>,
    release: std::sync::mpsc::Receiver<()>,
}

/// The test's side of a [`CrashGate`]: wait until the delete happened, then let its thread die.
pub struct CrashAfterDelete {
    pub reached: std::sync::mpsc::Receiver<()>,
    pub release: std::sync::mpsc::Sender<()>,
}

#[derive(Default, Clone, Copy)]
struct MemoryFailures {
    put: bool,
    delete: bool,
    unavailable: bool,
}

impl MemorySecretStore {
    pub fn new(redactor: Redactor) -> Self {
        Self {
            redactor,
            ..Self::default()
        }
    }

    pub fn fail_puts(&self, fail: bool) {
        self.failures.lock().unwrap_or_else(|p| p.into_inner()).put = fail;
    }

    pub fn fail_deletes(&self, fail: bool) {
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .delete = fail;
    }

    /// The next delete removes its entry, says so through `reached`, waits for `release` and
    /// then panics, so nothing after it on that thread runs (a transaction it is part of rolls
    /// back). Together with aborting the task that waits for it, that is a crash just after the
    /// keyring delete.
    pub fn crash_after_next_delete(&self) -> CrashAfterDelete {
        let (reached_tx, reached) = std::sync::mpsc::channel();
        let (release, release_rx) = std::sync::mpsc::channel();
        *self.crash.lock().unwrap_or_else(|p| p.into_inner()) = Some(CrashGate {
            reached: reached_tx,
            release: release_rx,
        });
        CrashAfterDelete { reached, release }
    }

    pub fn set_unavailable(&self, unavailable: bool) {
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .unavailable = unavailable;
    }

    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn check(&self, operation: &'static str, key: SecretKey) -> Result<(), SecretsError> {
        let failures = *self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if failures.unavailable {
            return Err(SecretsError::Unavailable {
                reason: "the test keyring was switched off".to_owned(),
            });
        }
        let fail = match operation {
            "store" => failures.put,
            "delete" => failures.delete,
            _ => false,
        };
        if fail {
            return Err(SecretsError::Backend {
                operation,
                key: key.account_name(),
                reason: "the test keyring was told to fail".to_owned(),
            });
        }
        Ok(())
    }
}

impl SecretStore for MemorySecretStore {
    fn put(&self, key: SecretKey, secret: &Sensitive<String>) -> Result<(), SecretsError> {
        self.check("store", key)?;
        register_with(&self.redactor, secret);
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, secret.expose().clone());
        Ok(())
    }

    fn get(&self, key: SecretKey) -> Result<Option<Sensitive<String>>, SecretsError> {
        self.check("read", key)?;
        Ok(self
            .entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
            .cloned()
            .map(Sensitive::new))
    }

    fn delete(&self, key: SecretKey) -> Result<(), SecretsError> {
        self.check("delete", key)?;
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&key);
        let gate = self.crash.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(gate) = gate {
            let _ = gate.reached.send(());
            let _ = gate.release.recv();
            panic!("the test crashed this thread just after a keyring delete");
        }
        Ok(())
    }

    fn probe(&self) -> Result<(), SecretsError> {
        self.check("reach", SecretKey::POOL)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_never_prints_its_value() {
        let secret = Sensitive::from("hunter2-but-longer");
        assert_eq!(format!("{secret}"), "[redacted]");
        assert_eq!(format!("{secret:?}"), "[redacted]");
        assert_eq!(format!("{:?}", Some(&secret)), "Some([redacted])");
    }

    #[test]
    fn memory_store_round_trip_and_missing() {
        let redactor = Redactor::new();
        let store = MemorySecretStore::new(redactor.clone());
        let a = SecretKey::new(WorkspaceId(1), ConnectionId(1));
        let b = SecretKey::new(WorkspaceId(1), ConnectionId(2));
        store
            .put(a, &Sensitive::from(r#"{"auth_token":"tok-123456789"}"#))
            .unwrap();
        assert_eq!(
            store.get(a).unwrap().unwrap().expose(),
            r#"{"auth_token":"tok-123456789"}"#
        );
        assert_eq!(missing(&store, [a, b]).unwrap(), vec![b]);
        // Each credential field is known to the log redactor once it has been stored.
        assert_eq!(redactor.redact("x tok-123456789 y"), "x [REDACTED] y");
        // The carrier tag of an entry is not.
        store
            .put(
                b,
                &Sensitive::from(r#"{"carrier":"telnyx","api_key":"KEY-0123456789"}"#),
            )
            .unwrap();
        assert_eq!(
            redactor.redact("carrier=telnyx key=KEY-0123456789"),
            "carrier=telnyx key=[REDACTED]"
        );
        store.delete(b).unwrap();
        store.delete(a).unwrap();
        store.delete(a).unwrap();
        assert!(store.get(a).unwrap().is_none());
    }

    #[test]
    fn memory_store_failures_do_not_change_entries() {
        let store = MemorySecretStore::new(Redactor::new());
        let key = SecretKey::new(WorkspaceId(2), ConnectionId(5));
        store.put(key, &Sensitive::from("first-secret")).unwrap();
        store.fail_deletes(true);
        let error = store.delete(key).unwrap_err();
        assert!(matches!(
            error,
            SecretsError::Backend {
                operation: "delete",
                ..
            }
        ));
        assert!(!error.to_string().contains("first-secret"));
        assert!(store.get(key).unwrap().is_some());
    }

    #[test]
    fn account_names_are_stable() {
        assert_eq!(
            SecretKey::new(WorkspaceId(3), ConnectionId(14)).account_name(),
            "workspace-3/connection-14"
        );
    }
}
