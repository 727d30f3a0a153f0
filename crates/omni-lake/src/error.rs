//! What can go wrong in an export.

use omni_store::StoreError;

/// An export failure. Nothing is counted as exported unless the run finished: the manifest is
/// written last, so a failed run is simply redone by the next one.
#[derive(Debug, thiserror::Error)]
pub enum LakeError {
    #[error("reading the store: {0}")]
    Store(#[from] StoreError),
    #[error("reading the store: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("writing {path}: {source}")]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("parquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    #[error("the manifest {path} is unreadable: {reason}")]
    Manifest {
        path: std::path::PathBuf,
        reason: String,
    },
    #[error("another export is writing to {0}")]
    Busy(std::path::PathBuf),
    #[error("a stored row does not decode: {0}")]
    Corrupt(String),
    #[error("table {table}: {reason}")]
    Schema { table: &'static str, reason: String },
    #[error("the writer thread stopped: {0}")]
    Writer(String),
}

impl LakeError {
    /// An I/O error on `path`.
    pub(crate) fn io(path: impl Into<std::path::PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| LakeError::Io { path, source }
    }

    pub(crate) fn corrupt(e: impl std::fmt::Display) -> Self {
        LakeError::Corrupt(e.to_string())
    }
}
