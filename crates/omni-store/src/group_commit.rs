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
//!
//! A shared transaction is open on one of two connections. Writers that need answers in
//! their turn (reads, asked statements) take turns on sqlx's connection. Writes that go
//! whole with their commit — built before the turn, as a checkout's first try is — queue
//! for the writer thread, which runs every one waiting, each in its own savepoint, on a
//! connection of our own (`native_writer.rs`), many writers per turn. A turn of the other
//! kind commits the open batch first.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sqlx::{Any, AnyPool, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard, oneshot};

use crate::StoreError;
use crate::batch::{self, Stmt};
use crate::durable_log::DurableLog;
use crate::native_writer::NativeWriter;
use crate::writer_thread::WriterThread;

/// Writers committed together at most; bounds the work lost to one failed commit.
pub(crate) const MAX_MEMBERS: usize = 128;
/// How long a shared transaction may stay open before the next writer commits it first.
pub(crate) const MAX_AGE: Duration = Duration::from_millis(10);

/// What a member learns when the shared transaction ends: committed, or why not.
type Outcome = Result<(), StoreError>;

/// The shared transaction and the writers whose released savepoints wait in it.
pub(crate) struct Batch {
    open: Open,
    members: Vec<oneshot::Sender<Outcome>>,
    opened: Instant,
}

/// Where a shared transaction is open: on sqlx's connection, for writers that read in their
/// turn, or on the writer connection of our own, for writes that go whole with their commit.
enum Open {
    Sqlx(Transaction<'static, Any>),
    Native,
}

impl Batch {
    fn due(&self) -> bool {
        self.members.len() >= MAX_MEMBERS || self.opened.elapsed() >= MAX_AGE
    }

    fn native(&self) -> bool {
        matches!(self.open, Open::Native)
    }

    /// Commits the shared transaction into the log; its members are told by [`Logged`].
    async fn commit(self, group: &GroupCommit) -> Logged {
        let started = Instant::now();
        let committed = match self.open {
            Open::Sqlx(tx) => tx.commit().await.map_err(StoreError::from),
            Open::Native => group.native_writer().and_then(|w| w.commit()),
        };
        let outcome = match committed {
            Ok(()) => Ok(group.log.committed()),
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
    async fn poison(self, group: &GroupCommit, why: &str) {
        tracing::error!(
            error = why,
            members = self.members.len(),
            "group commit abandoned"
        );
        match self.open {
            Open::Sqlx(tx) => {
                let _ = tx.rollback().await;
            }
            Open::Native => {
                let _ = group.native_writer().and_then(|w| w.rollback());
            }
        }
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
    /// The writer connection of our own, for writes that go whole with their commit (a
    /// database file only; `None` for an in-memory database, whose writes all go through
    /// `pool`).
    native: Option<NativeWriter>,
    log: DurableLog,
    /// Where those writes run (see [`GroupCommit::commit_at_once`]).
    thread: Arc<WriterThread>,
    /// Counters' next values to hand out (see [`GroupCommit::take_counter`]).
    counters: std::sync::Mutex<HashMap<String, i64>>,
    /// Writes waiting to go to the database with their commit (see
    /// [`GroupCommit::commit_at_once`]).
    jobs: std::sync::Mutex<Jobs>,
}

/// A writer whose whole write goes with its commit, and where its outcome goes.
#[derive(Debug)]
struct Job {
    stmts: Vec<Stmt>,
    done: oneshot::Sender<Outcome>,
}

/// The writes waiting for [`GroupCommit::drain`], and whether a drain runs.
#[derive(Debug, Default)]
struct Jobs {
    waiting: Vec<Job>,
    draining: bool,
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
    /// Writers on `pool` and `native`, whose commits are made durable by syncing `log`;
    /// writes that go whole with their commit run on `thread`.
    pub(crate) fn new(
        pool: AnyPool,
        native: Option<NativeWriter>,
        log: DurableLog,
        thread: Arc<WriterThread>,
    ) -> Arc<Self> {
        Arc::new(Self {
            slot: Arc::new(Mutex::new(None)),
            queued: AtomicUsize::new(0),
            pool,
            native,
            log,
            thread,
            counters: std::sync::Mutex::new(HashMap::new()),
            jobs: std::sync::Mutex::new(Jobs::default()),
        })
    }

    /// Commits `stmts`, the whole write of a writer that needed no answer before its commit,
    /// and returns once they are durable. Why: such a writer builds everything — documents,
    /// events, its response — before it holds the slot, and the writers waiting like it run
    /// together, many in one turn, each in a savepoint of its own, on the writer thread and
    /// its own connection ([`GroupCommit::drain`]), to their end even if the caller stops
    /// waiting.
    pub(crate) async fn commit_at_once(
        self: &Arc<Self>,
        stmts: Vec<Stmt>,
    ) -> Result<(), StoreError> {
        if self.native.is_none() {
            return self.commit_in_a_turn(stmts).await;
        }
        let (done, outcome) = oneshot::channel();
        let start = {
            let mut jobs = self
                .jobs
                .lock()
                .map_err(|_| StoreError::Corrupt("the writer queue is poisoned".into()))?;
            jobs.waiting.push(Job { stmts, done });
            !std::mem::replace(&mut jobs.draining, true)
        };
        if start {
            self.thread.spawn(self.clone().drain());
        }
        outcome.await.unwrap_or_else(|_| {
            Err(StoreError::Corrupt(
                "the group commit ended without an answer".into(),
            ))
        })
    }

    /// [`GroupCommit::commit_at_once`] without a connection of our own: a turn of its own on
    /// the writer thread.
    async fn commit_in_a_turn(self: &Arc<Self>, mut stmts: Vec<Stmt>) -> Result<(), StoreError> {
        let group = self.clone();
        let turn = async move {
            let turn = group.begin().await?;
            if !turn.alone {
                stmts.insert(0, Stmt::new(SAVEPOINT));
            }
            turn.commit(stmts).await
        };
        self.thread.run(turn).await?
    }

    /// Takes turns for the waiting writes until none is left: in each, every write waiting
    /// then runs, one after another, each in a savepoint of its own (one that fails is undone
    /// alone and told why; the others become members of the batch).
    async fn drain(self: Arc<Self>) {
        loop {
            let (open, slot, taken) = self.take_slot(true).await;
            let jobs = self.waiting_jobs();
            if jobs.is_empty() {
                if let Some(batch) = open {
                    hand_back(batch, slot, &self).await;
                }
                return;
            }
            let mut batch = match self.native_batch(open) {
                Ok(batch) => batch,
                Err(e) => {
                    for job in jobs {
                        let _ = job.done.send(Err(StoreError::Corrupt(e.to_string())));
                    }
                    continue;
                }
            };
            match self.run_jobs(&mut batch, jobs) {
                Ok(()) => {
                    metrics::histogram!("store_writer_turn_seconds").record(taken.elapsed());
                    hand_back(batch, slot, &self).await;
                }
                Err(why) => batch.poison(&self, &why.to_string()).await,
            }
        }
    }

    /// The writes waiting, up to a batch's worth; none means the drain ends (a write queued
    /// after this starts another).
    fn waiting_jobs(&self) -> Vec<Job> {
        let Ok(mut jobs) = self.jobs.lock() else {
            return Vec::new();
        };
        if jobs.waiting.is_empty() {
            jobs.draining = false;
        }
        let take = jobs.waiting.len().min(MAX_MEMBERS);
        jobs.waiting.drain(..take).collect()
    }

    /// `open` if it is a batch on the writer connection of our own, else a new one there.
    fn native_batch(self: &Arc<Self>, open: Option<Batch>) -> Result<Batch, StoreError> {
        if let Some(batch) = open {
            return Ok(batch);
        }
        self.native_writer()?.begin()?;
        tokio::spawn(self.clone().finish_when_due());
        Ok(Batch {
            open: Open::Native,
            members: Vec::new(),
            opened: Instant::now(),
        })
    }

    /// Runs `jobs` in `batch`; `Err` when undoing a failed one failed too (the batch is lost).
    fn run_jobs(&self, batch: &mut Batch, jobs: Vec<Job>) -> Result<(), StoreError> {
        let started = Instant::now();
        let writer = self.native_writer()?;
        for job in jobs {
            match writer.run_alone(&job.stmts) {
                Ok(()) => batch.members.push(job.done),
                Err(Ok(e)) => {
                    let _ = job.done.send(Err(e));
                }
                Err(Err(lost)) => {
                    let _ = job.done.send(Err(StoreError::Corrupt(lost.to_string())));
                    return Err(lost);
                }
            }
        }
        metrics::histogram!("store_statements_seconds").record(started.elapsed());
        Ok(())
    }

    fn native_writer(&self) -> Result<&NativeWriter, StoreError> {
        self.native
            .as_ref()
            .ok_or_else(|| StoreError::Corrupt("no writer connection of our own".into()))
    }

    /// Whether writes wait for [`GroupCommit::drain`]: the open batch then stays open for them.
    fn jobs_waiting(&self) -> bool {
        self.jobs.lock().is_ok_and(|jobs| !jobs.waiting.is_empty())
    }

    /// The next value of a counter (e.g. a tenant's order numbers), taken, if this process
    /// knows it; `None` until [`GroupCommit::settle_counter`] has told it. Why: the value is
    /// handed out without a turn, so a writer can build its documents with it before it
    /// holds the slot. Values handed out only grow — one whose write rolls back is skipped,
    /// never given twice — and the stored counter only moves up to the highest one written.
    pub(crate) fn take_counter(&self, key: &str) -> Option<i64> {
        let mut counters = self.counters.lock().ok()?;
        let next = counters.get_mut(key)?;
        *next += 1;
        Some(*next - 1)
    }

    /// Takes a counter's next value when the stored one (`stored`, read in the taker's turn)
    /// is all there is to go on: the larger of it and the value known here, if any.
    pub(crate) fn settle_counter(&self, key: &str, stored: i64) -> i64 {
        let Ok(mut counters) = self.counters.lock() else {
            return stored;
        };
        let next = counters.entry(key.to_owned()).or_insert(stored);
        let taken = (*next).max(stored);
        *next = taken + 1;
        taken
    }

    /// Waits for the writer slot (in arrival order) and joins or opens the shared
    /// transaction on sqlx's connection; a joining writer's savepoint goes with its first
    /// statement.
    pub(crate) async fn begin(self: &Arc<Self>) -> Result<Turn, StoreError> {
        let (open, slot, taken) = self.take_slot(false).await;
        let (batch, alone) = match open {
            Some(batch) => (batch, false),
            None => {
                let batch = Batch {
                    open: Open::Sqlx(self.pool.begin_with("BEGIN IMMEDIATE").await?),
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
    /// Waits for the writer slot (in arrival order); returns the open batch if it is on the
    /// connection wanted (`native`) and not due — else it is committed first — with the slot
    /// and when it was taken.
    async fn take_slot(
        self: &Arc<Self>,
        native: bool,
    ) -> (Option<Batch>, OwnedMutexGuard<Option<Batch>>, Instant) {
        let asked = Instant::now();
        let mut slot = {
            let _queued = Queued::join(&self.queued);
            self.slot.clone().lock_owned().await
        };
        let taken = Instant::now();
        metrics::histogram!("store_writer_wait_seconds").record(taken - asked);
        let open = match slot.take() {
            Some(batch) if batch.due() || batch.native() != native => {
                self.finish(batch).await;
                None
            }
            other => other,
        };
        (open, slot, taken)
    }

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
            let committed = batch.commit(&group).await;
            let _ = logged.send(());
            committed.answer(&group.log).await;
        });
        let _ = in_log.await;
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

    /// The shared transaction's connection, inside this writer's savepoint.
    pub(crate) fn conn(&mut self) -> Result<&mut sqlx::AnyConnection, StoreError> {
        match &mut self.batch.open {
            Open::Sqlx(tx) => Ok(tx),
            Open::Native => Err(StoreError::Corrupt(
                "a turn on sqlx's connection holds a batch of the writer's own".into(),
            )),
        }
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
            let sent = match turn.conn() {
                Ok(conn) => batch::run(conn, stmts).await,
                Err(e) => Err(e),
            };
            if let Err(e) = sent {
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
        if self.alone {
            // Nobody else's change is in the transaction yet: all of it goes.
            if let Open::Sqlx(tx) = self.batch.open {
                let _ = tx.rollback().await;
            }
            return drop(self.slot);
        }
        if !sent {
            return hand_back(self.batch, self.slot, &self.group).await;
        }
        let undone = match self.conn() {
            Ok(conn) => sqlx::raw_sql(UNDO)
                .execute(conn)
                .await
                .map_err(StoreError::from),
            Err(e) => Err(e),
        };
        match undone {
            Ok(_) => hand_back(self.batch, self.slot, &self.group).await,
            Err(e) => self.batch.poison(&self.group, &e.to_string()).await,
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
    let waiting = group.queued.load(Ordering::Acquire) > 0 || group.jobs_waiting();
    if !waiting || batch.due() {
        group.finish(batch).await;
    } else {
        *slot = Some(batch);
    }
    drop(slot);
}
