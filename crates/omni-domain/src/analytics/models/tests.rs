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

/// A small deterministic generator (splitmix64) for fixtures.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    fn f64(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Roughly standard normal (sum of 12 uniforms).
    fn normal(&mut self) -> f64 {
        (0..12).map(|_| self.f64()).sum::<f64>() - 6.0
    }
}
