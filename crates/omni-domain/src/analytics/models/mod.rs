//! What is learned from the history and judged on held-out data: recommendations
//! (`recommend`, evaluated in `evaluate`), the probability that an abandoned cart is bought
//! (`abandoned` features, `logistic` regression, `cart_model`), and the weekly demand
//! forecast per SKU × store (`smoothing`, `forecast`). `quality` holds the measures — precision
//! and recall at k, AUC, MAE, WAPE — each checked against a hand count.
//!
//! Every model is plain Rust over the [`Dataset`](super::Dataset)'s vectors: no float
//! money (amounts stay `i64` minor units until they become a model input), deterministic
//! (same data, same model), no I/O.

mod abandoned;
mod cart_model;
mod cooccur;
mod evaluate;
mod forecast;
mod logistic;
mod quality;
mod recommend;
mod smoothing;

#[cfg(test)]
mod tests;

pub use abandoned::{CART_FEATURES, CartFeatures, PurchaseHistory};
pub use cart_model::{
    CartModel, CartModelConfig, CartModelReport, split_day, train_cart_model, train_cart_model_on,
};
pub use evaluate::{
    Comparison, RankingQuality, RecommenderEvaluation, evaluate_recommender, held_out_purchases,
    recent_split_day,
};
pub use forecast::{
    ForecastError, ForecastEvaluation, WeeklySeries, evaluate_forecasts, forecast, week_of,
    weekly_series,
};
pub use logistic::{Logistic, LogisticConfig};
pub use quality::{absolute_error, auc, mae, precision_at_k, recall_at_k, wape};
pub use recommend::{Recommendation, Recommender, RecommenderConfig, Refresh, Source};
pub use smoothing::{Fitted, MIN_SEASONAL_HISTORY, SEASON, Smoothing, fit, seasonal_naive};
