//! Turning a search request into a tantivy query, and collecting hits and facet counts.
//!
//! Each query word must match (AND), in any of: its Russian stem, its English stem or an
//! exact code; each word is widened with the tenant's synonyms. Typos are tolerated when
//! the exact words find nothing: the search then runs once more with fuzzy variants of each
//! stem (edit distance 1 from 4 characters, 2 from 9) in the field of the word's script,
//! at a lower boost. Fuzzy matching walks the term dictionary with an automaton and costs
//! tens of milliseconds on a large catalog, so a query that needs no correction never pays
//! for it. The whole query also
//! matches a SKU, barcode or article exactly, ranked first. Tenant (and, for shoppers, the
//! channel's publication) is a mandatory filter on every query.

use std::collections::BTreeMap;
use std::ops::Bound;

use omni_kernel::{Channel, TenantId};
use serde::Serialize;
use tantivy::collector::{Count, FacetCollector, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, RangeQuery, TermQuery,
    TermSetQuery,
};
use tantivy::schema::{Facet, IndexRecordOption, Value};
use tantivy::{DocAddress, Order, TantivyDocument, Term};

use crate::buckets::PriceBuckets;
use crate::{IndexedProduct, SearchError, SearchIndex};

/// Who searches: shoppers see only what is published in their channel; staff see drafts too
/// (optionally narrowed to what is published in a channel).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Shopper(Channel),
    Staff(Option<Channel>),
}

/// Result order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    #[default]
    Relevance,
    PriceAsc,
    PriceDesc,
    Newest,
}

/// A search.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    pub tenant: TenantId,
    pub audience: Audience,
    pub text: String,
    pub category: Option<String>,
    pub brand: Option<String>,
    /// (attribute code, value) pairs, all required; `size` and `color` come from variants.
    pub attributes: Vec<(String, String)>,
    /// Minor units in `currency`.
    pub price_min: Option<i64>,
    pub price_max: Option<i64>,
    pub currency: String,
    pub sort: Sort,
    pub offset: usize,
    pub limit: usize,
    /// When set, only products with one of these SKUs match: the SKUs a chosen store can
    /// sell now (the index holds no stock; the caller reads it from inventory).
    pub in_stock_skus: Option<Vec<String>>,
}

/// A found product.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub score: f32,
    #[serde(flatten)]
    pub product: IndexedProduct,
}

/// One facet value and how many matching products have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FacetCount {
    pub value: String,
    pub count: u64,
}

/// A price bucket in minor units (`to` exclusive, open when absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PriceBucket {
    pub from: i64,
    pub to: Option<i64>,
    pub count: u64,
}

/// Facet counts over every match (not just the page).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Facets {
    pub category: Vec<FacetCount>,
    pub brand: Vec<FacetCount>,
    pub attributes: BTreeMap<String, Vec<FacetCount>>,
    pub price: Vec<PriceBucket>,
}

/// What a search found.
#[derive(Debug, Clone, Serialize)]
pub struct SearchResults {
    pub total: usize,
    pub hits: Vec<Hit>,
    pub facets: Facets,
}

/// Price bucket edges in major units.
const BUCKETS: [i64; 5] = [0, 1_000, 5_000, 20_000, 50_000];

/// Minor units per major unit of the bucket edges (kopecks, tiyn, cents).
const PRICE_SCALE: i64 = 100;

fn boxed(q: impl Query) -> Box<dyn Query> {
    Box::new(q)
}

impl SearchIndex {
    pub(crate) fn analyze(&self, analyzer: &str, word: &str) -> Vec<String> {
        let Some(mut a) = self.inner.index.tokenizers().get(analyzer) else {
            return vec![word.to_owned()];
        };
        let mut out = Vec::new();
        let mut stream = a.token_stream(word);
        while let Some(t) = stream.next() {
            out.push(t.text.clone());
        }
        out
    }

    /// Alternatives for one word: stems, fuzzy stems and the exact code.
    fn word_query(&self, word: &str, fuzzy: bool) -> Box<dyn Query> {
        let f = self.inner.fields;
        let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (field, analyzer) in [(f.ru, "omni_ru"), (f.en, "omni_en")] {
            for stem in self.analyze(analyzer, word) {
                let term = Term::from_field_text(field, &stem);
                should.push((
                    Occur::Should,
                    boxed(BoostQuery::new(
                        boxed(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs)),
                        3.0,
                    )),
                ));
                let chars = word.chars().count();
                let cyrillic = word.chars().any(|c| matches!(c, 'а'..='я' | 'ё'));
                let own_script = (field == f.ru) == cyrillic;
                if fuzzy && own_script && chars >= 4 {
                    let distance = if chars >= 9 { 2 } else { 1 };
                    should.push((
                        Occur::Should,
                        boxed(FuzzyTermQuery::new(term, distance, true)),
                    ));
                }
            }
        }
        should.push((
            Occur::Should,
            boxed(TermQuery::new(
                Term::from_field_text(f.codes, word),
                IndexRecordOption::Basic,
            )),
        ));
        boxed(BooleanQuery::new(should))
    }

    /// A word with its synonyms: any of them (a multi-word synonym needs all its words).
    fn expanded_word(&self, tenant: TenantId, word: &str, fuzzy: bool) -> Box<dyn Query> {
        let mut alternatives = vec![(Occur::Should, self.word_query(word, fuzzy))];
        let keys = self.synonym_keys(word);
        if let Ok(map) = self.inner.synonyms.read()
            && let Some(s) = map.get(&tenant)
        {
            for phrase in s.alternatives(&keys) {
                let words: Vec<(Occur, Box<dyn Query>)> = split_words(phrase)
                    .map(|w| (Occur::Must, self.word_query(w, fuzzy)))
                    .collect();
                alternatives.push((Occur::Should, boxed(BooleanQuery::new(words))));
            }
        }
        boxed(BooleanQuery::new(alternatives))
    }

    fn filters(&self, r: &SearchRequest) -> Vec<(Occur, Box<dyn Query>)> {
        let f = self.inner.fields;
        let term = |field, text: &str| {
            boxed(TermQuery::new(
                Term::from_field_text(field, text),
                IndexRecordOption::Basic,
            ))
        };
        let facet = |path: &[&str]| {
            boxed(TermQuery::new(
                Term::from_facet(f.facets, &Facet::from_path(path.iter().copied())),
                IndexRecordOption::Basic,
            ))
        };
        let mut out = vec![(Occur::Must, term(f.tenant, &r.tenant.to_string()))];
        match r.audience {
            Audience::Shopper(c) | Audience::Staff(Some(c)) => {
                out.push((Occur::Must, term(f.channels, c.as_str())))
            }
            Audience::Staff(None) => {}
        }
        if let Some(c) = &r.category {
            out.push((Occur::Must, facet(&["cat", c])));
        }
        if let Some(b) = &r.brand {
            out.push((Occur::Must, facet(&["brand", b])));
        }
        for (code, value) in &r.attributes {
            out.push((Occur::Must, facet(&["attr", code, value])));
        }
        if r.price_min.is_some() || r.price_max.is_some() {
            out.push((Occur::Must, self.price_range(r, r.price_min, r.price_max)));
        }
        if let Some(skus) = &r.in_stock_skus {
            let terms = skus
                .iter()
                .map(|sku| Term::from_field_text(f.codes, &sku.to_lowercase()));
            out.push((Occur::Must, boxed(TermSetQuery::new(terms))));
        }
        out
    }

    fn price_range(
        &self,
        r: &SearchRequest,
        min: Option<i64>,
        max_exclusive: Option<i64>,
    ) -> Box<dyn Query> {
        let field = self.price_field(r);
        let lower = min.map_or(Bound::Unbounded, |m| {
            Bound::Included(Term::from_field_i64(field, m))
        });
        let upper = max_exclusive.map_or(Bound::Unbounded, |m| {
            Bound::Excluded(Term::from_field_i64(field, m))
        });
        boxed(RangeQuery::new(lower, upper))
    }

    fn price_field(&self, r: &SearchRequest) -> tantivy::schema::Field {
        let name = format!("price_{}", r.currency.to_lowercase());
        self.inner
            .schema
            .get_field(&name)
            .unwrap_or(self.inner.fields.created)
    }

    /// The full query: text (if any) AND every filter; `fuzzy` adds typo variants.
    fn query(&self, r: &SearchRequest, fuzzy: bool) -> Box<dyn Query> {
        let mut clauses = self.filters(r);
        let text = r.text.trim().to_lowercase();
        if !text.is_empty() {
            let words: Vec<(Occur, Box<dyn Query>)> = split_words(&text)
                .take(12)
                .map(|w| (Occur::Must, self.expanded_word(r.tenant, w, fuzzy)))
                .collect();
            let code = boxed(TermQuery::new(
                Term::from_field_text(self.inner.fields.codes, &text),
                IndexRecordOption::Basic,
            ));
            let mut either = vec![(Occur::Should, boxed(BoostQuery::new(code, 20.0)))];
            if !words.is_empty() {
                either.push((Occur::Should, boxed(BooleanQuery::new(words))));
            }
            clauses.push((Occur::Must, boxed(BooleanQuery::new(either))));
        } else {
            clauses.push((Occur::Must, boxed(AllQuery)));
        }
        boxed(BooleanQuery::new(clauses))
    }

    /// Runs a search: a page of hits, the total and facet counts over every match.
    pub fn search(&self, r: &SearchRequest) -> Result<SearchResults, SearchError> {
        let searcher = self.inner.reader.searcher();
        let exact = self.run(&searcher, r, false)?;
        if exact.total > 0 || r.text.trim().is_empty() {
            return Ok(exact);
        }
        self.run(&searcher, r, true)
    }

    /// One pass of a search, with or without typo variants.
    fn run(
        &self,
        searcher: &tantivy::Searcher,
        r: &SearchRequest,
        fuzzy: bool,
    ) -> Result<SearchResults, SearchError> {
        let query = self.query(r, fuzzy);
        let limit = r.limit.clamp(1, 100);
        let mut facet_collector = FacetCollector::for_field("facets");
        facet_collector.add_facet("/cat");
        facet_collector.add_facet("/brand");
        let attr_codes: Vec<String> = self
            .inner
            .facet_attributes
            .read()
            .ok()
            .and_then(|m| m.get(&r.tenant).map(|s| s.iter().cloned().collect()))
            .unwrap_or_default();
        for code in &attr_codes {
            facet_collector.add_facet(Facet::from_path(["attr", code.as_str()]));
        }
        let top = TopDocs::with_limit(limit).and_offset(r.offset);
        let buckets = PriceBuckets {
            field: self
                .inner
                .schema
                .get_field_name(self.price_field(r))
                .to_owned(),
            edges: BUCKETS.iter().map(|b| b * PRICE_SCALE).collect(),
        };
        let (addresses, total, facet_counts, bucket_counts): (Vec<(f32, DocAddress)>, usize, _, _) =
            match r.sort {
                Sort::Relevance => searcher.search(
                    &query,
                    &(top.order_by_score(), Count, facet_collector, buckets),
                )?,
                Sort::PriceAsc | Sort::PriceDesc | Sort::Newest => {
                    let (field, order) = match r.sort {
                        Sort::PriceAsc => (
                            self.inner
                                .schema
                                .get_field_name(self.price_field(r))
                                .to_owned(),
                            Order::Asc,
                        ),
                        Sort::PriceDesc => (
                            self.inner
                                .schema
                                .get_field_name(self.price_field(r))
                                .to_owned(),
                            Order::Desc,
                        ),
                        _ => ("created".to_owned(), Order::Desc),
                    };
                    let (docs, total, facets, bucket_counts) = searcher.search(
                        &query,
                        &(
                            top.order_by_fast_field::<i64>(field, order),
                            Count,
                            facet_collector,
                            buckets,
                        ),
                    )?;
                    (
                        docs.into_iter().map(|(_, a)| (0.0, a)).collect(),
                        total,
                        facets,
                        bucket_counts,
                    )
                }
            };
        let mut hits = Vec::with_capacity(addresses.len());
        for (score, address) in addresses {
            let doc: TantivyDocument = searcher.doc(address)?;
            let card = doc
                .get_first(self.inner.fields.card)
                .and_then(|v| v.as_str())
                .unwrap_or("{}");
            if let Ok(product) = serde_json::from_str(card) {
                hits.push(Hit { score, product });
            }
        }
        let counts = |prefix: &str| -> Vec<FacetCount> {
            facet_counts
                .get(prefix)
                .map(|(facet, count)| FacetCount {
                    value: facet
                        .to_path()
                        .last()
                        .map(|s| s.to_string())
                        .unwrap_or_default(),
                    count,
                })
                .collect()
        };
        let mut facets = Facets {
            category: counts("/cat"),
            brand: counts("/brand"),
            ..Default::default()
        };
        for code in &attr_codes {
            let values = counts(&format!("/attr/{code}"));
            if !values.is_empty() {
                facets.attributes.insert(code.clone(), values);
            }
        }
        facets.price = price_buckets(&bucket_counts);
        Ok(SearchResults {
            total,
            hits,
            facets,
        })
    }
}

/// Non-empty price buckets from the collected counts, in minor units.
fn price_buckets(counts: &[u64]) -> Vec<PriceBucket> {
    BUCKETS
        .iter()
        .zip(counts)
        .enumerate()
        .filter(|(_, (_, count))| **count > 0)
        .map(|(i, (from, count))| PriceBucket {
            from: from * PRICE_SCALE,
            to: BUCKETS.get(i + 1).map(|t| t * PRICE_SCALE),
            count: *count,
        })
        .collect()
}

/// Words as the analyzers see them: split on anything but letters and digits.
fn split_words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}
