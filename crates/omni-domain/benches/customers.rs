//! Customers benchmarks: identifier normalisation (the first step of every identify), the
//! summary an identify answers with, and rule evaluation over a million-customer snapshot.
//! `cargo bench -p omni-domain --bench customers`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use omni_domain::customers::{
    ConsentRecord, ContactChannel, Customer, CustomerStatus, CustomerSummary, Facts, Identifier,
    IdentifierKind, Purpose, Rule, SegmentBase, Tier, View, consent_bits,
};
use omni_kernel::{Channel, CountryCode, CustomerId, TenantId};

fn normalise(c: &mut Criterion) {
    let ru = CountryCode::parse("RU").expect("region");
    c.bench_function("normalise phone `8 (916) 123-45-67`", |b| {
        b.iter(|| Identifier::parse(IdentifierKind::Phone, black_box("8 (916) 123-45-67"), ru))
    });
    c.bench_function("normalise email", |b| {
        b.iter(|| {
            Identifier::parse(
                IdentifierKind::Email,
                black_box(" Ivan.Petrov@Example.COM "),
                ru,
            )
        })
    });
    c.bench_function("normalise loyalty card", |b| {
        b.iter(|| {
            Identifier::parse(
                IdentifierKind::LoyaltyCard,
                black_box("7001 0000 0000 0004"),
                ru,
            )
        })
    });
}

fn customer() -> Customer {
    let now = chrono::Utc::now();
    Customer {
        id: CustomerId::new(),
        tenant_id: TenantId::new(),
        status: CustomerStatus::Active,
        merged_into: None,
        given_name: Some("Иван".into()),
        family_name: Some("Петров".into()),
        city: Some("Москва".into()),
        tier: Tier::Gold,
        points_balance: 1200,
        spent_90d: 6_000_000,
        preferences: [("brand".to_owned(), "Nike".to_owned())].into(),
        sizes: [("shoes".to_owned(), "43".to_owned())].into(),
        preferred_channel: Some(ContactChannel::Sms),
        quiet_hours: None,
        time_zone: "Europe/Moscow".into(),
        provenance: Default::default(),
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

fn summary(c: &mut Criterion) {
    let cust = customer();
    let doc = serde_json::to_string(&cust).expect("doc");
    let ids = [
        Identifier {
            kind: IdentifierKind::Phone,
            value: "+79161234567".into(),
        },
        Identifier {
            kind: IdentifierKind::Email,
            value: "ivan@example.com".into(),
        },
    ];
    c.bench_function(
        "identify in-process: decode profile + reduced summary + JSON",
        |b| {
            b.iter(|| {
                let c: Customer = serde_json::from_str(black_box(&doc)).expect("decode");
                let s = CustomerSummary::of(&c, &ids, View::Reduced);
                serde_json::to_vec(&s).expect("json")
            })
        },
    );
}

fn segments(c: &mut Criterion) {
    let sms = consent_bits(&[ConsentRecord {
        purpose: Purpose::Marketing,
        channel: Some(ContactChannel::Sms),
        granted: true,
        method: "checkbox".into(),
        source: Channel::Web,
        location_id: None,
        at: chrono::Utc::now(),
    }]);
    let cities = [
        "Москва",
        "Санкт-Петербург",
        "Казань",
        "Алматы",
        "Новосибирск",
    ];
    let mut base = SegmentBase::with_capacity(1_000_000);
    for i in 0..1_000_000i64 {
        base.push(
            format!("cus_{i:026}"),
            Facts {
                tier: Tier::ALL[(i % 7 % 4) as usize],
                city: Some(cities[(i % 5) as usize]),
                spent_90d: (i * 7_919) % 10_000_000,
                points: i % 20_000,
                consents: if i % 3 == 0 { sms } else { 0 },
            },
        );
    }
    let rule: Rule = serde_json::from_value(serde_json::json!({"all": [
        {"tier_at_least": "gold"}, {"city_is": "Москва"}, {"spent_90d_over": 5_000_000},
        {"consented": {"purpose": "marketing", "channel": "sms"}}
    ]}))
    .expect("rule");
    let mut group = c.benchmark_group("segments");
    group.sample_size(10);
    group.bench_function(
        "evaluate gold+Moscow+spend+SMS over 1,000,000 customers",
        |b| b.iter(|| base.evaluate(black_box(&rule)).len()),
    );
    group.finish();
    let facts = Facts {
        tier: Tier::Gold,
        city: Some("Москва"),
        spent_90d: 6_000_000,
        points: 0,
        consents: sms,
    };
    c.bench_function("evaluate one customer in real time", |b| {
        b.iter(|| rule.matches(black_box(&facts)))
    });
}

criterion_group!(benches, normalise, summary, segments);
criterion_main!(benches);
