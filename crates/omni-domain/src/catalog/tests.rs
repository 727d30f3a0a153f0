//! Catalog rules: schemas, completeness, the publication workflow and import rows.

use std::collections::BTreeMap;

use omni_kernel::{Channel, Currency, TenantId};

use super::import::{ImportRow, merge, parse_amount, validate_row};
use super::*;

fn categories(tenant: TenantId) -> (BTreeMap<CategoryId, Category>, CategoryId) {
    let now = chrono::Utc::now();
    let root = CategoryDraft {
        code: "electronics".into(),
        parent_id: None,
        name: LocalizedText::new("Электроника", "Electronics"),
        attributes: vec![],
    }
    .into_category(tenant, CategoryId::new(), None, now)
    .expect("root");
    let attr = |code: &str, kind, required| AttributeDef {
        code: code.into(),
        name: LocalizedText::new(code, code),
        kind,
        unit: None,
        values: if kind == AttributeKind::Choice {
            vec!["wet".into(), "dry".into()]
        } else {
            vec![]
        },
        required,
        facet: true,
    };
    let leaf = CategoryDraft {
        code: "robot-vacuums".into(),
        parent_id: Some(root.id),
        name: LocalizedText::new("Робот-пылесосы", "Robot vacuums"),
        attributes: vec![
            attr("suction_pa", AttributeKind::Number, true),
            attr("cleaning", AttributeKind::Choice, false),
        ],
    }
    .into_category(tenant, CategoryId::new(), Some(&root), now)
    .expect("leaf");
    let id = leaf.id;
    (BTreeMap::from([(root.id, root), (leaf.id, leaf)]), id)
}

fn row(sku: &str) -> ImportRow {
    ImportRow {
        sku: sku.into(),
        article: "XM-S10".into(),
        category: "robot-vacuums".into(),
        barcode: Some(Barcode::ean13_from_body(460_123_456_789).as_str().into()),
        name_ru: Some("Робот-пылесос Xiaomi S10".into()),
        prices: BTreeMap::from([("RUB".into(), "24990.00".into())]),
        attributes: BTreeMap::from([("suction_pa".into(), "4000".into())]),
        ..Default::default()
    }
}

#[test]
fn a_schema_inherits_ancestor_attributes_and_parses_typed_values() {
    let tenant = TenantId::new();
    let (cats, leaf) = categories(tenant);
    let schema = Schema::of(leaf, &cats).expect("known");
    assert_eq!(schema.path.len(), 2);
    let def = &schema.attributes["cleaning"];
    assert_eq!(
        Schema::parse_value(def, "WET"),
        Ok(AttrValue::Text("wet".into()))
    );
    assert!(Schema::parse_value(def, "steam").is_err());
    assert!(Schema::parse_value(&schema.attributes["suction_pa"], "много").is_err());
    assert!(Schema::of(CategoryId::new(), &cats).is_none());
}

#[test]
fn bad_rows_are_refused_with_every_reason() {
    let tenant = TenantId::new();
    let (cats, _) = categories(tenant);
    let lookup = |code: &str| {
        cats.values()
            .find(|c| c.code == code)
            .and_then(|c| Schema::of(c.id, &cats))
    };
    let good = validate_row(&row("SKU-1"), lookup, |_| None).expect("valid");
    assert_eq!(
        good.variant.list_prices,
        vec![omni_kernel::Money::from_minor(2_499_000, Currency::Rub)]
    );
    let mut bad = row("SKU-2");
    bad.barcode = Some("4601234567890".into());
    bad.attributes.clear();
    bad.category = "nope".into();
    let codes: Vec<_> = validate_row(&bad, lookup, |_| None)
        .expect_err("bad")
        .iter()
        .map(|v| v.code)
        .collect();
    assert!(
        codes.contains(&"invalid_barcode") && codes.contains(&"unknown_category"),
        "{codes:?}"
    );
    let mut missing = row("SKU-3");
    missing.attributes.clear();
    let codes: Vec<_> = validate_row(&missing, lookup, |_| None)
        .expect_err("bad")
        .iter()
        .map(|v| v.code)
        .collect();
    assert_eq!(codes, ["missing_required_attribute"]);
}

#[test]
fn merging_the_same_rows_again_changes_nothing() {
    let tenant = TenantId::new();
    let (cats, _) = categories(tenant);
    let lookup = |code: &str| {
        cats.values()
            .find(|c| c.code == code)
            .and_then(|c| Schema::of(c.id, &cats))
    };
    let rows = vec![
        validate_row(&row("A"), lookup, |_| None).expect("a"),
        validate_row(&row("B"), lookup, |_| None).expect("b"),
    ];
    let now = chrono::Utc::now();
    let product = merge(None, &rows, tenant, now).expect("new");
    assert_eq!((product.variants.len(), product.version), (2, 1));
    let again: Vec<_> = rows
        .iter()
        .map(|r| validate_row(&row(&r.variant.sku), lookup, |_| None).expect("again"))
        .collect();
    assert!(merge(Some(&product), &again, tenant, now).is_none());
    let mut changed = row("B");
    changed.size = Some("XL".into());
    let next = merge(
        Some(&product),
        &[validate_row(&changed, lookup, |_| None).expect("c")],
        tenant,
        now,
    )
    .expect("changed");
    assert_eq!(
        next.variants[1].id, product.variants[1].id,
        "variant ids are stable"
    );
    assert_eq!(next.version, 2);
}

#[test]
fn publication_needs_review_and_a_complete_product() {
    let tenant = TenantId::new();
    let (cats, leaf) = categories(tenant);
    let schema = Schema::of(leaf, &cats).expect("schema");
    let now = chrono::Utc::now();
    let draft = ProductDraft {
        article: "XM-S10".into(),
        category_id: leaf,
        brand_id: None,
        name: LocalizedText::new("Робот-пылесос", "Robot vacuum"),
        description: LocalizedText::default(),
        media: vec![],
        attributes: BTreeMap::new(),
        variants: vec![VariantDraft {
            sku: "S1".into(),
            barcode: None,
            color: None,
            size: None,
            list_prices: vec![],
        }],
    };
    let p = draft
        .into_product(tenant, omni_kernel::ProductId::new(), Some(&schema), now)
        .expect("valid");
    let web = completeness::report(&p, &schema)
        .into_iter()
        .find(|c| c.channel == Channel::Web)
        .expect("web");
    let needs: Vec<_> = web.missing.iter().map(|m| m.requirement).collect();
    assert_eq!(needs, ["price", "description", "image", "attribute"]);
    assert!(matches!(
        completeness::transition(
            p.clone(),
            &schema,
            Channel::Web,
            PublicationStatus::InReview,
            now
        ),
        Err(TransitionError::Incomplete(_))
    ));
    let mut full = p;
    full.description = LocalizedText::new("Мощный", "Strong");
    full.media.push(MediaLink {
        url: "https://img.example/1.jpg".into(),
        kind: MediaKind::Image,
    });
    full.attributes
        .insert("suction_pa".into(), AttrValue::Number(4000.0));
    full.variants[0]
        .list_prices
        .push(omni_kernel::Money::from_minor(100, Currency::Rub));
    assert!(matches!(
        completeness::transition(
            full.clone(),
            &schema,
            Channel::Web,
            PublicationStatus::Published,
            now
        ),
        Err(TransitionError::NotAllowed { .. })
    ));
    let review = completeness::transition(
        full,
        &schema,
        Channel::Web,
        PublicationStatus::InReview,
        now,
    )
    .expect("review");
    let published = completeness::transition(
        review,
        &schema,
        Channel::Web,
        PublicationStatus::Published,
        now,
    )
    .expect("publish");
    assert!(published.is_published(Channel::Web) && !published.is_published(Channel::Pos));
    let back = completeness::transition(
        published,
        &schema,
        Channel::Web,
        PublicationStatus::Draft,
        now,
    )
    .expect("withdraw");
    assert!(!back.is_published(Channel::Web));
}

#[test]
fn amounts_parse_exactly_per_currency_exponent() {
    assert_eq!(
        parse_amount("12990", Currency::Rub).map(|m| m.minor()),
        Some(1_299_000)
    );
    assert_eq!(
        parse_amount("12990,5", Currency::Rub).map(|m| m.minor()),
        Some(1_299_050)
    );
    assert_eq!(parse_amount("1.5", Currency::Jpy), None);
    assert_eq!(parse_amount("-3", Currency::Rub), None);
    assert_eq!(parse_amount("0", Currency::Rub), None);
}
