//! `omni export --to DIR`: the data-lake export — events and core entities as Hive-partitioned
//! Parquet files, incrementally (each run writes only what is new or changed since the last
//! one into the same folder). Layout and schema: `docs/DATA_LAKE.md`.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use omni_lake::{ExportOptions, export_with};

use crate::cli::DbArgs;

/// `omni export` flags.
#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The lake folder (created if missing; later runs add only what changed).
    #[arg(long)]
    pub to: PathBuf,
    /// Export one tenant (slug or `ten_…` id) instead of all.
    #[arg(long)]
    pub tenant: Option<String>,
    /// Seconds an entity change waits before it is exported, so transactions still open
    /// when the run starts are not skipped (events need no wait: the feed is commit-ordered).
    #[arg(long, default_value_t = omni_lake::DEFAULT_SETTLE.as_secs())]
    pub settle_secs: u64,
}

pub async fn run(args: ExportArgs) -> anyhow::Result<()> {
    let store = args.db.connect().await?;
    store.migrate().await?;
    let tenant = match &args.tenant {
        None => None,
        Some(t) => Some(
            match t.parse() {
                Ok(id) => store.tenant(id).await,
                Err(_) => store.tenant_by_slug(t).await,
            }
            .with_context(|| format!("tenant `{t}`"))?
            .id,
        ),
    };
    let options = ExportOptions {
        tenant,
        settle: Duration::from_secs(args.settle_secs),
    };
    let report = export_with(&store, &args.to, &options)
        .await
        .with_context(|| format!("exporting to {}", args.to.display()))?;
    println!(
        "run {} → {}: {} rows, {} files, {:.1} MB in {:.2?}",
        report.run,
        args.to.display(),
        report.rows(),
        report.files(),
        report.bytes() as f64 / 1e6,
        report.elapsed
    );
    for t in &report.tables {
        println!(
            "  {:<16} {:>10} rows {:>5} files {:>10.1} KB",
            t.table,
            t.rows,
            t.files,
            t.bytes as f64 / 1e3
        );
    }
    if report.scrubbed_files > 0 {
        println!(
            "  {} message files rewritten without the texts of erased customers",
            report.scrubbed_files
        );
    }
    Ok(())
}
