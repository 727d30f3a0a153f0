//! The storage error tier: what callers can act on (not found, conflict), everything else
//! opaque with its cause kept for the logs.

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such row for this tenant.
    #[error("not found")]
    NotFound,
    /// A uniqueness rule would be broken (e.g. a location code already in use).
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// The row changed since the caller read it (optimistic concurrency).
    #[error("the resource was changed by someone else")]
    VersionMismatch,
    /// Stored data could not be decoded: a bug or a manual edit.
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// Database or connection failure.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// Failure on a SQLite connection of our own: a read on the calling thread
    /// (`inline_reads.rs`) or the writer's (`native_writer.rs`).
    #[error(transparent)]
    InlineRead(#[from] rusqlite::Error),
    /// Migration failure at start-up.
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    /// Maps a unique-constraint violation to [`StoreError::Conflict`], keeping other errors.
    pub(crate) fn unique(what: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
        move |e| match e.as_database_error() {
            Some(db) if db.is_unique_violation() => StoreError::Conflict(what),
            _ => StoreError::Database(e),
        }
    }

    pub(crate) fn corrupt(e: impl std::fmt::Display) -> StoreError {
        StoreError::Corrupt(e.to_string())
    }
}
