//! Rows to partitioned Parquet files, on a blocking thread fed through a bounded channel.
//!
//! Each (tenant, date) partition a run touches gets its own file, `part-<run>-<n>.parquet`,
//! written under a hidden temporary name and renamed when complete. Rows are buffered per
//! partition as columns and written as a row group when a partition has
//! [`ROW_GROUP_ROWS`] rows or when all buffers together pass [`BUFFER_BUDGET`] bytes (the
//! largest is written first), and at most [`MAX_OPEN_FILES`] files are open at once (the
//! least recently used is finished first) — so memory stays bounded however many rows and
//! dates a run covers.

use std::collections::HashMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parquet::basic::Compression;
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, Int64Type};
use parquet::file::properties::{WriterProperties, WriterVersion};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::TypePtr;

use crate::LakeError;
use crate::schema::{Kind, Table};

/// Rows per row group (a partition's buffer is written when it reaches this).
pub const ROW_GROUP_ROWS: usize = 64 * 1024;
/// Rows per file before the next file of the partition starts.
pub const FILE_ROWS: usize = 1024 * 1024;
/// Bytes all partition buffers of one table may hold together.
pub const BUFFER_BUDGET: usize = 64 << 20;
/// Files one table writer keeps open at once.
pub const MAX_OPEN_FILES: usize = 32;

/// One value of a row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    Null,
    Str(String),
    Int(i64),
    Bool(bool),
}

/// A row and the day (since 1970-01-01, UTC) of its partition.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub day: i64,
    pub cells: Vec<Cell>,
}

/// A day number from Unix milliseconds.
pub(crate) fn day_of(ms: i64) -> i64 {
    ms.div_euclid(86_400_000)
}

/// `YYYY-MM-DD` of a day number.
pub(crate) fn date_label(day: i64) -> String {
    chrono::DateTime::from_timestamp(day * 86_400, 0)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| "1970-01-01".into())
}

/// The file name of part `n` of `run`.
pub(crate) fn part_name(run: u64, n: u32) -> String {
    format!("part-{run:06}-{n:04}.parquet")
}

/// The run a part file belongs to, from its name.
pub(crate) fn run_of(file_name: &str) -> Option<u64> {
    file_name
        .strip_prefix("part-")?
        .split('-')
        .next()?
        .parse()
        .ok()
}

/// The writer properties every file shares: Snappy (pure Rust, read everywhere), format 1.0
/// data pages (the most widely read), dictionaries and statistics on.
pub(crate) fn properties() -> Arc<WriterProperties> {
    Arc::new(
        WriterProperties::builder()
            .set_writer_version(WriterVersion::PARQUET_1_0)
            .set_compression(Compression::SNAPPY)
            .set_created_by(format!("omniretail {}", env!("CARGO_PKG_VERSION")))
            .build(),
    )
}

enum Values {
    Bytes(Vec<ByteArray>),
    Ints(Vec<i64>),
    Bools(Vec<bool>),
}

/// One column's buffered values and definition levels (levels only if nullable).
struct ColumnBuf {
    values: Values,
    defs: Vec<i16>,
    nullable: bool,
}

/// A partition's buffered rows, column by column.
pub(crate) struct Columns {
    table: &'static Table,
    cols: Vec<ColumnBuf>,
    rows: usize,
    bytes: usize,
}

impl Columns {
    pub(crate) fn new(table: &'static Table) -> Self {
        let cols = table
            .columns
            .iter()
            .map(|c| ColumnBuf {
                values: match c.kind {
                    Kind::String => Values::Bytes(Vec::new()),
                    Kind::Int64 | Kind::Timestamp => Values::Ints(Vec::new()),
                    Kind::Boolean => Values::Bools(Vec::new()),
                },
                defs: Vec::new(),
                nullable: c.nullable,
            })
            .collect();
        Columns {
            table,
            cols,
            rows: 0,
            bytes: 0,
        }
    }

    pub(crate) fn rows(&self) -> usize {
        self.rows
    }

    /// Appends a row; its cells must match the table's columns in number, type and nullability.
    pub(crate) fn push(&mut self, cells: Vec<Cell>) -> Result<(), LakeError> {
        let table = self.table.name;
        if cells.len() != self.cols.len() {
            return Err(LakeError::Schema {
                table,
                reason: format!("{} cells for {} columns", cells.len(), self.cols.len()),
            });
        }
        // Check the whole row first so a bad cell never leaves the columns misaligned.
        for (i, (cell, col)) in cells.iter().zip(&self.cols).enumerate() {
            let fits = matches!(
                (cell, &col.values),
                (Cell::Str(_), Values::Bytes(_))
                    | (Cell::Int(_), Values::Ints(_))
                    | (Cell::Bool(_), Values::Bools(_))
            ) || (matches!(cell, Cell::Null) && col.nullable);
            if !fits {
                return Err(LakeError::Schema {
                    table,
                    reason: format!("column {} cannot take {cell:?}", self.table.columns[i].name),
                });
            }
        }
        for (cell, col) in cells.into_iter().zip(&mut self.cols) {
            let defined = !matches!(cell, Cell::Null);
            if col.nullable {
                col.defs.push(i16::from(defined));
            }
            match (cell, &mut col.values) {
                (Cell::Str(s), Values::Bytes(v)) => {
                    self.bytes += s.len() + 16;
                    v.push(ByteArray::from(s.into_bytes()));
                }
                (Cell::Int(x), Values::Ints(v)) => {
                    self.bytes += 8;
                    v.push(x);
                }
                (Cell::Bool(b), Values::Bools(v)) => {
                    self.bytes += 1;
                    v.push(b);
                }
                _ => self.bytes += 2,
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// Writes the buffered rows as one row group and empties the buffer.
    pub(crate) fn write_group(
        &mut self,
        file: &mut SerializedFileWriter<BufWriter<File>>,
    ) -> Result<(), LakeError> {
        let mut group = file.next_row_group()?;
        for col in &mut self.cols {
            let mut w = group.next_column()?.ok_or_else(|| LakeError::Schema {
                table: self.table.name,
                reason: "fewer columns in the schema than buffered".into(),
            })?;
            let defs = col.nullable.then_some(col.defs.as_slice());
            match &mut col.values {
                Values::Bytes(v) => {
                    w.typed::<ByteArrayType>().write_batch(v, defs, None)?;
                    // Fresh vectors: a partition that stays idle keeps no capacity.
                    *v = Vec::new();
                }
                Values::Ints(v) => {
                    w.typed::<Int64Type>().write_batch(v, defs, None)?;
                    *v = Vec::new();
                }
                Values::Bools(v) => {
                    w.typed::<BoolType>().write_batch(v, defs, None)?;
                    *v = Vec::new();
                }
            }
            col.defs = Vec::new();
            w.close()?;
        }
        group.close()?;
        self.rows = 0;
        self.bytes = 0;
        Ok(())
    }
}

/// A file being written.
struct OpenFile {
    writer: SerializedFileWriter<BufWriter<File>>,
    tmp: PathBuf,
    path: PathBuf,
    rows: usize,
}

/// One partition of the run.
struct Partition {
    dir: PathBuf,
    buf: Columns,
    file: Option<OpenFile>,
    next_part: u32,
    last_use: u64,
}

/// What a table writer wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Written {
    pub rows: u64,
    pub files: Vec<PathBuf>,
    pub bytes: u64,
}

/// Writes one table's rows of one tenant into `DIR/<table>/tenant=<id>/date=<day>/`.
pub(crate) struct TableWriter {
    table: &'static Table,
    schema: TypePtr,
    props: Arc<WriterProperties>,
    root: PathBuf,
    run: u64,
    parts: HashMap<i64, Partition>,
    buffered: usize,
    open: usize,
    clock: u64,
    written: Written,
}

impl TableWriter {
    pub(crate) fn new(
        table: &'static Table,
        lake: &Path,
        tenant: &str,
        run: u64,
    ) -> Result<Self, LakeError> {
        Ok(TableWriter {
            table,
            schema: table.parquet_schema()?,
            props: properties(),
            root: lake.join(table.name).join(format!("tenant={tenant}")),
            run,
            parts: HashMap::new(),
            buffered: 0,
            open: 0,
            clock: 0,
            written: Written::default(),
        })
    }

    /// Buffers a row, writing row groups and finishing files as the limits require.
    pub(crate) fn push(&mut self, row: Row) -> Result<(), LakeError> {
        self.clock += 1;
        let (table, root, clock) = (self.table, &self.root, self.clock);
        let part = self.parts.entry(row.day).or_insert_with(|| Partition {
            dir: root.join(format!("date={}", date_label(row.day))),
            buf: Columns::new(table),
            file: None,
            next_part: 0,
            last_use: clock,
        });
        part.last_use = clock;
        let before = part.buf.bytes;
        part.buf.push(row.cells)?;
        self.buffered += part.buf.bytes - before;
        if part.buf.rows >= ROW_GROUP_ROWS {
            self.flush(row.day)?;
        }
        while self.buffered > BUFFER_BUDGET {
            let Some(day) = self
                .parts
                .iter()
                .max_by_key(|(_, p)| p.buf.bytes)
                .map(|(d, _)| *d)
            else {
                break;
            };
            self.flush(day)?;
        }
        Ok(())
    }

    /// Writes a partition's buffer as a row group of its open file (opening one if needed).
    fn flush(&mut self, day: i64) -> Result<(), LakeError> {
        let needs_open = self
            .parts
            .get(&day)
            .is_some_and(|p| p.buf.rows > 0 && p.file.is_none());
        if needs_open && self.open >= MAX_OPEN_FILES {
            self.finish_least_recent(day)?;
        }
        let Some(part) = self.parts.get_mut(&day) else {
            return Ok(());
        };
        if part.buf.rows == 0 {
            return Ok(());
        }
        if part.file.is_none() {
            std::fs::create_dir_all(&part.dir).map_err(LakeError::io(&part.dir))?;
            let name = part_name(self.run, part.next_part);
            part.next_part += 1;
            let path = part.dir.join(&name);
            let tmp = part.dir.join(format!(".{name}.tmp"));
            let f = File::create(&tmp).map_err(LakeError::io(&tmp))?;
            let writer = SerializedFileWriter::new(
                BufWriter::with_capacity(1 << 20, f),
                self.schema.clone(),
                self.props.clone(),
            )?;
            part.file = Some(OpenFile {
                writer,
                tmp,
                path,
                rows: 0,
            });
            self.open += 1;
        }
        let rows = part.buf.rows;
        self.buffered -= part.buf.bytes;
        let Some(file) = part.file.as_mut() else {
            return Ok(());
        };
        part.buf.write_group(&mut file.writer)?;
        file.rows += rows;
        self.written.rows += rows as u64;
        if file.rows >= FILE_ROWS {
            self.close_file(day)?;
        }
        Ok(())
    }

    /// Finishes the open file of the partition used longest ago (other than `keep`).
    fn finish_least_recent(&mut self, keep: i64) -> Result<(), LakeError> {
        let oldest = self
            .parts
            .iter()
            .filter(|(d, p)| **d != keep && p.file.is_some())
            .min_by_key(|(_, p)| p.last_use)
            .map(|(d, _)| *d);
        if let Some(day) = oldest {
            // Its buffered rows go into the file before it is finished.
            self.flush_buffer_only(day)?;
            self.close_file(day)?;
        }
        Ok(())
    }

    fn flush_buffer_only(&mut self, day: i64) -> Result<(), LakeError> {
        if let Some(part) = self.parts.get_mut(&day)
            && let Some(file) = part.file.as_mut()
            && part.buf.rows > 0
        {
            let rows = part.buf.rows;
            self.buffered -= part.buf.bytes;
            part.buf.write_group(&mut file.writer)?;
            file.rows += rows;
            self.written.rows += rows as u64;
        }
        Ok(())
    }

    /// Completes a partition's open file: footer, sync, rename to its final name.
    fn close_file(&mut self, day: i64) -> Result<(), LakeError> {
        let Some(file) = self.parts.get_mut(&day).and_then(|p| p.file.take()) else {
            return Ok(());
        };
        self.open -= 1;
        let OpenFile {
            writer, tmp, path, ..
        } = file;
        let buffered = writer.into_inner()?;
        let f = buffered.into_inner().map_err(|e| LakeError::Io {
            path: tmp.clone(),
            source: e.into_error(),
        })?;
        f.sync_all().map_err(LakeError::io(&tmp))?;
        let bytes = f.metadata().map_err(LakeError::io(&tmp))?.len();
        drop(f);
        std::fs::rename(&tmp, &path).map_err(LakeError::io(&path))?;
        self.written.bytes += bytes;
        self.written.files.push(path);
        Ok(())
    }

    /// Writes every buffer and completes every file.
    pub(crate) fn finish(mut self) -> Result<Written, LakeError> {
        let days: Vec<i64> = self.parts.keys().copied().collect();
        for day in days {
            self.flush(day)?;
            self.close_file(day)?;
        }
        Ok(self.written)
    }
}
