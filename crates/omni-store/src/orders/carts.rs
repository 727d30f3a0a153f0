//! Carts: stored whole, found by id or by owner (the customer's or the device's open cart).

use omni_domain::orders::{CartId, ShoppingCart};
use omni_kernel::{CustomerId, TenantId};

use super::{decode, doc};
use crate::batch::{Stmt, Value};
use crate::{Store, StoreError, WriteTx, millis};

/// Who a cart is looked up by.
#[derive(Debug, Clone, Copy)]
pub enum CartOwner<'a> {
    Customer(CustomerId),
    Device(&'a str),
}

const BY_OWNER_CUSTOMER: &str =
    "SELECT doc FROM carts WHERE tenant_id = $1 AND customer_id = $2 AND status = 'open'";
const BY_OWNER_DEVICE: &str = "SELECT doc FROM carts WHERE tenant_id = $1 AND device_id = $2 \
     AND customer_id IS NULL AND status = 'open'";

fn owner_query(owner: CartOwner<'_>) -> (&'static str, String) {
    match owner {
        CartOwner::Customer(c) => (BY_OWNER_CUSTOMER, c.to_string()),
        CartOwner::Device(d) => (BY_OWNER_DEVICE, d.to_owned()),
    }
}

impl WriteTx {
    /// Opens a cart; 409 if its owner already has an open one.
    pub async fn insert_cart(&mut self, c: &ShoppingCart) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO carts (tenant_id, id, customer_id, device_id, status, version, doc, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(c.tenant_id.to_string())
        .bind(c.id.to_string())
        .bind(c.customer_id.map(|x| x.to_string()))
        .bind(c.device_id.clone())
        .bind(c.status.as_str())
        .bind(c.version)
        .bind(doc(c)?)
        .bind(millis(c.updated_at))
        .execute(self.conn().await?)
        .await
        .map_err(StoreError::unique("this owner already has an open cart"))?;
        Ok(())
    }

    /// Stores a cart's next state if nobody changed it since `expected_version`.
    pub async fn update_cart(
        &mut self,
        c: &ShoppingCart,
        expected_version: i64,
    ) -> Result<(), StoreError> {
        let stmt = cart_update(c, expected_version, || StoreError::VersionMismatch)?;
        self.run(stmt).await?;
        Ok(())
    }

    /// Stores the cart a checkout closes, on condition that it is still the version priced;
    /// sent with the checkout's next statement (a conflict then fails the checkout).
    pub async fn close_cart(
        &mut self,
        c: &ShoppingCart,
        priced_version: i64,
    ) -> Result<(), StoreError> {
        let stmt = cart_update(c, priced_version, || {
            StoreError::Conflict("the cart changed during checkout; price it again")
        })?;
        self.defer(stmt).await
    }

    /// A cart, read inside the transaction.
    pub async fn cart(&mut self, tenant: TenantId, id: CartId) -> Result<ShoppingCart, StoreError> {
        crate::doc_by_id(
            self.conn().await?,
            "SELECT doc FROM carts WHERE tenant_id = $1 AND id = $2",
            tenant,
            id.to_string(),
        )
        .await
    }

    /// The owner's open cart, read inside the transaction.
    pub async fn open_cart(
        &mut self,
        tenant: TenantId,
        owner: CartOwner<'_>,
    ) -> Result<Option<ShoppingCart>, StoreError> {
        let (sql, value) = owner_query(owner);
        let row = sqlx::query(sql)
            .bind(tenant.to_string())
            .bind(value)
            .fetch_optional(self.conn().await?)
            .await?;
        row.as_ref().map(decode).transpose()
    }
}

impl Store {
    /// A cart by id.
    pub async fn cart(&self, tenant: TenantId, id: CartId) -> Result<ShoppingCart, StoreError> {
        self.hot_row(
            "SELECT doc FROM carts WHERE tenant_id = $1 AND id = $2",
            vec![Value::from(tenant.to_string()), Value::from(id.to_string())],
            crate::doc_of,
        )
        .await?
        .ok_or(StoreError::NotFound)
    }

    /// The owner's open cart, if any: the same cart from every device and channel.
    pub async fn open_cart(
        &self,
        tenant: TenantId,
        owner: CartOwner<'_>,
    ) -> Result<Option<ShoppingCart>, StoreError> {
        let (sql, value) = owner_query(owner);
        let row = sqlx::query(sql)
            .bind(tenant.to_string())
            .bind(value)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(decode).transpose()
    }
}

/// The conditional update of a cart to its next state; `changed` is the error when the
/// stored version is no longer `expected_version`.
fn cart_update(
    c: &ShoppingCart,
    expected_version: i64,
    changed: fn() -> StoreError,
) -> Result<Stmt, StoreError> {
    Ok(Stmt::new(
        "UPDATE carts SET customer_id = $1, status = $2, version = $3, doc = $4, updated_at = $5 \
         WHERE tenant_id = $6 AND id = $7 AND version = $8",
    )
    .bind(c.customer_id.map(|x| x.to_string()))
    .bind(c.status.as_str())
    .bind(c.version)
    .bind(doc(c)?)
    .bind(millis(c.updated_at))
    .bind(c.tenant_id.to_string())
    .bind(c.id.to_string())
    .bind(expected_version)
    .one_row(changed)
    .unique("this owner already has an open cart"))
}
