use std::f64::consts::TAU;

use super::{Rng, sale};
use crate::analytics::Sale;
use crate::analytics::models::{
    MIN_SEASONAL_HISTORY, SEASON, Smoothing, evaluate_forecasts, fit, forecast, mae,
    seasonal_naive, wape, week_of, weekly_series,
};
use crate::analytics::synthetic::{self, LAST_DAY};

/// Three years of weekly demand: 60 units, +0.1 a week, a ±25 yearly wave and noise σ 4.
fn seasonal_series(weeks: usize, seed: u64) -> Vec<f64> {
    let mut rng = Rng(seed);
    (0..weeks)
        .map(|t| {
            let t = t as f64;
            60.0 + 0.1 * t + 25.0 * (TAU * t / SEASON as f64).sin() + 4.0 * rng.normal()
        })
        .collect()
}

#[test]
fn weeks_start_on_monday() {
    // 1970-01-01 (day 0) was a Thursday: days 0–3 are week 0, Monday 1970-01-05 (day 4) week 1.
    assert_eq!(
        (week_of(0), week_of(3), week_of(4), week_of(10), week_of(11)),
        (0, 0, 1, 1, 2)
    );
}

#[test]
fn weekly_series_add_units_per_sku_and_store_with_empty_weeks_as_zero() {
    let two = Sale {
        quantity: 2,
        ..sale(0, 0, 4, 7)
    };
    let online = Sale {
        store: None,
        ..sale(1, 1, 5, 7)
    };
    let returned = Sale {
        quantity: -1,
        ..sale(0, 2, 19, 7)
    };
    let sales = vec![
        two,
        sale(2, 3, 10, 7),
        sale(2, 4, 19, 7),
        online,
        returned,
        sale(0, 5, 26, 7),
    ];
    // Weeks: day 4, 10 → 1; day 19 → 3; day 26 → 4 (excluded by end week 4).
    let series = weekly_series(&sales, 4);
    assert_eq!(series.len(), 2);
    assert_eq!(
        (series[0].sku, series[0].store, series[0].first_week),
        (7, None, 1)
    );
    assert_eq!(series[0].units, [1.0, 0.0, 0.0]);
    assert_eq!((series[1].store, series[1].first_week), (Some(0), 1));
    assert_eq!(series[1].units, [3.0, 0.0, 1.0]);
}

#[test]
fn holt_winters_finds_a_known_season_and_beats_naive() {
    let horizon = 13;
    for seed in 1..=5 {
        let series = seasonal_series(3 * SEASON, seed);
        let (train, test) = series.split_at(series.len() - horizon);
        let fitted = fit(train, horizon);
        assert!(
            matches!(fitted.smoothing, Smoothing::HoltWinters { .. }),
            "{fitted:?}"
        );
        let predicted = fitted.forecast(horizon);
        let naive = seasonal_naive(train, horizon);
        let (model_wape, naive_wape) = (
            wape(test, &predicted).unwrap_or(1.0),
            wape(test, &naive).unwrap_or(0.0),
        );
        eprintln!(
            "seed {seed}: WAPE {model_wape:.3} (MAE {:.2}) vs naive {naive_wape:.3} (MAE {:.2}); {:?}",
            mae(test, &predicted),
            mae(test, &naive),
            fitted.smoothing
        );
        assert!(model_wape < 0.1, "WAPE {model_wape}");
        assert!(
            model_wape < naive_wape,
            "{model_wape} vs naive {naive_wape}"
        );
    }
}

#[test]
fn short_or_flat_history_falls_back_to_simple_smoothing() {
    let short = seasonal_series(MIN_SEASONAL_HISTORY - 1, 9);
    assert!(matches!(fit(&short, 8).smoothing, Smoothing::Simple { .. }));
    // A constant series forecasts the constant.
    let flat = vec![5.0; 30];
    assert!(forecast(&flat, 4).iter().all(|v| (v - 5.0).abs() < 1e-9));
    assert!(forecast(&[], 3).iter().all(|&v| v == 0.0));
    assert_eq!(seasonal_naive(&[1.0, 2.0], 2), [2.0, 2.0]);
}

#[test]
fn forecasts_are_never_negative() {
    // Demand collapsing towards zero with a strong season: trend and season would go below 0.
    let mut rng = Rng(3);
    let collapsing: Vec<f64> = (0..2 * SEASON)
        .map(|t| {
            let t = t as f64;
            (40.0 - 0.4 * t + 15.0 * (TAU * t / SEASON as f64).sin() + rng.normal()).max(0.0)
        })
        .collect();
    let predicted = forecast(&collapsing, 60);
    assert!(predicted.iter().all(|&v| v >= 0.0), "{predicted:?}");
}

#[test]
fn forecasts_per_sku_and_store_beat_naive_on_the_synthetic_chain() {
    let ds = synthetic::generate(20_000, 8);
    let series = weekly_series(&ds.sales, week_of(LAST_DAY));
    let e = evaluate_forecasts(&series, 8);
    eprintln!("forecast on 20k synthetic customers: {e:?}");
    assert!(e.series > 100);
    let (model, naive) = (
        e.model.wape.unwrap_or(f64::MAX),
        e.naive.wape.unwrap_or(0.0),
    );
    assert!(model < naive, "WAPE {model} vs naive {naive}");
}
