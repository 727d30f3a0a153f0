//! Birthdays end to end: the birth date on the profile, the producer recording
//! `customer.birthday` once per customer and year in the customer's own time zone (however
//! often and on however many nodes it runs), and the example chain gifting 500 points.

mod common;

use std::sync::Arc;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use common::shop::{body, points};
use common::triggers::install_example;
use common::{TestApp, problem, spawn_app, strings};
use omni_api::customers_birthdays::{BirthdayProducer, BirthdayReport};
use omni_api::engagement_worker::TriggerWorker;
use omni_domain::engagement::TriggerChain;
use omni_kernel::{Clock, CustomerId, FixedClock};
use serde_json::{Value, json};

/// A clock a minute ahead of the server, so what the server wrote is in the past.
fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::at(Utc::now() + Duration::minutes(1)))
}

fn producer(app: &TestApp, clock: &Arc<FixedClock>, node: &str) -> BirthdayProducer {
    BirthdayProducer::new(app.db.store.clone(), clock.clone(), node)
}

async fn run(p: &BirthdayProducer) -> BirthdayReport {
    p.run_once().await.expect("birthday run")
}

/// The date it is in `tz` on `clock`, with the year 1992 (a leap year: any day exists).
fn born_today(clock: &FixedClock, tz: Tz) -> NaiveDate {
    let today = clock.now().with_timezone(&tz).date_naive();
    NaiveDate::from_ymd_opt(1992, today.month(), today.day()).expect("date")
}

/// Creates a customer of tenant A with a verified phone, a birth date and a time zone.
async fn born(app: &TestApp, phone: &str, birth: NaiveDate, tz: &str) -> String {
    let b = json!({"identifiers": [{"kind": "phone", "value": phone, "verified": true}],
        "birth_date": birth, "time_zone": tz});
    let r = app.post("/v1/customers", &app.a.agent, &b).await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    body(r).await["id"].as_str().expect("id").to_owned()
}

/// Tenant A's `customer.birthday` events.
async fn birthdays(app: &TestApp) -> Vec<Value> {
    // No relay runs in tests: give the committed events their feed positions.
    app.db
        .store
        .sequence_outbox(10_000)
        .await
        .expect("sequence");
    let page = body(app.get("/v1/events?limit=1000", &app.a.admin).await).await;
    page["data"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["type"] == "customer.birthday")
        .cloned()
        .collect()
}

fn subjects(events: &[Value]) -> Vec<String> {
    let mut out: Vec<String> = events
        .iter()
        .map(|e| e["data"]["customer_id"].as_str().expect("id").to_owned())
        .collect();
    out.sort();
    out
}

fn id(s: &str) -> CustomerId {
    s.parse().expect("customer id")
}

const MOSCOW: Tz = chrono_tz::Europe::Moscow;

#[tokio::test]
async fn a_birth_date_is_validated_and_shown_only_in_full_reads() {
    let app = spawn_app().await;
    let future = Utc::now().date_naive() + Duration::days(3);
    for bad in [json!(future), json!("1899-12-31")] {
        let b = json!({"identifiers": [{"kind": "phone", "value": "+79161230000", "verified": true}],
            "birth_date": bad});
        let p = problem(app.post("/v1/customers", &app.a.agent, &b).await, 422).await;
        assert_eq!(strings(&p, "errors", "field"), vec!["birth_date"], "{p}");
    }
    let b = json!({"identifiers": [{"kind": "phone", "value": "+79161230000", "verified": true}],
        "birth_date": "1992-13-01"});
    let r = app.post("/v1/customers", &app.a.agent, &b).await;
    assert_eq!(r.status(), 422, "not a date");

    let ann = born(&app, "+79161230001", date(1990, 5, 1), "Europe/Moscow").await;
    let reduced = body(app.get(&format!("/v1/customers/{ann}"), &app.a.agent).await).await;
    assert_eq!(reduced["birth_date"], Value::Null, "{reduced}");
    let full = app
        .req(
            reqwest::Method::GET,
            &format!("/v1/customers/{ann}"),
            &app.a.agent,
        )
        .header("x-access-reason", "support_request")
        .send()
        .await
        .expect("send");
    let etag = full.headers()["etag"].to_str().expect("etag").to_owned();
    assert_eq!(body(full).await["birth_date"], "1990-05-01");

    let patch = |b: Value, tag: String| {
        app.req(
            reqwest::Method::PATCH,
            &format!("/v1/customers/{ann}"),
            &app.a.agent,
        )
        .header("if-match", tag)
        .json(&b)
        .send()
    };
    let r = patch(json!({"birth_date": future}), etag.clone())
        .await
        .expect("send");
    let p = problem(r, 422).await;
    assert_eq!(strings(&p, "errors", "field"), vec!["birth_date"]);
    let r = patch(json!({"birth_date": "1990-05-02", "verified": true}), etag)
        .await
        .expect("send");
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let stored = app.db.store.customer(app.a.tenant.id, id(&ann)).await;
    assert_eq!(stored.expect("ann").birth_date, Some(date(1990, 5, 2)));
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

#[tokio::test]
async fn a_birthday_is_recorded_once_per_customer_and_year_on_any_number_of_nodes() {
    let app = spawn_app().await;
    let clock = clock();
    let today = born_today(&clock, MOSCOW);
    let ann = born(&app, "+79161230011", today, "Europe/Moscow").await;
    let tomorrow = today.succ_opt().unwrap_or(today);
    if tomorrow != today && tomorrow.month() * 100 + tomorrow.day() != 229 {
        born(&app, "+79161230012", tomorrow, "Europe/Moscow").await;
    }
    common::shop::customer(&app, "+79161230013").await;

    let (one, two) = (
        producer(&app, &clock, "node-1"),
        producer(&app, &clock, "node-2"),
    );
    let r = run(&one).await;
    assert!(r.held, "{r:?}");
    assert_eq!(r.recorded, 1, "only Ann's birthday is today: {r:?}");
    let r = run(&two).await;
    assert_eq!(r, BirthdayReport::default(), "node-1 holds the lease");
    assert_eq!(run(&one).await.recorded, 0, "a rerun records nothing");

    // Without the lease, two producers racing on one store still record Carl once.
    let carl = born(&app, "+79161230014", today, "Europe/Moscow").await;
    let now = clock.now();
    let (a, b) = tokio::join!(one.produce(now), two.produce(now));
    let (a, b) = (a.expect("one"), b.expect("two"));
    assert_eq!(a.recorded + b.recorded, 1, "{a:?} {b:?}");

    let events = birthdays(&app).await;
    let mut want = vec![ann.clone(), carl.clone()];
    want.sort();
    assert_eq!(subjects(&events), want, "{events:?}");
    let year = clock.now().with_timezone(&MOSCOW).year();
    assert!(events.iter().all(|e| e["data"]["year"] == year));
    assert!(
        events
            .iter()
            .all(|e| e["subject"] == e["data"]["customer_id"])
    );

    // A year later it is their birthday again: one more each.
    let next = noon_in(MOSCOW, next_birthday(today, year + 1));
    let later = Arc::new(FixedClock::at(next));
    let r = producer(&app, &later, "node-3").produce(next).await;
    assert_eq!(r.expect("next year").recorded, 2);
    assert_eq!(birthdays(&app).await.len(), 4);
    let store = &app.db.store;
    assert!(
        store
            .birthday_recorded(app.a.tenant.id, id(&ann), year + 1)
            .await
            .expect("read")
    );
}

fn next_birthday(birth: NaiveDate, year: i32) -> NaiveDate {
    omni_domain::customers::celebrated_on(birth, year).expect("date")
}

fn noon_in(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    let noon = day.and_hms_opt(12, 0, 0).expect("noon");
    tz.from_local_datetime(&noon)
        .single()
        .expect("unambiguous")
        .with_timezone(&Utc)
}

#[tokio::test]
async fn the_customers_own_time_zone_decides_and_erased_or_merged_profiles_get_nothing() {
    let app = spawn_app().await;
    let clock = clock();
    let (kiri, _pago) = (
        chrono_tz::Pacific::Kiritimati,
        chrono_tz::Pacific::Pago_Pago,
    );
    // UTC+14 and UTC−11: 25 hours apart, so never on the same date.
    let day = born_today(&clock, kiri);
    let east = born(&app, "+79161230021", day, "Pacific/Kiritimati").await;
    let west = born(&app, "+79161230022", day, "Pacific/Pago_Pago").await;

    let moscow_day = born_today(&clock, MOSCOW);
    let erased = born(&app, "+79161230023", moscow_day, "Europe/Moscow").await;
    let r = app
        .post(
            &format!("/v1/customers/{erased}/erasure"),
            &app.a.admin,
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let gone = app.db.store.customer(app.a.tenant.id, id(&erased)).await;
    assert_eq!(gone.expect("erased").birth_date, None, "erasure clears it");

    let first = born(&app, "+79161230024", moscow_day, "Europe/Moscow").await;
    let b = json!({"identifiers": [{"kind": "email", "value": "merge@example.com", "verified": true}],
        "birth_date": moscow_day});
    let r = app.post("/v1/customers", &app.a.agent, &b).await;
    assert_eq!(r.status(), 201);
    let second = body(r).await["id"].as_str().expect("id").to_owned();
    let both = json!({"identifiers": [
        {"kind": "phone", "value": "+79161230024", "verified": true},
        {"kind": "email", "value": "merge@example.com", "verified": true}]});
    let r = app.post("/v1/customers", &app.a.agent, &both).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let survivor = body(r).await["id"].as_str().expect("id").to_owned();
    let loser = if survivor == first { &second } else { &first };
    let merged = app.db.store.customer(app.a.tenant.id, id(loser)).await;
    assert_eq!(
        merged.expect("loser").status,
        omni_domain::customers::CustomerStatus::Merged
    );

    let p = producer(&app, &clock, "node-1");
    assert_eq!(run(&p).await.recorded, 2, "Kiritimati and the survivor");
    let mut want = vec![east.clone(), survivor.clone()];
    want.sort();
    assert_eq!(subjects(&birthdays(&app).await), want);

    // 25 hours later Pago Pago lives the date Kiritimati lived.
    clock.advance(Duration::hours(25));
    let r = run(&p).await;
    assert_eq!(r.recorded, 1, "{r:?}");
    let events = birthdays(&app).await;
    assert_eq!(events.len(), 3);
    assert!(subjects(&events).contains(&west));
}

#[tokio::test]
async fn a_leap_day_birthday_is_celebrated_on_feb_28_in_common_years() {
    let app = spawn_app().await;
    let leap = born(&app, "+79161230031", date(1992, 2, 29), "Europe/Moscow").await;
    let plain = born(&app, "+79161230032", date(1990, 3, 1), "Europe/Moscow").await;
    let p = producer(&app, &clock(), "node-1");
    let at = |y, m, d| noon_in(MOSCOW, date(y, m, d));

    let r = p.produce(at(2027, 2, 28)).await.expect("2027");
    assert_eq!(r.recorded, 1, "Feb 28 in a common year: {r:?}");
    assert_eq!(p.produce(at(2027, 3, 1)).await.expect("mar").recorded, 1);
    assert_eq!(p.produce(at(2028, 2, 28)).await.expect("2028").recorded, 0);
    assert_eq!(p.produce(at(2028, 2, 29)).await.expect("leap").recorded, 1);

    let events = birthdays(&app).await;
    let years: Vec<(String, i64)> = events
        .iter()
        .map(|e| {
            let who = e["data"]["customer_id"].as_str().expect("id").to_owned();
            (who, e["data"]["year"].as_i64().expect("year"))
        })
        .collect();
    assert_eq!(
        years,
        vec![(leap.clone(), 2027), (plain, 2027), (leap, 2028)]
    );
}

#[tokio::test]
async fn a_customer_whose_birthday_it_is_gets_500_points_from_the_example_chain() {
    let app = spawn_app().await;
    for chain in TriggerChain::examples() {
        install_example(&app, &chain.id).await;
    }
    let clock = clock();
    let mut worker = TriggerWorker::new(app.db.store.clone(), clock.clone(), "test-node");
    worker.run_round().await.expect("load chains");

    let ann = born(
        &app,
        "+79161230041",
        born_today(&clock, MOSCOW),
        "Europe/Moscow",
    )
    .await;
    let bob = common::shop::customer(&app, "+79161230042").await;
    let p = producer(&app, &clock, "node-1");
    assert_eq!(run(&p).await.recorded, 1);
    let r = worker.run_round().await.expect("round");
    assert_eq!(r.applied, 1, "the gift points chain: {r:?}");
    assert_eq!(points(&app, &ann).await.0, 500);
    assert_eq!(points(&app, &bob).await.0, 0);

    assert_eq!(run(&p).await.recorded, 0);
    clock.advance(Duration::minutes(5));
    let r = worker.run_round().await.expect("round");
    assert_eq!(r.applied, 0, "once a year: {r:?}");
    assert_eq!(
        r.dropped, 1,
        "the greeting needs a marketing consent: {r:?}"
    );
    assert_eq!(points(&app, &ann).await.0, 500);
}
