//! Forward-mode dual-number versions of B1–B6 with `num-dual` 0.15.
//!
//! The root package depends on `num-dual` with `default-features = false`, which leaves out its
//! `nalgebra` feature and with it `DualVec` and the `gradient` helper. The idiomatic forward mode
//! that remains is the scalar `Dual64`: one pass per input dimension, seeding that input's
//! derivative part with 1 (what `num_dual::first_derivative` / `partial` do for one variable).
//! The data (`x`, `y`) stays `f64`; only the differentiated parameters are dual numbers.
//! A full gradient therefore costs `K` evaluations of the dual-number loss for `K` parameters —
//! cheap for B1/B4/B6, and deliberately expensive for B2 (1000) and B5 (577).

use super::{Lcg, LinregProblem};
use super::{LogregProblem, MlpProblem, Problem, RnnProblem, Rosen2Problem, RosenNProblem};
use num_dual::{Dual64, DualNum};

fn c(v: f64) -> Dual64 {
    Dual64::from_re(v)
}

/// Dual-number `1 / (1 + e^-z)`.
pub fn sigmoid_dual(z: Dual64) -> Dual64 {
    ((-z).exp() + 1.0).recip()
}

// ---------------------------------------------------------------------------------------------
// Generic forward-mode drivers
// ---------------------------------------------------------------------------------------------

/// Full gradient of `f` at the dual vector `p` (whose derivative parts must be zero) by one pass per
/// coordinate; writes `grad` and returns the value. `p` is restored before returning.
pub fn forward_gradient<F: FnMut(&[Dual64]) -> Dual64>(
    p: &mut [Dual64],
    grad: &mut [f64],
    mut f: F,
) -> f64 {
    assert_eq!(p.len(), grad.len());
    if p.is_empty() {
        return f(p).re;
    }
    let mut value = 0.0;
    for k in 0..p.len() {
        p[k].eps = 1.0;
        let r = f(p);
        p[k].eps = 0.0;
        grad[k] = r.eps;
        value = r.re;
    }
    value
}

/// Value and directional derivative `grad f(p) . v` in a single dual-number pass.
pub fn forward_directional<F: FnOnce(&[Dual64]) -> Dual64>(
    p: &[f64],
    v: &[f64],
    f: F,
) -> (f64, f64) {
    assert_eq!(p.len(), v.len());
    let pd: Vec<Dual64> = p
        .iter()
        .zip(v)
        .map(|(&re, &eps)| Dual64::new(re, eps))
        .collect();
    let r = f(&pd);
    (r.re, r.eps)
}

fn to_dual(p: &[f64]) -> Vec<Dual64> {
    p.iter().map(|&v| c(v)).collect()
}

/// A problem whose loss can be evaluated on dual-number parameters (flat layout as in
/// [`Problem::params`]).
pub trait DualProblem: Problem {
    fn value_dual_flat(&self, p: &[Dual64]) -> Dual64;

    /// Full forward-mode gradient at flat `p` (one pass per coordinate); returns the value.
    fn grad_dual_flat(&self, p: &[f64], g: &mut [f64]) -> f64 {
        let mut pd = to_dual(p);
        forward_gradient(&mut pd, g, |q| self.value_dual_flat(q))
    }

    /// Partial derivative along coordinate `k` only (one pass); returns `(value, df/dp_k)`.
    fn partial_dual_flat(&self, p: &[f64], k: usize) -> (f64, f64) {
        let mut pd = to_dual(p);
        pd[k].eps = 1.0;
        let r = self.value_dual_flat(&pd);
        (r.re, r.eps)
    }

    /// Directional derivative along `v` (one pass); returns `(value, grad . v)`.
    fn directional_dual_flat(&self, p: &[f64], v: &[f64]) -> (f64, f64) {
        forward_directional(p, v, |q| self.value_dual_flat(q))
    }
}

// ---------------------------------------------------------------------------------------------
// B1 rosen2
// ---------------------------------------------------------------------------------------------

pub fn rosen2_dual(x: Dual64, y: Dual64) -> Dual64 {
    (c(1.0) - x).powi(2) + (y - x * x).powi(2) * 100.0
}

/// Two forward passes.
pub fn rosen2_grad_dual(x: f64, y: f64) -> (f64, [f64; 2]) {
    let fx = rosen2_dual(c(x).derivative(), c(y));
    let fy = rosen2_dual(c(x), c(y).derivative());
    (fx.re, [fx.eps, fy.eps])
}

impl DualProblem for Rosen2Problem {
    fn value_dual_flat(&self, p: &[Dual64]) -> Dual64 {
        rosen2_dual(p[0], p[1])
    }
}

// ---------------------------------------------------------------------------------------------
// B2 rosen_n
// ---------------------------------------------------------------------------------------------

pub fn rosen_n_dual(x: &[Dual64]) -> Dual64 {
    let n = x.len();
    let mut s = c(0.0);
    for i in 0..n - 1 {
        s += (c(1.0) - x[i]).powi(2) + (x[i + 1] - x[i] * x[i]).powi(2) * 100.0;
    }
    s
}

/// `n` forward passes over the whole function (O(n^2)).
pub fn rosen_n_grad_dual(x: &[f64], d_x: &mut [f64]) -> f64 {
    let mut xd = to_dual(x);
    forward_gradient(&mut xd, d_x, rosen_n_dual)
}

impl DualProblem for RosenNProblem {
    fn value_dual_flat(&self, p: &[Dual64]) -> Dual64 {
        rosen_n_dual(p)
    }
}

// ---------------------------------------------------------------------------------------------
// B3 linreg
// ---------------------------------------------------------------------------------------------

pub fn linreg_dual(w: &[Dual64], x: &[f64], y: &[f64]) -> Dual64 {
    let d = w.len();
    let n = y.len();
    let mut loss = c(0.0);
    for i in 0..n {
        let mut pred = c(0.0);
        for j in 0..d {
            pred += w[j] * x[i * d + j];
        }
        let r = c(y[i]) - pred;
        loss += r * r;
    }
    loss
}

/// `d` forward passes.
pub fn linreg_grad_dual(w: &[f64], x: &[f64], y: &[f64], d_w: &mut [f64]) -> f64 {
    let mut wd = to_dual(w);
    forward_gradient(&mut wd, d_w, |q| linreg_dual(q, x, y))
}

impl DualProblem for LinregProblem {
    fn value_dual_flat(&self, p: &[Dual64]) -> Dual64 {
        linreg_dual(p, &self.x, &self.y)
    }
}

// ---------------------------------------------------------------------------------------------
// B4 logreg
// ---------------------------------------------------------------------------------------------

pub fn logreg_dual(w: &[Dual64], b: Dual64, x: &[f64], y: &[f64]) -> Dual64 {
    let d = w.len();
    let n = y.len();
    let mut loss = c(0.0);
    for i in 0..n {
        let mut z = c(0.0);
        for j in 0..d {
            z += w[j] * x[i * d + j];
        }
        z += b;
        loss += z.exp().ln_1p() - z * y[i];
    }
    loss / n as f64
}

/// `d + 1` forward passes.
pub fn logreg_grad_dual(
    w: &[f64],
    b: f64,
    x: &[f64],
    y: &[f64],
    d_w: &mut [f64],
) -> (f64, [f64; 1]) {
    let d = w.len();
    let mut p = to_dual(w);
    p.push(c(b));
    let mut g = vec![0.0; d + 1];
    let f = forward_gradient(&mut p, &mut g, |q| logreg_dual(&q[..d], q[d], x, y));
    d_w.copy_from_slice(&g[..d]);
    (f, [g[d]])
}

impl DualProblem for LogregProblem {
    fn value_dual_flat(&self, p: &[Dual64]) -> Dual64 {
        logreg_dual(&p[..self.d], p[self.d], &self.x, &self.y)
    }
}

// ---------------------------------------------------------------------------------------------
// B5 mlp
// ---------------------------------------------------------------------------------------------

pub fn mlp_dual(
    w1: &[Dual64],
    b1: &[Dual64],
    w2: &[Dual64],
    b2: Dual64,
    x: &[f64],
    y: &[f64],
) -> Dual64 {
    let h = b1.len();
    let d = w1.len() / h;
    let n = y.len();
    let mut loss = c(0.0);
    for i in 0..n {
        let mut out = c(0.0);
        for k in 0..h {
            let mut a = c(0.0);
            for j in 0..d {
                a += w1[k * d + j] * x[i * d + j];
            }
            out += w2[k] * sigmoid_dual(a + b1[k]);
        }
        let r = sigmoid_dual(out + b2) - y[i];
        loss += r * r;
    }
    loss / n as f64
}

/// `h*d + 2h + 1` (= 577) forward passes.
#[allow(clippy::too_many_arguments)]
pub fn mlp_grad_dual(
    w1: &[f64],
    b1: &[f64],
    w2: &[f64],
    b2: f64,
    x: &[f64],
    y: &[f64],
    d_w1: &mut [f64],
    d_b1: &mut [f64],
    d_w2: &mut [f64],
) -> (f64, [f64; 1]) {
    let (n1, h) = (w1.len(), b1.len());
    let mut p = Vec::with_capacity(n1 + 2 * h + 1);
    p.extend(w1.iter().chain(b1).chain(w2).map(|&v| c(v)));
    p.push(c(b2));
    let mut g = vec![0.0; p.len()];
    let f = forward_gradient(&mut p, &mut g, |q| {
        mlp_dual(
            &q[..n1],
            &q[n1..n1 + h],
            &q[n1 + h..n1 + 2 * h],
            q[n1 + 2 * h],
            x,
            y,
        )
    });
    d_w1.copy_from_slice(&g[..n1]);
    d_b1.copy_from_slice(&g[n1..n1 + h]);
    d_w2.copy_from_slice(&g[n1 + h..n1 + 2 * h]);
    (f, [g[n1 + 2 * h]])
}

impl DualProblem for MlpProblem {
    fn value_dual_flat(&self, p: &[Dual64]) -> Dual64 {
        let (w1, b1, w2, &b2) = self.split(p);
        mlp_dual(w1, b1, w2, b2, &self.x, &self.y)
    }
}

// ---------------------------------------------------------------------------------------------
// B6 rnn
// ---------------------------------------------------------------------------------------------

pub fn rnn_dual(a: Dual64, u: Dual64, cc: Dual64, x: &[f64], y: &[f64]) -> Dual64 {
    let t_len = x.len();
    let mut h = c(0.0);
    let mut loss = c(0.0);
    for t in 0..t_len {
        h = (a * h + u * x[t] + cc).tanh();
        let r = h - y[t];
        loss += r * r;
    }
    loss
}

/// Three forward passes.
pub fn rnn_grad_dual(a: f64, u: f64, cc: f64, x: &[f64], y: &[f64]) -> (f64, [f64; 3]) {
    let fa = rnn_dual(c(a).derivative(), c(u), c(cc), x, y);
    let fu = rnn_dual(c(a), c(u).derivative(), c(cc), x, y);
    let fc = rnn_dual(c(a), c(u), c(cc).derivative(), x, y);
    (fa.re, [fa.eps, fu.eps, fc.eps])
}

impl DualProblem for RnnProblem {
    fn value_dual_flat(&self, p: &[Dual64]) -> Dual64 {
        rnn_dual(p[0], p[1], p[2], &self.x, &self.y)
    }
}

/// A seeded random direction with entries uniform in [-1, 1) (for directional-derivative checks).
pub fn random_direction(len: usize, seed: u64) -> Vec<f64> {
    Lcg::new(seed).uniform_vec(len, -1.0, 1.0)
}
