//! Store conformance suite: the same assertions on SQLite and on PostgreSQL
//! (set OMNI_TEST_POSTGRES_URL to target PostgreSQL).

mod common;

use chrono::Utc;
use common::{add_location, draft, setup, tenant};
use omni_domain::events::DomainEvent;
use omni_domain::network::LocationPatch;
use omni_kernel::{LocationId, TenantId};
use omni_store::StoreError;
use omni_store::locations::LocationFilter;

#[tokio::test]
async fn migrations_are_idempotent() {
    let (db, _) = setup().await;
    db.store.migrate().await.expect("second run is a no-op");
}

#[tokio::test]
async fn locations_are_scoped_by_tenant_and_codes_unique_within_one() {
    let (db, a) = setup().await;
    let b = tenant("other-chain");
    let mut tx = db.store.write().await.expect("tx");
    tx.insert_tenant(&b, Utc::now()).await.expect("tenant");
    tx.commit().await.expect("commit");

    let loc = add_location(&db.store, &a, "MSK-1").await;
    add_location(&db.store, &b, "MSK-1").await; // same code, other tenant: fine
    assert!(matches!(
        db.store.location(b.id, loc.id).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(db.store.location(a.id, loc.id).await.expect("found"), loc);

    let dup = draft("MSK-1")
        .into_location(&a, LocationId::new(), Utc::now())
        .expect("valid");
    let mut tx = db.store.write().await.expect("tx");
    assert!(matches!(
        tx.insert_location(&dup).await,
        Err(StoreError::Conflict(_))
    ));
}

#[tokio::test]
async fn a_stale_version_does_not_overwrite_a_newer_one() {
    let (db, t) = setup().await;
    let loc = add_location(&db.store, &t, "SPB-1").await;
    let first = loc
        .clone()
        .apply(
            LocationPatch {
                name: Some("A".into()),
                ..Default::default()
            },
            Utc::now(),
        )
        .expect("ok");
    let second = loc
        .clone()
        .apply(
            LocationPatch {
                name: Some("B".into()),
                ..Default::default()
            },
            Utc::now(),
        )
        .expect("ok");
    let mut tx = db.store.write().await.expect("tx");
    tx.update_location(&first, loc.version)
        .await
        .expect("first wins");
    tx.commit().await.expect("commit");
    let mut tx = db.store.write().await.expect("tx");
    assert!(matches!(
        tx.update_location(&second, loc.version).await,
        Err(StoreError::VersionMismatch)
    ));
    drop(tx);
    assert_eq!(
        db.store.location(t.id, loc.id).await.expect("found").name,
        "A"
    );
}

#[tokio::test]
async fn pagination_walks_every_row_once() {
    let (db, t) = setup().await;
    let mut ids = Vec::new();
    for i in 0..7 {
        ids.push(add_location(&db.store, &t, &format!("P-{i}")).await.id);
    }
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let filter = LocationFilter {
            kind: None,
            starting_after: after,
            limit: 3,
        };
        let page = db.store.locations(t.id, &filter).await.expect("page");
        seen.extend(page.items.iter().map(|l| l.id));
        after = page.items.last().map(|l| l.id);
        if !page.has_more {
            break;
        }
    }
    assert_eq!(seen, ids);
}

#[tokio::test]
async fn events_commit_with_their_change_and_are_sequenced_without_gaps() {
    let (db, t) = setup().await;
    for i in 0..5 {
        add_location(&db.store, &t, &format!("E-{i}")).await;
    }
    // A rolled-back change leaves no event behind.
    let mut tx = db.store.write().await.expect("tx");
    tx.record(&DomainEvent::new(
        t.id,
        "location.created",
        "loc_x",
        Utc::now(),
        serde_json::json!({}),
    ))
    .await
    .expect("event");
    tx.rollback().await.expect("rollback");

    match db.store.backend() {
        // The single writer numbers events as it writes them: nothing is left to sequence.
        omni_store::Backend::Sqlite => {
            assert_eq!(db.store.unsequenced_events().await.expect("count"), 0);
            assert_eq!(db.store.sequence_outbox(100).await.expect("seq"), 0);
        }
        omni_store::Backend::Postgres => {
            assert_eq!(db.store.unsequenced_events().await.expect("count"), 5);
            assert_eq!(db.store.sequence_outbox(3).await.expect("seq"), 3);
            assert_eq!(db.store.sequence_outbox(100).await.expect("seq"), 2);
            assert_eq!(db.store.sequence_outbox(100).await.expect("seq"), 0);
        }
    }
    let feed = db.store.tenant_feed(t.id, 0, 100).await.expect("feed");
    let seqs: Vec<i64> = feed.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [1, 2, 3, 4, 5]);
    assert_eq!(db.store.feed_head().await.expect("head"), 5);
    assert!(
        db.store
            .tenant_feed(TenantId::new(), 0, 100)
            .await
            .expect("feed")
            .is_empty()
    );
}

#[tokio::test]
async fn concurrent_sequencers_never_assign_a_position_twice() {
    let (db, t) = setup().await;
    let writers = (0..4).map(|w| {
        let (store, t) = (db.store.clone(), t.clone());
        tokio::spawn(async move {
            for i in 0..10 {
                add_location(&store, &t, &format!("C-{w}-{i}")).await;
            }
        })
    });
    let sequencers = (0..3).map(|_| {
        let store = db.store.clone();
        tokio::spawn(async move {
            for _ in 0..30 {
                store.sequence_outbox(7).await.expect("sequence");
            }
        })
    });
    for h in writers.chain(sequencers).collect::<Vec<_>>() {
        h.await.expect("task");
    }
    while db.store.sequence_outbox(100).await.expect("seq") > 0 {}
    let feed = db.store.tenant_feed(t.id, 0, 1000).await.expect("feed");
    let seqs: Vec<i64> = feed.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=40).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_side_checkpoint_runs_on_either_backend_and_leaves_the_data_readable() {
    let (db, t) = setup().await;
    for i in 0..20 {
        add_location(&db.store, &t, &format!("CP-{i:02}")).await;
        if i % 5 == 0 {
            db.store.checkpoint_wal().await.expect("checkpoint");
        }
    }
    db.store.checkpoint_wal().await.expect("checkpoint");
    let found = db
        .store
        .locations(
            t.id,
            &LocationFilter {
                kind: None,
                starting_after: None,
                limit: 100,
            },
        )
        .await
        .expect("read");
    assert_eq!(found.items.len(), 20, "the data is all there");
}
