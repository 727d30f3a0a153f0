//! Reservations: the hold row and its stock effect always change in one transaction, and a
//! hold ends exactly once — the status change is conditional on the hold still being active,
//! so two nodes expiring (or a client releasing while a node expires) cannot free it twice.

use omni_domain::events::DomainEvent;
use omni_domain::inventory::{Reservation, ReservationId, ReservationStatus, Sku};
use omni_kernel::{LocationId, TenantId, Timestamp};
use sqlx::Row;

use super::stock::reserve_stock;
use crate::batch::Stmt;
use crate::{Store, StoreError, WriteTx, millis};

fn decode(row: &sqlx::any::AnyRow) -> Result<Reservation, StoreError> {
    let doc: String = row.try_get("doc")?;
    serde_json::from_str(&doc).map_err(StoreError::corrupt)
}

fn doc(r: &Reservation) -> Result<String, StoreError> {
    serde_json::to_string(r).map_err(StoreError::corrupt)
}

/// The event type a hold's new state is announced with.
fn event_kind(status: ReservationStatus) -> &'static str {
    match status {
        ReservationStatus::Active => "reservation.placed",
        ReservationStatus::Committed => "reservation.committed",
        ReservationStatus::Released => "reservation.released",
        ReservationStatus::Expired => "reservation.expired",
    }
}

/// Why a hold cannot be placed.
const NOT_ENOUGH: &str = "not enough stock available to promise at this location";

impl WriteTx {
    /// Places a hold: takes the units (409 if not available) and records the hold and its event.
    pub async fn place_reservation(&mut self, r: &Reservation) -> Result<(), StoreError> {
        self.place_reservations(std::slice::from_ref(r)).await
    }

    /// Places several holds (an order's lines and sources), all or none: every stock update
    /// is asked at once, so on SQLite they go to the writer in one hand-off, with the order
    /// number and whatever else the caller asked before.
    pub async fn place_reservations(&mut self, rs: &[Reservation]) -> Result<(), StoreError> {
        let mut asked = Vec::with_capacity(rs.len());
        for r in rs {
            let stmt = reserve_stock(r.tenant_id, &r.sku, r.location_id, r.quantity, r.created_at);
            asked.push(self.ask(stmt).await?);
        }
        for (r, a) in rs.iter().zip(asked) {
            if self.answer(a).await?.rows_affected != 1 {
                self.reserve_after_sweep(r).await?;
            }
            self.insert_reservation(r).await?;
        }
        Ok(())
    }

    /// Places several holds at the first try (see [`WriteTx::place_reservations`]): on
    /// SQLite every stock update goes with the writer's next hand-off, guarded to change one
    /// row, so enough units at the first try — the usual case — costs no hand-off of its own.
    /// A line with too few then fails the write with [`crate::TRY_CAREFULLY`], and the
    /// caller takes it again with [`WriteTx::place_reservations`], which sweeps overdue
    /// holds and says what is missing. On PostgreSQL it is `place_reservations`.
    pub async fn place_reservations_at_first_try(
        &mut self,
        rs: &[Reservation],
    ) -> Result<(), StoreError> {
        if !self.holds_writes_back() {
            return self.place_reservations(rs).await;
        }
        for r in rs {
            let stmt = reserve_stock(r.tenant_id, &r.sku, r.location_id, r.quantity, r.created_at)
                .one_row(|| StoreError::Conflict(crate::TRY_CAREFULLY));
            self.defer(stmt).await?;
        }
        for r in rs {
            self.insert_reservation(r).await?;
        }
        Ok(())
    }

    /// Holds a hold's units once the stock update found too few: overdue holds the sweeper
    /// has not reached yet are expired (only now that their units are needed, so the common
    /// case costs one statement, not a search as well) and the update is tried once more.
    async fn reserve_after_sweep(&mut self, r: &Reservation) -> Result<(), StoreError> {
        let (tenant, sku, location) = (r.tenant_id, &r.sku, r.location_id);
        let freed = self
            .expire_overdue_at(tenant, sku, location, r.created_at)
            .await?;
        if freed == 0
            || !self
                .try_reserve_stock(tenant, sku, location, r.quantity, r.created_at)
                .await?
        {
            return Err(StoreError::Conflict(NOT_ENOUGH));
        }
        Ok(())
    }

    /// The hold's row and its event (its units are taken).
    async fn insert_reservation(&mut self, r: &Reservation) -> Result<(), StoreError> {
        let stmt = Stmt::new(
            "INSERT INTO reservations (tenant_id, id, sku, location_id, status, expires_at, doc, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(r.tenant_id.to_string())
        .bind(r.id.to_string())
        .bind(r.sku.as_str())
        .bind(r.location_id.to_string())
        .bind(r.status.as_str())
        .bind(millis(r.expires_at))
        .bind(doc(r)?)
        .bind(millis(r.updated_at));
        self.defer(stmt).await?;
        self.record_reservation(r).await
    }

    /// A hold, read inside the transaction.
    pub async fn reservation(
        &mut self,
        tenant: TenantId,
        id: ReservationId,
    ) -> Result<Reservation, StoreError> {
        let row = sqlx::query("SELECT doc FROM reservations WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.to_string())
            .bind(id.to_string())
            .fetch_optional(self.conn().await?)
            .await?
            .ok_or(StoreError::NotFound)?;
        decode(&row)
    }

    /// Stores a hold's next state if it is still active (409 otherwise), applies the stock
    /// effect of its end (released/expired free the units, committed sells them) and records
    /// the event.
    pub async fn advance_reservation(&mut self, next: &Reservation) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE reservations SET status = $1, expires_at = $2, doc = $3, updated_at = $4 \
             WHERE tenant_id = $5 AND id = $6 AND status = 'active'",
        )
        .bind(next.status.as_str())
        .bind(millis(next.expires_at))
        .bind(doc(next)?)
        .bind(millis(next.updated_at))
        .bind(next.tenant_id.to_string())
        .bind(next.id.to_string())
        .execute(self.conn().await?)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict("the reservation is no longer active"));
        }
        let reference = next.id.to_string();
        let sold = match next.status {
            ReservationStatus::Active => return self.record_reservation(next).await,
            ReservationStatus::Committed => Some(reference.as_str()),
            ReservationStatus::Released | ReservationStatus::Expired => None,
        };
        self.unreserve_stock(
            next.tenant_id,
            &next.sku,
            next.location_id,
            next.quantity,
            sold,
            next.updated_at,
        )
        .await?;
        self.record_reservation(next).await
    }

    async fn record_reservation(&mut self, r: &Reservation) -> Result<(), StoreError> {
        let kind = if r.status == ReservationStatus::Active && r.updated_at != r.created_at {
            "reservation.extended"
        } else {
            event_kind(r.status)
        };
        let data = serde_json::to_value(r).map_err(StoreError::corrupt)?;
        self.record(&DomainEvent::new(
            r.tenant_id,
            kind,
            r.id,
            r.updated_at,
            data,
        ))
        .await
    }

    /// Expires the overdue holds on one stock row, so their units are promisable at once.
    async fn expire_overdue_at(
        &mut self,
        tenant: TenantId,
        sku: &Sku,
        location: LocationId,
        now: Timestamp,
    ) -> Result<usize, StoreError> {
        let rows = sqlx::query(
            "SELECT doc FROM reservations WHERE tenant_id = $1 AND sku = $2 AND location_id = $3 \
             AND status = 'active' AND expires_at <= $4",
        )
        .bind(tenant.to_string())
        .bind(sku.as_str().to_owned())
        .bind(location.to_string())
        .bind(millis(now))
        .fetch_all(self.conn().await?)
        .await?;
        let mut expired = 0;
        for row in &rows {
            if let Ok(next) = decode(row)?.expire(now) {
                self.advance_reservation(&next).await?;
                expired += 1;
            }
        }
        Ok(expired)
    }
}

impl Store {
    /// A hold of the tenant.
    pub async fn reservation(
        &self,
        tenant: TenantId,
        id: ReservationId,
    ) -> Result<Reservation, StoreError> {
        let row = sqlx::query("SELECT doc FROM reservations WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.to_string())
            .bind(id.to_string())
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        decode(&row)
    }

    /// Expires up to `batch` overdue holds of every tenant, each in its own transaction;
    /// returns how many this call expired. Safe on several nodes at once: a hold another
    /// node ended first is skipped (its conditional status update matches no row).
    pub async fn expire_due_reservations(
        &self,
        now: Timestamp,
        batch: i64,
    ) -> Result<usize, StoreError> {
        let due = sqlx::query(
            "SELECT tenant_id, id FROM reservations WHERE status = 'active' AND expires_at <= $1 \
             ORDER BY expires_at LIMIT $2",
        )
        .bind(millis(now))
        .bind(batch)
        .fetch_all(self.pool())
        .await?;
        let mut expired = 0;
        for row in &due {
            let tenant: String = row.try_get("tenant_id")?;
            let id: String = row.try_get("id")?;
            let tenant: TenantId = tenant.parse().map_err(StoreError::corrupt)?;
            let id: ReservationId = id.parse().map_err(StoreError::corrupt)?;
            let mut tx = self.write().await?;
            let Ok(next) = tx.reservation(tenant, id).await?.expire(now) else {
                continue;
            };
            match tx.advance_reservation(&next).await {
                Ok(()) => {
                    tx.commit().await?;
                    expired += 1;
                }
                Err(StoreError::Conflict(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(expired)
    }
}
