//! Enrichment: what each channel needs before a product may be published there, what a
//! product still lacks, and the per-channel publication workflow
//! draft → in review → published (and back to draft to withdraw or reject).

use omni_kernel::{Channel, Timestamp};
use serde::{Deserialize, Serialize};

use super::{Product, Schema};

/// Where a product stands in one channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum PublicationStatus {
    Draft,
    InReview,
    Published,
}

/// Why a publication step was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("a product goes {from:?} → {to:?} only through review")]
    NotAllowed {
        from: PublicationStatus,
        to: PublicationStatus,
    },
    #[error("the product is incomplete for this channel")]
    Incomplete(Vec<Missing>),
}

/// One thing a channel needs that the product lacks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Missing {
    /// `image`, `description`, `attribute`, `barcode`, `price`, `variant`, `name`.
    pub requirement: &'static str,
    /// The attribute code or SKU concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// A product's completeness in one channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelCompleteness {
    pub channel: Channel,
    pub status: PublicationStatus,
    /// Share of the channel's checks passed, 0–100.
    pub percent: u8,
    pub missing: Vec<Missing>,
}

/// The channels whose rules the catalog knows (shopper- and staff-facing sales channels).
pub const CHANNELS: [Channel; 5] = [
    Channel::Web,
    Channel::MobileApp,
    Channel::Pos,
    Channel::AssociateApp,
    Channel::Kiosk,
];

fn online(channel: Channel) -> bool {
    matches!(channel, Channel::Web | Channel::MobileApp | Channel::Kiosk)
}

fn missing(requirement: &'static str, detail: Option<String>) -> Missing {
    Missing {
        requirement,
        detail,
    }
}

/// What `product` lacks for `channel`, and how many checks were made. Online channels need a
/// name, a description, an image and every required attribute; stores need barcodes to scan;
/// every channel needs at least one variant and a list price on each.
pub fn check(product: &Product, schema: &Schema, channel: Channel) -> (Vec<Missing>, usize) {
    let mut out = Vec::new();
    let mut checks = 2 + product.variants.len();
    if product.name.is_blank() {
        out.push(missing("name", None));
    }
    if product.variants.is_empty() {
        out.push(missing("variant", None));
    }
    for v in &product.variants {
        if v.list_prices.is_empty() {
            out.push(missing("price", Some(v.sku.clone())));
        }
    }
    if online(channel) {
        checks += 2;
        if product.description.is_blank() {
            out.push(missing("description", None));
        }
        if !product
            .media
            .iter()
            .any(|m| m.kind == super::MediaKind::Image)
        {
            out.push(missing("image", None));
        }
        for code in schema.missing_required(&product.attributes) {
            out.push(missing("attribute", Some(code.to_owned())));
        }
        checks += schema.attributes.values().filter(|a| a.required).count();
    } else {
        checks += product.variants.len();
        for v in product.variants.iter().filter(|v| v.barcode.is_none()) {
            out.push(missing("barcode", Some(v.sku.clone())));
        }
    }
    (out, checks)
}

/// Completeness of `product` in every known channel.
pub fn report(product: &Product, schema: &Schema) -> Vec<ChannelCompleteness> {
    CHANNELS
        .iter()
        .map(|&channel| {
            let (missing, checks) = check(product, schema, channel);
            let passed = checks.saturating_sub(missing.len());
            ChannelCompleteness {
                channel,
                status: status(product, channel),
                percent: (passed * 100 / checks.max(1)).min(100) as u8,
                missing,
            }
        })
        .collect()
}

/// The product's status in a channel (draft when never moved).
pub fn status(product: &Product, channel: Channel) -> PublicationStatus {
    product
        .publication
        .get(&channel)
        .copied()
        .unwrap_or(PublicationStatus::Draft)
}

/// Moves the product to `to` in `channel`. Review and publication need a complete product;
/// any status may return to draft (reject or withdraw). Bumps the version.
pub fn transition(
    mut product: Product,
    schema: &Schema,
    channel: Channel,
    to: PublicationStatus,
    now: Timestamp,
) -> Result<Product, TransitionError> {
    use PublicationStatus::*;
    let from = status(&product, channel);
    let allowed = matches!(
        (from, to),
        (Draft, InReview) | (InReview, Published) | (InReview | Published, Draft)
    );
    if !allowed {
        return Err(TransitionError::NotAllowed { from, to });
    }
    if to != Draft {
        let (missing, _) = check(&product, schema, channel);
        if !missing.is_empty() {
            return Err(TransitionError::Incomplete(missing));
        }
    }
    product.publication.insert(channel, to);
    product.version += 1;
    product.updated_at = now;
    Ok(product)
}
