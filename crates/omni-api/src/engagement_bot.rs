//! The bot's live data: for a recognised request it looks up the order, the store, the stock,
//! the points or the return window — only ever the sender's own order and points — and words
//! the answer in the sender's language. Anything it cannot help with becomes a hand-off.

use omni_domain::engagement::{Intent, Lang, Recognized, ReplyFacts, reply};
use omni_domain::network::{LocationKind, LocationStatus};
use omni_domain::orders::{Order, OrderStatus};
use omni_kernel::CustomerId;
use omni_search::{Audience, SearchRequest};

use crate::auth::Principal;
use crate::offers_books::OfferBooks;
use crate::{ApiError, AppState};

/// What the bot says.
pub struct BotAnswer {
    pub text: String,
}

/// Looks up what the recognised request needs and words the answer (or the hand-off notice).
pub async fn answer(
    state: &AppState,
    books: &OfferBooks,
    principal: &Principal,
    customer: Option<CustomerId>,
    r: &Recognized,
) -> Result<BotAnswer, ApiError> {
    if r.needs_human() {
        return Ok(BotAnswer {
            text: reply(Intent::Human, r.lang, &ReplyFacts::Nothing),
        });
    }
    let facts = match r.intent {
        Intent::OrderStatus => order_facts(state, principal, customer, r).await?,
        Intent::StoreHours => store_facts(state, principal, r).await?,
        Intent::StockNearby => stock_facts(state, principal, r).await?,
        Intent::PointsBalance => match customer {
            Some(c) => {
                let b = state
                    .store
                    .points_balance(principal.tenant, c, state.clock.now())
                    .await?;
                ReplyFacts::Points {
                    available: b.available,
                    pending: b.pending,
                }
            }
            None => ReplyFacts::NotFound,
        },
        Intent::ReturnPolicy => {
            let priced = books.get(state, principal.tenant, None).await?;
            ReplyFacts::Returns {
                days: priced.rules.program.pending_days,
            }
        }
        _ => ReplyFacts::Nothing,
    };
    Ok(BotAnswer {
        text: reply(r.intent, r.lang, &facts),
    })
}

fn status_text(s: OrderStatus, lang: Lang) -> &'static str {
    use OrderStatus as S;
    let ru = lang == Lang::Ru;
    match (s, ru) {
        (S::Placed | S::Allocated, true) => "принят и собирается",
        (S::Placed | S::Allocated, false) => "received and being prepared",
        (S::Picking | S::Packed, true) => "собирается",
        (S::Picking | S::Packed, false) => "being picked and packed",
        (S::Shipped, true) => "в пути",
        (S::Shipped, false) => "on its way",
        (S::ReadyForPickup, true) => "собран и ждёт вас в магазине",
        (S::ReadyForPickup, false) => "ready for pickup at the store",
        (S::Delivered | S::PickedUp | S::Completed, true) => "получен",
        (S::Delivered | S::PickedUp | S::Completed, false) => "received",
        (S::Cancelled, true) => "отменён",
        (S::Cancelled, false) => "cancelled",
        (S::Returned, true) => "возвращён",
        (S::Returned, false) => "returned",
    }
}

/// The sender's order: by the number they gave, else their latest. Someone else's order
/// (or any order for an unknown sender) is "not found" — nothing leaks.
async fn order_facts(
    state: &AppState,
    principal: &Principal,
    customer: Option<CustomerId>,
    r: &Recognized,
) -> Result<ReplyFacts, ApiError> {
    let Some(customer) = customer else {
        return Ok(ReplyFacts::NotFound);
    };
    let order: Option<Order> = match &r.order_number {
        Some(n) => match state.store.order_by_number(principal.tenant, n).await {
            Ok(o) => Some(o),
            Err(omni_store::StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        },
        None => state
            .store
            .orders_of_customer(principal.tenant, customer, 1)
            .await?
            .into_iter()
            .next(),
    };
    let survivor = state
        .store
        .resolve_customer(principal.tenant, customer)
        .await?
        .id;
    Ok(match order.filter(|o| o.customer_id == Some(survivor)) {
        Some(o) => ReplyFacts::Order {
            number: o.number.clone(),
            status: status_text(o.status, r.lang).to_owned(),
            promised: o.delivery.promised_to.map(|t| t.date_naive()),
        },
        None => ReplyFacts::NotFound,
    })
}

fn matches_words(haystack: &str, needle: &str) -> bool {
    let h = haystack.to_lowercase();
    needle
        .to_lowercase()
        .split_whitespace()
        .any(|w| w.chars().count() >= 3 && h.contains(w))
}

/// The store asked about: by name or street, else in the city named, else the first store.
async fn store_facts(
    state: &AppState,
    principal: &Principal,
    r: &Recognized,
) -> Result<ReplyFacts, ApiError> {
    let stores: Vec<_> = state
        .store
        .all_locations(principal.tenant)
        .await?
        .into_iter()
        .filter(|l| l.kind == LocationKind::Store && l.status == LocationStatus::Active)
        .collect();
    let by_query = r.store_query.as_deref().and_then(|q| {
        stores
            .iter()
            .find(|l| matches_words(&format!("{} {}", l.name, l.address), q))
    });
    let by_city = r
        .city
        .as_deref()
        .and_then(|c| stores.iter().find(|l| matches_words(&l.city, c)));
    let Some(l) = by_query.or(by_city).or(stores.first()) else {
        return Ok(ReplyFacts::NotFound);
    };
    Ok(ReplyFacts::Store {
        name: l.name.clone(),
        address: l.address.clone(),
        hours_today: l.opening_hours.today_text(l.tz(), state.clock.now()),
    })
}

/// Stock of the product asked about: the best catalog match, the stores that can promise it.
async fn stock_facts(
    state: &AppState,
    principal: &Principal,
    r: &Recognized,
) -> Result<ReplyFacts, ApiError> {
    let Some(q) = r.product_query.clone() else {
        return Ok(ReplyFacts::NotFound);
    };
    let request = SearchRequest {
        tenant: principal.tenant,
        audience: Audience::Staff(None),
        text: q.chars().take(200).collect(),
        category: None,
        brand: None,
        attributes: Vec::new(),
        price_min: None,
        price_max: None,
        currency: "RUB".into(),
        sort: Default::default(),
        offset: 0,
        limit: 1,
        in_stock_skus: None,
    };
    let found = state.search.search(&request).map_err(ApiError::internal)?;
    let Some(hit) = found.hits.into_iter().next() else {
        return Ok(ReplyFacts::NotFound);
    };
    let mut stores: Vec<(String, u32)> = Vec::new();
    for sku in hit.product.skus.iter().take(5) {
        let Ok(sku) = omni_domain::inventory::Sku::parse(sku) else {
            continue;
        };
        for at in state
            .store
            .stock_at_locations(principal.tenant, &sku, None)
            .await?
        {
            let atp = at.level.atp();
            let in_city = r
                .city
                .as_deref()
                .is_none_or(|c| matches_words(&at.location.city, c));
            if atp > 0 && at.location.kind == LocationKind::Store && in_city {
                stores.push((
                    at.location.name.clone(),
                    atp.min(i64::from(u32::MAX)) as u32,
                ));
            }
        }
    }
    stores.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    stores.truncate(3);
    Ok(ReplyFacts::Stock {
        product: hit.product.name,
        stores,
    })
}
