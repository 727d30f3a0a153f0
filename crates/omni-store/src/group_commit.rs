//! Group commit for SQLite's single writer.
//!
//! Why: SQLite runs one write transaction at a time, so every writer's `BEGIN … COMMIT`
//! (and, with `synchronous = FULL`, its fsync) is paid in series. Here writers that queue
//! behind each other share one transaction: each but the first runs inside its own
//! `SAVEPOINT`, so a writer that fails rolls back only its own changes, and a writer's `commit` releases its savepoint
//! and then waits until the shared transaction is committed — nobody is answered before their
//! change is durable, and nothing uncommitted is ever visible outside the writer queue.
//!
//! The shared transaction is committed by the writer that finds nobody queued behind it, or
//! once it holds [`MAX_MEMBERS`] writers or is [`MAX_AGE`] old, so a steady stream of
//! writers cannot postpone a commit indefinitely. Finishing a batch runs in a spawned task:
//! a request dropped mid-way (client gone) can neither lose the other writers' commit nor
//! leave the transaction open. The slot passes on once the commit is in the log; the
//! members are answered once the log is on disk (see `durable_log.rs`).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sqlx::{Any, AnyPool, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard, oneshot};

use crate::StoreError;
use crate::batch::{self, Stmt};
use crate::durable_log::DurableLog;

/// Writers committed together at most; bounds the work lost to one failed commit.
pub(crate) const MAX_MEMBERS: usize = 128;
/// How long a shared transaction may stay open before the next writer commits it first.
pub(crate) const MAX_AGE: Duration = Duration::from_millis(10);

/// What a member learns when the shared transaction ends: committed, or why not.
type Outcome = Result<(), StoreError>;

/// The shared transaction and the writers whose released savepoints wait in it.
pub(crate) struct Batch {
    tx: Transaction<'static, Any>,
    members: Vec<oneshot::Sender<Outcome>>,
    opened: Instant,
}

impl Batch {
    fn due(&self) -> bool {
        self.members.len() >= MAX_MEMBERS || self.opened.elapsed() >= MAX_AGE
    }

    /// Commits the shared transaction into the log; its members are told by [`Logged`].
    async fn commit(self, log: &DurableLog) -> Logged {
        let started = Instant::now();
        let outcome = match self.tx.commit().await {
            Ok(()) => Ok(log.committed()),
            Err(e) => Err(StoreError::Corrupt(e.to_string())),
        };
        metrics::histogram!("store_group_commit_seconds").record(started.elapsed());
        metrics::histogram!("store_group_commit_writers").record(self.members.len() as f64);
        if let Err(e) = &outcome {
            tracing::error!(error = %e, members = self.members.len(), "group commit failed");
        }
        Logged {
            members: self.members,
            outcome,
        }
    }

    /// Abandons a transaction a savepoint command failed in (SQLite may have rolled it back
    /// already): every member is told its change was not committed.
    async fn poison(self, why: &str) {
        tracing::error!(
            error = why,
            members = self.members.len(),
            "group commit abandoned"
        );
        let _ = self.tx.rollback().await;
        let reason = format!("the write was rolled back: {why}");
        for member in self.members {
            let _ = member.send(Err(StoreError::Corrupt(reason.clone())));
        }
    }
}

/// A batch committed into the log, with the members to answer once it is on disk.
struct Logged {
    members: Vec<oneshot::Sender<Outcome>>,
    /// The commit's number in the log, or why it failed.
    outcome: Result<u64, StoreError>,
}

impl Logged {
    /// Waits until the commit is on disk, then tells every member how it went.
    async fn answer(self, log: &DurableLog) {
        let outcome = match self.outcome {
            Ok(number) => log.wait(number).await,
            Err(e) => Err(e),
        };
        let outcome = outcome.map_err(|e| e.to_string());
        for member in self.members {
            let _ = member.send(outcome.clone().map_err(StoreError::Corrupt));
        }
    }
}

/// The writer queue and the open shared transaction, if any.
#[derive(Debug)]
pub(crate) struct GroupCommit {
    slot: Arc<Mutex<Option<Batch>>>,
    /// Writers waiting for the slot: when none, the last one in commits at once.
    queued: AtomicUsize,
    /// Where the shared transactions run: connections whose commits do not wait for the
    /// disk (`synchronous = NORMAL`); [`GroupCommit::log`] does that outside the slot.
    pool: AnyPool,
    log: DurableLog,
    /// Counters' next values as the open batch has them (see [`Turn::counter`]); only the
    /// slot's holder touches them, and any rollback forgets them all.
    counters: std::sync::Mutex<HashMap<String, i64>>,
}

impl std::fmt::Debug for Batch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batch")
            .field("members", &self.members.len())
            .finish()
    }
}

/// A writer's turn: the slot is held, and the batch is on loan until the turn ends.
pub(crate) struct Turn {
    batch: Batch,
    /// When the slot was taken: how long this writer held every other one up.
    taken: Instant,
    /// The batch's first writer, without a savepoint of its own.
    alone: bool,
    slot: OwnedMutexGuard<Option<Batch>>,
    group: Arc<GroupCommit>,
}

/// A joining writer's savepoint, opened with its first statement (see [`crate::WriteTx`]).
pub(crate) const SAVEPOINT: &str = "SAVEPOINT w";
const RELEASE: &str = "RELEASE SAVEPOINT w";
const UNDO: &str = "ROLLBACK TO SAVEPOINT w; RELEASE SAVEPOINT w";

impl GroupCommit {
    /// Writers on `pool`, whose commits are made durable by syncing `log`.
    pub(crate) fn new(pool: AnyPool, log: DurableLog) -> Arc<Self> {
        Arc::new(Self {
            slot: Arc::new(Mutex::new(None)),
            queued: AtomicUsize::new(0),
            pool,
            log,
            counters: std::sync::Mutex::new(HashMap::new()),
        })
    }

    /// Waits for the writer slot (in arrival order) and joins or opens the shared
    /// transaction; a joining writer's savepoint goes with its first statement.
    pub(crate) async fn begin(self: &Arc<Self>) -> Result<Turn, StoreError> {
        let asked = Instant::now();
        let mut slot = {
            let _queued = Queued::join(&self.queued);
            self.slot.clone().lock_owned().await
        };
        let taken = Instant::now();
        metrics::histogram!("store_writer_wait_seconds").record(taken - asked);
        let open = match slot.take() {
            Some(batch) if batch.due() => {
                self.finish(batch).await;
                None
            }
            other => other,
        };
        let (batch, alone) = match open {
            Some(batch) => (batch, false),
            None => {
                let batch = Batch {
                    tx: self.pool.begin_with("BEGIN IMMEDIATE").await?,
                    members: Vec::new(),
                    opened: Instant::now(),
                };
                tokio::spawn(self.clone().finish_when_due());
                (batch, true)
            }
        };
        Ok(Turn {
            batch,
            taken,
            alone,
            slot,
            group: self.clone(),
        })
    }
}

impl GroupCommit {
    /// Commits made into the log so far, and how many of them are on disk.
    pub(crate) fn log_position(&self) -> (u64, u64) {
        self.log.position()
    }

    /// Commits `batch` and returns once the commit is in the log, when the next writer may
    /// begin; its members are answered once it is on disk. Spawned: a request dropped while
    /// waiting here must not cut the others' commit short.
    async fn finish(self: &Arc<Self>, batch: Batch) {
        let (logged, in_log) = oneshot::channel();
        let group = self.clone();
        tokio::spawn(async move {
            let committed = batch.commit(&group.log).await;
            if committed.outcome.is_err() {
                group.forget_counters();
            }
            let _ = logged.send(());
            committed.answer(&group.log).await;
        });
        let _ = in_log.await;
    }

    /// Forgets every counter's known value: after a rollback they may be ahead of the data.
    fn forget_counters(&self) {
        if let Ok(mut counters) = self.counters.lock() {
            counters.clear();
        }
    }

    /// The safety net for a batch left open for a writer that then never came (its request
    /// was dropped while queued): once the batch is due, whoever holds it is finished.
    async fn finish_when_due(self: Arc<Self>) {
        tokio::time::sleep(MAX_AGE).await;
        let mut slot = self.slot.clone().lock_owned().await;
        match slot.take() {
            Some(batch) if batch.due() => self.finish(batch).await,
            other => *slot = other,
        }
    }
}

/// Counts a writer as queued for the slot until it gets it or gives up (dropped future).
struct Queued<'a>(&'a AtomicUsize);

impl<'a> Queued<'a> {
    fn join(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::AcqRel);
        Self(count)
    }
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Turn {
    /// Whether this writer opened the batch: it has nobody to protect, so it writes straight
    /// into the transaction (and a failure rolls all of it back); later writers get a
    /// savepoint.
    pub(crate) fn alone(&self) -> bool {
        self.alone
    }

    /// The next value of a counter row (e.g. a tenant's order numbers) as the open batch has
    /// it, if a writer of this process took or read it since the last rollback. A writer
    /// that uses it guards its update with the value (`… WHERE next = $known`), so a value
    /// that is wrong after all fails that writer instead of reusing a number.
    pub(crate) fn counter(&self, key: &str) -> Option<i64> {
        let counters = self.group.counters.lock().ok()?;
        counters.get(key).copied()
    }

    /// Records a counter's next value as this writer leaves it (see [`Turn::counter`]).
    pub(crate) fn set_counter(&self, key: &str, next: i64) {
        if let Ok(mut counters) = self.group.counters.lock() {
            counters.insert(key.to_owned(), next);
        }
    }

    /// The shared transaction's connection, inside this writer's savepoint.
    pub(crate) fn conn(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.batch.tx
    }

    /// Sends this writer's last writes, keeps its changes in the shared transaction and waits
    /// until it commits. The savepoint's release goes with the last writes: a row count they
    /// must have is checked by SQLite before it (see [`crate::batch::run`]).
    pub(crate) async fn commit(self, last: Vec<Stmt>) -> Result<(), StoreError> {
        let (member, committed) = oneshot::channel();
        tokio::spawn(async move {
            let mut turn = self;
            let mut stmts = last;
            if !turn.alone {
                stmts.push(Stmt::new(RELEASE));
            }
            if let Err(e) = batch::run(&mut turn.batch.tx, stmts).await {
                let _ = member.send(Err(e));
                return turn.undo(true).await;
            }
            turn.batch.members.push(member);
            metrics::histogram!("store_writer_turn_seconds").record(turn.taken.elapsed());
            hand_back(turn.batch, turn.slot, &turn.group).await
        });
        committed.await.unwrap_or_else(|_| {
            Err(StoreError::Corrupt(
                "the group commit ended without an answer".into(),
            ))
        })
    }

    /// Undoes this writer's changes and nothing else; the turn passes on. `sent`: whether any
    /// of its statements reached the database (if none, there is nothing to undo).
    pub(crate) fn abandon(self, sent: bool) {
        tokio::spawn(self.undo(sent));
    }

    async fn undo(mut self, sent: bool) {
        self.group.forget_counters();
        if self.alone {
            // Nobody else's change is in the transaction yet: all of it goes.
            let _ = self.batch.tx.rollback().await;
            return drop(self.slot);
        }
        if !sent {
            return hand_back(self.batch, self.slot, &self.group).await;
        }
        match sqlx::raw_sql(UNDO).execute(&mut *self.batch.tx).await {
            Ok(_) => hand_back(self.batch, self.slot, &self.group).await,
            Err(e) => self.batch.poison(&e.to_string()).await,
        }
    }
}

/// Ends a turn: commits the batch if nobody is queued behind (or it is due), else leaves it
/// open for the next writer.
async fn hand_back(
    batch: Batch,
    mut slot: OwnedMutexGuard<Option<Batch>>,
    group: &Arc<GroupCommit>,
) {
    if group.queued.load(Ordering::Acquire) == 0 || batch.due() {
        group.finish(batch).await;
    } else {
        *slot = Some(batch);
    }
    drop(slot);
}
