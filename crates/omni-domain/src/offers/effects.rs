//! What each price effect takes off which lines: percentages and amounts per line, cart
//! amounts spread by net, multi-buys on the cheapest units, bundles of the dearest. Every
//! function returns (line, discount) pairs, never more than a line's net.

use super::pricing::{PricingError, Situation, Work};
use super::rules::Effect;
use omni_kernel::allocate_minor;

/// Spreads `amount` over `weights` exactly (no kopeck created or lost).
pub(super) fn split(amount: i64, weights: &[i64]) -> Result<Vec<i64>, PricingError> {
    let w: Vec<u64> = weights.iter().map(|w| (*w).max(0) as u64).collect();
    allocate_minor(amount, &w).map_err(|_| PricingError::Overflow)
}

fn percent(amount: i64, bp: i64) -> i64 {
    let n = i128::from(amount) * i128::from(bp);
    // half away from zero, like a receipt
    ((n + 5_000) / 10_000) as i64
}

/// The discount each eligible line gets from a price effect, never more than its net.
pub(super) fn line_cuts(
    effect: &Effect,
    eligible: &[usize],
    lines: &[Work<'_>],
    s: &Situation<'_>,
) -> Vec<(usize, i64)> {
    let per_line = |f: &dyn Fn(&Work<'_>) -> i64| -> Vec<(usize, i64)> {
        eligible
            .iter()
            .map(|&l| (l, f(&lines[l]).clamp(0, lines[l].net)))
            .collect()
    };
    match effect {
        Effect::PercentOff { percent_bp } => per_line(&|l| percent(l.net, *percent_bp)),
        Effect::AmountOff { amount } => per_line(&|l| amount * i64::from(l.quantity)),
        Effect::FixedPrice { price } => per_line(&|l| l.net - price * i64::from(l.quantity)),
        Effect::CartPercentOff { percent_bp } => {
            let sum: i64 = eligible.iter().map(|&l| lines[l].net).sum();
            spread(percent(sum, *percent_bp), eligible, lines)
        }
        Effect::CartAmountOff { amount } => spread(*amount, eligible, lines),
        Effect::BuyXGetY {
            buy,
            get,
            percent_bp,
        } => {
            let units = eligible
                .iter()
                .map(|&l| u64::from(lines[l].quantity))
                .sum::<u64>();
            let k = units / u64::from(buy + get) * u64::from(*get);
            cheapest_units(k, *percent_bp, eligible, lines)
        }
        Effect::NthItem { n, percent_bp } => {
            let units = eligible
                .iter()
                .map(|&l| u64::from(lines[l].quantity))
                .sum::<u64>();
            cheapest_units(units / u64::from(*n), *percent_bp, eligible, lines)
        }
        Effect::BundlePrice { quantity, price } => bundles(*quantity, *price, eligible, lines),
        Effect::DiscountMatrix { cells } => per_line(&|l| {
            let best = cells
                .iter()
                .filter(|c| l.facts.categories.contains(&c.category) && in_group(&c.group, s))
                .map(|c| c.percent_bp)
                .max()
                .unwrap_or(0);
            percent(l.net, best)
        }),
        Effect::FreeDelivery | Effect::GiftPoints { .. } | Effect::PointsMultiplier { .. } => {
            Vec::new()
        }
    }
}

fn in_group(group: &str, s: &Situation<'_>) -> bool {
    s.customer
        .is_some_and(|c| c.tier.as_str() == group || c.segments.iter().any(|x| x == group))
}

/// A cart-level amount spread over the eligible lines by their net.
fn spread(amount: i64, eligible: &[usize], lines: &[Work<'_>]) -> Vec<(usize, i64)> {
    let nets: Vec<i64> = eligible.iter().map(|&l| lines[l].net).collect();
    let amount = amount.min(nets.iter().sum());
    let parts = split(amount, &nets).unwrap_or_else(|_| vec![0; nets.len()]);
    eligible.iter().copied().zip(parts).collect()
}

/// Eligible lines ordered by unit net price (cheapest first, then cart order).
fn by_unit_price(eligible: &[usize], lines: &[Work<'_>]) -> Vec<usize> {
    let mut order = eligible.to_vec();
    order.sort_by_key(|&l| (lines[l].net / i64::from(lines[l].quantity), l));
    order
}

/// `k` of the cheapest units get `bp` off.
fn cheapest_units(k: u64, bp: i64, eligible: &[usize], lines: &[Work<'_>]) -> Vec<(usize, i64)> {
    let mut left = k;
    let mut cuts = Vec::new();
    for l in by_unit_price(eligible, lines) {
        if left == 0 {
            break;
        }
        let take = left.min(u64::from(lines[l].quantity));
        left -= take;
        let value = lines[l].net * take as i64 / i64::from(lines[l].quantity);
        cuts.push((l, percent(value, bp)));
    }
    cuts
}

/// Bundles of `q` units at `price`, formed from the dearest units (best for the customer).
fn bundles(q: u32, price: i64, eligible: &[usize], lines: &[Work<'_>]) -> Vec<(usize, i64)> {
    let units: u64 = eligible.iter().map(|&l| u64::from(lines[l].quantity)).sum();
    let count = units / u64::from(q);
    let mut left = count * u64::from(q);
    let mut taken = Vec::new();
    for l in by_unit_price(eligible, lines).into_iter().rev() {
        if left == 0 {
            break;
        }
        let take = left.min(u64::from(lines[l].quantity));
        left -= take;
        taken.push((l, lines[l].net * take as i64 / i64::from(lines[l].quantity)));
    }
    let value: i64 = taken.iter().map(|(_, v)| v).sum();
    let discount = value - price * count as i64;
    if discount <= 0 {
        return Vec::new();
    }
    let weights: Vec<i64> = taken.iter().map(|(_, v)| *v).collect();
    let parts = split(discount, &weights).unwrap_or_default();
    taken.iter().map(|(l, _)| *l).zip(parts).collect()
}
