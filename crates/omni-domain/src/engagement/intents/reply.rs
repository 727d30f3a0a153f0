//! The bot's answers: [`ReplyFacts`] (what the adapter looked up) and [`reply`], which turns
//! an intent and those facts into a natural Russian or English message.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{Intent, Lang};

/// The live data the adapter found for the recognised intent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ReplyFacts {
    /// Nothing looked up (greeting, hand-off, a question the bot needs more to answer).
    Nothing,
    /// Looked up, nothing found: the reply apologises and offers a person.
    NotFound,
    Order {
        number: String,
        /// Already in the reply's language, e.g. "собран и ждёт вас в магазине".
        status: String,
        promised: Option<NaiveDate>,
    },
    Store {
        name: String,
        address: String,
        /// Today's hours as text, e.g. `10:00–22:00`; `None`: closed today.
        hours_today: Option<String>,
    },
    Stock {
        product: String,
        /// (store name, units available), nearest first; empty: none nearby.
        stores: Vec<(String, u32)>,
    },
    Points {
        available: i64,
        /// Earned, maturing after the return window.
        pending: i64,
    },
    Returns {
        days: u32,
    },
}

/// The bot's answer for `intent` in `lang` from the facts the adapter looked up. Facts that do
/// not fit the intent are treated as [`ReplyFacts::NotFound`].
pub fn reply(intent: Intent, lang: Lang, facts: &ReplyFacts) -> String {
    use ReplyFacts as F;
    let ru = lang == Lang::Ru;
    match (intent, facts) {
        (Intent::Greeting, _) => pick(
            ru,
            "Здравствуйте! Я бот-помощник. Подскажу, где ваш заказ, когда работает магазин, есть ли товар в наличии рядом, как оформить возврат и сколько у вас баллов. Чем помочь?",
            "Hello! I'm the assistant bot. I can tell you where your order is, when a store is open, whether an item is in stock nearby, how returns work and how many points you have. How can I help?",
        ),
        (Intent::Human, _) => pick(
            ru,
            "Соединяю со специалистом — он ответит здесь же, в этом чате. Вся переписка сохранится.",
            "I'm connecting you with a specialist, who will reply right here in this chat. Your conversation so far is kept.",
        ),
        (Intent::Unknown, _) => pick(
            ru,
            "Кажется, я не совсем понял вопрос. Я могу подсказать статус заказа, часы работы магазинов, наличие товара, условия возврата и баланс баллов. Или позвать специалиста?",
            "I'm not sure I understood. I can help with order status, store hours, stock nearby, returns and your points balance. Or shall I call a specialist?",
        ),
        (
            Intent::OrderStatus,
            F::Order {
                number,
                status,
                promised,
            },
        ) => {
            let mut s = if ru {
                format!("Заказ №{number}: {status}.")
            } else {
                format!("Order {number}: {status}.")
            };
            if let Some(d) = promised {
                s.push_str(&if ru {
                    format!(" Ожидаемая дата — {}.", date_ru(*d))
                } else {
                    format!(" Expected on {}.", d.format("%-d %B"))
                });
            }
            s
        }
        (Intent::OrderStatus, F::Nothing) => pick(
            ru,
            "Подскажите, пожалуйста, номер заказа — он есть в письме или СМС с подтверждением.",
            "Could you tell me the order number? You'll find it in the confirmation email or text.",
        ),
        (
            Intent::StoreHours,
            F::Store {
                name,
                address,
                hours_today,
            },
        ) => match (ru, hours_today) {
            (true, Some(h)) => format!("«{name}», {address}. Сегодня работает: {h}."),
            (true, None) => format!("«{name}», {address}. Сегодня магазин не работает."),
            (false, Some(h)) => format!("{name}, {address}. Open today: {h}."),
            (false, None) => format!("{name}, {address}. The store is closed today."),
        },
        (Intent::StoreHours, F::Nothing) => pick(
            ru,
            "Подскажите, какой магазин вас интересует: город и улицу или торговый центр.",
            "Which store do you mean? Tell me the city and the street or mall.",
        ),
        (Intent::StockNearby, F::Stock { product, stores }) if !stores.is_empty() => {
            let mut s = if ru {
                format!("«{product}» есть в наличии:")
            } else {
                format!("{product} is in stock:")
            };
            for (store, units) in stores {
                s.push_str(&if ru {
                    format!("\n• {store} — {units} шт.")
                } else {
                    format!(
                        "\n• {store}: {units} {}",
                        if *units == 1 { "unit" } else { "units" }
                    )
                });
            }
            s
        }
        (Intent::StockNearby, F::Stock { product, .. }) => {
            if ru {
                format!(
                    "К сожалению, «{product}» сейчас нет в магазинах рядом. Позвать специалиста — он подберёт похожий товар или подскажет, когда будет поставка?"
                )
            } else {
                format!(
                    "Sorry, {product} isn't in stock in any store nearby right now. Shall I call a specialist to suggest something similar or check when it's due?"
                )
            }
        }
        (Intent::StockNearby, F::Nothing) => pick(
            ru,
            "Какой товар вы ищете? Напишите название или артикул — проверю наличие в магазинах рядом.",
            "Which item are you looking for? Send me its name or article number and I'll check stores nearby.",
        ),
        (Intent::PointsBalance, F::Points { available, pending }) => {
            let mut s = if ru {
                format!(
                    "У вас {} {} на счёте.",
                    group(*available, ru),
                    plural_ru(*available, "балл", "балла", "баллов")
                )
            } else {
                format!(
                    "You have {} {} available.",
                    group(*available, ru),
                    if *available == 1 { "point" } else { "points" }
                )
            };
            if *pending > 0 {
                s.push_str(&if ru {
                    format!(
                        " Ещё {} {} начислятся после окончания срока возврата покупок.",
                        group(*pending, ru),
                        plural_ru(*pending, "балл", "балла", "баллов")
                    )
                } else {
                    format!(
                        " Another {} will become available once the return period of your purchases ends.",
                        group(*pending, ru)
                    )
                });
            }
            s
        }
        (Intent::ReturnPolicy, F::Returns { days }) => {
            if ru {
                format!(
                    "Вернуть или обменять товар можно в течение {days} {} после покупки. Возьмите товар и чек или номер заказа — оформим возврат в магазине, деньги вернутся тем же способом, которым вы платили.",
                    plural_ru(i64::from(*days), "дня", "дней", "дней")
                )
            } else {
                format!(
                    "You can return or exchange an item within {days} {} of purchase. Bring it with the receipt or order number to a store; the money goes back the way you paid.",
                    if *days == 1 { "day" } else { "days" }
                )
            }
        }
        (intent, _) => not_found(intent, ru),
    }
}

fn not_found(intent: Intent, ru: bool) -> String {
    let (what_ru, what_en) = match intent {
        Intent::OrderStatus => ("заказ с таким номером", "an order with that number"),
        Intent::StoreHours => ("такой магазин", "that store"),
        Intent::StockNearby => ("этот товар", "that item"),
        Intent::PointsBalance => ("вашу карту лояльности", "your loyalty account"),
        _ => ("ответ на этот вопрос", "an answer to that"),
    };
    if ru {
        format!("К сожалению, я не нашёл {what_ru}. Позвать специалиста? Он ответит здесь же.")
    } else {
        format!(
            "Sorry, I couldn't find {what_en}. Shall I call a specialist? They'll reply right here."
        )
    }
}

fn pick(ru: bool, r: &str, e: &str) -> String {
    if ru { r.to_owned() } else { e.to_owned() }
}

/// `1 балл`, `2 балла`, `5 баллов`, `21 балл`, `11 баллов`.
pub(super) fn plural_ru<'a>(n: i64, one: &'a str, few: &'a str, many: &'a str) -> &'a str {
    let n = n.unsigned_abs();
    match (n % 10, n % 100) {
        (_, 11..=14) => many,
        (1, _) => one,
        (2..=4, _) => few,
        _ => many,
    }
}

/// Thousands grouped: `12 345` (Russian, no-break space) or `12,345`.
fn group(n: i64, ru: bool) -> String {
    let digits = n.unsigned_abs().to_string();
    let sep = if ru { '\u{a0}' } else { ',' };
    let mut out = String::with_capacity(digits.len() + 4);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

fn date_ru(d: NaiveDate) -> String {
    const MONTHS: [&str; 12] = [
        "января",
        "февраля",
        "марта",
        "апреля",
        "мая",
        "июня",
        "июля",
        "августа",
        "сентября",
        "октября",
        "ноября",
        "декабря",
    ];
    format!("{} {}", d.day(), MONTHS[d.month0() as usize])
}
