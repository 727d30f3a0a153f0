//! The chatbot's first step: what a customer's message asks for, in Russian or English, and
//! the slots the answer needs (order number, product, city, store). Pure and deterministic:
//! the text is normalised (lower case, `ё`→`е`, punctuation dropped), split into words, each
//! word reduced to a stem by a small suffix stripper ("заказа", "заказом" → "заказ"), and every
//! intent scores the weighted stems and two-word phrases it knows. The scores become a
//! softmax-style confidence against an "unknown" baseline; below [`HANDOFF_BELOW`] (or for
//! [`Intent::Unknown`] and [`Intent::Human`]) the conversation goes to a person.
//!
//! [`reply()`] turns an intent and the live facts the adapter looked up into a natural answer.
//!
//! Layout: `text` normalises, stems and compares words; `lexicon` and `words` hold
//! what the bot knows; `extract` tags the words and pulls out the slots; `score` turns the
//! matches into an intent and a confidence; `reply` writes the answer.

mod extract;
mod lexicon;
mod reply;
mod score;
mod text;
mod words;

use serde::{Deserialize, Serialize};

use extract::{Role, content_run, scan, tokenize};
use lexicon::lexicon;
use score::{
    BASELINE, GREETING, ORDER_NUMBER_BOOST, SCORED, Scores, best_task, confidence, slot, typo_pass,
};
use text::{detect_lang, normalise};

pub use reply::{ReplyFacts, reply};

/// What a message asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Intent {
    /// "Where is my order 100234?"
    OrderStatus,
    /// Opening hours or address of a store.
    StoreHours,
    /// Whether a product is in stock in a store nearby.
    StockNearby,
    /// How to return or exchange an item.
    ReturnPolicy,
    /// Loyalty points balance.
    PointsBalance,
    /// "Hi" and nothing else.
    Greeting,
    /// The customer asks for a person.
    Human,
    /// Anything the bot does not handle.
    Unknown,
}

impl Intent {
    /// Every intent.
    pub const ALL: [Intent; 8] = [
        Intent::OrderStatus,
        Intent::StoreHours,
        Intent::StockNearby,
        Intent::ReturnPolicy,
        Intent::PointsBalance,
        Intent::Greeting,
        Intent::Human,
        Intent::Unknown,
    ];

    /// Wire and storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            Intent::OrderStatus => "order_status",
            Intent::StoreHours => "store_hours",
            Intent::StockNearby => "stock_nearby",
            Intent::ReturnPolicy => "return_policy",
            Intent::PointsBalance => "points_balance",
            Intent::Greeting => "greeting",
            Intent::Human => "human",
            Intent::Unknown => "unknown",
        }
    }
}

/// The language a message is written in (and the reply should be).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Lang {
    Ru,
    En,
}

/// What [`recognize`] found in a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Recognized {
    pub intent: Intent,
    /// 0..=1; below [`HANDOFF_BELOW`] the bot hands the conversation to a person.
    pub confidence: f32,
    pub lang: Lang,
    /// The first run of 5–10 digits in the text.
    pub order_number: Option<String>,
    /// For [`Intent::StockNearby`]: the words naming the product, e.g. `кроссовки nike`.
    pub product_query: Option<String>,
    /// For [`Intent::StockNearby`]: a short number next to the product (a size), e.g. `42`.
    pub size: Option<String>,
    /// A known city, by its canonical Russian name (`Казань` for "in Kazan", "в казани").
    pub city: Option<String>,
    /// For [`Intent::StoreHours`]: other words naming the store, e.g. `тверской`.
    pub store_query: Option<String>,
}

impl Recognized {
    /// Whether a person should take over: asked for, not understood, or not sure enough.
    pub fn needs_human(&self) -> bool {
        matches!(self.intent, Intent::Human | Intent::Unknown) || self.confidence < HANDOFF_BELOW
    }
}

/// Below this confidence the bot does not answer and hands off to a human with the context.
pub const HANDOFF_BELOW: f32 = 0.5;

/// Recognises the intent and slots of one customer message.
pub fn recognize(text: &str) -> Recognized {
    let lex = lexicon();
    let norm = normalise(text);
    let lang = detect_lang(&norm);
    let mut toks = tokenize(&norm);

    let mut scores: Scores = [0.0; 7];
    let (order_number, city) = scan(lex, &mut toks, &mut scores);
    if order_number.is_some() {
        scores[slot(Intent::OrderStatus)] += ORDER_NUMBER_BOOST;
    }
    if best_task(&scores).1 < BASELINE && scores[GREETING] < BASELINE {
        typo_pass(lex, &mut toks, &mut scores);
    }

    let (task, task_score) = best_task(&scores);
    let intent = if task_score >= BASELINE {
        SCORED[task]
    } else if scores[GREETING] >= BASELINE {
        Intent::Greeting
    } else {
        Intent::Unknown
    };
    let confidence = confidence(&scores, intent);

    let product_query = (intent == Intent::StockNearby)
        .then(|| content_run(&toks))
        .flatten();
    let size = (intent == Intent::StockNearby)
        .then(|| toks.iter().find(|t| t.role == Role::Size).map(|t| t.raw))
        .flatten();
    let store_query = (intent == Intent::StoreHours)
        .then(|| content_run(&toks))
        .flatten();
    Recognized {
        intent,
        confidence,
        lang,
        order_number: order_number.map(str::to_owned),
        product_query,
        size: size.map(str::to_owned),
        city: city.map(str::to_owned),
        store_query,
    }
}

#[cfg(test)]
mod tests;
