//! The words the demo catalog is made of: a sport-and-electronics chain's category tree with
//! typed attributes, its brands, and how each kind of product is named, sized and priced in
//! Russian and English. Data only; [`super::catalog`] turns it into rows.

/// A top-level category.
pub struct Root {
    pub code: &'static str,
    pub ru: &'static str,
    pub en: &'static str,
}

/// The category tree's roots.
pub const ROOTS: &[Root] = &[
    Root {
        code: "electronics",
        ru: "Электроника",
        en: "Electronics",
    },
    Root {
        code: "appliances",
        ru: "Бытовая техника",
        en: "Home appliances",
    },
    Root {
        code: "sport",
        ru: "Спорт и отдых",
        en: "Sport and outdoor",
    },
    Root {
        code: "apparel",
        ru: "Одежда и обувь",
        en: "Clothing and shoes",
    },
];

/// How an attribute's values are drawn.
pub enum Values {
    /// A whole number in the range.
    Number(i64, i64),
    Bool,
    Choice(&'static [&'static str]),
}

/// An attribute of a leaf category.
pub struct Attr {
    pub code: &'static str,
    pub ru: &'static str,
    pub en: &'static str,
    pub unit: Option<&'static str>,
    pub values: Values,
    pub required: bool,
    pub facet: bool,
}

/// How a kind of product comes in variants.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Grid {
    /// Colours only (electronics, appliances).
    Colors,
    /// Colours × shoe sizes.
    Shoes,
    /// Colours × clothing sizes.
    Clothes,
    /// Colours × frame sizes.
    Frames,
}

impl Grid {
    /// The sizes this grid offers, smallest first.
    pub fn sizes(self) -> &'static [&'static str] {
        match self {
            Grid::Colors => &[],
            Grid::Shoes => &["38", "39", "40", "41", "42", "43", "44", "45", "46"],
            Grid::Clothes => &["XS", "S", "M", "L", "XL", "XXL"],
            Grid::Frames => &["S", "M", "L", "XL"],
        }
    }
}

/// A leaf category: what its products are called, by whom they are made, what they cost.
pub struct Kind {
    pub code: &'static str,
    pub parent: &'static str,
    pub ru: &'static str,
    pub en: &'static str,
    /// The product noun, singular (`Робот-пылесос`).
    pub noun_ru: &'static str,
    pub noun_en: &'static str,
    /// Descriptive words, one of which may join the name (`беговые` / `running`).
    pub adjectives: &'static [(&'static str, &'static str)],
    pub brands: &'static [&'static str],
    /// List price range in roubles.
    pub price_rub: (i64, i64),
    pub grid: Grid,
    pub attrs: &'static [Attr],
    /// Relative share of the assortment.
    pub weight: u32,
}

const fn attr(
    code: &'static str,
    ru: &'static str,
    en: &'static str,
    unit: Option<&'static str>,
    values: Values,
) -> Attr {
    // Exact-value facets suit choices and yes/no; a number with thousands of values
    // (suction in Pa) would list every one of them, so numbers are filters, not facets.
    let facet = !matches!(values, Values::Number(..));
    Attr {
        code,
        ru,
        en,
        unit,
        values,
        required: true,
        facet,
    }
}

/// Every leaf category of the demo tree.
pub const KINDS: &[Kind] = &[
    Kind {
        code: "smartphones",
        parent: "electronics",
        ru: "Смартфоны",
        en: "Smartphones",
        noun_ru: "Смартфон",
        noun_en: "Smartphone",
        adjectives: &[("защищённый", "rugged"), ("компактный", "compact")],
        brands: &["samsung", "xiaomi", "apple", "huawei", "honor"],
        price_rub: (8_990, 149_990),
        grid: Grid::Colors,
        weight: 4,
        attrs: &[
            attr(
                "storage_gb",
                "Встроенная память",
                "Storage",
                Some("GB"),
                Values::Choice(&["64", "128", "256", "512"]),
            ),
            attr(
                "screen_in",
                "Диагональ экрана",
                "Screen size",
                Some("in"),
                Values::Choice(&["6.1", "6.5", "6.7"]),
            ),
            attr("nfc", "NFC", "NFC", None, Values::Bool),
        ],
    },
    Kind {
        code: "headphones",
        parent: "electronics",
        ru: "Наушники",
        en: "Headphones",
        noun_ru: "Наушники",
        noun_en: "Headphones",
        adjectives: &[("беспроводные", "wireless"), ("спортивные", "sport")],
        brands: &["sony", "jbl", "apple", "samsung", "xiaomi"],
        price_rub: (990, 39_990),
        grid: Grid::Colors,
        weight: 4,
        attrs: &[
            attr("wireless", "Беспроводные", "Wireless", None, Values::Bool),
            attr(
                "form",
                "Тип",
                "Type",
                None,
                Values::Choice(&["вкладыши", "внутриканальные", "накладные", "полноразмерные"]),
            ),
            attr(
                "battery_h",
                "Время работы",
                "Battery life",
                Some("h"),
                Values::Number(5, 60),
            ),
        ],
    },
    Kind {
        code: "tvs",
        parent: "electronics",
        ru: "Телевизоры",
        en: "TVs",
        noun_ru: "Телевизор",
        noun_en: "TV",
        adjectives: &[("умный", "smart")],
        brands: &["samsung", "lg", "sony", "xiaomi", "haier"],
        price_rub: (14_990, 299_990),
        grid: Grid::Colors,
        weight: 3,
        attrs: &[
            attr(
                "diagonal_in",
                "Диагональ",
                "Diagonal",
                Some("in"),
                Values::Choice(&["32", "43", "50", "55", "65", "75"]),
            ),
            attr(
                "resolution",
                "Разрешение",
                "Resolution",
                None,
                Values::Choice(&["HD", "Full HD", "4K", "8K"]),
            ),
        ],
    },
    Kind {
        code: "smartwatches",
        parent: "electronics",
        ru: "Умные часы",
        en: "Smartwatches",
        noun_ru: "Умные часы",
        noun_en: "Smartwatch",
        adjectives: &[("спортивные", "sport"), ("детские", "kids")],
        brands: &["garmin", "apple", "samsung", "huawei", "amazfit"],
        price_rub: (2_990, 89_990),
        grid: Grid::Colors,
        weight: 3,
        attrs: &[
            attr("gps", "GPS", "GPS", None, Values::Bool),
            attr(
                "battery_days",
                "Автономность",
                "Battery life",
                Some("days"),
                Values::Number(1, 21),
            ),
        ],
    },
    Kind {
        code: "robot-vacuums",
        parent: "appliances",
        ru: "Роботы-пылесосы",
        en: "Robot vacuums",
        noun_ru: "Робот-пылесос",
        noun_en: "Robot vacuum",
        adjectives: &[("моющий", "mopping"), ("тихий", "quiet")],
        brands: &["dreame", "xiaomi", "roborock", "polaris", "samsung"],
        price_rub: (9_990, 119_990),
        grid: Grid::Colors,
        weight: 3,
        attrs: &[
            attr(
                "suction_pa",
                "Мощность всасывания",
                "Suction power",
                Some("Pa"),
                Values::Number(1_500, 12_000),
            ),
            attr(
                "battery_min",
                "Время работы",
                "Battery life",
                Some("min"),
                Values::Number(60, 240),
            ),
            attr(
                "wet_cleaning",
                "Влажная уборка",
                "Wet cleaning",
                None,
                Values::Bool,
            ),
        ],
    },
    Kind {
        code: "vacuums",
        parent: "appliances",
        ru: "Пылесосы",
        en: "Vacuum cleaners",
        noun_ru: "Пылесос",
        noun_en: "Vacuum cleaner",
        adjectives: &[
            ("вертикальный", "stick"),
            ("беспроводной", "cordless"),
            ("моющий", "washing"),
        ],
        brands: &["dyson", "philips", "bosch", "polaris", "tefal"],
        price_rub: (4_990, 69_990),
        grid: Grid::Colors,
        weight: 3,
        attrs: &[
            attr(
                "power_w",
                "Мощность",
                "Power",
                Some("W"),
                Values::Number(300, 2_400),
            ),
            attr("cordless", "Беспроводной", "Cordless", None, Values::Bool),
        ],
    },
    Kind {
        code: "coffee-machines",
        parent: "appliances",
        ru: "Кофемашины",
        en: "Coffee machines",
        noun_ru: "Кофемашина",
        noun_en: "Coffee machine",
        adjectives: &[("автоматическая", "automatic"), ("капсульная", "capsule")],
        brands: &["delonghi", "philips", "krups", "polaris"],
        price_rub: (5_990, 129_990),
        grid: Grid::Colors,
        weight: 2,
        attrs: &[
            attr(
                "pressure_bar",
                "Давление",
                "Pressure",
                Some("bar"),
                Values::Number(9, 19),
            ),
            attr(
                "milk_frother",
                "Капучинатор",
                "Milk frother",
                None,
                Values::Bool,
            ),
        ],
    },
    Kind {
        code: "running-shoes",
        parent: "apparel",
        ru: "Кроссовки для бега",
        en: "Running shoes",
        noun_ru: "Кроссовки",
        noun_en: "Running shoes",
        adjectives: &[
            ("беговые", "running"),
            ("трейловые", "trail"),
            ("лёгкие", "lightweight"),
        ],
        brands: &["asics", "nike", "adidas", "puma", "salomon", "demix"],
        price_rub: (2_990, 24_990),
        grid: Grid::Shoes,
        weight: 10,
        attrs: &[
            attr(
                "pronation",
                "Пронация",
                "Pronation",
                None,
                Values::Choice(&["нейтральная", "гиперпронация", "гипопронация"]),
            ),
            attr(
                "gender",
                "Пол",
                "Gender",
                None,
                Values::Choice(&["мужские", "женские", "унисекс"]),
            ),
            attr(
                "waterproof",
                "Водонепроницаемые",
                "Waterproof",
                None,
                Values::Bool,
            ),
        ],
    },
    Kind {
        code: "football-boots",
        parent: "apparel",
        ru: "Бутсы",
        en: "Football boots",
        noun_ru: "Бутсы",
        noun_en: "Football boots",
        adjectives: &[("футбольные", "football"), ("детские", "kids")],
        brands: &["nike", "adidas", "puma", "jogel", "demix"],
        price_rub: (1_990, 29_990),
        grid: Grid::Shoes,
        weight: 6,
        attrs: &[
            attr(
                "surface",
                "Покрытие",
                "Surface",
                None,
                Values::Choice(&["FG", "AG", "TF", "IC"]),
            ),
            attr(
                "gender",
                "Пол",
                "Gender",
                None,
                Values::Choice(&["мужские", "женские", "детские"]),
            ),
        ],
    },
    Kind {
        code: "jackets",
        parent: "apparel",
        ru: "Куртки",
        en: "Jackets",
        noun_ru: "Куртка",
        noun_en: "Jacket",
        adjectives: &[
            ("утеплённая", "insulated"),
            ("мембранная", "membrane"),
            ("пуховая", "down"),
        ],
        brands: &["columbia", "outventure", "salomon", "nike", "adidas"],
        price_rub: (2_990, 49_990),
        grid: Grid::Clothes,
        weight: 10,
        attrs: &[
            attr("membrane", "Мембрана", "Membrane", None, Values::Bool),
            attr(
                "season",
                "Сезон",
                "Season",
                None,
                Values::Choice(&["зима", "демисезон", "лето"]),
            ),
            attr(
                "gender",
                "Пол",
                "Gender",
                None,
                Values::Choice(&["мужская", "женская", "детская"]),
            ),
        ],
    },
    Kind {
        code: "t-shirts",
        parent: "apparel",
        ru: "Футболки",
        en: "T-shirts",
        noun_ru: "Футболка",
        noun_en: "T-shirt",
        adjectives: &[
            ("спортивная", "sport"),
            ("хлопковая", "cotton"),
            ("компрессионная", "compression"),
        ],
        brands: &["nike", "adidas", "puma", "demix", "kappa"],
        price_rub: (590, 5_990),
        grid: Grid::Clothes,
        weight: 10,
        attrs: &[
            attr(
                "fabric",
                "Материал",
                "Fabric",
                None,
                Values::Choice(&["хлопок", "полиэстер", "смесовая ткань"]),
            ),
            attr(
                "gender",
                "Пол",
                "Gender",
                None,
                Values::Choice(&["мужская", "женская", "детская"]),
            ),
        ],
    },
    Kind {
        code: "bikes",
        parent: "sport",
        ru: "Велосипеды",
        en: "Bikes",
        noun_ru: "Велосипед",
        noun_en: "Bike",
        adjectives: &[
            ("горный", "mountain"),
            ("городской", "city"),
            ("детский", "kids"),
        ],
        brands: &["stern", "merida", "giant", "format", "stels"],
        price_rub: (9_990, 199_990),
        grid: Grid::Frames,
        weight: 5,
        attrs: &[
            attr(
                "wheel_in",
                "Диаметр колёс",
                "Wheel size",
                Some("in"),
                Values::Choice(&["20", "24", "26", "27.5", "29"]),
            ),
            attr("speeds", "Скорости", "Speeds", None, Values::Number(1, 30)),
        ],
    },
    Kind {
        code: "tents",
        parent: "sport",
        ru: "Палатки",
        en: "Tents",
        noun_ru: "Палатка",
        noun_en: "Tent",
        adjectives: &[("туристическая", "camping"), ("кемпинговая", "family")],
        brands: &["outventure", "salomon", "columbia", "greenell"],
        price_rub: (1_990, 59_990),
        grid: Grid::Colors,
        weight: 3,
        attrs: &[
            attr(
                "capacity",
                "Вместимость",
                "Capacity",
                Some("persons"),
                Values::Number(1, 8),
            ),
            attr(
                "season",
                "Сезонность",
                "Season",
                None,
                Values::Choice(&["летняя", "трёхсезонная", "зимняя"]),
            ),
        ],
    },
    Kind {
        code: "treadmills",
        parent: "sport",
        ru: "Беговые дорожки",
        en: "Treadmills",
        noun_ru: "Беговая дорожка",
        noun_en: "Treadmill",
        adjectives: &[("складная", "folding"), ("электрическая", "electric")],
        brands: &["torneo", "oxygen", "xiaomi", "carbon"],
        price_rub: (19_990, 249_990),
        grid: Grid::Colors,
        weight: 2,
        attrs: &[
            attr(
                "max_speed",
                "Максимальная скорость",
                "Top speed",
                Some("km/h"),
                Values::Number(6, 22),
            ),
            attr(
                "max_weight",
                "Максимальный вес пользователя",
                "Max user weight",
                Some("kg"),
                Values::Number(100, 180),
            ),
        ],
    },
    Kind {
        code: "balls",
        parent: "sport",
        ru: "Мячи",
        en: "Balls",
        noun_ru: "Мяч",
        noun_en: "Ball",
        adjectives: &[
            ("футбольный", "football"),
            ("баскетбольный", "basketball"),
            ("волейбольный", "volleyball"),
        ],
        brands: &["adidas", "nike", "jogel", "demix", "torneo"],
        price_rub: (490, 12_990),
        grid: Grid::Colors,
        weight: 4,
        attrs: &[attr(
            "ball_size",
            "Размер",
            "Size",
            None,
            Values::Choice(&["3", "4", "5", "7"]),
        )],
    },
];

/// Brand codes with display names.
pub const BRANDS: &[(&str, &str)] = &[
    ("samsung", "Samsung"),
    ("xiaomi", "Xiaomi"),
    ("apple", "Apple"),
    ("huawei", "Huawei"),
    ("honor", "Honor"),
    ("sony", "Sony"),
    ("jbl", "JBL"),
    ("lg", "LG"),
    ("haier", "Haier"),
    ("garmin", "Garmin"),
    ("amazfit", "Amazfit"),
    ("dreame", "Dreame"),
    ("roborock", "Roborock"),
    ("polaris", "Polaris"),
    ("dyson", "Dyson"),
    ("philips", "Philips"),
    ("bosch", "Bosch"),
    ("tefal", "Tefal"),
    ("delonghi", "De'Longhi"),
    ("krups", "Krups"),
    ("asics", "ASICS"),
    ("nike", "Nike"),
    ("adidas", "adidas"),
    ("puma", "Puma"),
    ("salomon", "Salomon"),
    ("demix", "Demix"),
    ("jogel", "Jögel"),
    ("columbia", "Columbia"),
    ("outventure", "Outventure"),
    ("kappa", "Kappa"),
    ("stern", "Stern"),
    ("merida", "Merida"),
    ("giant", "Giant"),
    ("format", "Format"),
    ("stels", "Stels"),
    ("greenell", "Greenell"),
    ("torneo", "Torneo"),
    ("oxygen", "Oxygen Fitness"),
    ("carbon", "Carbon Fitness"),
];

/// Colour names (Russian, as the chain's data carries them).
pub const COLORS: &[&str] = &[
    "чёрный",
    "белый",
    "серый",
    "синий",
    "красный",
    "зелёный",
    "бежевый",
    "голубой",
    "оранжевый",
    "фиолетовый",
];

/// Model series words that make names look like a real range.
pub const SERIES: &[&str] = &[
    "Pro", "Max", "Air", "Lite", "Plus", "Ultra", "Neo", "Sport", "Trail", "Run", "Classic",
    "Active", "Evo", "Prime", "Nova", "Gel", "Zoom", "Boost", "Edge", "Flex",
];

/// The tenant's search synonyms: how its shoppers say the same thing.
pub const SYNONYMS: &[&[&str]] = &[
    &["кроссовки", "кеды", "sneakers"],
    &["пылесос", "vacuum", "vacuum cleaner"],
    &["телевизор", "тв", "tv"],
    &["велосипед", "велик", "bike", "bicycle"],
    &["наушники", "гарнитура", "headphones", "earbuds"],
    &["футболка", "майка", "t-shirt", "tee"],
];

/// One search of the benchmark mix: words (may hold a typo, a synonym, a SKU), and the
/// category and `code:value` attribute filters a shopper clicked.
pub struct Probe {
    pub q: &'static str,
    pub category: Option<&'static str>,
    pub attr: Option<&'static str>,
}

const fn probe(
    q: &'static str,
    category: Option<&'static str>,
    attr: Option<&'static str>,
) -> Probe {
    Probe { q, category, attr }
}

/// A realistic mix of shopper and associate searches over the demo catalog: Russian and
/// English words, inflections, a typo, synonyms, codes and faceted browsing.
pub const SEARCH_MIX: &[Probe] = &[
    probe("пылесосы", None, None),
    probe("робот пылесос xiaomi", None, None),
    probe("кросовки беговые", None, None),
    probe("running shoes", None, None),
    probe("куртка мембранная", None, Some("season:зима")),
    probe("велик", None, None),
    probe("наушники беспроводные", None, None),
    probe("телевизор", None, Some("diagonal_in:55")),
    probe("SKU-000123", None, None),
    probe("4600000012360", None, None),
    probe("", Some("running-shoes"), Some("size:42")),
    probe("garmin", None, None),
    probe("футболки", Some("apparel"), None),
    probe("кофемашина delonghi", None, None),
    probe("smartphone samsung", None, None),
    probe("палатки", Some("sport"), None),
];
