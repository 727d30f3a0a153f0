//! Bulk import: validates every row through the domain, merges rows per article, and upserts
//! changed products by SKU in batched transactions, each product with its event. A bad row is
//! reported and skipped; a product is written whole or not at all; re-importing a file
//! writes nothing and records no event.

use std::collections::{BTreeMap, HashMap, HashSet};

use omni_domain::FieldViolation;
use omni_domain::catalog::import::{ImportRow, ValidRow, merge, same_product_fields, validate_row};
use omni_domain::catalog::{Product, Schema};
use omni_domain::events::DomainEvent;
use omni_kernel::{TenantId, Timestamp};
use serde::Serialize;

use crate::{Store, StoreError};

/// Products written per transaction.
const BATCH_PRODUCTS: usize = 1_000;

/// A row that was not imported, with every reason.
#[derive(Debug, Clone, Serialize)]
pub struct RejectedRow {
    /// 1-based line (JSON lines) or record number (CSV, header excluded).
    pub line: usize,
    pub sku: String,
    pub errors: Vec<FieldViolation>,
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub rows: usize,
    pub imported_rows: usize,
    pub products_created: usize,
    pub products_updated: usize,
    pub products_unchanged: usize,
    pub rejected: Vec<RejectedRow>,
}

/// The event recorded for a written product: enough for consumers to re-read it.
pub fn product_event(p: &Product, kind: &str, now: Timestamp) -> DomainEvent {
    let channels: Vec<&str> = p.published_channels().map(|c| c.as_str()).collect();
    let data = serde_json::json!({
        "id": p.id, "article": p.article, "version": p.version,
        "category_id": p.category_id, "published_channels": channels,
    });
    DomainEvent::new(p.tenant_id, kind, p.id, now, data)
}

fn reject(
    report: &mut ImportReport,
    line: usize,
    sku: &str,
    field: &str,
    code: &'static str,
    message: &str,
) {
    report.rejected.push(RejectedRow {
        line,
        sku: sku.to_owned(),
        errors: vec![FieldViolation {
            field: field.into(),
            code,
            message: message.into(),
        }],
    });
}

impl Store {
    /// Imports `rows` (with their line numbers) for the tenant; `progress` is told how many
    /// rows were handled so far.
    pub async fn import_catalog(
        &self,
        tenant: TenantId,
        rows: Vec<(usize, ImportRow)>,
        now: Timestamp,
        progress: impl Fn(usize),
    ) -> Result<ImportReport, StoreError> {
        let refs = self.catalog_refs(tenant).await?;
        let schemas: HashMap<String, Schema> = refs
            .categories
            .values()
            .filter_map(|c| Schema::of(c.id, &refs.categories).map(|s| (c.code.clone(), s)))
            .collect();
        let mut report = ImportReport {
            rows: rows.len(),
            ..Default::default()
        };
        let mut groups: BTreeMap<String, Vec<(usize, ValidRow)>> = BTreeMap::new();
        let mut order: Vec<String> = Vec::new();
        let mut seen_skus = HashSet::new();
        for (line, row) in &rows {
            let lookup = |code: &str| schemas.get(code).cloned();
            let valid = validate_row(row, lookup, |code| refs.brand_by_code(code).cloned());
            match valid {
                Err(errors) => report.rejected.push(RejectedRow {
                    line: *line,
                    sku: row.sku.clone(),
                    errors,
                }),
                Ok(v) if !seen_skus.insert(v.variant.sku.clone()) => reject(
                    &mut report,
                    *line,
                    &row.sku,
                    "sku",
                    "duplicate_sku",
                    "the SKU appears earlier in the file",
                ),
                Ok(v) => {
                    let group = groups.entry(v.article.clone()).or_default();
                    if group
                        .first()
                        .is_some_and(|(_, first)| !same_product_fields(first, &v))
                    {
                        reject(
                            &mut report,
                            *line,
                            &row.sku,
                            "article",
                            "conflicting_product_fields",
                            "an earlier row of this article has other product fields",
                        );
                        continue;
                    }
                    if group.is_empty() {
                        order.push(v.article.clone());
                    }
                    group.push((*line, v));
                }
            }
        }
        progress(0);
        for batch in order.chunks(BATCH_PRODUCTS) {
            let handled: usize = batch
                .iter()
                .map(|a| groups.get(a).map_or(0, Vec::len))
                .sum();
            self.import_batch(tenant, batch, &mut groups, now, &mut report)
                .await?;
            progress(handled);
        }
        report.rejected.sort_by_key(|r| r.line);
        Ok(report)
    }

    async fn import_batch(
        &self,
        tenant: TenantId,
        articles: &[String],
        groups: &mut BTreeMap<String, Vec<(usize, ValidRow)>>,
        now: Timestamp,
        report: &mut ImportReport,
    ) -> Result<(), StoreError> {
        let existing = self.products_by_article(tenant, articles).await?;
        let skus: Vec<String> = articles
            .iter()
            .flat_map(|a| {
                groups
                    .get(a)
                    .into_iter()
                    .flatten()
                    .map(|(_, r)| r.variant.sku.clone())
            })
            .collect();
        let owners = self.sku_owners(tenant, &skus).await?;
        let mut tx = self.write().await?;
        for article in articles {
            let current = existing.get(article);
            let mut rows = Vec::new();
            for (line, row) in groups.remove(article).unwrap_or_default() {
                let owner = owners.get(&row.variant.sku);
                if owner.is_some_and(|o| Some(*o) != current.map(|p| p.id)) {
                    reject(
                        report,
                        line,
                        &row.variant.sku,
                        "sku",
                        "sku_belongs_to_other_product",
                        "this SKU belongs to another article",
                    );
                } else {
                    rows.push(row);
                }
            }
            report.imported_rows += rows.len();
            match merge(current, &rows, tenant, now) {
                None if rows.is_empty() => {}
                None => report.products_unchanged += 1,
                Some(next) => match current {
                    Some(p) => {
                        tx.update_product(&next, p.version).await?;
                        tx.record(&product_event(&next, "catalog.product.updated", now))
                            .await?;
                        report.products_updated += 1;
                    }
                    None => {
                        tx.insert_product(&next).await?;
                        tx.record(&product_event(&next, "catalog.product.created", now))
                            .await?;
                        report.products_created += 1;
                    }
                },
            }
        }
        tx.commit().await
    }
}
