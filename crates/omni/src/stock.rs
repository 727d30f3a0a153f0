//! `omni stock import FILE`: ERP/WMS stock feeds of millions of rows (CSV with a header
//! `sku,location,quantity[,kind][,safety_stock]`, or JSON lines of the same fields), applied
//! in batches with a progress bar and a report of rejected rows. Also the reservation expiry
//! worker `omni serve` runs, so overdue holds free their stock — at start-up too, which
//! covers holds that ran out while no node was up.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::{Subcommand, ValueEnum};
use omni_domain::inventory::{
    CheckedRow, FeedBatcher, FeedId, FeedMode, FeedReject, FeedReport, FeedRow, RejectReason,
};
use omni_kernel::{LocationId, TenantId};
use omni_store::Store;
use tokio::sync::watch;

use crate::cli::DbArgs;

/// `omni stock …`
#[derive(Debug, Subcommand)]
pub enum StockCommand {
    /// Apply a stock feed file (snapshot or delta) and print a report of rejected rows.
    Import {
        #[command(flatten)]
        db: DbArgs,
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// The feed file.
        file: PathBuf,
        /// File format (by default from the extension: .csv, else JSON lines).
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// snapshot: quantities are the new on-hand; delta: signed movements.
        #[arg(long, value_enum, default_value_t = Mode::Snapshot)]
        mode: Mode,
    },
    /// Write a synthetic snapshot feed over the tenant's locations and the demo SKU codes
    /// (location by location, as ERP exports come), with three planted bad rows — the input of
    /// the feed benchmark.
    Generate {
        #[command(flatten)]
        db: DbArgs,
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// Rows to write (the bad ones included).
        #[arg(long, default_value_t = 1_000_000)]
        rows: usize,
        /// Demo SKU codes to draw from (`SKU-000001`…).
        #[arg(long, default_value_t = 50_000)]
        skus: u32,
        /// The CSV file to write.
        out: PathBuf,
    },
}

/// Feed file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Csv,
    Jsonl,
}

/// Feed modes on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    Snapshot,
    Delta,
}

pub async fn run(cmd: StockCommand) -> anyhow::Result<()> {
    match cmd {
        StockCommand::Import {
            db,
            tenant,
            file,
            format,
            mode,
        } => run_import(db, tenant, file, format, mode).await,
        StockCommand::Generate {
            db,
            tenant,
            rows,
            skus,
            out,
        } => {
            let store = db.connect().await?;
            let tenant = store
                .tenant_by_slug(&tenant)
                .await
                .with_context(|| format!("tenant `{tenant}`"))?;
            let codes: Vec<String> = store
                .all_locations(tenant.id)
                .await?
                .into_iter()
                .map(|l| l.code)
                .collect();
            anyhow::ensure!(!codes.is_empty(), "the tenant has no locations");
            let file = std::fs::File::create(&out)
                .with_context(|| format!("creating {}", out.display()))?;
            let mut w = std::io::BufWriter::new(file);
            write_feed(&mut w, &codes, skus.max(1), rows)?;
            std::io::Write::flush(&mut w)?;
            println!(
                "{rows} rows over {} locations written to {}",
                codes.len(),
                out.display()
            );
            Ok(())
        }
    }
}

/// Writes a snapshot feed: the rows split evenly over the locations in turn, each location's
/// SKUs distinct (a snapshot lists a stock row once) and drawn from the range by a fixed-seed
/// generator; rows 10, the middle one and the last are bad (unknown location, negative
/// quantity, empty SKU) so the report has something to say.
fn write_feed(
    w: &mut impl std::io::Write,
    locations: &[String],
    skus: u32,
    rows: usize,
) -> std::io::Result<()> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    writeln!(w, "sku,location,quantity")?;
    let per_location = rows.div_ceil(locations.len()).min(skus as usize);
    let mut listed = std::collections::HashSet::new();
    let mut row = 0;
    for location in locations.iter().cycle() {
        listed.clear();
        for _ in 0..per_location {
            row += 1;
            if row > rows {
                return Ok(());
            }
            let mut n = rng.random_range(1..=skus);
            while !listed.insert(n) {
                n = rng.random_range(1..=skus);
            }
            let sku = crate::demo::sku_code(n);
            let quantity: i64 = rng.random_range(0..60);
            match row {
                10 => writeln!(w, "{sku},NO-SUCH-STORE,{quantity}")?,
                r if r == rows / 2 => writeln!(w, "{sku},{location},-3")?,
                r if r == rows => writeln!(w, ",{location},{quantity}")?,
                _ => writeln!(w, "{sku},{location},{quantity}")?,
            }
        }
    }
    Ok(())
}

async fn run_import(
    db: DbArgs,
    tenant: String,
    file: PathBuf,
    format: Option<Format>,
    mode: Mode,
) -> anyhow::Result<()> {
    let store = db.connect().await?;
    store.migrate().await?;
    let tenant = store
        .tenant_by_slug(&tenant)
        .await
        .with_context(|| format!("tenant `{tenant}`"))?;
    let format = format.unwrap_or(if file.extension().is_some_and(|e| e == "csv") {
        Format::Csv
    } else {
        Format::Jsonl
    });
    let mode = match mode {
        Mode::Snapshot => FeedMode::Snapshot,
        Mode::Delta => FeedMode::Delta,
    };
    let size = std::fs::metadata(&file)
        .with_context(|| format!("reading {}", file.display()))?
        .len();
    let bar = indicatif::ProgressBar::new(size).with_style(
        indicatif::ProgressStyle::with_template(
            "{msg:>10} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_message("stock feed");
    let started = Instant::now();
    let report = import(&store, tenant.id, &file, format, mode, &|bytes| {
        bar.set_position(bytes)
    })
    .await?;
    bar.finish_and_clear();
    println!(
        "feed {}: {} rows, {} applied, {} rejected in {:.1} s",
        report.feed_id,
        report.rows,
        report.applied,
        report.rejected,
        started.elapsed().as_secs_f64()
    );
    for r in &report.rejects {
        println!(
            "  row {:>9}  {:<18} {}",
            r.row,
            format!("{:?}", r.reason),
            r.detail
        );
    }
    Ok(())
}

/// Reads, checks and applies a feed file; `progress` gets the bytes read so far.
pub async fn import(
    store: &Store,
    tenant: TenantId,
    file: &std::path::Path,
    format: Format,
    mode: FeedMode,
    progress: &(dyn Fn(u64) + Sync),
) -> anyhow::Result<FeedReport> {
    let mut by_ref: HashMap<String, LocationId> = HashMap::new();
    for l in store.all_locations(tenant).await? {
        by_ref.insert(l.code.clone(), l.id);
        by_ref.insert(l.id.to_string(), l.id);
    }
    let feed = FeedId::new();
    let mut report = FeedReport {
        feed_id: feed.to_string(),
        ..Default::default()
    };
    let mut batcher = FeedBatcher::new(omni_store::inventory::BULK_FEED_BATCH_ROWS);
    let now = chrono::Utc::now();
    let reader = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(file)?);
    let rows = rows(reader, format)?;
    let mut read_bytes = 0;
    let mut run = Vec::with_capacity(SORT_RUN_ROWS);
    for (n, bytes, parsed) in rows {
        read_bytes = bytes.max(read_bytes);
        report.rows += 1;
        let checked = parsed
            .map_err(|detail| FeedReject {
                row: n,
                reason: RejectReason::Malformed,
                detail,
            })
            .and_then(|row| row.check(n, mode, |r| by_ref.get(r).copied()));
        match checked {
            Ok(row) => run.push(row),
            Err(reject) => report.reject(reject),
        }
        if run.len() == SORT_RUN_ROWS {
            for batch in sorted_batches(&mut run, &mut batcher) {
                apply(store, tenant, feed, mode, &batch, now, &mut report).await?;
            }
            progress(read_bytes);
        }
    }
    for batch in sorted_batches(&mut run, &mut batcher) {
        apply(store, tenant, feed, mode, &batch, now, &mut report).await?;
    }
    for batch in batcher.finish() {
        apply(store, tenant, feed, mode, &batch, now, &mut report).await?;
    }
    progress(read_bytes);
    report.rejects.sort_by_key(|r| r.row);
    Ok(report)
}

/// Rows are applied in runs of this many, each sorted by SKU and location: consecutive
/// batches then touch neighbouring pages of the SKU-ordered stock and ledger indexes instead
/// of pages all over them (ERP exports come location by location). Sorting is stable, so
/// two rows of one SKU × location keep their order (a delta's movements add up the same).
const SORT_RUN_ROWS: usize = 200_000;

/// Sorts a run and cuts it into the batches it fills (the last partial one stays in
/// `batcher` for the next run).
fn sorted_batches(run: &mut Vec<CheckedRow>, batcher: &mut FeedBatcher) -> Vec<Vec<CheckedRow>> {
    run.sort_by(|a, b| (a.sku.as_str(), a.location_id).cmp(&(b.sku.as_str(), b.location_id)));
    run.drain(..).filter_map(|row| batcher.push(row)).collect()
}

async fn apply(
    store: &Store,
    tenant: TenantId,
    feed: FeedId,
    mode: FeedMode,
    batch: &[omni_domain::inventory::CheckedRow],
    now: omni_kernel::Timestamp,
    report: &mut FeedReport,
) -> anyhow::Result<()> {
    let rejects = store
        .apply_feed_batch(tenant, feed, mode, batch, now)
        .await?;
    report.applied += (batch.len() - rejects.len()) as u64;
    rejects.into_iter().for_each(|r| report.reject(r));
    Ok(())
}

type Parsed = (u64, u64, Result<FeedRow, String>);

/// The rows of a feed as (row number, bytes read, parsed row or why not).
fn rows<R: BufRead + 'static>(
    reader: R,
    format: Format,
) -> anyhow::Result<Box<dyn Iterator<Item = Parsed>>> {
    Ok(match format {
        Format::Csv => {
            let mut csv = csv::ReaderBuilder::new()
                .trim(csv::Trim::All)
                .flexible(true)
                .from_reader(reader);
            let headers = csv.headers().context("reading the CSV header")?.clone();
            let mut n = 0;
            Box::new(std::iter::from_fn(move || {
                let mut record = csv::StringRecord::new();
                match csv.read_record(&mut record) {
                    Ok(false) => None,
                    Ok(true) => {
                        n += 1;
                        let bytes = csv.position().byte();
                        Some((
                            n,
                            bytes,
                            record
                                .deserialize::<FeedRow>(Some(&headers))
                                .map_err(|e| e.to_string()),
                        ))
                    }
                    Err(e) => {
                        n += 1;
                        Some((n, csv.position().byte(), Err(e.to_string())))
                    }
                }
            }))
        }
        Format::Jsonl => {
            let mut bytes = 0u64;
            Box::new(reader.lines().enumerate().filter_map(move |(i, line)| {
                let parsed = line.map_err(|e| e.to_string()).and_then(|l| {
                    bytes += l.len() as u64 + 1;
                    if l.trim().is_empty() {
                        Err(String::new())
                    } else {
                        serde_json::from_str::<FeedRow>(&l).map_err(|e| e.to_string())
                    }
                });
                match parsed {
                    Err(e) if e.is_empty() => None,
                    other => Some((i as u64 + 1, bytes, other)),
                }
            }))
        }
    })
}

/// Expires overdue reservations every second (and once at start-up) until told to stop.
/// Several nodes may run it: each hold is ended exactly once.
pub async fn expiry_worker(store: Store, mut stop: watch::Receiver<bool>) {
    loop {
        loop {
            match store.expire_due_reservations(chrono::Utc::now(), 500).await {
                Ok(n) if n > 0 => tracing::info!(expired = n, "overdue reservations released"),
                Ok(_) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "reservation expiry failed");
                    break;
                }
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = stop.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use omni_domain::inventory::Sku;
    use omni_store::testing::{TestDb, backend_banner};

    use super::*;

    async fn demo_stores(db: &TestDb) -> (TenantId, Vec<(String, LocationId)>) {
        crate::demo::load_steps(
            &db.store,
            crate::demo::Scale::Small,
            false,
            Some(&["tenant", "network"]),
        )
        .await
        .expect("demo");
        let tenant = db.store.tenant_by_slug("demo").await.expect("tenant");
        let mut stores: Vec<_> = db
            .store
            .all_locations(tenant.id)
            .await
            .expect("locations")
            .into_iter()
            .filter(|l| l.kind == omni_domain::network::LocationKind::Store)
            .map(|l| (l.code, l.id))
            .collect();
        stores.sort();
        (tenant.id, stores)
    }

    async fn feed(db: &TestDb, tenant: TenantId, text: &str, mode: FeedMode) -> FeedReport {
        let path = std::env::temp_dir().join(format!("feed-{}.csv", FeedId::new()));
        std::fs::write(&path, text).expect("write feed");
        let report = import(&db.store, tenant, &path, Format::Csv, mode, &|_| {})
            .await
            .expect("import");
        std::fs::remove_file(&path).ok();
        report
    }

    async fn on_hand(db: &TestDb, tenant: TenantId, sku: &str, at: LocationId) -> i64 {
        let sku = Sku::parse(sku).expect("sku");
        db.store
            .stock_level(tenant, &sku, at)
            .await
            .expect("level")
            .on_hand
    }

    /// Rows arrive out of order and a key twice: sorting into runs must keep the file's order
    /// between rows of one SKU × location (the later snapshot wins; deltas add up).
    #[tokio::test]
    async fn a_shuffled_feed_with_repeated_keys_lands_as_written_and_the_ledger_reconciles() {
        println!("{}", backend_banner());
        let db = TestDb::new().await.expect("db");
        let (tenant, stores) = demo_stores(&db).await;
        let (a, b) = (&stores[0].0, &stores[1].0);
        let snapshot = format!(
            "sku,location,quantity\nZ-1,{b},4\nA-1,{a},5\nZ-1,{a},9\nA-1,{a},7\nA-1,{b},2\nbad sku!,{a},1\nA-1,NOWHERE,3\n"
        );
        let report = feed(&db, tenant, &snapshot, FeedMode::Snapshot).await;
        assert_eq!((report.rows, report.applied, report.rejected), (7, 5, 2));
        assert_eq!(
            on_hand(&db, tenant, "A-1", stores[0].1).await,
            7,
            "the later row wins"
        );
        assert_eq!(on_hand(&db, tenant, "A-1", stores[1].1).await, 2);
        assert_eq!(on_hand(&db, tenant, "Z-1", stores[0].1).await, 9);

        let delta = format!(
            "sku,location,quantity,kind\nA-1,{a},-3,sale\nZ-1,{b},6,receipt\nA-1,{a},10,receipt\n"
        );
        let report = feed(&db, tenant, &delta, FeedMode::Delta).await;
        assert_eq!(report.applied, 3);
        assert_eq!(on_hand(&db, tenant, "A-1", stores[0].1).await, 14);
        assert_eq!(on_hand(&db, tenant, "Z-1", stores[1].1).await, 10);
        assert!(
            db.store
                .unreconciled_stock(tenant)
                .await
                .expect("audit")
                .is_empty(),
            "on hand equals the sum of the ledger everywhere"
        );
    }

    /// The benchmark's generated feed lands: every row but the three planted ones is applied,
    /// and those three are reported with their reasons.
    #[tokio::test]
    async fn a_generated_feed_applies_all_but_its_three_planted_bad_rows() {
        println!("{}", backend_banner());
        let db = TestDb::new().await.expect("db");
        let (tenant, stores) = demo_stores(&db).await;
        let codes: Vec<String> = stores.into_iter().map(|(code, _)| code).collect();
        let mut text = Vec::new();
        write_feed(&mut text, &codes, 40, 300).expect("write");
        let report = feed(
            &db,
            tenant,
            std::str::from_utf8(&text).expect("utf-8"),
            FeedMode::Snapshot,
        )
        .await;
        assert_eq!(
            (report.rows, report.applied, report.rejected),
            (300, 297, 3)
        );
        let reasons: Vec<(u64, RejectReason)> = report
            .rejects
            .iter()
            .map(|r| (r.row, r.reason.clone()))
            .collect();
        assert_eq!(
            reasons,
            [
                (10, RejectReason::UnknownLocation),
                (150, RejectReason::NegativeQuantity),
                (300, RejectReason::InvalidSku),
            ]
        );
    }
}
