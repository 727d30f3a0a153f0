//! Bulk import rows (CSV or JSON lines, one row per SKU) and their validation. Every row is
//! checked on its own — barcode check digit, known category and brand, typed and required
//! attributes, prices — and rows of one article are merged into one product. A bad row is
//! reported with every reason and never touches the others.

use std::collections::BTreeMap;

use omni_kernel::{Currency, Money, ProductId, TenantId, Timestamp};
use serde::{Deserialize, Serialize};

use super::product::check_sku;
use super::{
    AttrValue, Barcode, Brand, LocalizedText, MediaKind, MediaLink, Product, Schema, Variant,
    VariantId,
};
use crate::{FieldViolation, Violations};

/// One row of an import file: a variant with its product's fields. In CSV, attributes are
/// `attr.<code>` columns, prices `price.<CURRENCY>` columns (decimal, `12990.00`) and
/// images `|`-separated URLs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportRow {
    pub sku: String,
    pub article: String,
    pub category: String,
    #[serde(default)]
    pub brand: Option<String>,
    #[serde(default)]
    pub barcode: Option<String>,
    #[serde(default)]
    pub name_ru: Option<String>,
    #[serde(default)]
    pub name_en: Option<String>,
    #[serde(default)]
    pub description_ru: Option<String>,
    #[serde(default)]
    pub description_en: Option<String>,
    #[serde(default)]
    pub color: Option<String>,
    #[serde(default)]
    pub size: Option<String>,
    /// Currency code → decimal amount.
    #[serde(default)]
    pub prices: BTreeMap<String, String>,
    #[serde(default)]
    pub images: Vec<String>,
    /// Attribute code → value as text (parsed by the category's schema).
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
}

/// What a valid row says about its product and variant.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidRow {
    pub article: String,
    pub category: super::CategoryId,
    pub brand: Option<super::BrandId>,
    pub name: LocalizedText,
    pub description: LocalizedText,
    pub media: Vec<MediaLink>,
    pub attributes: BTreeMap<String, AttrValue>,
    pub variant: Variant,
}

/// Parses a decimal amount (`12990`, `12990.5`, `12990,50`) into exact minor units.
pub fn parse_amount(raw: &str, currency: Currency) -> Option<Money> {
    let raw = raw.trim().replace(',', ".");
    let (whole, frac) = raw.split_once('.').unwrap_or((&raw, ""));
    let exp = usize::from(currency.exponent());
    if whole.is_empty()
        || frac.len() > exp
        || !whole
            .bytes()
            .chain(frac.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let digits = format!("{whole}{frac:0<exp$}");
    digits
        .parse::<i64>()
        .ok()
        .filter(|m| *m > 0)
        .map(|m| Money::from_minor(m, currency))
}

fn text(ru: &Option<String>, en: &Option<String>) -> LocalizedText {
    let clean = |t: &Option<String>| {
        t.as_ref()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    LocalizedText {
        ru: clean(ru),
        en: clean(en),
    }
}

/// Validates one row. `category` resolves a category code to its schema, `brand` a brand code.
pub fn validate_row(
    row: &ImportRow,
    category: impl Fn(&str) -> Option<Schema>,
    brand: impl Fn(&str) -> Option<Brand>,
) -> Result<ValidRow, Vec<FieldViolation>> {
    let mut v = Violations::new();
    check_sku("sku", &row.sku, &mut v);
    super::category::check_code("article", &row.article.to_lowercase(), 64, &mut v);
    let barcode = match row
        .barcode
        .as_deref()
        .map(str::trim)
        .filter(|b| !b.is_empty())
    {
        None => None,
        Some(raw) => Barcode::parse(raw)
            .map_err(|e| v.push("barcode", "invalid_barcode", e.to_string()))
            .ok(),
    };
    let schema = category(&row.category);
    if schema.is_none() {
        v.push(
            "category",
            "unknown_category",
            format!("no category with code `{}`", row.category),
        );
    }
    let brand_id = match row.brand.as_deref().filter(|b| !b.is_empty()) {
        None => None,
        Some(code) => brand(code).map(|b| b.id).or_else(|| {
            v.push(
                "brand",
                "unknown_brand",
                format!("no brand with code `{code}`"),
            );
            None
        }),
    };
    let name = text(&row.name_ru, &row.name_en);
    name.check("name", true, 300, &mut v);
    let mut list_prices = Vec::new();
    for (code, amount) in &row.prices {
        match Currency::parse(code)
            .ok()
            .and_then(|c| parse_amount(amount, c))
        {
            Some(m) => list_prices.push(m),
            None => v.push(
                format!("prices.{code}"),
                "invalid",
                format!("`{amount}` is not a positive {code} amount"),
            ),
        }
    }
    let mut attributes = BTreeMap::new();
    if let Some(schema) = &schema {
        for (code, raw) in row.attributes.iter().filter(|(_, r)| !r.trim().is_empty()) {
            match schema.attributes.get(code) {
                None => v.push(
                    format!("attributes.{code}"),
                    "unknown_attribute",
                    "the category has no such attribute",
                ),
                Some(def) => match Schema::parse_value(def, raw) {
                    Ok(value) => {
                        attributes.insert(code.clone(), value);
                    }
                    Err(why) => v.push(format!("attributes.{code}"), "invalid", why),
                },
            }
        }
        for code in schema.missing_required(&attributes) {
            v.push(
                format!("attributes.{code}"),
                "missing_required_attribute",
                "the category requires it",
            );
        }
    }
    let media: Vec<MediaLink> = row
        .images
        .iter()
        .map(|url| MediaLink {
            url: url.trim().to_owned(),
            kind: MediaKind::Image,
        })
        .collect();
    for (i, m) in media.iter().enumerate() {
        if !m.url.starts_with("https://") && !m.url.starts_with("http://") {
            v.push(format!("images[{i}]"), "invalid", "an http(s) URL");
        }
    }
    let clean = |t: &Option<String>| {
        t.as_ref()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    let result = v.finish(());
    match (result, schema) {
        (Ok(()), Some(schema)) => Ok(ValidRow {
            article: row.article.trim().to_owned(),
            category: schema.path.last().map(|c| c.id).unwrap_or_default(),
            brand: brand_id,
            name,
            description: text(&row.description_ru, &row.description_en),
            media,
            attributes,
            variant: Variant {
                id: VariantId::new(),
                sku: row.sku.trim().to_owned(),
                barcode,
                color: clean(&row.color),
                size: clean(&row.size),
                list_prices,
            },
        }),
        (Err(v), _) => Err(v.items().to_vec()),
        (Ok(()), None) => Err(Vec::new()),
    }
}

/// Whether two rows of one article agree on the product-level fields.
pub fn same_product_fields(a: &ValidRow, b: &ValidRow) -> bool {
    a.category == b.category
        && a.brand == b.brand
        && a.name == b.name
        && a.description == b.description
        && a.media == b.media
        && a.attributes == b.attributes
}

/// Merges the rows of one article into the stored product (or a new one). Variants are
/// upserted by SKU, keeping the ids and the order of those already present; publication is
/// kept. Returns `None` when nothing changed, so re-importing a file is a no-op.
pub fn merge(
    existing: Option<&Product>,
    rows: &[ValidRow],
    tenant: TenantId,
    now: Timestamp,
) -> Option<Product> {
    let first = rows.first()?;
    let mut next = match existing {
        Some(p) => p.clone(),
        None => Product {
            id: ProductId::new(),
            tenant_id: tenant,
            article: first.article.clone(),
            category_id: first.category,
            brand_id: None,
            name: LocalizedText::default(),
            description: LocalizedText::default(),
            media: Vec::new(),
            attributes: BTreeMap::new(),
            variants: Vec::new(),
            publication: BTreeMap::new(),
            version: 0,
            created_at: now,
            updated_at: now,
        },
    };
    next.category_id = first.category;
    next.brand_id = first.brand;
    next.name = first.name.clone();
    next.description = first.description.clone();
    next.media = first.media.clone();
    next.attributes = first.attributes.clone();
    for row in rows {
        match next.variants.iter_mut().find(|v| v.sku == row.variant.sku) {
            Some(v) => {
                *v = Variant {
                    id: v.id,
                    ..row.variant.clone()
                }
            }
            None => next.variants.push(row.variant.clone()),
        }
    }
    if existing.is_some_and(|p| p.same_content(&next)) {
        return None;
    }
    next.version += 1;
    next.updated_at = now;
    Some(next)
}
