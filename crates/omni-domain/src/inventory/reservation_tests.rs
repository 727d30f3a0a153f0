//! Every transition of a hold, from every state.

use chrono::{Duration, Utc};
use omni_kernel::{LocationId, TenantId};

use super::*;

fn hold(ttl: u32) -> Reservation {
    ReservationDraft {
        sku: Sku::parse("SKU-1").expect("sku"),
        location_id: LocationId::new(),
        quantity: 2,
        reserved_for: ReservedFor::Cart { id: "crt_1".into() },
        ttl_seconds: Some(ttl),
    }
    .into_reservation(TenantId::new(), ReservationId::new(), None, Utc::now())
    .expect("valid")
}

#[test]
fn a_draft_is_validated() {
    let mut d = ReservationDraft {
        sku: Sku::parse("SKU-1").expect("sku"),
        location_id: LocationId::new(),
        quantity: 0,
        reserved_for: ReservedFor::OrderLine {
            id: " ".into(),
            line: 1,
        },
        ttl_seconds: Some(0),
    };
    let err = d
        .clone()
        .into_reservation(TenantId::new(), ReservationId::new(), None, Utc::now())
        .expect_err("invalid");
    let fields: Vec<_> = err.items().iter().map(|v| v.field.as_str()).collect();
    assert_eq!(fields, ["quantity", "ttl_seconds", "reserved_for.id"]);
    d.quantity = 1;
    d.ttl_seconds = None;
    d.reserved_for = ReservedFor::Cart { id: "c".into() };
    let r = d
        .into_reservation(TenantId::new(), ReservationId::new(), None, Utc::now())
        .expect("valid");
    assert_eq!(r.expires_at - r.created_at, Duration::seconds(900));
}

type Ending = fn(Reservation, Timestamp) -> Result<Reservation, ReservationError>;

#[test]
fn an_active_hold_ends_exactly_once() {
    let now = Utc::now();
    let ends: [Ending; 2] = [|r, t| r.release(t), |r, t| r.commit(Commitment::Pickup, t)];
    for end in ends {
        let done = end(hold(60), now).expect("first end");
        assert!(end(done.clone(), now).is_err());
        assert!(done.clone().release(now).is_err());
        assert!(done.clone().commit(Commitment::Shipment, now).is_err());
        assert!(done.clone().expire(now + Duration::days(30)).is_err());
        assert!(done.extend(60, now).is_err());
    }
}

#[test]
fn an_overdue_hold_expires_and_cannot_be_committed_or_extended() {
    let r = hold(60);
    let later = r.created_at + Duration::seconds(60);
    assert!(
        r.clone().expire(later - Duration::seconds(1)).is_err(),
        "not yet due"
    );
    assert_eq!(
        r.clone().commit(Commitment::PosSale, later),
        Err(ReservationError::Expired)
    );
    assert!(r.clone().extend(60, later).is_err());
    assert_eq!(
        r.clone().release(later).map(|r| r.status),
        Ok(ReservationStatus::Released)
    );
    let expired = r.expire(later).expect("due");
    assert_eq!(expired.status, ReservationStatus::Expired);
}

#[test]
fn extending_moves_the_deadline_from_now() {
    let r = hold(60);
    let at = r.created_at + Duration::seconds(30);
    let extended = r.extend(600, at).expect("extended");
    assert_eq!(extended.expires_at, at + Duration::seconds(600));
    assert!(extended.extend(MAX_TTL_SECONDS + 1, at).is_err());
}
