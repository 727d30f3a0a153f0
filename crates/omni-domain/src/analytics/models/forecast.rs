//! Demand forecast per SKU × store: weekly unit sales from the sales lines, a smoothing
//! model per series (see `smoothing` for the choice of weeks and a yearly season), and its
//! error on a held-out tail of weeks next to the seasonal-naive forecast's.

use serde::Serialize;

use super::quality::absolute_error;
use super::smoothing::{Smoothing, fit, seasonal_naive};
use crate::analytics::Sale;

/// The Monday-based week containing `day` (days since 1970-01-01, a Thursday; week 1
/// starts on Monday 1970-01-05).
pub fn week_of(day: u32) -> u32 {
    (day + 3) / 7
}

/// Units sold of one SKU at one store (or with no store: delivered online) per week.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeeklySeries {
    pub sku: u32,
    pub store: Option<u32>,
    /// Week of `units[0]`: the first week the pair sold.
    pub first_week: u32,
    /// Units per week up to the end week, weeks without a sale as 0.
    pub units: Vec<f64>,
}

/// Every SKU × store series of purchased units (returns are not negative demand) in the
/// weeks before `end_week` — pass the current, incomplete week so it is not read as a slump.
/// Sorted by SKU then store.
pub fn weekly_series(sales: &[Sale], end_week: u32) -> Vec<WeeklySeries> {
    let mut cells: Vec<(u32, Option<u32>, u32, i32)> = sales
        .iter()
        .filter(|s| s.quantity > 0 && week_of(s.day) < end_week)
        .map(|s| (s.sku, s.store, week_of(s.day), s.quantity))
        .collect();
    cells.sort_unstable();
    cells
        .chunk_by(|a, b| (a.0, a.1) == (b.0, b.1))
        .map(|pair| {
            let first_week = pair[0].2;
            let mut units = vec![0.0; (end_week - first_week) as usize];
            for &(_, _, week, quantity) in pair {
                units[(week - first_week) as usize] += f64::from(quantity);
            }
            WeeklySeries {
                sku: pair[0].0,
                store: pair[0].1,
                first_week,
                units,
            }
        })
        .collect()
}

/// Forecast of the next `horizon` weeks after `history` (oldest first).
pub fn forecast(history: &[f64], horizon: usize) -> Vec<f64> {
    fit(history, horizon).forecast(horizon)
}

/// Absolute error summed over series and weeks, and the measures derived from it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct ForecastError {
    /// Mean absolute error per series-week, in units.
    pub mae: f64,
    /// Σ|error| / Σ actual over every held-out series-week (`None` with no sale held out).
    pub wape: Option<f64>,
}

/// The forecast and the seasonal-naive baseline on the same held-out weeks.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ForecastEvaluation {
    pub horizon: usize,
    /// Series evaluated (those with at least one training week).
    pub series: usize,
    /// Of those, series where Holt-Winters won the fit over simple smoothing.
    pub seasonal_series: usize,
    pub model: ForecastError,
    pub naive: ForecastError,
}

/// Holds out the last `horizon` weeks of every series, fits on the rest and measures both
/// forecasts there. Each series is fitted alone, so errors add over series.
pub fn evaluate_forecasts(series: &[WeeklySeries], horizon: usize) -> ForecastEvaluation {
    let (mut points, mut volume, mut model_error, mut naive_error) = (0usize, 0.0, 0.0, 0.0);
    let (mut evaluated, mut seasonal) = (0, 0);
    for s in series.iter().filter(|s| s.units.len() > horizon) {
        let (train, test) = s.units.split_at(s.units.len() - horizon);
        let fitted = fit(train, horizon);
        if matches!(fitted.smoothing, Smoothing::HoltWinters { .. }) {
            seasonal += 1;
        }
        model_error += absolute_error(test, &fitted.forecast(horizon));
        naive_error += absolute_error(test, &seasonal_naive(train, horizon));
        volume += test.iter().sum::<f64>();
        points += horizon;
        evaluated += 1;
    }
    let error = |total: f64| ForecastError {
        mae: total / points.max(1) as f64,
        wape: (volume > 0.0).then(|| total / volume),
    };
    ForecastEvaluation {
        horizon,
        series: evaluated,
        seasonal_series: seasonal,
        model: error(model_error),
        naive: error(naive_error),
    }
}
