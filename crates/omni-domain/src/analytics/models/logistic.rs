//! Logistic regression trained by full-batch gradient descent with momentum on standardised
//! features — small, deterministic and dependency-free, which is all a dozen features need.

/// How long and how hard training pushes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogisticConfig {
    /// Passes over the training rows (training stops earlier once the gradient vanishes).
    pub epochs: usize,
    pub learning_rate: f64,
    /// Heavy-ball momentum: steps along a shallow valley add up instead of zig-zagging.
    pub momentum: f64,
    /// L2 penalty on the weights (not the bias), against overfitting rare combinations.
    pub l2: f64,
}

impl Default for LogisticConfig {
    fn default() -> Self {
        Self {
            epochs: 200,
            learning_rate: 0.5,
            momentum: 0.9,
            l2: 1e-4,
        }
    }
}

/// A fitted model over `N` features: each is standardised by its training mean and standard
/// deviation, so the learning rate suits every feature and the weights compare.
#[derive(Debug, Clone, PartialEq)]
pub struct Logistic<const N: usize> {
    mean: [f64; N],
    scale: [f64; N],
    weights: [f64; N],
    bias: f64,
}

impl<const N: usize> Logistic<N> {
    /// Fits `P(label) = σ(w·z + b)` on `rows` (raw features) by minimising the mean log-loss.
    /// With one class only (or no rows) the model predicts that class's rate.
    pub fn fit(rows: &[[f64; N]], labels: &[bool], config: LogisticConfig) -> Self {
        assert_eq!(rows.len(), labels.len(), "one label per row");
        let (mean, scale) = standardisation(rows);
        let mut model = Self {
            mean,
            scale,
            weights: [0.0; N],
            bias: 0.0,
        };
        let n = rows.len() as f64;
        let positives = labels.iter().filter(|&&l| l).count() as f64;
        if rows.is_empty() || positives == 0.0 || positives == n {
            model.bias = if positives == 0.0 { -30.0 } else { 30.0 };
            return model;
        }
        let rate = positives / n;
        model.bias = (rate / (1.0 - rate)).ln();
        let z: Vec<[f64; N]> = rows.iter().map(|r| model.standardise(r)).collect();
        let mut velocity = ([0.0; N], 0.0);
        for _ in 0..config.epochs {
            let mut grad = [0.0; N];
            let mut grad_bias = 0.0;
            for (x, &label) in z.iter().zip(labels) {
                let err = sigmoid(model.linear(x)) - f64::from(u8::from(label));
                for (g, xi) in grad.iter_mut().zip(x) {
                    *g += err * xi;
                }
                grad_bias += err;
            }
            let mut norm = grad_bias * grad_bias / (n * n);
            for (g, w) in grad.iter_mut().zip(&model.weights) {
                *g = *g / n + config.l2 * w;
                norm += *g * *g;
            }
            grad_bias /= n;
            if norm < 1e-14 {
                break;
            }
            for ((v, g), w) in velocity.0.iter_mut().zip(&grad).zip(&mut model.weights) {
                *v = config.momentum * *v - config.learning_rate * g;
                *w += *v;
            }
            velocity.1 = config.momentum * velocity.1 - config.learning_rate * grad_bias;
            model.bias += velocity.1;
        }
        model
    }

    /// The probability of the positive class for raw features `x`.
    pub fn probability(&self, x: &[f64; N]) -> f64 {
        sigmoid(self.linear(&self.standardise(x)))
    }

    /// The weights on standardised features: sign and size say what drives the prediction.
    pub fn weights(&self) -> &[f64; N] {
        &self.weights
    }

    fn standardise(&self, x: &[f64; N]) -> [f64; N] {
        std::array::from_fn(|i| (x[i] - self.mean[i]) / self.scale[i])
    }

    fn linear(&self, z: &[f64; N]) -> f64 {
        self.bias + z.iter().zip(&self.weights).map(|(a, b)| a * b).sum::<f64>()
    }
}

/// Each feature's mean and standard deviation (1 for a constant feature, so it stays 0).
fn standardisation<const N: usize>(rows: &[[f64; N]]) -> ([f64; N], [f64; N]) {
    let n = rows.len().max(1) as f64;
    let mut mean = [0.0; N];
    for r in rows {
        for (m, x) in mean.iter_mut().zip(r) {
            *m += x / n;
        }
    }
    let mut var = [0.0; N];
    for r in rows {
        for ((v, x), m) in var.iter_mut().zip(r).zip(&mean) {
            *v += (x - m) * (x - m) / n;
        }
    }
    let scale = var.map(|v| if v > 1e-12 { v.sqrt() } else { 1.0 });
    (mean, scale)
}

fn sigmoid(t: f64) -> f64 {
    1.0 / (1.0 + (-t).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_a_separating_direction_and_ignores_noise() {
        // Label = x0 > 5; x1 is constant; x2 alternates independently of the label.
        let rows: Vec<[f64; 3]> = (0..200)
            .map(|i| [f64::from(i % 10), 3.0, f64::from(i % 3)])
            .collect();
        let labels: Vec<bool> = rows.iter().map(|r| r[0] > 5.0).collect();
        let m = Logistic::fit(&rows, &labels, LogisticConfig::default());
        assert!(m.probability(&[9.0, 3.0, 0.0]) > 0.9);
        assert!(m.probability(&[1.0, 3.0, 0.0]) < 0.1);
        assert!(m.weights()[0] > 1.0);
        assert!(m.weights()[1].abs() < 1e-9);
        assert!(m.weights()[2].abs() < m.weights()[0].abs() / 5.0);
    }

    #[test]
    fn one_class_predicts_that_class() {
        let rows = [[1.0], [2.0]];
        let m = Logistic::fit(&rows, &[true, true], LogisticConfig::default());
        assert!(m.probability(&[5.0]) > 0.999);
        let m = Logistic::fit(&rows, &[false, false], LogisticConfig::default());
        assert!(m.probability(&[5.0]) < 0.001);
    }
}
