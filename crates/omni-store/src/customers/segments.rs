//! Segments: definitions, the columnar snapshot of the whole base they are evaluated over, and
//! materialised membership.

use omni_domain::customers::{Facts, Segment, SegmentBase, SegmentId, Tier};
use omni_kernel::{CustomerId, TenantId, Timestamp};
use sqlx::Row;

use super::parse;
use crate::{Page, Store, StoreError, WriteTx, from_millis, millis};

/// Rows fetched per round trip while loading a snapshot, packed into one string: small
/// enough for the allocator to reuse the buffers (fresh pages for multi-megabyte strings
/// cost more than the extra seeks).
const SNAPSHOT_CHUNK: i64 = 10_000;
/// Separates a packed snapshot row's fields (ASCII unit separator).
const FIELD: char = '\u{1f}';
/// Separates a packed snapshot's rows (ASCII record separator).
const RECORD: char = '\u{1e}';

/// Appends the customers of one packed chunk; `false` (and nothing appended) if it does not
/// split into rows of six well-formed fields (the caller then reads the chunk row by row).
fn unpack(packed: &str, base: &mut SegmentBase) -> bool {
    if packed.is_empty() {
        return true;
    }
    let rows: Option<Vec<(CustomerId, Facts<'_>)>> = packed.split(RECORD).map(unpack_row).collect();
    let Some(rows) = rows else { return false };
    for (id, facts) in rows {
        base.upsert(id, facts);
    }
    true
}

/// One packed row: id, tier, city (`=name`, or empty for none), spend, points, consent bits.
fn unpack_row(record: &str) -> Option<(CustomerId, Facts<'_>)> {
    let mut f = record.split(FIELD);
    let (Some(id), Some(tier), Some(city), Some(spent), Some(points), Some(consents), None) = (
        f.next(),
        f.next(),
        f.next(),
        f.next(),
        f.next(),
        f.next(),
        f.next(),
    ) else {
        return None;
    };
    let city = match city {
        "" => None,
        named => Some(named.strip_prefix('=')?),
    };
    let facts = Facts {
        tier: Tier::parse(tier).unwrap_or_default(),
        city,
        spent_90d: spent.parse().ok()?,
        points: points.parse().ok()?,
        consents: consents.parse().ok()?,
    };
    Some((id.parse().ok()?, facts))
}

/// A customer's segment facts as stored now; `active: false` when they left the base
/// (merged, erased) — what a node's snapshot applies for a customer that changed.
#[derive(Debug, Clone, PartialEq)]
pub struct FactsRow {
    pub id: CustomerId,
    pub active: bool,
    pub tier: Tier,
    pub city: Option<String>,
    pub spent_90d: i64,
    pub points: i64,
    pub consents: i64,
}

impl FactsRow {
    /// The facts a rule reads.
    pub fn facts(&self) -> Facts<'_> {
        Facts {
            tier: self.tier,
            city: self.city.as_deref(),
            spent_90d: self.spent_90d,
            points: self.points,
            consents: self.consents,
        }
    }
}

fn decode_facts(row: &sqlx::any::AnyRow) -> Result<FactsRow, StoreError> {
    let id: String = row.try_get("id")?;
    let tier: String = row.try_get("tier")?;
    let status: String = row.try_get("status")?;
    Ok(FactsRow {
        id: parse(&id)?,
        active: status == "active",
        tier: Tier::parse(&tier).unwrap_or_default(),
        city: row.try_get("city")?,
        spent_90d: row.try_get("spent_90d")?,
        points: row.try_get("points")?,
        consents: row.try_get("consent_bits")?,
    })
}

fn decode(row: &sqlx::any::AnyRow) -> Result<Segment, StoreError> {
    let id: String = row.try_get("id")?;
    let rule: String = row.try_get("rule")?;
    let at: Option<i64> = row.try_get("materialized_at")?;
    Ok(Segment {
        id: parse(&id)?,
        name: row.try_get("name")?,
        rule: serde_json::from_str(&rule).map_err(StoreError::corrupt)?,
        member_count: row.try_get("member_count")?,
        materialized_at: at.map(from_millis),
        created_at: from_millis(row.try_get("created_at")?),
    })
}

const COLUMNS: &str = "id, name, rule, member_count, materialized_at, created_at";

impl WriteTx {
    /// Stores a new segment.
    pub async fn insert_segment(
        &mut self,
        tenant: TenantId,
        s: &Segment,
    ) -> Result<(), StoreError> {
        let rule = serde_json::to_string(&s.rule).map_err(StoreError::corrupt)?;
        sqlx::query(
            "INSERT INTO segments (tenant_id, id, name, rule, member_count, materialized_at, created_at) \
             VALUES ($1, $2, $3, $4, NULL, NULL, $5)",
        )
        .bind(tenant.to_string())
        .bind(s.id.to_string())
        .bind(s.name.clone())
        .bind(rule)
        .bind(millis(s.created_at))
        .execute(self.conn().await?)
        .await?;
        Ok(())
    }

    /// Replaces a segment's members with `ids` and stamps the materialisation.
    pub async fn replace_segment_members(
        &mut self,
        tenant: TenantId,
        segment: SegmentId,
        ids: &[CustomerId],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let (t, s) = (tenant.to_string(), segment.to_string());
        sqlx::query("DELETE FROM segment_members WHERE tenant_id = $1 AND segment_id = $2")
            .bind(t.clone())
            .bind(s.clone())
            .execute(self.conn().await?)
            .await?;
        // one parameter per row (tenant and segment are shared)
        for chunk in ids.chunks(crate::rows_per_statement(self.backend(), 1)) {
            let mut sql = String::from(
                "INSERT INTO segment_members (tenant_id, segment_id, customer_id) VALUES ",
            );
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("($1, $2, ${})", i + 3));
            }
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(t.clone())
                .bind(s.clone());
            for id in chunk {
                q = q.bind(id.to_string());
            }
            q.execute(self.conn().await?).await?;
        }
        sqlx::query("UPDATE segments SET member_count = $1, materialized_at = $2 WHERE tenant_id = $3 AND id = $4")
            .bind(ids.len() as i64)
            .bind(millis(now))
            .bind(t)
            .bind(s)
            .execute(self.conn().await?)
            .await?;
        Ok(())
    }
}

impl Store {
    /// A segment of the tenant.
    pub async fn segment(&self, tenant: TenantId, id: SegmentId) -> Result<Segment, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM segments WHERE tenant_id = $1 AND id = $2"
        ));
        let row = sqlx::query(sql)
            .bind(tenant.to_string())
            .bind(id.to_string())
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        decode(&row)
    }

    /// Every segment of the tenant (a chain has tens to hundreds).
    pub async fn segments(&self, tenant: TenantId) -> Result<Vec<Segment>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM segments WHERE tenant_id = $1 ORDER BY id LIMIT 1000"
        ));
        let rows = sqlx::query(sql)
            .bind(tenant.to_string())
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(decode).collect()
    }

    /// The columnar snapshot of every active customer, loaded in keyset chunks.
    ///
    /// Why packed: a million rows one by one through the driver cost ~2.8 µs each in row
    /// hand-offs and per-column allocations — far more than the database spends finding
    /// them. Each chunk comes back instead as one string the database assembles (fields
    /// separated by U+001F, customers by U+001E) and is split here; a chunk whose text does not
    /// split cleanly (a separator inside a city name) is read again row by row.
    pub async fn segment_base(&self, tenant: TenantId) -> Result<SegmentBase, StoreError> {
        let mut base = SegmentBase::with_capacity(0);
        let mut after = String::new();
        loop {
            let row = sqlx::query(
                "SELECT string_agg(id || $4 || tier || $4 || \
                     CASE WHEN city IS NULL THEN '' ELSE '=' || city END || $4 || \
                     CAST(spent_90d AS TEXT) || $4 || CAST(points AS TEXT) || $4 || \
                     CAST(consent_bits AS TEXT), $5 ORDER BY id) AS packed, \
                 CAST(COUNT(*) AS BIGINT) AS n, MAX(id) AS last FROM ( \
                     SELECT id, tier, city, spent_90d, points, consent_bits FROM customers \
                     WHERE tenant_id = $1 AND id > $2 AND status = 'active' ORDER BY id LIMIT $3 \
                 ) AS chunk",
            )
            .bind(tenant.to_string())
            .bind(after.clone())
            .bind(SNAPSHOT_CHUNK)
            .bind(FIELD.to_string())
            .bind(RECORD.to_string())
            .fetch_one(self.pool())
            .await?;
            let n: i64 = row.try_get("n")?;
            let packed: Option<String> = row.try_get("packed")?;
            if !unpack(packed.as_deref().unwrap_or_default(), &mut base) {
                self.snapshot_rows(tenant, &after, &mut base).await?;
            }
            match row.try_get::<Option<String>, _>("last")? {
                Some(last) if n == SNAPSHOT_CHUNK => after = last,
                _ => return Ok(base),
            }
        }
    }

    /// One snapshot chunk read row by row (the fallback of [`Store::segment_base`]).
    async fn snapshot_rows(
        &self,
        tenant: TenantId,
        after: &str,
        base: &mut SegmentBase,
    ) -> Result<(), StoreError> {
        let rows = sqlx::query(
            "SELECT id, status, tier, city, spent_90d, points, consent_bits FROM customers \
             WHERE tenant_id = $1 AND id > $2 AND status = 'active' ORDER BY id LIMIT $3",
        )
        .bind(tenant.to_string())
        .bind(after.to_owned())
        .bind(SNAPSHOT_CHUNK)
        .fetch_all(self.pool())
        .await?;
        for row in &rows {
            let r = decode_facts(row)?;
            base.upsert(r.id, r.facts());
        }
        Ok(())
    }

    /// The segment facts of the given customers as stored now (ids not found are left out).
    pub async fn segment_facts(
        &self,
        tenant: TenantId,
        ids: &[CustomerId],
    ) -> Result<Vec<FactsRow>, StoreError> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(crate::rows_per_statement(self.backend(), 1)) {
            let list = (0..chunk.len())
                .map(|i| format!("${}", i + 2))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "SELECT id, status, tier, city, spent_90d, points, consent_bits FROM customers \
                 WHERE tenant_id = $1 AND id IN ({list})"
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(tenant.to_string());
            for id in chunk {
                q = q.bind(id.to_string());
            }
            for row in q.fetch_all(self.pool()).await? {
                out.push(decode_facts(&row)?);
            }
        }
        Ok(out)
    }

    /// A page of a segment's materialised members.
    pub async fn segment_members(
        &self,
        tenant: TenantId,
        segment: SegmentId,
        after: Option<CustomerId>,
        limit: usize,
    ) -> Result<Page<CustomerId>, StoreError> {
        let rows = sqlx::query(
            "SELECT customer_id FROM segment_members WHERE tenant_id = $1 AND segment_id = $2 AND customer_id > $3 \
             ORDER BY customer_id LIMIT $4",
        )
        .bind(tenant.to_string())
        .bind(segment.to_string())
        .bind(after.map(|a| a.to_string()).unwrap_or_default())
        .bind(limit as i64 + 1)
        .fetch_all(self.pool())
        .await?;
        let items = rows
            .iter()
            .map(|r| {
                r.try_get::<String, _>("customer_id")
                    .map_err(StoreError::from)
                    .and_then(|s| parse(&s))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_probe(items, limit))
    }
}
