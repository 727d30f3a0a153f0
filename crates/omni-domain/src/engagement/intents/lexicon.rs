//! The lexicon the recogniser matches against, built once from the word lists: stemmed
//! keywords and phrases with their weights, city forms, and function words.

use std::sync::OnceLock;

use rustc_hash::FxHashMap;

use super::Intent;
use super::score::{Scores, slot};
use super::text::stem;
use super::words::{PHRASES, WORDS};

/// The stemmed lookup tables, built once (see [`lexicon`]).
pub(super) struct Lexicon {
    /// Stem → weight per scored intent.
    pub(super) words: FxHashMap<String, Scores>,
    /// First stem → (second stem, weights) of two-word phrases.
    pub(super) pairs: FxHashMap<String, Vec<(String, Scores)>>,
    /// Stem of a city form → canonical name.
    pub(super) cities: FxHashMap<String, &'static str>,
    /// Function words (raw forms) never taken for a product or a store.
    pub(super) stop: FxHashMap<&'static str, ()>,
}

pub(super) fn lexicon() -> &'static Lexicon {
    static LEX: OnceLock<Lexicon> = OnceLock::new();
    LEX.get_or_init(build_lexicon)
}

fn weights(i: Intent, w: f32) -> Scores {
    let mut s = [0.0; 7];
    s[slot(i)] = w;
    s
}

fn build_lexicon() -> Lexicon {
    let mut words: FxHashMap<String, Scores> = FxHashMap::default();
    let mut pairs: FxHashMap<String, Vec<(String, Scores)>> = FxHashMap::default();
    for (intent, list) in WORDS {
        for (forms, w) in *list {
            for form in forms.split_whitespace() {
                let e = words.entry(stem(form).to_owned()).or_insert([0.0; 7]);
                // A form listed twice under one intent counts once.
                e[slot(*intent)] = e[slot(*intent)].max(*w);
            }
        }
    }
    for (intent, list) in PHRASES {
        for (phrase, w) in *list {
            let mut it = phrase.split_whitespace().map(stem);
            if let (Some(a), Some(b)) = (it.next(), it.next()) {
                pairs
                    .entry(a.to_owned())
                    .or_default()
                    .push((b.to_owned(), weights(*intent, *w)));
            }
        }
    }
    let mut cities = FxHashMap::default();
    for (canonical, forms) in CITIES {
        for form in forms.split_whitespace() {
            cities.insert(stem(form).to_owned(), *canonical);
        }
    }
    let stop = STOP
        .iter()
        .flat_map(|s| s.split_whitespace())
        .map(|w| (w, ()))
        .collect();
    Lexicon {
        words,
        pairs,
        cities,
        stop,
    }
}
/// Known cities: canonical Russian name → forms (Russian cases and English spellings).
const CITIES: &[(&str, &str)] = &[
    ("Москва", "москва москве москвы москву moscow msk мск"),
    (
        "Санкт-Петербург",
        "петербург петербурге петербурга питер питере спб petersburg spb",
    ),
    ("Казань", "казань казани kazan"),
    (
        "Новосибирск",
        "новосибирск новосибирске новосибирска novosibirsk",
    ),
    (
        "Екатеринбург",
        "екатеринбург екатеринбурге екб yekaterinburg ekaterinburg",
    ),
    ("Нижний Новгород", "новгород новгороде новгорода novgorod"),
    ("Самара", "самара самаре самары samara"),
    ("Ростов-на-Дону", "ростов ростове ростова rostov"),
    ("Воронеж", "воронеж воронеже воронежа voronezh"),
    ("Краснодар", "краснодар краснодаре краснодара krasnodar"),
    ("Уфа", "уфа уфе уфы ufa"),
    ("Пермь", "пермь перми perm"),
    ("Красноярск", "красноярск красноярске krasnoyarsk"),
    ("Челябинск", "челябинск челябинске chelyabinsk"),
    ("Омск", "омск омске omsk"),
    ("Волгоград", "волгоград волгограде volgograd"),
    ("Тверь", "тверь твери tver"),
    ("Тула", "тула туле тулы tula"),
    ("Сочи", "сочи sochi"),
    ("Калининград", "калининград калининграде kaliningrad"),
];

/// Function words never taken for a product or a store name.
const STOP: &[&str] = &[
    "и в во на у с со к ко по за из от до о об про для при а но или ли же бы не ни да нет то",
    "я мне меня мой моя мое мои моего моей моих моим ты тебя вы вас вам ваш ваша ваше ваши вашем",
    "вашего вашей он она они мы нас нам наш это этот эта эти этих тот там тут здесь где когда",
    "как какой какая какие каком какую что чтобы кто сколько можно нужно надо хочу хотел хотела",
    "пожалуйста пж плиз подскажите подскажи скажите скажи уже еще вообще просто очень ну вот так",
    "тоже сегодня завтра сейчас чё че товар товара вещь у со мной мною",
    "the a an is are was were be been do does did you your i me my mine we our it its this that",
    "there any some of in on at to for from with and or but can could would will please pls",
    "what whats when where which who how many much get got has am still now today tomorrow",
    "check tell let know want need item items thing",
];
