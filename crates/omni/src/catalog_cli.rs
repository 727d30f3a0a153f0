//! `omni catalog import FILE` and `omni catalog export`: bulk product data in CSV or JSON
//! lines, one row per SKU. Import shows a progress bar and prints the per-row report of
//! rejected rows; good rows are upserted by SKU and re-importing a file changes nothing.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use omni_domain::catalog::import::ImportRow;
use omni_store::catalog::ProductFilter;

use crate::cli::DbArgs;

/// File formats.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Csv,
    Jsonl,
}

/// `omni catalog …`
#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Import products from a CSV or JSON lines file (format from the extension by default).
    Import(ImportArgs),
    /// Export every product as JSON lines (one row per SKU) to stdout.
    Export {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        tenant: String,
    },
    /// Write the demo catalog's rows (`small` or `chain` scale) to stdout as an import file:
    /// the input of import benchmarks and an example of the file format.
    Sample {
        #[arg(long, value_enum, default_value = "small")]
        scale: crate::demo::Scale,
        #[arg(long, value_enum, default_value = "csv")]
        format: Format,
    },
}

/// `omni catalog import` flags.
#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Tenant slug.
    #[arg(long)]
    pub tenant: String,
    /// csv or jsonl; guessed from the file extension when absent.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    pub file: PathBuf,
}

/// The fixed CSV columns, in file order.
const CSV_COLUMNS: [&str; 12] = [
    "sku",
    "article",
    "category",
    "brand",
    "barcode",
    "name_ru",
    "name_en",
    "description_ru",
    "description_en",
    "color",
    "size",
    "images",
];

/// Writes rows as CSV with the columns [`read_csv`] reads: the fixed ones, then a
/// `price.<CUR>` column per currency and an `attr.<code>` column per attribute used.
pub fn write_csv(rows: &[ImportRow], out: impl std::io::Write) -> anyhow::Result<()> {
    let currencies: std::collections::BTreeSet<&str> = rows
        .iter()
        .flat_map(|r| r.prices.keys().map(String::as_str))
        .collect();
    let attributes: std::collections::BTreeSet<&str> = rows
        .iter()
        .flat_map(|r| r.attributes.keys().map(String::as_str))
        .collect();
    let mut writer = csv::Writer::from_writer(out);
    let header = CSV_COLUMNS
        .iter()
        .map(|c| (*c).to_owned())
        .chain(currencies.iter().map(|c| format!("price.{c}")))
        .chain(attributes.iter().map(|a| format!("attr.{a}")));
    writer.write_record(header)?;
    for r in rows {
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        let fixed = [
            r.sku.clone(),
            r.article.clone(),
            r.category.clone(),
            opt(&r.brand),
            opt(&r.barcode),
            opt(&r.name_ru),
            opt(&r.name_en),
            opt(&r.description_ru),
            opt(&r.description_en),
            opt(&r.color),
            opt(&r.size),
            r.images.join("|"),
        ];
        let prices = currencies
            .iter()
            .map(|c| r.prices.get(*c).cloned().unwrap_or_default());
        let attrs = attributes
            .iter()
            .map(|a| r.attributes.get(*a).cloned().unwrap_or_default());
        writer.write_record(fixed.into_iter().chain(prices).chain(attrs))?;
    }
    writer.flush()?;
    Ok(())
}

/// Reads CSV: fixed columns, `price.<CUR>` and `attr.<code>` columns, `images` split on `|`.
pub fn read_csv(data: &[u8]) -> anyhow::Result<Vec<(usize, ImportRow)>> {
    let mut reader = csv::Reader::from_reader(data);
    let headers = reader.headers()?.clone();
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("CSV record {}", i + 1))?;
        let mut row = ImportRow::default();
        for (h, v) in headers.iter().zip(record.iter()) {
            let opt = || Some(v.to_owned()).filter(|s| !s.is_empty());
            match h {
                "sku" => row.sku = v.to_owned(),
                "article" => row.article = v.to_owned(),
                "category" => row.category = v.to_owned(),
                "brand" => row.brand = opt(),
                "barcode" => row.barcode = opt(),
                "name_ru" => row.name_ru = opt(),
                "name_en" => row.name_en = opt(),
                "description_ru" => row.description_ru = opt(),
                "description_en" => row.description_en = opt(),
                "color" => row.color = opt(),
                "size" => row.size = opt(),
                "images" => {
                    row.images = v
                        .split('|')
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect()
                }
                other => {
                    if let Some(cur) = other.strip_prefix("price.").filter(|_| !v.is_empty()) {
                        row.prices.insert(cur.to_owned(), v.to_owned());
                    } else if let Some(code) = other.strip_prefix("attr.").filter(|_| !v.is_empty())
                    {
                        row.attributes.insert(code.to_owned(), v.to_owned());
                    }
                }
            }
        }
        rows.push((i + 1, row));
    }
    Ok(rows)
}

async fn import(args: ImportArgs) -> anyhow::Result<()> {
    let store = args.db.connect().await?;
    store.migrate().await?;
    let tenant = store
        .tenant_by_slug(&args.tenant)
        .await
        .context("unknown tenant")?;
    let data =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let format = args
        .format
        .unwrap_or(if args.file.extension().is_some_and(|e| e == "csv") {
            Format::Csv
        } else {
            Format::Jsonl
        });
    let started = std::time::Instant::now();
    let (rows, mut rejected) = match format {
        Format::Csv => (read_csv(&data)?, Vec::new()),
        Format::Jsonl => {
            let text = std::str::from_utf8(&data).context("the file is not UTF-8")?;
            omni_api::parse_import_lines(text)
        }
    };
    let bar = ProgressBar::new(rows.len() as u64).with_style(
        ProgressStyle::with_template(
            "{msg:>8} [{bar:40}] {pos:>7}/{len:7} {per_sec:>12} eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_message("rows");
    let mut report = store
        .import_catalog(tenant.id, rows, chrono::Utc::now(), |n| bar.inc(n as u64))
        .await?;
    bar.finish_and_clear();
    report.rows += rejected.len();
    report.rejected.append(&mut rejected);
    report.rejected.sort_by_key(|r| r.line);
    for r in &report.rejected {
        let reasons: Vec<String> = r
            .errors
            .iter()
            .map(|e| format!("{} {}: {}", e.field, e.code, e.message))
            .collect();
        println!("line {:>7}  {:<20} {}", r.line, r.sku, reasons.join("; "));
    }
    println!(
        "{} rows in {:.1} s: {} imported ({} products created, {} updated, {} unchanged), {} rejected",
        report.rows,
        started.elapsed().as_secs_f64(),
        report.imported_rows,
        report.products_created,
        report.products_updated,
        report.products_unchanged,
        report.rejected.len()
    );
    Ok(())
}

async fn export(db: DbArgs, tenant: String) -> anyhow::Result<()> {
    let store = db.connect().await?;
    let tenant = store
        .tenant_by_slug(&tenant)
        .await
        .context("unknown tenant")?;
    let refs = store.catalog_refs(tenant.id).await?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut filter = ProductFilter {
        starting_after: None,
        limit: 1_000,
    };
    loop {
        let page = store.products(tenant.id, &filter).await?;
        for p in &page.items {
            for v in &p.variants {
                let row = ImportRow {
                    sku: v.sku.clone(),
                    article: p.article.clone(),
                    category: refs
                        .categories
                        .get(&p.category_id)
                        .map(|c| c.code.clone())
                        .unwrap_or_default(),
                    brand: p
                        .brand_id
                        .and_then(|b| refs.brands.get(&b))
                        .map(|b| b.code.clone()),
                    barcode: v.barcode.as_ref().map(|b| b.as_str().to_owned()),
                    name_ru: p.name.ru.clone(),
                    name_en: p.name.en.clone(),
                    description_ru: p.description.ru.clone(),
                    description_en: p.description.en.clone(),
                    color: v.color.clone(),
                    size: v.size.clone(),
                    prices: v
                        .list_prices
                        .iter()
                        .map(|m| (m.currency().code().to_owned(), decimal(m)))
                        .collect::<BTreeMap<_, _>>(),
                    images: p.media.iter().map(|m| m.url.clone()).collect(),
                    attributes: p
                        .attributes
                        .iter()
                        .map(|(k, v)| (k.clone(), v.as_text()))
                        .collect(),
                };
                serde_json::to_writer(&mut out, &row)?;
                out.write_all(b"\n")?;
            }
        }
        match page.items.last() {
            Some(last) if page.has_more => filter.starting_after = Some(last.id),
            _ => break,
        }
    }
    out.flush()?;
    Ok(())
}

fn sample(scale: crate::demo::Scale, format: Format) -> anyhow::Result<()> {
    let rows = crate::demo::catalog_sample_rows(scale);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match format {
        Format::Csv => write_csv(&rows, &mut out)?,
        Format::Jsonl => {
            for row in &rows {
                serde_json::to_writer(&mut out, row)?;
                out.write_all(b"\n")?;
            }
        }
    }
    out.flush()?;
    Ok(())
}

/// A money amount as an exact decimal string (`24990.00`).
fn decimal(m: &omni_kernel::Money) -> String {
    let exp = u32::from(m.currency().exponent());
    let scale = 10_i64.pow(exp);
    if exp == 0 {
        return m.minor().to_string();
    }
    format!(
        "{}.{:0width$}",
        m.minor() / scale,
        m.minor() % scale,
        width = exp as usize
    )
}

/// Runs a catalog subcommand.
pub async fn run(cmd: CatalogCommand) -> anyhow::Result<()> {
    match cmd {
        CatalogCommand::Import(args) => import(args).await,
        CatalogCommand::Export { db, tenant } => export(db, tenant).await,
        CatalogCommand::Sample { scale, format } => sample(scale, format),
    }
}

#[cfg(test)]
mod tests {
    use omni_store::testing::{TestDb, backend_banner};

    use super::*;

    /// A CSV file as merchants send it: good rows, a bad check digit, an unknown category and
    /// a missing required attribute.
    fn file() -> String {
        let header = "sku,article,category,brand,barcode,name_ru,price.RUB,attr.suction_pa,attr.battery_min,attr.wet_cleaning";
        [
            header,
            "RV-1-W,rv-1,robot-vacuums,dreame,4600000000015,Робот-пылесос Dreame L1,19990,4000,120,true",
            "RV-1-B,rv-1,robot-vacuums,dreame,4600000000023,Робот-пылесос Dreame L1,19990,4000,120,true",
            "RV-2-W,rv-2,robot-vacuums,dreame,4600000000039,Робот-пылесос Dreame L2,24990,5000,150,false",
            "RV-3-W,rv-3,no-such-category,dreame,4600000000046,Робот-пылесос,9990,,,",
            "RV-4-W,rv-4,robot-vacuums,dreame,4600000000053,Робот-пылесос Dreame L4,29990,,150,true",
        ]
        .join("\n")
    }

    #[tokio::test]
    async fn a_csv_import_lands_good_rows_reports_bad_ones_and_is_idempotent() {
        println!("{}", backend_banner());
        let db = TestDb::new().await.expect("db");
        crate::demo::load_steps(
            &db.store,
            crate::demo::Scale::Small,
            false,
            Some(&["tenant", "network"]),
        )
        .await
        .expect("tenant");
        let tenant = db.store.tenant_by_slug("demo").await.expect("tenant");
        crate::demo::write_catalog_tree(&db.store, tenant.id, chrono::Utc::now())
            .await
            .expect("tree");
        let import = || async {
            let rows = read_csv(file().as_bytes()).expect("csv");
            db.store
                .import_catalog(tenant.id, rows, chrono::Utc::now(), |_| {})
                .await
                .expect("import")
        };
        let first = import().await;
        let rejected: Vec<(usize, &str)> = first
            .rejected
            .iter()
            .map(|r| (r.line, r.errors[0].code))
            .collect();
        assert_eq!(
            rejected,
            [
                (2, "invalid_barcode"),
                (4, "unknown_category"),
                (5, "missing_required_attribute")
            ]
        );
        assert_eq!((first.imported_rows, first.products_created), (2, 2));
        let again = import().await;
        assert_eq!(
            (
                again.products_created,
                again.products_updated,
                again.products_unchanged
            ),
            (0, 0, 2),
            "re-importing the same file changes nothing"
        );
        let page = db
            .store
            .products(
                tenant.id,
                &ProductFilter {
                    starting_after: None,
                    limit: 10,
                },
            )
            .await
            .expect("products");
        let skus: Vec<Vec<&str>> = page
            .items
            .iter()
            .map(|p| p.variants.iter().map(|v| v.sku.as_str()).collect())
            .collect();
        assert_eq!(
            skus,
            [vec!["RV-1-W"], vec!["RV-2-W"]],
            "nothing of a bad row was written"
        );
    }
}
