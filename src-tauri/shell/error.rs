//! The one error shape the UI receives: `{ code, message }`. The core decides both: the code is
//! the error's [`ErrorKind`] and the message its user sentence, the same one the CLI prints. No
//! secret and no debug dump crosses.

use serde::Serialize;

use crate::domain::failure::{ErrorKind, UserError};

#[derive(Debug, Clone, Serialize)]
pub struct IpcError {
    pub code: ErrorKind,
    pub message: String,
}

impl<E: UserError> From<E> for IpcError {
    fn from(error: E) -> Self {
        let code = error.kind();
        // The log gets the error's own text (written for logs, and redacted by the log writer).
        match code {
            ErrorKind::Storage | ErrorKind::Internal | ErrorKind::KeyringUnavailable => {
                tracing::error!(%error, "a command failed")
            }
            ErrorKind::Carrier => tracing::warn!(%error, "a carrier call failed"),
            ErrorKind::InvalidInput | ErrorKind::NotFound | ErrorKind::Conflict => {
                tracing::info!(%error, "a command was refused")
            }
        }
        Self {
            code,
            message: error.user_message(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flows::workspaces::WorkspaceError;
    use crate::store::StoreError;

    #[test]
    fn invalid_input_keeps_the_sentence() {
        let error: IpcError = WorkspaceError::EmptyName.into();
        assert_eq!(error.code, ErrorKind::InvalidInput);
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
        assert_eq!(error.code, ErrorKind::Storage);
        assert!(!error.message.contains("Query"));
    }
}
