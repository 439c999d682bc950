//! Logging to a rotating file, through a redactor that makes sure no credential is ever written.
//!
//! Two rules apply to every line before it reaches the file: every secret the secrets module has
//! handled in this process is replaced by `[REDACTED]`, and anything shaped like a credential
//! (an `Authorization` header, `auth_token=...`, `api_key: ...`, Telnyx `KEY...` keys) is masked
//! even if nobody registered it. This module knows nothing of Tauri or of where secrets live.

use std::borrow::Cow;
use std::io::{self, Write};
use std::path::Path;
use std::sync::{Arc, OnceLock, RwLock};

use regex::Regex;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

pub const REDACTED: &str = "[REDACTED]";

/// Secrets shorter than this are not registered: replacing two-letter strings everywhere would
/// mangle the log without protecting anything real.
const MIN_SECRET_LEN: usize = 6;

#[derive(Debug, thiserror::Error)]
pub enum LoggingError {
    #[error("could not create the log folder {path}: {source}")]
    CreateDir { path: String, source: io::Error },
    #[error("could not open the log file in {path}: {reason}")]
    Open { path: String, reason: String },
    #[error("logging was already set up in this process")]
    AlreadyInitialised,
}

/// Knows the secrets of this process and masks them. Cloning shares the same set.
#[derive(Clone, Default)]
pub struct Redactor {
    secrets: Arc<RwLock<Vec<String>>>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the registered values themselves.
        let count = self.secrets.read().map(|s| s.len()).unwrap_or(0);
        f.debug_struct("Redactor").field("secrets", &count).finish()
    }
}

impl Redactor {
    pub fn new() -> Self {
        Self::default()
    }

    /// Remembers a secret so that it is masked wherever it appears later.
    pub fn register(&self, secret: &str) {
        let secret = secret.trim();
        if secret.len() < MIN_SECRET_LEN {
            return;
        }
        let mut secrets = self.secrets.write().unwrap_or_else(|p| p.into_inner());
        if !secrets.iter().any(|known| known == secret) {
            secrets.push(secret.to_owned());
            // Longest first, so a secret that contains another is masked whole.
            secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        {
            let secrets = self.secrets.read().unwrap_or_else(|p| p.into_inner());
            for secret in secrets.iter() {
                if out.contains(secret.as_str()) {
                    out = Cow::Owned(out.replace(secret.as_str(), REDACTED));
                }
            }
        }
        for rule in pattern_rules() {
            if rule.is_match(&out) {
                out = Cow::Owned(rule.replace_all(&out, "${keep}[REDACTED]").into_owned());
            }
        }
        out
    }
}

/// Credential shapes masked even when unregistered. Each keeps its `keep` group (the label).
fn pattern_rules() -> &'static [Regex] {
    static RULES: OnceLock<Vec<Regex>> = OnceLock::new();
    RULES.get_or_init(|| {
        [
            // Authorization: Basic xxx / Bearer xxx (headers, debug dumps of requests)
            r#"(?i)(?P<keep>authorization["']?\s*[:=]\s*["']?(?:basic|bearer)\s+)[A-Za-z0-9+/=._\-]+"#,
            r"(?i)(?P<keep>\bbearer\s+)[A-Za-z0-9+/=._\-]{8,}",
            // key=value and "key": "value" pairs whose key names a secret
            r#"(?i)(?P<keep>\b(?:auth_?token|api_?key|api_?secret|secret|password|token)["']?\s*[:=]\s*["']?)[^\s"'&,;}]{4,}"#,
            // Telnyx v2 API keys
            r"(?P<keep>)\bKEY[0-9A-Za-z_\-]{20,}",
        ]
        .iter()
        .map(|pattern| Regex::new(pattern).expect("redaction patterns are valid"))
        .collect()
    })
}

/// A writer that redacts each buffer before passing it on. tracing's fmt layer formats a whole
/// event into one buffer and writes it at once, so a secret is never split across two writes.
pub struct RedactingWriter<W> {
    inner: W,
    redactor: Redactor,
}

impl<W: Write> Write for RedactingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let clean = self.redactor.redact(&text);
        self.inner.write_all(clean.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Makes [`RedactingWriter`]s around another `MakeWriter`.
#[derive(Clone)]
pub struct RedactingMakeWriter<M> {
    inner: M,
    redactor: Redactor,
}

impl<M> RedactingMakeWriter<M> {
    pub fn new(inner: M, redactor: Redactor) -> Self {
        Self { inner, redactor }
    }
}

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for RedactingMakeWriter<M> {
    type Writer = RedactingWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter {
            inner: self.inner.make_writer(),
            redactor: self.redactor.clone(),
        }
    }
}

/// Keeps the background log writer alive; drop it last, at exit, to flush.
pub struct LogGuard {
    _worker: WorkerGuard,
}

/// Builds a subscriber that writes to daily-rotated files `numberdesk.YYYY-MM-DD.log` in `log_dir`
/// (seven kept), through the redactor. Filter with `RUST_LOG`; the default is `info`.
pub fn file_subscriber(
    log_dir: &Path,
    redactor: Redactor,
) -> Result<(impl tracing::Subscriber + Send + Sync, LogGuard), LoggingError> {
    std::fs::create_dir_all(log_dir).map_err(|source| LoggingError::CreateDir {
        path: log_dir.display().to_string(),
        source,
    })?;
    let appender = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix("numberdesk")
        .filename_suffix("log")
        .max_log_files(7)
        .build(log_dir)
        .map_err(|error| LoggingError::Open {
            path: log_dir.display().to_string(),
            reason: error.to_string(),
        })?;
    let (non_blocking, worker) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(RedactingMakeWriter::new(non_blocking, redactor))
        .finish();
    Ok((subscriber, LogGuard { _worker: worker }))
}

/// Installs [`file_subscriber`] for the whole process.
pub fn init(log_dir: &Path, redactor: Redactor) -> Result<LogGuard, LoggingError> {
    let (subscriber, guard) = file_subscriber(log_dir, redactor)?;
    tracing::subscriber::set_global_default(subscriber)
        .map_err(|_| LoggingError::AlreadyInitialised)?;
    Ok(guard)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_secrets_are_masked_everywhere_in_a_line() {
        let redactor = Redactor::new();
        redactor.register("s3cr3t-token-value");
        let line = "first s3cr3t-token-value then again s3cr3t-token-value.";
        assert_eq!(
            redactor.redact(line),
            "first [REDACTED] then again [REDACTED]."
        );
    }

    #[test]
    fn a_secret_containing_another_is_masked_whole() {
        let redactor = Redactor::new();
        redactor.register("abcdef");
        redactor.register("xxabcdefyy");
        assert_eq!(redactor.redact("v=xxabcdefyy"), "v=[REDACTED]");
    }

    #[test]
    fn credential_shapes_are_masked_without_registration() {
        let redactor = Redactor::new();
        let cases = [
            ("Authorization: Basic QUN4eDpzZWNyZXQ=", "QUN4eDpzZWNyZXQ="),
            ("authorization=\"Bearer KEYabc.def\"", "KEYabc.def"),
            ("sent auth_token=0123456789abcdef&x=1", "0123456789abcdef"),
            (r#"{"api_key": "supersecretvalue"}"#, "supersecretvalue"),
            (
                "key KEY0123456789ABCDEFGHIJ_abc here",
                "KEY0123456789ABCDEFGHIJ_abc",
            ),
        ];
        for (line, secret) in cases {
            let out = redactor.redact(line);
            assert!(!out.contains(secret), "{line:?} became {out:?}");
            assert!(out.contains(REDACTED), "{line:?} became {out:?}");
        }
    }

    #[test]
    fn ordinary_text_is_left_alone() {
        let redactor = Redactor::new();
        let line = "imported 12 numbers for workspace 3 (+14155550100)";
        assert!(matches!(redactor.redact(line), Cow::Borrowed(_)));
    }

    #[test]
    fn short_values_are_not_registered() {
        let redactor = Redactor::new();
        redactor.register("ab");
        assert_eq!(redactor.redact("tab"), "tab");
    }
}
