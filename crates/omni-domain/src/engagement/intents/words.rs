//! What each intent is recognised by: weighted keywords (every listed form is stemmed) and
//! two-word phrases, Russian and English, colloquial forms included.

use super::Intent;

pub(super) type WordList = &'static [(&'static str, f32)];

/// Keywords per intent: space-separated forms sharing a weight (every form is stemmed).
pub(super) const WORDS: &[(Intent, WordList)] = &[
    (
        Intent::OrderStatus,
        &[
            (
                "заказ заказа заказом заказы заказов заказик order orders",
                2.0,
            ),
            ("посылка посылку посылки package parcel parcels", 1.7),
            (
                "статус status отследить отслеживание трек трекномер track tracking",
                1.5,
            ),
            (
                "привезут привезти привезете привезли доставят доставили доставлен доставлено",
                1.5,
            ),
            (
                "доставка доставку доставки delivery deliver delivered shipped shipping shipment",
                1.2,
            ),
            (
                "курьер курьера courier arrive arrived arriving приедет приехал пришел придет",
                1.2,
            ),
            (
                "отправили отправлен отправлено задерживается задержка late delayed",
                1.0,
            ),
            ("где where когда when", 0.4),
        ],
    ),
    (
        Intent::StoreHours,
        &[
            ("часы hours режим график schedule timetable", 1.5),
            ("работы работает работаете работают", 1.3),
            (
                "открывается открываетесь открываются откроетесь откроется opens opening open",
                1.6,
            ),
            (
                "закрывается закрываетесь закрываются закроетесь closes closing close closed",
                1.6,
            ),
            ("открыт открыты открыто", 1.4),
            (
                "адрес адреса address located location находится находитесь directions",
                1.8,
            ),
            ("магазин магазина магазине магазины store stores shop", 1.2),
            (
                "понедельник вторник среда среду четверг пятница пятницу суббота субботу",
                0.8,
            ),
            (
                "воскресенье праздники выходные monday tuesday wednesday thursday friday",
                0.8,
            ),
            ("saturday sunday weekend holidays", 0.8),
            ("где where", 0.5),
        ],
    ),
    (
        Intent::StockNearby,
        &[
            ("наличии наличие наличия stock instock availability", 2.5),
            (
                "available остались осталось остаток поблизости рядом nearby carry",
                1.5,
            ),
            ("ближайшем ближайший ближайшие near найдется найти", 1.0),
            ("есть have купить buy размер размера size", 0.7),
        ],
    ),
    (
        Intent::ReturnPolicy,
        &[
            (
                "вернуть верните верну вернул вернуть возврат возврата возвраты return returns",
                2.5,
            ),
            ("refund refunds обменять обмен обменяю exchange", 2.3),
            ("сдать сдам бракованный брак faulty defective broken", 1.5),
            ("подошел подошло подошли подходит policy", 1.2),
            ("обратно деньги money", 0.8),
        ],
    ),
    (
        Intent::PointsBalance,
        &[
            ("баллы баллов балла points point", 2.5),
            ("бонусы бонусов бонусная бонусной bonus rewards reward", 2.2),
            ("кэшбэк кешбек кэшбек cashback", 2.2),
            (
                "баланс balance лояльности loyalty накопилось накоплено",
                1.5,
            ),
            ("сгорят сгорают списать карте карта card", 0.8),
            ("сколько скок", 0.5),
        ],
    ),
    (
        Intent::Human,
        &[
            ("оператор оператора оператором operator human", 3.0),
            (
                "человек человека человеком person agent representative",
                2.5,
            ),
            (
                "менеджер менеджера менеджером специалист специалиста специалистом",
                2.5,
            ),
            (
                "консультант консультанта сотрудник сотрудника manager someone",
                2.2,
            ),
            (
                "живой живым живого real live позвоните перезвоните позвонить callback",
                1.5,
            ),
            (
                "жалоба пожаловаться complaint соедините переключите connect",
                1.5,
            ),
            (
                "позовите позвать поговорить talk speak support поддержка",
                1.0,
            ),
        ],
    ),
    (
        Intent::Greeting,
        &[
            (
                "привет приветик приветствую здравствуйте здравствуй здрасте хай салют",
                2.5,
            ),
            ("hello hi hey hiya howdy алло ку", 2.5),
        ],
    ),
];

/// Two-word phrases (forms are stemmed; the words must be adjacent).
pub(super) const PHRASES: &[(Intent, WordList)] = &[
    (
        Intent::OrderStatus,
        &[("мой заказ", 0.5), ("my order", 0.5)],
    ),
    (
        Intent::StoreHours,
        &[
            ("во сколько", 1.5),
            ("до скольки", 2.0),
            ("часы работы", 1.0),
            ("режим работы", 1.0),
            ("как добраться", 2.0),
            ("what time", 1.5),
            ("opening times", 1.0),
        ],
    ),
    (
        Intent::StockNearby,
        &[
            ("есть ли", 0.8),
            ("магазине есть", 2.0),
            ("near me", 0.8),
            ("in stock", 0.5),
            ("you have", 0.5),
            ("рядом со", 0.5),
        ],
    ),
    (
        Intent::ReturnPolicy,
        &[
            ("как вернуть", 1.0),
            ("не подошел", 1.0),
            ("send back", 2.0),
            ("money back", 2.0),
        ],
    ),
    (
        Intent::PointsBalance,
        &[("how many", 0.3), ("how much", 0.3)],
    ),
    (
        Intent::Greeting,
        &[
            ("добрый день", 2.5),
            ("добрый вечер", 2.5),
            ("доброе утро", 2.5),
            ("доброго дня", 2.5),
            ("good morning", 2.5),
            ("good afternoon", 2.5),
            ("good evening", 2.5),
        ],
    ),
];
