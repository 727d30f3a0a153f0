//! Exponential smoothing for weekly demand: additive Holt-Winters (level, trend and a
//! 52-week season) when the history holds two years, simple exponential smoothing when it
//! does not, and the seasonal-naive forecast every method is compared with.
//!
//! Why weekly buckets with a yearly season: stores replenish by the week, the weekly cycle
//! of days vanishes inside a week's total, and what remains to learn is the year — the
//! New-Year and back-to-school peaks. Holt-Winters needs a year to initialise its season
//! and more to show the season is real, so it is only tried from 78 weeks of history, and
//! kept only when its error after the first year beats simple smoothing's on the same weeks
//! — a slow SKU at one store is mostly noise, where a fitted season hurts. The error is the
//! one of the forecasts at every lead up to the horizon asked for, made from each past week:
//! judged one week ahead only, simple smoothing tracks a smooth season well enough and then
//! forecasts it flat.

use serde::Serialize;

/// Weeks in the seasonal cycle.
pub const SEASON: usize = 52;

/// Which smoothing was fitted and with which parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Smoothing {
    /// Additive Holt-Winters; parameters for level, trend and season.
    HoltWinters { alpha: f64, beta: f64, gamma: f64 },
    /// Simple exponential smoothing of the level.
    Simple { alpha: f64 },
}

/// A fitted model: its final state, ready to forecast.
#[derive(Debug, Clone, PartialEq)]
pub struct Fitted {
    pub smoothing: Smoothing,
    level: f64,
    trend: f64,
    /// Seasonal offsets for the next `SEASON` weeks, the first being next week's
    /// (empty for simple smoothing).
    season: Vec<f64>,
    /// Squared error of the forecasts from each past week at leads 1 to the horizon, summed
    /// over the weeks judged: the grid search's criterion.
    pub sse: f64,
}

/// Weeks of history from which Holt-Winters is tried: a season to start from and half a
/// season to judge it on.
pub const MIN_SEASONAL_HISTORY: usize = SEASON + SEASON / 2;

const ALPHAS: [f64; 6] = [0.05, 0.1, 0.2, 0.3, 0.5, 0.8];
const BETAS: [f64; 4] = [0.0, 0.01, 0.05, 0.15];
const GAMMAS: [f64; 4] = [0.05, 0.15, 0.3, 0.5];

/// Fits the history (oldest first) for forecasts up to `horizon` weeks ahead, choosing the
/// method and its parameters whose past forecasts at those leads erred least (grid search).
pub fn fit(history: &[f64], horizon: usize) -> Fitted {
    let lead = horizon.clamp(1, SEASON);
    let seasonal = history.len() >= MIN_SEASONAL_HISTORY;
    // Every candidate is judged on the same weeks, each predicted from the weeks before.
    let judge_from = if seasonal {
        SEASON
    } else {
        history.len().min(4)
    };
    let mut best = simple(history, ALPHAS[0], judge_from, lead);
    for alpha in ALPHAS {
        let f = simple(history, alpha, judge_from, lead);
        if f.sse < best.sse {
            best = f;
        }
    }
    if seasonal {
        for alpha in ALPHAS {
            for beta in BETAS {
                for gamma in GAMMAS {
                    let f = holt_winters(history, alpha, beta, gamma, lead);
                    if f.sse < best.sse {
                        best = f;
                    }
                }
            }
        }
    }
    best
}

impl Fitted {
    /// The next `horizon` weeks, never negative (demand is not).
    pub fn forecast(&self, horizon: usize) -> Vec<f64> {
        (0..horizon)
            .map(|h| {
                let season = if self.season.is_empty() {
                    0.0
                } else {
                    self.season[h % SEASON]
                };
                (self.level + (h + 1) as f64 * self.trend + season).max(0.0)
            })
            .collect()
    }
}

/// Additive Holt-Winters started from the first season alone (level its mean, seasonal
/// offsets its deviations, no trend), so every later error is an honest prediction.
fn holt_winters(y: &[f64], alpha: f64, beta: f64, gamma: f64, lead: usize) -> Fitted {
    let mut level = y[..SEASON].iter().sum::<f64>() / SEASON as f64;
    let mut trend = 0.0;
    let mut season: Vec<f64> = y[..SEASON].iter().map(|v| v - level).collect();
    let mut sse = 0.0;
    for (t, &v) in y.iter().enumerate().skip(SEASON) {
        // From the state after week t − 1; a target's seasonal offset was last updated a
        // season before it, at or before t − 1, as long as the lead is at most a season.
        sse += lead_errors(y, t - 1, lead, |h, target| {
            level + h as f64 * trend + season[target % SEASON]
        });
        let i = t % SEASON;
        let previous = level;
        level = alpha * (v - season[i]) + (1.0 - alpha) * (level + trend);
        trend = beta * (level - previous) + (1.0 - beta) * trend;
        season[i] = gamma * (v - level) + (1.0 - gamma) * season[i];
    }
    season.rotate_left(y.len() % SEASON);
    Fitted {
        smoothing: Smoothing::HoltWinters { alpha, beta, gamma },
        level,
        trend,
        season,
        sse,
    }
}

/// Simple exponential smoothing from the mean of the first weeks; errors count for the
/// weeks from `judge_from` on.
fn simple(y: &[f64], alpha: f64, judge_from: usize, lead: usize) -> Fitted {
    let warmup = y.len().min(4);
    let mut level = if warmup == 0 {
        0.0
    } else {
        y[..warmup].iter().sum::<f64>() / warmup as f64
    };
    let mut sse = 0.0;
    for (t, &v) in y.iter().enumerate() {
        if t >= judge_from.max(1) {
            sse += lead_errors(y, t - 1, lead, |_, _| level);
        }
        level = alpha * v + (1.0 - alpha) * level;
    }
    Fitted {
        smoothing: Smoothing::Simple { alpha },
        level,
        trend: 0.0,
        season: Vec::new(),
        sse,
    }
}

/// Σ (y[origin + h] − forecast(h, origin + h))² for leads `h` in `1..=lead` inside `y`,
/// forecasts floored at 0 as [`Fitted::forecast`] floors them.
fn lead_errors(
    y: &[f64],
    origin: usize,
    lead: usize,
    forecast: impl Fn(usize, usize) -> f64,
) -> f64 {
    (1..=lead)
        .map(|h| origin + h)
        .take_while(|&target| target < y.len())
        .map(|target| {
            let e = y[target] - forecast(target - origin, target).max(0.0);
            e * e
        })
        .sum()
}

/// The baseline: each future week repeats the same week a year earlier (the last value when
/// the history is shorter than a year; zeros when empty).
pub fn seasonal_naive(history: &[f64], horizon: usize) -> Vec<f64> {
    let n = history.len();
    (0..horizon)
        .map(|h| {
            if n >= SEASON {
                history[n - SEASON + h % SEASON]
            } else {
                history.last().copied().unwrap_or(0.0)
            }
        })
        .collect()
}
