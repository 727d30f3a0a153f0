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

use crate::batch::Stmt;
use crate::inline_reads::Cols;
use crate::{Backend, Store, StoreError, from_millis, millis};

/// Why a relay lease was not taken: another node holds it.
const LEASE_HELD: &str = "the relay lease is held by another node";

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

fn decode(row: &dyn Cols) -> Result<SequencedEvent, StoreError> {
    let mut event = decode_mark(row)?;
    event.event.data = serde_json::from_str(&row.text("data")?).map_err(StoreError::corrupt)?;
    Ok(event)
}

/// An event without its payload (`data` is `null`).
fn decode_mark(row: &dyn Cols) -> Result<SequencedEvent, StoreError> {
    Ok(SequencedEvent {
        seq: row.int("feed_seq")?,
        event: DomainEvent {
            id: row.text("event_id")?.parse().map_err(StoreError::corrupt)?,
            tenant_id: row
                .text("tenant_id")?
                .parse()
                .map_err(StoreError::corrupt)?,
            kind: row.text("kind")?,
            subject: row.text("subject")?,
            occurred_at: from_millis(row.int("occurred_at")?),
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
        let waiting = self
            .hot_row(
                "SELECT id FROM outbox WHERE feed_seq IS NULL LIMIT 1",
                Vec::new(),
                |r| r.int("id"),
            )
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
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM outbox WHERE tenant_id = $1 AND feed_seq > $2 ORDER BY feed_seq LIMIT $3"
        );
        let args = vec![
            tenant.to_string().into(),
            after.into(),
            (limit as i64).into(),
        ];
        self.scan_rows(sql, args, decode).await
    }

    /// Every tenant's events after `after` (the NATS publisher's view).
    pub async fn global_feed(
        &self,
        after: i64,
        limit: usize,
    ) -> Result<Vec<SequencedEvent>, StoreError> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM outbox WHERE feed_seq > $1 ORDER BY feed_seq LIMIT $2"
        );
        self.scan_rows(sql, vec![after.into(), (limit as i64).into()], decode)
            .await
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
        let mut events = self
            .scan_rows(
                "SELECT feed_seq, event_id, tenant_id, kind, subject, occurred_at FROM outbox \
                 WHERE feed_seq > $1 ORDER BY feed_seq LIMIT $2",
                vec![after.into(), (limit as i64).into()],
                decode_mark,
            )
            .await?;
        let wanted: Vec<usize> = (0..events.len())
            .filter(|&i| wants_data(&events[i].event.kind))
            .collect();
        for chunk in wanted.chunks(PAYLOADS_PER_READ) {
            let mut sql = String::from("SELECT feed_seq, data FROM outbox WHERE feed_seq IN (");
            crate::row_placeholders(1, chunk.len(), &mut sql);
            sql.push(')');
            let args = chunk.iter().map(|&i| events[i].seq.into()).collect();
            let payloads = self
                .scan_rows(sql, args, |r| Ok((r.int("feed_seq")?, r.text("data")?)))
                .await?;
            for (seq, data) in payloads {
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
        self.scan_rows(
            "SELECT feed_seq, kind, subject FROM outbox WHERE tenant_id = $1 AND feed_seq > $2 \
             ORDER BY feed_seq LIMIT $3",
            vec![
                tenant.to_string().into(),
                after.into(),
                (limit as i64).into(),
            ],
            |r| {
                Ok(FeedMark {
                    seq: r.int("feed_seq")?,
                    kind: r.text("kind")?,
                    subject: r.text("subject")?,
                })
            },
        )
        .await
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
        let take = Stmt::new(
            "UPDATE relay_state SET lease_owner = $1, lease_until = $2 \
             WHERE name = $3 AND (lease_owner = $1 OR lease_until < $4)",
        )
        .bind(owner)
        .bind(millis(now) + ttl_ms)
        .bind(name)
        .bind(millis(now))
        .one_row(|| StoreError::Conflict(LEASE_HELD));
        match self.write_alone(take).await {
            Ok(()) => Ok(true),
            Err(StoreError::Conflict(LEASE_HELD)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// A relay's delivered position.
    pub async fn relay_position(&self, name: &str) -> Result<i64, StoreError> {
        self.hot_row(
            "SELECT position FROM relay_state WHERE name = $1",
            vec![name.into()],
            |r| r.int("position"),
        )
        .await?
        .ok_or(StoreError::NotFound)
    }

    /// Moves a relay's position forward after its sink acknowledged; only the lease holder
    /// may, and a position never moves back.
    pub async fn advance_relay(
        &self,
        name: &str,
        owner: &str,
        position: i64,
    ) -> Result<(), StoreError> {
        self.write_alone(
            Stmt::new(
                "UPDATE relay_state SET position = $1 \
                 WHERE name = $2 AND lease_owner = $3 AND position < $1",
            )
            .bind(position)
            .bind(name)
            .bind(owner),
        )
        .await
    }
}
