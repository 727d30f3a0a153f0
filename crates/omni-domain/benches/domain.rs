//! Criterion benchmarks of hot domain paths: every request verifies a key; every write
//! fingerprints its body; availability checks ask whether stores are open.

use std::hint::black_box;

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use omni_domain::access::{mint_key, parse_token, verify_secret};
use omni_domain::idempotency::fingerprint;
use omni_domain::network::OpeningHours;
use omni_domain::webhooks::sign;
use omni_kernel::{ApiKeyId, Currency, Money};

fn key_check(c: &mut Criterion) {
    let key = mint_key(ApiKeyId::new(), [42; 32]);
    c.bench_function("api key parse + verify", |b| {
        b.iter(|| {
            let (_, secret) = parse_token(black_box(&key.token)).expect("ours");
            assert!(verify_secret(secret, &key.secret_hash));
        })
    });
}

fn idempotency(c: &mut Criterion) {
    let body = vec![b'x'; 1024];
    c.bench_function("idempotency fingerprint 1 KiB", |b| {
        b.iter(|| fingerprint("POST", "/v1/locations", black_box(&body)))
    });
}

fn opening_hours(c: &mut Criterion) {
    let hours = OpeningHours::every_day("10:00", "22:00");
    let at = Utc
        .with_ymd_and_hms(2026, 11, 23, 12, 0, 0)
        .single()
        .expect("time");
    let zones = [
        chrono_tz::Europe::Moscow,
        chrono_tz::Asia::Novosibirsk,
        chrono_tz::Asia::Almaty,
    ];
    c.bench_function("is_open_at x3 zones", |b| {
        b.iter(|| {
            zones
                .iter()
                .filter(|tz| hours.is_open_at(**tz, black_box(at)))
                .count()
        })
    });
}

fn money(c: &mut Criterion) {
    let total = Money::from_minor(1_234_567, Currency::Rub);
    let weights: Vec<u64> = (1..=20).collect();
    c.bench_function("allocate discount over 20 lines", |b| {
        b.iter(|| total.allocate(black_box(&weights)))
    });
}

fn webhook_signature(c: &mut Criterion) {
    let body = vec![b'{'; 2048];
    c.bench_function("webhook sign 2 KiB", |b| {
        b.iter(|| {
            sign(
                b"secret-key-bytes",
                "evt_1",
                1_700_000_000,
                black_box(&body),
            )
        })
    });
}

criterion_group!(
    benches,
    key_check,
    idempotency,
    opening_hours,
    money,
    webhook_signature
);
criterion_main!(benches);
