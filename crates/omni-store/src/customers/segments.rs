//! Segments: definitions, the columnar snapshot of the whole base they are evaluated over, and
//! materialised membership.

use omni_domain::customers::{Facts, Segment, SegmentBase, SegmentId, Tier};
use omni_kernel::{CustomerId, TenantId, Timestamp};
use sqlx::Row;

use super::parse;
use crate::{Page, Store, StoreError, WriteTx, from_millis, millis};

/// Rows fetched per round trip while loading a snapshot.
const SNAPSHOT_CHUNK: i64 = 50_000;

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
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Replaces a segment's members with `ids` and stamps the materialisation.
    pub async fn replace_segment_members(
        &mut self,
        tenant: TenantId,
        segment: SegmentId,
        ids: &[&str],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let (t, s) = (tenant.to_string(), segment.to_string());
        sqlx::query("DELETE FROM segment_members WHERE tenant_id = $1 AND segment_id = $2")
            .bind(t.clone())
            .bind(s.clone())
            .execute(self.conn())
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
                q = q.bind((*id).to_owned());
            }
            q.execute(self.conn()).await?;
        }
        sqlx::query("UPDATE segments SET member_count = $1, materialized_at = $2 WHERE tenant_id = $3 AND id = $4")
            .bind(ids.len() as i64)
            .bind(millis(now))
            .bind(t)
            .bind(s)
            .execute(self.conn())
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
    pub async fn segment_base(&self, tenant: TenantId) -> Result<SegmentBase, StoreError> {
        let mut base = SegmentBase::with_capacity(0);
        let mut after = String::new();
        loop {
            let rows = sqlx::query(
                "SELECT id, tier, city, spent_90d, points, consent_bits FROM customers \
                 WHERE tenant_id = $1 AND id > $2 AND status = 'active' ORDER BY id LIMIT $3",
            )
            .bind(tenant.to_string())
            .bind(after.clone())
            .bind(SNAPSHOT_CHUNK)
            .fetch_all(self.pool())
            .await?;
            let n = rows.len();
            for row in &rows {
                let id: String = row.try_get("id")?;
                let tier: String = row.try_get("tier")?;
                let city: Option<String> = row.try_get("city")?;
                let facts = Facts {
                    tier: Tier::parse(&tier).unwrap_or_default(),
                    city: city.as_deref(),
                    spent_90d: row.try_get("spent_90d")?,
                    points: row.try_get("points")?,
                    consents: row.try_get("consent_bits")?,
                };
                base.push(id, facts);
            }
            match base.ids.last() {
                Some(last) if n as i64 == SNAPSHOT_CHUNK => after = last.clone(),
                _ => return Ok(base),
            }
        }
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
