//! Customers benchmarks: identifier normalisation (the first step of every identify), the
//! summary an identify answers with, the identity index (normalise + look up a phone among a
//! million customers' three million identifiers), and rule evaluation over a million-customer
//! snapshot.
//! `cargo bench -p omni-domain --bench customers`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use omni_domain::customers::{
    ConsentRecord, ContactChannel, Customer, CustomerStatus, CustomerSummary, Facts, Identifier,
    IdentifierKind, IdentityIndex, Purpose, Rule, SegmentBase, Tier, View, consent_bits,
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
        birth_date: None,
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
    let ids: Vec<CustomerId> = (0..1_000_000).map(|_| CustomerId::new()).collect();
    for (i, id) in (0..1_000_000i64).zip(&ids) {
        base.upsert(
            *id,
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
    group.bench_function("apply 1,000 changed customers to the 1,000,000", |b| {
        let changed = Facts {
            tier: Tier::Gold,
            city: Some("Казань"),
            spent_90d: 1,
            points: 2,
            consents: sms,
        };
        b.iter(|| {
            for id in ids.iter().step_by(1_000) {
                base.upsert(*id, black_box(changed));
            }
        })
    });
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

/// Customer `i`'s mobile, as an associate types it: `8 (916) 000-12-34`.
fn local_phone(i: u32) -> String {
    let d = format!("{i:07}");
    format!("8 (916) {}-{}-{}", &d[..3], &d[3..5], &d[5..])
}

/// A 16-digit loyalty card number with a valid Luhn check digit.
fn card(i: u32) -> String {
    let body = format!("700{i:012}");
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(k, b)| {
            let d = u32::from(b - b'0');
            let d = if k % 2 == 0 { d * 2 } else { d };
            if d > 9 { d - 9 } else { d }
        })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

fn identity_index(c: &mut Criterion) {
    const CUSTOMERS: u32 = 1_000_000;
    let ru = CountryCode::parse("RU").expect("region");
    let tenant = TenantId::new();
    let mut index = IdentityIndex::with_capacity(3 * CUSTOMERS as usize);
    let mut ids = Vec::with_capacity(CUSTOMERS as usize);
    let started = std::time::Instant::now();
    for i in 0..CUSTOMERS {
        let customer = CustomerId::new();
        ids.push(customer);
        for (kind, raw) in [
            (IdentifierKind::Phone, format!("+7916{i:07}")),
            (IdentifierKind::Email, format!("customer{i}@example.com")),
            (IdentifierKind::LoyaltyCard, card(i)),
        ] {
            let id = Identifier { kind, value: raw };
            index.attach(&id.digest_bytes(tenant), customer);
        }
    }
    println!(
        "identity index: {} identifiers of {CUSTOMERS} customers built in {:?}, ~{} MiB ({} bytes per customer)",
        index.len(),
        started.elapsed(),
        index.memory_bytes() >> 20,
        index.memory_bytes() / CUSTOMERS as usize,
    );
    // 100,000 single lookups, each timed: the figure the in-process target is about.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % u64::from(CUSTOMERS)) as u32
    };
    let queries: Vec<(u32, String)> = (0..100_000)
        .map(|_| {
            let i = next();
            (i, local_phone(i))
        })
        .collect();
    let mut lat = Vec::with_capacity(queries.len());
    for (i, raw) in &queries {
        let t = std::time::Instant::now();
        let id = Identifier::parse(IdentifierKind::Phone, black_box(raw), ru).expect("phone");
        let found = index.resolve(tenant, &id);
        lat.push(t.elapsed());
        assert_eq!(found, Some(ids[*i as usize]), "{raw}");
    }
    lat.sort();
    let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)];
    println!(
        "identify in-process (normalise local phone + index lookup), 100,000 single lookups over {} identifiers: p50 {:?} p99 {:?} max {:?}",
        index.len(),
        pct(0.5),
        pct(0.99),
        lat[lat.len() - 1]
    );
    let mut k = 0;
    c.bench_function(
        "identify in-process: normalise `8 (916) …` + index lookup, 1M customers × 3 identifiers",
        |b| {
            b.iter(|| {
                k = (k + 7_919) % queries.len();
                let id = Identifier::parse(IdentifierKind::Phone, black_box(&queries[k].1), ru)
                    .expect("phone");
                index.resolve(tenant, &id)
            })
        },
    );
    let probe = Identifier::parse(IdentifierKind::Phone, &queries[0].1, ru).expect("phone");
    c.bench_function("identity index lookup alone (digest + probe)", |b| {
        b.iter(|| index.resolve(tenant, black_box(&probe)))
    });
}

criterion_group!(benches, normalise, summary, identity_index, segments);
criterion_main!(benches);
