//! Analytics benchmarks: the full customer run (RFM + LTV + cohorts + channel migration)
//! over the synthetic chain at 100 000 customers (~1M lines, for quick runs) and at chain
//! scale, 1 000 000 customers (~10M lines; target ≤ 60 s and ≤ 4 GiB), plus the period
//! reports (sales breakdown, promotion uplift) over the whole chain-scale history.
//! `cargo bench -p omni-domain --bench analytics` (`-- 100k` for the quick group only).
//! Peak memory: see `analytics::metrics::tests::scale` (an `#[ignore]`d test run under
//! `/usr/bin/time -v`).

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use omni_domain::analytics::metrics::{DayRange, full_run, promotion_uplift, sales_breakdown};
use omni_domain::analytics::synthetic::{self, LAST_DAY};

fn scale(c: &mut Criterion, name: &str, customers: u32) {
    let t = Instant::now();
    let ds = synthetic::generate(customers, 42);
    println!(
        "{name}: generated {customers} customers, {} lines in {:.2} s",
        ds.sales.len(),
        t.elapsed().as_secs_f64()
    );
    let mut group = c.benchmark_group(name);
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.bench_function("full_run (RFM + LTV + cohorts + migration)", |b| {
        b.iter(|| full_run(black_box(&ds), LAST_DAY).customers)
    });
    group.bench_function("sales_breakdown (whole history)", |b| {
        b.iter(|| sales_breakdown(black_box(&ds), DayRange::all()).total)
    });
    group.bench_function("promotion_uplift (whole history)", |b| {
        b.iter(|| promotion_uplift(black_box(&ds), DayRange::all()).cost_minor)
    });
    group.finish();
}

fn customers_100k(c: &mut Criterion) {
    scale(c, "100k", 100_000);
}

fn chain_1m(c: &mut Criterion) {
    scale(c, "chain_1m", 1_000_000);
}

criterion_group!(benches, customers_100k, chain_1m);
criterion_main!(benches);
