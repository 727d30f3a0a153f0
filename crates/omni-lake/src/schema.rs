//! The lake's tables: every column with its Parquet type and meaning. `docs/DATA_LAKE.md`
//! documents the same columns (a test checks that every column here is named there).
//!
//! Types are the ones every reader maps without help: UTF-8 strings, INT64 (money in minor
//! units beside a `currency` column, quantities, counters), BOOLEAN, and
//! TIMESTAMP(MILLIS, UTC) for instants.

use std::sync::Arc;

use parquet::basic::{LogicalType, Repetition, TimeUnit, Type as Physical};
use parquet::schema::types::{Type, TypePtr};

use crate::LakeError;

/// A column's value type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// BYTE_ARRAY, logical type STRING.
    String,
    /// INT64.
    Int64,
    /// BOOLEAN.
    Boolean,
    /// INT64, logical type TIMESTAMP(isAdjustedToUTC = true, MILLIS).
    Timestamp,
}

impl Kind {
    /// The name `docs/DATA_LAKE.md` uses.
    pub fn doc_name(self) -> &'static str {
        match self {
            Kind::String => "STRING",
            Kind::Int64 => "INT64",
            Kind::Boolean => "BOOLEAN",
            Kind::Timestamp => "TIMESTAMP(MILLIS, UTC)",
        }
    }
}

/// One column.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub kind: Kind,
    pub nullable: bool,
    pub doc: &'static str,
}

/// One table: a folder `DIR/<name>/tenant=<id>/date=<YYYY-MM-DD>/` of Parquet files.
#[derive(Debug, Clone, Copy)]
pub struct Table {
    pub name: &'static str,
    pub doc: &'static str,
    /// The column whose UTC date is the `date=` partition.
    pub partition_by: &'static str,
    pub columns: &'static [Column],
}

const fn col(name: &'static str, kind: Kind, doc: &'static str) -> Column {
    Column {
        name,
        kind,
        nullable: false,
        doc,
    }
}

const fn opt(name: &'static str, kind: Kind, doc: &'static str) -> Column {
    Column {
        name,
        kind,
        nullable: true,
        doc,
    }
}

use Kind::{Boolean, Int64, String as Str, Timestamp};

const TENANT: Column = col(
    "tenant_id",
    Str,
    "The chain (`ten_…`); also the `tenant=` partition.",
);

/// Every domain event of the feed, once, in feed order.
pub const EVENTS: Table = Table {
    name: "events",
    doc: "Every domain event of the outbox feed, exported once each in feed order.",
    partition_by: "occurred_at",
    columns: &[
        col("event_id", Str, "Event id (`evt_…`), unique."),
        TENANT,
        col("type", Str, "Event type, e.g. `order.placed`."),
        col("subject", Str, "Id of the entity the event is about."),
        col("occurred_at", Timestamp, "When it happened."),
        col(
            "seq",
            Int64,
            "Position in the feed (all tenants): increasing in commit order.",
        ),
        col(
            "data",
            Str,
            "The event payload as JSON text (ids and codes, never personal data).",
        ),
    ],
};

/// Customer profiles without any personal data.
pub const CUSTOMERS: Table = Table {
    name: "customers",
    doc: "Customer profiles, one row per exported version, with no personal data at all.",
    partition_by: "created_at",
    columns: &[
        col("customer_id", Str, "Customer id (`cus_…`)."),
        TENANT,
        col(
            "status",
            Str,
            "`active`, `merged` (into `merged_into`) or `erased`.",
        ),
        col(
            "erased",
            Boolean,
            "Personal data erased (the profile, or the one it was merged into).",
        ),
        opt("merged_into", Str, "The surviving profile of a merge."),
        col(
            "tier",
            Str,
            "Loyalty tier: `basic`, `silver`, `gold`, `platinum`.",
        ),
        col(
            "spent_90d_minor",
            Int64,
            "Spend over the last 90 days, minor units of `currency`.",
        ),
        col(
            "currency",
            Str,
            "ISO 4217 code of the chain's home currency.",
        ),
        col("points_balance", Int64, "Loyalty points balance."),
        col(
            "version",
            Int64,
            "Profile version; grows with every change.",
        ),
        col("created_at", Timestamp, "When the profile was created."),
        col(
            "updated_at",
            Timestamp,
            "When this version was written: keep the latest per id.",
        ),
    ],
};

/// Orders, one row per exported version.
pub const ORDERS: Table = Table {
    name: "orders",
    doc: "Orders of every channel, one row per exported version.",
    partition_by: "created_at",
    columns: &[
        col("order_id", Str, "Order id (`ord_…`)."),
        TENANT,
        col("number", Str, "The number the customer names."),
        opt("customer_id", Str, "The buyer; null for an anonymous sale."),
        col(
            "channel",
            Str,
            "Sales channel: `web`, `mobile_app`, `pos`, `associate_app`, `call_center`, `kiosk`, `messenger`, `chatbot`.",
        ),
        opt(
            "store_id",
            Str,
            "The store that sold it (till, associate), if any.",
        ),
        col(
            "status",
            Str,
            "Lifecycle status: `placed`, `allocated`, `picking`, `packed`, `shipped`, `ready_for_pickup`, `delivered`, `picked_up`, `completed`, `cancelled`, `returned`.",
        ),
        col(
            "currency",
            Str,
            "ISO 4217 code of every `_minor` amount of the row.",
        ),
        col(
            "subtotal_minor",
            Int64,
            "Goods at unit prices, before discounts.",
        ),
        col(
            "discount_minor",
            Int64,
            "Promotions and coupons on the goods.",
        ),
        col("total_minor", Int64, "Goods after discounts."),
        col(
            "points_paid_minor",
            Int64,
            "Part of `total_minor` paid with loyalty points.",
        ),
        col("delivery_fee_minor", Int64, "Delivery fee."),
        col(
            "to_pay_minor",
            Int64,
            "Money to pay: total − points + delivery.",
        ),
        col(
            "refunded_minor",
            Int64,
            "Money refunded so far (returns, cancelled lines).",
        ),
        col("points_earned", Int64, "Loyalty points the order earns."),
        col("points_burnt", Int64, "Loyalty points that paid for it."),
        opt(
            "delivery_method",
            Str,
            "`courier`, `express`, `pickup_point`, `store_pickup`; null for a carry-out sale at the till.",
        ),
        opt(
            "pickup_location_id",
            Str,
            "The store or point that hands it out.",
        ),
        col("line_count", Int64, "Number of lines."),
        col(
            "units",
            Int64,
            "Units bought (before cancellations and returns).",
        ),
        opt(
            "promotion_ids",
            Str,
            "Comma-separated ids of the promotions that applied.",
        ),
        col("version", Int64, "Order version; grows with every change."),
        col("created_at", Timestamp, "When it was placed."),
        col(
            "updated_at",
            Timestamp,
            "When this version was written: keep the latest per id.",
        ),
    ],
};

/// Order lines, re-exported with their order.
pub const ORDER_LINES: Table = Table {
    name: "order_lines",
    doc: "One row per order line, re-exported whenever its order changes.",
    partition_by: "order_created_at",
    columns: &[
        col("order_id", Str, "The order."),
        col("line", Int64, "Line number within the order, from 0."),
        TENANT,
        col("sku", Str, "The SKU sold."),
        col("quantity", Int64, "Units bought."),
        col(
            "unit_price_minor",
            Int64,
            "Price of one unit before discounts.",
        ),
        col("subtotal_minor", Int64, "`unit_price_minor` × `quantity`."),
        col(
            "discount_minor",
            Int64,
            "Every discount on the line (promotions, coupons, sale price).",
        ),
        col(
            "net_minor",
            Int64,
            "What the line cost after discounts (subtotal − discount).",
        ),
        col(
            "points_paid_minor",
            Int64,
            "Part of `net_minor` paid with loyalty points.",
        ),
        col("points_earned", Int64, "Loyalty points the line earns."),
        col("cancelled", Int64, "Units cancelled."),
        col("returned", Int64, "Units returned."),
        col("currency", Str, "ISO 4217 code of the `_minor` amounts."),
        col("channel", Str, "The order's sales channel."),
        opt("store_id", Str, "The order's selling store."),
        col("status", Str, "The order's status."),
        opt("customer_id", Str, "The order's buyer."),
        col("order_created_at", Timestamp, "When the order was placed."),
        col(
            "updated_at",
            Timestamp,
            "The order version this row belongs to: keep the latest per (order_id, line).",
        ),
    ],
};

/// Returned lines.
pub const RETURNS: Table = Table {
    name: "returns",
    doc: "One row per returned line of every return (returns never change once recorded).",
    partition_by: "created_at",
    columns: &[
        col("return_id", Str, "Return id (`ret_…`)."),
        col("line", Int64, "The order line returned."),
        TENANT,
        col("order_id", Str, "The order."),
        col("location_id", Str, "Where the goods were handed in."),
        col("sku", Str, "The SKU returned."),
        col("quantity", Int64, "Units returned."),
        col("refund_minor", Int64, "Money refunded for these units."),
        col(
            "points_refunded",
            Int64,
            "Points that had paid for them, credited back.",
        ),
        col(
            "points_clawed_back",
            Int64,
            "Points they had earned, taken back.",
        ),
        col(
            "currency",
            Str,
            "ISO 4217 code of `refund_minor` (the order's currency).",
        ),
        col("created_at", Timestamp, "When the return was recorded."),
    ],
};

/// The stock ledger.
pub const STOCK_MOVEMENTS: Table = Table {
    name: "stock_movements",
    doc: "The stock ledger: every movement of every SKU at every location.",
    partition_by: "occurred_at",
    columns: &[
        col("movement_id", Str, "Movement id (`mov_…`)."),
        TENANT,
        col("sku", Str, "The SKU."),
        col("location_id", Str, "The store or warehouse."),
        col(
            "kind",
            Str,
            "`receipt`, `sale`, `return`, `adjustment`, `count`, `transfer_out`, `transfer_in`.",
        ),
        col("quantity", Int64, "Signed change of on-hand units."),
        opt(
            "reference",
            Str,
            "What caused it (an order, a transfer, a feed).",
        ),
        col("occurred_at", Timestamp, "When it was recorded."),
    ],
};

/// Conversation messages, texts withheld for erased customers.
pub const MESSAGES: Table = Table {
    name: "messages",
    doc: "Messages of every conversation in every channel; texts never for erased customers.",
    partition_by: "written_at",
    columns: &[
        col("message_id", Str, "Message id (`msg_…`)."),
        TENANT,
        col("conversation_id", Str, "The thread."),
        opt(
            "customer_id",
            Str,
            "The customer of the thread when exported; null if unknown.",
        ),
        col(
            "channel",
            Str,
            "`web_chat`, `app_chat`, `telegram`, `whatsapp`, `vk`, `sms`, `email`, `call`, `console`.",
        ),
        col(
            "author_kind",
            Str,
            "`customer`, `bot` or `staff` (never a person's name).",
        ),
        opt(
            "intent",
            Str,
            "What the bot understood: `order_status`, `store_hours`, …",
        ),
        opt("text", Str, "The message text; null when withheld."),
        col(
            "text_withheld",
            Boolean,
            "The text was withheld: the thread's customer is erased (or not known to be active).",
        ),
        col("written_at", Timestamp, "When it was written."),
    ],
};

/// Every table, in export order.
pub const TABLES: [&Table; 7] = [
    &EVENTS,
    &CUSTOMERS,
    &ORDERS,
    &ORDER_LINES,
    &RETURNS,
    &STOCK_MOVEMENTS,
    &MESSAGES,
];

impl Table {
    /// The Parquet schema of the table's files.
    pub fn parquet_schema(&self) -> Result<TypePtr, LakeError> {
        let fields = self
            .columns
            .iter()
            .map(|c| {
                let (physical, logical) = match c.kind {
                    Kind::String => (Physical::BYTE_ARRAY, Some(LogicalType::String)),
                    Kind::Int64 => (Physical::INT64, None),
                    Kind::Boolean => (Physical::BOOLEAN, None),
                    Kind::Timestamp => (
                        Physical::INT64,
                        Some(LogicalType::timestamp(true, TimeUnit::MILLIS)),
                    ),
                };
                let repetition = if c.nullable {
                    Repetition::OPTIONAL
                } else {
                    Repetition::REQUIRED
                };
                Type::primitive_type_builder(c.name, physical)
                    .with_repetition(repetition)
                    .with_logical_type(logical)
                    .build()
                    .map(Arc::new)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Arc::new(
            Type::group_type_builder("schema")
                .with_fields(fields)
                .build()?,
        ))
    }

    /// The table's columns as the Markdown table `docs/DATA_LAKE.md` shows.
    pub fn markdown(&self) -> String {
        let mut out = String::from("| column | type | null | meaning |\n|---|---|---|---|\n");
        for c in self.columns {
            out.push_str(&format!(
                "| `{}` | {} | {} | {} |\n",
                c.name,
                c.kind.doc_name(),
                if c.nullable { "yes" } else { "no" },
                c.doc
            ));
        }
        out
    }

    /// The index of a column by name.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }
}
