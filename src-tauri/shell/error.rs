//! The one error shape the UI receives: `{ code, message }`. The message is a sentence for the
//! user; the code is there only where the UI branches on it. No secret and no debug dump crosses.

use serde::Serialize;

use crate::agents::AgentError;
use crate::audit::AuditError;
use crate::billing::BillingError;
use crate::carriers::CarrierError;
use crate::connect::ConnectError;
use crate::connections::ConnectionError;
use crate::context::ContextError;
use crate::diagnostics::DiagnosticsError;
use crate::disconnect::DisconnectError;
use crate::forwarding::ForwardingError;
use crate::import::ImportError;
use crate::numbers_table::TableError;
use crate::purchase::PurchaseError;
use crate::regions::RegionError;
use crate::sandbox_mode::SandboxModeError;
use crate::secrets::SecretsError;
use crate::store::StoreError;
use crate::sync::{AccountUnavailable, SyncError};
use crate::workspaces::WorkspaceError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidInput,
    NotFound,
    Conflict,
    KeyringUnavailable,
    /// A carrier refused or failed; the message says what to do.
    Carrier,
    Storage,
    Internal,
}

#[derive(Debug, Clone, Serialize)]
pub struct IpcError {
    pub code: ErrorCode,
    pub message: String,
}

impl IpcError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidInput, message)
    }

    pub fn internal(what: &str) -> Self {
        Self::new(
            ErrorCode::Internal,
            format!("NumberDesk could not {what}. The log file has the details."),
        )
    }
}

impl From<StoreError> for IpcError {
    fn from(error: StoreError) -> Self {
        tracing::error!(%error, "database operation failed");
        match error {
            StoreError::NotFound { what } => Self::new(ErrorCode::NotFound, format!("{} was not found.", capitalise(&what))),
            StoreError::Conflict(what) => Self::new(ErrorCode::Conflict, format!("{}.", capitalise(&what))),
            StoreError::Open { path, .. } => Self::new(
                ErrorCode::Storage,
                format!("NumberDesk could not open its database at {path}. Check that the folder is writable and has free space."),
            ),
            StoreError::Migrate(_) => Self::new(
                ErrorCode::Storage,
                "NumberDesk could not upgrade its database. If a newer NumberDesk opened it, use that version.",
            ),
            StoreError::Sqlite(_) => Self::new(
                ErrorCode::Storage,
                "NumberDesk could not read or write its database. Nothing was changed; try again.",
            ),
        }
    }
}

impl From<WorkspaceError> for IpcError {
    fn from(error: WorkspaceError) -> Self {
        match error {
            WorkspaceError::Store(inner) => inner.into(),
            WorkspaceError::NotFound(_) => Self::new(ErrorCode::NotFound, error.to_string()),
            WorkspaceError::NameTaken(_) => Self::new(ErrorCode::Conflict, error.to_string()),
            other => {
                debug_assert!(other.is_invalid_input());
                Self::new(ErrorCode::InvalidInput, other.to_string())
            }
        }
    }
}

impl From<SecretsError> for IpcError {
    fn from(error: SecretsError) -> Self {
        tracing::error!(%error, "keyring operation failed");
        match error {
            SecretsError::Unavailable { reason } => Self::new(
                ErrorCode::KeyringUnavailable,
                format!("The system keyring is not available, so credentials cannot be kept safely: {reason}."),
            ),
            SecretsError::Backend { operation, reason, .. } => Self::new(
                ErrorCode::KeyringUnavailable,
                format!("The system keyring refused to {operation} the credentials: {reason}."),
            ),
        }
    }
}

impl From<ContextError> for IpcError {
    fn from(error: ContextError) -> Self {
        match error {
            ContextError::Store(inner) => inner.into(),
            ContextError::Secrets(inner) => inner.into(),
        }
    }
}

impl From<ConnectionError> for IpcError {
    fn from(error: ConnectionError) -> Self {
        match error {
            ConnectionError::Store(inner) => inner.into(),
            ConnectionError::Secrets(inner) => inner.into(),
            ConnectionError::Workspace(inner) => inner.into(),
            ConnectionError::NotFound => Self::new(ErrorCode::NotFound, error.to_string()),
            ConnectionError::NameTaken(_) => Self::new(ErrorCode::Conflict, error.to_string()),
            ConnectionError::CredentialsMissing | ConnectionError::Unreadable(_) => {
                Self::new(ErrorCode::KeyringUnavailable, error.to_string())
            }
            ConnectionError::EmptyName
            | ConnectionError::NameTooLong
            | ConnectionError::SandboxMix
            | ConnectionError::SandboxOutsideSandbox => {
                Self::new(ErrorCode::InvalidInput, error.to_string())
            }
        }
    }
}

impl From<CarrierError> for IpcError {
    fn from(error: CarrierError) -> Self {
        tracing::warn!(%error, "carrier call failed");
        Self::new(ErrorCode::Carrier, error.to_string())
    }
}

impl From<ConnectError> for IpcError {
    fn from(error: ConnectError) -> Self {
        match error {
            ConnectError::Carrier(inner) => inner.into(),
            ConnectError::Connection(inner) => inner.into(),
            ConnectError::Workspace(inner) => inner.into(),
            ConnectError::AccountNotActive(_) => Self::new(ErrorCode::Carrier, error.to_string()),
            other => Self::invalid(other.to_string()),
        }
    }
}

impl From<ImportError> for IpcError {
    fn from(error: ImportError) -> Self {
        match error {
            ImportError::Carrier(inner) => inner.into(),
            ImportError::Connection(inner) => inner.into(),
            ImportError::Store(inner) => inner.into(),
            ImportError::NotFound => Self::new(ErrorCode::NotFound, error.to_string()),
            ImportError::Journal(_) => {
                tracing::error!(%error, "import journal");
                Self::new(ErrorCode::Storage, error.to_string())
            }
            other => Self::invalid(other.to_string()),
        }
    }
}

impl From<SandboxModeError> for IpcError {
    fn from(error: SandboxModeError) -> Self {
        match error {
            SandboxModeError::Workspace(inner) => inner.into(),
            SandboxModeError::Connection(inner) => inner.into(),
            SandboxModeError::NoAccounts => Self::new(ErrorCode::Internal, error.to_string()),
        }
    }
}

impl From<PurchaseError> for IpcError {
    fn from(error: PurchaseError) -> Self {
        if error.is_invalid_input() {
            return Self::invalid(error.to_string());
        }
        match error {
            PurchaseError::Carrier(inner) => inner.into(),
            PurchaseError::Connection(inner) => inner.into(),
            PurchaseError::Billing(inner) => inner.into(),
            PurchaseError::Workspace(inner) => inner.into(),
            PurchaseError::Store(inner) => inner.into(),
            PurchaseError::NumberNotFound | PurchaseError::OrderNotFound => {
                Self::new(ErrorCode::NotFound, error.to_string())
            }
            PurchaseError::AlreadyHeld(_) | PurchaseError::InFlight(_) => {
                Self::new(ErrorCode::Conflict, error.to_string())
            }
            PurchaseError::NumberGone(_) | PurchaseError::Unconfirmed { .. } => {
                Self::new(ErrorCode::Carrier, error.to_string())
            }
            PurchaseError::Journal(_) => {
                tracing::error!(%error, "purchase journal");
                Self::new(ErrorCode::Storage, error.to_string())
            }
            other => Self::invalid(other.to_string()),
        }
    }
}

impl From<BillingError> for IpcError {
    fn from(error: BillingError) -> Self {
        match error {
            BillingError::Workspace(inner) => inner.into(),
            BillingError::Store(inner) => inner.into(),
            BillingError::Damaged(_) => {
                tracing::error!(%error, "credit ledger");
                Self::new(ErrorCode::Storage, error.to_string())
            }
        }
    }
}

impl From<TableError> for IpcError {
    fn from(error: TableError) -> Self {
        match error {
            TableError::Store(inner) => inner.into(),
            TableError::Export(_) => Self::new(ErrorCode::Storage, error.to_string()),
        }
    }
}

impl From<AuditError> for IpcError {
    fn from(error: AuditError) -> Self {
        match error {
            AuditError::Store(inner) => inner.into(),
            AuditError::Export(_) => Self::new(ErrorCode::Storage, error.to_string()),
        }
    }
}

impl From<SyncError> for IpcError {
    fn from(error: SyncError) -> Self {
        match error {
            SyncError::Connection(inner) => inner.into(),
            SyncError::Store(inner) => inner.into(),
            SyncError::Carrier(_) => {
                tracing::warn!(%error, "sync failed");
                Self::new(ErrorCode::Carrier, error.to_string())
            }
        }
    }
}

impl From<AccountUnavailable> for IpcError {
    fn from(error: AccountUnavailable) -> Self {
        match error {
            AccountUnavailable::Carrier(inner) => inner.into(),
            AccountUnavailable::Connection(inner) => inner.into(),
        }
    }
}

impl From<RegionError> for IpcError {
    fn from(error: RegionError) -> Self {
        match error {
            RegionError::Carrier(inner) => inner.into(),
            RegionError::Store(inner) => inner.into(),
            RegionError::NotFound => Self::new(ErrorCode::NotFound, error.to_string()),
            other => Self::invalid(other.to_string()),
        }
    }
}

impl From<AgentError> for IpcError {
    fn from(error: AgentError) -> Self {
        match error {
            AgentError::Store(inner) => inner.into(),
            AgentError::NotFound => Self::new(ErrorCode::NotFound, error.to_string()),
            AgentError::NameTaken(_) | AgentError::HoldsNumbers { .. } => {
                Self::new(ErrorCode::Conflict, error.to_string())
            }
            other => Self::invalid(other.to_string()),
        }
    }
}

impl From<DisconnectError> for IpcError {
    fn from(error: DisconnectError) -> Self {
        match error {
            DisconnectError::Connection(inner) => inner.into(),
            DisconnectError::NotFound => Self::new(ErrorCode::NotFound, error.to_string()),
            DisconnectError::ImportRunning => Self::new(ErrorCode::Conflict, error.to_string()),
            DisconnectError::Keyring(_) => {
                tracing::error!(%error, "disconnect stopped");
                Self::new(ErrorCode::KeyringUnavailable, error.to_string())
            }
            // These messages are written for the user and name no SQL.
            other => {
                tracing::error!(error = %other, "disconnect stopped");
                Self::new(ErrorCode::Carrier, other.to_string())
            }
        }
    }
}

impl From<DiagnosticsError> for IpcError {
    fn from(error: DiagnosticsError) -> Self {
        match error {
            DiagnosticsError::Connection(inner) => inner.into(),
            DiagnosticsError::Store(inner) => inner.into(),
            DiagnosticsError::NumberNotFound => Self::new(ErrorCode::NotFound, error.to_string()),
        }
    }
}

impl From<ForwardingError> for IpcError {
    fn from(error: ForwardingError) -> Self {
        Self::invalid(error.to_string())
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_input_keeps_the_sentence() {
        let error: IpcError = WorkspaceError::EmptyName.into();
        assert_eq!(error.code, ErrorCode::InvalidInput);
        assert_eq!(error.message, "Give the workspace a name.");
        let json = serde_json::to_string(&error).unwrap();
        assert_eq!(
            json,
            r#"{"code":"invalid_input","message":"Give the workspace a name."}"#
        );
    }

    #[test]
    fn database_failures_do_not_leak_sql() {
        let error: IpcError = StoreError::Sqlite(rusqlite::Error::InvalidQuery).into();
        assert_eq!(error.code, ErrorCode::Storage);
        assert!(!error.message.contains("Query"));
    }
}
