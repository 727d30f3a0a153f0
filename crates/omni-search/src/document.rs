//! From a product (with its category path and brand) to one index document: stemmed texts,
//! exact codes, published channels, facet paths, minimum price per currency and a stored
//! card so a search answers without touching the database.

use std::collections::BTreeMap;

use omni_domain::catalog::{AttributeKind, Product, Schema};
use omni_store::catalog::CatalogRefs;
use serde::{Deserialize, Serialize};
use tantivy::TantivyDocument;
use tantivy::schema::Facet;

use crate::{SearchError, SearchIndex};

/// The card a hit shows, stored in the index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexedProduct {
    pub id: String,
    pub article: String,
    /// The name in the catalog's first language (Russian when given).
    pub name: String,
    /// The English name when the product has one: a page shown in English uses it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    pub brand: Option<String>,
    /// Category codes from the root.
    pub category: Vec<String>,
    /// Lowest list price per currency, in minor units.
    pub min_price: BTreeMap<String, i64>,
    pub image: Option<String>,
    pub skus: Vec<String>,
    /// Published channels (staff also see drafts).
    pub published: Vec<String>,
}

impl SearchIndex {
    fn document(
        &self,
        p: &Product,
        refs: &CatalogRefs,
    ) -> Result<(TantivyDocument, Vec<String>), SearchError> {
        let f = self.inner.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.tenant, p.tenant_id.to_string());
        doc.add_text(f.id, p.id.to_string());
        let schema = Schema::of(p.category_id, &refs.categories).unwrap_or_default();
        let brand = p.brand_id.and_then(|b| refs.brands.get(&b));
        let mut texts: Vec<String> = p
            .name
            .texts()
            .chain(p.description.texts())
            .map(str::to_owned)
            .collect();
        texts.extend(
            schema
                .path
                .iter()
                .flat_map(|c| c.name.texts().map(str::to_owned)),
        );
        // The brand's code too: shoppers type `delonghi` for «De'Longhi».
        texts.extend(brand.iter().flat_map(|b| [b.name.clone(), b.code.clone()]));
        texts.extend(p.variants.iter().flat_map(|v| v.color.clone()));
        texts.extend(p.attributes.values().map(|v| v.as_text()));
        for t in &texts {
            doc.add_text(f.ru, t);
            doc.add_text(f.en, t);
        }
        doc.add_text(f.codes, p.article.to_lowercase());
        for v in &p.variants {
            doc.add_text(f.codes, v.sku.to_lowercase());
            if let Some(b) = &v.barcode {
                doc.add_text(f.codes, b.as_str());
            }
        }
        for c in p.published_channels() {
            doc.add_text(f.channels, c.as_str());
        }
        let path: Vec<String> = schema.path.iter().map(|c| c.code.clone()).collect();
        for code in &path {
            doc.add_facet(f.facets, Facet::from_path(["cat", code.as_str()]));
        }
        if let Some(b) = brand {
            doc.add_facet(f.facets, Facet::from_path(["brand", b.code.as_str()]));
        }
        let mut facet_codes = Vec::new();
        for (code, value) in &p.attributes {
            let Some(def) = schema.attributes.get(code).filter(|a| a.facet) else {
                continue;
            };
            doc.add_facet(
                f.facets,
                Facet::from_path(["attr", code.as_str(), value.as_text().as_str()]),
            );
            // A number (suction in Pa) can take thousands of values: it still filters by
            // exact value, but counting every value would cost a search tens of
            // milliseconds and show shoppers a useless list, so only other kinds are counted.
            if def.kind != AttributeKind::Number {
                facet_codes.push(code.clone());
            }
        }
        for (code, values) in [
            (
                "size",
                p.variants
                    .iter()
                    .filter_map(|v| v.size.clone())
                    .collect::<Vec<_>>(),
            ),
            (
                "color",
                p.variants.iter().filter_map(|v| v.color.clone()).collect(),
            ),
        ] {
            let unique: std::collections::BTreeSet<_> = values.into_iter().collect();
            for v in &unique {
                doc.add_facet(f.facets, Facet::from_path(["attr", code, v.as_str()]));
            }
            if !unique.is_empty() {
                facet_codes.push(code.to_owned());
            }
        }
        let mut min_price: BTreeMap<String, i64> = BTreeMap::new();
        for m in p.variants.iter().flat_map(|v| &v.list_prices) {
            let e = min_price
                .entry(m.currency().code().to_owned())
                .or_insert(i64::MAX);
            *e = (*e).min(m.minor());
        }
        for (cur, amount) in &min_price {
            if let Ok(field) = self
                .inner
                .schema
                .get_field(&format!("price_{}", cur.to_lowercase()))
            {
                doc.add_i64(field, *amount);
            }
        }
        doc.add_i64(f.created, p.created_at.timestamp_millis());
        let card = IndexedProduct {
            id: p.id.to_string(),
            article: p.article.clone(),
            name: p.name.best().to_owned(),
            name_en: p.name.en.clone().filter(|n| !n.trim().is_empty()),
            brand: brand.map(|b| b.name.clone()),
            category: path,
            min_price,
            image: p
                .media
                .iter()
                .find(|m| m.kind == omni_domain::catalog::MediaKind::Image)
                .map(|m| m.url.clone()),
            skus: p.variants.iter().map(|v| v.sku.clone()).collect(),
            published: p
                .published_channels()
                .map(|c| c.as_str().to_owned())
                .collect(),
        };
        doc.add_text(f.card, serde_json::to_string(&card).unwrap_or_default());
        Ok((doc, facet_codes))
    }

    /// Adds or replaces products (one tenant's, with its refs) without committing.
    pub fn stage(&self, products: &[Product], refs: &CatalogRefs) -> Result<(), SearchError> {
        let writer = self
            .inner
            .writer
            .lock()
            .map_err(|_| SearchError::Poisoned)?;
        let mut codes = std::collections::BTreeSet::new();
        for p in products {
            writer.delete_term(tantivy::Term::from_field_text(
                self.inner.fields.id,
                &p.id.to_string(),
            ));
            let (doc, facet_codes) = self.document(p, refs)?;
            writer.add_document(doc)?;
            codes.extend(facet_codes);
        }
        if let (Some(p), Ok(mut map)) = (products.first(), self.inner.facet_attributes.write()) {
            map.entry(p.tenant_id).or_default().extend(codes);
        }
        Ok(())
    }

    /// Commits staged changes and makes them visible to searches.
    pub fn commit(&self) -> Result<(), SearchError> {
        self.inner
            .writer
            .lock()
            .map_err(|_| SearchError::Poisoned)?
            .commit()?;
        self.inner.reader.reload()?;
        Ok(())
    }

    /// Stages and commits: a change is searchable when this returns.
    pub fn upsert(&self, products: &[Product], refs: &CatalogRefs) -> Result<(), SearchError> {
        self.stage(products, refs)?;
        self.commit()
    }
}
