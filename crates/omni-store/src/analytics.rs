//! Analytics: the survey answers behind NPS, and the loader that reads a tenant's history
//! into the compact [`Dataset`] every report and model runs on.
//!
//! The loader pages through each table by key (5,000 rows a query) and keeps only the
//! dense integer form of each row, so memory grows with the number of sales lines, never
//! with the size of the JSON documents. Orders without a customer (anonymous till sales)
//! are left out: every report here is about customers.

use std::collections::HashMap;

use chrono::{DateTime, Timelike};
use omni_domain::analytics::{AbandonedCart, Dataset, Sale, SurveyAnswer};
use omni_domain::orders::{Order, OrderReturn, ShoppingCart};
use omni_kernel::{Channel, Currency, CustomerId, OrderId, TenantId, Timestamp};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Store, StoreError, WriteTx, millis};

/// Rows read per query while loading.
const PAGE: i64 = 5_000;
const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;
/// A cart untouched this long counts as abandoned.
const ABANDONED_AFTER_MS: i64 = HOUR_MS;
/// An order this soon after a cart's last change means the cart was bought.
const BOUGHT_WITHIN_MS: i64 = 7 * DAY_MS;
/// The category of SKUs the catalog does not (or no longer) know.
pub const UNCATEGORISED: &str = "uncategorised";

/// One answer to the post-purchase survey.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyRecord {
    pub id: String,
    pub customer_id: CustomerId,
    pub order_id: Option<OrderId>,
    /// The purchase's channel (or the answering app's when no order is named).
    pub channel: Channel,
    pub score: u8,
    pub comment: Option<String>,
    pub created_at: Timestamp,
}

impl SurveyRecord {
    /// A fresh survey id (`srv_` + ULID).
    pub fn new_id() -> String {
        format!("srv_{}", ulid::Ulid::generate().to_string().to_lowercase())
    }
}

impl WriteTx {
    /// Records a survey answer.
    pub async fn insert_survey_answer(
        &mut self,
        tenant: TenantId,
        s: &SurveyRecord,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO survey_answers (tenant_id, id, customer_id, order_id, channel, score, \
             comment, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(tenant.to_string())
        .bind(s.id.clone())
        .bind(s.customer_id.to_string())
        .bind(s.order_id.map(|o| o.to_string()))
        .bind(s.channel.as_str())
        .bind(i64::from(s.score))
        .bind(s.comment.clone())
        .bind(millis(s.created_at))
        .execute(self.conn().await?)
        .await?;
        Ok(())
    }
}

/// Dense keys handed out in order of first sight.
#[derive(Default)]
struct Dict {
    index: HashMap<String, u32>,
    names: Vec<String>,
}

impl Dict {
    fn key(&mut self, name: &str) -> u32 {
        if let Some(&k) = self.index.get(name) {
            return k;
        }
        let k = self.names.len() as u32;
        self.index.insert(name.to_owned(), k);
        self.names.push(name.to_owned());
        k
    }
}

/// What the loader accumulates.
#[derive(Default)]
struct Loader {
    customers: Dict,
    skus: Dict,
    categories: Dict,
    stores: Dict,
    /// SKU code → category key, from the catalog.
    sku_category: HashMap<String, u32>,
    /// Order id → dense order key.
    orders: HashMap<String, u32>,
    /// Per customer key: the times (ms) of their orders, to tell whether a cart was bought.
    order_times: Vec<Vec<i64>>,
    sales: Vec<Sale>,
    carts: Vec<AbandonedCart>,
    surveys: Vec<SurveyAnswer>,
}

fn day_of(ms: i64) -> u32 {
    (ms.max(0) / DAY_MS) as u32
}

/// `amount × part / whole` without overflow (0 for an empty whole).
fn scaled(amount: i64, part: u32, whole: u32) -> i64 {
    if whole == 0 {
        return 0;
    }
    (i128::from(amount) * i128::from(part) / i128::from(whole)) as i64
}

impl Loader {
    fn customer(&mut self, id: &str) -> u32 {
        let k = self.customers.key(id);
        if self.order_times.len() <= k as usize {
            self.order_times.resize_with(k as usize + 1, Vec::new);
        }
        k
    }

    fn category_of(&mut self, sku: &str) -> u32 {
        match self.sku_category.get(sku) {
            Some(&c) => c,
            None => self.categories.key(UNCATEGORISED),
        }
    }

    /// The store that sold the order, else the one that hands it out.
    fn order_store(&mut self, o: &Order) -> Option<u32> {
        o.store
            .or(o.delivery.location_id)
            .map(|l| self.stores.key(&l.to_string()))
    }

    fn add_order(&mut self, o: &Order) {
        let Some(customer_id) = o.customer_id else {
            return;
        };
        let customer = self.customer(&customer_id.to_string());
        let order = self.orders.len() as u32;
        self.orders.insert(o.id.to_string(), order);
        let at = millis(o.created_at);
        self.order_times[customer as usize].push(at);
        let store = self.order_store(o);
        for line in &o.lines {
            let bought = line.quantity.saturating_sub(line.cancelled);
            if bought == 0 {
                continue;
            }
            let list = line.unit_price * i64::from(line.quantity);
            let sku = self.skus.key(&line.sku);
            let category = self.category_of(&line.sku);
            self.sales.push(Sale {
                customer,
                order,
                day: day_of(at),
                channel: o.channel,
                store,
                sku,
                category,
                quantity: bought as i32,
                net_minor: scaled(line.total, bought, line.quantity),
                discount_minor: scaled(list - line.total, bought, line.quantity).max(0),
            });
        }
    }

    /// A return as negative lines of its order, on the day and at the store it came back.
    fn add_return(&mut self, r: &OrderReturn, o: &Order) {
        let (Some(customer_id), Some(&order)) = (o.customer_id, self.orders.get(&o.id.to_string()))
        else {
            return;
        };
        let customer = self.customer(&customer_id.to_string());
        let store = Some(self.stores.key(&r.location_id.to_string()));
        for rl in &r.lines {
            let Some(line) = o.lines.iter().find(|l| l.line == rl.line) else {
                continue;
            };
            let sku = self.skus.key(&line.sku);
            let category = self.category_of(&line.sku);
            self.sales.push(Sale {
                customer,
                order,
                day: day_of(millis(r.created_at)),
                channel: o.channel,
                store,
                sku,
                category,
                quantity: -(rl.quantity as i32),
                net_minor: -scaled(line.total, rl.quantity, line.quantity),
                discount_minor: 0,
            });
        }
    }

    fn add_cart(&mut self, c: &ShoppingCart, now_ms: i64) {
        let changed = millis(c.updated_at);
        if c.lines.is_empty() || now_ms - changed < ABANDONED_AFTER_MS {
            return;
        }
        let customer = c.customer_id.map(|id| self.customer(&id.to_string()));
        let bought = customer.is_some_and(|k| {
            self.order_times[k as usize]
                .iter()
                .any(|&t| t > changed && t <= changed + BOUGHT_WITHIN_MS)
        });
        let hour = DateTime::from_timestamp_millis(changed).map_or(0, |t| t.hour() as u8);
        self.carts.push(AbandonedCart {
            customer,
            day: day_of(changed),
            hour,
            channel: c.channel,
            units: c.lines.iter().map(|l| l.quantity).sum(),
            value_minor: 0,
            had_offer: !c.coupons.is_empty(),
            bought,
        });
    }

    fn finish(self, currency: Currency) -> Dataset {
        Dataset {
            currency: currency.to_string(),
            customers: self.customers.names,
            skus: self.skus.names,
            categories: self.categories.names,
            stores: self.stores.names,
            sales: self.sales,
            carts: self.carts,
            surveys: self.surveys,
        }
    }
}

fn doc<T: serde::de::DeserializeOwned>(row: &AnyRow, column: &str) -> Result<T, StoreError> {
    let raw: String = row.try_get(column)?;
    serde_json::from_str(&raw).map_err(StoreError::corrupt)
}

impl Store {
    /// Everything analytics reads for `tenant` in `currency`, as of now.
    pub async fn analytics_dataset(
        &self,
        tenant: TenantId,
        currency: Currency,
    ) -> Result<Dataset, StoreError> {
        self.analytics_dataset_at(tenant, currency, chrono::Utc::now())
            .await
    }

    /// The dataset as of `now` (which decides which open carts count as abandoned).
    pub async fn analytics_dataset_at(
        &self,
        tenant: TenantId,
        currency: Currency,
        now: Timestamp,
    ) -> Result<Dataset, StoreError> {
        let mut l = Loader::default();
        self.load_categories(tenant, &mut l).await?;
        self.load_orders(tenant, currency, &mut l).await?;
        self.load_returns(tenant, currency, &mut l).await?;
        self.load_carts(tenant, currency, millis(now), &mut l)
            .await?;
        self.load_surveys(tenant, &mut l).await?;
        Ok(l.finish(currency))
    }

    /// Pages `sql` (binding the tenant, `extra` and the last key as `$n`) in key order.
    async fn pages(
        &self,
        sql: &'static str,
        tenant: TenantId,
        extra: Option<String>,
        key_column: &'static str,
        mut each: impl FnMut(&AnyRow) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut after = String::new();
        loop {
            let mut q = sqlx::query(sql).bind(tenant.to_string());
            if let Some(e) = &extra {
                q = q.bind(e.clone());
            }
            let rows = q
                .bind(after.clone())
                .bind(PAGE)
                .fetch_all(self.pool())
                .await?;
            for row in &rows {
                each(row)?;
            }
            match rows.last() {
                Some(last) if rows.len() as i64 == PAGE => after = last.try_get(key_column)?,
                _ => return Ok(()),
            }
        }
    }

    async fn load_categories(&self, tenant: TenantId, l: &mut Loader) -> Result<(), StoreError> {
        self.pages(
            "SELECT v.sku AS sku, c.code AS code FROM catalog_variants v \
             JOIN catalog_products p ON p.tenant_id = v.tenant_id AND p.id = v.product_id \
             JOIN catalog_categories c ON c.tenant_id = p.tenant_id AND c.id = p.category_id \
             WHERE v.tenant_id = $1 AND v.sku > $2 ORDER BY v.sku LIMIT $3",
            tenant,
            None,
            "sku",
            |row| {
                let sku: String = row.try_get("sku")?;
                let code: String = row.try_get("code")?;
                let c = l.categories.key(&code);
                l.sku_category.insert(sku, c);
                Ok(())
            },
        )
        .await
    }

    async fn load_orders(
        &self,
        tenant: TenantId,
        currency: Currency,
        l: &mut Loader,
    ) -> Result<(), StoreError> {
        self.pages(
            "SELECT id, doc FROM orders WHERE tenant_id = $1 AND currency = $2 \
             AND status <> 'cancelled' AND id > $3 ORDER BY id LIMIT $4",
            tenant,
            Some(currency.to_string()),
            "id",
            |row| {
                let o: Order = doc(row, "doc")?;
                l.add_order(&o);
                Ok(())
            },
        )
        .await
    }

    async fn load_returns(
        &self,
        tenant: TenantId,
        currency: Currency,
        l: &mut Loader,
    ) -> Result<(), StoreError> {
        self.pages(
            "SELECT r.id AS id, r.doc AS rdoc, o.doc AS odoc FROM order_returns r \
             JOIN orders o ON o.tenant_id = r.tenant_id AND o.id = r.order_id \
             WHERE r.tenant_id = $1 AND o.currency = $2 AND r.id > $3 ORDER BY r.id LIMIT $4",
            tenant,
            Some(currency.to_string()),
            "id",
            |row| {
                let r: OrderReturn = doc(row, "rdoc")?;
                let o: Order = doc(row, "odoc")?;
                l.add_return(&r, &o);
                Ok(())
            },
        )
        .await
    }

    async fn load_carts(
        &self,
        tenant: TenantId,
        currency: Currency,
        now_ms: i64,
        l: &mut Loader,
    ) -> Result<(), StoreError> {
        self.pages(
            "SELECT id, doc FROM carts WHERE tenant_id = $1 AND status = $2 \
             AND id > $3 ORDER BY id LIMIT $4",
            tenant,
            Some("open".to_owned()),
            "id",
            |row| {
                let c: ShoppingCart = doc(row, "doc")?;
                if c.currency == currency {
                    l.add_cart(&c, now_ms);
                }
                Ok(())
            },
        )
        .await
    }

    async fn load_surveys(&self, tenant: TenantId, l: &mut Loader) -> Result<(), StoreError> {
        self.pages(
            "SELECT id, customer_id, channel, score, created_at FROM survey_answers \
             WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3",
            tenant,
            None,
            "id",
            |row| {
                let customer: String = row.try_get("customer_id")?;
                let channel: String = row.try_get("channel")?;
                let score: i64 = row.try_get("score")?;
                let at: i64 = row.try_get("created_at")?;
                let customer = l.customer(&customer);
                l.surveys.push(SurveyAnswer {
                    customer,
                    day: day_of(at),
                    channel: Channel::parse(&channel).unwrap_or(Channel::Web),
                    score: score.clamp(0, 255) as u8,
                });
                Ok(())
            },
        )
        .await
    }
}
