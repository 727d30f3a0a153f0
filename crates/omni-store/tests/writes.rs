//! Writes on both backends (set OMNI_TEST_POSTGRES_URL to target PostgreSQL): idempotency
//! keys replay once, writers sharing a commit each get their own outcome, and order numbers
//! are never given twice.

mod common;

use chrono::Utc;
use common::{add_location, draft, insert_with_event, setup};
use omni_domain::events::DomainEvent;
use omni_domain::idempotency::{Replay, StoredResponse};
use omni_kernel::{LocationId, TenantId};
use omni_store::idempotency::IdempotencyScope;
use omni_store::{Store, StoreError};

/// A key of `credential` at `tenant`.
fn scope<'a>(tenant: TenantId, credential: &'a str, key: &'a str) -> IdempotencyScope<'a> {
    IdempotencyScope {
        tenant,
        credential,
        key,
    }
}

#[tokio::test]
async fn an_idempotency_key_replays_its_response_and_refuses_another_request() {
    let (db, t) = setup().await;
    let scope = scope(t.id, "key_a", "k-1");
    let mut tx = db.store.write().await.expect("tx");
    assert_eq!(
        tx.claim_idempotency(&scope, b"fp1", Utc::now())
            .await
            .expect("claim"),
        None
    );
    let resp = StoredResponse {
        status: 201,
        body: b"{\"id\":1}".to_vec(),
    };
    tx.complete_idempotency(&scope, &resp)
        .await
        .expect("complete");
    tx.commit().await.expect("commit");

    let mut tx = db.store.write().await.expect("tx");
    assert_eq!(
        tx.claim_idempotency(&scope, b"fp1", Utc::now())
            .await
            .expect("claim"),
        Some(Replay::Same(resp))
    );
    assert_eq!(
        tx.claim_idempotency(&scope, b"fp2", Utc::now())
            .await
            .expect("claim"),
        Some(Replay::DifferentRequest)
    );
    drop(tx);
    // Another credential may use the same key independently.
    let other = IdempotencyScope {
        credential: "key_b",
        ..scope
    };
    let mut tx = db.store.write().await.expect("tx");
    assert_eq!(
        tx.claim_idempotency(&other, b"fp2", Utc::now())
            .await
            .expect("claim"),
        None
    );
}

/// A key whose claim waits to go with the write's other statements gets its response written
/// into that claim (on SQLite); either way a replay gets the response, and a second claim of
/// the key fails as a reused key, leaving the first response in place.
#[tokio::test]
async fn a_key_claimed_for_a_new_write_replays_its_response_and_is_not_claimed_twice() {
    let (db, t) = setup().await;
    let scope = scope(t.id, "key_a", "k-once");
    let resp = StoredResponse {
        status: 201,
        body: b"{\"id\":7}".to_vec(),
    };
    let mut tx = db.store.write().await.expect("tx");
    tx.claim_new_idempotency(&scope, b"fp1", Utc::now())
        .await
        .expect("claim");
    tx.complete_idempotency(&scope, &resp)
        .await
        .expect("complete");
    tx.commit().await.expect("commit");
    let mut tx = db.store.write().await.expect("tx");
    let other = StoredResponse {
        status: 201,
        body: b"{\"id\":8}".to_vec(),
    };
    let again = match tx.claim_new_idempotency(&scope, b"fp1", Utc::now()).await {
        Ok(()) => match tx.complete_idempotency(&scope, &other).await {
            Ok(()) => tx.commit().await,
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    assert!(
        matches!(
            again,
            Err(StoreError::Conflict(omni_store::idempotency::KEY_SEEN))
        ),
        "{again:?}"
    );
    let mut tx = db.store.write().await.expect("tx");
    assert_eq!(
        tx.claim_idempotency(&scope, b"fp1", Utc::now())
            .await
            .expect("claim"),
        Some(Replay::Same(resp))
    );
}

/// Writers racing each other (on SQLite they share a group commit): each one's change is
/// visible, and on disk, as soon as its commit returns; one that fails or is dropped takes
/// back its own change and nothing of the others'.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_commit_independently_and_a_failed_one_undoes_only_itself() {
    let (db, t) = setup().await;
    let taken = add_location(&db.store, &t, "TAKEN").await;
    let writers: Vec<_> = (0..48)
        .map(|i| {
            let (store, t) = (db.store.clone(), t.clone());
            tokio::spawn(async move {
                // Every fourth writer fails half-way (a duplicate code after its own insert);
                // every seventh gives up without committing.
                let code = format!("W-{i}");
                let loc = draft(&code)
                    .into_location(&t, LocationId::new(), Utc::now())
                    .expect("valid");
                let logged_before = store.log_position();
                let mut tx = store.write().await.expect("tx");
                insert_with_event(&mut tx, &t, &loc).await;
                if i % 4 == 0 {
                    let dup = draft("TAKEN")
                        .into_location(&t, LocationId::new(), Utc::now())
                        .expect("valid");
                    assert!(tx.insert_location(&dup).await.is_err(), "duplicate code");
                    return None;
                }
                if i % 7 == 0 {
                    drop(tx);
                    return None;
                }
                tx.commit().await.expect("commit");
                if let (Some((before, _)), Some((_, synced))) =
                    (logged_before, store.log_position())
                {
                    // The writer's batch committed after it began, as a later commit number;
                    // it is answered only once the log is on disk up to there.
                    assert!(synced > before, "answered before its commit was on disk");
                }
                let seen = store.location(t.id, loc.id).await.expect("visible at once");
                assert_eq!(seen.code, code);
                Some(code)
            })
        })
        .collect();
    let mut committed = Vec::new();
    for w in writers {
        if let Some(code) = w.await.expect("writer") {
            committed.push(code);
        }
    }
    let expected = (0..48).filter(|i| i % 4 != 0 && i % 7 != 0).count();
    assert_eq!(committed.len(), expected);
    let mut stored: Vec<String> = db
        .store
        .all_locations(t.id)
        .await
        .expect("list")
        .into_iter()
        .filter(|l| l.id != taken.id)
        .map(|l| l.code)
        .collect();
    stored.sort();
    committed.sort();
    assert_eq!(stored, committed, "exactly the committed writers' rows");
    while db.store.sequence_outbox(100).await.expect("seq") > 0 {}
    let feed = db.store.tenant_feed(t.id, 0, 1000).await.expect("feed");
    assert_eq!(
        feed.len(),
        expected + 1,
        "exactly their events (and the first location's)"
    );
}

/// A write kept back to go with a later statement (on SQLite, several per hand-off) fails
/// where it would have failed at once: the writer's commit reports it and takes back all of
/// that writer's changes — the ones sent before as well — and nothing of the others'.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_back_write_that_fails_at_commit_undoes_only_its_writer() {
    use omni_domain::customers::{InteractionKind, TimelineEntry, TimelineEntryId};
    let (db, t) = setup().await;
    let device = format!("dev-{}", ulid::Ulid::generate());
    let writers: Vec<_> = (0..24)
        .map(|i| {
            let (store, t, device) = (db.store.clone(), t.clone(), device.clone());
            tokio::spawn(async move {
                let loc = draft(&format!("K-{i:02}"))
                    .into_location(&t, LocationId::new(), Utc::now())
                    .expect("valid");
                let entry = TimelineEntry {
                    id: TimelineEntryId::new(),
                    customer_id: None,
                    device_id: Some(device),
                    kind: InteractionKind::CartChanged,
                    channel: omni_kernel::Channel::Web,
                    location_id: None,
                    occurred_at: Utc::now(),
                    data: serde_json::json!({ "writer": i }),
                };
                let mut tx = store.write().await.expect("tx");
                insert_with_event(&mut tx, &t, &loc).await;
                tx.insert_timeline(t.id, &entry).await.expect("kept back");
                if i % 3 == 0 {
                    // The same entry again: its primary key is taken, found out at commit.
                    tx.insert_timeline(t.id, &entry).await.ok();
                }
                let committed = tx.commit().await;
                assert_eq!(committed.is_ok(), i % 3 != 0, "writer {i}: {committed:?}");
                committed.ok().map(|()| i)
            })
        })
        .collect();
    let mut committed = Vec::new();
    for w in writers {
        committed.extend(w.await.expect("writer"));
    }
    let mut codes: Vec<String> = db
        .store
        .all_locations(t.id)
        .await
        .expect("list")
        .into_iter()
        .map(|l| l.code)
        .collect();
    codes.sort();
    let expected: Vec<String> = committed.iter().map(|i| format!("K-{i:02}")).collect();
    assert_eq!(codes, expected, "exactly the committed writers' locations");
    let mut writers_seen: Vec<i64> = db
        .store
        .anonymous_timeline(t.id, &device)
        .await
        .expect("timeline")
        .iter()
        .map(|e| e.data["writer"].as_i64().expect("writer"))
        .collect();
    writers_seen.sort();
    assert_eq!(
        writers_seen,
        committed.iter().map(|&i| i as i64).collect::<Vec<_>>(),
        "exactly the committed writers' entries, once each"
    );
}

/// Writes that go whole with their commit race each other (on SQLite they run many per turn,
/// each in a savepoint of its own): each writer learns its own outcome, a failing one — its
/// idempotency key was used before — leaves none of its writes behind, and the others' events
/// are in the feed once each, in positions without gaps.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_whole_writes_each_get_their_own_outcome() {
    let (db, t) = setup().await;
    let taken = scope(t.id, "test", "taken");
    let mut tx = db.store.write().await.expect("tx");
    tx.claim_new_idempotency(&taken, b"fp", Utc::now())
        .await
        .expect("claim");
    tx.commit().await.expect("commit");
    let head = db.store.feed_head().await.expect("head");
    let writers: Vec<_> = (0..32)
        .map(|i| {
            let store = db.store.clone();
            let key = match i % 4 {
                0 => "taken".to_owned(),
                _ => format!("key-{i}"),
            };
            tokio::spawn(async move {
                let mut tx = store.write().await.expect("tx");
                let kind = format!("test.writer_{i:02}");
                let event = DomainEvent::new(t.id, &kind, "s", Utc::now(), serde_json::json!({}));
                tx.record(&event).await.expect("event");
                let scope = scope(t.id, "test", &key);
                let written = match tx.claim_new_idempotency(&scope, b"fp", Utc::now()).await {
                    Ok(()) => tx.commit().await,
                    Err(e) => Err(e),
                };
                match written {
                    Ok(()) => Some(kind),
                    Err(StoreError::Conflict(omni_store::idempotency::KEY_SEEN)) if i % 4 == 0 => {
                        None
                    }
                    other => panic!("writer {i}: {other:?}"),
                }
            })
        })
        .collect();
    let mut committed = Vec::new();
    for w in writers {
        committed.extend(w.await.expect("writer"));
    }
    committed.sort();
    assert_eq!(committed.len(), 24);
    while db.store.sequence_outbox(100).await.expect("seq") > 0 {}
    let feed = db.store.tenant_feed(t.id, head, 1000).await.expect("feed");
    let mut kinds: Vec<String> = feed.iter().map(|e| e.event.kind.clone()).collect();
    kinds.sort();
    assert_eq!(
        kinds, committed,
        "exactly the committed writers' events, once each"
    );
    let seqs: Vec<i64> = feed.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (head + 1..=head + 24).collect::<Vec<_>>(), "no gaps");
}

/// Order numbers are never given twice, also when the single writer hands them out from
/// memory: a rolled-back writer's number is skipped, not given again, and on SQLite writers
/// racing each other get consecutive numbers; on PostgreSQL a sequence only moves on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_numbers_are_never_given_twice_even_after_a_rollback() {
    let (db, t) = setup().await;
    let take = |keep: bool| {
        let store = db.store.clone();
        async move {
            let mut tx = store.write().await.expect("tx");
            let asked = tx.ask_order_number(t.id).await.expect("asked");
            let n: i64 = tx
                .order_number(asked)
                .await
                .expect("number")
                .parse()
                .expect("n");
            if keep {
                tx.commit().await.expect("commit");
            }
            n
        }
    };
    let first = take(true).await;
    let second = take(true).await;
    assert_eq!(second, first + 1);
    let rolled_back = take(false).await;
    let after = take(true).await;
    assert!(
        after > rolled_back,
        "a rolled-back number is never given again"
    );
    let sqlite = matches!(db.store.backend(), omni_store::Backend::Sqlite);
    let racing: Vec<_> = (0..24).map(|_| tokio::spawn(take(true))).collect();
    let mut numbers = Vec::new();
    for r in racing {
        numbers.push(r.await.expect("writer"));
    }
    numbers.sort_unstable();
    let mut distinct = numbers.clone();
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        numbers.len(),
        "no number twice: {numbers:?}"
    );
    assert!(numbers[0] > after);
    if sqlite {
        assert_eq!(numbers[23] - numbers[0], 23, "consecutive: {numbers:?}");
    }
}

/// Numbers taken before the writers' turns are written in whatever order the turns come:
/// the stored counter ends past the highest, so a restarted process (which knows nothing in
/// memory) goes on after every committed number.
#[tokio::test]
async fn order_numbers_written_out_of_order_leave_the_counter_past_the_highest() {
    let (db, t) = setup().await;
    let take = |store: Store| async move {
        let mut tx = store.write().await.expect("tx");
        let asked = tx.ask_order_number(t.id).await.expect("asked");
        let n: i64 = tx.order_number(asked).await.expect("n").parse().expect("n");
        (tx, n)
    };
    let (first, _) = take(db.store.clone()).await;
    first.commit().await.expect("commit");
    let (early, a) = take(db.store.clone()).await;
    let (late, b) = take(db.store.clone()).await;
    assert!(b > a, "taken in order: {a} then {b}");
    late.commit().await.expect("the later number first");
    early.commit().await.expect("then the earlier");
    let restarted = Store::connect(&db.url).await.expect("reopen");
    let (tx, after) = take(restarted.clone()).await;
    tx.commit().await.expect("commit");
    assert!(after > b, "after a restart: {after} follows {b}");
    restarted.close().await;
}

/// A relay lease is held by one node until it lapses; only the holder moves the relay's
/// position, and never back. On SQLite these writes go through the single writer's queue
/// like every other write, and a refused lease is told by its "one row changed" check.
#[tokio::test]
async fn a_relay_lease_has_one_holder_and_only_it_moves_the_position_forward() {
    let (db, _) = setup().await;
    let store = &db.store;
    let ttl = 10_000;
    let lease = |node: &'static str, at| store.acquire_relay_lease("nats", node, at, ttl);
    let advance = |node: &'static str, to| store.advance_relay("nats", node, to);
    let position = || async { store.relay_position("nats").await.expect("position") };
    let now = Utc::now();
    assert!(lease("node-a", now).await.expect("taken"));
    assert!(!lease("node-b", now).await.expect("held by node-a"));
    assert!(lease("node-a", now).await.expect("renewed"));
    advance("node-a", 7).await.expect("advance");
    advance("node-b", 9).await.expect("not the holder: ignored");
    assert_eq!(position().await, 7);
    let lapsed = now + chrono::Duration::milliseconds(ttl + 1);
    assert!(lease("node-b", lapsed).await.expect("taken over"));
    advance("node-a", 20)
        .await
        .expect("no longer the holder: ignored");
    advance("node-b", 5).await.expect("never back: ignored");
    assert_eq!(position().await, 7);
    advance("node-b", 12).await.expect("advance");
    assert_eq!(position().await, 12);
}
