//! What pricing reads besides the rules: a SKU's categories, brand and list price from the
//! catalog, and a customer's tier, segments, first-order flag, points and per-promotion uses.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use omni_domain::catalog::{BrandId, CategoryId, Product};
use omni_domain::customers::Tier;
use omni_domain::offers::{CustomerFacts, SkuFacts};
use omni_kernel::{Currency, CustomerId, Money, TenantId, Timestamp};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::batch::Value;
use crate::inline_reads::Cols;
use crate::{Store, StoreError};

/// The part of a product document pricing needs. It is read from the product's `pricing`
/// column, an excerpt written with the document (see [`pricing_excerpt`]), or — for a row
/// written before that column existed — from the document itself, the rest skipped unparsed.
/// Why the excerpt: every quote and checkout reads it, and the whole document (names,
/// descriptions, media, attributes in two languages) was most of what a quote read and parsed.
#[derive(Serialize, Deserialize)]
struct ProductPricing<'a> {
    category_id: CategoryId,
    brand_id: Option<BrandId>,
    variants: Vec<VariantPricing<'a>>,
}

#[derive(Serialize, Deserialize)]
struct VariantPricing<'a> {
    sku: Cow<'a, str>,
    #[serde(default)]
    list_prices: Cow<'a, [Money]>,
}

/// The pricing excerpt of `product`, stored beside its document.
pub(crate) fn pricing_excerpt(product: &Product) -> Result<String, StoreError> {
    let excerpt = ProductPricing {
        category_id: product.category_id,
        brand_id: product.brand_id,
        variants: product
            .variants
            .iter()
            .map(|v| VariantPricing {
                sku: Cow::Borrowed(&v.sku),
                list_prices: Cow::Borrowed(&v.list_prices),
            })
            .collect(),
    };
    serde_json::to_string(&excerpt).map_err(StoreError::corrupt)
}

/// What a pricing read selects as `doc`: the excerpt, or the document of an older row.
const PRICING_DOC: &str = "coalesce(p.pricing, p.doc) AS doc";

/// A category and its ancestors, nearest first (a promotion on "Sport" covers "Running shoes").
pub fn sku_fact_categories(
    parents: &HashMap<CategoryId, Option<CategoryId>>,
    leaf: CategoryId,
) -> Vec<CategoryId> {
    let mut out = vec![leaf];
    let mut at = leaf;
    while let Some(Some(parent)) = parents.get(&at) {
        if out.contains(parent) || out.len() > 32 {
            break;
        }
        out.push(*parent);
        at = *parent;
    }
    out
}

/// The pricing facts of each variant of the product document in `row`.
fn product_facts(
    row: &dyn Cols,
    currency: Currency,
    parents: &HashMap<CategoryId, Option<CategoryId>>,
) -> Result<impl Iterator<Item = (String, SkuFacts)>, StoreError> {
    let doc = row.text("doc")?;
    let p: ProductPricing = serde_json::from_str(&doc).map_err(StoreError::corrupt)?;
    let categories = sku_fact_categories(parents, p.category_id);
    let brand = p.brand_id;
    Ok(p.variants.into_iter().map(move |v| {
        let list_price = v
            .list_prices
            .iter()
            .find(|m| m.currency() == currency)
            .map(Money::minor);
        let facts = SkuFacts {
            categories: categories.clone(),
            brand,
            list_price,
        };
        (v.sku.into_owned(), facts)
    }))
}

impl Store {
    /// Each category's parent, for the ancestors a SKU's promotions match.
    pub async fn category_parents(
        &self,
        tenant: TenantId,
    ) -> Result<HashMap<CategoryId, Option<CategoryId>>, StoreError> {
        let rows = sqlx::query("SELECT id, parent_id FROM catalog_categories WHERE tenant_id = $1")
            .bind(tenant.to_string())
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                let id: String = r.try_get("id")?;
                let parent: Option<String> = r.try_get("parent_id")?;
                Ok((
                    id.parse().map_err(StoreError::corrupt)?,
                    parent
                        .map(|p| p.parse())
                        .transpose()
                        .map_err(StoreError::corrupt)?,
                ))
            })
            .collect()
    }

    /// Pricing facts of the given SKUs (unknown SKUs are absent).
    pub async fn sku_facts(
        &self,
        tenant: TenantId,
        skus: &[String],
        currency: Currency,
        parents: &HashMap<CategoryId, Option<CategoryId>>,
    ) -> Result<HashMap<String, SkuFacts>, StoreError> {
        let mut out = HashMap::with_capacity(skus.len());
        // one statement for a usual cart (sqlx binds by name, so huge IN lists cost O(P²))
        for chunk in skus.chunks(32) {
            let marks = crate::list_placeholders(2, chunk.len());
            let sql = format!(
                "SELECT {PRICING_DOC} FROM catalog_products p WHERE p.tenant_id = $1 AND p.id IN \
                 (SELECT product_id FROM catalog_variants WHERE tenant_id = $1 AND sku IN ({}))",
                marks
            );
            let mut args = Vec::with_capacity(chunk.len() + 1);
            args.push(Value::from(tenant.to_string()));
            args.extend(chunk.iter().map(|s| Value::from(s.as_str())));
            self.hot_rows(&sql, args, |row| {
                let facts = product_facts(row, currency, parents)?;
                out.extend(facts.filter(|(sku, _)| chunk.contains(sku)));
                Ok(())
            })
            .await?;
        }
        Ok(out)
    }

    /// Pricing facts of every SKU of the tenant (for an offline snapshot).
    pub async fn all_sku_facts(
        &self,
        tenant: TenantId,
        currency: Currency,
        parents: &HashMap<CategoryId, Option<CategoryId>>,
    ) -> Result<BTreeMap<String, SkuFacts>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PRICING_DOC} FROM catalog_products p WHERE p.tenant_id = $1"
        )))
        .bind(tenant.to_string())
        .fetch_all(self.pool())
        .await?;
        let mut out = BTreeMap::new();
        for row in rows {
            out.extend(product_facts(&row as &dyn Cols, currency, parents)?);
        }
        Ok(out)
    }

    /// Follows merges to the surviving profile: its id and status (`None`: no such customer).
    /// Reads two columns, not the profile document, because every member's quote does it.
    pub async fn surviving_customer(
        &self,
        tenant: TenantId,
        mut id: CustomerId,
    ) -> Result<Option<(CustomerId, String)>, StoreError> {
        for _ in 0..16 {
            let Some((status, merged)) = self
                .hot_row(
                    "SELECT status, merged_into FROM customers WHERE tenant_id = $1 AND id = $2",
                    vec![Value::from(tenant.to_string()), Value::from(id.to_string())],
                    |r| Ok((r.text("status")?, r.maybe_text("merged_into")?)),
                )
                .await?
            else {
                return Ok(None);
            };
            match merged {
                Some(next) => id = next.parse().map_err(StoreError::corrupt)?,
                None => return Ok(Some((id, status))),
            }
        }
        Err(StoreError::corrupt(format!("merge chain of {id} too long")))
    }

    /// What pricing knows about a customer now; `None` if the customer does not exist.
    pub async fn customer_offer_facts(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        now: Timestamp,
    ) -> Result<Option<CustomerFacts>, StoreError> {
        let (t, c) = (tenant.to_string(), customer.to_string());
        let keys = || vec![Value::from(t.as_str()), Value::from(c.as_str())];
        // one statement for the profile's tier, the first-order flag and the wallet
        let Some((tier, sales, lots)) = self
            .hot_row(
                "SELECT c.tier, \
                 (SELECT COUNT(*) FROM offer_sales s WHERE s.tenant_id = c.tenant_id AND s.customer_id = c.id \
                  AND s.status = 'committed') AS sales, \
                 (SELECT w.lots FROM loyalty_wallets w WHERE w.tenant_id = c.tenant_id AND w.customer_id = c.id) AS lots \
                 FROM customers c WHERE c.tenant_id = $1 AND c.id = $2",
                keys(),
                |r| Ok((r.text("tier")?, r.int("sales")?, r.maybe_text("lots")?)),
            )
            .await?
        else {
            return Ok(None);
        };
        let segments = self
            .hot_rows(
                "SELECT segment_id FROM segment_members WHERE tenant_id = $1 AND customer_id = $2",
                keys(),
                |r| r.text("segment_id"),
            )
            .await?;
        let uses = self
            .hot_rows(
                "SELECT promotion_id, uses FROM offer_promotion_customer_uses \
                 WHERE tenant_id = $1 AND customer_id = $2",
                keys(),
                |r| {
                    let id = r
                        .text("promotion_id")?
                        .parse()
                        .map_err(StoreError::corrupt)?;
                    Ok((id, r.int("uses")?.clamp(0, i64::from(u32::MAX)) as u32))
                },
            )
            .await?;
        let promotion_uses: BTreeMap<_, _> = uses.into_iter().collect();
        let points_available = match lots {
            Some(lots) => {
                let mut w: omni_domain::offers::points::Wallet =
                    serde_json::from_str(&lots).map_err(StoreError::corrupt)?;
                w.settle(now);
                w.balance().available
            }
            None => 0,
        };
        Ok(Some(CustomerFacts {
            tier: Tier::parse(&tier).unwrap_or_default(),
            segments,
            first_order: sales == 0,
            points_available,
            promotion_uses,
        }))
    }
}
