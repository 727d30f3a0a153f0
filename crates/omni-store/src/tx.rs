//! The unit of work: one database transaction that carries state changes and their events.

use omni_domain::events::DomainEvent;
use sqlx::{Any, Transaction};
use tokio::sync::OwnedSemaphorePermit;

use crate::{Backend, StoreError, millis};

/// A write transaction. Repositories write through it; [`WriteTx::record`] appends a domain
/// event to the outbox inside the same transaction, so both commit atomically.
pub struct WriteTx {
    inner: Transaction<'static, Any>,
    backend: Backend,
    events: usize,
    /// This writer's turn in the SQLite writer queue, given back when the transaction ends.
    _turn: Option<OwnedSemaphorePermit>,
}

impl WriteTx {
    pub(crate) fn new(
        inner: Transaction<'static, Any>,
        backend: Backend,
        turn: Option<OwnedSemaphorePermit>,
    ) -> Self {
        Self {
            inner,
            backend,
            events: 0,
            _turn: turn,
        }
    }

    /// The connection inside, for repository queries.
    pub(crate) fn conn(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.inner
    }

    /// The backend, for the rare dialect difference.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Appends an event to the outbox in this transaction.
    pub async fn record(&mut self, event: &DomainEvent) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO outbox (event_id, tenant_id, kind, subject, occurred_at, data) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(event.id.to_string())
        .bind(event.tenant_id.to_string())
        .bind(event.kind.clone())
        .bind(event.subject.clone())
        .bind(millis(event.occurred_at))
        .bind(event.data.to_string())
        .execute(self.conn())
        .await?;
        self.events += 1;
        Ok(())
    }

    /// How many events this transaction recorded (the relay is woken when > 0).
    pub fn recorded_events(&self) -> usize {
        self.events
    }

    /// Commits the state change and its events.
    pub async fn commit(self) -> Result<(), StoreError> {
        self.inner.commit().await?;
        Ok(())
    }

    /// Rolls back explicitly (dropping does the same).
    pub async fn rollback(self) -> Result<(), StoreError> {
        self.inner.rollback().await?;
        Ok(())
    }
}
