//! Catalog storage on SQLite and PostgreSQL: the pricing facts a quote reads of a product.

mod common;

use std::collections::{BTreeMap, HashMap};

use chrono::Utc;
use omni_domain::catalog::{BrandId, CategoryId, LocalizedText, Product, Variant, VariantId};
use omni_kernel::{Currency, Money, ProductId};
use omni_store::Store;

fn product(t: &omni_domain::tenancy::Tenant, category: CategoryId, rub: i64) -> Product {
    let variant = |sku: &str, prices: Vec<Money>| Variant {
        id: VariantId::new(),
        sku: sku.into(),
        barcode: None,
        color: None,
        size: Some(sku.into()),
        list_prices: prices,
    };
    let now = Utc::now();
    Product {
        id: ProductId::new(),
        tenant_id: t.id,
        article: "RUN-1".into(),
        category_id: category,
        brand_id: Some(BrandId::new()),
        name: LocalizedText::new("Кроссовки", "Running shoes"),
        description: LocalizedText::new("Длинное описание", "A long description"),
        media: Vec::new(),
        attributes: BTreeMap::new(),
        variants: vec![
            variant("RUN-1-42", vec![Money::from_minor(rub, Currency::Rub)]),
            variant("RUN-1-43", Vec::new()),
        ],
        publication: BTreeMap::new(),
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

/// The rouble list price and the categories pricing reads for `sku` (`None`: unknown SKU),
/// checked to be what the offline snapshot reads too, with the product's brand.
async fn facts_of(store: &Store, p: &Product, sku: &str) -> Option<(Option<i64>, Vec<CategoryId>)> {
    let parents = HashMap::from([(p.category_id, None)]);
    let skus = [sku.to_owned()];
    let mut facts = store
        .sku_facts(p.tenant_id, &skus, Currency::Rub, &parents)
        .await
        .expect("facts");
    let every = store
        .all_sku_facts(p.tenant_id, Currency::Rub, &parents)
        .await
        .expect("all facts");
    let one = facts.remove(sku);
    assert_eq!(
        one.as_ref().map(|f| (f.list_price, f.brand)),
        every.get(sku).map(|f| (f.list_price, f.brand)),
        "a quote and the offline snapshot read the same facts"
    );
    assert!(one.as_ref().is_none_or(|f| f.brand == p.brand_id));
    one.map(|f| (f.list_price, f.categories))
}

#[tokio::test]
async fn pricing_reads_each_variants_list_price_and_follows_an_update() {
    let (db, t) = common::setup().await;
    let category = CategoryId::new();
    let mut p = product(&t, category, 599_000);
    let mut tx = db.store.write().await.expect("tx");
    tx.insert_product(&p).await.expect("insert");
    tx.commit().await.expect("commit");

    let facts = facts_of(&db.store, &p, "RUN-1-42").await;
    assert_eq!(facts, Some((Some(599_000), vec![category])));
    assert_eq!(
        facts_of(&db.store, &p, "RUN-1-43").await,
        Some((None, vec![category]))
    );
    assert_eq!(facts_of(&db.store, &p, "NO-SUCH-SKU").await, None);

    let before = p.version;
    p.variants[0].list_prices = vec![Money::from_minor(499_000, Currency::Rub)];
    p.variants.push(Variant {
        sku: "RUN-1-44".into(),
        id: VariantId::new(),
        ..p.variants[0].clone()
    });
    p.version += 1;
    let mut tx = db.store.write().await.expect("tx");
    tx.update_product(&p, before).await.expect("update");
    tx.commit().await.expect("commit");

    assert_eq!(
        facts_of(&db.store, &p, "RUN-1-42").await,
        Some((Some(499_000), vec![category]))
    );
    assert_eq!(
        facts_of(&db.store, &p, "RUN-1-44").await,
        Some((Some(499_000), vec![category]))
    );
}

#[tokio::test]
async fn a_product_stored_before_the_pricing_excerpt_is_priced_from_its_document() {
    let (db, t) = common::setup().await;
    let category = CategoryId::new();
    let p = product(&t, category, 749_000);
    let mut tx = db.store.write().await.expect("tx");
    tx.insert_product(&p).await.expect("insert");
    tx.commit().await.expect("commit");
    sqlx::query("UPDATE catalog_products SET pricing = NULL WHERE tenant_id = $1")
        .bind(t.id.to_string())
        .execute(db.store.pool())
        .await
        .expect("an older row");

    assert_eq!(
        facts_of(&db.store, &p, "RUN-1-42").await,
        Some((Some(749_000), vec![category]))
    );
    assert_eq!(
        facts_of(&db.store, &p, "RUN-1-43").await,
        Some((None, vec![category]))
    );
}
