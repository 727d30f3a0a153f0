//! The data-lake export (`omni export --to DIR`): every event and the core entities —
//! customers without personal data, orders and their lines, returns, stock movements and
//! messages — written incrementally as Hive-partitioned Parquet files that DuckDB, Spark and
//! ClickHouse read as they are. The layout, every column and the incremental semantics are in
//! `docs/DATA_LAKE.md`; [`schema::TABLES`] is the same schema in code.
//!
//! Why Parquet through the `parquet` crate's column writer rather than arrow: the export writes
//! a handful of flat columns of strings, integers and timestamps, which the low-level writer
//! takes directly; arrow would add a dozen crates to the build for no gain here.
//!
//! Layout: `schema` the tables; `source` reads the store (streaming, memory bounded);
//! `writer` turns rows into partitioned files on a blocking thread; `manifest` keeps the
//! cursors and makes runs atomic; `scrub` propagates erasures into files already written;
//! `export` runs it all.

mod error;
mod export;
mod manifest;
mod scrub;
mod source;
mod writer;

pub mod schema;

pub use error::LakeError;
pub use export::{DEFAULT_SETTLE, ExportOptions, ExportReport, export, export_with};
pub use manifest::{MANIFEST_FILE, Manifest, RunRecord, TableReport};
