//! How an error reaches a person. Every module's error type says, variant by variant and with no
//! catch-all arm, what kind of failure it is, or which inner error speaks for it; a shell maps the
//! kind to what it shows (the desktop's `{code, message}`, the CLI's exit code) and prints
//! [`UserError::user_message`], so both say the same sentence.

use serde::Serialize;

/// What kind of failure an error is: the one thing a shell branches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The user can fix it by changing what they typed or picked.
    InvalidInput,
    NotFound,
    /// It clashes with something that exists or is under way.
    Conflict,
    KeyringUnavailable,
    /// A carrier refused or failed; the message says what to do.
    Carrier,
    /// The database or a file could not be read or written.
    Storage,
    /// A fault of NumberDesk itself (a task that panicked, a damaged journal).
    Internal,
}

/// What an error says about itself: its kind, or the inner error that speaks for it.
pub enum Classified<'a> {
    Kind(ErrorKind),
    Wraps(&'a dyn UserError),
}

/// An error a person is shown.
pub trait UserError: std::error::Error + Send + Sync {
    /// One exhaustive match over the error's variants.
    fn classify(&self) -> Classified<'_>;

    /// The sentence a user reads: the error's own text, or the inner error's sentence. Errors
    /// whose text is written for logs (the store's, the keyring's) override it.
    fn user_message(&self) -> String {
        match self.classify() {
            Classified::Kind(_) => self.to_string(),
            Classified::Wraps(inner) => inner.user_message(),
        }
    }

    fn kind(&self) -> ErrorKind {
        match self.classify() {
            Classified::Kind(kind) => kind,
            Classified::Wraps(inner) => inner.kind(),
        }
    }
}
