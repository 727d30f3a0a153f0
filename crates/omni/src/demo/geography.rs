//! Real places the demo chain trades in: cities of Russia and Kazakhstan with their centre
//! coordinates, IANA time zones and populations (thousands, rounded), plus warehouse sites
//! and the street and mall names addresses are drawn from.
//!
//! The populations only weight how many stores and pickup points a city gets; the time zones
//! are the real ones, so "is it open now" differs between Kaliningrad and Vladivostok as it
//! would for a real chain.

/// A city the chain may open locations in.
#[derive(Debug, Clone, Copy)]
pub struct City {
    /// Three-letter code used in location codes (`MSK-001`).
    pub code: &'static str,
    /// Name as shown to shoppers.
    pub name: &'static str,
    /// ISO 3166-1 alpha-2 country.
    pub country: &'static str,
    /// City centre, WGS-84.
    pub lat: f64,
    pub lon: f64,
    /// The city's real IANA time zone.
    pub time_zone: &'static str,
    /// Population in thousands; weights the chain's presence.
    pub population_k: u32,
    /// Part of the small showcase network (spread over as many time zones as possible).
    pub showcase: bool,
}

const fn city(
    code: &'static str,
    name: &'static str,
    country: &'static str,
    (lat, lon): (f64, f64),
    time_zone: &'static str,
    population_k: u32,
    showcase: bool,
) -> City {
    City {
        code,
        name,
        country,
        lat,
        lon,
        time_zone,
        population_k,
        showcase,
    }
}

/// Every city of the chain, Moscow first (the associate demo key works in `MSK-001`).
#[rustfmt::skip]
pub const CITIES: &[City] = &[
    city("MSK", "Москва", "RU", (55.7558, 37.6173), "Europe/Moscow", 13_100, true),
    city("SPB", "Санкт-Петербург", "RU", (59.9343, 30.3351), "Europe/Moscow", 5_600, true),
    city("NSK", "Новосибирск", "RU", (55.0084, 82.9357), "Asia/Novosibirsk", 1_630, true),
    city("EKB", "Екатеринбург", "RU", (56.8389, 60.6057), "Asia/Yekaterinburg", 1_540, true),
    city("KZN", "Казань", "RU", (55.7963, 49.1088), "Europe/Moscow", 1_310, true),
    city("NNV", "Нижний Новгород", "RU", (56.3269, 44.0059), "Europe/Moscow", 1_210, true),
    city("KJA", "Красноярск", "RU", (56.0153, 92.8932), "Asia/Krasnoyarsk", 1_200, true),
    city("CHE", "Челябинск", "RU", (55.1644, 61.4368), "Asia/Yekaterinburg", 1_180, false),
    city("SMR", "Самара", "RU", (53.1959, 50.1002), "Europe/Samara", 1_160, true),
    city("UFA", "Уфа", "RU", (54.7388, 55.9721), "Asia/Yekaterinburg", 1_160, false),
    city("ROV", "Ростов-на-Дону", "RU", (47.2357, 39.7015), "Europe/Moscow", 1_140, false),
    city("OMS", "Омск", "RU", (54.9885, 73.3242), "Asia/Omsk", 1_110, true),
    city("KRR", "Краснодар", "RU", (45.0355, 38.9753), "Europe/Moscow", 1_100, true),
    city("VRN", "Воронеж", "RU", (51.6720, 39.1843), "Europe/Moscow", 1_050, false),
    city("PRM", "Пермь", "RU", (58.0105, 56.2502), "Asia/Yekaterinburg", 1_030, false),
    city("VOG", "Волгоград", "RU", (48.7080, 44.5133), "Europe/Volgograd", 1_020, true),
    city("SAR", "Саратов", "RU", (51.5336, 46.0343), "Europe/Saratov", 900, false),
    city("TJM", "Тюмень", "RU", (57.1530, 65.5343), "Asia/Yekaterinburg", 850, false),
    city("TLT", "Тольятти", "RU", (53.5078, 49.4204), "Europe/Samara", 680, false),
    city("IZH", "Ижевск", "RU", (56.8526, 53.2045), "Europe/Samara", 640, false),
    city("BAX", "Барнаул", "RU", (53.3548, 83.7698), "Asia/Barnaul", 630, false),
    city("IKT", "Иркутск", "RU", (52.2870, 104.3050), "Asia/Irkutsk", 620, true),
    city("MCX", "Махачкала", "RU", (42.9849, 47.5047), "Europe/Moscow", 620, false),
    city("ULY", "Ульяновск", "RU", (54.3142, 48.4031), "Europe/Ulyanovsk", 610, false),
    city("KHV", "Хабаровск", "RU", (48.4802, 135.0719), "Asia/Vladivostok", 610, false),
    city("VVO", "Владивосток", "RU", (43.1155, 131.8855), "Asia/Vladivostok", 600, true),
    city("YAR", "Ярославль", "RU", (57.6261, 39.8845), "Europe/Moscow", 570, false),
    city("TOF", "Томск", "RU", (56.4846, 84.9476), "Asia/Tomsk", 570, false),
    city("REN", "Оренбург", "RU", (51.7682, 55.0968), "Asia/Yekaterinburg", 550, false),
    city("KEM", "Кемерово", "RU", (55.3547, 86.0873), "Asia/Novokuznetsk", 550, false),
    city("NOZ", "Новокузнецк", "RU", (53.7576, 87.1360), "Asia/Novokuznetsk", 540, false),
    city("NCH", "Набережные Челны", "RU", (55.7436, 52.3958), "Europe/Moscow", 540, false),
    city("RZN", "Рязань", "RU", (54.6269, 39.6916), "Europe/Moscow", 530, false),
    city("ASF", "Астрахань", "RU", (46.3479, 48.0336), "Europe/Astrakhan", 520, false),
    city("PEZ", "Пенза", "RU", (53.1959, 45.0183), "Europe/Moscow", 510, false),
    city("LPK", "Липецк", "RU", (52.6088, 39.5992), "Europe/Moscow", 500, false),
    city("CSY", "Чебоксары", "RU", (56.1439, 47.2489), "Europe/Moscow", 490, false),
    city("KGD", "Калининград", "RU", (54.7104, 20.4522), "Europe/Kaliningrad", 490, true),
    city("KVX", "Киров", "RU", (58.6036, 49.6680), "Europe/Kirov", 470, false),
    city("TUL", "Тула", "RU", (54.1931, 37.6173), "Europe/Moscow", 470, false),
    city("STW", "Ставрополь", "RU", (45.0428, 41.9734), "Europe/Moscow", 450, false),
    city("URS", "Курск", "RU", (51.7304, 36.1926), "Europe/Moscow", 440, false),
    city("AER", "Сочи", "RU", (43.5855, 39.7231), "Europe/Moscow", 440, false),
    city("UUD", "Улан-Удэ", "RU", (51.8335, 107.5841), "Asia/Irkutsk", 430, false),
    city("TVR", "Тверь", "RU", (56.8587, 35.9176), "Europe/Moscow", 420, false),
    city("MQF", "Магнитогорск", "RU", (53.4072, 58.9791), "Asia/Yekaterinburg", 410, false),
    city("SGC", "Сургут", "RU", (61.2540, 73.3962), "Asia/Yekaterinburg", 400, false),
    city("EGO", "Белгород", "RU", (50.5997, 36.5983), "Europe/Moscow", 390, false),
    city("YKS", "Якутск", "RU", (62.0355, 129.6755), "Asia/Yakutsk", 360, false),
    city("HTA", "Чита", "RU", (52.0340, 113.4994), "Asia/Chita", 330, false),
    city("ARH", "Архангельск", "RU", (64.5393, 40.5187), "Europe/Moscow", 300, false),
    city("MMK", "Мурманск", "RU", (68.9585, 33.0827), "Europe/Moscow", 270, false),
    city("UUS", "Южно-Сахалинск", "RU", (46.9591, 142.7381), "Asia/Sakhalin", 200, false),
    city("PKC", "Петропавловск-Камчатский", "RU", (53.0241, 158.6433), "Asia/Kamchatka", 160, false),
    city("ALA", "Алматы", "KZ", (43.2389, 76.8897), "Asia/Almaty", 2_200, true),
    city("NQZ", "Астана", "KZ", (51.1605, 71.4704), "Asia/Almaty", 1_350, true),
    city("CIT", "Шымкент", "KZ", (42.3417, 69.5901), "Asia/Almaty", 1_200, true),
    city("AKX", "Актобе", "KZ", (50.2839, 57.1670), "Asia/Aqtobe", 560, true),
    city("KGF", "Караганда", "KZ", (49.8047, 73.1094), "Asia/Almaty", 500, false),
    city("DMB", "Тараз", "KZ", (42.9000, 71.3667), "Asia/Almaty", 430, false),
    city("PWQ", "Павлодар", "KZ", (52.2873, 76.9674), "Asia/Almaty", 360, false),
    city("PLX", "Семей", "KZ", (50.4111, 80.2275), "Asia/Almaty", 350, false),
    city("UKK", "Усть-Каменогорск", "KZ", (49.9483, 82.6279), "Asia/Almaty", 330, false),
    city("GUW", "Атырау", "KZ", (47.0945, 51.9238), "Asia/Atyrau", 300, false),
    city("SCO", "Актау", "KZ", (43.6410, 51.1980), "Asia/Aqtau", 260, false),
    city("KZO", "Кызылорда", "KZ", (44.8488, 65.4823), "Asia/Qyzylorda", 250, false),
    city("KSN", "Костанай", "KZ", (53.2198, 63.6354), "Asia/Qostanay", 250, false),
    city("URA", "Уральск", "KZ", (51.2333, 51.3667), "Asia/Oral", 240, false),
    city("PPK", "Петропавловск", "KZ", (54.8728, 69.1430), "Asia/Almaty", 220, false),
];

/// A distribution centre: where it is and which city it serves first.
#[derive(Debug, Clone, Copy)]
pub struct WarehouseSite {
    pub code: &'static str,
    pub name: &'static str,
    pub country: &'static str,
    pub city: &'static str,
    pub address: &'static str,
    pub lat: f64,
    pub lon: f64,
    pub time_zone: &'static str,
    /// Part of the small network (otherwise only in the full chain).
    pub showcase: bool,
}

/// Warehouse sites, the small network's three first.
pub const WAREHOUSES: &[WarehouseSite] = &[
    WarehouseSite {
        code: "WH-MSK",
        name: "Распределительный центр «Подольск»",
        country: "RU",
        city: "Подольск",
        address: "Московская обл., г. Подольск, Домодедовское ш., 2",
        lat: 55.4312,
        lon: 37.5447,
        time_zone: "Europe/Moscow",
        showcase: true,
    },
    WarehouseSite {
        code: "WH-EKB",
        name: "Распределительный центр «Кольцово»",
        country: "RU",
        city: "Екатеринбург",
        address: "г. Екатеринбург, Кольцовский тракт, 11",
        lat: 56.7500,
        lon: 60.7800,
        time_zone: "Asia/Yekaterinburg",
        showcase: true,
    },
    WarehouseSite {
        code: "WH-ALA",
        name: "Распределительный центр «Алматы»",
        country: "KZ",
        city: "Алматы",
        address: "г. Алматы, ул. Бекмаханова, 93",
        lat: 43.3400,
        lon: 76.9500,
        time_zone: "Asia/Almaty",
        showcase: true,
    },
    WarehouseSite {
        code: "WH-SPB",
        name: "Распределительный центр «Шушары»",
        country: "RU",
        city: "Санкт-Петербург",
        address: "г. Санкт-Петербург, пос. Шушары, Московское ш., 231",
        lat: 59.8167,
        lon: 30.3833,
        time_zone: "Europe/Moscow",
        showcase: false,
    },
    WarehouseSite {
        code: "WH-NSK",
        name: "Распределительный центр «Толмачёво»",
        country: "RU",
        city: "Новосибирск",
        address: "Новосибирская обл., г. Обь, ул. Авиационная, 5",
        lat: 55.0100,
        lon: 82.6700,
        time_zone: "Asia/Novosibirsk",
        showcase: false,
    },
    WarehouseSite {
        code: "WH-KRR",
        name: "Распределительный центр «Краснодар»",
        country: "RU",
        city: "Краснодар",
        address: "г. Краснодар, ул. Уральская, 180",
        lat: 45.0300,
        lon: 39.0900,
        time_zone: "Europe/Moscow",
        showcase: false,
    },
];

/// Streets common to most Russian cities.
pub const RU_STREETS: &[&str] = &[
    "ул. Ленина",
    "пр-т Мира",
    "ул. Советская",
    "ул. Гагарина",
    "ул. Кирова",
    "ул. Московская",
    "ул. Пушкина",
    "пр-т Победы",
    "ул. Молодёжная",
    "ул. Садовая",
    "ул. Октябрьская",
    "ул. Строителей",
    "ул. Комсомольская",
    "ул. Карла Маркса",
    "пр-т Ленина",
    "ул. Революционная",
    "ул. Профсоюзная",
    "ул. Заводская",
];

/// Streets common to Kazakh cities.
pub const KZ_STREETS: &[&str] = &[
    "пр-т Абая",
    "ул. Кабанбай батыра",
    "ул. Толе би",
    "пр-т Аль-Фараби",
    "ул. Сатпаева",
    "ул. Жибек Жолы",
    "пр-т Республики",
    "ул. Байтурсынова",
    "ул. Муканова",
    "пр-т Тауелсиздик",
    "ул. Кунаева",
    "ул. Желтоксан",
];

/// Shopping-centre names; stores in malls keep mall hours.
pub const MALLS: &[&str] = &[
    "ТРЦ «Мега»",
    "ТРЦ «Галерея»",
    "ТЦ «Европа»",
    "ТРК «Гранд Каньон»",
    "ТРЦ «Атриум»",
    "ТРЦ «Аура»",
    "ТРЦ «Планета»",
    "ТРЦ «Сити Молл»",
    "ТРЦ «Июнь»",
    "ТРЦ «Ривьера»",
    "ТРЦ «Пассаж»",
    "ТРЦ «Панорама»",
    "ТРЦ «Променад»",
    "ТРЦ «Калина»",
    "ТЦ «Гринвич»",
    "ТРЦ «Родник»",
];

/// Partner networks the chain hands parcels to.
pub const PARTNERS: &[&str] = &[
    "ЭкспрессПункт",
    "БоксПойнт",
    "ПочтаМаркет",
    "Логистик Экспресс",
];

/// The streets of a country.
pub fn streets(country: &str) -> &'static [&'static str] {
    if country == "KZ" {
        KZ_STREETS
    } else {
        RU_STREETS
    }
}
