//! The unit of work: one database transaction that carries state changes and their events.

use omni_domain::events::DomainEvent;
use omni_kernel::{CustomerId, TenantId, Timestamp};
use sqlx::{Any, Transaction};

use crate::group_commit::Turn;
use crate::{Backend, StoreError, millis, placeholders, rows_per_statement};

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
}

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
/// shared group-commit transaction.
enum Inner {
    Own(Box<Transaction<'static, Any>>),
    Shared(Box<Turn>),
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
        }
    }

    pub(crate) fn shared(turn: Turn) -> Self {
        Self {
            inner: Inner::Shared(Box::new(turn)),
            backend: Backend::Sqlite,
            events: 0,
            outbox: Vec::new(),
            changed_customers: Vec::new(),
        }
    }

    /// The connection inside, for repository queries.
    pub(crate) fn conn(&mut self) -> &mut sqlx::AnyConnection {
        match &mut self.inner {
            Inner::Own(tx) => tx,
            Inner::Shared(turn) => turn.conn(),
            Inner::Ended => unreachable!("a transaction is used only before it ends"),
        }
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
    async fn write_outbox(&mut self) -> Result<(), StoreError> {
        let rows = std::mem::take(&mut self.outbox);
        for chunk in rows.chunks(rows_per_statement(self.backend, 6)) {
            let sql = format!(
                "INSERT INTO outbox (event_id, tenant_id, kind, subject, occurred_at, data) VALUES {}",
                placeholders(chunk.len(), 6)
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for r in chunk {
                q = q
                    .bind(&r.event_id)
                    .bind(&r.tenant_id)
                    .bind(&r.kind)
                    .bind(&r.subject)
                    .bind(r.occurred_at)
                    .bind(&r.data);
            }
            q.execute(self.conn()).await?;
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
        match std::mem::replace(&mut self.inner, Inner::Ended) {
            Inner::Own(tx) => tx.commit().await?,
            Inner::Shared(turn) => turn.commit().await?,
            Inner::Ended => {}
        }
        Ok(())
    }

    /// Rolls back explicitly (dropping does the same).
    pub async fn rollback(mut self) -> Result<(), StoreError> {
        match std::mem::replace(&mut self.inner, Inner::Ended) {
            Inner::Own(tx) => tx.rollback().await?,
            Inner::Shared(turn) => turn.abandon(),
            Inner::Ended => {}
        }
        Ok(())
    }
}

impl Drop for WriteTx {
    /// A transaction dropped without `commit` undoes its changes: its own transaction rolls
    /// back (sqlx does that), a shared one rolls back to this writer's savepoint only.
    fn drop(&mut self) {
        if let Inner::Shared(turn) = std::mem::replace(&mut self.inner, Inner::Ended) {
            turn.abandon();
        }
    }
}
