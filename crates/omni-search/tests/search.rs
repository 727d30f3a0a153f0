//! Search behaviour on an in-memory index: Russian morphology, typos, codes, synonyms,
//! facet counts, publication visibility and tenant isolation.

use std::collections::BTreeMap;

use omni_domain::catalog::*;
use omni_kernel::{Channel, Currency, Money, ProductId, TenantId};
use omni_search::{Audience, SearchIndex, SearchRequest, Sort};
use omni_store::catalog::CatalogRefs;

struct Fixture {
    tenant: TenantId,
    refs: CatalogRefs,
    vacuums: CategoryId,
    shoes: CategoryId,
}

fn category(tenant: TenantId, code: &str, ru: &str, parent: Option<CategoryId>) -> Category {
    Category {
        id: CategoryId::new(),
        tenant_id: tenant,
        code: code.into(),
        parent_id: parent,
        name: LocalizedText::new(ru, code),
        attributes: vec![AttributeDef {
            code: format!("{code}_kind"),
            name: LocalizedText::new("тип", "kind"),
            kind: AttributeKind::Text,
            unit: None,
            values: vec![],
            required: false,
            facet: true,
        }],
        created_at: chrono::Utc::now(),
    }
}

fn fixture(tenant: TenantId) -> Fixture {
    let root = category(tenant, "home", "Бытовая техника", None);
    let vac = category(tenant, "robot-vacuums", "Робот-пылесосы", Some(root.id));
    let shoes = category(tenant, "running-shoes", "Беговые кроссовки", None);
    let brand = Brand {
        id: BrandId::new(),
        tenant_id: tenant,
        code: "xiaomi".into(),
        name: "Xiaomi".into(),
    };
    let mut refs = CatalogRefs::default();
    let (vacuums, shoes_id) = (vac.id, shoes.id);
    for c in [root, vac, shoes] {
        refs.categories.insert(c.id, c);
    }
    refs.brands.insert(brand.id, brand);
    Fixture {
        tenant,
        refs,
        vacuums,
        shoes: shoes_id,
    }
}

#[allow(clippy::too_many_arguments)] // a test fixture reads better with positional values
fn product(
    fx: &Fixture,
    article: &str,
    ru: &str,
    en: &str,
    category: CategoryId,
    rub: i64,
    sizes: &[&str],
    published: bool,
) -> Product {
    let brand = fx.refs.brands.keys().next().copied();
    let variants = sizes
        .iter()
        .enumerate()
        .map(|(i, s)| Variant {
            id: VariantId::new(),
            sku: format!("{article}-{i}"),
            barcode: Some(Barcode::ean13_from_body(
                article.len() as u64 * 1_000 + i as u64 + rub as u64,
            )),
            color: Some("чёрный".into()),
            size: Some((*s).into()),
            list_prices: vec![Money::from_minor(rub, Currency::Rub)],
        })
        .collect();
    let now = chrono::Utc::now();
    Product {
        id: ProductId::new(),
        tenant_id: fx.tenant,
        article: article.into(),
        category_id: category,
        brand_id: if category == fx.vacuums { brand } else { None },
        name: LocalizedText::new(ru, en),
        description: LocalizedText::default(),
        media: vec![],
        attributes: BTreeMap::new(),
        variants,
        publication: if published {
            BTreeMap::from([(Channel::Web, PublicationStatus::Published)])
        } else {
            BTreeMap::new()
        },
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

fn req(tenant: TenantId, text: &str) -> SearchRequest {
    SearchRequest {
        tenant,
        audience: Audience::Shopper(Channel::Web),
        text: text.into(),
        category: None,
        brand: None,
        attributes: vec![],
        price_min: None,
        price_max: None,
        currency: "RUB".into(),
        sort: Sort::Relevance,
        offset: 0,
        limit: 20,
        in_stock_skus: None,
    }
}

fn setup() -> (SearchIndex, Fixture, Vec<Product>) {
    let index = SearchIndex::in_ram().expect("index");
    let fx = fixture(TenantId::new());
    let products = vec![
        product(
            &fx,
            "XM-S10",
            "Робот-пылесос Xiaomi Mi Robot Vacuum S10",
            "Xiaomi robot vacuum",
            fx.vacuums,
            2_499_000,
            &["one"],
            true,
        ),
        product(
            &fx,
            "XM-E5",
            "Робот-пылесос Xiaomi E5",
            "Xiaomi robot vacuum E5",
            fx.vacuums,
            1_299_000,
            &["one"],
            true,
        ),
        product(
            &fx,
            "GK-30",
            "Кроссовки беговые ASICS Gel-Kayano 30",
            "ASICS Gel-Kayano 30 running shoes",
            fx.shoes,
            1_899_000,
            &["42", "43", "44"],
            true,
        ),
        product(
            &fx,
            "GN-15",
            "Кроссовки беговые ASICS Gel-Nimbus 25",
            "ASICS Gel-Nimbus running shoes",
            fx.shoes,
            1_999_000,
            &["42"],
            true,
        ),
        product(
            &fx,
            "SECRET",
            "Робот-пылесос секретный черновик",
            "Draft vacuum",
            fx.vacuums,
            999_000,
            &["one"],
            false,
        ),
    ];
    index.upsert(&products, &fx.refs).expect("index");
    (index, fx, products)
}

fn articles(index: &SearchIndex, r: &SearchRequest) -> Vec<String> {
    let mut a: Vec<String> = index
        .search(r)
        .expect("search")
        .hits
        .into_iter()
        .map(|h| h.product.article)
        .collect();
    a.sort();
    a
}

#[test]
fn russian_inflections_find_the_product() {
    let (index, fx, _) = setup();
    assert_eq!(
        articles(&index, &req(fx.tenant, "пылесосы")),
        ["XM-E5", "XM-S10"]
    );
    assert_eq!(
        articles(&index, &req(fx.tenant, "пылесосов xiaomi")),
        ["XM-E5", "XM-S10"]
    );
    assert_eq!(
        articles(&index, &req(fx.tenant, "кроссовок")),
        ["GK-30", "GN-15"]
    );
    assert_eq!(
        articles(&index, &req(fx.tenant, "running shoe")),
        ["GK-30", "GN-15"]
    );
}

#[test]
fn typos_are_tolerated() {
    let (index, fx, _) = setup();
    assert_eq!(
        articles(&index, &req(fx.tenant, "пылесас")),
        ["XM-E5", "XM-S10"]
    );
    assert_eq!(
        articles(&index, &req(fx.tenant, "кросовки")),
        ["GK-30", "GN-15"]
    );
    assert_eq!(articles(&index, &req(fx.tenant, "kayanno")), ["GK-30"]);
}

#[test]
fn skus_barcodes_and_articles_match_exactly_and_rank_first() {
    let (index, fx, products) = setup();
    let barcode = products[2].variants[1].barcode.clone().expect("barcode");
    let found = index
        .search(&req(fx.tenant, barcode.as_str()))
        .expect("search");
    assert_eq!(found.hits[0].product.article, "GK-30");
    assert_eq!(articles(&index, &req(fx.tenant, "gk-30-2")), ["GK-30"]);
    assert_eq!(articles(&index, &req(fx.tenant, "XM-E5")), ["XM-E5"]);
}

#[test]
fn synonyms_are_expanded_per_tenant() {
    let (index, fx, _) = setup();
    assert!(articles(&index, &req(fx.tenant, "кеды")).is_empty());
    let s = Synonyms {
        groups: vec![vec!["кеды".into(), "кроссовки".into()]],
    };
    index.set_synonyms(fx.tenant, s.normalize().expect("valid"));
    assert_eq!(
        articles(&index, &req(fx.tenant, "кеды")),
        ["GK-30", "GN-15"]
    );
    assert_eq!(
        articles(&index, &req(fx.tenant, "кедами")),
        ["GK-30", "GN-15"],
        "an inflected form finds its synonym group by stem"
    );
    assert!(articles(&index, &req(TenantId::new(), "кеды")).is_empty());
}

#[test]
fn facet_counts_cover_every_match_and_filters_narrow_them() {
    let (index, fx, _) = setup();
    let all = index.search(&req(fx.tenant, "")).expect("search");
    assert_eq!(all.total, 4, "the draft is not counted for shoppers");
    let count = |list: &[omni_search::FacetCount], v: &str| {
        list.iter().find(|f| f.value == v).map(|f| f.count)
    };
    assert_eq!(count(&all.facets.category, "home"), Some(2));
    assert_eq!(count(&all.facets.category, "robot-vacuums"), Some(2));
    assert_eq!(count(&all.facets.category, "running-shoes"), Some(2));
    assert_eq!(count(&all.facets.brand, "xiaomi"), Some(2));
    assert_eq!(count(&all.facets.attributes["size"], "42"), Some(2));
    assert_eq!(count(&all.facets.attributes["size"], "44"), Some(1));
    let buckets: Vec<_> = all.facets.price.iter().map(|b| (b.from, b.count)).collect();
    assert_eq!(buckets, [(500_000, 3), (2_000_000, 1)]);
    let mut r = req(fx.tenant, "");
    r.attributes = vec![("size".into(), "42".into())];
    r.category = Some("running-shoes".into());
    let narrowed = index.search(&r).expect("search");
    assert_eq!(narrowed.total, 2);
    let mut r = req(fx.tenant, "");
    r.price_min = Some(1_500_000);
    r.price_max = Some(2_000_000);
    r.sort = Sort::PriceAsc;
    let priced: Vec<_> = index
        .search(&r)
        .expect("search")
        .hits
        .into_iter()
        .map(|h| h.product.article)
        .collect();
    assert_eq!(priced, ["GK-30", "GN-15"]);
}

#[test]
fn drafts_are_invisible_to_shoppers_but_not_to_staff_and_tenants_are_isolated() {
    let (index, fx, _) = setup();
    assert!(articles(&index, &req(fx.tenant, "черновик")).is_empty());
    let mut staff = req(fx.tenant, "черновик");
    staff.audience = Audience::Staff(None);
    assert_eq!(articles(&index, &staff), ["SECRET"]);
    let mut pos = req(fx.tenant, "пылесос");
    pos.audience = Audience::Shopper(Channel::Pos);
    assert!(articles(&index, &pos).is_empty(), "published for web only");
    let other = fixture(TenantId::new());
    let theirs = product(
        &other,
        "XM-S10",
        "Робот-пылесос чужой",
        "Other",
        other.vacuums,
        100,
        &["one"],
        true,
    );
    index.upsert(&[theirs], &other.refs).expect("index");
    assert_eq!(
        articles(&index, &req(fx.tenant, "пылесос")),
        ["XM-E5", "XM-S10"]
    );
    assert_eq!(articles(&index, &req(other.tenant, "пылесос")), ["XM-S10"]);
    assert!(articles(&index, &req(other.tenant, "kayano")).is_empty());
}

#[test]
fn a_hit_carries_the_english_name_for_pages_shown_in_english() {
    let (index, fx, _) = setup();
    let found = index
        .search(&req(fx.tenant, "XM-S10"))
        .expect("search")
        .hits;
    let hit = &found.first().expect("a hit").product;
    assert_eq!(hit.name, "Робот-пылесос Xiaomi Mi Robot Vacuum S10");
    assert_eq!(hit.name_en.as_deref(), Some("Xiaomi robot vacuum"));
    let card = serde_json::to_value(hit).expect("json");
    assert_eq!(card["name_en"], "Xiaomi robot vacuum");
}
