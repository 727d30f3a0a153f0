//! Export throughput at scale (ignored by default; a figure, not a check):
//!
//! ```sh
//! LAKE_BENCH_EVENTS=1000000 cargo test --release -p omni-lake --test throughput -- --ignored --nocapture
//! ```
//!
//! Loads `LAKE_BENCH_EVENTS` events (default 1,000,000) of one tenant spread over 30 days
//! straight into the outbox with multi-row inserts, already sequenced, then times one export.

use std::time::{Duration, Instant};

use omni_lake::{ExportOptions, export_with};
use omni_store::testing::{TestDb, backend_banner, russian_chain};

const KINDS: [&str; 5] = [
    "order.placed",
    "order.status_changed",
    "cart.changed",
    "stock.changed",
    "customer.identified",
];

#[tokio::test]
#[ignore = "a benchmark: run with --ignored --nocapture in release"]
async fn export_a_million_events() {
    println!("{}", backend_banner());
    let n: i64 = std::env::var("LAKE_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let db = TestDb::new().await.expect("database");
    let store = &db.store;
    let tenant = russian_chain();
    let mut tx = store.write().await.expect("tx");
    tx.insert_tenant(&tenant, chrono::Utc::now())
        .await
        .expect("tenant");
    tx.commit().await.expect("commit");

    let load = Instant::now();
    let start_ms = 1_740_787_200_000_i64; // 2025-03-01T00:00Z
    let step = 30 * 86_400_000 / n.max(1);
    let mut input_bytes = 0usize;
    let per_statement = 500;
    let mut seq = 0i64;
    while seq < n {
        let mut tx = store.pool().begin().await.expect("tx");
        for _ in 0..100 {
            if seq >= n {
                break;
            }
            let mut sql = String::from(
                "INSERT INTO outbox (event_id, tenant_id, kind, subject, occurred_at, data, feed_seq) VALUES ",
            );
            for i in 0..per_statement.min(n - seq) {
                let s = seq + i + 1;
                let ulid = ulid::Ulid::generate();
                let data = format!(
                    r#"{{"order_id":"ord_{ulid}","customer_id":"cus_{ulid}","total":{},"currency":"RUB","channel":"web","lines":{}}}"#,
                    (s * 7919) % 1_000_000,
                    s % 7 + 1
                );
                input_bytes += data.len() + 90;
                if i > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!(
                    "('evt_{ulid}', '{}', '{}', 'ord_{ulid}', {}, '{data}', {s})",
                    tenant.id,
                    KINDS[(s % 5) as usize],
                    start_ms + s * step,
                ));
            }
            seq += per_statement.min(n - seq);
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut *tx)
                .await
                .expect("insert");
        }
        tx.commit().await.expect("commit");
    }
    sqlx::query("UPDATE relay_state SET position = $1 WHERE name = 'feed'")
        .bind(n)
        .execute(store.pool())
        .await
        .expect("feed head");
    println!("loaded {n} events in {:.1?}", load.elapsed());

    let lake = std::env::temp_dir().join(format!("omni-lake-bench-{}", ulid::Ulid::generate()));
    let options = ExportOptions {
        tenant: None,
        settle: Duration::ZERO,
    };
    let report = export_with(store, &lake, &options).await.expect("export");
    let secs = report.elapsed.as_secs_f64();
    let events = report.table("events").map(|t| t.rows).unwrap_or(0);
    assert_eq!(events, n as u64);
    println!(
        "exported {events} events in {secs:.2} s: {:.0} rows/s, {:.1} MB/s of Parquet ({:.1} MB in {} files), {:.1} MB/s of source rows ({:.1} MB)",
        events as f64 / secs,
        report.bytes() as f64 / 1e6 / secs,
        report.bytes() as f64 / 1e6,
        report.files(),
        input_bytes as f64 / 1e6 / secs,
        input_bytes as f64 / 1e6,
    );
    let again = export_with(store, &lake, &options).await.expect("export");
    assert_eq!(again.rows(), 0);
    let _ = std::fs::remove_dir_all(&lake);
}
