//! Orders, their numbers, pick lists and returns.

use omni_domain::orders::{Order, OrderReturn};
use omni_kernel::{CustomerId, LocationId, OrderId, TenantId, Timestamp};
use sqlx::Row;

use super::{decode, doc};
use crate::batch::Stmt;
use crate::tx::Asked;
use crate::{Store, StoreError, WriteTx, millis};

/// The first number a tenant's orders get (six digits from the start reads well on a receipt).
const FIRST_NUMBER: i64 = 100_001;

/// An order number asked for and not yet read (see [`WriteTx::ask_order_number`]).
#[derive(Debug)]
pub struct OrderNumberAsked(Number);

/// Where an asked order number comes from.
#[derive(Debug)]
enum Number {
    /// Taken already: this process hands out the tenant's numbers (SQLite's single writer).
    Known(i64),
    /// Asked of the database: PostgreSQL's sequence, or on SQLite the stored counter, read
    /// in the writer's turn (then `Some` of its tenant).
    Asked(Asked, Option<TenantId>),
}

/// The key the single writer remembers a tenant's next order number by.
fn counter_key(tenant: TenantId) -> String {
    format!("order_counters:{tenant}")
}

/// Moves a tenant's stored counter past `taken`, never back: numbers are handed out in
/// memory and written in whatever order their writers' turns come.
fn counter_past(tenant: TenantId, taken: i64) -> Stmt {
    Stmt::new(
        "INSERT INTO order_counters (tenant_id, next_number) VALUES ($1, $2) \
         ON CONFLICT (tenant_id) DO UPDATE SET next_number = max(order_counters.next_number, excluded.next_number)",
    )
    .bind(tenant.to_string())
    .bind(taken + 1)
}

impl WriteTx {
    /// The next order number: on SQLite the tenant's next one, handed out by the single
    /// writer's process (a rolled-back checkout's number is skipped, never given twice); on
    /// PostgreSQL the next value of a sequence, which never makes concurrent checkouts wait
    /// for each other.
    pub async fn next_order_number(&mut self, tenant: TenantId) -> Result<String, StoreError> {
        let asked = self.ask_order_number(tenant).await?;
        self.order_number(asked).await
    }

    /// Asks for the next order number (see [`WriteTx::next_order_number`]) without waiting.
    /// On SQLite, once the process knows the tenant's counter, the number is taken at once —
    /// before the writer's turn, so the order's documents can be built with it there — and
    /// the counter's update goes with the commit; the first time, the stored counter is read
    /// with the writer's next hand-off.
    pub async fn ask_order_number(
        &mut self,
        tenant: TenantId,
    ) -> Result<OrderNumberAsked, StoreError> {
        if let Some(n) = self.take_counter(&counter_key(tenant)) {
            self.defer(counter_past(tenant, n)).await?;
            return Ok(OrderNumberAsked(Number::Known(n)));
        }
        let (next, key) = match self.backend() {
            crate::Backend::Postgres => (
                Stmt::new("SELECT nextval('order_number_seq') AS number"),
                None,
            ),
            crate::Backend::Sqlite => (
                Stmt::new(
                    "SELECT coalesce(max(next_number), $2) AS number FROM order_counters \
                     WHERE tenant_id = $1",
                )
                .bind(tenant.to_string())
                .bind(FIRST_NUMBER),
                Some(tenant),
            ),
        };
        Ok(OrderNumberAsked(Number::Asked(self.ask(next).await?, key)))
    }

    /// The order number asked for.
    pub async fn order_number(&mut self, asked: OrderNumberAsked) -> Result<String, StoreError> {
        let n = match asked.0 {
            Number::Known(n) => n,
            Number::Asked(asked, tenant) => {
                let answer = self.answer(asked).await?;
                let row = answer.rows.first().ok_or(StoreError::NotFound)?;
                let stored: i64 = row.try_get("number")?;
                match tenant {
                    None => stored,
                    Some(tenant) => {
                        let n = self.settle_counter(&counter_key(tenant), stored);
                        self.defer(counter_past(tenant, n)).await?;
                        n
                    }
                }
            }
        };
        Ok(n.to_string())
    }

    /// Records a new order and the pick list entries of its source locations.
    pub async fn insert_order(&mut self, o: &Order) -> Result<(), StoreError> {
        let insert = Stmt::new(
            "INSERT INTO orders (tenant_id, id, number, customer_id, status, channel, total, currency, \
             version, doc, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(o.tenant_id.to_string())
        .bind(o.id.to_string())
        .bind(o.number.as_str())
        .bind(o.customer_id.map(|c| c.to_string()))
        .bind(o.status.as_str())
        .bind(o.channel.as_str())
        .bind(o.quote.total)
        .bind(o.currency.to_string())
        .bind(o.version)
        .bind(doc(o)?)
        .bind(millis(o.created_at))
        .bind(millis(o.updated_at))
        .unique("this order number is taken");
        self.defer(insert).await?;
        self.add_order_sources(o).await
    }

    /// Puts the order on the pick list of every location with work on it (new sources after
    /// re-sourcing join; existing entries stay).
    pub async fn add_order_sources(&mut self, o: &Order) -> Result<(), StoreError> {
        for location in o.work_locations() {
            let source = Stmt::new(
                "INSERT INTO order_sources (tenant_id, location_id, order_id, status, created_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, location_id, order_id) DO NOTHING",
            )
            .bind(o.tenant_id.to_string())
            .bind(location.to_string())
            .bind(o.id.to_string())
            .bind(o.status.as_str())
            .bind(millis(o.created_at));
            self.defer(source).await?;
        }
        Ok(())
    }

    /// Stores an order's next state if nobody changed it since `expected_version`.
    pub async fn update_order(
        &mut self,
        o: &Order,
        expected_version: i64,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE orders SET status = $1, customer_id = $2, version = $3, doc = $4, updated_at = $5 \
             WHERE tenant_id = $6 AND id = $7 AND version = $8",
        )
        .bind(o.status.as_str())
        .bind(o.customer_id.map(|c| c.to_string()))
        .bind(o.version)
        .bind(doc(o)?)
        .bind(millis(o.updated_at))
        .bind(o.tenant_id.to_string())
        .bind(o.id.to_string())
        .bind(expected_version)
        .execute(self.conn().await?)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::VersionMismatch);
        }
        sqlx::query("UPDATE order_sources SET status = $1 WHERE tenant_id = $2 AND order_id = $3")
            .bind(o.status.as_str())
            .bind(o.tenant_id.to_string())
            .bind(o.id.to_string())
            .execute(self.conn().await?)
            .await?;
        Ok(())
    }

    /// An order, read inside the transaction.
    pub async fn order(&mut self, tenant: TenantId, id: OrderId) -> Result<Order, StoreError> {
        crate::doc_by_id(
            self.conn().await?,
            "SELECT doc FROM orders WHERE tenant_id = $1 AND id = $2",
            tenant,
            id.to_string(),
        )
        .await
    }

    /// Records a return.
    pub async fn insert_return(
        &mut self,
        tenant: TenantId,
        r: &OrderReturn,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO order_returns (tenant_id, id, order_id, location_id, doc, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(tenant.to_string())
        .bind(r.id.to_string())
        .bind(r.order_id.to_string())
        .bind(r.location_id.to_string())
        .bind(doc(r)?)
        .bind(millis(r.created_at))
        .execute(self.conn().await?)
        .await?;
        Ok(())
    }
}

/// Statuses a store still has work on (pick, pack, hand over).
const STORE_WORK: &str = "('placed', 'allocated', 'picking', 'packed', 'ready_for_pickup')";

impl Store {
    /// An order by id.
    pub async fn order(&self, tenant: TenantId, id: OrderId) -> Result<Order, StoreError> {
        crate::doc_by_id(
            self.pool(),
            "SELECT doc FROM orders WHERE tenant_id = $1 AND id = $2",
            tenant,
            id.to_string(),
        )
        .await
    }

    /// An order by the number the customer names.
    pub async fn order_by_number(
        &self,
        tenant: TenantId,
        number: &str,
    ) -> Result<Order, StoreError> {
        let row = sqlx::query("SELECT doc FROM orders WHERE tenant_id = $1 AND number = $2")
            .bind(tenant.to_string())
            .bind(number.to_owned())
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        decode(&row)
    }

    /// A customer's orders, newest first.
    pub async fn orders_of_customer(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        limit: usize,
    ) -> Result<Vec<Order>, StoreError> {
        let rows = sqlx::query(
            "SELECT doc FROM orders WHERE tenant_id = $1 AND customer_id = $2 \
             ORDER BY created_at DESC, id DESC LIMIT $3",
        )
        .bind(tenant.to_string())
        .bind(customer.to_string())
        .bind(limit as i64)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(decode).collect()
    }

    /// A store's pick list: orders it sends goods for that still need work, oldest first.
    pub async fn pick_list(
        &self,
        tenant: TenantId,
        location: LocationId,
        limit: usize,
    ) -> Result<Vec<Order>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT o.doc FROM order_sources s JOIN orders o ON o.tenant_id = s.tenant_id AND o.id = s.order_id \
             WHERE s.tenant_id = $1 AND s.location_id = $2 AND s.status IN {STORE_WORK} \
             ORDER BY s.created_at, s.order_id LIMIT $3"
        ));
        let rows = sqlx::query(sql)
            .bind(tenant.to_string())
            .bind(location.to_string())
            .bind(limit as i64)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(decode).collect()
    }

    /// Orders placed in `[from, to)`, oldest first (the sourcing simulator's replay).
    pub async fn orders_between(
        &self,
        tenant: TenantId,
        from: Timestamp,
        to: Timestamp,
        limit: usize,
    ) -> Result<Vec<Order>, StoreError> {
        let rows = sqlx::query(
            "SELECT doc FROM orders WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3 \
             ORDER BY created_at, id LIMIT $4",
        )
        .bind(tenant.to_string())
        .bind(millis(from))
        .bind(millis(to))
        .bind(limit as i64)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(decode).collect()
    }

    /// An order's returns, oldest first.
    pub async fn returns_of(
        &self,
        tenant: TenantId,
        order: OrderId,
    ) -> Result<Vec<OrderReturn>, StoreError> {
        let rows = sqlx::query(
            "SELECT doc FROM order_returns WHERE tenant_id = $1 AND order_id = $2 ORDER BY created_at, id",
        )
        .bind(tenant.to_string())
        .bind(order.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(decode).collect()
    }
}

impl Store {
    /// Orders each location took on since `since` (today's load against its daily capacity).
    pub async fn order_load_since(
        &self,
        tenant: TenantId,
        since: Timestamp,
    ) -> Result<Vec<(LocationId, u32)>, StoreError> {
        let rows = sqlx::query(
            "SELECT location_id, CAST(COUNT(*) AS BIGINT) AS n FROM order_sources \
             WHERE tenant_id = $1 AND created_at >= $2 GROUP BY location_id",
        )
        .bind(tenant.to_string())
        .bind(millis(since))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let loc: String = r.try_get("location_id")?;
                let n: i64 = r.try_get("n")?;
                Ok((loc.parse().map_err(StoreError::corrupt)?, n as u32))
            })
            .collect()
    }
}
