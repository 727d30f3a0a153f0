//! Analytics model benchmarks on the synthetic chain (1M customers, ~10M sales lines by
//! default; `OMNI_BENCH_CUSTOMERS` to change): recommender build time and its held-out
//! precision/recall@10 against popularity, an incremental day's refresh, `for_customer` and
//! `bought_together` latency, and abandoned-cart model training time with its held-out AUC.
//! `cargo bench -p omni-domain --bench models`

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use omni_domain::analytics::Sale;
use omni_domain::analytics::models::{
    CartModelConfig, Recommender, RecommenderConfig, evaluate_recommender, train_cart_model,
};
use omni_domain::analytics::synthetic::{self, FIRST_DAY, LAST_DAY};

fn customers() -> u32 {
    std::env::var("OMNI_BENCH_CUSTOMERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

fn models(c: &mut Criterion) {
    let n = customers();
    let clock = Instant::now();
    let ds = synthetic::generate(n, 42);
    println!(
        "generated {n} customers: {} sales lines, {} carts, {} SKUs in {:.1} s",
        ds.sales.len(),
        ds.carts.len(),
        ds.skus.len(),
        clock.elapsed().as_secs_f64()
    );

    // Build on all but the last day, then refresh with the last day's orders.
    let (history, last_day): (Vec<Sale>, Vec<Sale>) =
        ds.sales.iter().partition(|s| s.day < LAST_DAY);
    let config = RecommenderConfig::default();
    let clock = Instant::now();
    let mut recommender = Recommender::build(&history, config);
    println!(
        "recommender build: {:.2} s over {} lines",
        clock.elapsed().as_secs_f64(),
        history.len()
    );
    let clock = Instant::now();
    let refresh = recommender.add_orders(&last_day);
    println!(
        "incremental refresh with the last day ({} orders): {:.1} ms, {} lists recomputed of 2 × {}",
        refresh.orders,
        clock.elapsed().as_secs_f64() * 1e3,
        refresh.lists_recomputed,
        ds.skus.len()
    );

    let clock = Instant::now();
    let e = evaluate_recommender(&ds.sales, FIRST_DAY + 600, 10, config);
    println!(
        "held-out evaluation ({:.1} s): all {} customers: P@10 {:.4} vs popularity {:.4}, R@10 {:.4} vs {:.4}; \
         warm {} customers: P@10 {:.4} vs {:.4}, R@10 {:.4} vs {:.4}",
        clock.elapsed().as_secs_f64(),
        e.all.customers,
        e.all.recommender.precision,
        e.all.popularity.precision,
        e.all.recommender.recall,
        e.all.popularity.recall,
        e.warm.customers,
        e.warm.recommender.precision,
        e.warm.popularity.precision,
        e.warm.recommender.recall,
        e.warm.popularity.recall,
    );

    let clock = Instant::now();
    let (_, report) = train_cart_model(&ds.sales, &ds.carts, CartModelConfig::default());
    println!(
        "cart model: trained in {:.2} s on {} carts; held-out AUC {:.4} on {} carts (train AUC {:.4})",
        clock.elapsed().as_secs_f64(),
        report.train_carts,
        report.held_out_auc.unwrap_or(f64::NAN),
        report.held_out_carts,
        report.train_auc.unwrap_or(f64::NAN),
    );

    // Latency over many customers (a quarter of them cold in a live chain; here every id).
    let mut next = 0u32;
    c.bench_function("recommender for_customer k=10", |b| {
        b.iter(|| {
            next = (next + 7_919) % n;
            black_box(recommender.for_customer(black_box(next), 10))
        })
    });
    let skus = ds.skus.len() as u32;
    let mut sku = 0u32;
    c.bench_function("recommender bought_together k=10", |b| {
        b.iter(|| {
            sku = (sku + 101) % skus;
            black_box(recommender.bought_together(black_box(sku), 10))
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50);
    targets = models
}
criterion_main!(benches);
