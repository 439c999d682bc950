//! Writing a CSV export to a file, whole or not at all: the rows go to a hidden file beside the
//! target, which takes the target's name only when every row is written. A failed export leaves
//! nothing behind and never replaces a file with half of one.

use crate::domain::failure::{Classified, ErrorKind, UserError};
use std::fs::{File, OpenOptions};
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::blocking::TaskFailed;
use crate::flows::audit::AuditError;
use crate::flows::manage::table::TableError;

/// Where an export went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportFile {
    pub path: String,
    pub count: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("The export folder {dir} could not be created ({reason}). Check that it is writable.")]
    Folder { dir: String, reason: String },
    #[error("{path} could not be written ({reason}).")]
    File { path: String, reason: String },
    #[error("Every export name for this second is taken in {0}; try again in a moment.")]
    NoFreeName(String),
    #[error(transparent)]
    Numbers(#[from] TableError),
    #[error(transparent)]
    Audit(#[from] AuditError),
    #[error(transparent)]
    Task(#[from] TaskFailed),
}

impl UserError for ExportError {
    fn classify(&self) -> Classified<'_> {
        match self {
            Self::Numbers(inner) => Classified::Wraps(inner),
            Self::Audit(inner) => Classified::Wraps(inner),
            Self::Task(inner) => Classified::Wraps(inner),
            Self::Folder { .. } | Self::File { .. } | Self::NoFreeName(_) => {
                Classified::Kind(ErrorKind::Storage)
            }
        }
    }
}

/// A name in `dir` that no file has yet: `numberdesk-<what>-<stamp>.csv`, with `-1`, `-2`… after
/// the stamp when that is taken.
pub(super) fn free_name(
    dir: &Path,
    what: &str,
    now: DateTime<Utc>,
) -> Result<PathBuf, ExportError> {
    let stamp = now.format("%Y%m%d-%H%M%S");
    (0..100)
        .map(|n| match n {
            0 => dir.join(format!("numberdesk-{what}-{stamp}.csv")),
            n => dir.join(format!("numberdesk-{what}-{stamp}-{n}.csv")),
        })
        .find(|path| !path.exists())
        .ok_or_else(|| ExportError::NoFreeName(dir.display().to_string()))
}

/// Writes the export with `write` to `path` (creating its folder), all or nothing.
pub(super) fn to_file<E>(
    path: &Path,
    write: impl FnOnce(BufWriter<File>) -> Result<usize, E>,
) -> Result<ExportFile, ExportError>
where
    ExportError: From<E>,
{
    let file_error = |path: &Path, error: std::io::Error| ExportError::File {
        path: path.display().to_string(),
        reason: error.to_string(),
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|error| ExportError::Folder {
            dir: dir.display().to_string(),
            reason: error.to_string(),
        })?;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "export.csv".to_owned());
    let partial = path.with_file_name(format!(".{name}.partial"));
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&partial)
        .map_err(|error| file_error(&partial, error))?;
    let written = write(BufWriter::new(file)).map_err(ExportError::from);
    let renamed = written.and_then(|count| {
        std::fs::rename(&partial, path)
            .map(|()| count)
            .map_err(|error| file_error(path, error))
    });
    match renamed {
        Ok(count) => Ok(ExportFile {
            path: path.display().to_string(),
            count,
        }),
        Err(error) => {
            let _ = std::fs::remove_file(&partial);
            Err(error)
        }
    }
}
