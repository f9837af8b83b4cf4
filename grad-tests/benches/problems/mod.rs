//! The benchmark problems B1–B6: data generator, plain loss functions, hand-written gradients and a
//! central finite-difference helper.
//!
//! Shared by `benches/benchmarks.rs` and `tests/bench_problems.rs` (which include this file with
//! `#[path]`). Only `std` is used here; the forward-mode dual-number versions live in the `dual`
//! submodule (they need the `num-dual` dev-dependency).
//!
//! Conventions, mirroring what `#[gradient]` generates:
//! * a plain function returns the loss only;
//! * `NAME_grad_hand` returns the value, plus `[f64; K]` with the derivatives w.r.t. the `K` scalar
//!   parameters (in declaration order) when there are any;
//! * every differentiated slice parameter `x` gets an out-parameter `d_x: &mut [f64]`, appended after
//!   all original parameters in declaration order; it is overwritten, not accumulated into.
//!
//! The plain functions are written the way a user writes a loss (index loops, `x[i * d + j]`,
//! `let mut` accumulators). The hand-written gradients are tuned for speed (single fused pass, no
//! bounds checks in the inner loops, no allocation unless unavoidable) but evaluate the loss with
//! exactly the same floating-point operations in the same order as the plain functions, so their
//! returned values are bit-identical to the plain ones.
//!
//! # Data generator
//! A 64-bit LCG: `state0 = seed * A + C`, and each draw does `state = state * A + C` (wrapping, mod
//! 2^64) and returns `u = (state >> 11) / 2^53` in `[0, 1)`; `uniform(lo, hi) = lo + (hi - lo) * u`.
//! Arrays are filled in row-major order, one draw per element, in the order the problem lists them.

// Each consumer (tests, benches) uses a different subset of this module.
#![allow(dead_code)]
// The plain functions are written in index style on purpose: that is the user code `#[gradient]`
// is meant to handle, and the baseline it is compared against.
#![allow(clippy::needless_range_loop)]
#![allow(clippy::too_many_arguments)]

pub mod dual;

/// LCG multiplier `A`.
pub const LCG_MUL: u64 = 6364136223846793005;
/// LCG increment `C`.
pub const LCG_INC: u64 = 1442695040888963407;

/// The benchmark suite's seeded 64-bit linear congruential generator.
#[derive(Clone, Debug)]
pub struct Lcg {
    state: u64,
}

impl Lcg {
    /// `state0 = seed * A + C (mod 2^64)`.
    pub fn new(seed: u64) -> Self {
        Lcg {
            state: seed.wrapping_mul(LCG_MUL).wrapping_add(LCG_INC),
        }
    }

    /// The current state (before the next draw).
    pub fn state(&self) -> u64 {
        self.state
    }

    /// Advances the state and returns `(state >> 11) / 2^53`, uniform in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        self.state = self.state.wrapping_mul(LCG_MUL).wrapping_add(LCG_INC);
        (self.state >> 11) as f64 / (1u64 << 53) as f64
    }

    /// `lo + (hi - lo) * u` for one draw `u`.
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next_f64()
    }

    /// `len` consecutive `uniform(lo, hi)` draws.
    pub fn uniform_vec(&mut self, len: usize, lo: f64, hi: f64) -> Vec<f64> {
        (0..len).map(|_| self.uniform(lo, hi)).collect()
    }
}

/// Plain logistic function `1 / (1 + e^-z)`.
pub fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// A problem seen through one flat parameter vector (for finite differences and generic tests).
pub trait Problem {
    /// Short name, e.g. `"B3 linreg"`.
    const NAME: &'static str;
    /// The evaluation point, flattened in declaration order of the differentiated parameters.
    fn params(&self) -> Vec<f64>;
    /// The plain loss at flat parameters `p`.
    fn value_flat(&self, p: &[f64]) -> f64;
    /// The hand-written gradient at flat parameters `p`, written to `g`; returns the value.
    fn grad_hand_flat(&self, p: &[f64], g: &mut [f64]) -> f64;
    /// Number of differentiated parameters.
    fn n_params(&self) -> usize {
        self.params().len()
    }
}

// ---------------------------------------------------------------------------------------------
// Central finite differences
// ---------------------------------------------------------------------------------------------

/// The finite-difference step for a coordinate of value `x`: `cbrt(eps) * max(1, |x|)`, which
/// balances the O(h^2) truncation error of the central difference against its O(eps/h) rounding
/// error (both ~ eps^(2/3) ≈ 4e-11 relative for well-scaled functions).
pub fn fd_step(x: f64) -> f64 {
    f64::EPSILON.cbrt() * x.abs().max(1.0)
}

/// Central difference of `f` along coordinate `k` of `p`. `p` is used as scratch space and is
/// restored before returning. The divisor is the exactly representable step `(x+h) - (x-h)`.
pub fn fd_partial<F: FnMut(&[f64]) -> f64>(f: &mut F, p: &mut [f64], k: usize) -> f64 {
    let xk = p[k];
    let h = fd_step(xk);
    let (xp, xm) = (xk + h, xk - h);
    p[k] = xp;
    let fp = f(p);
    p[k] = xm;
    let fm = f(p);
    p[k] = xk;
    (fp - fm) / (xp - xm)
}

/// Value and full central-difference gradient (`2 * len + 1` evaluations of `f`), without
/// allocating: `p` is scratch space and is restored before returning.
pub fn fd_gradient_in_place<F: FnMut(&[f64]) -> f64>(
    mut f: F,
    p: &mut [f64],
    grad: &mut [f64],
) -> f64 {
    assert_eq!(p.len(), grad.len());
    let value = f(p);
    for k in 0..p.len() {
        grad[k] = fd_partial(&mut f, p, k);
    }
    value
}

/// Value and full central-difference gradient of `f` at `p` (copies `p` once).
pub fn fd_gradient<F: FnMut(&[f64]) -> f64>(f: F, p: &[f64], grad: &mut [f64]) -> f64 {
    let mut scratch = p.to_vec();
    fd_gradient_in_place(f, &mut scratch, grad)
}

// ---------------------------------------------------------------------------------------------
// B1 rosen2
// ---------------------------------------------------------------------------------------------

/// B1: the two-dimensional Rosenbrock function, evaluated at (-1.2, 1.0).
#[derive(Clone, Debug)]
pub struct Rosen2Problem {
    pub x: f64,
    pub y: f64,
}

impl Rosen2Problem {
    pub fn new() -> Self {
        Rosen2Problem { x: -1.2, y: 1.0 }
    }
}

impl Default for Rosen2Problem {
    fn default() -> Self {
        Self::new()
    }
}

/// B1 plain: `(1 - x)^2 + 100 (y - x^2)^2`.
pub fn rosen2(x: f64, y: f64) -> f64 {
    (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2)
}

/// B1 hand-written gradient: `(f, [df/dx, df/dy])`.
pub fn rosen2_grad_hand(x: f64, y: f64) -> (f64, [f64; 2]) {
    let a = 1.0 - x;
    let b = y - x * x;
    let f = a * a + 100.0 * (b * b);
    (f, [-2.0 * a - 400.0 * x * b, 200.0 * b])
}

impl Problem for Rosen2Problem {
    const NAME: &'static str = "B1 rosen2";
    fn params(&self) -> Vec<f64> {
        vec![self.x, self.y]
    }
    fn value_flat(&self, p: &[f64]) -> f64 {
        rosen2(p[0], p[1])
    }
    fn grad_hand_flat(&self, p: &[f64], g: &mut [f64]) -> f64 {
        let (f, d) = rosen2_grad_hand(p[0], p[1]);
        g.copy_from_slice(&d);
        f
    }
}

// ---------------------------------------------------------------------------------------------
// B2 rosen_n
// ---------------------------------------------------------------------------------------------

/// B2 size.
pub const B2_N: usize = 1000;

/// B2: the chained n-dimensional Rosenbrock function at x_i = -1.2 (i even), 1.0 (i odd).
#[derive(Clone, Debug)]
pub struct RosenNProblem {
    pub x: Vec<f64>,
}

impl RosenNProblem {
    pub fn new() -> Self {
        Self::with_n(B2_N)
    }
    pub fn with_n(n: usize) -> Self {
        let x = (0..n)
            .map(|i| if i % 2 == 0 { -1.2 } else { 1.0 })
            .collect();
        RosenNProblem { x }
    }
}

impl Default for RosenNProblem {
    fn default() -> Self {
        Self::new()
    }
}

/// B2 plain: `sum_{i=0}^{n-2} (1 - x_i)^2 + 100 (x_{i+1} - x_i^2)^2` (requires `n >= 1`).
pub fn rosen_n(x: &[f64]) -> f64 {
    let n = x.len();
    let mut s = 0.0;
    for i in 0..n - 1 {
        s += (1.0 - x[i]).powi(2) + 100.0 * (x[i + 1] - x[i] * x[i]).powi(2);
    }
    s
}

/// B2 hand-written gradient, one fused pass: term `i` contributes to `d_x[i]` and `d_x[i + 1]`;
/// the latter is carried in a register to the next iteration so each `d_x` entry is written once.
pub fn rosen_n_grad_hand(x: &[f64], d_x: &mut [f64]) -> f64 {
    let n = x.len();
    assert_eq!(d_x.len(), n, "d_x must have the length of x");
    if n < 2 {
        d_x.fill(0.0);
        return 0.0;
    }
    let mut s = 0.0;
    let mut carry = 0.0; // d/dx_i of term i - 1
    for ((&xi, &xn), g) in x.iter().zip(&x[1..]).zip(d_x.iter_mut()) {
        let a = 1.0 - xi;
        let b = xn - xi * xi;
        s += a * a + 100.0 * (b * b);
        *g = carry - 2.0 * a - 400.0 * xi * b;
        carry = 200.0 * b;
    }
    d_x[n - 1] = carry;
    s
}

impl Problem for RosenNProblem {
    const NAME: &'static str = "B2 rosen_n";
    fn params(&self) -> Vec<f64> {
        self.x.clone()
    }
    fn value_flat(&self, p: &[f64]) -> f64 {
        rosen_n(p)
    }
    fn grad_hand_flat(&self, p: &[f64], g: &mut [f64]) -> f64 {
        rosen_n_grad_hand(p, g)
    }
}

// ---------------------------------------------------------------------------------------------
// B3 linreg
// ---------------------------------------------------------------------------------------------

/// B3 sizes.
pub const B3_N: usize = 10_000;
pub const B3_D: usize = 16;
pub const B3_SEED: u64 = 42;

/// B3: least-squares linear regression (sum of squared residuals, not the mean).
#[derive(Clone, Debug)]
pub struct LinregProblem {
    pub n: usize,
    pub d: usize,
    /// `n x d`, row-major.
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    pub w_true: Vec<f64>,
    pub noise: Vec<f64>,
    /// Evaluation point `w_j = 0.01 (j + 1)`.
    pub w: Vec<f64>,
}

impl LinregProblem {
    pub fn new() -> Self {
        Self::generate(B3_N, B3_D, B3_SEED)
    }
    /// LCG(seed): X (n*d) ~ U(-1,1); w_true (d) ~ U(-1,1); noise (n) ~ U(-0.1,0.1);
    /// y_i = X_i . w_true + noise_i.
    pub fn generate(n: usize, d: usize, seed: u64) -> Self {
        let mut rng = Lcg::new(seed);
        let x = rng.uniform_vec(n * d, -1.0, 1.0);
        let w_true = rng.uniform_vec(d, -1.0, 1.0);
        let noise = rng.uniform_vec(n, -0.1, 0.1);
        let y = (0..n)
            .map(|i| dot(&x[i * d..(i + 1) * d], &w_true) + noise[i])
            .collect();
        let w = (0..d).map(|j| 0.01 * (j + 1) as f64).collect();
        LinregProblem {
            n,
            d,
            x,
            y,
            w_true,
            noise,
            w,
        }
    }
}

impl Default for LinregProblem {
    fn default() -> Self {
        Self::new()
    }
}

/// Left-to-right dot product starting from 0.0 (the summation order of the data generator).
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut s = 0.0;
    for (ai, bi) in a.iter().zip(b) {
        s += ai * bi;
    }
    s
}

/// B3 plain: `sum_i (y_i - sum_j X_ij w_j)^2`; `d = w.len()`, `n = y.len()`.
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

/// B3 hand-written gradient, one fused pass over the rows: `d_w = -2 sum_i r_i X_i`.
///
/// Rows are processed four at a time: the four dot products are independent dependency chains
/// that the CPU overlaps (each row still sums over `j` left to right, and the loss still adds the
/// rows in order, so the value is bit-identical to [`linreg`]); the four rows' contributions to
/// `d_w` are added in one sweep.
pub fn linreg_grad_hand(w: &[f64], x: &[f64], y: &[f64], d_w: &mut [f64]) -> f64 {
    let d = w.len();
    assert!(d > 0 && x.len() == y.len() * d && d_w.len() == d);
    d_w.fill(0.0);
    let mut loss = 0.0;
    let mut blocks = x.chunks_exact(4 * d);
    let mut y_blocks = y.chunks_exact(4);
    for (blk, yb) in (&mut blocks).zip(&mut y_blocks) {
        let (r0, rest) = blk.split_at(d);
        let (r1, rest) = rest.split_at(d);
        let (r2, r3) = rest.split_at(d);
        let mut p = [0.0f64; 4];
        for j in 0..d {
            let wj = w[j];
            p[0] += r0[j] * wj;
            p[1] += r1[j] * wj;
            p[2] += r2[j] * wj;
            p[3] += r3[j] * wj;
        }
        let mut s = [0.0f64; 4];
        for r in 0..4 {
            let e = yb[r] - p[r];
            loss += e * e;
            s[r] = -2.0 * e;
        }
        for j in 0..d {
            d_w[j] += s[0] * r0[j] + s[1] * r1[j] + s[2] * r2[j] + s[3] * r3[j];
        }
    }
    for (row, &yi) in blocks.remainder().chunks_exact(d).zip(y_blocks.remainder()) {
        let mut pred = 0.0;
        for (xij, wj) in row.iter().zip(w) {
            pred += xij * wj;
        }
        let r = yi - pred;
        loss += r * r;
        let s = -2.0 * r;
        for (g, xij) in d_w.iter_mut().zip(row) {
            *g += s * xij;
        }
    }
    loss
}

impl Problem for LinregProblem {
    const NAME: &'static str = "B3 linreg";
    fn params(&self) -> Vec<f64> {
        self.w.clone()
    }
    fn value_flat(&self, p: &[f64]) -> f64 {
        linreg(p, &self.x, &self.y)
    }
    fn grad_hand_flat(&self, p: &[f64], g: &mut [f64]) -> f64 {
        linreg_grad_hand(p, &self.x, &self.y, g)
    }
}

// ---------------------------------------------------------------------------------------------
// B4 logreg
// ---------------------------------------------------------------------------------------------

/// B4 sizes.
pub const B4_N: usize = 10_000;
pub const B4_D: usize = 16;
pub const B4_SEED: u64 = 43;

/// B4: logistic regression, mean negative log-likelihood.
#[derive(Clone, Debug)]
pub struct LogregProblem {
    pub n: usize,
    pub d: usize,
    /// `n x d`, row-major.
    pub x: Vec<f64>,
    /// Labels in {0, 1}.
    pub y: Vec<f64>,
    pub w_true: Vec<f64>,
    /// Evaluation point `w_j = 0.05 (j + 1) - 0.4`.
    pub w: Vec<f64>,
    /// Evaluation point `b = 0.1`.
    pub b: f64,
}

impl LogregProblem {
    pub fn new() -> Self {
        Self::generate(B4_N, B4_D, B4_SEED)
    }
    /// LCG(seed): X (n*d) ~ U(-1,1); w_true (d) ~ U(-2,2); then for each i in order:
    /// u_i ~ U(0,1), y_i = 1 if u_i < sigmoid(X_i . w_true) else 0.
    pub fn generate(n: usize, d: usize, seed: u64) -> Self {
        let mut rng = Lcg::new(seed);
        let x = rng.uniform_vec(n * d, -1.0, 1.0);
        let w_true = rng.uniform_vec(d, -2.0, 2.0);
        let y = (0..n)
            .map(|i| {
                let u = rng.uniform(0.0, 1.0);
                let p = sigmoid(dot(&x[i * d..(i + 1) * d], &w_true));
                if u < p {
                    1.0
                } else {
                    0.0
                }
            })
            .collect();
        let w = (0..d).map(|j| 0.05 * (j + 1) as f64 - 0.4).collect();
        LogregProblem {
            n,
            d,
            x,
            y,
            w_true,
            w,
            b: 0.1,
        }
    }
}

impl Default for LogregProblem {
    fn default() -> Self {
        Self::new()
    }
}

/// B4 plain: `(1/n) sum_i [ln(1 + e^{z_i}) - y_i z_i]`, `z_i = X_i . w + b`.
///
/// The softplus is written `z.exp().ln_1p()`: accurate for every `z` below ~709.78, where `e^z`
/// overflows and the term becomes `inf` (a fully robust form is `z.max(0) + (-|z|).exp().ln_1p()`).
/// Here `|z| < 4` at the evaluation point, so the simple form is exact to rounding.
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

/// B4 hand-written gradient, one fused pass and one `exp` per sample:
/// with `e = e^z`, `sigmoid(z) = e / (1 + e)`, `d_w = (1/n) sum_i (sigmoid(z_i) - y_i) X_i`,
/// `d_b = (1/n) sum_i (sigmoid(z_i) - y_i)`. Rows are processed four at a time as in
/// [`linreg_grad_hand`]; the value is bit-identical to [`logreg`].
pub fn logreg_grad_hand(
    w: &[f64],
    b: f64,
    x: &[f64],
    y: &[f64],
    d_w: &mut [f64],
) -> (f64, [f64; 1]) {
    let d = w.len();
    assert!(d > 0 && x.len() == y.len() * d && d_w.len() == d);
    d_w.fill(0.0);
    let mut loss = 0.0;
    let mut d_b = 0.0;
    let mut blocks = x.chunks_exact(4 * d);
    let mut y_blocks = y.chunks_exact(4);
    for (blk, yb) in (&mut blocks).zip(&mut y_blocks) {
        let (r0, rest) = blk.split_at(d);
        let (r1, rest) = rest.split_at(d);
        let (r2, r3) = rest.split_at(d);
        let mut z = [0.0f64; 4];
        for j in 0..d {
            let wj = w[j];
            z[0] += r0[j] * wj;
            z[1] += r1[j] * wj;
            z[2] += r2[j] * wj;
            z[3] += r3[j] * wj;
        }
        let mut s = [0.0f64; 4];
        for r in 0..4 {
            let zr = z[r] + b;
            let e = zr.exp();
            loss += e.ln_1p() - yb[r] * zr;
            s[r] = e / (1.0 + e) - yb[r];
            d_b += s[r];
        }
        for j in 0..d {
            d_w[j] += s[0] * r0[j] + s[1] * r1[j] + s[2] * r2[j] + s[3] * r3[j];
        }
    }
    for (row, &yi) in blocks.remainder().chunks_exact(d).zip(y_blocks.remainder()) {
        let mut z = 0.0;
        for (xij, wj) in row.iter().zip(w) {
            z += xij * wj;
        }
        z += b;
        let e = z.exp();
        loss += e.ln_1p() - yi * z;
        let s = e / (1.0 + e) - yi;
        d_b += s;
        for (g, xij) in d_w.iter_mut().zip(row) {
            *g += s * xij;
        }
    }
    let nf = y.len() as f64;
    for g in d_w.iter_mut() {
        *g /= nf;
    }
    (loss / nf, [d_b / nf])
}

impl Problem for LogregProblem {
    const NAME: &'static str = "B4 logreg";
    /// `[w..., b]`.
    fn params(&self) -> Vec<f64> {
        let mut p = self.w.clone();
        p.push(self.b);
        p
    }
    fn value_flat(&self, p: &[f64]) -> f64 {
        logreg(&p[..self.d], p[self.d], &self.x, &self.y)
    }
    fn grad_hand_flat(&self, p: &[f64], g: &mut [f64]) -> f64 {
        let (f, [d_b]) =
            logreg_grad_hand(&p[..self.d], p[self.d], &self.x, &self.y, &mut g[..self.d]);
        g[self.d] = d_b;
        f
    }
}

// ---------------------------------------------------------------------------------------------
// B5 mlp
// ---------------------------------------------------------------------------------------------

/// B5 sizes.
pub const B5_N: usize = 1000;
pub const B5_D: usize = 16;
pub const B5_H: usize = 32;
pub const B5_SEED: u64 = 44;

/// B5: one-hidden-layer sigmoid MLP with a sigmoid output, mean squared error.
#[derive(Clone, Debug)]
pub struct MlpProblem {
    pub n: usize,
    pub d: usize,
    pub h: usize,
    /// `n x d`, row-major.
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    /// `h x d`, row-major.
    pub w1: Vec<f64>,
    pub b1: Vec<f64>,
    pub w2: Vec<f64>,
    pub b2: f64,
}

impl MlpProblem {
    pub fn new() -> Self {
        Self::generate(B5_N, B5_D, B5_H, B5_SEED)
    }
    /// LCG(seed): X (n*d) ~ U(-1,1); y (n) ~ U(0,1); W1 (h*d) ~ U(-0.5,0.5); b1 (h) ~ U(-0.1,0.1);
    /// W2 (h) ~ U(-0.5,0.5); b2 ~ U(-0.1,0.1). The drawn weights are the evaluation point.
    pub fn generate(n: usize, d: usize, h: usize, seed: u64) -> Self {
        let mut rng = Lcg::new(seed);
        let x = rng.uniform_vec(n * d, -1.0, 1.0);
        let y = rng.uniform_vec(n, 0.0, 1.0);
        let w1 = rng.uniform_vec(h * d, -0.5, 0.5);
        let b1 = rng.uniform_vec(h, -0.1, 0.1);
        let w2 = rng.uniform_vec(h, -0.5, 0.5);
        let b2 = rng.uniform(-0.1, 0.1);
        MlpProblem {
            n,
            d,
            h,
            x,
            y,
            w1,
            b1,
            w2,
            b2,
        }
    }
}

impl Default for MlpProblem {
    fn default() -> Self {
        Self::new()
    }
}

/// B5 plain: `(1/n) sum_i (sigmoid(sum_k W2_k sigmoid(sum_j W1_kj X_ij + b1_k) + b2) - y_i)^2`;
/// `h = b1.len()`, `d = w1.len() / h`, `n = y.len()`.
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

/// Hidden widths up to this size keep the per-sample buffers on the stack.
const MLP_STACK_H: usize = 64;

/// B5 hand-written gradient. Per sample: the `h` hidden pre-activations (computed four units at a
/// time, so four independent dot-product chains overlap; each still sums over `j` left to right),
/// the activations kept in a stack array, the output, then the backward pass through the output
/// and hidden layer accumulating into the out-parameters; everything is divided by `n` once at the
/// end. The value is bit-identical to [`mlp`].
pub fn mlp_grad_hand(
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
    let h = b1.len();
    assert!(h > 0 && w1.len().is_multiple_of(h));
    let d = w1.len() / h;
    assert!(d > 0 && w2.len() == h && x.len() == y.len() * d);
    assert!(d_w1.len() == w1.len() && d_b1.len() == h && d_w2.len() == h);
    d_w1.fill(0.0);
    d_b1.fill(0.0);
    d_w2.fill(0.0);
    let mut d_b2 = 0.0;
    let mut loss = 0.0;

    // Activations; the heap is used only for hidden layers wider than MLP_STACK_H.
    let mut stack = [0.0f64; MLP_STACK_H];
    let mut heap = Vec::new();
    let act: &mut [f64] = if h <= MLP_STACK_H {
        &mut stack[..h]
    } else {
        heap.resize(h, 0.0);
        &mut heap
    };

    for (xi, &yi) in x.chunks_exact(d).zip(y) {
        // Forward: pre-activations into `act`, four hidden units at a time.
        let mut w_blocks = w1.chunks_exact(4 * d);
        let mut a_blocks = act.chunks_exact_mut(4);
        for (wb, ab) in (&mut w_blocks).zip(&mut a_blocks) {
            let (w0, rest) = wb.split_at(d);
            let (wa, rest) = rest.split_at(d);
            let (wb2, w3) = rest.split_at(d);
            let mut a = [0.0f64; 4];
            for j in 0..d {
                let xj = xi[j];
                a[0] += w0[j] * xj;
                a[1] += wa[j] * xj;
                a[2] += wb2[j] * xj;
                a[3] += w3[j] * xj;
            }
            ab.copy_from_slice(&a);
        }
        for (wk, ak) in w_blocks
            .remainder()
            .chunks_exact(d)
            .zip(a_blocks.into_remainder())
        {
            let mut a = 0.0;
            for (wkj, xij) in wk.iter().zip(xi) {
                a += wkj * xij;
            }
            *ak = a;
        }
        let mut out = 0.0;
        for (sk, (&b1k, &w2k)) in act.iter_mut().zip(b1.iter().zip(w2)) {
            let s = 1.0 / (1.0 + (-(*sk + b1k)).exp());
            *sk = s;
            out += w2k * s;
        }
        let yhat = 1.0 / (1.0 + (-(out + b2)).exp());
        let r = yhat - yi;
        loss += r * r;

        // Backward.
        let g_out = 2.0 * r * yhat * (1.0 - yhat);
        d_b2 += g_out;
        for (((g_w1k, g_b1k), g_w2k), (&sk, &w2k)) in d_w1
            .chunks_exact_mut(d)
            .zip(d_b1.iter_mut())
            .zip(d_w2.iter_mut())
            .zip(act.iter().zip(w2))
        {
            *g_w2k += g_out * sk;
            let g_a = g_out * w2k * sk * (1.0 - sk);
            *g_b1k += g_a;
            for (g, xij) in g_w1k.iter_mut().zip(xi) {
                *g += g_a * xij;
            }
        }
    }

    let nf = y.len() as f64;
    for g in d_w1
        .iter_mut()
        .chain(d_b1.iter_mut())
        .chain(d_w2.iter_mut())
    {
        *g /= nf;
    }
    (loss / nf, [d_b2 / nf])
}

impl MlpProblem {
    /// Splits flat parameters `[W1 (h*d), b1 (h), W2 (h), b2]` into their parts.
    pub fn split<'a, T>(&self, p: &'a [T]) -> (&'a [T], &'a [T], &'a [T], &'a T) {
        let (w1, rest) = p.split_at(self.h * self.d);
        let (b1, rest) = rest.split_at(self.h);
        let (w2, rest) = rest.split_at(self.h);
        assert_eq!(rest.len(), 1);
        (w1, b1, w2, &rest[0])
    }
}

impl Problem for MlpProblem {
    const NAME: &'static str = "B5 mlp";
    /// `[W1 (h*d), b1 (h), W2 (h), b2]`.
    fn params(&self) -> Vec<f64> {
        let mut p = Vec::with_capacity(self.h * self.d + 2 * self.h + 1);
        p.extend_from_slice(&self.w1);
        p.extend_from_slice(&self.b1);
        p.extend_from_slice(&self.w2);
        p.push(self.b2);
        p
    }
    fn value_flat(&self, p: &[f64]) -> f64 {
        let (w1, b1, w2, &b2) = self.split(p);
        mlp(w1, b1, w2, b2, &self.x, &self.y)
    }
    fn grad_hand_flat(&self, p: &[f64], g: &mut [f64]) -> f64 {
        let (w1, b1, w2, &b2) = self.split(p);
        let (g_w1, rest) = g.split_at_mut(self.h * self.d);
        let (g_b1, rest) = rest.split_at_mut(self.h);
        let (g_w2, rest) = rest.split_at_mut(self.h);
        let (f, [g_b2]) = mlp_grad_hand(w1, b1, w2, b2, &self.x, &self.y, g_w1, g_b1, g_w2);
        rest[0] = g_b2;
        f
    }
}

// ---------------------------------------------------------------------------------------------
// B6 rnn
// ---------------------------------------------------------------------------------------------

/// B6 size.
pub const B6_T: usize = 10_000;
pub const B6_SEED: u64 = 45;

/// B6: scalar tanh RNN over a sequence, sum of squared errors.
#[derive(Clone, Debug)]
pub struct RnnProblem {
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    pub a: f64,
    pub u: f64,
    pub c: f64,
}

impl RnnProblem {
    pub fn new() -> Self {
        Self::generate(B6_T, B6_SEED)
    }
    /// LCG(seed): x (T) ~ U(-1,1); y (T) ~ U(-0.5,0.5). Evaluated at a = 0.8, u = 0.6, c = -0.1.
    pub fn generate(t: usize, seed: u64) -> Self {
        let mut rng = Lcg::new(seed);
        let x = rng.uniform_vec(t, -1.0, 1.0);
        let y = rng.uniform_vec(t, -0.5, 0.5);
        RnnProblem {
            x,
            y,
            a: 0.8,
            u: 0.6,
            c: -0.1,
        }
    }
}

impl Default for RnnProblem {
    fn default() -> Self {
        Self::new()
    }
}

/// B6 plain: `h_0 = 0`, `h_t = tanh(a h_{t-1} + u x_t + c)`, `L = sum_t (h_t - y_t)^2`.
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

/// B6 hand-written gradient, single pass without storage: with only three parameters the cheapest
/// exact method is to carry the tangents `dh/da, dh/du, dh/dc` forward alongside `h`
/// (`dh_t/dp = (1 - h_t^2) (d(pre_t)/dp)`, `d(pre_t)/da = h_{t-1} + a dh_{t-1}/da`, ...).
pub fn rnn_grad_hand(a: f64, u: f64, c: f64, x: &[f64], y: &[f64]) -> (f64, [f64; 3]) {
    assert_eq!(x.len(), y.len());
    let mut h = 0.0;
    let (mut h_a, mut h_u, mut h_c) = (0.0, 0.0, 0.0);
    let mut loss = 0.0;
    let (mut g_a, mut g_u, mut g_c) = (0.0, 0.0, 0.0);
    for (&xt, &yt) in x.iter().zip(y) {
        let p_a = h + a * h_a;
        let p_u = xt + a * h_u;
        let p_c = 1.0 + a * h_c;
        h = (a * h + u * xt + c).tanh();
        let dt = 1.0 - h * h;
        h_a = dt * p_a;
        h_u = dt * p_u;
        h_c = dt * p_c;
        let r = h - yt;
        loss += r * r;
        let r2 = 2.0 * r;
        g_a += r2 * h_a;
        g_u += r2 * h_u;
        g_c += r2 * h_c;
    }
    (loss, [g_a, g_u, g_c])
}

/// B6 hand-written reverse-mode (adjoint / BPTT) gradient: the forward pass stores the hidden
/// states in one `Vec` allocated per call, the backward pass runs the adjoint recursion. This is
/// the shape of code a reverse-mode generator produces; kept for comparison with [`rnn_grad_hand`].
pub fn rnn_grad_hand_reverse(a: f64, u: f64, c: f64, x: &[f64], y: &[f64]) -> (f64, [f64; 3]) {
    let t_len = x.len();
    assert_eq!(t_len, y.len());
    // hs[t] = h_t for t = 0..=T (h_0 = 0).
    let mut hs = Vec::with_capacity(t_len + 1);
    hs.push(0.0);
    let mut h = 0.0;
    let mut loss = 0.0;
    for (&xt, &yt) in x.iter().zip(y) {
        h = (a * h + u * xt + c).tanh();
        hs.push(h);
        let r = h - yt;
        loss += r * r;
    }
    let (mut g_a, mut g_u, mut g_c) = (0.0, 0.0, 0.0);
    let mut g_h = 0.0; // adjoint of h_t flowing back from step t + 1
    for t in (0..t_len).rev() {
        let ht = hs[t + 1];
        let g_pre = (g_h + 2.0 * (ht - y[t])) * (1.0 - ht * ht);
        g_a += g_pre * hs[t];
        g_u += g_pre * x[t];
        g_c += g_pre;
        g_h = g_pre * a;
    }
    (loss, [g_a, g_u, g_c])
}

impl Problem for RnnProblem {
    const NAME: &'static str = "B6 rnn";
    /// `[a, u, c]`.
    fn params(&self) -> Vec<f64> {
        vec![self.a, self.u, self.c]
    }
    fn value_flat(&self, p: &[f64]) -> f64 {
        rnn(p[0], p[1], p[2], &self.x, &self.y)
    }
    fn grad_hand_flat(&self, p: &[f64], g: &mut [f64]) -> f64 {
        let (f, d) = rnn_grad_hand(p[0], p[1], p[2], &self.x, &self.y);
        g.copy_from_slice(&d);
        f
    }
}
