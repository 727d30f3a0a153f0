//! The product search index: one tantivy index per node, holding every tenant's products as
//! one document each (variants folded in), fed from the event feed by [`Feeder`].
//!
//! Why per node: tantivy allows one writer per index directory, so with several `omni` nodes
//! each keeps its own index (in RAM or under `<data-dir>/search/`), rebuilt from the store at
//! start and kept current from the feed, which every node reads in the same order.
//! Text is analysed twice — Russian-stemmed and English-stemmed — so `пылесосы` finds
//! «Робот-пылесос» and `shoes` finds "Running shoe"; typos are tolerated with fuzzy terms;
//! SKUs, barcodes and articles match exactly. Every query is filtered by tenant.

mod buckets;
mod document;
mod feeder;
mod query;
mod synonyms;

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, RwLock};

use omni_domain::catalog::Synonyms;
use omni_kernel::TenantId;
use tantivy::schema::{
    FAST, FacetOptions, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions,
};
use tantivy::tokenizer::{
    Language, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy};

pub use document::IndexedProduct;
pub use feeder::Feeder;
pub use query::{
    Audience, FacetCount, Facets, Hit, PriceBucket, SearchRequest, SearchResults, Sort,
};

/// Why the index failed: an engine or storage error (never the caller's input).
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error(transparent)]
    Engine(#[from] tantivy::TantivyError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] omni_store::StoreError),
    #[error("the index writer is poisoned")]
    Poisoned,
}

/// Currencies a price field exists for (the kernel's closed list).
pub(crate) const CURRENCIES: [&str; 10] = [
    "RUB", "KZT", "BYN", "UZS", "AMD", "USD", "EUR", "CNY", "JPY", "KWD",
];

#[derive(Clone, Copy)]
pub(crate) struct Fields {
    pub tenant: tantivy::schema::Field,
    pub id: tantivy::schema::Field,
    pub ru: tantivy::schema::Field,
    pub en: tantivy::schema::Field,
    pub codes: tantivy::schema::Field,
    pub channels: tantivy::schema::Field,
    pub facets: tantivy::schema::Field,
    pub card: tantivy::schema::Field,
    pub created: tantivy::schema::Field,
}

pub(crate) struct Inner {
    pub index: Index,
    pub reader: IndexReader,
    pub writer: Mutex<IndexWriter>,
    pub fields: Fields,
    pub schema: Schema,
    pub synonyms: RwLock<HashMap<TenantId, synonyms::SynonymIndex>>,
    /// Facet attribute codes seen per tenant, so searches know which to count.
    pub facet_attributes: RwLock<HashMap<TenantId, BTreeSet<String>>>,
}

/// A handle on this node's index; cheap to clone and shared by handlers and the feeder.
#[derive(Clone)]
pub struct SearchIndex {
    pub(crate) inner: Arc<Inner>,
}

fn text(tokenizer: &str) -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(IndexRecordOption::WithFreqs),
    )
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let fields = Fields {
        tenant: b.add_text_field("tenant", STRING),
        id: b.add_text_field("id", STRING | STORED),
        ru: b.add_text_field("ru", text("omni_ru")),
        en: b.add_text_field("en", text("omni_en")),
        codes: b.add_text_field("codes", text("omni_code")),
        channels: b.add_text_field("channels", STRING),
        facets: b.add_facet_field("facets", FacetOptions::default()),
        card: b.add_text_field("card", STORED),
        created: b.add_i64_field("created", FAST),
    };
    for cur in CURRENCIES {
        b.add_i64_field(&format!("price_{}", cur.to_lowercase()), INDEXED | FAST);
    }
    (b.build(), fields)
}

fn register_tokenizers(index: &Index) {
    let stemmed = |lang| {
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser)
            .filter(Stemmer::new(lang))
            .build()
    };
    index
        .tokenizers()
        .register("omni_ru", stemmed(Language::Russian));
    index
        .tokenizers()
        .register("omni_en", stemmed(Language::English));
    index.tokenizers().register(
        "omni_code",
        TextAnalyzer::builder(RawTokenizer::default())
            .filter(LowerCaser)
            .build(),
    );
}

impl SearchIndex {
    /// An index in memory (tests, small nodes); rebuilt from the store at start.
    pub fn in_ram() -> Result<SearchIndex, SearchError> {
        let (schema, fields) = schema();
        Self::open(Index::create_in_ram(schema.clone()), schema, fields)
    }

    /// An index under `dir`, recreated empty: the store is the source of truth and the
    /// feeder rebuilds it at start, so a stale or half-written index is never trusted.
    pub fn in_dir(dir: &std::path::Path) -> Result<SearchIndex, SearchError> {
        if dir.exists() {
            std::fs::remove_dir_all(dir)?;
        }
        std::fs::create_dir_all(dir)?;
        let (schema, fields) = schema();
        Self::open(Index::create_in_dir(dir, schema.clone())?, schema, fields)
    }

    fn open(index: Index, schema: Schema, fields: Fields) -> Result<SearchIndex, SearchError> {
        register_tokenizers(&index);
        let writer = index.writer_with_num_threads(1, 100_000_000)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(SearchIndex {
            inner: Arc::new(Inner {
                index,
                reader,
                writer: Mutex::new(writer),
                fields,
                schema,
                synonyms: RwLock::default(),
                facet_attributes: RwLock::default(),
            }),
        })
    }

    /// Replaces a tenant's synonyms (expanded at query time, so no re-index).
    pub fn set_synonyms(&self, tenant: TenantId, synonyms: Synonyms) {
        let filed = self.synonym_index(&synonyms);
        if let Ok(mut map) = self.inner.synonyms.write() {
            map.insert(tenant, filed);
        }
    }

    /// How many documents the searcher sees (all tenants).
    pub fn num_docs(&self) -> u64 {
        self.inner.reader.searcher().num_docs()
    }
}
