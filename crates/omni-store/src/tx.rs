//! The unit of work: one database transaction that carries state changes and their events.

use omni_domain::events::DomainEvent;
use omni_kernel::{CustomerId, TenantId, Timestamp};
use sqlx::{Any, Transaction};

use std::fmt::Write as _;
use std::sync::Arc;

use crate::batch::{self, Answer, Stmt};
use crate::group_commit::{GroupCommit, SAVEPOINT, Turn};
use crate::{Backend, StoreError, millis, rows_per_statement};

/// A write transaction. Repositories write through it; [`WriteTx::record`] appends a domain
/// event to the outbox inside the same transaction, so both commit atomically.
pub struct WriteTx {
    inner: Inner,
    backend: Backend,
    events: usize,
    /// Events recorded but not yet inserted: they go in at commit, many rows per statement.
    outbox: Vec<OutboxRow>,
    /// Customers whose segment facts this transaction changed (see
    /// [`WriteTx::customer_facts_changed`]).
    changed_customers: Vec<(TenantId, CustomerId, Timestamp)>,
    /// Writes not sent yet (SQLite only): they go with the next statement whose answer is
    /// needed, or with the commit (see [`crate::batch`]).
    pending: Vec<Stmt>,
    /// Whether any of this writer's statements reached the database (SQLite's shared
    /// transaction: a writer that sent nothing has nothing to undo).
    sent: bool,
    /// Answers of asked statements (see [`WriteTx::ask`]) that came back, by ticket.
    answers: Vec<(u32, Answer)>,
    /// The next ticket to hand out.
    tickets: u32,
    /// Where in `pending` an idempotency key's claim waits, not sent yet (see
    /// [`WriteTx::unsent_claim`]).
    claim: Option<usize>,
}

/// A statement whose answer was asked for (see [`WriteTx::ask`]); redeemed with
/// [`WriteTx::answer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "an asked statement's answer is what the caller needed"]
pub(crate) struct Asked(u32);

/// The conflict of a write whose fast path's guess did not hold — enough units at the first
/// try of a hold — when the data was checked with the held-back writes. The caller takes the same write again the careful way (ask, then
/// decide), which also gives the real reason if there is one.
pub const TRY_CAREFULLY: &str = "the write's fast path did not hold; take it the careful way";

/// The event kind announcing a change of a customer's segment facts that no other event of
/// the transaction names.
pub const FACTS_CHANGED: &str = "customer.facts_changed";

/// An outbox row's values, bound when the events are written.
struct OutboxRow {
    event_id: String,
    tenant_id: String,
    kind: String,
    subject: String,
    occurred_at: i64,
    data: String,
}

/// Where the writes go: a transaction of its own (PostgreSQL), or a savepoint in SQLite's
/// shared group-commit transaction, in a turn taken when the first statement must reach the
/// database (`None` until then).
enum Inner {
    Own(Box<Transaction<'static, Any>>),
    Shared(Arc<GroupCommit>, Option<Box<Turn>>),
    /// Only after `commit`/`rollback` consumed the transaction (never seen by a caller).
    Ended,
}

impl WriteTx {
    pub(crate) fn own(tx: Transaction<'static, Any>, backend: Backend) -> Self {
        Self {
            inner: Inner::Own(Box::new(tx)),
            backend,
            events: 0,
            outbox: Vec::new(),
            changed_customers: Vec::new(),
            pending: Vec::new(),
            sent: true,
            answers: Vec::new(),
            tickets: 0,
            claim: None,
        }
    }

    /// A writer in SQLite's group commit. Why the turn waits: every other writer waits while
    /// one holds it, so what a writer can do without the database — build its documents,
    /// events and response — it does before; a writer whose statements all go with its
    /// commit holds the slot for one hand-off (see [`GroupCommit::commit_at_once`]).
    pub(crate) fn shared(group: Arc<GroupCommit>) -> Self {
        Self {
            inner: Inner::Shared(group, None),
            backend: Backend::Sqlite,
            events: 0,
            outbox: Vec::new(),
            changed_customers: Vec::new(),
            pending: Vec::new(),
            sent: false,
            answers: Vec::new(),
            tickets: 0,
            claim: None,
        }
    }

    /// The connection, once this writer holds its turn (taken here if need be); a writer that
    /// joins an open batch gets its savepoint first, sent with its first statement.
    async fn turn_conn(&mut self) -> Result<&mut sqlx::AnyConnection, StoreError> {
        if let Inner::Shared(group, turn @ None) = &mut self.inner {
            let taken = group.begin().await?;
            if !taken.alone() {
                self.pending.insert(0, Stmt::new(SAVEPOINT));
            }
            *turn = Some(Box::new(taken));
        }
        self.raw_conn()
    }

    fn raw_conn(&mut self) -> Result<&mut sqlx::AnyConnection, StoreError> {
        match &mut self.inner {
            Inner::Own(tx) => Ok(tx),
            Inner::Shared(_, Some(turn)) => turn.conn(),
            Inner::Shared(_, None) | Inner::Ended => Err(StoreError::Corrupt(
                "a connection is used only in a turn, before the transaction ends".into(),
            )),
        }
    }

    /// The connection inside, for repository queries, once the writes kept back are sent
    /// (a query always sees every earlier write of its transaction).
    pub(crate) async fn conn(&mut self) -> Result<&mut sqlx::AnyConnection, StoreError> {
        self.turn_conn().await?;
        if !self.pending.is_empty() {
            self.send(None).await?;
        }
        self.raw_conn()
    }

    /// A write whose answer is not needed now: on SQLite it goes with the next statement
    /// that needs one (its row count and errors are checked then); on PostgreSQL, whose
    /// round trips it would not save, it runs at once.
    pub(crate) async fn defer(&mut self, stmt: Stmt) -> Result<(), StoreError> {
        match self.backend {
            Backend::Sqlite => self.pending.push(stmt),
            Backend::Postgres => {
                batch::run(self.raw_conn()?, vec![stmt]).await?;
            }
        }
        Ok(())
    }

    /// [`WriteTx::defer`] for an idempotency key's claim, remembered while it waits so that
    /// the response can still be put into it (see [`WriteTx::unsent_claim`]).
    pub(crate) async fn defer_claim(&mut self, stmt: Stmt) -> Result<(), StoreError> {
        if self.backend == Backend::Sqlite {
            self.claim = Some(self.pending.len());
        }
        self.defer(stmt).await
    }

    /// The key's claim, if it has not reached the database yet: its row can then be written
    /// once, with the response, instead of claimed and then completed — and the claim keeps
    /// its place before the write's other statements, so a repeated request fails on the
    /// key, not on what the first one changed.
    pub(crate) fn unsent_claim(&mut self) -> Option<&mut Stmt> {
        self.pending.get_mut(self.claim?)
    }

    /// Runs a statement whose answer is needed now, together with the writes kept back.
    pub(crate) async fn run(&mut self, stmt: Stmt) -> Result<Answer, StoreError> {
        let mut answers = self.send(Some(stmt)).await?;
        Ok(answers.pop().unwrap_or_default())
    }

    /// A statement whose answer is needed later, not at once: on SQLite it waits with the
    /// writes kept back, so several asked statements — every line's stock update and the
    /// order number of a checkout — go in one hand-off; on PostgreSQL it runs at once.
    /// [`WriteTx::answer`] gives its answer (sending what is kept back if need be).
    pub(crate) async fn ask(&mut self, mut stmt: Stmt) -> Result<Asked, StoreError> {
        let ticket = self.tickets;
        self.tickets += 1;
        stmt.ticket = Some(ticket);
        match self.backend {
            Backend::Sqlite => self.pending.push(stmt),
            Backend::Postgres => {
                let answer = batch::run(self.raw_conn()?, vec![stmt]).await?.pop();
                self.answers.push((ticket, answer.unwrap_or_default()));
            }
        }
        Ok(Asked(ticket))
    }

    /// The answer of an asked statement.
    pub(crate) async fn answer(&mut self, asked: Asked) -> Result<Answer, StoreError> {
        if !self.answers.iter().any(|(t, _)| *t == asked.0) {
            self.send(None).await?;
        }
        let at = self
            .answers
            .iter()
            .position(|(t, _)| *t == asked.0)
            .ok_or_else(|| StoreError::Corrupt("an asked statement was never sent".into()))?;
        Ok(self.answers.swap_remove(at).1)
    }

    /// Sends the writes kept back plus `last`; keeps the answers of asked statements and
    /// returns every answer.
    async fn send(&mut self, last: Option<Stmt>) -> Result<Vec<Answer>, StoreError> {
        self.turn_conn().await?;
        self.claim = None;
        let mut stmts = std::mem::take(&mut self.pending);
        stmts.extend(last);
        self.sent = true;
        let tickets: Vec<Option<u32>> = stmts.iter().map(|s| s.ticket).collect();
        let mut answers = batch::run(self.raw_conn()?, stmts).await?;
        for (ticket, answer) in tickets.into_iter().zip(answers.iter_mut()) {
            if let Some(t) = ticket {
                self.answers.push((t, std::mem::take(answer)));
            }
        }
        Ok(answers)
    }

    /// A counter's next value, taken, if this process knows it (see
    /// `GroupCommit::take_counter`); always `None` on PostgreSQL, which has sequences.
    pub(crate) fn take_counter(&self, key: &str) -> Option<i64> {
        match &self.inner {
            Inner::Shared(group, _) => group.take_counter(key),
            _ => None,
        }
    }

    /// Takes a counter's next value from its stored one, read in this writer's turn (see
    /// `GroupCommit::settle_counter`); on PostgreSQL the stored value itself.
    pub(crate) fn settle_counter(&self, key: &str, stored: i64) -> i64 {
        match &self.inner {
            Inner::Shared(group, _) => group.settle_counter(key, stored),
            _ => stored,
        }
    }

    /// Whether writes are held back and sent together (SQLite's single writer), so a guess
    /// checked by a held-back statement saves a hand-off; on PostgreSQL every statement runs
    /// at once and a failed one ends the transaction, so guessing saves nothing.
    pub fn holds_writes_back(&self) -> bool {
        matches!(self.inner, Inner::Shared(..))
    }

    /// The backend, for the rare dialect difference.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Appends an event to the outbox in this transaction (written when it commits).
    pub async fn record(&mut self, event: &DomainEvent) -> Result<(), StoreError> {
        self.push_event(event);
        Ok(())
    }

    fn push_event(&mut self, event: &DomainEvent) {
        self.outbox.push(OutboxRow {
            event_id: event.id.to_string(),
            tenant_id: event.tenant_id.to_string(),
            kind: event.kind.clone(),
            subject: event.subject.clone(),
            occurred_at: millis(event.occurred_at),
            data: event.data.to_string(),
        });
        self.events += 1;
    }

    /// Notes that a customer's segment facts (status, tier, city, spend, points, consents)
    /// change in this transaction. Why: nodes keep segment snapshots current from the event
    /// feed, so every such change must leave an event naming the customer — at commit, a
    /// customer no recorded event names gets a `customer.facts_changed` event.
    pub(crate) fn customer_facts_changed(
        &mut self,
        tenant: TenantId,
        id: CustomerId,
        at: Timestamp,
    ) {
        self.changed_customers.push((tenant, id, at));
    }

    /// Records `customer.facts_changed` for the changed customers no event names yet.
    fn announce_changed_customers(&mut self) {
        let changed = std::mem::take(&mut self.changed_customers);
        for (tenant, id, at) in changed {
            let subject = id.to_string();
            if self.outbox.iter().any(|r| r.subject == subject) {
                continue;
            }
            let event = DomainEvent::new(
                tenant,
                FACTS_CHANGED,
                &subject,
                at,
                serde_json::json!({ "customer_id": subject }),
            );
            self.push_event(&event);
        }
    }

    /// Inserts the recorded events, as few statements as the backend's bind limit allows.
    ///
    /// On SQLite the events get their feed positions as they are inserted: the single writer
    /// commits in the order it writes, so numbering them here is the feed's order already.
    /// Why: numbered later by the sequencer (as on PostgreSQL, whose concurrent transactions
    /// commit in another order than they write), every event row would be written twice,
    /// and the sequencer would take the writer's turn several times a second.
    async fn write_outbox(&mut self) -> Result<(), StoreError> {
        let rows = std::mem::take(&mut self.outbox);
        let numbered = self.holds_writes_back() && !rows.is_empty();
        if numbered {
            let take =
                Stmt::new("UPDATE relay_state SET position = position + $1 WHERE name = 'feed'")
                    .bind(rows.len() as i64)
                    .one_row(|| StoreError::Corrupt("the feed's position row is missing".into()));
            self.defer(take).await?;
        }
        // How many of the events follow the one being inserted: its position is the feed's
        // new head less that.
        let mut after = rows.len();
        for chunk in rows.chunks(rows_per_statement(self.backend, 6)) {
            let mut sql = String::from(
                "INSERT INTO outbox (event_id, tenant_id, kind, subject, occurred_at, data",
            );
            sql.push_str(if numbered {
                ", feed_seq) VALUES "
            } else {
                ") VALUES "
            });
            let mut stmt = Stmt::new("");
            for (i, r) in chunk.iter().enumerate() {
                after -= 1;
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push('(');
                crate::row_placeholders(i * 6 + 1, 6, &mut sql);
                if numbered {
                    let _ = write!(
                        sql,
                        ", (SELECT position FROM relay_state WHERE name = 'feed') - {after}"
                    );
                }
                sql.push(')');
                stmt = stmt
                    .bind(r.event_id.as_str())
                    .bind(r.tenant_id.as_str())
                    .bind(r.kind.as_str())
                    .bind(r.subject.as_str())
                    .bind(r.occurred_at)
                    .bind(r.data.as_str());
            }
            self.defer(stmt.with_sql(sql)).await?;
        }
        Ok(())
    }

    /// How many events this transaction recorded (the relay is woken when > 0).
    pub fn recorded_events(&self) -> usize {
        self.events
    }

    /// Commits the state change and its events; returns once they are durable.
    pub async fn commit(mut self) -> Result<(), StoreError> {
        self.announce_changed_customers();
        self.write_outbox().await?;
        let pending = std::mem::take(&mut self.pending);
        match std::mem::replace(&mut self.inner, Inner::Ended) {
            Inner::Own(tx) => tx.commit().await?,
            Inner::Shared(_, Some(turn)) => turn.commit(pending).await?,
            Inner::Shared(group, None) if !pending.is_empty() => {
                group.commit_at_once(pending).await?
            }
            Inner::Shared(_, None) | Inner::Ended => {}
        }
        Ok(())
    }

    /// Rolls back explicitly (dropping does the same).
    pub async fn rollback(mut self) -> Result<(), StoreError> {
        match std::mem::replace(&mut self.inner, Inner::Ended) {
            Inner::Own(tx) => tx.rollback().await?,
            Inner::Shared(_, Some(turn)) => turn.abandon(self.sent),
            Inner::Shared(_, None) | Inner::Ended => {}
        }
        Ok(())
    }
}

impl Drop for WriteTx {
    /// A transaction dropped without `commit` undoes its changes: its own transaction rolls
    /// back (sqlx does that), a shared one rolls back to this writer's savepoint only.
    fn drop(&mut self) {
        if let Inner::Shared(_, Some(turn)) = std::mem::replace(&mut self.inner, Inner::Ended) {
            turn.abandon(self.sent);
        }
    }
}
