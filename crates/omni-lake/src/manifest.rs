//! `DIR/_omni_export.json`: the per-tenant, per-table cursors of the last completed run, and
//! what each recent run wrote. It is the commit point of a run: written to a temporary file,
//! synced and renamed over the old one after every data file is in place. Part files of a run
//! newer than the manifest's `last_run` belong to a run that did not finish; the next run
//! deletes them before it starts (and exports their rows again).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::LakeError;
use crate::schema::TABLES;
use crate::writer::run_of;

/// The manifest's file name inside the export folder.
pub const MANIFEST_FILE: &str = "_omni_export.json";
const LOCK_FILE: &str = "_omni_export.lock";
/// Runs remembered in the manifest.
const RUNS_KEPT: usize = 100;

/// What a run wrote to one table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableReport {
    pub table: String,
    pub rows: u64,
    pub files: u64,
    pub bytes: u64,
}

/// One completed run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub run: u64,
    /// Unix milliseconds.
    pub started_at: i64,
    pub finished_at: i64,
    /// Entity rows stamped up to this instant (Unix ms) were included.
    pub entities_until: i64,
    pub tables: Vec<TableReport>,
    /// Message files rewritten to withhold the texts of customers erased since.
    pub scrubbed_files: u64,
}

/// The export folder's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Layout version of the folder.
    pub format: u32,
    /// The last completed run (0: none yet).
    pub last_run: u64,
    /// Tenant id → table → cursor: the feed position for `events`, otherwise the Unix-ms
    /// stamp (`updated_at`, `created_at`, `occurred_at` or `at`) up to which rows were exported.
    pub cursors: BTreeMap<String, BTreeMap<String, i64>>,
    /// The most recent runs, oldest first.
    pub runs: Vec<RunRecord>,
}

impl Manifest {
    /// Reads `DIR/_omni_export.json`, or an empty manifest if the folder has none.
    pub fn load(dir: &Path) -> Result<Manifest, LakeError> {
        let path = dir.join(MANIFEST_FILE);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| LakeError::Manifest {
                path,
                reason: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Manifest {
                format: 1,
                ..Manifest::default()
            }),
            Err(e) => Err(LakeError::Io { path, source: e }),
        }
    }

    /// A table's cursor for a tenant (0: from the beginning).
    pub fn cursor(&self, tenant: &str, table: &str) -> i64 {
        self.cursors
            .get(tenant)
            .and_then(|t| t.get(table))
            .copied()
            .unwrap_or(0)
    }

    pub(crate) fn set_cursor(&mut self, tenant: &str, table: &str, value: i64) {
        self.cursors
            .entry(tenant.to_owned())
            .or_default()
            .insert(table.to_owned(), value);
    }

    pub(crate) fn record(&mut self, run: RunRecord) {
        self.last_run = run.run;
        self.runs.push(run);
        let excess = self.runs.len().saturating_sub(RUNS_KEPT);
        self.runs.drain(..excess);
    }

    /// Commits the manifest: temporary file, sync, rename, sync of the folder.
    pub(crate) fn save(&self, dir: &Path) -> Result<(), LakeError> {
        let path = dir.join(MANIFEST_FILE);
        let tmp = dir.join(format!(".{MANIFEST_FILE}.tmp"));
        let body = serde_json::to_vec_pretty(self).map_err(LakeError::corrupt)?;
        let mut f = File::create(&tmp).map_err(LakeError::io(&tmp))?;
        f.write_all(&body).map_err(LakeError::io(&tmp))?;
        f.sync_all().map_err(LakeError::io(&tmp))?;
        drop(f);
        std::fs::rename(&tmp, &path).map_err(LakeError::io(&path))?;
        sync_dir(dir);
        Ok(())
    }
}

/// Flushes a folder's entries (renames) to disk; best effort where folders cannot be opened.
pub(crate) fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// The exclusive right to write an export folder, held until dropped (the OS releases it if
/// the process dies, so a crash never leaves the folder locked).
pub(crate) struct FolderLock {
    _file: File,
}

impl FolderLock {
    pub(crate) fn take(dir: &Path) -> Result<FolderLock, LakeError> {
        std::fs::create_dir_all(dir).map_err(LakeError::io(dir))?;
        let path = dir.join(LOCK_FILE);
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(LakeError::io(&path))?;
        match file.try_lock() {
            Ok(()) => Ok(FolderLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(LakeError::Busy(dir.to_path_buf())),
            Err(std::fs::TryLockError::Error(e)) => Err(LakeError::Io { path, source: e }),
        }
    }
}

/// Deletes what an unfinished run left: temporary files, and part files of runs after
/// `last_run`. Returns the files deleted.
pub(crate) fn remove_orphans(dir: &Path, last_run: u64) -> Result<Vec<PathBuf>, LakeError> {
    let mut removed = Vec::new();
    for table in TABLES {
        for file in part_files(&dir.join(table.name), true)? {
            let name = file
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            let orphan = name.ends_with(".tmp") || run_of(name).is_none_or(|r| r > last_run);
            if orphan {
                std::fs::remove_file(&file).map_err(LakeError::io(&file))?;
                removed.push(file);
            }
        }
    }
    Ok(removed)
}

/// The files under `table_dir/tenant=*/date=*/`: the `.parquet` parts, and with `with_tmp`
/// also the hidden temporary files.
pub(crate) fn part_files(table_dir: &Path, with_tmp: bool) -> Result<Vec<PathBuf>, LakeError> {
    let mut out = Vec::new();
    for tenant in sub_dirs(table_dir, "tenant=")? {
        for date in sub_dirs(&tenant, "date=")? {
            let entries = std::fs::read_dir(&date).map_err(LakeError::io(&date))?;
            for entry in entries {
                let entry = entry.map_err(LakeError::io(&date))?;
                let name = entry.file_name();
                let name = name.to_string_lossy();
                let part = name.starts_with("part-") && name.ends_with(".parquet");
                let tmp = name.starts_with(".part-") && name.ends_with(".tmp");
                if part || (with_tmp && tmp) {
                    out.push(entry.path());
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Sub-folders of `dir` whose names start with `prefix` (none if `dir` does not exist).
pub(crate) fn sub_dirs(dir: &Path, prefix: &str) -> Result<Vec<PathBuf>, LakeError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(LakeError::Io {
                path: dir.into(),
                source: e,
            });
        }
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(LakeError::io(dir))?;
        if entry.file_name().to_string_lossy().starts_with(prefix)
            && entry.file_type().map_err(LakeError::io(dir))?.is_dir()
        {
            out.push(entry.path());
        }
    }
    out.sort();
    Ok(out)
}
