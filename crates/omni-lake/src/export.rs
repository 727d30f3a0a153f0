//! One export run: lock the folder, clear what an unfinished run left, export each tenant's
//! tables from its cursors, propagate erasures, then commit the manifest.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use omni_kernel::TenantId;
use omni_store::Store;

use crate::manifest::{FolderLock, Manifest, RunRecord, TableReport, remove_orphans};
use crate::schema::{self, TABLES};
use crate::source::{self, Scope};
use crate::writer::Written;
use crate::{LakeError, scrub};

/// How entity rows wait before they are exported: a change stamped at `t` is exported by the
/// first run that starts after `t + settle`. Stamps are taken before their transaction commits,
/// so a run must not move its cursor past stamps whose transactions may still be open.
pub const DEFAULT_SETTLE: Duration = Duration::from_secs(10);

/// What to export.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// One tenant, or every tenant.
    pub tenant: Option<TenantId>,
    /// See [`DEFAULT_SETTLE`].
    pub settle: Duration,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions {
            tenant: None,
            settle: DEFAULT_SETTLE,
        }
    }
}

/// What a run wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportReport {
    /// The run's number (its files are `part-<run>-…`).
    pub run: u64,
    /// Per table, in [`TABLES`] order, summed over tenants.
    pub tables: Vec<TableReport>,
    /// Message files rewritten to withhold texts of newly erased customers.
    pub scrubbed_files: u64,
    /// Files of an unfinished earlier run deleted before this one started.
    pub orphans_removed: u64,
    /// Entity rows stamped up to this instant (Unix ms) are now exported.
    pub entities_until: i64,
    pub elapsed: Duration,
}

impl ExportReport {
    /// Rows written to every table.
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|t| t.rows).sum()
    }

    /// Bytes of the files written.
    pub fn bytes(&self) -> u64 {
        self.tables.iter().map(|t| t.bytes).sum()
    }

    /// Files written.
    pub fn files(&self) -> u64 {
        self.tables.iter().map(|t| t.files).sum()
    }

    /// One table's figures.
    pub fn table(&self, name: &str) -> Option<&TableReport> {
        self.tables.iter().find(|t| t.table == name)
    }
}

/// Exports what is new or changed since the folder's last run (everything, the first time) for
/// one tenant or all, with the default settle time.
pub async fn export(
    store: &Store,
    to: &Path,
    tenant: Option<TenantId>,
) -> Result<ExportReport, LakeError> {
    export_with(
        store,
        to,
        &ExportOptions {
            tenant,
            ..ExportOptions::default()
        },
    )
    .await
}

/// [`export`] with every option.
pub async fn export_with(
    store: &Store,
    to: &Path,
    options: &ExportOptions,
) -> Result<ExportReport, LakeError> {
    let clock = Instant::now();
    let started_at = chrono::Utc::now().timestamp_millis();
    let _lock = FolderLock::take(to)?;
    let mut manifest = Manifest::load(to)?;
    let orphans = remove_orphans(to, manifest.last_run)?;
    if !orphans.is_empty() {
        tracing::warn!(
            files = orphans.len(),
            "removed the files of an unfinished export run"
        );
    }
    let run = manifest.last_run + 1;
    // Committed events get their feed positions as the relay would give them (any node may).
    while store.sequence_outbox(10_000).await? > 0 {}
    let head = store.feed_head().await?;
    let until = started_at - i64::try_from(options.settle.as_millis()).unwrap_or(i64::MAX);
    let tenants = match options.tenant {
        Some(id) => vec![store.tenant(id).await?],
        None => store.tenants().await?,
    };
    let mut totals: BTreeMap<&'static str, TableReport> = BTreeMap::new();
    let mut add = |table: &'static str, w: Written| {
        let t = totals.entry(table).or_default();
        t.rows += w.rows;
        t.files += w.files.len() as u64;
        t.bytes += w.bytes;
    };
    let mut scrubbed = 0;
    for tenant in tenants {
        let id = tenant.id.to_string();
        let scope = Scope {
            lake: to.to_path_buf(),
            run,
            tenant: id.clone(),
            currency: tenant
                .countries
                .first()
                .map(|c| c.currency.to_string())
                .unwrap_or_default(),
        };
        let after = manifest.cursor(&id, schema::EVENTS.name);
        let events = source::events(store, &scope, after, head).await?;
        add(schema::EVENTS.name, events.written);
        manifest.set_cursor(&id, schema::EVENTS.name, events.last_seq.max(after));

        for table in [
            &schema::CUSTOMERS,
            &schema::ORDERS,
            &schema::RETURNS,
            &schema::STOCK_MOVEMENTS,
            &schema::MESSAGES,
        ] {
            let after = manifest.cursor(&id, table.name);
            if until <= after {
                continue;
            }
            match table.name {
                "customers" => add(
                    table.name,
                    source::customers(store, &scope, after, until).await?,
                ),
                "orders" => {
                    let (orders, lines) = source::orders(store, &scope, after, until).await?;
                    add(table.name, orders);
                    add(schema::ORDER_LINES.name, lines);
                }
                "returns" => add(
                    table.name,
                    source::returns(store, &scope, after, until).await?,
                ),
                "stock_movements" => add(
                    table.name,
                    source::stock_movements(store, &scope, after, until).await?,
                ),
                _ => add(
                    table.name,
                    source::messages(store, &scope, after, until).await?,
                ),
            }
            manifest.set_cursor(&id, table.name, until);
        }

        if !events.erased.is_empty() {
            let conversations = source::conversations_of(store, &id, &events.erased).await?;
            let dir = source::tenant_dir(to, &schema::MESSAGES, &id);
            let erased = events.erased;
            scrubbed += tokio::task::spawn_blocking(move || {
                scrub::scrub_messages(&dir, &erased, &conversations)
            })
            .await
            .map_err(|e| LakeError::Writer(e.to_string()))??;
        }
    }
    let tables: Vec<TableReport> = TABLES
        .iter()
        .map(|t| TableReport {
            table: t.name.to_owned(),
            ..totals.get(t.name).cloned().unwrap_or_default()
        })
        .collect();
    manifest.record(RunRecord {
        run,
        started_at,
        finished_at: chrono::Utc::now().timestamp_millis(),
        entities_until: until,
        tables: tables.clone(),
        scrubbed_files: scrubbed,
    });
    manifest.save(to)?;
    Ok(ExportReport {
        run,
        tables,
        scrubbed_files: scrubbed,
        orphans_removed: orphans.len() as u64,
        entities_until: until,
        elapsed: clock.elapsed(),
    })
}
