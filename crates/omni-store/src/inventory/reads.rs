//! Reading stock: levels, stock near a point joined with its locations, the ledger, and the
//! reconciliation audit (on-hand against the sum of the ledger).

use omni_domain::inventory::{MovementId, MovementKind, NearbyQuery, Sku, StockAt, StockLevel};
use omni_kernel::{GeoPoint, LocationId, TenantId, Timestamp};
use serde::Serialize;
use sqlx::Row;

use super::{KEY, LEVEL_COLUMNS, level};
use crate::batch::Value;
use crate::{Page, Store, StoreError, from_millis};

/// A ledger entry as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MovementRecord {
    pub id: MovementId,
    pub sku: String,
    pub location_id: LocationId,
    pub kind: MovementKind,
    pub quantity: i64,
    pub reference: Option<String>,
    pub occurred_at: Timestamp,
}

fn movement(row: &sqlx::any::AnyRow) -> Result<MovementRecord, StoreError> {
    let id: String = row.try_get("id")?;
    let loc: String = row.try_get("location_id")?;
    let kind: String = row.try_get("kind")?;
    Ok(MovementRecord {
        id: id.parse().map_err(StoreError::corrupt)?,
        sku: row.try_get("sku")?,
        location_id: loc.parse().map_err(StoreError::corrupt)?,
        kind: MovementKind::parse(&kind).ok_or_else(|| StoreError::corrupt(kind))?,
        quantity: row.try_get("quantity")?,
        reference: row.try_get("reference")?,
        occurred_at: from_millis(row.try_get("occurred_at")?),
    })
}

impl Store {
    /// The stock of a SKU at a location (zero when never stocked).
    pub async fn stock_level(
        &self,
        tenant: TenantId,
        sku: &Sku,
        location: LocationId,
    ) -> Result<StockLevel, StoreError> {
        let sql = format!("SELECT {LEVEL_COLUMNS} FROM stock WHERE {KEY}");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(tenant.to_string())
            .bind(sku.as_str().to_owned())
            .bind(location.to_string())
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map_or(Ok(StockLevel::default()), level)
    }

    /// The SKU's stock at every location holding a row, optionally only inside a
    /// latitude/longitude box (the near-me prefilter), with each location.
    pub async fn stock_at_locations(
        &self,
        tenant: TenantId,
        sku: &Sku,
        bbox: Option<(f64, f64, f64, f64)>,
    ) -> Result<Vec<StockAt>, StoreError> {
        let (lat0, lat1, lon0, lon1) = bbox.unwrap_or((-90.0, 90.0, -180.0, 180.0));
        let rows = sqlx::query(
            "SELECT s.on_hand, s.reserved, s.safety_stock, s.in_transit, l.doc FROM stock s \
             JOIN locations l ON l.tenant_id = s.tenant_id AND l.id = s.location_id \
             WHERE s.tenant_id = $1 AND s.sku = $2 AND l.lat BETWEEN $3 AND $4 AND l.lon BETWEEN $5 AND $6",
        )
        .bind(tenant.to_string())
        .bind(sku.as_str().to_owned())
        .bind(lat0)
        .bind(lat1)
        .bind(lon0)
        .bind(lon1)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let doc: String = row.try_get("doc")?;
                Ok(StockAt {
                    location: serde_json::from_str(&doc).map_err(StoreError::corrupt)?,
                    level: level(row)?,
                })
            })
            .collect()
    }

    /// The SKU's stock nearest to the query's point within its radius, for near-me answers: rows
    /// with fewer than `min_atp` units to promise are dropped in SQL, distances are computed
    /// from the coordinate columns, and only the `max` nearest locations' documents are
    /// decoded — decoding every store of a city was most of the request's cost.
    pub async fn stock_near(
        &self,
        tenant: TenantId,
        sku: &Sku,
        query: &NearbyQuery,
        min_atp: i64,
        max: usize,
    ) -> Result<Vec<StockAt>, StoreError> {
        let (lat0, lat1, lon0, lon1) = query.bounding_box();
        let (center, radius_km) = (query.point, query.radius_km);
        // positions and levels only (the position index covers the join), nearest first by a
        // flat-earth distance (exact within a city) with a margin, so only a few dozen rows come
        // back; the exact distance decides below, and documents are read for those alone
        let rows = sqlx::query(
            "SELECT s.location_id, s.on_hand, s.reserved, s.safety_stock, s.in_transit, l.lat, l.lon FROM stock s \
             JOIN locations l ON l.tenant_id = s.tenant_id AND l.id = s.location_id \
             WHERE s.tenant_id = $1 AND s.sku = $2 AND l.lat BETWEEN $3 AND $4 AND l.lon BETWEEN $5 AND $6 \
             AND s.on_hand - s.reserved - s.safety_stock >= $7 \
             ORDER BY (l.lat - $8) * (l.lat - $8) + (l.lon - $9) * (l.lon - $9) * $10 LIMIT $11",
        )
        .bind(tenant.to_string())
        .bind(sku.as_str().to_owned())
        .bind(lat0)
        .bind(lat1)
        .bind(lon0)
        .bind(lon1)
        .bind(min_atp.max(1))
        .bind(center.lat())
        .bind(center.lon())
        .bind(center.lat().to_radians().cos().powi(2))
        .bind(i64::try_from(2 * max + 8).unwrap_or(i64::MAX))
        .fetch_all(self.pool())
        .await?;
        let mut near = Vec::with_capacity(rows.len());
        for row in &rows {
            let at = GeoPoint::new(row.try_get("lat")?, row.try_get("lon")?)
                .map_err(StoreError::corrupt)?;
            let d = center.distance_km(&at);
            if d <= radius_km {
                near.push((d, row));
            }
        }
        near.sort_by(|a, b| a.0.total_cmp(&b.0));
        near.truncate(max);
        let ids: Vec<String> = near
            .iter()
            .map(|(_, row)| row.try_get("location_id"))
            .collect::<Result<_, _>>()?;
        let mut docs = self.location_docs(tenant, &ids).await?;
        near.into_iter()
            .zip(ids)
            .map(|((_, row), id)| {
                let doc = docs.remove(&id).ok_or(StoreError::NotFound)?;
                Ok(StockAt {
                    location: serde_json::from_str(&doc).map_err(StoreError::corrupt)?,
                    level: level(row)?,
                })
            })
            .collect()
    }

    /// Location documents by id (a handful: the nearest stores of an availability answer).
    async fn location_docs(
        &self,
        tenant: TenantId,
        ids: &[String],
    ) -> Result<std::collections::HashMap<String, String>, StoreError> {
        let mut out = std::collections::HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(32) {
            let marks = crate::list_placeholders(2, chunk.len());
            let sql = format!(
                "SELECT id, doc FROM locations WHERE tenant_id = $1 AND id IN ({})",
                marks
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(tenant.to_string());
            for id in chunk {
                q = q.bind(id.clone());
            }
            for row in q.fetch_all(self.pool()).await? {
                out.insert(row.try_get("id")?, row.try_get("doc")?);
            }
        }
        Ok(out)
    }

    /// A page of a stock row's ledger, oldest first.
    pub async fn movements(
        &self,
        tenant: TenantId,
        sku: &Sku,
        location: LocationId,
        after: Option<MovementId>,
        limit: usize,
    ) -> Result<Page<MovementRecord>, StoreError> {
        let sql =
            format!("SELECT * FROM stock_movements WHERE {KEY} AND id > $4 ORDER BY id LIMIT $5");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(tenant.to_string())
            .bind(sku.as_str().to_owned())
            .bind(location.to_string())
            .bind(after.map(|a| a.to_string()).unwrap_or_default())
            .bind(limit as i64 + 1)
            .fetch_all(self.pool())
            .await?;
        let items = rows.iter().map(movement).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_probe(items, limit))
    }

    /// Stock rows whose on-hand differs from the sum of their ledger — the reconciliation
    /// audit; an empty answer means the books balance.
    pub async fn unreconciled_stock(
        &self,
        tenant: TenantId,
    ) -> Result<Vec<(String, String, i64, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT s.sku, s.location_id, s.on_hand, CAST(COALESCE(m.total, 0) AS BIGINT) AS ledger FROM stock s \
             LEFT JOIN (SELECT sku, location_id, CAST(SUM(quantity) AS BIGINT) AS total FROM stock_movements \
                        WHERE tenant_id = $1 GROUP BY sku, location_id) m \
               ON m.sku = s.sku AND m.location_id = s.location_id \
             WHERE s.tenant_id = $1 AND s.on_hand <> COALESCE(m.total, 0)",
        )
        .bind(tenant.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("sku")?,
                    r.try_get("location_id")?,
                    r.try_get("on_hand")?,
                    r.try_get("ledger")?,
                ))
            })
            .collect()
    }

    /// How many stock rows the tenant has (reports and benchmarks).
    pub async fn stock_row_count(&self, tenant: TenantId) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM stock WHERE tenant_id = $1")
            .bind(tenant.to_string())
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get("n")?)
    }
}

/// One row of stock with units to promise.
#[derive(Debug, Clone, PartialEq)]
pub struct Promisable {
    pub sku: String,
    pub location_id: LocationId,
    pub atp: i64,
}

impl Store {
    /// Where each of `skus` has units to promise (on hand − reserved − safety stock > 0),
    /// across the whole network: the stock matrix sourcing chooses from. One statement per
    /// batch of SKUs, straight from the primary key.
    pub async fn promisable_stock(
        &self,
        tenant: TenantId,
        skus: &[String],
    ) -> Result<Vec<Promisable>, StoreError> {
        let mut out = Vec::new();
        for chunk in skus.chunks(100) {
            let marks = crate::list_placeholders(2, chunk.len());
            let sql = format!(
                "SELECT sku, location_id, on_hand - reserved - safety_stock AS atp FROM stock \
                 WHERE tenant_id = $1 AND sku IN ({}) AND on_hand - reserved - safety_stock > 0",
                marks
            );
            let mut args = Vec::with_capacity(chunk.len() + 1);
            args.push(Value::from(tenant.to_string()));
            args.extend(chunk.iter().map(|s| Value::from(s.as_str())));
            let rows = self
                .hot_rows(&sql, args, |row| {
                    Ok(Promisable {
                        sku: row.text("sku")?,
                        location_id: row
                            .text("location_id")?
                            .parse()
                            .map_err(StoreError::corrupt)?,
                        atp: row.int("atp")?,
                    })
                })
                .await?;
            out.extend(rows);
        }
        Ok(out)
    }
}
