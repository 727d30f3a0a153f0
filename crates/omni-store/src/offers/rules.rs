//! Price lists, promotions, coupons and the loyalty programme as stored documents, and the
//! rules version every node checks to know when its cached offer book is stale.

use std::collections::HashMap;

use omni_domain::offers::{LoyaltyProgram, PriceList, PriceListId, Promotion, PromotionId, Usage};
use omni_kernel::{Currency, TenantId, Timestamp};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::batch::Value;
use crate::{Store, StoreError, WriteTx, from_millis, millis};

/// Where a promotion is in its life: drafts can be dry-run and edited, active ones price
/// carts, archived ones only explain past sales.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PromotionStatus {
    Draft,
    Active,
    Archived,
}

impl PromotionStatus {
    /// Storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            PromotionStatus::Draft => "draft",
            PromotionStatus::Active => "active",
            PromotionStatus::Archived => "archived",
        }
    }

    fn parse(s: &str) -> Result<Self, StoreError> {
        match s {
            "draft" => Ok(PromotionStatus::Draft),
            "active" => Ok(PromotionStatus::Active),
            "archived" => Ok(PromotionStatus::Archived),
            other => Err(StoreError::corrupt(format!("promotion status {other}"))),
        }
    }
}

/// A promotion with its status, usage so far and version (for `If-Match`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredPromotion {
    #[serde(flatten)]
    pub promotion: Promotion,
    pub status: PromotionStatus,
    pub uses: i64,
    pub spent: i64,
    pub version: i64,
    pub updated_at: Timestamp,
}

fn decode_promotion(row: &sqlx::any::AnyRow) -> Result<StoredPromotion, StoreError> {
    let doc: String = row.try_get("doc")?;
    let status: String = row.try_get("status")?;
    Ok(StoredPromotion {
        promotion: serde_json::from_str(&doc).map_err(StoreError::corrupt)?,
        status: PromotionStatus::parse(&status)?,
        uses: row.try_get("uses")?,
        spent: row.try_get("spent")?,
        version: row.try_get("version")?,
        updated_at: from_millis(row.try_get("updated_at")?),
    })
}

const PROMOTION_COLUMNS: &str = "doc, status, uses, spent, version, updated_at";

fn json<T: Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(StoreError::corrupt)
}

impl WriteTx {
    /// Marks the tenant's rules changed, so every node rebuilds its offer book.
    pub async fn bump_offer_rules(&mut self, tenant: TenantId) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO offer_rules_version (tenant_id, version) VALUES ($1, 1) \
             ON CONFLICT (tenant_id) DO UPDATE SET version = offer_rules_version.version + 1",
        )
        .bind(tenant.to_string())
        .execute(self.conn().await?)
        .await?;
        Ok(())
    }

    /// Creates or replaces a price list, recording each SKU whose prices changed in the
    /// price history.
    pub async fn put_price_list(
        &mut self,
        tenant: TenantId,
        list: &PriceList,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let before = self.price_list_entries(tenant, list.id).await?;
        self.record_price_changes(tenant, list, &before, now)
            .await?;
        sqlx::query(
            "INSERT INTO offer_price_lists (tenant_id, id, currency, doc, updated_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (tenant_id, id) DO UPDATE SET currency = $3, doc = $4, updated_at = $5",
        )
        .bind(tenant.to_string())
        .bind(list.id.to_string())
        .bind(list.rule.currency.code())
        .bind(json(list)?)
        .bind(millis(now))
        .execute(self.conn().await?)
        .await?;
        self.bump_offer_rules(tenant).await
    }

    async fn price_list_entries(
        &mut self,
        tenant: TenantId,
        id: PriceListId,
    ) -> Result<HashMap<String, (i64, Option<i64>)>, StoreError> {
        let row = sqlx::query("SELECT doc FROM offer_price_lists WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.to_string())
            .bind(id.to_string())
            .fetch_optional(self.conn().await?)
            .await?;
        let Some(row) = row else {
            return Ok(HashMap::new());
        };
        let doc: String = row.try_get("doc")?;
        let old: PriceList = serde_json::from_str(&doc).map_err(StoreError::corrupt)?;
        Ok(old
            .rule
            .prices
            .into_iter()
            .map(|e| (e.sku, (e.base, e.sale)))
            .collect())
    }

    async fn record_price_changes(
        &mut self,
        tenant: TenantId,
        list: &PriceList,
        before: &HashMap<String, (i64, Option<i64>)>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut changes: Vec<(&str, Option<i64>, Option<i64>)> = list
            .rule
            .prices
            .iter()
            .filter(|e| before.get(&e.sku) != Some(&(e.base, e.sale)))
            .map(|e| (e.sku.as_str(), Some(e.base), e.sale))
            .collect();
        let kept: std::collections::HashSet<&str> =
            list.rule.prices.iter().map(|e| e.sku.as_str()).collect();
        changes.extend(
            before
                .keys()
                .filter(|k| !kept.contains(k.as_str()))
                .map(|k| (k.as_str(), None, None)),
        );
        let per = crate::rows_per_statement(self.backend(), 4);
        for (n, chunk) in changes.chunks(per).enumerate() {
            let mut sql = String::from(
                "INSERT INTO offer_price_history (tenant_id, price_list_id, changed_at, sku, base, sale, seq) VALUES ",
            );
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push_str(", ");
                }
                let p = 4 + 4 * i;
                sql.push_str(&format!(
                    "($1, $2, $3, ${}, ${}, ${}, ${})",
                    p,
                    p + 1,
                    p + 2,
                    p + 3
                ));
            }
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(tenant.to_string())
                .bind(list.id.to_string())
                .bind(millis(now));
            for (i, (sku, base, sale)) in chunk.iter().enumerate() {
                q = q
                    .bind((*sku).to_owned())
                    .bind(*base)
                    .bind(*sale)
                    .bind((n * per + i) as i64);
            }
            q.execute(self.conn().await?).await?;
        }
        Ok(())
    }

    /// Stores a new promotion (the API creates drafts; the demo loads active ones).
    pub async fn insert_promotion(
        &mut self,
        tenant: TenantId,
        p: &Promotion,
        status: PromotionStatus,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let l = &p.rule.limits;
        sqlx::query(
            "INSERT INTO offer_promotions (tenant_id, id, status, doc, total_limit, budget, per_customer, version, created_at, updated_at) \
             VALUES ($1, $2, $8, $3, $4, $5, $6, 1, $7, $7)",
        )
        .bind(tenant.to_string())
        .bind(p.id.to_string())
        .bind(json(p)?)
        .bind(l.total.map(i64::from))
        .bind(l.budget)
        .bind(l.per_customer.map(i64::from))
        .bind(millis(now))
        .bind(status.as_str())
        .execute(self.conn().await?)
        .await?;
        Ok(())
    }

    /// Replaces a promotion's rule and/or status if it is still at `expected_version`.
    pub async fn update_promotion(
        &mut self,
        tenant: TenantId,
        p: &Promotion,
        status: PromotionStatus,
        expected_version: i64,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let l = &p.rule.limits;
        let done = sqlx::query(
            "UPDATE offer_promotions SET status = $1, doc = $2, total_limit = $3, budget = $4, per_customer = $5, \
             version = version + 1, updated_at = $6 WHERE tenant_id = $7 AND id = $8 AND version = $9",
        )
        .bind(status.as_str())
        .bind(json(p)?)
        .bind(l.total.map(i64::from))
        .bind(l.budget)
        .bind(l.per_customer.map(i64::from))
        .bind(millis(now))
        .bind(tenant.to_string())
        .bind(p.id.to_string())
        .bind(expected_version)
        .execute(self.conn().await?)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::VersionMismatch);
        }
        self.bump_offer_rules(tenant).await
    }

    /// Adds coupon codes for a promotion; codes already present are skipped. Returns how many
    /// were new.
    pub async fn insert_coupons(
        &mut self,
        tenant: TenantId,
        promotion: PromotionId,
        codes: &[String],
        max_uses: u32,
        now: Timestamp,
    ) -> Result<u64, StoreError> {
        let mut added = 0;
        // small statements: sqlx binds parameters by name, which costs O(P²) per statement
        for chunk in codes.chunks(16) {
            let mut sql = String::from(
                "INSERT INTO offer_coupons (tenant_id, code, promotion_id, max_uses, uses, created_at) VALUES ",
            );
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("($1, ${}, $2, $3, 0, $4)", i + 5));
            }
            sql.push_str(" ON CONFLICT DO NOTHING");
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(tenant.to_string())
                .bind(promotion.to_string())
                .bind(i64::from(max_uses))
                .bind(millis(now));
            for c in chunk {
                q = q.bind(c.clone());
            }
            added += q.execute(self.conn().await?).await?.rows_affected();
        }
        Ok(added)
    }

    /// Sets the loyalty programme for one currency.
    pub async fn put_loyalty_program(
        &mut self,
        tenant: TenantId,
        program: &LoyaltyProgram,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO loyalty_programs (tenant_id, currency, doc, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (tenant_id, currency) DO UPDATE SET doc = $3, updated_at = $4",
        )
        .bind(tenant.to_string())
        .bind(program.currency.code())
        .bind(json(program)?)
        .bind(millis(now))
        .execute(self.conn().await?)
        .await?;
        self.bump_offer_rules(tenant).await
    }

    /// A promotion, locked for the rest of the transaction on PostgreSQL.
    pub async fn promotion_for_update(
        &mut self,
        tenant: TenantId,
        id: PromotionId,
    ) -> Result<StoredPromotion, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {PROMOTION_COLUMNS} FROM offer_promotions WHERE tenant_id = $1 AND id = $2{}",
            crate::customers::for_update(self.backend())
        ));
        let row = sqlx::query(sql)
            .bind(tenant.to_string())
            .bind(id.to_string())
            .fetch_optional(self.conn().await?)
            .await?
            .ok_or(StoreError::NotFound)?;
        decode_promotion(&row)
    }
}

impl Store {
    /// The version of the tenant's rules (0 before any change).
    pub async fn offer_rules_version(&self, tenant: TenantId) -> Result<i64, StoreError> {
        let version = self
            .hot_row(
                "SELECT version FROM offer_rules_version WHERE tenant_id = $1",
                vec![Value::from(tenant.to_string())],
                |r| r.int("version"),
            )
            .await?;
        Ok(version.unwrap_or(0))
    }

    /// A price list.
    pub async fn price_list(
        &self,
        tenant: TenantId,
        id: PriceListId,
    ) -> Result<PriceList, StoreError> {
        let row = sqlx::query("SELECT doc FROM offer_price_lists WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.to_string())
            .bind(id.to_string())
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        let doc: String = row.try_get("doc")?;
        serde_json::from_str(&doc).map_err(StoreError::corrupt)
    }

    /// The tenant's price lists in one currency (every one, when `currency` is `None`).
    pub async fn price_lists(
        &self,
        tenant: TenantId,
        currency: Option<Currency>,
    ) -> Result<Vec<PriceList>, StoreError> {
        let rows = sqlx::query(
            "SELECT doc FROM offer_price_lists WHERE tenant_id = $1 AND ($2 IS NULL OR currency = $2) ORDER BY id",
        )
        .bind(tenant.to_string())
        .bind(currency.map(|c| c.code()))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let doc: String = r.try_get("doc")?;
                serde_json::from_str(&doc).map_err(StoreError::corrupt)
            })
            .collect()
    }

    /// A promotion with its status and usage.
    pub async fn promotion(
        &self,
        tenant: TenantId,
        id: PromotionId,
    ) -> Result<StoredPromotion, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {PROMOTION_COLUMNS} FROM offer_promotions WHERE tenant_id = $1 AND id = $2"
        ));
        let row = sqlx::query(sql)
            .bind(tenant.to_string())
            .bind(id.to_string())
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        decode_promotion(&row)
    }

    /// Promotions of the tenant, optionally of one status, in id order after `after`.
    pub async fn promotions(
        &self,
        tenant: TenantId,
        status: Option<PromotionStatus>,
        after: Option<PromotionId>,
        limit: i64,
    ) -> Result<Vec<StoredPromotion>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {PROMOTION_COLUMNS} FROM offer_promotions WHERE tenant_id = $1 \
             AND ($2 IS NULL OR status = $2) AND ($3 IS NULL OR id > $3) ORDER BY id LIMIT $4"
        ));
        let rows = sqlx::query(sql)
            .bind(tenant.to_string())
            .bind(status.map(PromotionStatus::as_str))
            .bind(after.map(|a| a.to_string()))
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(decode_promotion).collect()
    }

    /// The active promotions in one currency with their usage, for the offer book.
    pub async fn active_promotions(
        &self,
        tenant: TenantId,
        currency: Currency,
    ) -> Result<(Vec<Promotion>, HashMap<PromotionId, Usage>), StoreError> {
        let rows = sqlx::query(
            "SELECT doc, uses, spent FROM offer_promotions WHERE tenant_id = $1 AND status = 'active'",
        )
        .bind(tenant.to_string())
        .fetch_all(self.pool())
        .await?;
        let mut promotions = Vec::with_capacity(rows.len());
        let mut usage = HashMap::with_capacity(rows.len());
        for r in rows {
            let doc: String = r.try_get("doc")?;
            let p: Promotion = serde_json::from_str(&doc).map_err(StoreError::corrupt)?;
            if p.rule.currency != currency {
                continue;
            }
            let uses: i64 = r.try_get("uses")?;
            usage.insert(
                p.id,
                Usage {
                    uses: uses.clamp(0, i64::from(u32::MAX)) as u32,
                    spent: r.try_get("spent")?,
                },
            );
            promotions.push(p);
        }
        Ok((promotions, usage))
    }

    /// The loyalty programme for a currency, if one is set.
    pub async fn loyalty_program(
        &self,
        tenant: TenantId,
        currency: Currency,
    ) -> Result<Option<LoyaltyProgram>, StoreError> {
        let row =
            sqlx::query("SELECT doc FROM loyalty_programs WHERE tenant_id = $1 AND currency = $2")
                .bind(tenant.to_string())
                .bind(currency.code())
                .fetch_optional(self.pool())
                .await?;
        row.map(|r| {
            let doc: String = r.try_get("doc")?;
            serde_json::from_str(&doc).map_err(StoreError::corrupt)
        })
        .transpose()
    }

    /// Which promotion each still-redeemable coupon code unlocks (codes used up or unknown
    /// are left out).
    pub async fn redeemable_coupons(
        &self,
        tenant: TenantId,
        codes: &[String],
    ) -> Result<HashMap<String, PromotionId>, StoreError> {
        let mut out = HashMap::new();
        for code in codes.iter().take(20) {
            let promotion = self
                .hot_row(
                    "SELECT promotion_id FROM offer_coupons \
                     WHERE tenant_id = $1 AND code = $2 AND uses < max_uses",
                    vec![Value::from(tenant.to_string()), Value::from(code.as_str())],
                    |r| r.text("promotion_id")?.parse().map_err(StoreError::corrupt),
                )
                .await?;
            if let Some(id) = promotion {
                out.insert(code.clone(), id);
            }
        }
        Ok(out)
    }

    /// Unredeemed codes of active promotions, for an offline snapshot (at most `limit`).
    pub async fn open_coupons(
        &self,
        tenant: TenantId,
        limit: i64,
    ) -> Result<Vec<(String, PromotionId)>, StoreError> {
        let rows = sqlx::query(
            "SELECT c.code, c.promotion_id FROM offer_coupons c JOIN offer_promotions p \
             ON p.tenant_id = c.tenant_id AND p.id = c.promotion_id \
             WHERE c.tenant_id = $1 AND p.status = 'active' AND c.uses < c.max_uses ORDER BY c.code LIMIT $2",
        )
        .bind(tenant.to_string())
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let id: String = r.try_get("promotion_id")?;
                Ok((r.try_get("code")?, id.parse().map_err(StoreError::corrupt)?))
            })
            .collect()
    }
}

/// One change of a SKU's price in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PriceChange {
    pub price_list_id: String,
    /// `None`: the SKU left the list.
    pub base: Option<i64>,
    pub sale: Option<i64>,
    pub changed_at: Timestamp,
}

impl Store {
    /// A SKU's price changes in every list, newest first.
    pub async fn price_history(
        &self,
        tenant: TenantId,
        sku: &str,
        limit: i64,
    ) -> Result<Vec<PriceChange>, StoreError> {
        let rows = sqlx::query(
            "SELECT price_list_id, base, sale, changed_at FROM offer_price_history \
             WHERE tenant_id = $1 AND sku = $2 ORDER BY changed_at DESC, seq DESC LIMIT $3",
        )
        .bind(tenant.to_string())
        .bind(sku.to_owned())
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PriceChange {
                    price_list_id: r.try_get("price_list_id")?,
                    base: r.try_get("base")?,
                    sale: r.try_get("sale")?,
                    changed_at: from_millis(r.try_get("changed_at")?),
                })
            })
            .collect()
    }
}
