//! Customers repository conformance on SQLite and PostgreSQL: one verified owner per
//! identifier, bulk loading, the columnar snapshot, `may_contact`, and erasure.

use chrono::Utc;
use omni_domain::customers::{
    ConsentRecord, ContactChannel, ContactDecision, Customer, CustomerStatus, Identifier,
    IdentifierKind, Purpose, Rule, Tier,
};
use omni_domain::tenancy::{Country, Tenant};
use omni_kernel::{Channel, CountryCode, Currency, CustomerId, Locale, TenantId};
use omni_store::StoreError;
use omni_store::customers::BulkCustomer;
use omni_store::testing::{TestDb, backend_banner};

async fn setup() -> (TestDb, Tenant) {
    eprintln!("{}", backend_banner());
    let db = TestDb::new().await.expect("db");
    let ru = CountryCode::parse("RU").expect("ru");
    let t = Tenant {
        id: TenantId::new(),
        slug: format!("t{}", ulid::Ulid::generate().to_string().to_lowercase()),
        name: "t".into(),
        countries: vec![Country {
            code: ru,
            currency: Currency::Rub,
            phone_region: ru,
            default_locale: Locale::Ru,
            time_zone: "Europe/Moscow".into(),
        }],
    };
    let mut tx = db.store.write().await.expect("tx");
    tx.insert_tenant(&t, Utc::now()).await.expect("tenant");
    tx.commit().await.expect("commit");
    (db, t)
}

fn customer(t: &Tenant, city: &str, tier: Tier) -> Customer {
    let now = Utc::now();
    Customer {
        id: CustomerId::new(),
        tenant_id: t.id,
        status: CustomerStatus::Active,
        merged_into: None,
        given_name: Some("Иван".into()),
        family_name: None,
        city: Some(city.into()),
        tier,
        points_balance: 0,
        spent_90d: 0,
        preferences: Default::default(),
        sizes: Default::default(),
        preferred_channel: None,
        quiet_hours: None,
        time_zone: "Europe/Moscow".into(),
        birth_date: None,
        provenance: Default::default(),
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

fn phone(v: &str) -> Identifier {
    Identifier {
        kind: IdentifierKind::Phone,
        value: v.into(),
    }
}

#[tokio::test]
async fn a_verified_identifier_has_one_owner_and_unverified_ones_may_repeat() {
    let (db, t) = setup().await;
    let (a, b) = (
        customer(&t, "Москва", Tier::Basic),
        customer(&t, "Москва", Tier::Basic),
    );
    let mut tx = db.store.write().await.expect("tx");
    tx.insert_customer(&a, 0).await.expect("a");
    tx.insert_customer(&b, 0).await.expect("b");
    tx.attach_identifier(t.id, a.id, &phone("+79161234567"), true, "web", Utc::now())
        .await
        .expect("a phone");
    tx.attach_identifier(t.id, b.id, &phone("+79160000000"), false, "web", Utc::now())
        .await
        .expect("b phone");
    tx.attach_identifier(t.id, a.id, &phone("+79160000000"), false, "pos", Utc::now())
        .await
        .expect("shared unverified");
    tx.commit().await.expect("commit");
    let mut tx = db.store.write().await.expect("tx");
    let err = tx
        .attach_identifier(t.id, b.id, &phone("+79161234567"), true, "web", Utc::now())
        .await
        .expect_err("taken");
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    drop(tx);
    let found = db
        .store
        .customer_by_identifier(t.id, &phone("+79161234567"))
        .await
        .expect("found");
    assert_eq!(found.id, a.id);
    assert!(matches!(
        db.store
            .customer_by_identifier(TenantId::new(), &phone("+79161234567"))
            .await,
        Err(StoreError::NotFound)
    ));
}

#[tokio::test]
async fn bulk_loads_feed_the_snapshot_and_may_contact_reads_the_consents() {
    let (db, t) = setup().await;
    let sms = ConsentRecord {
        purpose: Purpose::Marketing,
        channel: Some(ContactChannel::Sms),
        granted: true,
        method: "checkbox".into(),
        source: Channel::Web,
        location_id: None,
        at: Utc::now(),
    };
    let rows: Vec<BulkCustomer> = (0..450)
        .map(|i| BulkCustomer {
            customer: customer(
                &t,
                if i % 3 == 0 {
                    "Казань"
                } else {
                    "Москва"
                },
                if i % 2 == 0 { Tier::Gold } else { Tier::Basic },
            ),
            identifiers: vec![(phone(&format!("+7916{i:07}")), true)],
            consents: if i % 5 == 0 {
                vec![sms.clone()]
            } else {
                vec![]
            },
        })
        .collect();
    let mut tx = db.store.write().await.expect("tx");
    tx.bulk_insert_customers(&rows).await.expect("bulk");
    tx.commit().await.expect("commit");
    let base = db.store.segment_base(t.id).await.expect("base");
    assert_eq!(base.len(), 450);
    let rule = Rule::All(vec![
        Rule::TierIs(Tier::Gold),
        Rule::CityIs("Москва".into()),
        Rule::Consented {
            purpose: Purpose::Marketing,
            channel: Some(ContactChannel::Sms),
        },
    ]);
    let expected = (0..450)
        .filter(|i| i % 2 == 0 && i % 3 != 0 && i % 5 == 0)
        .count();
    assert_eq!(base.evaluate(&rule).len(), expected);
    let now = Utc::now();
    let yes = db
        .store
        .may_contact(
            t.id,
            rows[0].customer.id,
            Purpose::Marketing,
            ContactChannel::Sms,
            now,
        )
        .await
        .expect("ask");
    assert_eq!(yes, ContactDecision::Allowed);
    let no = db
        .store
        .may_contact(
            t.id,
            rows[1].customer.id,
            Purpose::Marketing,
            ContactChannel::Sms,
            now,
        )
        .await
        .expect("ask");
    assert_eq!(no, ContactDecision::NoConsent);
    let unknown = db
        .store
        .may_contact(
            t.id,
            CustomerId::new(),
            Purpose::Marketing,
            ContactChannel::Sms,
            now,
        )
        .await
        .expect("ask");
    assert_eq!(unknown, ContactDecision::Unavailable);
}

/// The snapshot is read packed; odd values (no city, a separator inside a city's name,
/// negative amounts) still come back exactly, in id order.
#[tokio::test]
async fn the_segment_snapshot_reads_every_value_back_exactly() {
    let (db, t) = setup().await;
    let mut odd = customer(&t, "Ростов-на-Дону", Tier::Silver);
    odd.city = Some("Нижний\u{1f}Новгород\u{1e}".into());
    odd.points_balance = -5;
    odd.spent_90d = 123_456_789_012;
    let mut homeless = customer(&t, "", Tier::Platinum);
    homeless.city = None;
    let plain = customer(&t, "Москва", Tier::Basic);
    let rows: Vec<BulkCustomer> = [odd.clone(), homeless.clone(), plain.clone()]
        .into_iter()
        .map(|customer| BulkCustomer {
            customer,
            identifiers: vec![],
            consents: vec![],
        })
        .collect();
    let mut tx = db.store.write().await.expect("tx");
    tx.bulk_insert_customers(&rows).await.expect("bulk");
    tx.commit().await.expect("commit");
    let base = db.store.segment_base(t.id).await.expect("base");
    let mut ids = vec![odd.id, homeless.id, plain.id];
    ids.sort();
    assert_eq!(
        base.evaluate(&Rule::All(vec![])),
        ids,
        "everyone, in id order"
    );
    let only = |rule: Rule| -> Vec<String> {
        base.evaluate(&rule)
            .into_iter()
            .map(|id| id.to_string())
            .collect()
    };
    assert_eq!(
        only(Rule::CityIs("Нижний\u{1f}Новгород\u{1e}".into())),
        [odd.id.to_string()]
    );
    assert_eq!(
        only(Rule::PointsAtLeast(0)).len(),
        2,
        "−5 points is below 0"
    );
    assert_eq!(
        only(Rule::Spent90dOver(123_456_789_011)),
        [odd.id.to_string()]
    );
    assert_eq!(
        only(Rule::TierIs(Tier::Platinum)),
        [homeless.id.to_string()]
    );
    assert_eq!(only(Rule::CityIs("Москва".into())), [plain.id.to_string()]);
}

/// Every change of a customer's segment facts leaves an event naming the customer (what the
/// nodes' segment snapshots follow): an event the writer recorded, or else
/// `customer.facts_changed` added at commit. The facts read back as stored.
#[tokio::test]
async fn a_change_of_segment_facts_always_leaves_an_event_naming_the_customer() {
    let (db, t) = setup().await;
    let (named, silent) = (
        customer(&t, "Москва", Tier::Gold),
        customer(&t, "Казань", Tier::Basic),
    );
    let mut tx = db.store.write().await.expect("tx");
    tx.insert_customer(&named, 0).await.expect("insert");
    tx.insert_customer(&silent, 0).await.expect("insert");
    tx.record(&omni_domain::events::DomainEvent::new(
        t.id,
        "customer.created",
        named.id,
        Utc::now(),
        serde_json::json!({}),
    ))
    .await
    .expect("event");
    tx.commit().await.expect("commit");
    let mut tx = db.store.write().await.expect("tx");
    tx.set_consent_bits(t.id, named.id, 6, Utc::now())
        .await
        .expect("bits");
    tx.commit().await.expect("commit");
    db.store.sequence_outbox(1_000).await.expect("sequence");
    let marks = db.store.feed_marks(t.id, 0, 100).await.expect("marks");
    let kinds: Vec<(&str, String)> = marks
        .iter()
        .map(|m| (m.kind.as_str(), m.subject.clone()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("customer.created", named.id.to_string()),
            (omni_store::FACTS_CHANGED, silent.id.to_string()),
            (omni_store::FACTS_CHANGED, named.id.to_string()),
        ]
    );
    let mut rows = db
        .store
        .segment_facts(t.id, &[silent.id, named.id, CustomerId::new()])
        .await
        .expect("facts");
    rows.sort_by_key(|r| r.id);
    assert_eq!(rows.len(), 2, "an unknown id is left out");
    assert_eq!(rows[0].id, named.id);
    assert_eq!(
        (rows[0].consents, rows[0].city.as_deref(), rows[0].active),
        (6, Some("Москва"), true)
    );
    assert_eq!(rows[1].tier, Tier::Basic);
}

#[tokio::test]
async fn erasure_removes_identifiers_and_attributes_but_keeps_the_id() {
    let (db, t) = setup().await;
    let c = customer(&t, "Москва", Tier::Gold);
    let mut tx = db.store.write().await.expect("tx");
    tx.insert_customer(&c, 0).await.expect("insert");
    tx.attach_identifier(t.id, c.id, &phone("+79161234567"), true, "web", Utc::now())
        .await
        .expect("phone");
    tx.commit().await.expect("commit");
    let mut tx = db.store.write().await.expect("tx");
    let (erased, ids) = tx
        .erase_customer(t.id, c.id, Utc::now())
        .await
        .expect("erase");
    tx.commit().await.expect("commit");
    assert_eq!(ids, [c.id]);
    assert_eq!(erased.status, CustomerStatus::Erased);
    assert_eq!(
        erased.tier,
        Tier::Gold,
        "loyalty standing is accounting, not personal data"
    );
    assert!(erased.given_name.is_none() && erased.city.is_none());
    assert!(
        db.store
            .identifiers_of(t.id, c.id)
            .await
            .expect("ids")
            .is_empty()
    );
    assert!(matches!(
        db.store
            .customer_by_identifier(t.id, &phone("+79161234567"))
            .await,
        Err(StoreError::NotFound)
    ));
}

/// Which segments a customer is in is asked on every quote and identify: SQLite must answer it
/// from the by-customer index, not by reading every member of the tenant's segments (what it
/// chose while the primary key covered the query and the index did not).
#[tokio::test]
async fn a_customers_segments_are_found_by_the_customer_index() {
    let (db, _t) = setup().await;
    if db.store.backend() != omni_store::Backend::Sqlite {
        return println!("query plan check: SQLite only (PostgreSQL plans by statistics)");
    }
    use sqlx::Row;
    let plan: Vec<String> = sqlx::query(
        "EXPLAIN QUERY PLAN SELECT segment_id FROM segment_members WHERE tenant_id = $1 AND customer_id = $2",
    )
    .bind("t")
    .bind("c")
    .fetch_all(db.store.pool())
    .await
    .expect("plan")
    .iter()
    .map(|r| r.try_get::<String, _>("detail").expect("detail"))
    .collect();
    assert_eq!(
        plan,
        [
            "SEARCH segment_members USING COVERING INDEX segment_members_by_customer (tenant_id=? AND customer_id=?)"
        ]
    );
}
