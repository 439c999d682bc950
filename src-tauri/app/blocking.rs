//! Blocking core work (SQLite, the keyring) run off the async runtime, on tokio's blocking pool.
//! Every async flow goes through [`blocking`]; a task that dies is reported as what it is.

use crate::domain::failure::{Classified, ErrorKind, UserError};
use std::sync::Arc;

use crate::app::context::Context;

/// Blocking work that did not finish: it panicked, or the runtime shut down under it.
#[derive(Debug, thiserror::Error)]
pub enum TaskFailed {
    #[error("NumberDesk hit an internal error and stopped that task ({0}). Nothing more was done; the log file has the details.")]
    Panicked(String),
    #[error("NumberDesk is shutting down, so that task was stopped before it finished.")]
    Cancelled,
}

impl UserError for TaskFailed {
    fn classify(&self) -> Classified<'_> {
        match self {
            Self::Panicked(_) | Self::Cancelled => Classified::Kind(ErrorKind::Internal),
        }
    }
}

impl From<tokio::task::JoinError> for TaskFailed {
    fn from(error: tokio::task::JoinError) -> Self {
        if error.is_cancelled() {
            return TaskFailed::Cancelled;
        }
        let panic = error.into_panic();
        let text = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".to_owned());
        tracing::error!(panic = %text, "a blocking task panicked");
        TaskFailed::Panicked(text)
    }
}

/// Runs `work` on the blocking pool with the core's context. Each module's error type says how a
/// task that died is reported (`From<TaskFailed>`).
pub async fn blocking<T, E>(
    ctx: &Arc<Context>,
    work: impl FnOnce(&Context) -> Result<T, E> + Send + 'static,
) -> Result<T, E>
where
    T: Send + 'static,
    E: From<TaskFailed> + Send + 'static,
{
    let ctx = ctx.clone();
    tokio::task::spawn_blocking(move || work(&ctx))
        .await
        .map_err(|e| E::from(TaskFailed::from(e)))?
}
