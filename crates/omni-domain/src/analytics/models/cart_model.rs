//! The abandoned-cart model: a logistic regression over [`CartFeatures`], trained on the
//! older carts and judged by its AUC on the latest ones — held out by time, the way it is
//! used (trained on the past, asked about tomorrow's carts).

use serde::Serialize;

use super::abandoned::{CART_FEATURES, CartFeatures, PurchaseHistory};
use super::logistic::{Logistic, LogisticConfig};
use super::quality::auc;
use crate::analytics::{AbandonedCart, Sale};

/// How the carts are split and the regression trained.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CartModelConfig {
    /// Share of carts, the latest by day, held out for the AUC.
    pub held_out_share: f64,
    pub logistic: LogisticConfig,
}

impl Default for CartModelConfig {
    fn default() -> Self {
        Self {
            held_out_share: 0.2,
            logistic: LogisticConfig::default(),
        }
    }
}

/// The trained model the trigger engine asks.
#[derive(Debug, Clone, PartialEq)]
pub struct CartModel {
    logistic: Logistic<CART_FEATURES>,
}

impl CartModel {
    /// Probability (0–1) that the cart described is bought within a week.
    pub fn predict(&self, features: &CartFeatures) -> f64 {
        self.logistic.probability(&features.vector())
    }

    /// Probability that `cart` (a live one, its day and hour as now) is bought, with the
    /// customer's history from `history` — the same features the model was trained on.
    pub fn probability(&self, history: &PurchaseHistory, cart: &AbandonedCart) -> f64 {
        self.predict(&history.features(cart))
    }

    /// The weights on the standardised inputs of [`CartFeatures::vector`], in its order.
    pub fn weights(&self) -> &[f64; CART_FEATURES] {
        self.logistic.weights()
    }
}

/// How the model did, measured on carts it was not trained on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CartModelReport {
    /// Carts from this day on were held out.
    pub split_day: u32,
    pub train_carts: usize,
    pub held_out_carts: usize,
    /// Share of held-out carts that were bought.
    pub held_out_bought_rate: f64,
    /// AUC on the held-out carts (`None` when they are all of one outcome).
    pub held_out_auc: Option<f64>,
    /// AUC on the training carts, to see overfitting (far above held-out) at a glance.
    pub train_auc: Option<f64>,
}

/// The day from which the latest `share` of carts lie (the split point of the held-out set).
pub fn split_day(carts: &[AbandonedCart], share: f64) -> u32 {
    super::evaluate::start_of_latest(carts.iter().map(|c| c.day).collect(), share)
}

/// Trains on the carts before the split day with features from `sales`, and reports the AUC
/// on the carts from it on.
pub fn train_cart_model(
    sales: &[Sale],
    carts: &[AbandonedCart],
    config: CartModelConfig,
) -> (CartModel, CartModelReport) {
    train_cart_model_on(&PurchaseHistory::new(sales), carts, config)
}

/// [`train_cart_model`] over a history the caller keeps, to score live carts with the same
/// features later (see [`CartModel::probability`]).
pub fn train_cart_model_on(
    history: &PurchaseHistory,
    carts: &[AbandonedCart],
    config: CartModelConfig,
) -> (CartModel, CartModelReport) {
    let split = split_day(carts, config.held_out_share);
    let (mut train_x, mut train_y, mut test_x, mut test_y) = (vec![], vec![], vec![], vec![]);
    for cart in carts {
        let x = history.features(cart).vector();
        if cart.day < split {
            train_x.push(x);
            train_y.push(cart.bought);
        } else {
            test_x.push(x);
            test_y.push(cart.bought);
        }
    }
    let logistic = Logistic::fit(&train_x, &train_y, config.logistic);
    let score = |rows: &[[f64; CART_FEATURES]]| -> Vec<f64> {
        rows.iter().map(|x| logistic.probability(x)).collect()
    };
    let bought = test_y.iter().filter(|&&b| b).count();
    let report = CartModelReport {
        split_day: split,
        train_carts: train_x.len(),
        held_out_carts: test_x.len(),
        held_out_bought_rate: bought as f64 / test_y.len().max(1) as f64,
        held_out_auc: auc(&score(&test_x), &test_y),
        train_auc: auc(&score(&train_x), &train_y),
    };
    (CartModel { logistic }, report)
}
