use omni_kernel::{CountryCode, CustomerId, TenantId};
use serde_json::json;

use super::*;
use crate::customers::IdentifierKind;

fn phone(raw: &str) -> Identifier {
    let ru = CountryCode::parse("RU").expect("region");
    Identifier::parse(IdentifierKind::Phone, raw, ru).expect("phone")
}

fn event(tenant: TenantId, kind: &str, data: serde_json::Value) -> DomainEvent {
    DomainEvent::new(tenant, kind, "cus_x", chrono::Utc::now(), data)
}

#[test]
fn a_phone_in_any_format_leads_to_its_customer() {
    let (t, c) = (TenantId::new(), CustomerId::new());
    let mut idx = IdentityIndex::default();
    idx.attach(&phone("+7 916 123 45 67").digest_bytes(t), c);
    for raw in ["8 (916) 123-45-67", "79161234567", "+7(916)1234567"] {
        assert_eq!(idx.resolve(t, &phone(raw)), Some(c), "{raw}");
    }
    assert_eq!(idx.resolve(t, &phone("8 (916) 123-45-68")), None);
    assert_eq!(idx.len(), 1);
}

#[test]
fn tenants_are_isolated() {
    let (a, b, c) = (TenantId::new(), TenantId::new(), CustomerId::new());
    let mut idx = IdentityIndex::default();
    idx.attach(&phone("89161234567").digest_bytes(a), c);
    assert_eq!(idx.resolve(a, &phone("89161234567")), Some(c));
    assert_eq!(idx.resolve(b, &phone("89161234567")), None);
}

#[test]
fn a_merged_identifier_leads_to_the_survivor_and_back_after_unmerge() {
    let (t, survivor, loser) = (TenantId::new(), CustomerId::new(), CustomerId::new());
    let mut idx = IdentityIndex::default();
    let p = phone("89161234567");
    idx.attach(&p.digest_bytes(t), loser);
    idx.merge(loser, survivor);
    assert_eq!(idx.resolve(t, &p), Some(survivor));
    // The survivor takes the matched identifier too: one row in the store, key kept.
    idx.attach(&p.digest_bytes(t), survivor);
    assert_eq!(idx.resolve(t, &p), Some(survivor));
    // A chain: the survivor is merged in turn.
    let top = CustomerId::new();
    idx.merge(survivor, top);
    assert_eq!(idx.resolve(t, &p), Some(top));
    idx.unmerge(survivor, top);
    idx.unmerge(loser, survivor);
    assert_eq!(idx.resolve(t, &p), Some(loser));
    // An unmerge naming another survivor is not this merge's reversal.
    idx.merge(loser, survivor);
    idx.unmerge(loser, top);
    assert_eq!(idx.resolve(t, &p), Some(survivor));
}

#[test]
fn erased_customers_are_never_found_and_their_identifiers_can_be_reused() {
    let (t, root, merged) = (TenantId::new(), CustomerId::new(), CustomerId::new());
    let mut idx = IdentityIndex::default();
    let (p, q) = (phone("89161234567"), phone("89161234568"));
    idx.attach(&p.digest_bytes(t), root);
    idx.attach(&q.digest_bytes(t), merged);
    idx.merge(merged, root);
    idx.erase([root, merged]);
    assert_eq!(idx.resolve(t, &p), None);
    assert_eq!(idx.resolve(t, &q), None);
    // Only the root erased: a profile merged into it is not answered either.
    let mut idx2 = IdentityIndex::default();
    idx2.attach(&q.digest_bytes(t), merged);
    idx2.merge(merged, root);
    idx2.erase([root]);
    assert_eq!(idx2.resolve(t, &q), None);
    let newcomer = CustomerId::new();
    idx.attach(&p.digest_bytes(t), newcomer);
    assert_eq!(idx.resolve(t, &p), Some(newcomer));
}

#[test]
fn a_key_two_live_profiles_hold_is_left_to_the_store() {
    let (t, a, b) = (TenantId::new(), CustomerId::new(), CustomerId::new());
    let mut idx = IdentityIndex::default();
    let p = phone("89161234567");
    idx.attach(&p.digest_bytes(t), a);
    idx.attach(&p.digest_bytes(t), a);
    assert_eq!(idx.resolve(t, &p), Some(a));
    idx.attach(&p.digest_bytes(t), b);
    assert_eq!(idx.resolve(t, &p), None);
    idx.attach(&p.digest_bytes(t), a);
    assert_eq!(idx.resolve(t, &p), None, "stays shared");
}

#[test]
fn a_lagging_index_never_answers_for_an_erased_or_unknown_identifier() {
    // What a node sees while the feed catches up: the erasure arrives before (or after) the
    // attachment it undoes, and both orders end with nothing answered.
    let (t, c) = (TenantId::new(), CustomerId::new());
    let p = phone("89161234567");
    let mut early = IdentityIndex::default();
    early.erase([c]);
    early.attach(&p.digest_bytes(t), c);
    assert_eq!(early.resolve(t, &p), None);
    let mut late = IdentityIndex::default();
    late.attach(&p.digest_bytes(t), c);
    late.erase([c]);
    assert_eq!(late.resolve(t, &p), None);
    // A merge cycle (never written by the API) is left to the store, not looped on.
    let (x, y) = (CustomerId::new(), CustomerId::new());
    late.attach(&phone("89161234569").digest_bytes(t), x);
    late.merge(x, y);
    late.merge(y, x);
    assert_eq!(late.resolve(t, &phone("89161234569")), None);
}

#[test]
fn the_feed_events_the_api_writes_keep_the_index_current_even_when_replayed() {
    let (t, a, b) = (TenantId::new(), CustomerId::new(), CustomerId::new());
    let (p, card) = (phone("89161234567"), phone("89161234599"));
    let dg = |i: &Identifier| i.digest(t);
    let feed = [
        event(
            t,
            "customer.created",
            json!({"customer_id": a,
            "identifiers": [{"kind": "phone", "digest": dg(&p), "verified": true}]}),
        ),
        event(
            t,
            "customer.created",
            json!({"customer_id": b,
            "identifiers": [{"kind": "phone", "digest": dg(&card), "verified": true}]}),
        ),
        event(
            t,
            "customer.merged",
            json!({"merge_id": "mrg_x", "survivor": a, "loser": b}),
        ),
        event(t, "customer.segment_changed", json!({"customer_id": b})),
    ];
    let mut idx = IdentityIndex::default();
    let applied: Vec<bool> = feed.iter().map(|e| idx.apply(e)).collect();
    assert_eq!(applied, [true, true, true, false]);
    assert_eq!(idx.resolve(t, &card), Some(a));
    for e in &feed {
        idx.apply(e);
    }
    assert_eq!(idx.resolve(t, &card), Some(a), "replay changes nothing");
    idx.apply(&event(
        t,
        "customer.unmerged",
        json!({"survivor": a, "loser": b}),
    ));
    assert_eq!(idx.resolve(t, &card), Some(b));
    let device = Identifier {
        kind: IdentifierKind::Device,
        value: "dev-1".into(),
    };
    idx.apply(&event(
        t,
        "customer.device_stitched",
        json!({"customer_id": b, "device_digest": dg(&device), "stitched_entries": 2}),
    ));
    assert_eq!(idx.resolve(t, &device), Some(b));
    idx.apply(&event(
        t,
        "customer.erased",
        json!({"customer_id": b, "erased_ids": [b]}),
    ));
    assert_eq!(idx.resolve(t, &card), None);
    assert_eq!(idx.resolve(t, &device), None);
    assert_eq!(idx.resolve(t, &p), Some(a));
}

#[test]
fn digests_parse_from_their_hex_form_only() {
    let t = TenantId::new();
    let p = phone("89161234567");
    assert_eq!(parse_digest(&p.digest(t)), Some(p.digest_bytes(t)));
    assert_eq!(parse_digest("abc"), None);
    assert_eq!(parse_digest(&"zz".repeat(16)), None);
    assert_eq!(parse_digest(&"é".repeat(16)), None);
}

#[test]
fn memory_is_about_35_bytes_per_identifier() {
    let mut idx = IdentityIndex::with_capacity(3_000);
    let t = TenantId::new();
    for i in 0..3_000u32 {
        let id = Identifier {
            kind: IdentifierKind::AppAccount,
            value: format!("app-{i}"),
        };
        idx.attach(&id.digest_bytes(t), CustomerId::new());
    }
    assert_eq!(idx.len(), 3_000);
    let per = idx.memory_bytes() / idx.len();
    assert!((25..=60).contains(&per), "{per} bytes per identifier");
}
