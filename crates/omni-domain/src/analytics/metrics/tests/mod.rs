//! Every metric against a small hand-computed data set (the fixture below), plus the
//! chain-scale run behind `#[ignore]`.
//!
//! The fixture: five buyers (0–4) and one customer who never bought (5), eleven orders in
//! the first half of 2024 and one after the `as_of` day (ignored by every customer
//! metric). `D0` = 2024-01-01 = day 19 723; Feb 1 = D0+31, Mar 1 = D0+60, Apr 1 = D0+91,
//! May 1 = D0+121, Jun 1 = D0+152; `AS_OF` = D0+159 = 2024-06-08.
//!
//! | order | customer | day    | channel   | store | lines: (category, qty, net, discount)    |
//! |-------|----------|--------|-----------|-------|------------------------------------------|
//! | 0     | 0        | D0     | Web       | –     | (0, 1, 1000, 0), (1, 2, 2000, 0)         |
//! | 1     | 0        | D0+35  | Web       | –     | (0, 2, 1800, 200)                        |
//! | 2     | 0        | D0+70  | Pos       | 0     | (1, 1, 500, 0)                           |
//! | 3     | 0        | D0+150 | MobileApp | –     | (1, 1, 1000, 0)                          |
//! | 4     | 1        | D0+10  | Pos       | 0     | (1, 1, 500, 0)                           |
//! | 5     | 1        | D0+40  | Pos       | 1     | (0, 3, 2700, 300)                        |
//! | 6     | 2        | D0+20  | Web       | –     | (0, 2, 2000, 0), (1, 1, 1000, 0)         |
//! | 6     | 2        | D0+25  | Web       | –     | return (1, −1, −1000, 0)                 |
//! | 7     | 3        | D0+140 | Pos       | 1     | (1, 4, 1600, 400)                        |
//! | 8     | 4        | D0+5   | MobileApp | –     | (1, 1, 1000, 0)                          |
//! | 9     | 4        | D0+100 | Web       | –     | (0, 1, 1000, 0)                          |
//! | 10    | 4        | D0+120 | Pos       | 0     | (1, 2, 1000, 0)                          |
//! | 11    | 1        | D0+200 | Pos       | 0     | (0, 1, 999, 0) — after AS_OF             |
//!
//! Per buyer at AS_OF: net 6300 / 3200 / 2000 / 1600 / 3000 (sum 16 100), orders
//! 4 / 2 / 1 / 1 / 3 (sum 11), last purchase D0+150 / +40 / +20 / +140 / +120.

mod customers;
mod periods;
mod scale;

use omni_kernel::Channel;

use crate::analytics::{Dataset, Sale, SurveyAnswer};

pub(super) const D0: u32 = 19_723;
pub(super) const AS_OF: u32 = D0 + 159;

/// `(customer, order, day offset, channel, store, category, quantity, net, discount)`.
type Line = (u32, u32, u32, Channel, Option<u32>, u32, i32, i64, i64);

const LINES: [Line; 15] = [
    (0, 0, 0, Channel::Web, None, 0, 1, 1000, 0),
    (0, 0, 0, Channel::Web, None, 1, 2, 2000, 0),
    (0, 1, 35, Channel::Web, None, 0, 2, 1800, 200),
    (0, 2, 70, Channel::Pos, Some(0), 1, 1, 500, 0),
    (0, 3, 150, Channel::MobileApp, None, 1, 1, 1000, 0),
    (1, 4, 10, Channel::Pos, Some(0), 1, 1, 500, 0),
    (1, 5, 40, Channel::Pos, Some(1), 0, 3, 2700, 300),
    (2, 6, 20, Channel::Web, None, 0, 2, 2000, 0),
    (2, 6, 20, Channel::Web, None, 1, 1, 1000, 0),
    (2, 6, 25, Channel::Web, None, 1, -1, -1000, 0),
    (3, 7, 140, Channel::Pos, Some(1), 1, 4, 1600, 400),
    (4, 8, 5, Channel::MobileApp, None, 1, 1, 1000, 0),
    (4, 9, 100, Channel::Web, None, 0, 1, 1000, 0),
    (4, 10, 120, Channel::Pos, Some(0), 1, 2, 1000, 0),
    (1, 11, 200, Channel::Pos, Some(0), 0, 1, 999, 0),
];

/// The fixture of the module documentation. Lines are shuffled (a fixed permutation) so
/// no metric can rely on input order.
pub(super) fn fixture() -> Dataset {
    let mut sales: Vec<Sale> = LINES
        .iter()
        .map(
            |&(customer, order, day, channel, store, category, quantity, net, discount)| Sale {
                customer,
                order,
                day: D0 + day,
                channel,
                store,
                sku: category,
                category,
                quantity,
                net_minor: net,
                discount_minor: discount,
            },
        )
        .collect();
    sales.reverse();
    sales.swap(0, 7);
    sales.swap(3, 12);
    let survey = |day: u32, channel: Channel, score: u8| SurveyAnswer {
        customer: 0,
        day: D0 + day,
        channel,
        score,
    };
    Dataset {
        currency: "RUB".to_owned(),
        customers: (0..6).map(|c| format!("cus_{c}")).collect(),
        skus: vec!["a".into(), "b".into()],
        categories: vec!["shoes".into(), "bags".into()],
        stores: vec!["s0".into(), "s1".into()],
        sales,
        carts: Vec::new(),
        surveys: vec![
            survey(1, Channel::Web, 10),
            survey(2, Channel::Web, 9),
            survey(3, Channel::Web, 3),
            survey(4, Channel::Web, 7),
            survey(5, Channel::Pos, 6),
            survey(6, Channel::Pos, 0),
            survey(7, Channel::Pos, 8),
            survey(8, Channel::MobileApp, 10),
            survey(9, Channel::Web, 11),
            survey(200, Channel::Web, 0),
        ],
    }
}
