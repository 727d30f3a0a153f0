//! The demo catalog is valid, deterministic, aligned with the demo stock, round-trips through
//! the CSV import format and is searchable; at chain scale (ignored by default, run in
//! release) it measures import, index build and in-process search latency.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use omni_domain::catalog::Barcode;
use omni_kernel::Channel;
use omni_search::{Audience, Feeder, SearchIndex, SearchRequest, Sort};
use omni_store::Store;
use omni_store::catalog::ProductFilter;
use omni_store::testing::{TestDb, backend_banner};

use super::*;
use crate::demo::catalog_vocabulary::{Probe, SEARCH_MIX};

#[test]
fn sample_rows_are_deterministic_with_consecutive_skus_and_valid_barcodes() {
    let rows = sample_rows(Scale::Small);
    assert_eq!(rows, sample_rows(Scale::Small));
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row.sku, sku_code(i as u32 + 1));
        let barcode = row
            .barcode
            .as_deref()
            .expect("every demo variant has a barcode");
        Barcode::parse(barcode).expect("valid EAN-13");
    }
    let articles: HashSet<_> = rows.iter().map(|r| r.article.as_str()).collect();
    assert_eq!(articles.len(), product_count(Scale::Small));
    assert!(
        rows.len() >= 400,
        "the small demo stock uses SKU-000001..SKU-000400; the catalog has {} variants",
        rows.len()
    );
}

#[test]
fn sample_rows_survive_the_csv_file_format_unchanged() {
    let rows = sample_rows(Scale::Small);
    let mut file = Vec::new();
    crate::catalog_cli::write_csv(&rows, &mut file).expect("write");
    let read: Vec<_> = crate::catalog_cli::read_csv(&file)
        .expect("read")
        .into_iter()
        .map(|(_, row)| row)
        .collect();
    assert_eq!(read, rows);
}

async fn demo_products(store: &Store) -> Vec<Product> {
    let tenant = store.tenant_by_slug("demo").await.expect("tenant");
    let filter = ProductFilter {
        starting_after: None,
        limit: 1_000,
    };
    store
        .products(tenant.id, &filter)
        .await
        .expect("products")
        .items
}

#[tokio::test]
async fn the_small_demo_catalog_is_published_where_complete_and_searchable() {
    println!("{}", backend_banner());
    let db = TestDb::new().await.expect("db");
    crate::demo::load(&db.store, Scale::Small, false)
        .await
        .expect("load");
    let products = demo_products(&db.store).await;
    assert_eq!(products.len(), product_count(Scale::Small));
    let online = products.iter().filter(|p| p.is_published(Channel::Web));
    let drafts_online = products.len() - online.count();
    assert!(
        drafts_online > 0,
        "some demo products lack an image or attribute"
    );
    assert!(
        products.iter().all(|p| p.is_published(Channel::Pos)),
        "every demo variant has a barcode and a price, so every product sells in stores"
    );

    let index = SearchIndex::in_ram().expect("index");
    Feeder::start(db.store.clone(), index.clone())
        .await
        .expect("rebuild");
    let tenant = db.store.tenant_by_slug("demo").await.expect("tenant");
    let found = index
        .search(&request(
            tenant.id,
            Audience::Shopper(Channel::Web),
            &SEARCH_MIX[0],
        ))
        .expect("search");
    assert!(found.total > 0, "`пылесосы` finds the demo vacuums");
    assert!(
        found
            .hits
            .iter()
            .all(|h| h.product.published.contains(&"web".to_owned()))
    );
}

fn request(tenant: omni_kernel::TenantId, audience: Audience, probe: &Probe) -> SearchRequest {
    SearchRequest {
        tenant,
        audience,
        text: probe.q.to_owned(),
        category: probe.category.map(str::to_owned),
        brand: None,
        attributes: probe
            .attr
            .and_then(|a| a.split_once(':'))
            .map(|(c, v)| vec![(c.to_owned(), v.to_owned())])
            .unwrap_or_default(),
        price_min: None,
        price_max: None,
        currency: "RUB".to_owned(),
        sort: Sort::Relevance,
        offset: 0,
        limit: 20,
        in_stock_skus: None,
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

/// `cargo test --release -p omni chain_scale_catalog -- --ignored --nocapture`
#[tokio::test]
#[ignore = "imports 50,000 products; run in release"]
async fn chain_scale_catalog_import_index_and_search() {
    println!("{}", backend_banner());
    let db = TestDb::new().await.expect("db");
    crate::demo::load_steps(&db.store, Scale::Chain, false, Some(&["tenant", "network"]))
        .await
        .expect("tenant");
    let tenant = db.store.tenant_by_slug("demo").await.expect("tenant");
    write_tree(&db.store, tenant.id, chrono::Utc::now())
        .await
        .expect("tree");
    let mut file = Vec::new();
    crate::catalog_cli::write_csv(&sample_rows(Scale::Chain), &mut file).expect("csv");
    println!("chain catalog file: {} MB", file.len() / 1_000_000);

    let started = Instant::now();
    let rows = crate::catalog_cli::read_csv(&file).expect("parse");
    let parsed = started.elapsed();
    let report = db
        .store
        .import_catalog(tenant.id, rows, chrono::Utc::now(), |_| {})
        .await
        .expect("import");
    let imported = started.elapsed();
    assert!(report.rejected.is_empty(), "{:?}", &report.rejected[..1]);
    println!(
        "import: {} rows, {} products in {imported:?} (CSV parse {parsed:?})",
        report.rows, report.products_created
    );

    let started = Instant::now();
    let index = SearchIndex::in_ram().expect("index");
    Feeder::start(db.store.clone(), index.clone())
        .await
        .expect("rebuild");
    let built = started.elapsed();
    println!(
        "index build: {} documents in {built:?}; import + index {:?}",
        index.num_docs(),
        imported + built
    );

    let mut per_probe = vec![Vec::new(); SEARCH_MIX.len()];
    for round in 0..200 {
        for (probe, times) in SEARCH_MIX.iter().zip(&mut per_probe) {
            let t = Instant::now();
            // Imported products are drafts: the associate's (staff) view searches them.
            let found = index
                .search(&request(tenant.id, Audience::Staff(None), probe))
                .expect("search");
            times.push(t.elapsed());
            if round == 0 {
                assert!(found.total > 0, "`{}` finds nothing", probe.q);
            }
        }
    }
    for (probe, times) in SEARCH_MIX.iter().zip(&mut per_probe) {
        times.sort();
        println!(
            "  {:<24} {:<14} {:<16} p50 {:>10.3?}",
            probe.q,
            probe.category.unwrap_or(""),
            probe.attr.unwrap_or(""),
            percentile(times, 0.5)
        );
    }
    let mut latencies: Vec<Duration> = per_probe.into_iter().flatten().collect();
    latencies.sort();
    println!(
        "in-process search, mixed queries, {} sequential: p50 {:?} p99 {:?} max {:?}",
        latencies.len(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies[latencies.len() - 1]
    );
}
