//! The benchmark problems B1–B6 written the way a user of `grad` writes them: plain Rust with
//! `#[gradient]`. The macro keeps each function and emits `NAME_grad` next to it:
//! scalar parameters being differentiated give a `(f64, [f64; K])` return (plain `f64` when K = 0),
//! and each differentiated slice `x` adds a trailing `d_x: &mut [f64]` out-parameter, in
//! declaration order. The bodies are identical to the plain functions in `problems/mod.rs`, so the
//! `plain` and `generated` benchmark entries compare the same user code.
//!
//! Generated signatures:
//! ```text
//! rosen2_grad(x: f64, y: f64) -> (f64, [f64; 2])
//! rosen_n_grad(x: &[f64], d_x: &mut [f64]) -> f64
//! linreg_grad(w: &[f64], x: &[f64], y: &[f64], d_w: &mut [f64]) -> f64
//! logreg_grad(w: &[f64], b: f64, x: &[f64], y: &[f64], d_w: &mut [f64]) -> (f64, [f64; 1])
//! sigmoid_grad(z: f64) -> (f64, [f64; 1])
//! mlp_grad(w1: &[f64], b1: &[f64], w2: &[f64], b2: f64, x: &[f64], y: &[f64],
//!          d_w1: &mut [f64], d_b1: &mut [f64], d_w2: &mut [f64]) -> (f64, [f64; 1])
//! rnn_grad(a: f64, u: f64, c: f64, x: &[f64], y: &[f64]) -> (f64, [f64; 3])
//! Mlp::loss_grad(&self, x: &[f64], y: &[f64], d_self: &mut Mlp) -> f64
//! ```
//!
//! `linreg_par`, `logreg_par` and `mlp_par` are B3, B4 and B5 with `#[gradient(parallel)]`: the
//! same bodies, the same signatures, the sum over samples split across rayon's threads.

#![allow(dead_code)]
#![allow(clippy::needless_range_loop)]
#![allow(clippy::too_many_arguments)]

use grad::gradient;

/// B1: two-dimensional Rosenbrock.
#[gradient(jvp, hvp)]
pub fn rosen2(x: f64, y: f64) -> f64 {
    (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2)
}

/// B2: chained n-dimensional Rosenbrock.
#[gradient(jvp, hvp)]
pub fn rosen_n(x: &[f64]) -> f64 {
    let n = x.len();
    let mut s = 0.0;
    for i in 0..n - 1 {
        s += (1.0 - x[i]).powi(2) + 100.0 * (x[i + 1] - x[i] * x[i]).powi(2);
    }
    s
}

/// B3: sum of squared residuals of a linear model; `x` is `n x d` row-major.
#[gradient(wrt(w), jvp)]
pub fn linreg(w: &[f64], x: &[f64], y: &[f64]) -> f64 {
    let d = w.len();
    let n = y.len();
    let mut loss = 0.0;
    for i in 0..n {
        let mut pred = 0.0;
        for j in 0..d {
            pred += x[i * d + j] * w[j];
        }
        let r = y[i] - pred;
        loss += r * r;
    }
    loss
}

/// B4: mean logistic loss, `z_i = X_i . w + b`.
#[gradient(wrt(w, b), jvp)]
pub fn logreg(w: &[f64], b: f64, x: &[f64], y: &[f64]) -> f64 {
    let d = w.len();
    let n = y.len();
    let mut loss = 0.0;
    for i in 0..n {
        let mut z = 0.0;
        for j in 0..d {
            z += x[i * d + j] * w[j];
        }
        z += b;
        loss += z.exp().ln_1p() - y[i] * z;
    }
    loss / n as f64
}

/// The logistic function, differentiated once and reused by `mlp`.
#[gradient]
pub fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// B5: one-hidden-layer sigmoid MLP, mean squared error; `w1` is `h x d` row-major.
#[gradient(wrt(w1, b1, w2, b2))]
pub fn mlp(w1: &[f64], b1: &[f64], w2: &[f64], b2: f64, x: &[f64], y: &[f64]) -> f64 {
    let h = b1.len();
    let d = w1.len() / h;
    let n = y.len();
    let mut loss = 0.0;
    for i in 0..n {
        let mut out = 0.0;
        for k in 0..h {
            let mut a = 0.0;
            for j in 0..d {
                a += w1[k * d + j] * x[i * d + j];
            }
            out += w2[k] * sigmoid(a + b1[k]);
        }
        let r = sigmoid(out + b2) - y[i];
        loss += r * r;
    }
    loss / n as f64
}

/// B5's hidden layer as a struct: `w` is `h x n_in` row-major.
#[derive(Clone, grad::Params)]
pub struct Dense {
    pub w: Vec<f64>,
    pub b: Vec<f64>,
    pub n_in: usize,
}

/// B5 written as a model: a `Dense` hidden layer, the output weights and bias.
#[derive(Clone, grad::Params)]
pub struct Mlp {
    pub hidden: Dense,
    pub w2: Vec<f64>,
    pub b2: f64,
}

impl Mlp {
    /// B5's loss as a method; `loss_grad` fills a gradient `Mlp`.
    #[gradient]
    pub fn loss(&self, x: &[f64], y: &[f64]) -> f64 {
        let h = self.hidden.b.len();
        let d = self.hidden.n_in;
        let n = y.len();
        let mut loss = 0.0;
        for i in 0..n {
            let mut out = 0.0;
            for k in 0..h {
                let mut a = 0.0;
                for j in 0..d {
                    a += self.hidden.w[k * d + j] * x[i * d + j];
                }
                out += self.w2[k] * sigmoid(a + self.hidden.b[k]);
            }
            let r = sigmoid(out + self.b2) - y[i];
            loss += r * r;
        }
        loss / n as f64
    }

    /// B5 as a user writes it with a layer helper: the hidden layer is `hidden_layer` (a
    /// vector-valued `#[gradient]` function) called per sample on the model's fields.
    #[gradient]
    pub fn loss_layered(&self, x: &[f64], y: &[f64]) -> f64 {
        let d = self.hidden.n_in;
        let n = y.len();
        let mut loss = 0.0;
        for i in 0..n {
            let h = hidden_layer(&self.hidden.w, &self.hidden.b, &x[i * d..(i + 1) * d]);
            let mut out = 0.0;
            for k in 0..h.len() {
                out += self.w2[k] * h[k];
            }
            let r = sigmoid(out + self.b2) - y[i];
            loss += r * r;
        }
        loss / n as f64
    }
}

/// B5's hidden layer as a vector-valued function: the activations of one sample `x`.
#[gradient]
pub fn hidden_layer(w1: &[f64], b1: &[f64], x: &[f64]) -> Vec<f64> {
    let d = x.len();
    let mut a = vec![0.0; b1.len()];
    for k in 0..b1.len() {
        let mut z = b1[k];
        for j in 0..d {
            z += w1[k * d + j] * x[j];
        }
        a[k] = sigmoid(z);
    }
    a
}

/// B5 with its hidden layer a call of `hidden_layer` per sample (the layer's VJP in reverse).
#[gradient(wrt(w1, b1, w2, b2))]
pub fn mlp_layered(w1: &[f64], b1: &[f64], w2: &[f64], b2: f64, x: &[f64], y: &[f64]) -> f64 {
    let d = w1.len() / b1.len();
    let n = y.len();
    let mut loss = 0.0;
    for i in 0..n {
        let h = hidden_layer(w1, b1, &x[i * d..(i + 1) * d]);
        let mut out = 0.0;
        for k in 0..h.len() {
            out += w2[k] * h[k];
        }
        let r = sigmoid(out + b2) - y[i];
        loss += r * r;
    }
    loss / n as f64
}

/// B3 with `fast`: the sums over the rows reassociated (four partial sums).
#[gradient(wrt(w), fast)]
pub fn linreg_fast(w: &[f64], x: &[f64], y: &[f64]) -> f64 {
    let d = w.len();
    let n = y.len();
    let mut loss = 0.0;
    for i in 0..n {
        let mut pred = 0.0;
        for j in 0..d {
            pred += x[i * d + j] * w[j];
        }
        let r = y[i] - pred;
        loss += r * r;
    }
    loss
}

/// B4 with `fast`.
#[gradient(wrt(w, b), fast)]
pub fn logreg_fast(w: &[f64], b: f64, x: &[f64], y: &[f64]) -> f64 {
    let d = w.len();
    let n = y.len();
    let mut loss = 0.0;
    for i in 0..n {
        let mut z = 0.0;
        for j in 0..d {
            z += x[i * d + j] * w[j];
        }
        z += b;
        loss += z.exp().ln_1p() - y[i] * z;
    }
    loss / n as f64
}

/// B3 with `parallel`: the sum over the rows split across threads.
#[gradient(wrt(w), parallel)]
pub fn linreg_par(w: &[f64], x: &[f64], y: &[f64]) -> f64 {
    let d = w.len();
    let n = y.len();
    let mut loss = 0.0;
    for i in 0..n {
        let mut pred = 0.0;
        for j in 0..d {
            pred += x[i * d + j] * w[j];
        }
        let r = y[i] - pred;
        loss += r * r;
    }
    loss
}

/// B4 with `parallel`.
#[gradient(wrt(w, b), parallel)]
pub fn logreg_par(w: &[f64], b: f64, x: &[f64], y: &[f64]) -> f64 {
    let d = w.len();
    let n = y.len();
    let mut loss = 0.0;
    for i in 0..n {
        let mut z = 0.0;
        for j in 0..d {
            z += x[i * d + j] * w[j];
        }
        z += b;
        loss += z.exp().ln_1p() - y[i] * z;
    }
    loss / n as f64
}

/// B5 with `parallel`.
#[gradient(wrt(w1, b1, w2, b2), parallel)]
pub fn mlp_par(w1: &[f64], b1: &[f64], w2: &[f64], b2: f64, x: &[f64], y: &[f64]) -> f64 {
    let h = b1.len();
    let d = w1.len() / h;
    let n = y.len();
    let mut loss = 0.0;
    for i in 0..n {
        let mut out = 0.0;
        for k in 0..h {
            let mut a = 0.0;
            for j in 0..d {
                a += w1[k * d + j] * x[i * d + j];
            }
            out += w2[k] * sigmoid(a + b1[k]);
        }
        let r = sigmoid(out + b2) - y[i];
        loss += r * r;
    }
    loss / n as f64
}

/// B6: scalar tanh RNN, sum of squared errors over the sequence.
#[gradient(wrt(a, u, c))]
pub fn rnn(a: f64, u: f64, c: f64, x: &[f64], y: &[f64]) -> f64 {
    let t_len = x.len();
    let mut h = 0.0;
    let mut loss = 0.0;
    for t in 0..t_len {
        h = (a * h + u * x[t] + c).tanh();
        let r = h - y[t];
        loss += r * r;
    }
    loss
}
