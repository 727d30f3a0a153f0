//! The demo customers are valid, distinct and findable; at chain scale (ignored by default,
//! run in release) they measure identify latency in process and segment materialisation.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use omni_domain::customers::{Identifier, IdentifierKind, Rule, Tier};
use omni_kernel::CountryCode;
use omni_store::testing::{TestDb, backend_banner};

use super::*;

#[test]
fn generated_phones_and_cards_are_valid_distinct_and_already_normalised() {
    let mut seen = HashSet::new();
    for region in ["RU", "KZ"] {
        let region = CountryCode::parse(region).expect("region");
        for i in (0..5_000).chain(999_000..1_000_000) {
            let p = phone(i);
            let parsed = Identifier::parse(IdentifierKind::Phone, &p, region).expect(&p);
            assert_eq!(parsed.value, p);
            if region.as_str() == "RU" {
                assert!(seen.insert(p), "phone {i} repeats");
            }
            let c = card(i);
            assert_eq!(
                Identifier::parse(IdentifierKind::LoyaltyCard, &c, region)
                    .expect(&c)
                    .value,
                c
            );
        }
    }
    assert!(
        phone(4).starts_with("+77"),
        "every fifth customer is Kazakh"
    );
    assert!(phone(0).starts_with("+79"));
}

#[tokio::test]
async fn the_small_demo_has_customers_findable_by_phone_and_card() {
    println!("{}", backend_banner());
    let db = TestDb::new().await.expect("db");
    let report = crate::demo::load(&db.store, Scale::Small, false)
        .await
        .expect("load");
    assert!(report.created.contains(&("customers".to_owned(), 200)));
    let tenant = db.store.tenant_by_slug("demo").await.expect("tenant");
    assert_eq!(
        db.store.customer_count(tenant.id).await.expect("count"),
        200
    );
    let by_phone = db
        .store
        .customer_by_identifier(
            tenant.id,
            &Identifier {
                kind: IdentifierKind::Phone,
                value: phone(4),
            },
        )
        .await
        .expect("phone");
    assert!(by_phone.given_name.is_some());
    let base = db.store.segment_base(tenant.id).await.expect("base");
    assert_eq!(base.len(), 200);
    assert!(!base.evaluate(&Rule::TierAtLeast(Tier::Silver)).is_empty());
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

/// `OMNI_DEMO_CUSTOMERS=1000000 cargo test --release -p omni chain_scale_customers -- --ignored --nocapture`
#[tokio::test]
#[ignore = "loads a million customers; run in release"]
async fn chain_scale_customers_load_identify_and_segment() {
    println!("{}", backend_banner());
    let db = TestDb::new().await.expect("db");
    let started = Instant::now();
    crate::demo::load(&db.store, Scale::Chain, false)
        .await
        .expect("load");
    let n = count(Scale::Chain);
    println!(
        "chain demo (3,006 locations + {n} customers) loaded in {:?}",
        started.elapsed()
    );
    let tenant = db.store.tenant_by_slug("demo").await.expect("tenant");
    let mut rng = DemoContext::rng("bench");
    let mut lat = Vec::new();
    for _ in 0..20_000 {
        let i = rng.random_range(0..n);
        let id = Identifier {
            kind: IdentifierKind::Phone,
            value: phone(i),
        };
        let t = Instant::now();
        let c = db
            .store
            .customer_by_identifier(tenant.id, &id)
            .await
            .expect("found");
        let ids = db.store.identifiers_of(tenant.id, c.id).await.expect("ids");
        lat.push(t.elapsed());
        assert!(!ids.is_empty());
    }
    lat.sort();
    println!(
        "in-process identify by phone (store lookup + identifiers), 20,000 sequential: p50 {:?} p99 {:?} max {:?}",
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        lat[lat.len() - 1]
    );
    let rule: Rule = serde_json::from_value(serde_json::json!({"all": [
        {"tier_at_least": "gold"}, {"city_is": "Москва"}, {"spent_90d_over": 5_000_000},
        {"consented": {"purpose": "marketing", "channel": "sms"}}
    ]}))
    .expect("rule");
    let t = Instant::now();
    let base = db.store.segment_base(tenant.id).await.expect("base");
    let loaded = t.elapsed();
    let t = Instant::now();
    let members = base.evaluate(&rule);
    let evaluated = t.elapsed();
    let segment = omni_domain::customers::Segment {
        id: omni_domain::customers::SegmentId::new(),
        name: "gold Moscow SMS".into(),
        rule,
        member_count: None,
        materialized_at: None,
        created_at: chrono::Utc::now(),
    };
    let t = Instant::now();
    let mut tx = db.store.write().await.expect("tx");
    tx.insert_segment(tenant.id, &segment)
        .await
        .expect("segment");
    tx.replace_segment_members(tenant.id, segment.id, &members, chrono::Utc::now())
        .await
        .expect("members");
    tx.commit().await.expect("commit");
    println!(
        "segment over {} customers: snapshot load {:?}, rule evaluation {:?}, {} members stored in {:?}",
        base.len(),
        loaded,
        evaluated,
        members.len(),
        t.elapsed()
    );
}
