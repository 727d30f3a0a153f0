//! The catalog: product information management and what search needs to know about it.
//!
//! Products belong to a category whose typed attribute schema (inherited down the tree) says
//! what must be filled in; variants carry the stable SKU, barcode, colour, size and list
//! prices. Enrichment is measured per channel ([`completeness`]) and a product is published
//! per channel through draft → in review → published. Bulk import validates every row here,
//! so a bad row is reported with its reasons and never reaches storage.

mod barcode;
mod category;
pub mod completeness;
pub mod import;
mod product;
mod synonyms;
mod text;

pub use barcode::{Barcode, BarcodeError, BarcodeKind};
pub use category::{
    AttrValue, AttributeDef, AttributeKind, Brand, BrandDraft, Category, CategoryDraft, Schema,
};
pub use completeness::{ChannelCompleteness, Missing, PublicationStatus, TransitionError};
pub use product::{
    MediaKind, MediaLink, Product, ProductDraft, ProductPatch, Variant, VariantDraft,
};
pub use synonyms::Synonyms;
pub use text::LocalizedText;

omni_kernel::define_id!(
    /// A sellable variant of a product (one SKU: a colour and size of a model).
    VariantId, "var"
);
omni_kernel::define_id!(
    /// A node of the category tree.
    CategoryId, "cat"
);
omni_kernel::define_id!(
    /// A brand (manufacturer or private label).
    BrandId, "brd"
);

#[cfg(test)]
mod tests;
