//! The load scenarios of `omni bench`: the request each one repeats (path, body, query),
//! drawn afresh per request from the demo chain's customers, SKUs and search mix.

use serde::Serialize;
/// Demo members a `price` cart is for, when `OMNI_BENCH_MEMBERS` (how many demo customers
/// were loaded) is set: each request then prices for a random member of the loyalty base.
fn members() -> Option<&'static [omni_kernel::CustomerId]> {
    static IDS: std::sync::OnceLock<Vec<omni_kernel::CustomerId>> = std::sync::OnceLock::new();
    let n: usize = std::env::var("OMNI_BENCH_MEMBERS").ok()?.parse().ok()?;
    let ids = IDS.get_or_init(|| crate::demo::customer_ids(n));
    (!ids.is_empty()).then_some(ids.as_slice())
}

/// The demo customers a `recommendations` request asks for, as strings drawn per request.
fn recommendation_customers() -> &'static [String] {
    static IDS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    IDS.get_or_init(|| {
        let n: usize = std::env::var("OMNI_BENCH_CUSTOMERS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1_000_000);
        crate::demo::customer_ids(n.max(1))
            .iter()
            .map(ToString::to_string)
            .collect()
    })
}

/// A load scenario: one request shape, repeated. Later issues add theirs here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scenario {
    /// `GET /v1/tenant`: the cheapest authenticated request (auth + one read).
    Tenant,
    /// `GET /v1/locations?limit=20`: a page of a list.
    Locations,
    /// `GET /healthz`: no auth, no database; the HTTP stack alone.
    Health,
    /// `GET /v1/stock/SKU-000042/nearby?…`: a core SKU's availability near central Moscow.
    Availability,
    /// `POST /v1/customers/identify`: a random demo customer's phone in local form (`8 9xx …`),
    /// normalised and looked up; `OMNI_BENCH_CUSTOMERS` (default 1,000,000) bounds the draw.
    Identify,
    /// `GET /v1/catalog/search?…`: a shopper's search drawn from a realistic mix (Russian and
    /// English words, a typo, synonyms, SKU and barcode, faceted browsing) over the demo catalog.
    Search,
    /// `POST /v1/pricing/quotes`: a 20-line web cart of random demo SKUs (`OMNI_BENCH_SKUS`,
    /// default the small demo's count) priced against every active promotion, for a random
    /// member of the first `OMNI_BENCH_MEMBERS` demo customers when that is set.
    Price,
    /// `POST /v1/checkouts`: a durable courier checkout of a fresh 2-line web cart (`--carts`
    /// of them are opened before the clock starts): pricing, sourcing over the network, card
    /// authorisation, reservations, offer redemption and the order, committed.
    Checkout,
    /// `GET /v1/recommendations?customer_id=…&k=10`: a random demo customer's personal
    /// recommendations from the node's cached recommender; like `identify`, drawn from the
    /// first `OMNI_BENCH_CUSTOMERS` demo customers (default 1,000,000: set 200 for the small
    /// demo). The `history` demo step gives them purchases.
    Recommendations,
    /// `POST /v1/conversations/inbound`: an SMS from a random demo customer's phone with a
    /// typical question (order status, store hours, stock, returns, points, or a free text),
    /// identified, threaded, answered by the bot or handed off, committed.
    Inbound,
    /// `POST /v1/consultations`: a shopper's request for advice on a category, stored and
    /// visible at once to every free associate with that skill (`GET /v1/consultations`).
    Consultation,
    /// `GET /v1/consultations` with an associate's key: the open requests matching their
    /// skills — what a free associate's app polls to see new requests.
    #[serde(rename = "open-consultations")]
    OpenConsultations,
}

impl Scenario {
    /// The name on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Tenant => "tenant",
            Scenario::Locations => "locations",
            Scenario::Health => "health",
            Scenario::Availability => "availability",
            Scenario::Identify => "identify",
            Scenario::Search => "search",
            Scenario::Price => "price",
            Scenario::Checkout => "checkout",
            Scenario::Recommendations => "recommendations",
            Scenario::Inbound => "inbound",
            Scenario::Consultation => "consultation",
            Scenario::OpenConsultations => "open-consultations",
        }
    }

    /// Path and query requested.
    pub fn path(self) -> &'static str {
        match self {
            Scenario::Tenant => "/v1/tenant",
            Scenario::Locations => "/v1/locations?limit=20",
            Scenario::Health => "/healthz",
            Scenario::Availability => {
                "/v1/stock/SKU-000042/nearby?lat=55.7558&lon=37.6173&radius_km=15&channel=web"
            }
            Scenario::Identify => "/v1/customers/identify",
            Scenario::Search => "/v1/catalog/search",
            Scenario::Price => "/v1/pricing/quotes",
            Scenario::Checkout => "/v1/checkouts",
            Scenario::Recommendations => "/v1/recommendations",
            Scenario::Inbound => "/v1/conversations/inbound",
            Scenario::Consultation | Scenario::OpenConsultations => "/v1/consultations",
        }
    }

    /// The JSON body of a POST scenario; `None` for a GET.
    pub fn body(self) -> Option<String> {
        match self {
            Scenario::Identify => {
                let n = std::env::var("OMNI_BENCH_CUSTOMERS")
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(1_000_000usize);
                let e164 = crate::demo::customer_phone(rand::random_range(0..n.max(1)));
                let local = format!("8{}", e164.trim_start_matches("+7"));
                Some(serde_json::json!({"kind": "phone", "value": local}).to_string())
            }
            Scenario::Price => {
                let skus = std::env::var("OMNI_BENCH_SKUS")
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or_else(crate::demo::small_variant_count);
                let lines: Vec<_> = (0..20)
                    .map(|_| {
                        let sku = crate::demo::sku_code(rand::random_range(1..=skus.max(1)));
                        serde_json::json!({"sku": sku, "quantity": rand::random_range(1..=3)})
                    })
                    .collect();
                let member = members().map(|ids| ids[rand::random_range(0..ids.len())].to_string());
                Some(
                    serde_json::json!({"channel": "web", "lines": lines, "customer_id": member})
                        .to_string(),
                )
            }
            Scenario::Inbound => {
                const TEXTS: [&str; 6] = [
                    "Где мой заказ?",
                    "До скольки работает магазин на Тверской?",
                    "Есть ли кроссовки 42 размера рядом со мной?",
                    "Как вернуть товар?",
                    "Сколько у меня баллов?",
                    "Подскажите, что лучше подарить на день рождения",
                ];
                let phone = crate::demo::customer_phone(rand::random_range(0..200));
                let text = TEXTS[rand::random_range(0..TEXTS.len())];
                Some(
                    serde_json::json!({"channel": "sms", "from": {"kind": "phone", "value": phone}, "text": text})
                        .to_string(),
                )
            }
            Scenario::Consultation => {
                const SKILLS: [&str; 3] = ["running", "robot_vacuums", "tents"];
                let skill = SKILLS[rand::random_range(0..SKILLS.len())];
                Some(
                    serde_json::json!({"skill": skill, "question": "Какую модель выбрать для начинающего?"})
                        .to_string(),
                )
            }
            _ => None,
        }
    }

    /// Query parameters drawn afresh for each request (the search mix); empty otherwise.
    pub fn params(self) -> Vec<(&'static str, &'static str)> {
        match self {
            Scenario::Search => {
                let mix = crate::demo::SEARCH_MIX;
                let probe = &mix[rand::random_range(0..mix.len())];
                [
                    ("q", Some(probe.q)),
                    ("category", probe.category),
                    ("attr", probe.attr),
                ]
                .into_iter()
                .filter_map(|(k, v)| v.filter(|v| !v.is_empty()).map(|v| (k, v)))
                .collect()
            }
            Scenario::Recommendations => {
                let ids = recommendation_customers();
                let who = ids[rand::random_range(0..ids.len())].as_str();
                vec![("customer_id", who), ("k", "10")]
            }
            _ => Vec::new(),
        }
    }

    /// Whether the request carries the bearer key.
    pub fn needs_key(self) -> bool {
        !matches!(self, Scenario::Health)
    }
}
