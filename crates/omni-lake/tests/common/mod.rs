//! Helpers of the lake tests: a tenant with rows of every exported kind, and reading the
//! Parquet files back with the `parquet` crate's own record reader (not the exporter's code).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeZone, Utc};
use omni_domain::customers::{Customer, CustomerStatus, Identifier, IdentifierKind, Tier};
use omni_domain::engagement::{
    Author, Conversation, ConversationId, ConversationStatus, Intent, Message, MessageChannel,
    MessageId,
};
use omni_domain::events::DomainEvent;
use omni_domain::inventory::{Movement, MovementKind, Sku};
use omni_domain::offers::{PointsQuote, Quote, QuotedLine};
use omni_domain::orders::{
    Delivery, DeliveryMethod, Giveback, Order, OrderLine, OrderReturn, OrderStatus, PaymentRecord,
    ReturnId, ReturnedLine,
};
use omni_domain::tenancy::Tenant;
use omni_kernel::{Channel, CountryCode, Currency, CustomerId, LocationId, OrderId};
use omni_store::Store;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;

pub type Record = BTreeMap<String, Field>;

pub fn at(y: i32, mo: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, 0, 0)
        .single()
        .expect("a valid time")
}

pub fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// A profile with personal data in every field that can hold some.
pub fn customer(tenant: &Tenant, given: &str, created: DateTime<Utc>) -> Customer {
    Customer {
        id: CustomerId::new(),
        tenant_id: tenant.id,
        status: CustomerStatus::Active,
        merged_into: None,
        given_name: Some(given.into()),
        family_name: Some("Zhukova".into()),
        city: Some("Tver".into()),
        tier: Tier::Gold,
        points_balance: 420,
        spent_90d: 1_234_500,
        preferences: BTreeMap::from([("brand".into(), "Acme".into())]),
        sizes: BTreeMap::from([("shoes".into(), "38".into())]),
        preferred_channel: None,
        quiet_hours: None,
        time_zone: "Europe/Moscow".into(),
        birth_date: None,
        provenance: BTreeMap::new(),
        version: 1,
        created_at: created,
        updated_at: created,
    }
}

/// Inserts a profile with an email and a phone.
pub async fn insert_customer(store: &Store, c: &Customer, email: &str, phone: &str) {
    let ru = CountryCode::parse("RU").expect("RU");
    let mut tx = store.write().await.expect("tx");
    tx.insert_customer(c, 0).await.expect("customer");
    for (kind, value) in [
        (IdentifierKind::Email, email),
        (IdentifierKind::Phone, phone),
    ] {
        let id = Identifier::parse(kind, value, ru).expect("identifier");
        tx.attach_identifier(c.tenant_id, c.id, &id, true, "web", c.created_at)
            .await
            .expect("identifier");
    }
    tx.commit().await.expect("commit");
}

pub async fn record_event(store: &Store, e: &DomainEvent) {
    let mut tx = store.write().await.expect("tx");
    tx.record(e).await.expect("event");
    tx.commit().await.expect("commit");
}

fn quoted(sku: &str, quantity: u32, unit: i64, discount: i64, points: i64) -> QuotedLine {
    QuotedLine {
        sku: sku.into(),
        quantity,
        unit_price: unit,
        price_list_id: None,
        subtotal: unit * i64::from(quantity),
        discounts: Vec::new(),
        total: unit * i64::from(quantity) - discount,
        paid_with_points: points,
        points_earned: 10,
    }
}

/// A web order of two lines for home delivery, with a discount on the first line.
pub fn order(tenant: &Tenant, customer: CustomerId, placed: DateTime<Utc>) -> Order {
    let lines = vec![
        quoted("SKU-RED-42", 2, 150_000, 30_000, 5_000),
        quoted("SKU-CAP", 1, 99_900, 0, 0),
    ];
    let subtotal: i64 = lines.iter().map(|l| l.subtotal).sum();
    let total: i64 = lines.iter().map(|l| l.total).sum();
    let quote = Quote {
        currency: Currency::Rub,
        priced_at: placed,
        lines: lines.clone(),
        subtotal,
        discount_total: subtotal - total,
        total,
        delivery_fee: Some(29_900),
        points: PointsQuote {
            earn: 20,
            usable: 5_000,
            burn: 50,
            burn_value: 5_000,
        },
        to_pay: total - 5_000 + 29_900,
        promotions: Vec::new(),
    };
    let order_lines = lines
        .iter()
        .enumerate()
        .map(|(i, l)| OrderLine {
            line: i as u32,
            sku: l.sku.clone(),
            quantity: l.quantity,
            unit_price: l.unit_price,
            total: l.total,
            paid_with_points: l.paid_with_points,
            points_burnt: if i == 0 { 50 } else { 0 },
            points_earned: l.points_earned,
            allocations: Vec::new(),
            cancelled: 0,
            returned: 0,
        })
        .collect();
    Order {
        id: OrderId::new(),
        tenant_id: tenant.id,
        number: "100001".into(),
        customer_id: Some(customer),
        channel: Channel::Web,
        store: None,
        cart_id: None,
        status: OrderStatus::Delivered,
        currency: Currency::Rub,
        lines: order_lines,
        delivery: Delivery {
            method: Some(DeliveryMethod::Courier),
            location_id: None,
            address: Some(omni_domain::orders::Address {
                text: "Tverskaya 1, flat 5".into(),
                geo: omni_kernel::GeoPoint::new(55.76, 37.61).expect("geo"),
            }),
            fee: 29_900,
            promised_from: None,
            promised_to: None,
            parcels: 1,
        },
        quote,
        payment: PaymentRecord {
            provider: "test".into(),
            authorization: Some("auth_1".into()),
            amount: total - 5_000 + 29_900,
            captured: total - 5_000 + 29_900,
            refunded: 0,
            released: 0,
        },
        pickup_code_hash: None,
        pickup_attempts: 0,
        history: Vec::new(),
        version: 3,
        created_at: placed,
        updated_at: placed,
    }
}

pub async fn insert_order(store: &Store, o: &Order) {
    let mut tx = store.write().await.expect("tx");
    tx.insert_order(o).await.expect("order");
    tx.commit().await.expect("commit");
}

/// A return of one unit of the order's first line at `location`.
pub fn a_return(o: &Order, location: LocationId, when: DateTime<Utc>) -> OrderReturn {
    let give = Giveback {
        money: 132_500,
        points_refunded: 25,
        points_clawed_back: 5,
    };
    OrderReturn {
        id: ReturnId::new(),
        order_id: o.id,
        location_id: location,
        lines: vec![ReturnedLine {
            line: 0,
            sku: o.lines[0].sku.clone(),
            quantity: 1,
            giveback: give,
        }],
        total: give,
        reason: Some("too small".into()),
        created_at: when,
    }
}

pub async fn insert_return(store: &Store, tenant: &Tenant, r: &OrderReturn) {
    let mut tx = store.write().await.expect("tx");
    tx.insert_return(tenant.id, r).await.expect("return");
    tx.commit().await.expect("commit");
}

pub async fn receive_stock(
    store: &Store,
    tenant: &Tenant,
    sku: &str,
    location: LocationId,
    quantity: i64,
    when: DateTime<Utc>,
) {
    let sku = Sku::parse(sku).expect("sku");
    let mut tx = store.write().await.expect("tx");
    tx.apply_movement(
        tenant.id,
        &sku,
        location,
        Movement {
            kind: MovementKind::Receipt,
            quantity,
        },
        Some("asn-7"),
        when,
    )
    .await
    .expect("movement");
    tx.commit().await.expect("commit");
}

/// A conversation of `customer` in Telegram with the customer's message and the bot's answer.
pub async fn conversation(
    store: &Store,
    tenant: &Tenant,
    customer: CustomerId,
    customer_text: &str,
    when: DateTime<Utc>,
) -> (Conversation, Vec<Message>) {
    let c = Conversation {
        id: ConversationId::new(),
        tenant_id: tenant.id,
        customer_id: Some(customer),
        handle: None,
        status: ConversationStatus::Bot,
        queue: "general".into(),
        assigned_to: None,
        channels: vec![MessageChannel::Telegram],
        last_channel: MessageChannel::Telegram,
        human_involved: false,
        first_response_due: None,
        created_at: when,
        last_message_at: when,
        version: 1,
    };
    let messages = vec![
        Message {
            id: MessageId::new(),
            conversation_id: c.id,
            channel: MessageChannel::Telegram,
            author: Author::Customer,
            text: customer_text.into(),
            intent: Some(Intent::OrderStatus),
            at: when,
        },
        Message {
            id: MessageId::new(),
            conversation_id: c.id,
            channel: MessageChannel::Telegram,
            author: Author::Bot,
            text: format!("Order 100001 is on its way (you wrote: {customer_text})"),
            intent: None,
            at: when + chrono::Duration::seconds(1),
        },
    ];
    let mut tx = store.write().await.expect("tx");
    tx.save_conversation(&c, None).await.expect("conversation");
    for m in &messages {
        tx.insert_message(tenant.id, m).await.expect("message");
    }
    tx.commit().await.expect("commit");
    (c, messages)
}

/// Every `.parquet` file under `dir`, recursively, sorted.
pub fn parquet_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "parquet") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Every file under `dir` (any kind), recursively.
pub fn all_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// The rows of one file as name → value.
pub fn read_file(path: &Path) -> Vec<Record> {
    let reader = SerializedFileReader::try_from(path).expect("a parquet file");
    reader
        .get_row_iter(None)
        .expect("rows")
        .map(|row| {
            row.expect("row")
                .get_column_iter()
                .map(|(name, field)| (name.clone(), field.clone()))
                .collect()
        })
        .collect()
}

/// Every row of a table, from every file under `DIR/<table>/`.
pub fn read_table(lake: &Path, table: &str) -> Vec<Record> {
    parquet_files(&lake.join(table))
        .iter()
        .flat_map(|p| read_file(p))
        .collect()
}

pub fn str_field(v: &str) -> Field {
    Field::Str(v.into())
}
