//! The library's error type.

use std::path::PathBuf;

/// Everything that can go wrong in the ledger library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {reason}")]
    Format { path: PathBuf, reason: String },
    #[error("index {index} is out of range for a tree of {size} entries")]
    OutOfRange { index: u64, size: u64 },
    #[error("key: {0}")]
    Key(String),
    #[error("signed note: {0}")]
    Note(String),
    #[error("entry of {len} bytes exceeds the limit of {limit} bytes")]
    EntryTooLarge { len: usize, limit: usize },
    #[error("{0}")]
    Proof(#[from] crate::merkle::ProofError),
    #[error(
        "the ledger's writer stopped after an I/O error ({0}); nothing after it was acknowledged: reopen the ledger"
    )]
    WriterFailed(String),
    #[error("{0}")]
    Bundle(String),
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { path, source }
    }

    pub(crate) fn format(path: impl Into<PathBuf>, reason: impl Into<String>) -> Error {
        Error::Format {
            path: path.into(),
            reason: reason.into(),
        }
    }
}
