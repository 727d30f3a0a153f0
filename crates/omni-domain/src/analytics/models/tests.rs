//! The models against hand counts on tiny fixtures, and against the synthetic chain, whose
//! structure (taste groups, a logistic cart outcome, seasonality) they should recover on
//! held-out data. `cargo test -p omni-domain analytics::models -- --nocapture` prints figures.

mod carts;
mod forecasts;
mod recommendations;

use omni_kernel::Channel;

use crate::analytics::Sale;

/// A purchase line of one unit at 100.00, store 0.
fn sale(customer: u32, order: u32, day: u32, sku: u32) -> Sale {
    Sale {
        customer,
        order,
        day,
        channel: Channel::Pos,
        store: Some(0),
        sku,
        category: 0,
        quantity: 1,
        net_minor: 10_000,
        discount_minor: 0,
    }
}

/// The synthetic chain's deterministic generator, for fixtures.
pub(super) use crate::analytics::synthetic::Rng;
