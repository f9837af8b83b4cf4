//! Test problems shared by the suite.

use grad_runtime::Real;
use grad_runtime::data::Rng;

/// ½ Σ aᵢ xᵢ², gradient aᵢ xᵢ, as a slice objective.
pub fn quadratic<'a>(a: &'a [f64]) -> impl FnMut(&[f64], &mut [f64]) -> f64 + 'a {
    move |x: &[f64], g: &mut [f64]| {
        let mut value = 0.0;
        for i in 0..x.len() {
            g[i] = a[i] * x[i];
            value += 0.5 * a[i] * x[i] * x[i];
        }
        value
    }
}

/// What `#[gradient]` emits for `fn rosenbrock(x: f64, y: f64) -> f64`.
pub fn rosenbrock_grad(x: f64, y: f64) -> (f64, [f64; 2]) {
    rosenbrock_generic(x, y)
}

pub fn rosenbrock_generic<T: Real>(x: T, y: T) -> (T, [T; 2]) {
    let c = |v: f64| T::from(v).unwrap();
    let (one, hundred) = (T::one(), c(100.0));
    let value = (one - x).powi(2) + hundred * (y - x * x).powi(2);
    let dx = -c(2.0) * (one - x) - c(400.0) * x * (y - x * x);
    let dy = c(200.0) * (y - x * x);
    (value, [dx, dy])
}

/// A small logistic-regression data set: features (x₁, x₂, 1) and noisy labels.
pub struct Logistic {
    pub features: Vec<[f64; 3]>,
    pub labels: Vec<f64>,
    pub l2: f64,
}

impl Logistic {
    pub fn new(samples: usize, seed: u64) -> Self {
        let mut rng = Rng::seed_from_u64(seed);
        let truth = [1.5, -2.0, 0.5];
        let mut features = Vec::new();
        let mut labels = Vec::new();
        for _ in 0..samples {
            let f = [rng.normal(), rng.normal(), 1.0];
            let z: f64 = f.iter().zip(truth).map(|(a, b)| a * b).sum();
            let p = 1.0 / (1.0 + (-z).exp());
            labels.push(if rng.uniform() < p { 1.0 } else { 0.0 });
            features.push(f);
        }
        Logistic {
            features,
            labels,
            l2: 1e-2,
        }
    }

    /// Mean log-loss over `batch` plus (λ/2)‖w‖²; what `#[gradient(wrt(w))]` would emit.
    pub fn loss_grad(&self, w: &[f64], batch: &[usize], g: &mut [f64]) -> f64 {
        let n = batch.len() as f64;
        g.fill(0.0);
        let mut loss = 0.0;
        for &i in batch {
            let f = &self.features[i];
            let z: f64 = f.iter().zip(w).map(|(a, b)| a * b).sum();
            let p = 1.0 / (1.0 + (-z).exp());
            let y = self.labels[i];
            // log(1 + e^z) − y z, stable for large |z|.
            loss += (z.max(0.0) + (-z.abs()).exp().ln_1p() - y * z) / n;
            for k in 0..3 {
                g[k] += (p - y) * f[k] / n;
            }
        }
        for k in 0..3 {
            loss += 0.5 * self.l2 * w[k] * w[k];
            g[k] += self.l2 * w[k];
        }
        loss
    }

    pub fn all(&self) -> Vec<usize> {
        (0..self.labels.len()).collect()
    }

    pub fn full_loss(&self, w: &[f64]) -> f64 {
        let mut g = [0.0; 3];
        self.loss_grad(w, &self.all(), &mut g)
    }
}

pub fn assert_close(actual: &[f64], expected: &[f64], tol: f64) {
    assert_eq!(
        actual.len(),
        expected.len(),
        "lengths differ: {actual:?} vs {expected:?}"
    );
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert!(
            (a - e).abs() <= tol,
            "component {i}: {a} vs expected {e} (tol {tol}); {actual:?} vs {expected:?}"
        );
    }
}
