//! What happened when a run came due — the firing log the daily cap counts and marketers
//! audit — and the message a firing sends, rendered from its template and the event.

use chrono::NaiveDate;
use omni_kernel::{CustomerId, EventId, Timestamp};
use serde::{Deserialize, Serialize};

use super::{EventView, Gate};

omni_kernel::define_id!(
    /// One firing of a trigger chain (sent, applied, deferred or dropped).
    FiringId, "trf"
);

/// One firing as logged: what the gate decided, and what went out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FiringRecord {
    pub id: FiringId,
    pub chain_id: String,
    pub customer_id: CustomerId,
    /// The event that armed the run.
    pub event_id: EventId,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    /// The customer's local day of the firing (what the daily cap counts by).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub local_day: NaiveDate,
    pub gate: Gate,
    /// The message sent, when one was.
    pub message_id: Option<String>,
    /// The text sent, when a message was.
    pub text: Option<String>,
    /// The points credited, for a gift.
    pub points: Option<i64>,
}

impl FiringRecord {
    /// Whether the firing counts against the chain's daily cap (it reached the customer).
    pub fn counted(&self) -> bool {
        matches!(self.gate, Gate::Send { .. } | Gate::Apply)
    }

    /// The gate's decision as one word, for the log's index and filters.
    pub fn decision(&self) -> &'static str {
        match self.gate {
            Gate::Send { .. } => "sent",
            Gate::Apply => "applied",
            Gate::Defer { .. } => "deferred",
            Gate::Drop { .. } => "dropped",
        }
    }
}

/// The customer an event is about: its data's `customer_id`, else its subject when the
/// subject is a customer (`customer.birthday`). Events about nobody start no run.
pub fn customer_of(kind_subject: &str, data: &serde_json::Value) -> Option<CustomerId> {
    data.get("customer_id")
        .and_then(serde_json::Value::as_str)
        .and_then(|s| s.parse().ok())
        .or_else(|| kind_subject.parse().ok())
}

/// Built-in message texts, Russian and English; a template that is none of these is
/// literal text. Either may name event data as `{path}` (e.g. `{number}`, `{units}`).
const TEMPLATES: &[(&str, &str, &str)] = &[
    (
        "abandoned_cart",
        "В вашей корзине осталось товаров: {units}. Вернитесь, пока они в наличии!",
        "You left {units} items in your cart. Come back while they are in stock!",
    ),
    (
        "order_ready_for_pickup",
        "Заказ {number} готов к выдаче. Назовите номер заказа и код из SMS.",
        "Order {number} is ready for pickup. Give the order number and the code we sent you.",
    ),
    (
        "wishlist_nearby",
        "Товар из вашего списка желаний есть в магазине рядом: {store_name}.",
        "An item on your wishlist is in stock at a store near you: {store_name}.",
    ),
    (
        "birthday",
        "С днём рождения! Мы начислили вам подарочные баллы.",
        "Happy birthday! We have credited gift points to your account.",
    ),
];

/// The text of `template` in the language (`ru` or anything else: English), with `{path}`
/// placeholders filled from the event's data (missing values become empty).
pub fn render(template: &str, language: &str, event: &EventView<'_>) -> String {
    let text =
        TEMPLATES
            .iter()
            .find(|(id, _, _)| *id == template)
            .map_or(
                template,
                |(_, ru, en)| if language == "ru" { ru } else { en },
            );
    fill(text, event.data)
}

fn fill(text: &str, data: &serde_json::Value) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let path = &rest[open + 1..open + close];
        match super::lookup(data, path) {
            Some(serde_json::Value::String(s)) => out.push_str(s),
            Some(serde_json::Value::Null) | None => {}
            Some(v) => out.push_str(&v.to_string()),
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn view(data: &serde_json::Value) -> EventView<'_> {
        EventView {
            event_id: EventId::new(),
            event_type: "order.ready_for_pickup",
            customer_id: None,
            data,
            at: Timestamp::default(),
        }
    }

    #[test]
    fn built_in_templates_fill_event_data_in_the_customers_language() {
        let data = json!({"number": "MSK-00042"});
        assert_eq!(
            render("order_ready_for_pickup", "ru", &view(&data)),
            "Заказ MSK-00042 готов к выдаче. Назовите номер заказа и код из SMS."
        );
        assert!(
            render("order_ready_for_pickup", "en", &view(&data)).starts_with("Order MSK-00042 ")
        );
    }

    #[test]
    fn literal_templates_fill_nested_paths_and_drop_missing_ones() {
        let data = json!({"cart": {"units": 3}, "name": null});
        assert_eq!(
            render("{cart.units} items, {name}{missing}!", "en", &view(&data)),
            "3 items, !"
        );
        assert_eq!(
            render("unclosed {brace", "en", &view(&data)),
            "unclosed {brace"
        );
    }

    #[test]
    fn the_customer_is_taken_from_data_or_subject() {
        let c = CustomerId::new();
        let data = json!({"customer_id": c.to_string()});
        assert_eq!(customer_of("crt_x", &data), Some(c));
        assert_eq!(customer_of(&c.to_string(), &json!({})), Some(c));
        assert_eq!(customer_of("ord_x", &json!({"customer_id": null})), None);
    }
}
