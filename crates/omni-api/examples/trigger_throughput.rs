//! End-to-end trigger throughput: writes a realistic event mix to a fresh store's outbox
//! (carts changing, orders placed and ready for pickup, product views no chain listens to,
//! over a million customers), then times the trigger worker reading the feed, running the
//! typical chains and committing the waiting runs with its position.
//!
//! `cargo run --release -p omni-api --example trigger_throughput -- [EVENTS] [POSTGRES_URL]`
//! (default 200,000 events on a temporary SQLite file).

use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use omni_api::engagement_worker::TriggerWorker;
use omni_domain::engagement::TriggerChain;
use omni_domain::events::DomainEvent;
use omni_kernel::{CustomerId, SystemClock};
use omni_store::Store;
use rand::Rng;
use serde_json::json;

const CUSTOMERS: usize = 1_000_000;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let events: usize = args.next().map_or(Ok(200_000), |a| a.parse())?;
    let dir = tempdir()?;
    let url = match args.next() {
        Some(url) => url,
        None => Store::sqlite_url_for(&dir)?,
    };
    let store = Store::connect(&url).await?;
    store.migrate().await?;
    let tenant = omni_store::testing::russian_chain();
    let mut tx = store.write().await?;
    tx.insert_tenant(&tenant, Utc::now()).await?;
    for chain in TriggerChain::examples() {
        tx.put_trigger_chain(tenant.id, &chain, None, Utc::now())
            .await?;
    }
    tx.commit().await?;

    let mut worker = TriggerWorker::new(store.clone(), Arc::new(SystemClock), "bench");
    worker.run_round().await?; // loads the chains and takes the lease before any event

    let customers: Vec<CustomerId> = (0..CUSTOMERS).map(|_| CustomerId::new()).collect();
    let mut rng = rand::rng();
    let started = Instant::now();
    for chunk in 0..events.div_ceil(5_000) {
        let mut tx = store.write().await?;
        for _ in 0..5_000.min(events - chunk * 5_000) {
            let who = customers[rng.random_range(0..CUSTOMERS)];
            let (kind, data) = match rng.random_range(0..100) {
                0..60 => (
                    "cart.updated",
                    json!({"customer_id": who, "units": rng.random_range(0..5)}),
                ),
                60..75 => (
                    "order.placed",
                    json!({"customer_id": who, "number": "MSK-1"}),
                ),
                75..85 => (
                    "order.ready_for_pickup",
                    json!({"customer_id": who, "number": "MSK-1"}),
                ),
                _ => ("customer.interaction_recorded", json!({"customer_id": who})),
            };
            tx.record(&DomainEvent::new(tenant.id, kind, who, Utc::now(), data))
                .await?;
        }
        tx.commit().await?;
    }
    store.sequence_outbox(i64::MAX).await?;
    println!(
        "wrote {events} events in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    let (mut read, mut runs) = (0, 0);
    loop {
        let r = worker.run_round().await?;
        if r.events == 0 {
            break;
        }
        read += r.events;
        runs += r.started + r.cancelled;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "trigger worker ({:?}): {read} events in {secs:.2} s = {:.0} events/s; {runs} run changes, {} runs waiting",
        store.backend(),
        read as f64 / secs,
        worker.waiting()
    );
    Ok(())
}

fn tempdir() -> std::io::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("omni-triggers-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
