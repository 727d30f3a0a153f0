//! Demo stock: a realistic sparse assortment. Warehouses stock most of the range deep; every
//! store carries the core range (the first SKUs, bestsellers) plus a long tail of its own,
//! a few units each with a small safety stock; pickup points hold nothing. Written through
//! the same bulk feed path as ERP snapshots, so every unit has its ledger entry.
//!
//! Chain scale: 50,000 SKUs (`SKU-000001`…); 6 warehouses × ~80 % of the range and
//! 1,000 stores × (300 core + 200 tail) ≈ 740,000 stock rows. Small scale: 400 SKUs,
//! ≈ 4,200 rows.

use std::collections::BTreeSet;

use futures::future::BoxFuture;
use omni_domain::inventory::{CheckedRow, FeedBatcher, FeedId, FeedMode, MovementKind, Sku};
use omni_domain::network::LocationKind;
use rand::Rng;

use super::Scale;
use super::context::{DemoContext, StepReport};
use super::steps::DemoStep;

/// Loads the demo stock.
pub struct InventoryStep;

/// Assortment sizes per scale.
struct Plan {
    skus: u32,
    core: u32,
    tail: u32,
    warehouse_share: f64,
}

impl Plan {
    fn for_scale(scale: Scale) -> Plan {
        match scale {
            Scale::Small => Plan {
                skus: 400,
                core: 60,
                tail: 60,
                warehouse_share: 1.0,
            },
            Scale::Chain => Plan {
                skus: 50_000,
                core: 300,
                tail: 200,
                warehouse_share: 0.8,
            },
        }
    }
}

/// The demo SKU code for a number (1-based).
pub fn sku_code(n: u32) -> String {
    format!("SKU-{n:06}")
}

impl DemoStep for InventoryStep {
    fn name(&self) -> &'static str {
        "inventory"
    }

    fn run<'a>(&'a self, ctx: &'a mut DemoContext) -> BoxFuture<'a, anyhow::Result<StepReport>> {
        Box::pin(async move {
            let plan = Plan::for_scale(ctx.scale);
            let mut rng = DemoContext::rng(self.name());
            let skus: Vec<Sku> = (1..=plan.skus)
                .map(|n| Sku::parse(&sku_code(n)))
                .collect::<Result<_, _>>()?;
            let stocked: Vec<_> = ctx
                .locations
                .iter()
                .filter(|l| matches!(l.kind, LocationKind::Warehouse | LocationKind::Store))
                .collect();
            let estimate = stocked.len() as u64 * u64::from(plan.core + plan.tail);
            let bar = ctx.bar("stock rows", estimate);
            let feed = FeedId::new();
            let mut batcher = FeedBatcher::new(omni_store::inventory::BULK_FEED_BATCH_ROWS);
            let mut rows = 0usize;
            let mut n = 0u64;
            for location in stocked {
                let mut picks = BTreeSet::new();
                let (lo, hi, safety) = if location.kind == LocationKind::Warehouse {
                    for i in 0..plan.skus {
                        if rng.random_bool(plan.warehouse_share) {
                            picks.insert(i);
                        }
                    }
                    (20, 2_000, 0)
                } else {
                    picks.extend(0..plan.core.min(plan.skus));
                    for _ in 0..plan.tail {
                        picks.insert(rng.random_range(plan.core.min(plan.skus - 1)..plan.skus));
                    }
                    (1, 30, 1)
                };
                for i in picks {
                    n += 1;
                    let on_hand: i64 = rng.random_range(lo..=hi);
                    let row = CheckedRow {
                        row: n,
                        sku: skus[i as usize].clone(),
                        location_id: location.id,
                        quantity: on_hand,
                        kind: MovementKind::Count,
                        safety_stock: Some(if on_hand > 5 { safety } else { 0 }),
                    };
                    if let Some(batch) = batcher.push(row) {
                        rows += write(ctx, feed, &batch).await?;
                        bar.inc(batch.len() as u64);
                    }
                }
            }
            for batch in batcher.finish() {
                rows += write(ctx, feed, &batch).await?;
            }
            bar.finish_and_clear();
            Ok(StepReport::default()
                .count("SKUs", plan.skus as usize)
                .count("stock rows", rows))
        })
    }
}

async fn write(ctx: &DemoContext, feed: FeedId, batch: &[CheckedRow]) -> anyhow::Result<usize> {
    let store = &ctx.store;
    let rejects = store
        .apply_feed_batch(ctx.tenant.id, feed, FeedMode::Snapshot, batch, ctx.now)
        .await?;
    anyhow::ensure!(
        rejects.is_empty(),
        "demo stock rows were refused: {rejects:?}"
    );
    Ok(batch.len())
}
