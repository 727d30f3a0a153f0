//! The chain-scale run, for measuring time and peak memory outside criterion:
//! `/usr/bin/time -v cargo test --release -p omni-domain --locked chain_scale -- --ignored --nocapture`
//! (`ANALYTICS_CUSTOMERS` overrides the 1 000 000 customers).

use std::time::Instant;

use crate::analytics::metrics::full_run;
use crate::analytics::synthetic::{self, LAST_DAY};

#[test]
#[ignore = "chain scale: ~10M lines, run in release"]
fn chain_scale_full_run() {
    let customers = std::env::var("ANALYTICS_CUSTOMERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let t = Instant::now();
    let ds = synthetic::generate(customers, 42);
    let generated = t.elapsed();
    let t = Instant::now();
    let report = full_run(&ds, LAST_DAY);
    let run = t.elapsed();
    println!(
        "{customers} customers, {} lines, {} carts, {} surveys: generated in {:.2} s; \
         full_run in {:.3} s ({} buyers, {} cohorts, {} transitions)",
        ds.sales.len(),
        ds.carts.len(),
        ds.surveys.len(),
        generated.as_secs_f64(),
        run.as_secs_f64(),
        report.customers,
        report.cohorts.cohorts.len(),
        report.migration.transitions.len(),
    );
    for s in &report.rfm.segments {
        println!(
            "  {:>15}: {:>8} customers, avg {} minor",
            s.segment.as_str(),
            s.customers,
            s.average_minor()
        );
    }
    for c in &report.ltv.by_first_channel {
        println!(
            "  first {:>13}: {:>7} customers, historic avg {}, predicted avg {}",
            c.channel.as_str(),
            c.customers,
            c.average_historic_minor(),
            c.average_predicted_minor()
        );
    }
    assert!(run.as_secs() < 60);
}
