//! A customer's wishlist: the SKUs they want, in the order they added them. It feeds the
//! "wishlist item in stock at a store near you" trigger when the app reports the customer
//! near a store. The list is replaced as a whole, so clients never merge partial edits.

use serde::{Deserialize, Serialize};

use crate::Violations;

/// The most SKUs a wishlist holds (a near-store check reads them all at once).
pub const MAX_WISHLIST_ITEMS: usize = 100;

/// What a client sends to replace a wishlist.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WishlistDraft {
    /// SKU codes, most wanted first; repeats are kept once.
    pub skus: Vec<String>,
}

impl WishlistDraft {
    /// The SKUs to store, trimmed and without repeats. Blank or over-long codes are reported
    /// as `skus[i]`, a list over [`MAX_WISHLIST_ITEMS`] as `skus`; whether each SKU exists in
    /// the catalog is the adapter's question ([`unknown_skus`]).
    pub fn skus(&self, v: &mut Violations) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (i, raw) in self.skus.iter().enumerate() {
            let sku = raw.trim();
            if sku.is_empty() || sku.chars().count() > 64 {
                v.push(
                    format!("skus[{i}]"),
                    "invalid",
                    "a SKU code is 1–64 characters",
                );
            } else if !out.iter().any(|s| s == sku) {
                out.push(sku.to_owned());
            }
        }
        if out.len() > MAX_WISHLIST_ITEMS {
            v.push(
                "skus",
                "too_long",
                format!("at most {MAX_WISHLIST_ITEMS} items"),
            );
        }
        out
    }
}

/// Reports every SKU of the draft the catalog does not know, by its index in the request.
pub fn unknown_skus(draft: &WishlistDraft, known: impl Fn(&str) -> bool, v: &mut Violations) {
    for (i, raw) in draft.skus.iter().enumerate() {
        let sku = raw.trim();
        if !sku.is_empty() && !known(sku) {
            v.push(
                format!("skus[{i}]"),
                "not_found",
                "no such SKU in the catalog",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(skus: &[&str]) -> WishlistDraft {
        WishlistDraft {
            skus: skus.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn repeats_are_kept_once_and_bad_codes_are_named_by_index() {
        let mut v = Violations::new();
        let skus = draft(&["A-1", " A-1 ", "", "B-2"]).skus(&mut v);
        assert_eq!(skus, vec!["A-1", "B-2"]);
        assert_eq!(v.items().len(), 1);
        assert_eq!(v.items()[0].field, "skus[2]");
    }

    #[test]
    fn a_list_over_the_cap_is_refused() {
        let many: Vec<String> = (0..=MAX_WISHLIST_ITEMS).map(|i| format!("S-{i}")).collect();
        let mut v = Violations::new();
        WishlistDraft { skus: many }.skus(&mut v);
        assert_eq!(v.items()[0].field, "skus");
    }

    #[test]
    fn unknown_skus_are_reported_with_their_index() {
        let mut v = Violations::new();
        unknown_skus(&draft(&["A-1", "NOPE"]), |s| s == "A-1", &mut v);
        assert_eq!(v.items()[0].field, "skus[1]");
        assert_eq!(v.items()[0].code, "not_found");
    }
}
