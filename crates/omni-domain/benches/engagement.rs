//! Engagement benchmarks: the trigger engine over a chain-scale event stream (a million
//! customers' waiting runs; cart updates 60 %, purchases 20 %, the rest pickups, store visits,
//! birthdays and events no chain listens to) and chatbot intent recognition per message.
//! `cargo bench -p omni-domain --bench engagement`

use std::hint::black_box;
use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use omni_domain::engagement::{
    EventView, Outcome, TriggerChain, TriggerEngine, WaitingRuns, recognize,
};
use omni_kernel::id::Ulid;
use omni_kernel::{CustomerId, EventId, Timestamp};
use serde_json::json;

const CUSTOMERS: u64 = 1_000_000;
const STREAM: usize = 1_000_000;

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0)
        .single()
        .expect("time")
}

fn customer(n: u64) -> CustomerId {
    CustomerId::from_ulid(Ulid(u128::from(n) + 1))
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

fn engine() -> TriggerEngine {
    let mut chains = TriggerChain::examples();
    // More chains on other events, as a tenant accumulates them.
    for i in 0..20 {
        let mut c = chains[3].clone();
        c.id = format!("campaign_{i}");
        c.on = format!("campaign.event_{i}");
        chains.push(c);
    }
    TriggerEngine::new(chains)
}

/// A million waiting abandoned-cart runs, due over the next two hours.
fn waiting(e: &TriggerEngine) -> WaitingRuns {
    let mut w = WaitingRuns::with_capacity(CUSTOMERS as usize * 5 / 4);
    let cart = json!({"lines": 2, "total_minor": 459_000});
    for n in 0..CUSTOMERS {
        let ev = EventView {
            event_id: EventId::new(),
            event_type: "cart.updated",
            customer_id: Some(customer(n)),
            data: &cart,
            at: t0() - Duration::seconds((n % 7200) as i64),
        };
        e.on_event(&ev, None, &mut w);
    }
    w
}

fn stream() {
    let e = engine();
    let started = Instant::now();
    let mut w = waiting(&e);
    println!(
        "prefilled {} waiting runs in {:.2} s",
        w.len(),
        started.elapsed().as_secs_f64()
    );
    let cart = json!({"lines": 2, "total_minor": 459_000});
    let empty = json!({});
    let near = json!({"wishlist_in_stock": 1});
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let events: Vec<(&str, u64)> = (0..STREAM)
        .map(|_| {
            let kind = match rng.next() % 100 {
                0..60 => "cart.updated",
                60..80 => "order.placed",
                80..88 => "order.ready_for_pickup",
                88..93 => "customer.near_store",
                93..95 => "customer.birthday",
                _ => "page.viewed",
            };
            (kind, rng.next() % (CUSTOMERS * 6 / 5))
        })
        .collect();
    let ids: Vec<EventId> = (0..STREAM).map(|_| EventId::new()).collect();

    let mut out = Outcome::default();
    let (mut started_runs, mut cancelled, mut fired) = (0usize, 0usize, 0usize);
    let mut now = t0();
    let clock = Instant::now();
    for (i, (kind, c)) in events.iter().enumerate() {
        // 10 ms of event time per event: 1,000,000 events cover ~2.8 hours.
        now += Duration::milliseconds(10);
        let data = match *kind {
            "cart.updated" => &cart,
            "customer.near_store" => &near,
            _ => &empty,
        };
        let ev = EventView {
            event_id: ids[i],
            event_type: kind,
            customer_id: Some(customer(*c)),
            data,
            at: now,
        };
        e.on_event_into(&ev, None, &mut w, &mut out);
        started_runs += out.started.len();
        cancelled += out.cancelled.len();
        if i % 1000 == 999 {
            fired += e.due(now, &mut w).len();
        }
    }
    let secs = clock.elapsed().as_secs_f64();
    println!(
        "trigger engine: {STREAM} events in {secs:.2} s = {:.0} events/s \
         (on_event + due every 1,000 events; {started_runs} started/re-armed, \
         {cancelled} cancelled, {fired} fired, {} still waiting)",
        STREAM as f64 / secs,
        w.len()
    );
}

const MESSAGES: [&str; 8] = [
    "где мой заказ 100234?",
    "во сколько открывается магазин на тверской",
    "есть ли кроссовки nike 42 в наличии рядом",
    "как вернуть товар",
    "сколько у меня баллов",
    "where is my order 100045",
    "do you have the red jacket in stock near me",
    "расскажи анекдот",
];

fn intents(c: &mut Criterion) {
    let _ = recognize("warm up the lexicon");
    let n = 200_000;
    let clock = Instant::now();
    for i in 0..n {
        black_box(recognize(black_box(MESSAGES[i % MESSAGES.len()])));
    }
    let per = clock.elapsed().as_secs_f64() * 1e6 / n as f64;
    println!("recognize: {per:.2} µs per typical message ({n} messages)");
    for m in [MESSAGES[0], MESSAGES[2], MESSAGES[6]] {
        c.bench_function(&format!("recognize {m:?}"), |b| {
            b.iter(|| recognize(black_box(m)))
        });
    }
}

fn triggers(c: &mut Criterion) {
    stream();
    let e = engine();
    let mut w = waiting(&e);
    let cart = json!({"lines": 2, "total_minor": 459_000});
    let mut out = Outcome::default();
    let mut n = 0u64;
    let mut group = c.benchmark_group("trigger engine, 1,000,000 waiting runs");
    group.bench_function("on_event cart.updated (re-arm)", |b| {
        b.iter(|| {
            n = (n + 7919) % CUSTOMERS;
            let ev = EventView {
                event_id: EventId::new(),
                event_type: "cart.updated",
                customer_id: Some(customer(n)),
                data: &cart,
                at: t0(),
            };
            e.on_event_into(&ev, None, &mut w, &mut out);
            out.started.len()
        })
    });
    group.finish();
}

criterion_group!(benches, intents, triggers);
criterion_main!(benches);
