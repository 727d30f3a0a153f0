//! Analytics: what the chain learns from its own history — customer value, cohorts, channel
//! migration, recommendations and forecasts — computed by pure functions over a compact,
//! PII-free [`Dataset`] that the store adapter fills. No I/O here; the embedded "engine" is
//! plain Rust over columnar vectors (DataFusion costs 13 minutes of build on this machine and
//! DuckDB's bundled build does not finish, while the chain-scale run fits in seconds this way).
//!
//! Layout: `dataset` holds the input; `metrics` the reports (RFM, LTV, cohorts, channel
//! migration, sales, promotion uplift, NPS); `models` what is learned and evaluated on
//! held-out data (recommendations, abandoned-cart purchase probability, demand forecast).

pub mod dataset;
pub mod metrics;
pub mod models;
pub mod synthetic;

pub use dataset::{AbandonedCart, Dataset, Sale, SurveyAnswer};
