//! The demo catalog: a category tree with typed attributes, brands, synonyms and products
//! whose variants carry the SKUs the inventory step stocks (`SKU-000001`, … in order).
//!
//! Products are generated as import rows ([`sample_rows`]) and pass through the same domain
//! validation and merge as a file import, so the demo can never hold a product an import
//! would refuse; `omni catalog sample` writes the very same rows to a file for import
//! benchmarks. Complete products are published in every channel whose rules they meet;
//! about one in twenty-five lacks pictures and stays a draft online.
//!
//! Chain scale: 50,000 products, ~300,000 variants. Small scale: 90 products, ~500 variants.

use std::collections::{BTreeMap, HashMap};

use futures::future::BoxFuture;
use omni_domain::catalog::import::{ImportRow, merge, validate_row};
use omni_domain::catalog::{
    AttributeDef, AttributeKind, Barcode, Brand, BrandId, Category, CategoryId, LocalizedText,
    Product, PublicationStatus, Schema, Synonyms, VariantId, completeness,
};
use omni_domain::tenancy::Tenant;
use omni_kernel::{ProductId, TenantId, Timestamp};
use omni_store::WriteTx;
use omni_store::catalog::product_event;
use rand::Rng;
use rand::rngs::StdRng;

use super::Scale;
use super::catalog_vocabulary::{
    Attr, BRANDS, COLORS, Grid, KINDS, Kind, ROOTS, SERIES, SYNONYMS, Values,
};
use super::context::{DemoContext, DemoIds, DemoRow, StepReport};
use super::inventory::sku_code;
use super::steps::DemoStep;

/// Loads the demo catalog.
pub struct CatalogStep;

/// How many products a scale has.
pub fn product_count(scale: Scale) -> usize {
    match scale {
        Scale::Small => 90,
        Scale::Chain => 50_000,
    }
}

impl DemoStep for CatalogStep {
    fn name(&self) -> &'static str {
        "catalog"
    }

    fn run<'a>(&'a self, ctx: &'a mut DemoContext) -> BoxFuture<'a, anyhow::Result<StepReport>> {
        Box::pin(async move {
            let tenant = ctx.tenant.id;
            let (categories, brands) = write_tree(&ctx.store, tenant, ctx.now).await?;
            let rows = sample_rows(ctx.scale);
            let variants = rows.len();
            let products = build_products(tenant, &categories, &brands, &rows, ctx.now)?;
            ctx.insert_all("products", &products).await?;
            let online = products
                .iter()
                .filter(|p| p.is_published(omni_kernel::Channel::Web))
                .count();
            Ok(StepReport::default()
                .count("categories", categories.len())
                .count("brands", brands.len())
                .count("products", products.len())
                .count("variants", variants)
                .count("products online", online))
        })
    }
}

/// Writes the category tree, brands and synonyms (what an import needs first).
pub async fn write_tree(
    store: &omni_store::Store,
    tenant: TenantId,
    now: Timestamp,
) -> anyhow::Result<(Vec<Category>, Vec<Brand>)> {
    let categories = categories(tenant, now);
    let brands = brands(tenant);
    let mut tx = store.write().await?;
    for c in &categories {
        tx.insert_category(c).await?;
    }
    for b in &brands {
        tx.insert_brand(b).await?;
    }
    tx.put_synonyms(tenant, &synonyms(), now).await?;
    tx.commit().await?;
    Ok((categories, brands))
}

impl DemoRow for Product {
    async fn insert(&self, tx: &mut WriteTx, _: &Tenant, now: Timestamp) -> anyhow::Result<()> {
        tx.insert_product(self).await?;
        tx.record(&product_event(self, "catalog.product.created", now))
            .await?;
        Ok(())
    }
}

/// The category tree: the roots, then every leaf with its typed attributes.
pub fn categories(tenant: TenantId, now: Timestamp) -> Vec<Category> {
    let mut ids = DemoIds::new("catalog/categories");
    let mut out: Vec<Category> = ROOTS
        .iter()
        .map(|r| Category {
            id: CategoryId::from_ulid(ids.next_ulid()),
            tenant_id: tenant,
            code: r.code.to_owned(),
            parent_id: None,
            name: LocalizedText::new(r.ru, r.en),
            attributes: Vec::new(),
            created_at: now,
        })
        .collect();
    for k in KINDS {
        let parent = out.iter().find(|c| c.code == k.parent).map(|c| c.id);
        out.push(Category {
            id: CategoryId::from_ulid(ids.next_ulid()),
            tenant_id: tenant,
            code: k.code.to_owned(),
            parent_id: parent,
            name: LocalizedText::new(k.ru, k.en),
            attributes: k.attrs.iter().map(attribute_def).collect(),
            created_at: now,
        });
    }
    out
}

fn attribute_def(a: &Attr) -> AttributeDef {
    let (kind, values) = match a.values {
        Values::Number(..) => (AttributeKind::Number, Vec::new()),
        Values::Bool => (AttributeKind::Boolean, Vec::new()),
        Values::Choice(list) => (
            AttributeKind::Choice,
            list.iter().map(|v| (*v).to_owned()).collect(),
        ),
    };
    AttributeDef {
        code: a.code.to_owned(),
        name: LocalizedText::new(a.ru, a.en),
        kind,
        unit: a.unit.map(str::to_owned),
        values,
        required: a.required,
        facet: a.facet,
    }
}

/// The chain's brands.
pub fn brands(tenant: TenantId) -> Vec<Brand> {
    let mut ids = DemoIds::new("catalog/brands");
    BRANDS
        .iter()
        .map(|(code, name)| Brand {
            id: BrandId::from_ulid(ids.next_ulid()),
            tenant_id: tenant,
            code: (*code).to_owned(),
            name: (*name).to_owned(),
        })
        .collect()
}

fn synonyms() -> Synonyms {
    Synonyms {
        groups: SYNONYMS
            .iter()
            .map(|g| g.iter().map(|t| (*t).to_owned()).collect())
            .collect(),
    }
}

/// Every import row (one per SKU) of the demo catalog at `scale`, in article order.
/// Deterministic: the same scale always gives the same rows.
pub fn sample_rows(scale: Scale) -> Vec<ImportRow> {
    let mut rng = DemoContext::rng("catalog");
    let total_weight: u32 = KINDS.iter().map(|k| k.weight).sum();
    let mut rows = Vec::with_capacity(product_count(scale) * 6);
    for n in 1..=product_count(scale) {
        let mut pick = rng.random_range(0..total_weight);
        let kind = KINDS
            .iter()
            .find(|k| {
                let hit = pick < k.weight;
                pick = pick.saturating_sub(k.weight);
                hit
            })
            .unwrap_or(&KINDS[0]);
        let first_sku = rows.len() as u32 + 1;
        rows.extend(product_rows(&mut rng, kind, n, first_sku));
    }
    rows
}

/// The rows of product number `n`, its SKUs numbered from `first_sku`.
fn product_rows(rng: &mut StdRng, kind: &Kind, n: usize, first_sku: u32) -> Vec<ImportRow> {
    let brand_code = kind.brands[rng.random_range(0..kind.brands.len())];
    let brand = BRANDS
        .iter()
        .find(|(c, _)| *c == brand_code)
        .map_or(brand_code, |(_, name)| name);
    let model = format!(
        "{} {}{}",
        SERIES[rng.random_range(0..SERIES.len())],
        char::from(b'A' + rng.random_range(0..26u8)),
        rng.random_range(1..1000u32)
    );
    let (adj_ru, adj_en) = if rng.random_bool(0.5) {
        let (ru, en) = kind.adjectives[rng.random_range(0..kind.adjectives.len())];
        (format!(" {ru}"), format!(" {en}"))
    } else {
        (String::new(), String::new())
    };
    // Imports refuse rows without a required attribute, so an incomplete demo product is
    // one without pictures: sellable in stores, a draft online until enriched.
    let without_images = rng.random_bool(0.04);
    let attributes = attribute_values(rng, kind.attrs);
    let template = ImportRow {
        article: format!("{}-{n:06}", kind.code),
        category: kind.code.to_owned(),
        brand: Some(brand_code.to_owned()),
        name_ru: Some(format!("{}{adj_ru} {brand} {model}", kind.noun_ru)),
        name_en: Some(format!(
            "{brand} {model}{adj_en} {}",
            kind.noun_en.to_lowercase()
        )),
        description_ru: Some(describe(kind, &attributes, true, brand, &model)),
        description_en: Some(describe(kind, &attributes, false, brand, &model)),
        images: if without_images {
            Vec::new()
        } else {
            (1..=rng.random_range(1..=3))
                .map(|i| {
                    format!(
                        "https://media.demo.omniretail.dev/{}-{n:06}/{i}.jpg",
                        kind.code
                    )
                })
                .collect()
        },
        attributes,
        ..ImportRow::default()
    };
    let rub = rng.random_range(kind.price_rub.0 / 100..=kind.price_rub.1 / 100) * 100 - 10;
    let prices = BTreeMap::from([
        ("RUB".to_owned(), rub.to_string()),
        ("KZT".to_owned(), ((rub * 55 / 10) / 10 * 10).to_string()),
    ]);
    let mut rows = Vec::new();
    for color in pick_colors(rng, kind.grid) {
        for size in pick_sizes(rng, kind.grid) {
            let number = first_sku + rows.len() as u32;
            rows.push(ImportRow {
                sku: sku_code(number),
                barcode: Some(
                    Barcode::ean13_from_body(460_000_000_000 + u64::from(number))
                        .as_str()
                        .to_owned(),
                ),
                color: Some(color.to_owned()),
                size: size.map(str::to_owned),
                prices: prices.clone(),
                ..template.clone()
            });
        }
    }
    rows
}

fn pick_colors(rng: &mut StdRng, grid: Grid) -> Vec<&'static str> {
    let count = if grid == Grid::Colors {
        rng.random_range(1..=4)
    } else {
        rng.random_range(1..=3)
    };
    let start = rng.random_range(0..COLORS.len());
    (0..count)
        .map(|i| COLORS[(start + i) % COLORS.len()])
        .collect()
}

fn pick_sizes(rng: &mut StdRng, grid: Grid) -> Vec<Option<&'static str>> {
    let sizes = grid.sizes();
    if sizes.is_empty() {
        return vec![None];
    }
    let len = rng.random_range(3..=sizes.len().min(6));
    let start = rng.random_range(0..=sizes.len() - len);
    sizes[start..start + len].iter().map(|s| Some(*s)).collect()
}

/// Values for the kind's attributes as import text.
fn attribute_values(rng: &mut StdRng, attrs: &[Attr]) -> BTreeMap<String, String> {
    attrs
        .iter()
        .map(|a| {
            let value = match a.values {
                Values::Number(lo, hi) => rng.random_range(lo..=hi).to_string(),
                Values::Bool => rng.random_bool(0.5).to_string(),
                Values::Choice(list) => list[rng.random_range(0..list.len())].to_owned(),
            };
            (a.code.to_owned(), value)
        })
        .collect()
}

fn describe(
    kind: &Kind,
    values: &BTreeMap<String, String>,
    russian: bool,
    brand: &str,
    model: &str,
) -> String {
    let facts: Vec<String> = kind
        .attrs
        .iter()
        .filter_map(|a| {
            let value = values.get(a.code)?;
            let value = match (value.as_str(), russian) {
                ("true", true) => "да",
                ("false", true) => "нет",
                (v, _) => v,
            };
            let unit = a.unit.map(|u| format!(" {u}")).unwrap_or_default();
            Some(format!(
                "{}: {value}{unit}",
                if russian { a.ru } else { a.en }
            ))
        })
        .collect();
    if russian {
        format!(
            "{} {brand} {model}. {}. Официальная гарантия производителя.",
            kind.noun_ru,
            facts.join("; ")
        )
    } else {
        format!(
            "{brand} {model} {}. {}. Official manufacturer's warranty.",
            kind.noun_en.to_lowercase(),
            facts.join("; ")
        )
    }
}

/// Turns rows into products through the import's validation and merge, with deterministic
/// ids, published in every channel whose completeness rules they meet.
fn build_products(
    tenant: TenantId,
    categories: &[Category],
    brands: &[Brand],
    rows: &[ImportRow],
    now: Timestamp,
) -> anyhow::Result<Vec<Product>> {
    let tree: BTreeMap<CategoryId, Category> =
        categories.iter().map(|c| (c.id, c.clone())).collect();
    let schemas: HashMap<&str, Schema> = categories
        .iter()
        .filter_map(|c| Schema::of(c.id, &tree).map(|s| (c.code.as_str(), s)))
        .collect();
    let mut ids = DemoIds::new("catalog/products");
    let mut products = Vec::new();
    for group in rows.chunk_by(|a, b| a.article == b.article) {
        let valid = group
            .iter()
            .map(|row| {
                validate_row(
                    row,
                    |code| schemas.get(code).cloned(),
                    |code| brands.iter().find(|b| b.code == code).cloned(),
                )
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| anyhow::anyhow!("demo row refused: {e:?}"))?;
        let Some(mut product) = merge(None, &valid, tenant, now) else {
            continue;
        };
        product.id = ProductId::from_ulid(ids.next_ulid());
        for v in &mut product.variants {
            v.id = VariantId::from_ulid(ids.next_ulid());
        }
        let schema = schemas
            .get(group[0].category.as_str())
            .cloned()
            .unwrap_or_default();
        products.push(publish_where_complete(product, &schema, now));
    }
    Ok(products)
}

/// Moves the product through review to published in each channel it is complete for.
fn publish_where_complete(mut product: Product, schema: &Schema, now: Timestamp) -> Product {
    for channel in completeness::CHANNELS {
        for to in [PublicationStatus::InReview, PublicationStatus::Published] {
            match completeness::transition(product.clone(), schema, channel, to, now) {
                Ok(next) => product = next,
                Err(_) => break,
            }
        }
    }
    product
}

#[cfg(test)]
#[path = "catalog_tests.rs"]
mod tests;
