//! Erasure reaches the lake: `customer.erased` tells every copy to anonymise, and the lake is
//! a copy. When a run's events include erasures, every message file of the tenant is checked
//! and those holding a text of an erased customer's conversation are rewritten with the text
//! withheld (temporary file, then rename over the old one). Other tables hold no personal
//! data, so nothing else needs rewriting. A rewrite is idempotent: a crash before the manifest
//! is written only means the next run checks again.

use std::collections::BTreeSet;
use std::fs::File;
use std::path::Path;

use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;

use crate::LakeError;
use crate::manifest::sync_dir;
use crate::schema::{Kind, MESSAGES, Table};
use crate::writer::{Cell, Columns, properties};

/// Rewrites the tenant's message files that hold texts of `conversations` or `customers`.
/// Returns how many files were rewritten.
pub(crate) fn scrub_messages(
    tenant_dir: &Path,
    customers: &BTreeSet<String>,
    conversations: &BTreeSet<String>,
) -> Result<u64, LakeError> {
    if customers.is_empty() && conversations.is_empty() {
        return Ok(0);
    }
    let table = &MESSAGES;
    let idx = |name: &str| {
        table.index_of(name).ok_or_else(|| LakeError::Schema {
            table: table.name,
            reason: format!("no column {name}"),
        })
    };
    let (conv, cust, text, withheld) = (
        idx("conversation_id")?,
        idx("customer_id")?,
        idx("text")?,
        idx("text_withheld")?,
    );
    let mut rewritten = 0;
    let mut files = Vec::new();
    for date in crate::manifest::sub_dirs(tenant_dir, "date=")? {
        files.extend(part_files_in(&date)?);
    }
    for path in files {
        let mut rows = read_rows(&path, table)?;
        let mut changed = false;
        for row in &mut rows {
            let hit = |i: usize, set: &BTreeSet<String>| matches!(&row[i], Cell::Str(v) if set.contains(v));
            if (hit(conv, conversations) || hit(cust, customers)) && row[text] != Cell::Null {
                row[text] = Cell::Null;
                row[withheld] = Cell::Bool(true);
                changed = true;
            }
        }
        if changed {
            rewrite(&path, table, rows)?;
            rewritten += 1;
        }
    }
    Ok(rewritten)
}

/// The part files directly in one `date=` folder.
fn part_files_in(date_dir: &Path) -> Result<Vec<std::path::PathBuf>, LakeError> {
    let mut out = Vec::new();
    let entries = std::fs::read_dir(date_dir).map_err(LakeError::io(date_dir))?;
    for entry in entries {
        let entry = entry.map_err(LakeError::io(date_dir))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("part-") && name.ends_with(".parquet") {
            out.push(entry.path());
        }
    }
    out.sort();
    Ok(out)
}

/// Every row of a lake file as cells, in the table's column order.
pub(crate) fn read_rows(path: &Path, table: &Table) -> Result<Vec<Vec<Cell>>, LakeError> {
    let file = File::open(path).map_err(LakeError::io(path))?;
    let reader = SerializedFileReader::new(file)?;
    let mut out = Vec::new();
    for row in reader.get_row_iter(None)? {
        let row = row?;
        let cells = row
            .get_column_iter()
            .zip(table.columns)
            .map(|((_, field), col)| cell_of(field, col.kind))
            .collect::<Result<Vec<_>, _>>()?;
        out.push(cells);
    }
    Ok(out)
}

fn cell_of(field: &Field, kind: Kind) -> Result<Cell, LakeError> {
    Ok(match (field, kind) {
        (Field::Null, _) => Cell::Null,
        (Field::Str(s), Kind::String) => Cell::Str(s.clone()),
        (Field::Long(v), Kind::Int64) => Cell::Int(*v),
        (Field::TimestampMillis(v), Kind::Timestamp) => Cell::Int(*v),
        (Field::Bool(b), Kind::Boolean) => Cell::Bool(*b),
        (other, _) => return Err(LakeError::Corrupt(format!("unexpected value {other:?}"))),
    })
}

/// Replaces a file with the given rows (one row group per [`crate::writer::ROW_GROUP_ROWS`]).
fn rewrite(path: &Path, table: &'static Table, rows: Vec<Vec<Cell>>) -> Result<(), LakeError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp"));
    let f = File::create(&tmp).map_err(LakeError::io(&tmp))?;
    let mut writer = parquet::file::writer::SerializedFileWriter::new(
        std::io::BufWriter::new(f),
        table.parquet_schema()?,
        properties(),
    )?;
    let mut buf = Columns::new(table);
    for row in rows {
        buf.push(row)?;
        if buf.rows() >= crate::writer::ROW_GROUP_ROWS {
            buf.write_group(&mut writer)?;
        }
    }
    if buf.rows() > 0 {
        buf.write_group(&mut writer)?;
    }
    let f = writer
        .into_inner()?
        .into_inner()
        .map_err(|e| LakeError::Io {
            path: tmp.clone(),
            source: e.into_error(),
        })?;
    f.sync_all().map_err(LakeError::io(&tmp))?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(LakeError::io(path))?;
    sync_dir(dir);
    Ok(())
}
