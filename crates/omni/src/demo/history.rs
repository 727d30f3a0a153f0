//! The demo chain's purchase history: a year of completed orders by the demo customers, so
//! the analytics reports, the recommendations and their benchmark have something to read.
//!
//! The patterns follow `omni_domain::analytics::synthetic`: each customer has a favourite
//! category and a home store; most baskets hold one to four SKUs, mostly from the favourite
//! category (which gives "bought together" and "similar customers" real signal); a share of
//! customers buy both in stores and online; a few lines carry a promotion's 10 % discount.
//! Prices are the demo catalog's RUB list prices. Orders are written as history, without an
//! `order.placed` event each: they were not placed now, and replaying them through the event
//! feed would fire a year of trigger chains (pickup reminders, thank-you messages) at once.

use std::collections::BTreeMap;

use futures::future::BoxFuture;
use omni_domain::network::LocationKind;
use omni_domain::offers::{PointsQuote, Quote, QuotedLine};
use omni_domain::orders::{Delivery, DeliveryMethod, Order, OrderLine, OrderStatus, PaymentRecord};
use omni_domain::tenancy::Tenant;
use omni_kernel::{Channel, Currency, LocationId, OrderId, Timestamp};
use omni_store::WriteTx;
use rand::Rng;

use super::context::{DemoContext, DemoIds, DemoRow, StepReport};
use super::steps::DemoStep;
use super::{Scale, customers};

/// Loads the purchase history.
pub struct HistoryStep;

/// Orders generated at each scale: 3,000 for the small demo; one per five customers at
/// chain scale (200,000 for the million; the chain-scale analytics benchmark generates its
/// ten million lines in memory instead, see `omni_domain::analytics::synthetic`).
pub fn order_count(scale: Scale) -> usize {
    match scale {
        Scale::Small => 3_000,
        Scale::Chain => customers::count(scale) / 5,
    }
}

/// A SKU that can be sold: its code, category and RUB price in kopecks.
struct Item {
    sku: String,
    price: i64,
}

/// A historic order, written without an event (see the module documentation).
struct HistoricOrder(Order);

impl DemoRow for HistoricOrder {
    async fn insert(&self, tx: &mut WriteTx, _: &Tenant, _: Timestamp) -> anyhow::Result<()> {
        tx.insert_order(&self.0).await?;
        Ok(())
    }
}

/// The catalog's sellable SKUs, grouped by category, priced in kopecks.
fn items(scale: Scale) -> Vec<Vec<Item>> {
    let mut by_category: BTreeMap<String, Vec<Item>> = BTreeMap::new();
    for row in super::catalog::sample_rows(scale) {
        let Some(price) = row.prices.get("RUB").and_then(|p| p.parse::<i64>().ok()) else {
            continue;
        };
        by_category
            .entry(row.category.clone())
            .or_default()
            .push(Item {
                sku: row.sku,
                price: price * 100,
            });
    }
    by_category
        .into_values()
        .filter(|v| !v.is_empty())
        .collect()
}

impl DemoStep for HistoryStep {
    fn name(&self) -> &'static str {
        "history"
    }

    fn run<'a>(&'a self, ctx: &'a mut DemoContext) -> BoxFuture<'a, anyhow::Result<StepReport>> {
        Box::pin(async move {
            let categories = items(ctx.scale);
            let stores: Vec<LocationId> = ctx
                .locations
                .iter()
                .filter(|l| l.kind == LocationKind::Store && l.country.as_str() == "RU")
                .map(|l| l.id)
                .collect();
            anyhow::ensure!(
                !categories.is_empty() && !stores.is_empty(),
                "the history step needs the catalog and network steps first"
            );
            // Russian customers only (every fifth demo customer is Kazakh and pays in KZT)
            let buyers: Vec<_> = customers::customer_ids(customers::count(ctx.scale))
                .into_iter()
                .enumerate()
                .filter(|(i, _)| i % 5 != 4)
                .map(|(_, id)| id)
                .collect();
            let mut rng = DemoContext::rng(self.name());
            let mut ids = DemoIds::new(self.name());
            let rub = Currency::parse("RUB")?;
            let n = order_count(ctx.scale);
            let mut orders = Vec::with_capacity(n);
            for number in 0..n {
                // a few customers buy most: the square skews the draw to the low indices
                let u: f64 = rng.random();
                let who = ((u * u) * buyers.len() as f64) as usize % buyers.len();
                let favourite = &categories[who % categories.len()];
                let home = stores[who % stores.len()];
                let omni = who.is_multiple_of(3);
                let channel = match rng.random_range(0..10) {
                    0..=5 => Channel::Pos,
                    6 => Channel::AssociateApp,
                    7 | 8 if omni => Channel::Web,
                    9 if omni => Channel::MobileApp,
                    _ => Channel::Pos,
                };
                let days_ago = rng.random_range(1..=365i64);
                let at = ctx.now
                    - chrono::Duration::days(days_ago)
                    - chrono::Duration::minutes(rng.random_range(0..600));
                let size = rng.random_range(1..=4usize);
                let mut lines: Vec<OrderLine> = Vec::new();
                for _ in 0..size {
                    let pool = if rng.random_bool(0.75) {
                        favourite
                    } else {
                        &categories[rng.random_range(0..categories.len())]
                    };
                    // the first few SKUs of a category sell most
                    let v: f64 = rng.random();
                    let item = &pool[((v * v * v) * pool.len() as f64) as usize % pool.len()];
                    if lines.iter().any(|l| l.sku == item.sku) {
                        continue;
                    }
                    let quantity = if rng.random_bool(0.85) { 1 } else { 2 };
                    let subtotal = item.price * i64::from(quantity);
                    let total = if rng.random_bool(0.12) {
                        subtotal - subtotal / 10
                    } else {
                        subtotal
                    };
                    lines.push(OrderLine {
                        line: lines.len() as u32,
                        sku: item.sku.clone(),
                        quantity,
                        unit_price: item.price,
                        total,
                        paid_with_points: 0,
                        points_burnt: 0,
                        points_earned: 0,
                        allocations: Vec::new(),
                        cancelled: 0,
                        returned: 0,
                    });
                }
                let in_store = matches!(channel, Channel::Pos | Channel::AssociateApp);
                orders.push(HistoricOrder(Order {
                    id: OrderId::from_ulid(ids.next_ulid()),
                    tenant_id: ctx.tenant.id,
                    number: format!("H{:07}", number + 1),
                    customer_id: Some(buyers[who]),
                    channel,
                    store: in_store.then_some(home),
                    cart_id: None,
                    status: OrderStatus::Completed,
                    currency: rub,
                    quote: quote(rub, at, &lines),
                    delivery: Delivery {
                        method: (!in_store).then_some(DeliveryMethod::StorePickup),
                        location_id: Some(home),
                        address: None,
                        fee: 0,
                        promised_from: None,
                        promised_to: None,
                        parcels: 1,
                    },
                    payment: payment(lines.iter().map(|l| l.total).sum()),
                    lines,
                    pickup_code_hash: None,
                    pickup_attempts: 0,
                    history: Vec::new(),
                    version: 1,
                    created_at: at,
                    updated_at: at,
                }));
            }
            ctx.insert_all("orders", &orders).await?;
            Ok(StepReport::default().count("orders", orders.len()))
        })
    }
}

/// The quote an order was placed at: list prices, line discounts, no points.
fn quote(currency: Currency, at: Timestamp, lines: &[OrderLine]) -> Quote {
    let subtotal: i64 = lines
        .iter()
        .map(|l| l.unit_price * i64::from(l.quantity))
        .sum();
    let total: i64 = lines.iter().map(|l| l.total).sum();
    Quote {
        currency,
        priced_at: at,
        lines: lines
            .iter()
            .map(|l| QuotedLine {
                sku: l.sku.clone(),
                quantity: l.quantity,
                unit_price: l.unit_price,
                price_list_id: None,
                subtotal: l.unit_price * i64::from(l.quantity),
                discounts: Vec::new(),
                total: l.total,
                paid_with_points: 0,
                points_earned: 0,
            })
            .collect(),
        subtotal,
        discount_total: subtotal - total,
        total,
        delivery_fee: None,
        points: PointsQuote {
            earn: 0,
            usable: 0,
            burn: 0,
            burn_value: 0,
        },
        to_pay: total,
        promotions: Vec::new(),
    }
}

fn payment(total: i64) -> PaymentRecord {
    PaymentRecord {
        provider: "demo".into(),
        authorization: None,
        amount: total,
        captured: total,
        refunded: 0,
        released: 0,
    }
}

#[cfg(test)]
mod tests {
    use omni_domain::analytics::metrics::full_run;
    use omni_domain::analytics::models::{Recommender, RecommenderConfig, Source};
    use omni_kernel::Currency;
    use omni_store::testing::{TestDb, backend_banner};

    use super::super::{Scale, load};
    use super::order_count;

    #[tokio::test]
    async fn the_small_demo_has_a_year_of_history_that_analytics_reads() {
        println!("{}", backend_banner());
        let db = TestDb::new().await.expect("test database");
        load(&db.store, Scale::Small, false).await.expect("load");
        let tenant = db.store.tenant_by_slug("demo").await.expect("tenant");
        let rub = Currency::parse("RUB").expect("rub");
        let ds = db
            .store
            .analytics_dataset(tenant.id, rub)
            .await
            .expect("dataset");
        let mut orders: Vec<u32> = ds.sales.iter().map(|s| s.order).collect();
        orders.sort_unstable();
        orders.dedup();
        assert_eq!(orders.len(), order_count(Scale::Small));
        let (first, last) = ds
            .sales
            .iter()
            .fold((u32::MAX, 0), |(a, b), s| (a.min(s.day), b.max(s.day)));
        assert!(last - first > 300, "a year of history: {first}..{last}");
        assert!(
            ds.sales.iter().any(|s| s.discount_minor > 0),
            "some promotions"
        );
        let today = (chrono::Utc::now().timestamp() / 86_400) as u32;
        let report = full_run(&ds, today);
        assert!(report.customers > 50, "{} buyers", report.customers);
        assert!(report.migration.omnichannel.customers > 0);
        let rec = Recommender::build(&ds.sales, RecommenderConfig::default());
        let personal = (0..ds.customers.len() as u32)
            .flat_map(|c| rec.for_customer(c, 10))
            .filter(|r| r.source == Source::SimilarCustomers)
            .count();
        assert!(personal > 0, "the history has signal beyond bestsellers");
    }
}
