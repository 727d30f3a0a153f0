//! How a customer pays at checkout. Card payments arrive as a payment provider's token only:
//! the platform never sees or stores a card number, and refuses anything that looks like one
//! so a misconfigured client cannot leak cardholder data into orders or logs.

use serde::{Deserialize, Serialize};

use crate::Violations;

/// The means of payment a checkout names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum PaymentMethod {
    /// A token from the payment provider's SDK (card data never reaches us).
    Card { token: String },
    /// Paid at the till in cash (POS sales only).
    Cash,
    /// Paid to the courier or at the pickup counter.
    OnDelivery,
}

/// Whether `s` is a plausible primary account number: 13–19 digits (spaces and dashes
/// ignored) with a valid Luhn check digit.
pub fn looks_like_card_number(s: &str) -> bool {
    let digits: Vec<u32> = s
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .map(|c| c.to_digit(10))
        .collect::<Option<Vec<u32>>>()
        .unwrap_or_default();
    if !(13..=19).contains(&digits.len()) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                *d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

impl PaymentMethod {
    /// Wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            PaymentMethod::Card { .. } => "card",
            PaymentMethod::Cash => "cash",
            PaymentMethod::OnDelivery => "on_delivery",
        }
    }

    /// Refuses a card number sent where a token belongs, and malformed tokens.
    pub fn validate(&self, field: &str, v: &mut Violations) {
        let PaymentMethod::Card { token } = self else {
            return;
        };
        let path = format!("{field}.token");
        if looks_like_card_number(token) {
            v.push(
                path,
                "card_number_refused",
                "send the payment provider's token, never a card number",
            );
        } else if token.is_empty()
            || token.len() > 200
            || !token.bytes().all(|b| b.is_ascii_graphic())
        {
            v.push(path, "invalid", "1–200 visible ASCII characters");
        }
    }
}
