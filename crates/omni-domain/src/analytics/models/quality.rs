//! The error and ranking measures every model is judged by on held-out data: precision and
//! recall at k for recommendations, AUC for the abandoned-cart model, MAE and WAPE for the
//! demand forecast. Plain functions over slices, so each is checked against a hand count.

use std::cmp::Ordering;

/// Share of the first `k` recommended items that the customer did buy: hits / `k`. A list
/// shorter than `k` still divides by `k` (an empty slot is a miss), so a recommender cannot
/// look precise by answering less. `relevant` must be sorted and free of duplicates.
pub fn precision_at_k(recommended: &[u32], relevant: &[u32], k: usize) -> f64 {
    if k == 0 {
        return 0.0;
    }
    hits(recommended, relevant, k) as f64 / k as f64
}

/// Share of what the customer bought that appears in the first `k` recommended items:
/// hits / |relevant| (0 when nothing is relevant). `relevant` must be sorted and unique.
pub fn recall_at_k(recommended: &[u32], relevant: &[u32], k: usize) -> f64 {
    if relevant.is_empty() {
        return 0.0;
    }
    hits(recommended, relevant, k) as f64 / relevant.len() as f64
}

fn hits(recommended: &[u32], relevant: &[u32], k: usize) -> usize {
    recommended
        .iter()
        .take(k)
        .filter(|item| relevant.binary_search(item).is_ok())
        .count()
}

/// Area under the ROC curve by the rank statistic (Mann–Whitney U): the probability that a
/// random positive scores above a random negative, ties counting one half (tied scores share
/// their mean rank). `None` when either class is absent — the AUC is undefined then.
/// `O(n log n)`; NaN scores sort as the largest values.
pub fn auc(scores: &[f64], labels: &[bool]) -> Option<f64> {
    assert_eq!(scores.len(), labels.len(), "one label per score");
    let positives = labels.iter().filter(|&&l| l).count();
    let negatives = labels.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_unstable_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    // Sum of the (1-based, tie-averaged) ranks of the positives.
    let mut rank_sum = 0.0;
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len()
            && scores[order[end]].total_cmp(&scores[order[start]]) == Ordering::Equal
        {
            end += 1;
        }
        let mean_rank = (start + 1 + end) as f64 / 2.0;
        let tied_positives = order[start..end].iter().filter(|&&i| labels[i]).count();
        rank_sum += mean_rank * tied_positives as f64;
        start = end;
    }
    let p = positives as f64;
    let u = rank_sum - p * (p + 1.0) / 2.0;
    Some(u / (p * negatives as f64))
}

/// Mean absolute error, in the series' units (0 for empty input).
pub fn mae(actual: &[f64], forecast: &[f64]) -> f64 {
    assert_eq!(actual.len(), forecast.len(), "one forecast per actual");
    if actual.is_empty() {
        return 0.0;
    }
    absolute_error(actual, forecast) / actual.len() as f64
}

/// Weighted absolute percentage error: Σ|actual − forecast| / Σ|actual|. Unlike MAPE it stays
/// defined on the many zero weeks of a slow SKU, and summed over series it weighs each by its
/// volume. `None` when the actuals are all zero.
pub fn wape(actual: &[f64], forecast: &[f64]) -> Option<f64> {
    assert_eq!(actual.len(), forecast.len(), "one forecast per actual");
    let volume: f64 = actual.iter().map(|a| a.abs()).sum();
    (volume > 0.0).then(|| absolute_error(actual, forecast) / volume)
}

/// Σ|actual − forecast|, the numerator of MAE and WAPE (summed across series for a total).
pub fn absolute_error(actual: &[f64], forecast: &[f64]) -> f64 {
    actual
        .iter()
        .zip(forecast)
        .map(|(a, f)| (a - f).abs())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn precision_and_recall_count_hits_in_the_first_k() {
        // Recommended 5, 3, 9, 1; bought 1, 3, 4 (sorted). Hits in the first 3: {3} → 1.
        let recommended = [5, 3, 9, 1];
        let relevant = [1, 3, 4];
        assert!(close(precision_at_k(&recommended, &relevant, 3), 1.0 / 3.0));
        assert!(close(recall_at_k(&recommended, &relevant, 3), 1.0 / 3.0));
        // At 4 both 3 and 1 hit: precision 2/4, recall 2/3.
        assert!(close(precision_at_k(&recommended, &relevant, 4), 0.5));
        assert!(close(recall_at_k(&recommended, &relevant, 4), 2.0 / 3.0));
        // At 10 the short list still divides by 10.
        assert!(close(precision_at_k(&recommended, &relevant, 10), 0.2));
        assert!(close(recall_at_k(&recommended, &relevant, 10), 2.0 / 3.0));
        assert!(close(recall_at_k(&recommended, &[], 10), 0.0));
        assert!(close(precision_at_k(&recommended, &relevant, 0), 0.0));
    }

    #[test]
    fn auc_counts_ties_as_one_half() {
        // Scores 0.1(−) 0.4(+) 0.4(−) 0.8(+): pairs (pos, neg) = (0.4,0.1) win, (0.4,0.4) tie,
        // (0.8,0.1) win, (0.8,0.4) win → (3 + 0.5) / 4.
        let scores = [0.1, 0.4, 0.4, 0.8];
        let labels = [false, true, false, true];
        assert_eq!(auc(&scores, &labels), Some(0.875));
        // A perfect ranking and its reverse.
        assert_eq!(auc(&[1.0, 2.0, 3.0], &[false, true, true]), Some(1.0));
        assert_eq!(auc(&[3.0, 2.0, 1.0], &[false, true, true]), Some(0.0));
        // All tied: one half whatever the labels.
        assert_eq!(auc(&[0.5; 4], &[true, false, false, true]), Some(0.5));
        assert_eq!(auc(&[0.5, 0.6], &[true, true]), None);
    }

    #[test]
    fn mae_and_wape_by_hand() {
        let actual = [10.0, 0.0, 5.0, 5.0];
        let forecast = [8.0, 1.0, 5.0, 9.0];
        // |e| = 2, 1, 0, 4 → 7; MAE 7/4; WAPE 7/20.
        assert!(close(mae(&actual, &forecast), 1.75));
        assert_eq!(wape(&actual, &forecast), Some(0.35));
        assert_eq!(wape(&[0.0, 0.0], &[1.0, 1.0]), None);
    }
}
