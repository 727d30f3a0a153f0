//! Members' points: the wallet row (balances and open lots) is locked, changed by the pure
//! [`Wallet`] and written back with its double-entry postings in the same transaction, so a
//! balance is always the sum of its journal and racing burns cannot overdraw it.

use omni_domain::offers::LoyaltyProgram;
use omni_domain::offers::points::{Balance, PointsError, Posting, Wallet};
use omni_kernel::{CustomerId, TenantId, Timestamp};
use serde::Serialize;
use sqlx::Row;

use crate::{Store, StoreError, WriteTx, from_millis, millis};

/// A member's balance and latest postings.
#[derive(Debug, Clone, Serialize)]
pub struct PointsStatement {
    pub balance: Balance,
    pub postings: Vec<Posting>,
}

fn decode_wallet(row: &sqlx::any::AnyRow) -> Result<Wallet, StoreError> {
    let lots: String = row.try_get("lots")?;
    serde_json::from_str(&lots).map_err(StoreError::corrupt)
}

fn insufficient(e: PointsError) -> StoreError {
    match e {
        PointsError::Insufficient { .. } => StoreError::Conflict("not enough points available"),
        PointsError::NotPositive => StoreError::Conflict("points must be positive"),
    }
}

impl WriteTx {
    /// Locks the member's wallet (creating it empty) and brings it to `now`.
    async fn wallet(
        &mut self,
        tenant: TenantId,
        customer: CustomerId,
        now: Timestamp,
    ) -> Result<(Wallet, Vec<Posting>), StoreError> {
        sqlx::query(
            "INSERT INTO loyalty_wallets (tenant_id, customer_id, available, pending, lots, updated_at) \
             VALUES ($1, $2, 0, 0, '{\"lots\":[]}', $3) ON CONFLICT DO NOTHING",
        )
        .bind(tenant.to_string())
        .bind(customer.to_string())
        .bind(millis(now))
        .execute(self.conn().await?)
        .await?;
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT lots FROM loyalty_wallets WHERE tenant_id = $1 AND customer_id = $2{}",
            crate::customers::for_update(self.backend())
        ));
        let row = sqlx::query(sql)
            .bind(tenant.to_string())
            .bind(customer.to_string())
            .fetch_one(self.conn().await?)
            .await?;
        let mut w = decode_wallet(&row)?;
        let settled = w.settle(now);
        Ok((w, settled))
    }

    async fn save_wallet(
        &mut self,
        tenant: TenantId,
        customer: CustomerId,
        w: &Wallet,
        postings: &[Posting],
        now: Timestamp,
    ) -> Result<Balance, StoreError> {
        let b = w.balance();
        sqlx::query(
            "UPDATE loyalty_wallets SET available = $1, pending = $2, lots = $3, updated_at = $4 \
             WHERE tenant_id = $5 AND customer_id = $6",
        )
        .bind(b.available)
        .bind(b.pending)
        .bind(serde_json::to_string(w).map_err(StoreError::corrupt)?)
        .bind(millis(now))
        .bind(tenant.to_string())
        .bind(customer.to_string())
        .execute(self.conn().await?)
        .await?;
        for p in postings {
            sqlx::query(
                "INSERT INTO loyalty_postings (tenant_id, id, customer_id, kind, debit, credit, points, reference, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(tenant.to_string())
            .bind(omni_kernel::next_ulid().to_string())
            .bind(customer.to_string())
            .bind(serde_json::to_value(p.kind).map_err(StoreError::corrupt)?.as_str().unwrap_or("adjust").to_owned())
            .bind(p.debit.as_str())
            .bind(p.credit.as_str())
            .bind(p.points)
            .bind(p.reference.clone())
            .bind(millis(p.at))
            .execute(self.conn().await?)
            .await?;
        }
        Ok(b)
    }

    /// Applies `change` to the member's wallet and records its postings atomically.
    pub async fn change_points(
        &mut self,
        tenant: TenantId,
        customer: CustomerId,
        now: Timestamp,
        change: impl FnOnce(&mut Wallet) -> Result<Vec<Posting>, PointsError>,
    ) -> Result<Balance, StoreError> {
        let (mut w, mut postings) = self.wallet(tenant, customer, now).await?;
        postings.extend(change(&mut w).map_err(insufficient)?);
        self.save_wallet(tenant, customer, &w, &postings, now).await
    }

    /// Goodwill or campaign points, usable at once.
    pub async fn gift_points(
        &mut self,
        tenant: TenantId,
        customer: CustomerId,
        program: &LoyaltyProgram,
        points: i64,
        reference: &str,
        now: Timestamp,
    ) -> Result<Balance, StoreError> {
        self.change_points(tenant, customer, now, |w| {
            Ok(vec![w.gift(program, points, reference, now)?])
        })
        .await
    }
}

impl Store {
    /// The balance as of `now` (pending points that matured count as available, expired
    /// ones are gone), without writing.
    pub async fn points_balance(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        now: Timestamp,
    ) -> Result<Balance, StoreError> {
        let row = sqlx::query(
            "SELECT lots FROM loyalty_wallets WHERE tenant_id = $1 AND customer_id = $2",
        )
        .bind(tenant.to_string())
        .bind(customer.to_string())
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            return Ok(Balance::default());
        };
        let mut w = decode_wallet(&row)?;
        w.settle(now);
        Ok(w.balance())
    }

    /// Balance and the latest postings, newest first.
    pub async fn points_statement(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        now: Timestamp,
        limit: i64,
    ) -> Result<PointsStatement, StoreError> {
        let balance = self.points_balance(tenant, customer, now).await?;
        let rows = sqlx::query(
            "SELECT kind, debit, credit, points, reference, at FROM loyalty_postings \
             WHERE tenant_id = $1 AND customer_id = $2 ORDER BY id DESC LIMIT $3",
        )
        .bind(tenant.to_string())
        .bind(customer.to_string())
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        let postings = rows
            .iter()
            .map(|r| {
                let field = |name: &str| -> Result<serde_json::Value, StoreError> {
                    Ok(serde_json::Value::String(r.try_get::<String, _>(name)?))
                };
                Ok(Posting {
                    kind: serde_json::from_value(field("kind")?).map_err(StoreError::corrupt)?,
                    debit: serde_json::from_value(field("debit")?).map_err(StoreError::corrupt)?,
                    credit: serde_json::from_value(field("credit")?)
                        .map_err(StoreError::corrupt)?,
                    points: r.try_get("points")?,
                    reference: r.try_get("reference")?,
                    at: from_millis(r.try_get("at")?),
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(PointsStatement { balance, postings })
    }
}
