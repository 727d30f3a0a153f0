//! Committing a priced sale: every promotion's use and budget, every coupon and the points
//! burnt and earned are redeemed in the sale's transaction by conditional updates — the one
//! that would pass a cap fails and the whole sale rolls back, so a coupon is redeemed exactly
//! once however many checkouts race. Cancelling gives back exactly what the sale took.

use omni_domain::offers::{LoyaltyProgram, Quote};
use omni_kernel::{CustomerId, TenantId, Timestamp};
use sqlx::Row;

use crate::batch::Stmt;
use crate::{Store, StoreError, WriteTx, from_millis, millis};

/// How strictly a sale's redemptions are enforced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redemption {
    /// Online checkout: anything over a cap fails the whole sale (409), nothing is taken.
    Strict,
    /// A sale a till made offline and syncs later: the customer already paid and left, so
    /// the sale stands; what can no longer be redeemed (a coupon used elsewhere meanwhile, a
    /// limit or budget reached, points already spent) is skipped and reported as a conflict.
    Offline,
}

/// Offline, a redemption that is no longer possible becomes a conflict; online, an error.
fn settle(
    r: Result<(), StoreError>,
    mode: Redemption,
    conflicts: &mut Vec<&'static str>,
) -> Result<(), StoreError> {
    match (r, mode) {
        (Err(StoreError::Conflict(what)), Redemption::Offline) => {
            conflicts.push(what);
            Ok(())
        }
        (r, _) => r,
    }
}

/// A committed (or cancelled) sale's record.
#[derive(Debug, Clone)]
struct SaleRow {
    customer: Option<CustomerId>,
    status: String,
    quote: Quote,
}

/// Why a promotion in a quote can no longer be used.
const PROMOTION_USED_UP: &str =
    "a promotion in the quote ended, reached its limit or spent its budget; price the cart again";

impl WriteTx {
    /// Records the sale and redeems what its quote used. Strict: 409 on a used-up coupon, a
    /// reached limit, a spent budget, too few points or a reference already committed.
    /// Offline: only a reused reference fails; the rest is returned as conflicts.
    #[allow(clippy::too_many_arguments)]
    pub async fn commit_sale(
        &mut self,
        tenant: TenantId,
        reference: &str,
        customer: Option<CustomerId>,
        quote: &Quote,
        program: &LoyaltyProgram,
        mode: Redemption,
        now: Timestamp,
    ) -> Result<Vec<&'static str>, StoreError> {
        let mut conflicts = Vec::new();
        let sale = Stmt::new(
            "INSERT INTO offer_sales (tenant_id, reference, customer_id, status, total, quote, created_at, updated_at) \
             VALUES ($1, $2, $3, 'committed', $6, $4, $5, $5)",
        )
        .bind(tenant.to_string())
        .bind(reference)
        .bind(customer.map(|c| c.to_string()))
        .bind(serde_json::to_string(quote).map_err(StoreError::corrupt)?)
        .bind(millis(now))
        .bind(quote.total)
        .unique("this sale reference was already committed");
        match mode {
            Redemption::Strict => self.defer(sale).await?,
            // Offline, the conflicts of the redemptions below are reported, not raised: every
            // earlier write is checked first so that none of its errors is taken for one.
            Redemption::Offline => {
                self.run(sale).await?;
            }
        }
        for p in &quote.promotions {
            let used = self
                .use_promotion(
                    tenant,
                    p.promotion_id.to_string(),
                    p.discount,
                    customer,
                    mode,
                )
                .await;
            settle(used, mode, &mut conflicts)?;
            if let Some(code) = &p.coupon {
                let used = self.use_coupon(tenant, code, mode).await;
                settle(used, mode, &mut conflicts)?;
            }
        }
        let Some(customer) = customer else {
            return Ok(conflicts);
        };
        let points = quote.points;
        let mut short = false;
        if points.burn > 0 || points.earn > 0 {
            self.change_points(tenant, customer, now, |w| {
                let mut out = Vec::new();
                let mut burn = points.burn;
                let available = w.balance().available;
                if mode == Redemption::Offline && burn > available {
                    burn = available;
                    short = true;
                }
                if burn > 0 {
                    out.push(w.burn(burn, reference, now)?);
                }
                if points.earn > 0 {
                    out.push(w.earn(program, points.earn, reference, now)?);
                }
                Ok(out)
            })
            .await?;
        }
        self.raise_tier(tenant, customer, program, now).await?;
        if short {
            conflicts.push(
                "the member had fewer points than the till burnt; the shortfall is written off",
            );
        }
        Ok(conflicts)
    }

    async fn use_promotion(
        &mut self,
        tenant: TenantId,
        id: String,
        discount: i64,
        customer: Option<CustomerId>,
        mode: Redemption,
    ) -> Result<(), StoreError> {
        let use_once = Stmt::new(
            "UPDATE offer_promotions SET uses = uses + 1, spent = spent + $1 \
             WHERE tenant_id = $2 AND id = $3 AND status = 'active' \
             AND (total_limit IS NULL OR uses < total_limit) AND (budget IS NULL OR spent + $1 <= budget)",
        )
        .bind(discount)
        .bind(tenant.to_string())
        .bind(id.as_str());
        self.redeem(use_once, mode, || StoreError::Conflict(PROMOTION_USED_UP))
            .await?;
        let Some(customer) = customer else {
            return Ok(());
        };
        let limit: Option<i64> = sqlx::query(
            "SELECT per_customer FROM offer_promotions WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant.to_string())
        .bind(id.clone())
        .fetch_one(self.conn().await?)
        .await?
        .try_get("per_customer")?;
        sqlx::query(
            "INSERT INTO offer_promotion_customer_uses (tenant_id, promotion_id, customer_id, uses) VALUES ($1, $2, $3, 1) \
             ON CONFLICT (tenant_id, promotion_id, customer_id) DO UPDATE SET uses = offer_promotion_customer_uses.uses + 1",
        )
        .bind(tenant.to_string())
        .bind(id.clone())
        .bind(customer.to_string())
        .execute(self.conn().await?)
        .await?;
        if let Some(limit) = limit {
            let uses: i64 = sqlx::query(
                "SELECT uses FROM offer_promotion_customer_uses WHERE tenant_id = $1 AND promotion_id = $2 AND customer_id = $3",
            )
            .bind(tenant.to_string())
            .bind(id)
            .bind(customer.to_string())
            .fetch_one(self.conn().await?)
            .await?
            .try_get("uses")?;
            if uses > limit {
                return Err(StoreError::Conflict(
                    "the customer has used this promotion as often as it allows",
                ));
            }
        }
        Ok(())
    }

    async fn use_coupon(
        &mut self,
        tenant: TenantId,
        code: &str,
        mode: Redemption,
    ) -> Result<(), StoreError> {
        let use_once = Stmt::new(
            "UPDATE offer_coupons SET uses = uses + 1 WHERE tenant_id = $1 AND code = $2 AND uses < max_uses",
        )
        .bind(tenant.to_string())
        .bind(code);
        self.redeem(use_once, mode, || {
            StoreError::Conflict("the coupon has already been redeemed")
        })
        .await
    }

    /// Runs a conditional redemption (one row changes, or the offer is used up). Strict: sent
    /// with the sale's next statement, as a used-up offer fails the whole sale anyway.
    /// Offline: at once, as the till's sale goes on and only reports the conflict.
    async fn redeem(
        &mut self,
        stmt: Stmt,
        mode: Redemption,
        used_up: fn() -> StoreError,
    ) -> Result<(), StoreError> {
        match mode {
            Redemption::Strict => self.defer(stmt.one_row(used_up)).await,
            Redemption::Offline if self.run(stmt).await?.rows_affected == 1 => Ok(()),
            Redemption::Offline => Err(used_up()),
        }
    }

    /// Raises the member's tier when the rolling 12-month spend of committed sales reaches
    /// the next threshold: the loyalty programme owns the tier, every channel reads it from
    /// the profile. Upgrades are immediate; a downgrade waits for the periodic review (a
    /// cancelled sale never drops a tier mid-period).
    async fn raise_tier(
        &mut self,
        tenant: TenantId,
        customer: CustomerId,
        program: &LoyaltyProgram,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let year_ago = millis(now) - 365 * 86_400_000;
        let spend: i64 = sqlx::query(
            "SELECT CAST(COALESCE(SUM(total), 0) AS BIGINT) AS spend FROM offer_sales \
             WHERE tenant_id = $1 AND customer_id = $2 AND status = 'committed' AND created_at >= $3",
        )
        .bind(tenant.to_string())
        .bind(customer.to_string())
        .bind(year_ago)
        .fetch_one(self.conn().await?)
        .await?
        .try_get("spend")?;
        let earned = program.tier_for_spend(spend);
        let mut c = match self.customer(tenant, customer).await {
            Ok(c) => c,
            Err(StoreError::NotFound) => return Ok(()),
            Err(e) => return Err(e),
        };
        if earned <= c.tier {
            return Ok(());
        }
        let expected = c.version;
        c.tier = earned;
        c.version += 1;
        c.updated_at = now;
        self.update_customer(&c, expected).await
    }

    async fn sale(&mut self, tenant: TenantId, reference: &str) -> Result<SaleRow, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT customer_id, status, quote FROM offer_sales WHERE tenant_id = $1 AND reference = $2{}",
            crate::customers::for_update(self.backend())
        ));
        let row = sqlx::query(sql)
            .bind(tenant.to_string())
            .bind(reference.to_owned())
            .fetch_optional(self.conn().await?)
            .await?
            .ok_or(StoreError::NotFound)?;
        let customer: Option<String> = row.try_get("customer_id")?;
        let quote: String = row.try_get("quote")?;
        Ok(SaleRow {
            customer: customer
                .map(|c| c.parse())
                .transpose()
                .map_err(StoreError::corrupt)?,
            status: row.try_get("status")?,
            quote: serde_json::from_str(&quote).map_err(StoreError::corrupt)?,
        })
    }

    /// Cancels a committed sale: promotion uses and budgets, coupons and burnt points come
    /// back; points it earned are clawed back (pending first; never below zero). Returns the
    /// sale's quote; 409 if it was already cancelled.
    pub async fn cancel_sale(
        &mut self,
        tenant: TenantId,
        reference: &str,
        program: &LoyaltyProgram,
        now: Timestamp,
    ) -> Result<Quote, StoreError> {
        let sale = self.sale(tenant, reference).await?;
        if sale.status != "committed" {
            return Err(StoreError::Conflict("the sale is already cancelled"));
        }
        sqlx::query("UPDATE offer_sales SET status = 'cancelled', updated_at = $1 WHERE tenant_id = $2 AND reference = $3")
            .bind(millis(now))
            .bind(tenant.to_string())
            .bind(reference.to_owned())
            .execute(self.conn().await?)
            .await?;
        for p in &sale.quote.promotions {
            let id = p.promotion_id.to_string();
            sqlx::query(
                "UPDATE offer_promotions SET uses = uses - 1, spent = spent - $1 WHERE tenant_id = $2 AND id = $3 AND uses > 0",
            )
            .bind(p.discount)
            .bind(tenant.to_string())
            .bind(id.clone())
            .execute(self.conn().await?)
            .await?;
            if let Some(c) = sale.customer {
                sqlx::query(
                    "UPDATE offer_promotion_customer_uses SET uses = uses - 1 \
                     WHERE tenant_id = $1 AND promotion_id = $2 AND customer_id = $3 AND uses > 0",
                )
                .bind(tenant.to_string())
                .bind(id)
                .bind(c.to_string())
                .execute(self.conn().await?)
                .await?;
            }
            if let Some(code) = &p.coupon {
                sqlx::query("UPDATE offer_coupons SET uses = uses - 1 WHERE tenant_id = $1 AND code = $2 AND uses > 0")
                    .bind(tenant.to_string())
                    .bind(code.clone())
                    .execute(self.conn().await?)
                    .await?;
            }
        }
        if let Some(customer) = sale.customer {
            let points = sale.quote.points;
            self.change_points(tenant, customer, now, |w| {
                let mut out = Vec::new();
                if points.burn > 0 {
                    out.push(w.refund(program, points.burn, reference, now)?);
                }
                if points.earn > 0 {
                    out.extend(w.clawback(points.earn, reference, now)?);
                }
                Ok(out)
            })
            .await?;
        }
        Ok(sale.quote)
    }
}

/// A committed sale as the customer's history shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Purchase {
    pub reference: String,
    pub at: Timestamp,
    pub quote: Quote,
}

impl Store {
    /// The customer's latest committed sales, newest first (purchase history and affinity).
    pub async fn purchases(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        limit: i64,
    ) -> Result<Vec<Purchase>, StoreError> {
        let rows = sqlx::query(
            "SELECT reference, quote, created_at FROM offer_sales \
             WHERE tenant_id = $1 AND customer_id = $2 AND status = 'committed' \
             ORDER BY created_at DESC, reference DESC LIMIT $3",
        )
        .bind(tenant.to_string())
        .bind(customer.to_string())
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let quote: String = r.try_get("quote")?;
                Ok(Purchase {
                    reference: r.try_get("reference")?,
                    at: from_millis(r.try_get("created_at")?),
                    quote: serde_json::from_str(&quote).map_err(StoreError::corrupt)?,
                })
            })
            .collect()
    }
}
