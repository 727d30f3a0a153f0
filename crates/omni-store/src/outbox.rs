//! The outbox and the event feed.
//!
//! Writers append events with a database-assigned `id` but no feed position. The sequencer
//! ([`Store::sequence_outbox`]) gives committed events consecutive `feed_seq` numbers under a
//! row lock, so the feed only ever grows at its end: a reader that has seen position N never
//! later finds a new event below N (which plain auto-increment ids cannot promise on
//! PostgreSQL, where transactions commit out of id order). Consumers — the NATS publisher,
//! webhooks, `GET /v1/events` — read by `feed_seq`.

use omni_domain::events::DomainEvent;
use omni_kernel::{TenantId, Timestamp};
use sqlx::Row;

use crate::{Backend, Store, StoreError, from_millis, millis};

/// An event with its position in the feed.
#[derive(Debug, Clone, PartialEq)]
pub struct SequencedEvent {
    pub seq: i64,
    pub event: DomainEvent,
}

/// An event's position, kind and subject only (see [`Store::feed_marks`]).
#[derive(Debug, Clone, PartialEq)]
pub struct FeedMark {
    pub seq: i64,
    pub kind: String,
    pub subject: String,
}

const EVENT_COLUMNS: &str = "feed_seq, event_id, tenant_id, kind, subject, occurred_at, data";

fn decode(row: &sqlx::any::AnyRow) -> Result<SequencedEvent, StoreError> {
    let data: String = row.try_get("data")?;
    let mut event = decode_mark(row)?;
    event.event.data = serde_json::from_str(&data).map_err(StoreError::corrupt)?;
    Ok(event)
}

/// An event without its payload (`data` is `null`).
fn decode_mark(row: &sqlx::any::AnyRow) -> Result<SequencedEvent, StoreError> {
    let id: String = row.try_get("event_id")?;
    let tenant: String = row.try_get("tenant_id")?;
    Ok(SequencedEvent {
        seq: row.try_get("feed_seq")?,
        event: DomainEvent {
            id: id.parse().map_err(StoreError::corrupt)?,
            tenant_id: tenant.parse().map_err(StoreError::corrupt)?,
            kind: row.try_get("kind")?,
            subject: row.try_get("subject")?,
            occurred_at: from_millis(row.try_get("occurred_at")?),
            data: serde_json::Value::Null,
        },
    })
}

/// Payloads read per statement by [`Store::global_feed_for`].
const PAYLOADS_PER_READ: usize = 100;

impl Store {
    /// Assigns feed positions to up to `batch` committed, unsequenced events, oldest first.
    /// Safe to call from every node at once: the `feed` counter row serialises sequencers.
    pub async fn sequence_outbox(&self, batch: i64) -> Result<u64, StoreError> {
        // A cheap read first: an idle relay must not take the write lock several times a second.
        let waiting = sqlx::query("SELECT id FROM outbox WHERE feed_seq IS NULL LIMIT 1")
            .fetch_optional(self.pool())
            .await?;
        if waiting.is_none() {
            return Ok(0);
        }
        let mut tx = self.write().await?;
        let lock = match self.backend() {
            Backend::Sqlite => "SELECT position FROM relay_state WHERE name = 'feed'",
            Backend::Postgres => "SELECT position FROM relay_state WHERE name = 'feed' FOR UPDATE",
        };
        let position: i64 = sqlx::query(lock)
            .fetch_one(tx.conn().await?)
            .await?
            .try_get("position")?;
        let assigned = sqlx::query(
            "UPDATE outbox SET feed_seq = s.seq FROM ( \
                 SELECT id, $1 + ROW_NUMBER() OVER (ORDER BY id) AS seq FROM outbox \
                 WHERE feed_seq IS NULL ORDER BY id LIMIT $2 \
             ) AS s WHERE outbox.id = s.id",
        )
        .bind(position)
        .bind(batch)
        .execute(tx.conn().await?)
        .await?
        .rows_affected();
        if assigned > 0 {
            sqlx::query("UPDATE relay_state SET position = $1 WHERE name = 'feed'")
                .bind(position + assigned as i64)
                .execute(tx.conn().await?)
                .await?;
        }
        tx.commit().await?;
        Ok(assigned)
    }

    /// The tenant's events after feed position `after`, in feed order.
    pub async fn tenant_feed(
        &self,
        tenant: TenantId,
        after: i64,
        limit: usize,
    ) -> Result<Vec<SequencedEvent>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {EVENT_COLUMNS} FROM outbox WHERE tenant_id = $1 AND feed_seq > $2 ORDER BY feed_seq LIMIT $3"
        ));
        let rows = sqlx::query(sql)
            .bind(tenant.to_string())
            .bind(after)
            .bind(limit as i64)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(decode).collect()
    }

    /// Every tenant's events after `after` (the NATS publisher's view).
    pub async fn global_feed(
        &self,
        after: i64,
        limit: usize,
    ) -> Result<Vec<SequencedEvent>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {EVENT_COLUMNS} FROM outbox WHERE feed_seq > $1 ORDER BY feed_seq LIMIT $2"
        ));
        let rows = sqlx::query(sql)
            .bind(after)
            .bind(limit as i64)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(decode).collect()
    }

    /// Every tenant's events after `after`, like [`Store::global_feed`], but with the payload
    /// only of the events whose kind `wants_data` accepts; the others' `data` is `null`. Why:
    /// a node's followers (search, identities, triggers) each read every event, and most
    /// care about a few kinds; reading and decoding every payload was a tenth of a busy
    /// server's CPU.
    pub async fn global_feed_for(
        &self,
        after: i64,
        limit: usize,
        wants_data: impl Fn(&str) -> bool,
    ) -> Result<Vec<SequencedEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT feed_seq, event_id, tenant_id, kind, subject, occurred_at FROM outbox \
             WHERE feed_seq > $1 ORDER BY feed_seq LIMIT $2",
        )
        .bind(after)
        .bind(limit as i64)
        .fetch_all(self.pool())
        .await?;
        let mut events = rows
            .iter()
            .map(decode_mark)
            .collect::<Result<Vec<_>, _>>()?;
        let wanted: Vec<usize> = (0..events.len())
            .filter(|&i| wants_data(&events[i].event.kind))
            .collect();
        for chunk in wanted.chunks(PAYLOADS_PER_READ) {
            let list = (1..=chunk.len())
                .map(|n| format!("${n}"))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!("SELECT feed_seq, data FROM outbox WHERE feed_seq IN ({list})");
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for &i in chunk {
                query = query.bind(events[i].seq);
            }
            let payloads = query.fetch_all(self.pool()).await?;
            for row in payloads {
                let seq: i64 = row.try_get("feed_seq")?;
                let data: String = row.try_get("data")?;
                if let Some(&i) = chunk.iter().find(|&&i| events[i].seq == seq) {
                    events[i].event.data =
                        serde_json::from_str(&data).map_err(StoreError::corrupt)?;
                }
            }
        }
        Ok(events)
    }

    /// The kind and subject of the tenant's events after `after`, in feed order: what a
    /// node's caches need to learn which entities changed, without decoding any payload.
    pub async fn feed_marks(
        &self,
        tenant: TenantId,
        after: i64,
        limit: usize,
    ) -> Result<Vec<FeedMark>, StoreError> {
        let rows = sqlx::query(
            "SELECT feed_seq, kind, subject FROM outbox WHERE tenant_id = $1 AND feed_seq > $2 \
             ORDER BY feed_seq LIMIT $3",
        )
        .bind(tenant.to_string())
        .bind(after)
        .bind(limit as i64)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(FeedMark {
                    seq: r.try_get("feed_seq")?,
                    kind: r.try_get("kind")?,
                    subject: r.try_get("subject")?,
                })
            })
            .collect()
    }

    /// One event by its id (a trigger firing renders its message from the arming event).
    pub async fn event_by_id(
        &self,
        id: omni_kernel::EventId,
    ) -> Result<Option<DomainEvent>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {EVENT_COLUMNS} FROM outbox WHERE event_id = $1"
        ));
        let row = sqlx::query(sql)
            .bind(id.to_string())
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(|r| decode(r).map(|e| e.event)).transpose()
    }

    /// The feed's head: the highest position assigned so far.
    pub async fn feed_head(&self) -> Result<i64, StoreError> {
        self.relay_position("feed").await
    }

    /// How many committed events still wait for a feed position (a health figure).
    pub async fn unsequenced_events(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM outbox WHERE feed_seq IS NULL")
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get("n")?)
    }

    /// Takes or renews the lease on a relay (one publisher per sink across nodes).
    pub async fn acquire_relay_lease(
        &self,
        name: &str,
        owner: &str,
        now: Timestamp,
        ttl_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE relay_state SET lease_owner = $1, lease_until = $2 \
             WHERE name = $3 AND (lease_owner = $1 OR lease_until < $4)",
        )
        .bind(owner.to_owned())
        .bind(millis(now) + ttl_ms)
        .bind(name.to_owned())
        .bind(millis(now))
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// A relay's delivered position.
    pub async fn relay_position(&self, name: &str) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT position FROM relay_state WHERE name = $1")
            .bind(name.to_owned())
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(row.try_get("position")?)
    }

    /// Moves a relay's position forward after its sink acknowledged; only the lease holder
    /// may, and a position never moves back.
    pub async fn advance_relay(
        &self,
        name: &str,
        owner: &str,
        position: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE relay_state SET position = $1 WHERE name = $2 AND lease_owner = $3 AND position < $1")
            .bind(position)
            .bind(name.to_owned())
            .bind(owner.to_owned())
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
