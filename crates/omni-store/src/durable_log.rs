//! Making SQLite's group commits durable after the writer slot is handed on.
//!
//! Why: with `synchronous = FULL` a commit fsyncs the write-ahead log while it still holds
//! SQLite's write lock, and so while the next batch of writers waits for the slot. The shared
//! transactions therefore commit with `synchronous = NORMAL` — their frames reach the log (the
//! OS's page cache) and the write lock is free at once — and the log file is fsynced here,
//! outside the slot, before any member of the batch is answered. A writer still learns of its
//! commit only once it is on disk; what changes is that the next batch writes meanwhile.
//!
//! One fsync covers every commit made before it began, so batches that committed while a sync
//! ran share the next one. A checkpoint cannot get ahead of this: SQLite syncs the log itself
//! before it copies any frame into the database, at every `synchronous` level but `OFF`, and
//! only restarts the log once all of it is in the (synced) database.
//!
//! What another connection may see: a batch's changes are readable from its commit, a fraction
//! of a millisecond before they are durable. Nobody is answered on them before then, and a
//! later commit is never durable without the earlier ones (the log is written in order).

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use tokio::sync::Mutex;

use crate::StoreError;

/// The write-ahead log of a database file, and how far it is known to be on disk.
#[derive(Debug)]
pub(crate) struct DurableLog {
    /// `None` for an in-memory database: nothing to sync, a commit is as durable as it gets.
    wal: Option<PathBuf>,
    /// Commits made so far (a commit's number is its place in this count).
    committed: AtomicU64,
    /// The last commit known to be on disk.
    synced: AtomicU64,
    /// Held while a sync runs, so waiters queue for the next one instead of each starting
    /// their own.
    syncing: Mutex<()>,
    /// Syncs run so far (for tests and metrics: batches share them).
    syncs: AtomicU64,
}

impl DurableLog {
    /// The log of `database` (its `-wal` file), or none for an in-memory database.
    pub(crate) fn new(database: Option<PathBuf>) -> Self {
        let wal = database.map(|db| {
            let mut name = db.into_os_string();
            name.push("-wal");
            PathBuf::from(name)
        });
        Self {
            wal,
            committed: AtomicU64::new(0),
            synced: AtomicU64::new(0),
            syncing: Mutex::new(()),
            syncs: AtomicU64::new(0),
        }
    }

    /// Counts a commit that has just reached the log; returns its number for [`Self::wait`].
    pub(crate) fn committed(&self) -> u64 {
        self.committed.fetch_add(1, Ordering::AcqRel) + 1
    }

    /// Returns once commit `number` is on disk: at once if a sync that began after it has
    /// ended, else after the next sync, which covers every commit made until it starts.
    pub(crate) async fn wait(&self, number: u64) -> Result<(), StoreError> {
        let _syncing = self.syncing.lock().await;
        if self.synced.load(Ordering::Acquire) >= number {
            return Ok(());
        }
        let upto = self.committed.load(Ordering::Acquire);
        if let Some(wal) = &self.wal {
            let started = Instant::now();
            let wal = wal.clone();
            tokio::task::spawn_blocking(move || sync_file(&wal))
                .await
                .map_err(|e| StoreError::Corrupt(format!("the log sync stopped: {e}")))?
                .map_err(|e| {
                    tracing::error!(error = %e, "could not sync the write-ahead log");
                    StoreError::Corrupt(format!("the commit may not be on disk: {e}"))
                })?;
            metrics::histogram!("store_log_sync_seconds").record(started.elapsed());
            self.syncs.fetch_add(1, Ordering::Relaxed);
        }
        self.synced.store(upto, Ordering::Release);
        Ok(())
    }

    /// Commits made so far and how many of them are known to be on disk.
    pub(crate) fn position(&self) -> (u64, u64) {
        (
            self.committed.load(Ordering::Acquire),
            self.synced.load(Ordering::Acquire),
        )
    }

    #[cfg(test)]
    fn syncs(&self) -> u64 {
        self.syncs.load(Ordering::Relaxed)
    }
}

/// Flushes a file's data to disk. A log that is gone was checkpointed into the database
/// (synced) and removed by the last connection to close, so nothing of it is left to sync.
fn sync_file(path: &std::path::Path) -> std::io::Result<()> {
    match std::fs::File::open(path) {
        Ok(file) => file.sync_data(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_sync_covers_every_commit_made_before_it() {
        let dir = std::env::temp_dir().join(format!("omni-durable-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let db = dir.join("t.db");
        std::fs::write(dir.join("t.db-wal"), b"frames").expect("log");
        let log = DurableLog::new(Some(db));
        let (first, second) = (log.committed(), log.committed());
        log.wait(second).await.expect("synced");
        assert_eq!(log.syncs(), 1);
        log.wait(first).await.expect("already synced");
        assert_eq!(log.syncs(), 1, "an earlier commit needs no sync of its own");
        let third = log.committed();
        log.wait(third).await.expect("synced");
        assert_eq!(
            log.syncs(),
            2,
            "a commit after the last sync needs a new one"
        );
        std::fs::remove_dir_all(&dir).ok();
    }

    #[tokio::test]
    async fn an_in_memory_database_has_nothing_to_sync() {
        let log = DurableLog::new(None);
        let n = log.committed();
        log.wait(n).await.expect("nothing to do");
        assert_eq!(log.syncs(), 0);
    }
}
