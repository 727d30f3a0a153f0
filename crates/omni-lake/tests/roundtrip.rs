//! The export round-trips: rows of every kind are exported, read back with the `parquet`
//! crate's record reader and compared field by field; a second run writes nothing; a new row
//! is exported alone; an erased customer's personal data is found in no file. Runs on SQLite,
//! or PostgreSQL when `OMNI_TEST_POSTGRES_URL` is set.

mod common;

use std::time::Duration;

use chrono::Utc;
use common::*;
use omni_domain::events::DomainEvent;
use omni_kernel::LocationId;
use omni_lake::{ExportOptions, Manifest, export_with};
use omni_store::testing::{TestDb, backend_banner, russian_chain};
use parquet::basic::{LogicalType, TimeUnit};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;
use serde_json::json;

fn now_options() -> ExportOptions {
    ExportOptions {
        tenant: None,
        settle: Duration::ZERO,
    }
}

fn find<'a>(rows: &'a [Record], key: &str, value: &str) -> &'a Record {
    rows.iter()
        .find(|r| r.get(key) == Some(&str_field(value)))
        .unwrap_or_else(|| panic!("no row with {key} = {value}"))
}

fn long(v: i64) -> Field {
    Field::Long(v)
}

fn ts(t: chrono::DateTime<Utc>) -> Field {
    Field::TimestampMillis(ms(t))
}

#[tokio::test]
async fn every_table_round_trips_and_runs_are_incremental() {
    println!("{}", backend_banner());
    let db = TestDb::new().await.expect("database");
    let store = &db.store;
    let tenant = russian_chain();
    let mut tx = store.write().await.expect("tx");
    tx.insert_tenant(&tenant, at(2025, 3, 1, 0))
        .await
        .expect("tenant");
    tx.commit().await.expect("commit");

    let day = at(2025, 3, 1, 10);
    let alice = customer(&tenant, "Alisa", day);
    insert_customer(
        store,
        &alice,
        "alisa.canary@example.com",
        "+7 916 111-22-33",
    )
    .await;
    let boris = customer(&tenant, "Borislav", day);
    insert_customer(
        store,
        &boris,
        "boris.canary@example.com",
        "+7 916 444-55-66",
    )
    .await;

    let placed = at(2025, 3, 2, 12);
    let order = order(&tenant, alice.id, placed);
    insert_order(store, &order).await;
    let store_loc = LocationId::new();
    let ret = a_return(&order, store_loc, at(2025, 3, 5, 9));
    insert_return(store, &tenant, &ret).await;
    receive_stock(
        store,
        &tenant,
        "SKU-RED-42",
        store_loc,
        12,
        at(2025, 3, 1, 8),
    )
    .await;
    let (alice_chat, alice_msgs) = conversation(
        store,
        &tenant,
        alice.id,
        "Where is my order?",
        at(2025, 3, 3, 15),
    )
    .await;
    let (boris_chat, boris_msgs) = conversation(
        store,
        &tenant,
        boris.id,
        "Call me at +79164445566 or boris.canary@example.com",
        at(2025, 3, 4, 16),
    )
    .await;
    let placed_event = DomainEvent::new(
        tenant.id,
        "order.placed",
        order.id,
        placed,
        json!({"order_id": order.id, "total": 369_900}),
    );
    record_event(store, &placed_event).await;

    let lake_dir = tempdir();
    let lake = lake_dir.as_path();

    // Run 1: everything.
    let r1 = export_with(store, lake, &now_options())
        .await
        .expect("export");
    assert_eq!(r1.run, 1);
    let rows = |t: &str| r1.table(t).map(|t| t.rows).unwrap_or(0);
    // the order's event, and the store's `customer.facts_changed` for the two profiles
    // inserted without an event of their own
    assert_eq!(rows("events"), 3);
    assert_eq!(rows("customers"), 2);
    assert_eq!(rows("orders"), 1);
    assert_eq!(rows("order_lines"), 2);
    assert_eq!(rows("returns"), 1);
    assert_eq!(rows("stock_movements"), 1);
    assert_eq!(rows("messages"), 4);
    assert!(r1.bytes() > 0);

    // Hive layout: table/tenant=<id>/date=<day>/part-<run>-<n>.parquet.
    let event_files = parquet_files(&lake.join("events"));
    let day_dir = |date: &str| {
        lake.join("events")
            .join(format!("tenant={}", tenant.id))
            .join(format!("date={date}"))
            .join("part-000001-0000.parquet")
    };
    assert_eq!(event_files, [day_dir("2025-03-01"), day_dir("2025-03-02")]);

    // Timestamps are TIMESTAMP(MILLIS, UTC) in the files' schema.
    let reader = SerializedFileReader::try_from(event_files[0].as_path()).expect("reader");
    let schema = reader.metadata().file_metadata().schema_descr();
    let occurred = (0..schema.num_columns())
        .map(|i| schema.column(i))
        .find(|c| c.name() == "occurred_at")
        .expect("occurred_at");
    assert_eq!(
        occurred.logical_type_ref(),
        Some(&LogicalType::timestamp(true, TimeUnit::MILLIS))
    );

    // Events, field by field.
    let events = read_table(lake, "events");
    let e = find(&events, "event_id", &placed_event.id.to_string());
    assert_eq!(e["tenant_id"], str_field(&tenant.id.to_string()));
    assert_eq!(e["type"], str_field("order.placed"));
    assert_eq!(e["subject"], str_field(&order.id.to_string()));
    assert_eq!(e["occurred_at"], ts(placed));
    assert!(matches!(e["seq"], Field::Long(s) if s >= 1));
    let Field::Str(data) = &e["data"] else {
        panic!("data is a string")
    };
    let data: serde_json::Value = serde_json::from_str(data).expect("JSON");
    assert_eq!(data, placed_event.data);

    // Customers: no personal data columns at all.
    let customers = read_table(lake, "customers");
    let c = find(&customers, "customer_id", &alice.id.to_string());
    let columns: Vec<&str> = c.keys().map(String::as_str).collect();
    assert_eq!(
        columns,
        [
            "created_at",
            "currency",
            "customer_id",
            "erased",
            "merged_into",
            "points_balance",
            "spent_90d_minor",
            "status",
            "tenant_id",
            "tier",
            "updated_at",
            "version"
        ]
    );
    assert_eq!(c["status"], str_field("active"));
    assert_eq!(c["erased"], Field::Bool(false));
    assert_eq!(c["merged_into"], Field::Null);
    assert_eq!(c["tier"], str_field("gold"));
    assert_eq!(c["spent_90d_minor"], long(1_234_500));
    assert_eq!(c["currency"], str_field("RUB"));
    assert_eq!(c["points_balance"], long(420));
    assert_eq!(c["version"], long(1));
    assert_eq!(c["created_at"], ts(day));
    assert_eq!(c["updated_at"], ts(day));

    // Orders and their lines.
    let orders = read_table(lake, "orders");
    let o = find(&orders, "order_id", &order.id.to_string());
    assert_eq!(o["number"], str_field("100001"));
    assert_eq!(o["customer_id"], str_field(&alice.id.to_string()));
    assert_eq!(o["channel"], str_field("web"));
    assert_eq!(o["store_id"], Field::Null);
    assert_eq!(o["status"], str_field("delivered"));
    assert_eq!(o["currency"], str_field("RUB"));
    assert_eq!(o["subtotal_minor"], long(399_900));
    assert_eq!(o["discount_minor"], long(30_000));
    assert_eq!(o["total_minor"], long(369_900));
    assert_eq!(o["points_paid_minor"], long(5_000));
    assert_eq!(o["delivery_fee_minor"], long(29_900));
    assert_eq!(o["to_pay_minor"], long(394_800));
    assert_eq!(o["refunded_minor"], long(0));
    assert_eq!(o["points_earned"], long(20));
    assert_eq!(o["points_burnt"], long(50));
    assert_eq!(o["delivery_method"], str_field("courier"));
    assert_eq!(o["pickup_location_id"], Field::Null);
    assert_eq!(o["line_count"], long(2));
    assert_eq!(o["units"], long(3));
    assert_eq!(o["promotion_ids"], Field::Null);
    assert_eq!(o["version"], long(3));
    assert_eq!(o["created_at"], ts(placed));
    assert_eq!(o["updated_at"], ts(placed));

    let lines = read_table(lake, "order_lines");
    assert_eq!(lines.len(), 2);
    let l0 = lines.iter().find(|l| l["line"] == long(0)).expect("line 0");
    assert_eq!(l0["order_id"], str_field(&order.id.to_string()));
    assert_eq!(l0["sku"], str_field("SKU-RED-42"));
    assert_eq!(l0["quantity"], long(2));
    assert_eq!(l0["unit_price_minor"], long(150_000));
    assert_eq!(l0["subtotal_minor"], long(300_000));
    assert_eq!(l0["discount_minor"], long(30_000));
    assert_eq!(l0["net_minor"], long(270_000));
    assert_eq!(l0["points_paid_minor"], long(5_000));
    assert_eq!(l0["points_earned"], long(10));
    assert_eq!(l0["cancelled"], long(0));
    assert_eq!(l0["returned"], long(0));
    assert_eq!(l0["currency"], str_field("RUB"));
    assert_eq!(l0["channel"], str_field("web"));
    assert_eq!(l0["status"], str_field("delivered"));
    assert_eq!(l0["customer_id"], str_field(&alice.id.to_string()));
    assert_eq!(l0["order_created_at"], ts(placed));
    let l1 = lines.iter().find(|l| l["line"] == long(1)).expect("line 1");
    assert_eq!(l1["sku"], str_field("SKU-CAP"));
    assert_eq!(l1["discount_minor"], long(0));
    assert_eq!(l1["net_minor"], long(99_900));

    // Returns, one row per returned line.
    let returns = read_table(lake, "returns");
    let r = find(&returns, "return_id", &ret.id.to_string());
    assert_eq!(r["line"], long(0));
    assert_eq!(r["order_id"], str_field(&order.id.to_string()));
    assert_eq!(r["location_id"], str_field(&store_loc.to_string()));
    assert_eq!(r["sku"], str_field("SKU-RED-42"));
    assert_eq!(r["quantity"], long(1));
    assert_eq!(r["refund_minor"], long(132_500));
    assert_eq!(r["points_refunded"], long(25));
    assert_eq!(r["points_clawed_back"], long(5));
    assert_eq!(r["currency"], str_field("RUB"));
    assert_eq!(r["created_at"], ts(at(2025, 3, 5, 9)));

    // The stock ledger.
    let moves = read_table(lake, "stock_movements");
    assert_eq!(moves.len(), 1);
    let m = &moves[0];
    assert_eq!(m["sku"], str_field("SKU-RED-42"));
    assert_eq!(m["location_id"], str_field(&store_loc.to_string()));
    assert_eq!(m["kind"], str_field("receipt"));
    assert_eq!(m["quantity"], long(12));
    assert_eq!(m["reference"], str_field("asn-7"));
    assert_eq!(m["occurred_at"], ts(at(2025, 3, 1, 8)));

    // Messages: texts of customers who are not erased.
    let messages = read_table(lake, "messages");
    let q = find(&messages, "message_id", &alice_msgs[0].id.to_string());
    assert_eq!(q["conversation_id"], str_field(&alice_chat.id.to_string()));
    assert_eq!(q["customer_id"], str_field(&alice.id.to_string()));
    assert_eq!(q["channel"], str_field("telegram"));
    assert_eq!(q["author_kind"], str_field("customer"));
    assert_eq!(q["intent"], str_field("order_status"));
    assert_eq!(q["text"], str_field("Where is my order?"));
    assert_eq!(q["text_withheld"], Field::Bool(false));
    assert_eq!(q["written_at"], ts(at(2025, 3, 3, 15)));
    let a = find(&messages, "message_id", &alice_msgs[1].id.to_string());
    assert_eq!(a["author_kind"], str_field("bot"));
    assert_eq!(a["intent"], Field::Null);
    let b = find(&messages, "message_id", &boris_msgs[0].id.to_string());
    assert_eq!(b["text"], str_field(&boris_msgs[0].text));
    // The byte search below can see a text in a compressed file (a positive control).
    assert!(
        parquet_files(&lake.join("messages"))
            .iter()
            .any(|f| contains(&std::fs::read(f).expect("read"), b"79164445566"))
    );

    // Run 2: nothing changed, nothing written.
    let before = parquet_files(lake);
    let r2 = export_with(store, lake, &now_options())
        .await
        .expect("export");
    assert_eq!(r2.run, 2);
    assert_eq!(r2.rows(), 0, "{r2:?}");
    assert_eq!(r2.files(), 0);
    assert_eq!(parquet_files(lake), before);

    // Run 3: one new event and one changed profile, and only they are written.
    let now = Utc::now();
    let tiered = DomainEvent::new(
        tenant.id,
        "customer.tier_changed",
        alice.id,
        now,
        json!({"customer_id": alice.id, "tier": "platinum"}),
    );
    let mut tx = store.write().await.expect("tx");
    let mut changed = alice.clone();
    changed.tier = omni_domain::customers::Tier::Platinum;
    changed.version = 2;
    changed.updated_at = now;
    tx.update_customer(&changed, 1).await.expect("update");
    tx.record(&tiered).await.expect("event");
    tx.commit().await.expect("commit");
    let r3 = export_with(store, lake, &now_options())
        .await
        .expect("export");
    assert_eq!(r3.rows(), 2, "{r3:?}");
    let new_files: Vec<_> = parquet_files(lake)
        .into_iter()
        .filter(|p| !before.contains(p))
        .collect();
    assert_eq!(new_files.len(), 2, "{new_files:?}");
    let new_rows: Vec<Record> = new_files.iter().flat_map(|p| read_file(p)).collect();
    assert!(
        new_rows
            .iter()
            .any(|r| r.get("event_id") == Some(&str_field(&tiered.id.to_string())))
    );
    let versions: Vec<_> = read_table(lake, "customers")
        .into_iter()
        .filter(|r| r["customer_id"] == str_field(&alice.id.to_string()))
        .map(|r| {
            (
                r["version"].clone(),
                r["tier"].clone(),
                r["updated_at"].clone(),
            )
        })
        .collect();
    assert_eq!(versions.len(), 2, "both versions are in the lake");
    assert!(versions.contains(&(long(2), str_field("platinum"), ts(now))));

    // Run 4: Boris is erased; his message texts leave the files already written.
    let erased_at = Utc::now();
    let mut tx = store.write().await.expect("tx");
    let (_, erased_ids) = tx
        .erase_customer(tenant.id, boris.id, erased_at)
        .await
        .expect("erase");
    tx.record(&DomainEvent::new(
        tenant.id,
        "customer.erased",
        boris.id,
        erased_at,
        json!({"customer_id": boris.id, "erased_ids": erased_ids}),
    ))
    .await
    .expect("event");
    tx.commit().await.expect("commit");
    let r4 = export_with(store, lake, &now_options())
        .await
        .expect("export");
    assert_eq!(r4.scrubbed_files, 1, "{r4:?}");
    let messages = read_table(lake, "messages");
    for m in &boris_msgs {
        let row = find(&messages, "message_id", &m.id.to_string());
        assert_eq!(row["text"], Field::Null);
        assert_eq!(row["text_withheld"], Field::Bool(true));
    }
    let kept = find(&messages, "message_id", &alice_msgs[0].id.to_string());
    assert_eq!(kept["text"], str_field("Where is my order?"));
    let erased_rows: Vec<_> = read_table(lake, "customers")
        .into_iter()
        .filter(|r| r["customer_id"] == str_field(&boris.id.to_string()))
        .filter(|r| r["erased"] == Field::Bool(true))
        .collect();
    assert_eq!(erased_rows.len(), 1);
    assert_eq!(erased_rows[0]["status"], str_field("erased"));
    assert_eq!(boris_chat.customer_id, Some(boris.id));

    // No byte of any file holds an erased customer's data, nor anyone's name, email, phone
    // or address (those are never exported at all).
    for file in all_files(lake) {
        let bytes = std::fs::read(&file).expect("read");
        for canary in [
            "boris.canary",
            "79164445566",
            "916 444",
            "Borislav",
            "alisa.canary",
            "79161112233",
            "Alisa",
            "Zhukova",
            "Tver",
            "Tverskaya",
            "Acme",
        ] {
            assert!(
                !contains(&bytes, canary.as_bytes()),
                "{canary} found in {}",
                file.display()
            );
        }
    }

    // The manifest holds the cursors of the last run.
    let manifest = Manifest::load(lake).expect("manifest");
    assert_eq!(manifest.last_run, 4);
    assert_eq!(manifest.runs.len(), 4);
    assert!(manifest.cursor(&tenant.id.to_string(), "events") >= 3);
    keep_for_a_look(lake);
}

/// With `LAKE_TEST_KEEP=DIR`, copies the lake there (to try DuckDB, Spark or ClickHouse on it).
fn keep_for_a_look(lake: &std::path::Path) {
    let Some(keep) = std::env::var_os("LAKE_TEST_KEEP") else {
        return;
    };
    for file in all_files(lake) {
        let rel = file.strip_prefix(lake).expect("inside the lake");
        let to = std::path::Path::new(&keep).join(rel);
        std::fs::create_dir_all(to.parent().expect("a folder")).expect("mkdir");
        std::fs::copy(&file, &to).expect("copy");
    }
}

#[tokio::test]
async fn files_of_an_unfinished_run_are_removed_and_redone() {
    let db = TestDb::new().await.expect("database");
    let store = &db.store;
    let tenant = russian_chain();
    let mut tx = store.write().await.expect("tx");
    tx.insert_tenant(&tenant, at(2025, 3, 1, 0))
        .await
        .expect("tenant");
    tx.commit().await.expect("commit");
    let event = DomainEvent::new(
        tenant.id,
        "test.ping",
        tenant.id,
        at(2025, 3, 1, 1),
        json!({}),
    );
    record_event(store, &event).await;
    let lake_dir = tempdir();
    let lake = lake_dir.as_path();

    // An earlier run died after writing a file and before its manifest.
    let dir = lake
        .join("events")
        .join(format!("tenant={}", tenant.id))
        .join("date=2025-03-01");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("part-000001-0000.parquet"), b"half").expect("orphan");
    std::fs::write(dir.join(".part-000001-0001.parquet.tmp"), b"half").expect("tmp");

    let report = export_with(
        store,
        lake,
        &ExportOptions {
            tenant: Some(tenant.id),
            settle: Duration::ZERO,
        },
    )
    .await
    .expect("export");
    assert_eq!(report.orphans_removed, 2);
    assert_eq!(report.table("events").map(|t| t.rows), Some(1));
    let files = parquet_files(lake);
    assert_eq!(files, [dir.join("part-000001-0000.parquet")]);
    let rows = read_file(&files[0]);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["event_id"], str_field(&event.id.to_string()));
    assert!(!dir.join(".part-000001-0001.parquet.tmp").exists());
}

#[tokio::test]
async fn one_tenant_is_exported_alone() {
    let db = TestDb::new().await.expect("database");
    let store = &db.store;
    let (a, b) = (russian_chain(), russian_chain());
    let mut tx = store.write().await.expect("tx");
    for t in [&a, &b] {
        tx.insert_tenant(t, at(2025, 3, 1, 0))
            .await
            .expect("tenant");
        tx.record(&DomainEvent::new(
            t.id,
            "test.ping",
            t.id,
            at(2025, 3, 1, 1),
            json!({}),
        ))
        .await
        .expect("event");
    }
    tx.commit().await.expect("commit");
    let lake_dir = tempdir();
    let options = ExportOptions {
        tenant: Some(a.id),
        settle: Duration::ZERO,
    };
    let report = export_with(store, lake_dir.as_path(), &options)
        .await
        .expect("export");
    assert_eq!(report.table("events").map(|t| t.rows), Some(1));
    let events = read_table(lake_dir.as_path(), "events");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["tenant_id"], str_field(&a.id.to_string()));
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A fresh folder, deleted with the value.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn as_path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempdir() -> TempDir {
    let dir = std::env::temp_dir().join(format!("omni-lake-test-{}", ulid::Ulid::generate()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    TempDir(dir)
}
