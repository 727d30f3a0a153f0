//! Products (models) and their variants (SKUs), and the rules for creating and changing one.

use std::collections::{BTreeMap, BTreeSet};

use omni_kernel::{Channel, Money, ProductId, TenantId, Timestamp};
use serde::{Deserialize, Serialize};

use super::category::check_code;
use super::{
    AttrValue, Barcode, BrandId, CategoryId, LocalizedText, PublicationStatus, Schema, VariantId,
};
use crate::Violations;

/// What a media link shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum MediaKind {
    Image,
    Video,
    Document,
}

/// A link to a picture, video or manual held by a media store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MediaLink {
    pub url: String,
    pub kind: MediaKind,
}

/// One sellable variant: a stable SKU with its barcode, colour, size and list prices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Variant {
    pub id: VariantId,
    /// The chain's stock-keeping unit, unique within the tenant and never reused.
    pub sku: String,
    pub barcode: Option<Barcode>,
    pub color: Option<String>,
    pub size: Option<String>,
    /// At most one list price per currency; price lists (offers) override them later.
    pub list_prices: Vec<Money>,
}

/// A variant as a client sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VariantDraft {
    pub sku: String,
    #[serde(default)]
    pub barcode: Option<Barcode>,
    #[serde(default)]
    pub color: Option<String>,
    #[serde(default)]
    pub size: Option<String>,
    #[serde(default)]
    pub list_prices: Vec<Money>,
}

/// A product: the model shoppers find, with its variants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Product {
    pub id: ProductId,
    pub tenant_id: TenantId,
    /// The model's article (vendor code), unique within the tenant.
    pub article: String,
    pub category_id: CategoryId,
    pub brand_id: Option<BrandId>,
    pub name: LocalizedText,
    pub description: LocalizedText,
    pub media: Vec<MediaLink>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub attributes: BTreeMap<String, AttrValue>,
    pub variants: Vec<Variant>,
    /// Status per channel; a channel not listed is a draft there.
    pub publication: BTreeMap<Channel, PublicationStatus>,
    /// Optimistic-concurrency version, the ETag.
    pub version: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
}

/// What a client sends to create a product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductDraft {
    pub article: String,
    pub category_id: CategoryId,
    #[serde(default)]
    pub brand_id: Option<BrandId>,
    pub name: LocalizedText,
    #[serde(default)]
    pub description: LocalizedText,
    #[serde(default)]
    pub media: Vec<MediaLink>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub attributes: BTreeMap<String, AttrValue>,
    pub variants: Vec<VariantDraft>,
}

/// A partial update: only the fields present change; `variants` replaces the list (SKUs kept
/// keep their variant ids).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductPatch {
    pub name: Option<LocalizedText>,
    pub description: Option<LocalizedText>,
    pub media: Option<Vec<MediaLink>>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub attributes: Option<BTreeMap<String, AttrValue>>,
    pub variants: Option<Vec<VariantDraft>>,
}

/// Checks a SKU: 1–64 visible ASCII characters without spaces.
pub(crate) fn check_sku(field: &str, sku: &str, v: &mut Violations) {
    if sku.is_empty() || sku.len() > 64 || !sku.bytes().all(|b| b.is_ascii_graphic()) {
        v.push(field, "invalid", "a SKU is 1–64 visible ASCII characters");
    }
}

fn check_variants(variants: &[VariantDraft], v: &mut Violations) {
    if variants.is_empty() {
        v.push("variants", "required", "a product has at least one variant");
    }
    let mut skus = BTreeSet::new();
    for (i, d) in variants.iter().enumerate() {
        check_sku(&format!("variants[{i}].sku"), &d.sku, v);
        if !skus.insert(d.sku.as_str()) {
            v.push(format!("variants[{i}].sku"), "duplicate", "SKUs are unique");
        }
        let mut currencies = BTreeSet::new();
        for (j, m) in d.list_prices.iter().enumerate() {
            if m.minor() <= 0 || !currencies.insert(m.currency()) {
                v.push(
                    format!("variants[{i}].list_prices[{j}]"),
                    "invalid",
                    "one positive price per currency",
                );
            }
        }
    }
}

fn check_media(media: &[MediaLink], v: &mut Violations) {
    for (i, m) in media.iter().enumerate() {
        let ok =
            (m.url.starts_with("https://") || m.url.starts_with("http://")) && m.url.len() <= 2_000;
        if !ok {
            v.push(
                format!("media[{i}].url"),
                "invalid",
                "an http(s) URL of at most 2000 characters",
            );
        }
    }
}

/// Builds variants from drafts, keeping the ids of SKUs already present.
fn variants_from(drafts: Vec<VariantDraft>, existing: &[Variant]) -> Vec<Variant> {
    drafts
        .into_iter()
        .map(|d| Variant {
            id: existing
                .iter()
                .find(|e| e.sku == d.sku)
                .map(|e| e.id)
                .unwrap_or_default(),
            sku: d.sku,
            barcode: d.barcode,
            color: d.color,
            size: d.size,
            list_prices: d.list_prices,
        })
        .collect()
}

impl ProductDraft {
    /// Validates the draft against its category's schema (`None`: the category is unknown).
    pub fn into_product(
        self,
        tenant: TenantId,
        id: ProductId,
        schema: Option<&Schema>,
        now: Timestamp,
    ) -> Result<Product, Violations> {
        let mut v = Violations::new();
        check_code("article", &self.article.to_lowercase(), 64, &mut v);
        self.name.check("name", true, 300, &mut v);
        self.description.check("description", false, 10_000, &mut v);
        match schema {
            Some(s) => s.check_values("attributes", &self.attributes, &mut v),
            None => v.push("category_id", "not_found", "no such category"),
        }
        check_variants(&self.variants, &mut v);
        check_media(&self.media, &mut v);
        v.finish(Product {
            id,
            tenant_id: tenant,
            article: self.article,
            category_id: self.category_id,
            brand_id: self.brand_id,
            name: self.name,
            description: self.description,
            media: self.media,
            attributes: self.attributes,
            variants: variants_from(self.variants, &[]),
            publication: BTreeMap::new(),
            version: 1,
            created_at: now,
            updated_at: now,
        })
    }
}

impl Product {
    /// Applies a patch, validating the changed fields, and bumps the version.
    pub fn apply(
        mut self,
        patch: ProductPatch,
        schema: &Schema,
        now: Timestamp,
    ) -> Result<Product, Violations> {
        let mut v = Violations::new();
        if let Some(name) = patch.name {
            name.check("name", true, 300, &mut v);
            self.name = name;
        }
        if let Some(d) = patch.description {
            d.check("description", false, 10_000, &mut v);
            self.description = d;
        }
        if let Some(media) = patch.media {
            check_media(&media, &mut v);
            self.media = media;
        }
        if let Some(attributes) = patch.attributes {
            schema.check_values("attributes", &attributes, &mut v);
            self.attributes = attributes;
        }
        if let Some(variants) = patch.variants {
            check_variants(&variants, &mut v);
            self.variants = variants_from(variants, &self.variants);
        }
        self.version += 1;
        self.updated_at = now;
        v.finish(self)
    }

    /// Whether shoppers of `channel` may see and buy it.
    pub fn is_published(&self, channel: Channel) -> bool {
        self.publication.get(&channel) == Some(&PublicationStatus::Published)
    }

    /// The channels the product is published in.
    pub fn published_channels(&self) -> impl Iterator<Item = Channel> + '_ {
        self.publication
            .iter()
            .filter(|(_, s)| **s == PublicationStatus::Published)
            .map(|(c, _)| *c)
    }

    /// Whether `other` has the same content (ignoring version and times): re-imports of
    /// unchanged rows are then no-ops.
    pub fn same_content(&self, other: &Product) -> bool {
        let strip = |p: &Product| Product {
            version: 0,
            created_at: Timestamp::default(),
            updated_at: Timestamp::default(),
            ..p.clone()
        };
        strip(self) == strip(other)
    }
}
