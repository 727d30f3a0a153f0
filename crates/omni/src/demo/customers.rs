//! The demo chain's customers: Russian and Kazakh names, mobile phones (+7 9xx in Russia,
//! +7 7xx in Kazakhstan), emails, loyalty cards with a Luhn check digit, cities weighted by
//! population, tiers, 90-day spend and consents. 200 at the small scale, a million at the
//! chain scale, loaded with multi-row inserts (one summary event per batch instead of a
//! million `customer.created` events nobody subscribed to yet).

use futures::future::BoxFuture;
use omni_domain::customers::{
    ConsentRecord, ContactChannel, Customer, CustomerStatus, Identifier, IdentifierKind, Purpose,
    Tier,
};
use omni_domain::events::DomainEvent;
use omni_kernel::{Channel, CustomerId};
use omni_store::customers::BulkCustomer;
use rand::Rng;
use rand::rngs::StdRng;

use super::Scale;
use super::context::{DemoContext, DemoIds, StepReport, epoch};
use super::geography::{CITIES, City};
use super::steps::DemoStep;

/// Customers per write transaction.
const BATCH: usize = 5_000;

const MALE: &[(&str, &str)] = &[
    ("Александр", "aleksandr"),
    ("Дмитрий", "dmitry"),
    ("Максим", "maksim"),
    ("Сергей", "sergey"),
    ("Андрей", "andrey"),
    ("Алексей", "aleksey"),
    ("Иван", "ivan"),
    ("Михаил", "mikhail"),
    ("Никита", "nikita"),
    ("Артём", "artem"),
];
const FEMALE: &[(&str, &str)] = &[
    ("Анна", "anna"),
    ("Мария", "maria"),
    ("Елена", "elena"),
    ("Ольга", "olga"),
    ("Наталья", "natalya"),
    ("Екатерина", "ekaterina"),
    ("Татьяна", "tatyana"),
    ("Ирина", "irina"),
    ("Светлана", "svetlana"),
    ("Дарья", "darya"),
];
/// Family names in the masculine form; the feminine adds `а` (Иванов → Иванова).
const FAMILY: &[(&str, &str)] = &[
    ("Иванов", "ivanov"),
    ("Смирнов", "smirnov"),
    ("Кузнецов", "kuznetsov"),
    ("Попов", "popov"),
    ("Васильев", "vasilyev"),
    ("Петров", "petrov"),
    ("Соколов", "sokolov"),
    ("Михайлов", "mikhailov"),
    ("Новиков", "novikov"),
    ("Фёдоров", "fedorov"),
    ("Морозов", "morozov"),
    ("Волков", "volkov"),
];
const KZ_MALE: &[(&str, &str)] = &[
    ("Нурлан", "nurlan"),
    ("Ерлан", "erlan"),
    ("Асхат", "askhat"),
    ("Данияр", "daniyar"),
    ("Арман", "arman"),
];
const KZ_FEMALE: &[(&str, &str)] = &[
    ("Айгерим", "aigerim"),
    ("Динара", "dinara"),
    ("Гульнара", "gulnara"),
    ("Асель", "asel"),
    ("Жанна", "zhanna"),
];
const KZ_FAMILY: &[(&str, &str)] = &[
    ("Нурланов", "nurlanov"),
    ("Ахметов", "akhmetov"),
    ("Сейткалиев", "seitkaliev"),
    ("Жумабаев", "zhumabaev"),
    ("Касымов", "kasymov"),
];
const MAIL: &[&str] = &["mail.ru", "yandex.ru", "gmail.com", "bk.ru", "inbox.ru"];
/// Kazakh mobile operator codes.
const KZ_CODES: &[u32] = &[700, 701, 702, 705, 707, 708, 747, 771, 775, 776, 777, 778];

/// Creates the customers.
pub struct CustomersStep;

impl DemoStep for CustomersStep {
    fn name(&self) -> &'static str {
        "customers"
    }

    fn run<'a>(&'a self, ctx: &'a mut DemoContext) -> BoxFuture<'a, anyhow::Result<StepReport>> {
        Box::pin(async move {
            let total = count(ctx.scale);
            let mut generator = Generator::new(ctx);
            let bar = ctx.bar("customers", total as u64);
            let mut done = 0;
            while done < total {
                let n = BATCH.min(total - done);
                let rows: Vec<BulkCustomer> =
                    (done..done + n).map(|i| generator.customer(i)).collect();
                let mut tx = ctx.store.write().await?;
                tx.bulk_insert_customers(&rows).await?;
                let first = rows
                    .first()
                    .map(|r| r.customer.id.to_string())
                    .unwrap_or_default();
                tx.record(&DomainEvent::new(
                    ctx.tenant.id,
                    "customers.imported",
                    first,
                    ctx.now,
                    serde_json::json!({"count": n}),
                ))
                .await?;
                tx.commit().await?;
                done += n;
                bar.inc(n as u64);
            }
            bar.finish_and_clear();
            Ok(StepReport::default().count("customers", total))
        })
    }
}

/// How many customers a scale gets: 200, or a million at chain scale. `OMNI_DEMO_CUSTOMERS`
/// overrides the chain figure; unit tests default it to 20,000 so a debug build's chain-scale
/// network test stays quick (the million-customer run is the ignored release test).
pub fn count(scale: Scale) -> usize {
    let chain = std::env::var("OMNI_DEMO_CUSTOMERS")
        .ok()
        .and_then(|v| v.parse().ok());
    match scale {
        Scale::Small => 200,
        Scale::Chain => chain.unwrap_or(if cfg!(test) { 20_000 } else { 1_000_000 }),
    }
}

/// The phone of the `i`-th demo customer in E.164 (benchmarks look customers up by it):
/// every fifth customer is Kazakh. Distinct for every `i` below ten million.
/// The ids of the first `n` demo customers, in generation order (one id per customer from
/// the `customers` id stream), so a load test can price for real members.
pub fn customer_ids(n: usize) -> Vec<CustomerId> {
    let mut ids = DemoIds::new("customers");
    (0..n)
        .map(|_| CustomerId::from_ulid(ids.next_ulid()))
        .collect()
}

pub fn phone(i: usize) -> String {
    let i = i as u64;
    if i % 5 == 4 {
        let k = i / 5;
        let code = KZ_CODES[(k % KZ_CODES.len() as u64) as usize];
        let sub = (k / KZ_CODES.len() as u64) * 7_919 % 10_000_000;
        format!("+7{code}{sub:07}")
    } else {
        let k = i - i / 5;
        let code = 900 + 16 + k % 84;
        let sub = (k / 84) * 7_919 % 10_000_000;
        format!("+7{code}{sub:07}")
    }
}

fn luhn_digit(digits: &str) -> u32 {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

/// The loyalty card number of the `i`-th customer (16 digits, Luhn-valid).
pub fn card(i: usize) -> String {
    let body = format!("7001{i:011}");
    format!("{body}{}", luhn_digit(&body))
}

struct Generator {
    rng: StdRng,
    ids: DemoIds,
    ru: Vec<(&'static City, u32)>,
    kz: Vec<(&'static City, u32)>,
    tenant: omni_kernel::TenantId,
}

fn weighted(country: &str) -> Vec<(&'static City, u32)> {
    CITIES
        .iter()
        .filter(|c| c.country == country)
        .map(|c| (c, c.population_k))
        .collect()
}

/// Four in five demo customers told their birth date (1950–2005, every day of the year
/// alike), derived from the index so the random stream — and every other demo value — stays
/// as it was; birthdays then fire the demo's birthday chains every day.
fn birth_date(i: usize) -> Option<chrono::NaiveDate> {
    if i % 5 == 3 {
        return None;
    }
    let year = 1950 + (i * 37 % 56) as i32;
    let first = chrono::NaiveDate::from_ymd_opt(year, 1, 1)?;
    first.checked_add_days(chrono::Days::new((i * 7919 % 366) as u64))
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

impl Generator {
    fn new(ctx: &DemoContext) -> Self {
        Self {
            rng: DemoContext::rng("customers"),
            ids: DemoIds::new("customers"),
            ru: weighted("RU"),
            kz: weighted("KZ"),
            tenant: ctx.tenant.id,
        }
    }

    fn city(&mut self, kz: bool) -> &'static City {
        let cities = if kz { &self.kz } else { &self.ru };
        let total: u32 = cities.iter().map(|(_, w)| w).sum();
        let mut x = self.rng.random_range(0..total.max(1));
        for (c, w) in cities {
            if x < *w {
                return c;
            }
            x -= w;
        }
        cities[0].0
    }

    fn customer(&mut self, i: usize) -> BulkCustomer {
        let kz = i % 5 == 4;
        let female = self.rng.random_bool(0.55);
        let (given, family) = match (kz, female) {
            (false, false) => (*pick(&mut self.rng, MALE), *pick(&mut self.rng, FAMILY)),
            (false, true) => (*pick(&mut self.rng, FEMALE), *pick(&mut self.rng, FAMILY)),
            (true, false) => (
                *pick(&mut self.rng, KZ_MALE),
                *pick(&mut self.rng, KZ_FAMILY),
            ),
            (true, true) => (
                *pick(&mut self.rng, KZ_FEMALE),
                *pick(&mut self.rng, KZ_FAMILY),
            ),
        };
        let family_name = if female {
            format!("{}а", family.0)
        } else {
            family.0.to_owned()
        };
        let city = self.city(kz);
        let tier = match self.rng.random_range(0..100) {
            0..60 => Tier::Basic,
            60..85 => Tier::Silver,
            85..97 => Tier::Gold,
            _ => Tier::Platinum,
        };
        let spend_cap: i64 = match tier {
            Tier::Basic => 1_500_000,
            Tier::Silver => 4_000_000,
            Tier::Gold => 9_000_000,
            Tier::Platinum => 30_000_000,
        };
        let id = CustomerId::from_ulid(self.ids.next_ulid());
        let at = epoch();
        let mut identifiers = vec![(
            Identifier {
                kind: IdentifierKind::Phone,
                value: phone(i),
            },
            true,
        )];
        if self.rng.random_bool(0.7) {
            let value = format!(
                "{}.{}{}@{}",
                given.1,
                family.1,
                i,
                pick(&mut self.rng, MAIL)
            );
            identifiers.push((
                Identifier {
                    kind: IdentifierKind::Email,
                    value,
                },
                self.rng.random_bool(0.8),
            ));
        }
        if self.rng.random_bool(0.6) {
            identifiers.push((
                Identifier {
                    kind: IdentifierKind::LoyaltyCard,
                    value: card(i),
                },
                true,
            ));
        }
        let mut consents = Vec::new();
        for (purpose, channel, p) in [
            (Purpose::Marketing, Some(ContactChannel::Sms), 0.4),
            (Purpose::Marketing, Some(ContactChannel::Email), 0.5),
            (Purpose::Marketing, Some(ContactChannel::Push), 0.3),
            (Purpose::Personalisation, None, 0.6),
        ] {
            if self.rng.random_bool(p) {
                consents.push(ConsentRecord {
                    purpose,
                    channel,
                    granted: true,
                    method: "checkbox".into(),
                    source: Channel::Web,
                    location_id: None,
                    at,
                });
            }
        }
        let customer = Customer {
            id,
            tenant_id: self.tenant,
            status: CustomerStatus::Active,
            merged_into: None,
            given_name: Some(given.0.to_owned()),
            family_name: Some(family_name),
            city: Some(city.name.to_owned()),
            tier,
            points_balance: self.rng.random_range(0..20_000),
            spent_90d: self.rng.random_range(0..spend_cap),
            preferences: Default::default(),
            sizes: Default::default(),
            preferred_channel: None,
            quiet_hours: None,
            time_zone: city.time_zone.to_owned(),
            birth_date: birth_date(i),
            provenance: Default::default(),
            version: 1,
            created_at: at,
            updated_at: at,
        };
        BulkCustomer {
            customer,
            identifiers,
            consents,
        }
    }
}

#[cfg(test)]
#[path = "customers_tests.rs"]
mod tests;
