//! Customer lifetime value: historic (net value to date) and predicted over a horizon.
//!
//! The prediction is a *look-alike back-test*, the retention × frequency × order-value
//! model direct marketers have used for decades, calibrated on the dataset itself:
//!
//! 1. Calibration. Go back one horizon, to `c = as_of − horizon`. Every customer who had
//!    bought by `c` falls in a cell by what they looked like at `c`: recency bucket
//!    (0–30, 31–90, 91–180, 181–365, 366+ days) × frequency bucket (1, 2, 3–4, 5–9, 10+
//!    orders). What each cell's customers then did in `(c, as_of]` gives its expected
//!    orders per customer over one horizon — retention (share who bought again) times
//!    frequency (orders per returning customer), reported separately per cell.
//! 2. Shrinkage. A sparse cell's rate is pulled toward the pooled rate with
//!    `cell_prior_customers` pseudo-customers: `(orders + k·pooled) / (customers + k)`.
//! 3. Value. A customer's order value is their own net per order, shrunk toward the
//!    population's with `aov_prior_orders` pseudo-orders, so one big first basket does not
//!    make a whale.
//! 4. Prediction. Today's customer falls in a cell by recency and frequency at `as_of`;
//!    predicted value = the cell's expected orders × the customer's order value.
//!
//! Why this and not BG/NBD or Pareto/NBD: it needs no distributional assumption and no
//! numerical optimisation, every number in it can be checked by hand from the cell table
//! (which the report returns), and because the calibration window is a whole horizon the
//! yearly seasonality is inside it. Limits: it assumes the next horizon behaves like the
//! last one (a growing or shrinking chain biases it), needs one horizon of history (with
//! less, every cell is empty and predictions are zero), and ignores what a customer buys.

use omni_kernel::Channel;
use serde::Serialize;

use super::facts::Facts;
use super::{average_minor, div_round};
use crate::analytics::Dataset;

const RECENCY_EDGES: [u32; 4] = [30, 90, 180, 365];
const RECENCY_LABELS: [&str; 5] = ["0-30", "31-90", "91-180", "181-365", "366+"];
const FREQUENCY_EDGES: [u32; 4] = [1, 2, 4, 9];
const FREQUENCY_LABELS: [&str; 5] = ["1", "2", "3-4", "5-9", "10+"];
const BP: i128 = 10_000;

/// The model's knobs; [`Default`] is a one-year horizon with moderate shrinkage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LtvConfig {
    /// How far ahead the prediction looks, and how far back the calibration starts.
    pub horizon_days: u32,
    /// Pseudo-customers at the pooled rate added to each cell (0: raw cell rates).
    pub cell_prior_customers: u32,
    /// Pseudo-orders at the population's order value added to each customer's.
    pub aov_prior_orders: u32,
}

impl Default for LtvConfig {
    fn default() -> Self {
        Self {
            horizon_days: 365,
            cell_prior_customers: 20,
            aov_prior_orders: 2,
        }
    }
}

/// One calibration cell: who was in it at the calibration day and what they did next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LtvCell {
    /// Days since last purchase, e.g. `31-90`.
    pub recency: &'static str,
    /// Orders to date, e.g. `3-4`.
    pub frequency: &'static str,
    pub customers: u64,
    /// Customers who bought again within the horizon (retention = buyers / customers).
    pub buyers: u64,
    /// Their orders within the horizon (frequency = orders / buyers).
    pub orders: u64,
    /// Expected orders per customer over one horizon after shrinkage, in basis points of an
    /// order (10 000 = one order).
    pub expected_orders_bp: u64,
}

/// One customer's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CustomerLtv {
    pub customer: u32,
    pub first_channel: Channel,
    /// Net value to date, returns deducted.
    pub historic_minor: i64,
    /// Net value expected over the next horizon.
    pub predicted_minor: i64,
    /// Expected orders over the next horizon, in basis points of an order.
    pub expected_orders_bp: u64,
}

impl CustomerLtv {
    /// Historic plus predicted: the value to date and over the next horizon.
    pub fn total_minor(&self) -> i64 {
        self.historic_minor + self.predicted_minor
    }
}

/// Customers acquired through one channel and their value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ChannelLtv {
    pub channel: Channel,
    pub customers: u64,
    pub historic_minor: i64,
    pub predicted_minor: i64,
}

impl ChannelLtv {
    /// Average historic value per customer, rounded to the minor unit.
    pub fn average_historic_minor(&self) -> i64 {
        average_minor(self.historic_minor, self.customers)
    }

    /// Average predicted value per customer, rounded to the minor unit.
    pub fn average_predicted_minor(&self) -> i64 {
        average_minor(self.predicted_minor, self.customers)
    }
}

/// LTV per customer and by first channel, with the calibrated model that produced it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LtvReport {
    pub as_of_day: u32,
    pub config: LtvConfig,
    /// `as_of − horizon` (negative when before day 0).
    pub calibration_day: i64,
    /// Customers who had bought by the calibration day.
    pub calibrated_customers: u64,
    /// Expected orders per customer over one horizon, all cells pooled, in bp.
    pub pooled_expected_orders_bp: u64,
    /// Net value per order over all buyers, rounded.
    pub population_aov_minor: i64,
    /// Recency-bucket-major, 5 × 5.
    pub cells: Vec<LtvCell>,
    /// By ascending customer key.
    pub customers: Vec<CustomerLtv>,
    /// Channels with at least one first order, in [`Channel::ALL`] order.
    pub by_first_channel: Vec<ChannelLtv>,
}

/// LTV at `as_of_day` (later lines are ignored) with the given model configuration.
pub fn ltv(ds: &Dataset, as_of_day: u32, config: LtvConfig) -> LtvReport {
    ltv_from(&Facts::compute(ds, as_of_day, config.horizon_days), config)
}

fn bucket(value: u32, edges: &[u32; 4]) -> usize {
    edges.iter().filter(|&&e| value > e).count()
}

/// `facts` must have been computed with `config.horizon_days`.
pub(crate) fn ltv_from(facts: &Facts, config: LtvConfig) -> LtvReport {
    // Calibration: (customers, buyers, orders) per cell.
    let mut raw = [[(0u64, 0u64, 0u64); 5]; 5];
    let (mut total_net, mut total_orders) = (0i128, 0i128);
    for (_, f) in facts.buyers() {
        total_net += i128::from(f.net_minor);
        total_orders += i128::from(f.orders);
        if f.calib_orders == 0 {
            continue;
        }
        let recency = (facts.calib_day - i64::from(f.calib_last_day)) as u32;
        let cell =
            &mut raw[bucket(recency, &RECENCY_EDGES)][bucket(f.calib_orders, &FREQUENCY_EDGES)];
        cell.0 += 1;
        cell.1 += u64::from(f.horizon_orders > 0);
        cell.2 += u64::from(f.horizon_orders);
    }
    let (n, orders) = raw.iter().flatten().fold((0i128, 0i128), |(n, o), c| {
        (n + i128::from(c.0), o + i128::from(c.2))
    });
    let pooled = if n > 0 { div_round(orders * BP, n) } else { 0 };
    let k = i128::from(config.cell_prior_customers);
    let mut rate = [[0i128; 5]; 5];
    let mut cells = Vec::with_capacity(25);
    for (ri, row) in raw.iter().enumerate() {
        for (fi, &(customers, buyers, cell_orders)) in row.iter().enumerate() {
            let weight = i128::from(customers) + k;
            rate[ri][fi] = if weight > 0 {
                div_round(i128::from(cell_orders) * BP + k * pooled, weight)
            } else {
                pooled
            };
            cells.push(LtvCell {
                recency: RECENCY_LABELS[ri],
                frequency: FREQUENCY_LABELS[fi],
                customers,
                buyers,
                orders: cell_orders,
                expected_orders_bp: rate[ri][fi] as u64,
            });
        }
    }

    let m = i128::from(config.aov_prior_orders);
    let mut by_channel = [(0u64, 0i64, 0i64); 8];
    let mut customers = Vec::new();
    for (customer, f) in facts.buyers() {
        let e = rate[bucket(facts.as_of_day - f.last_day, &RECENCY_EDGES)]
            [bucket(f.orders, &FREQUENCY_EDGES)];
        // e/BP orders × (net·O + m·N) / ((orders + m)·O): the shrunk order value, kept exact.
        let aov_num = i128::from(f.net_minor) * total_orders + m * total_net;
        let aov_den = (i128::from(f.orders) + m) * total_orders;
        let predicted = div_round(e * aov_num, BP * aov_den).max(0) as i64;
        let c = &mut by_channel[usize::from(f.first_channel)];
        c.0 += 1;
        c.1 += f.net_minor;
        c.2 += predicted;
        customers.push(CustomerLtv {
            customer,
            first_channel: f.first_channel(),
            historic_minor: f.net_minor,
            predicted_minor: predicted,
            expected_orders_bp: e as u64,
        });
    }
    let by_first_channel = Channel::ALL
        .iter()
        .zip(by_channel)
        .filter(|(_, c)| c.0 > 0)
        .map(|(&channel, (customers, historic, predicted))| ChannelLtv {
            channel,
            customers,
            historic_minor: historic,
            predicted_minor: predicted,
        })
        .collect();
    LtvReport {
        as_of_day: facts.as_of_day,
        config,
        calibration_day: facts.calib_day,
        calibrated_customers: n as u64,
        pooled_expected_orders_bp: pooled as u64,
        population_aov_minor: if total_orders > 0 {
            div_round(total_net, total_orders) as i64
        } else {
            0
        },
        cells,
        customers,
        by_first_channel,
    }
}
