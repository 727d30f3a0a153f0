//! Inventory conformance on SQLite and PostgreSQL: the ledger always reconciles with
//! on-hand, concurrent holds never oversell, overdue holds expire exactly once, and feeds
//! reject rows that would undercut holds while re-runs of a snapshot change nothing.

use chrono::{Duration, Utc};
use omni_domain::inventory::{
    CheckedRow, Commitment, FeedId, FeedMode, Movement, MovementKind, RejectReason, Reservation,
    ReservationDraft, ReservationId, ReservedFor, Sku, TransferDraft, TransferId,
};
use omni_domain::network::{LocationDraft, LocationKind, OpeningHours};
use omni_domain::tenancy::{Country, Tenant};
use omni_kernel::{CountryCode, Currency, GeoPoint, Locale, LocationId, TenantId, Timestamp};
use omni_store::testing::{TestDb, backend_banner};
use omni_store::{Store, StoreError};

async fn setup(locations: usize) -> (TestDb, TenantId, Vec<LocationId>) {
    eprintln!("{}", backend_banner());
    let db = TestDb::new().await.expect("test database");
    let ru = CountryCode::parse("RU").expect("code");
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
    let mut ids = Vec::new();
    for i in 0..locations {
        let loc = LocationDraft {
            code: format!("L{i}"),
            name: format!("L{i}"),
            kind: LocationKind::Store,
            country: ru,
            city: "Москва".into(),
            address: "-".into(),
            geo: GeoPoint::new(55.75, 37.61).expect("geo"),
            time_zone: None,
            opening_hours: OpeningHours::every_day("10:00", "22:00"),
            capabilities: Default::default(),
            daily_order_capacity: None,
        }
        .into_location(&t, LocationId::new(), Utc::now())
        .expect("valid");
        tx.insert_location(&loc).await.expect("location");
        ids.push(loc.id);
    }
    tx.commit().await.expect("commit");
    (db, t.id, ids)
}

fn sku(s: &str) -> Sku {
    Sku::parse(s).expect("sku")
}

async fn receive(store: &Store, t: TenantId, s: &Sku, at: LocationId, q: i64) {
    let mut tx = store.write().await.expect("tx");
    let m = Movement {
        kind: MovementKind::Receipt,
        quantity: q,
    };
    tx.apply_movement(t, s, at, m, None, Utc::now())
        .await
        .expect("receipt");
    tx.commit().await.expect("commit");
}

fn hold(t: TenantId, s: &Sku, at: LocationId, q: i64, ttl: u32, now: Timestamp) -> Reservation {
    ReservationDraft {
        sku: s.clone(),
        location_id: at,
        quantity: q,
        reserved_for: ReservedFor::Cart { id: "crt".into() },
        ttl_seconds: Some(ttl),
    }
    .into_reservation(t, ReservationId::new(), None, now)
    .expect("valid")
}

async fn place(store: &Store, r: &Reservation) -> Result<(), StoreError> {
    let mut tx = store.write().await?;
    tx.place_reservation(r).await?;
    tx.commit().await
}

fn row(n: u64, s: &Sku, at: LocationId, q: i64, kind: MovementKind) -> CheckedRow {
    CheckedRow {
        row: n,
        sku: s.clone(),
        location_id: at,
        quantity: q,
        kind,
        safety_stock: None,
    }
}

#[tokio::test]
async fn any_mix_of_operations_keeps_the_ledger_reconciled_with_on_hand() {
    let (db, t, locs) = setup(3).await;
    let skus = [sku("A"), sku("B")];
    let mut seed: u64 = 0x5eed;
    let mut next = |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let mut holds = Vec::new();
    for _ in 0..250 {
        let s = &skus[next(2) as usize];
        let at = locs[next(3) as usize];
        let q = next(12) as i64 + 1;
        let now = Utc::now();
        let mut tx = db.store.write().await.expect("tx");
        let result = match next(7) {
            0 | 1 => {
                let kind = [
                    MovementKind::Receipt,
                    MovementKind::Sale,
                    MovementKind::Adjustment,
                ][next(3) as usize];
                let sign = if kind == MovementKind::Sale || next(2) == 0 {
                    -1
                } else {
                    1
                };
                let m = Movement {
                    kind,
                    quantity: sign * q,
                };
                tx.apply_movement(t, s, at, m, None, now).await.map(|_| ())
            }
            2 => {
                let r = hold(t, s, at, q, 600, now);
                let placed = tx.place_reservation(&r).await;
                if placed.is_ok() {
                    holds.push(r);
                }
                placed
            }
            3 if !holds.is_empty() => {
                let r = holds.swap_remove(next(holds.len() as u64) as usize);
                let end = if next(2) == 0 {
                    r.release(now).ok()
                } else {
                    r.commit(Commitment::PosSale, now).ok()
                };
                tx.advance_reservation(&end.expect("active")).await
            }
            4 => {
                let kind = if next(2) == 0 {
                    FeedMode::Snapshot
                } else {
                    FeedMode::Delta
                };
                let (q, k) = match kind {
                    FeedMode::Snapshot => (q, MovementKind::Count),
                    FeedMode::Delta => (q - 6, MovementKind::Adjustment),
                };
                if q == 0 {
                    continue;
                }
                tx.apply_feed_batch(t, FeedId::new(), kind, &[row(1, s, at, q, k)], now)
                    .await
                    .map(|_| ())
            }
            5 => {
                let to = locs[(locs.iter().position(|l| *l == at).unwrap_or(0) + 1) % 3];
                let draft = TransferDraft {
                    sku: s.clone(),
                    from_location_id: at,
                    to_location_id: to,
                    quantity: q,
                };
                let tr = draft.dispatch(t, TransferId::new(), now).expect("valid");
                match tx.dispatch_transfer(&tr).await {
                    Ok(()) => tx.receive_transfer(&tr.receive(now).expect("once")).await,
                    Err(e) => Err(e),
                }
            }
            _ => {
                let level = tx.stock_level(t, s, at).await.expect("level");
                match level.count(level.on_hand + q - 6) {
                    Ok(Some(m)) => tx.apply_movement(t, s, at, m, None, now).await.map(|_| ()),
                    _ => Ok(()),
                }
            }
        };
        match result {
            Ok(()) => tx.commit().await.expect("commit"),
            Err(StoreError::Conflict(_)) => tx.rollback().await.expect("rollback"),
            Err(e) => panic!("unexpected store error: {e}"),
        }
    }
    assert_eq!(db.store.unreconciled_stock(t).await.expect("audit"), vec![]);
    for s in &skus {
        for at in &locs {
            let l = db.store.stock_level(t, s, *at).await.expect("level");
            assert!(0 <= l.reserved && l.reserved <= l.on_hand, "{l:?}");
            assert_eq!(l.in_transit, 0, "every transfer was received");
        }
    }
}

#[tokio::test]
async fn concurrent_holds_take_exactly_the_stock_that_exists() {
    let (db, t, locs) = setup(1).await;
    let s = sku("LAST-UNITS");
    receive(&db.store, t, &s, locs[0], 5).await;
    let tasks: Vec<_> = (0..24)
        .map(|_| {
            let store = db.store.clone();
            let s = s.clone();
            let at = locs[0];
            tokio::spawn(async move { place(&store, &hold(t, &s, at, 1, 600, Utc::now())).await })
        })
        .collect();
    let mut won = 0;
    for task in tasks {
        match task.await.expect("join") {
            Ok(()) => won += 1,
            Err(StoreError::Conflict(_)) => {}
            Err(e) => panic!("unexpected: {e}"),
        }
    }
    assert_eq!(won, 5);
    let level = db.store.stock_level(t, &s, locs[0]).await.expect("level");
    assert_eq!((level.on_hand, level.reserved, level.atp()), (5, 5, 0));
}

#[tokio::test]
async fn overdue_holds_expire_exactly_once_and_free_their_stock() {
    let (db, t, locs) = setup(1).await;
    let s = sku("TTL");
    receive(&db.store, t, &s, locs[0], 3).await;
    let now = Utc::now();
    place(&db.store, &hold(t, &s, locs[0], 2, 60, now))
        .await
        .expect("placed");
    place(&db.store, &hold(t, &s, locs[0], 1, 3600, now))
        .await
        .expect("placed");
    assert_eq!(
        db.store
            .expire_due_reservations(now, 100)
            .await
            .expect("sweep"),
        0
    );
    let later = now + Duration::seconds(61);
    let (a, b) = tokio::join!(
        db.store.expire_due_reservations(later, 100),
        db.store.expire_due_reservations(later, 100)
    );
    assert_eq!(
        a.expect("sweep") + b.expect("sweep"),
        1,
        "expired exactly once"
    );
    let level = db.store.stock_level(t, &s, locs[0]).await.expect("level");
    assert_eq!((level.on_hand, level.reserved), (3, 1));
    // A hold placed after the deadline of another frees the overdue units first.
    let r = hold(t, &s, locs[0], 3, 60, now + Duration::hours(2));
    place(&db.store, &r)
        .await
        .expect("the hour-long hold is overdue by then");
}

/// An order's holds are placed together (their stock updates in one hand-off on SQLite):
/// a line that finds its units taken by an overdue hold sweeps it and still gets them, and a
/// line that cannot be served fails the whole set, leaving nothing of the others behind.
#[tokio::test]
async fn holds_placed_together_sweep_overdue_ones_and_fail_all_or_nothing() {
    let (db, t, locs) = setup(2).await;
    let (a, b) = (sku("SET-A"), sku("SET-B"));
    receive(&db.store, t, &a, locs[0], 2).await;
    receive(&db.store, t, &b, locs[1], 1).await;
    let now = Utc::now();
    place(&db.store, &hold(t, &b, locs[1], 1, 60, now))
        .await
        .expect("a minute-long hold on the only B");
    let later = now + Duration::seconds(120);
    let level = |s: Sku, at: LocationId| {
        let store = db.store.clone();
        async move {
            let l = store.stock_level(t, &s, at).await.expect("level");
            (l.on_hand, l.reserved)
        }
    };
    // too many A: nothing of the set stays, not even B's swept hold's new owner
    let too_many = [
        hold(t, &b, locs[1], 1, 600, later),
        hold(t, &a, locs[0], 3, 600, later),
    ];
    let mut tx = db.store.write().await.expect("tx");
    let refused = tx.place_reservations(&too_many).await;
    assert!(
        matches!(refused, Err(StoreError::Conflict(_))),
        "{refused:?}"
    );
    drop(tx);
    assert_eq!(level(a.clone(), locs[0]).await, (2, 0));
    assert_eq!(
        level(b.clone(), locs[1]).await,
        (1, 1),
        "the overdue hold is untouched"
    );
    // A fits at once, B only once the overdue hold is swept
    let set = [
        hold(t, &a, locs[0], 2, 600, later),
        hold(t, &b, locs[1], 1, 600, later),
    ];
    let mut tx = db.store.write().await.expect("tx");
    tx.place_reservations(&set).await.expect("all placed");
    tx.commit().await.expect("commit");
    assert_eq!(level(a, locs[0]).await, (2, 2));
    assert_eq!(
        level(b, locs[1]).await,
        (1, 1),
        "one hold on B: the new one"
    );
    let ours = db.store.reservation(t, set[1].id).await.expect("placed");
    assert_eq!(ours.quantity, 1);
}

/// Holds placed at the first try: with enough units they are placed as usual; a line short
/// of units (an overdue hold not swept yet) fails the writer with `TRY_CAREFULLY` on SQLite,
/// leaving nothing behind, and the careful way then places them. PostgreSQL takes the
/// careful way at once.
#[tokio::test]
async fn holds_at_the_first_try_fall_back_to_the_careful_way_and_leave_nothing_behind() {
    let (db, t, locs) = setup(1).await;
    let (a, b) = (sku("TRY-A"), sku("TRY-B"));
    receive(&db.store, t, &a, locs[0], 5).await;
    receive(&db.store, t, &b, locs[0], 1).await;
    let now = Utc::now();
    let at = locs[0];
    let level = |s: Sku| {
        let store = db.store.clone();
        async move {
            let l = store.stock_level(t, &s, at).await.expect("level");
            (l.on_hand, l.reserved)
        }
    };
    let mut tx = db.store.write().await.expect("tx");
    let fits = [hold(t, &a, locs[0], 2, 600, now)];
    tx.place_reservations_at_first_try(&fits)
        .await
        .expect("held");
    tx.commit()
        .await
        .expect("enough units: placed at the first try");
    assert_eq!(level(a.clone()).await, (5, 2));
    place(&db.store, &hold(t, &b, locs[0], 1, 60, now))
        .await
        .expect("a minute-long hold on the only B");
    let later = now + Duration::seconds(120);
    let set = [
        hold(t, &a, locs[0], 1, 600, later),
        hold(t, &b, locs[0], 1, 600, later),
    ];
    let mut tx = db.store.write().await.expect("tx");
    let first = match tx.place_reservations_at_first_try(&set).await {
        Ok(()) => tx.commit().await,
        Err(e) => Err(e),
    };
    match first {
        Err(StoreError::Conflict(what)) => {
            assert_eq!(what, omni_store::TRY_CAREFULLY);
            assert_eq!(level(a.clone()).await, (5, 2), "nothing of the set stayed");
            assert_eq!(
                level(b.clone()).await,
                (1, 1),
                "the overdue hold is untouched"
            );
            let mut tx = db.store.write().await.expect("tx");
            tx.place_reservations(&set).await.expect("placed carefully");
            tx.commit().await.expect("commit");
        }
        Ok(()) => assert!(
            !matches!(db.store.backend(), omni_store::Backend::Sqlite),
            "SQLite cannot know of the overdue hold at the first try"
        ),
        Err(e) => panic!("unexpected {e:?}"),
    }
    assert_eq!(level(a).await, (5, 3));
    assert_eq!(level(b).await, (1, 1), "one hold on B: the new one");
    let ours = db.store.reservation(t, set[1].id).await.expect("placed");
    assert_eq!(ours.quantity, 1);
}

#[tokio::test]
async fn feeds_refuse_rows_below_reserved_and_a_snapshot_rerun_changes_nothing() {
    let (db, t, locs) = setup(2).await;
    let s = sku("FEED");
    let now = Utc::now();
    let snapshot = vec![
        row(1, &s, locs[0], 10, MovementKind::Count),
        row(2, &s, locs[1], 4, MovementKind::Count),
    ];
    let r = db
        .store
        .apply_feed_batch(t, FeedId::new(), FeedMode::Snapshot, &snapshot, now)
        .await;
    assert_eq!(r.expect("applied"), vec![]);
    place(&db.store, &hold(t, &s, locs[0], 8, 600, now))
        .await
        .expect("hold");
    let again = db
        .store
        .apply_feed_batch(t, FeedId::new(), FeedMode::Snapshot, &snapshot, now)
        .await;
    assert_eq!(again.expect("rerun"), vec![]);
    let ledger = db
        .store
        .movements(t, &s, locs[0], None, 100)
        .await
        .expect("ledger");
    assert_eq!(ledger.items.len(), 1, "the rerun recorded no movement");
    let bad = vec![row(7, &s, locs[0], 5, MovementKind::Count)];
    let r = db
        .store
        .apply_feed_batch(t, FeedId::new(), FeedMode::Snapshot, &bad, now)
        .await
        .expect("ran");
    assert_eq!(
        r.iter()
            .map(|r| (r.row, r.reason.clone()))
            .collect::<Vec<_>>(),
        [(7, RejectReason::BelowReserved)]
    );
    let delta = vec![
        row(1, &s, locs[0], -3, MovementKind::Sale),
        row(2, &s, locs[1], -5, MovementKind::Sale),
    ];
    let r = db
        .store
        .apply_feed_batch(t, FeedId::new(), FeedMode::Delta, &delta, now)
        .await
        .expect("ran");
    assert_eq!(r.iter().map(|r| r.row).collect::<Vec<_>>(), [1, 2]);
    let ok = vec![row(3, &s, locs[1], -4, MovementKind::Sale)];
    assert!(
        db.store
            .apply_feed_batch(t, FeedId::new(), FeedMode::Delta, &ok, now)
            .await
            .expect("ran")
            .is_empty()
    );
    assert_eq!(
        db.store
            .stock_level(t, &s, locs[1])
            .await
            .expect("level")
            .on_hand,
        0
    );
    assert_eq!(db.store.unreconciled_stock(t).await.expect("audit"), vec![]);
}
