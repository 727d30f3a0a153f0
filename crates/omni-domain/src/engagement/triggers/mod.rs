//! Trigger chains: "IF event AND conditions, WAIT, THEN action, UNLESS …" as data, and the
//! engine that runs them over the event stream.
//!
//! The engine's state is data — the [`WaitingRuns`] — so the store can persist it and any node
//! can pick it up. An event cancels the waiting runs its type stops for that customer (the
//! UNLESS), then starts a run of every active chain it matches, due after the chain's wait; a
//! second matching event while a run waits re-arms that run instead of starting another (ten
//! `cart.updated` → one abandoned-cart message). [`TriggerEngine::due`] hands out the runs
//! whose time has come, once each. Whether a firing may actually go out now — consent, quiet
//! hours, frequency cap, preferred channel — is [`gate()`]'s answer, built on
//! [`crate::customers::may_contact`].
//!
//! Layout: this file holds the chains as data and their conditions; `validate` checks a chain
//! field by field; `waiting` stores the waiting runs; `engine` runs the chains over events;
//! `gate` decides whether a firing may go out now; `firing` logs what a firing did and
//! renders the message it sends.

mod engine;
mod firing;
mod gate;
mod validate;
mod waiting;

use omni_kernel::{CustomerId, EventId, Timestamp};
use serde::{Deserialize, Serialize};

use crate::customers::Tier;

pub use engine::{Firing, Outcome, TriggerEngine};
pub use firing::{FiringId, FiringRecord, customer_of, render};
pub use gate::{ContactView, DropReason, Gate, gate, quiet_end};
pub use waiting::{Run, RunRef, WaitingRuns};

/// The data path of a cart event's purchase probability in percent (0–100), which the
/// adapter adds from the abandoned-cart model when a chain started by the event asks for it
/// (e.g. `DataAtMost { path: "buy_probability_pct", value: 40 }`: remind only the carts
/// unlikely to be bought anyway). Without a trained model the path is absent and a condition
/// on it does not hold.
pub const BUY_PROBABILITY_PATH: &str = "buy_probability_pct";

/// Why a chain contacts the customer: marketing sends need the customer's consent for the
/// channel; service messages (your order is ready) do not, but still respect quiet hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum TriggerPurpose {
    Marketing,
    Service,
}

/// A test on the triggering event's data (a dotted path, e.g. `cart.total_minor`, array
/// indices allowed) or on the customer's facts. A fact condition without facts is false.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Condition {
    /// The value at `path` equals `value` (numbers compare by value: `1` equals `1.0`).
    DataEquals {
        path: String,
        #[cfg_attr(feature = "openapi", schema(value_type = Object))]
        value: serde_json::Value,
    },
    /// The number at `path` is at least `value`.
    DataAtLeast { path: String, value: i64 },
    /// The number at `path` is at most `value`.
    DataAtMost { path: String, value: i64 },
    /// Something (not `null`) is at `path`.
    DataExists { path: String },
    /// The customer is in the segment (as the adapter names segments in the facts).
    Segment(String),
    /// The customer is not in the segment.
    NotSegment(String),
    /// The customer's tier is this one or higher.
    TierAtLeast(Tier),
}

/// What a chain does when its run comes due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Action {
    /// A message from `template`, sent in the customer's preferred channel.
    Message { template: String },
    /// Points credited to the customer's loyalty wallet (no message by itself).
    GiftPoints { points: i64 },
    /// A push notification from `template` to the customer's app.
    Push { template: String },
}

/// One chain, as a marketer defines it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TriggerChain {
    /// Stable key, `[a-z0-9_-]`, e.g. `abandoned_cart`.
    pub id: String,
    pub name: String,
    /// The event type that starts a run, e.g. `cart.updated`.
    pub on: String,
    /// All must hold for the event to start a run.
    #[serde(default)]
    pub conditions: Vec<Condition>,
    /// Minutes between the event and the action (0: at once).
    #[serde(default)]
    pub wait_minutes: u32,
    pub action: Action,
    /// Event types by the same customer that cancel a waiting run, e.g. `order.placed`.
    #[serde(default)]
    pub unless: Vec<String>,
    pub purpose: TriggerPurpose,
    /// How many of this chain's firings one customer may get per (their local) day.
    pub max_per_customer_per_day: u32,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

impl TriggerChain {
    /// Typical chains: an abandoned cart, an order ready for pickup, a birthday gift and a
    /// wishlist item in stock at a store the customer is near.
    pub fn examples() -> Vec<TriggerChain> {
        let chain = |id: &str, name: &str, on: &str, action, purpose| TriggerChain {
            id: id.into(),
            name: name.into(),
            on: on.into(),
            conditions: Vec::new(),
            wait_minutes: 0,
            action,
            unless: Vec::new(),
            purpose,
            max_per_customer_per_day: 1,
            active: true,
        };
        let template = |t: &str| Action::Message { template: t.into() };
        vec![
            TriggerChain {
                conditions: vec![Condition::DataAtLeast {
                    path: "units".into(),
                    value: 1,
                }],
                wait_minutes: 120,
                unless: vec!["order.placed".into(), "cart.cleared".into()],
                ..chain(
                    "abandoned_cart",
                    "Cart left for 2 hours and not bought",
                    "cart.updated",
                    template("abandoned_cart"),
                    TriggerPurpose::Marketing,
                )
            },
            TriggerChain {
                max_per_customer_per_day: 10,
                unless: vec!["order.picked_up".into()],
                ..chain(
                    "pickup_ready",
                    "Order ready for pickup",
                    "order.ready_for_pickup",
                    template("order_ready_for_pickup"),
                    TriggerPurpose::Service,
                )
            },
            chain(
                "birthday_points",
                "Birthday gift points",
                "customer.birthday",
                Action::GiftPoints { points: 500 },
                TriggerPurpose::Marketing,
            ),
            TriggerChain {
                wait_minutes: 1,
                ..chain(
                    "birthday_greeting",
                    "Birthday greeting with the gift",
                    "customer.birthday",
                    template("birthday"),
                    TriggerPurpose::Marketing,
                )
            },
            TriggerChain {
                conditions: vec![Condition::DataAtLeast {
                    path: "wishlist_in_stock".into(),
                    value: 1,
                }],
                ..chain(
                    "wishlist_nearby",
                    "Near a store with a wishlist item in stock",
                    "customer.near_store",
                    Action::Push {
                        template: "wishlist_nearby".into(),
                    },
                    TriggerPurpose::Marketing,
                )
            },
        ]
    }
}

impl Condition {
    /// Whether the condition asks about the customer rather than the event.
    pub fn is_fact(&self) -> bool {
        matches!(
            self,
            Condition::Segment(_) | Condition::NotSegment(_) | Condition::TierAtLeast(_)
        )
    }

    /// The event data path the condition reads, if it reads one.
    pub fn data_path(&self) -> Option<&str> {
        match self {
            Condition::DataEquals { path, .. }
            | Condition::DataAtLeast { path, .. }
            | Condition::DataAtMost { path, .. }
            | Condition::DataExists { path } => Some(path),
            Condition::Segment(_) | Condition::NotSegment(_) | Condition::TierAtLeast(_) => None,
        }
    }

    /// Whether the condition holds for this event's data and customer.
    pub fn holds(&self, data: &serde_json::Value, facts: Option<&CustomerFactsView<'_>>) -> bool {
        use serde_json::Value;
        match self {
            Condition::DataEquals { path, value } => {
                lookup(data, path).is_some_and(|v| match (v, value) {
                    (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
                    _ => v == value,
                })
            }
            Condition::DataAtLeast { path, value } => {
                number(lookup(data, path)).is_some_and(|n| n >= *value as f64)
            }
            Condition::DataAtMost { path, value } => {
                number(lookup(data, path)).is_some_and(|n| n <= *value as f64)
            }
            Condition::DataExists { path } => lookup(data, path).is_some_and(|v| !v.is_null()),
            Condition::Segment(s) => facts.is_some_and(|f| f.segments.iter().any(|x| x == s)),
            Condition::NotSegment(s) => facts.is_some_and(|f| !f.segments.iter().any(|x| x == s)),
            Condition::TierAtLeast(t) => facts.is_some_and(|f| f.tier >= *t),
        }
    }
}

fn lookup<'v>(data: &'v serde_json::Value, path: &str) -> Option<&'v serde_json::Value> {
    use serde_json::Value;
    path.split('.').try_fold(data, |v, seg| match v {
        Value::Object(m) => m.get(seg),
        Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    })
}

fn number(v: Option<&serde_json::Value>) -> Option<f64> {
    v.and_then(serde_json::Value::as_f64)
}

/// An event as the engine sees it (borrowed from the envelope the relay delivers).
#[derive(Debug, Clone, Copy)]
pub struct EventView<'a> {
    pub event_id: EventId,
    pub event_type: &'a str,
    /// Events about no known customer start and cancel nothing.
    pub customer_id: Option<CustomerId>,
    pub data: &'a serde_json::Value,
    pub at: Timestamp,
}

/// What the conditions may ask about the customer.
#[derive(Debug, Clone, Copy)]
pub struct CustomerFactsView<'a> {
    pub tier: Tier,
    /// The segments the customer is in, as [`Condition::Segment`] names them.
    pub segments: &'a [String],
}

#[cfg(test)]
mod gate_tests;
#[cfg(test)]
mod tests;
