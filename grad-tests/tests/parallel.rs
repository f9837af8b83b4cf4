//! `#[gradient(parallel)]`: each loss is defined twice from one body, once with `parallel` and
//! once without (its serial twin), and the parallel gradient is compared, in rayon pools of 1, 2
//! and 4 threads, with the twin's (1e-12 relative to the largest component in f64, 1e-4 in f32),
//! with central finite differences, and with itself (repeated calls give the same bits). One
//! thread, or a loop shorter than `min_len`, gives the serial result bit for bit.

// The losses spell their sums in each form the split accepts (`acc = acc + e`, index loops),
// and the harness passes gradient functions by their types.
#![allow(
    clippy::assign_op_pattern,
    clippy::needless_range_loop,
    clippy::type_complexity
)]

use grad::gradient;

/// The two functions of one body: `$par` with `parallel(min_len = 8)` (so that small data is
/// split), `$ser` without.
macro_rules! twins {
    ($(#[doc = $doc:literal])* [$($args:tt)*] fn $par:ident / $ser:ident ($($params:tt)*) -> $ret:ty $body:block) => {
        $(#[doc = $doc])*
        #[gradient($($args)* parallel(min_len = 8))]
        fn $par($($params)*) -> $ret $body

        #[gradient($($args)*)]
        fn $ser($($params)*) -> $ret $body
    };
}

// ---------------------------------------------------------------------------------------------
// The losses.

twins! {
    /// Least squares over `for i in 0..n`, the form of the benchmarks.
    [wrt(w),] fn linreg / linreg_s(w: &[f64], x: &[f64], y: &[f64]) -> f64 {
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
}

twins! {
    /// The same in `f32`.
    [wrt(w),] fn linreg32 / linreg32_s(w: &[f32], x: &[f32], y: &[f32]) -> f32 {
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
}

/// Least squares with the estimated threshold (no `min_len`).
#[gradient(wrt(w), parallel)]
fn linreg_default(w: &[f64], x: &[f64], y: &[f64]) -> f64 {
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

twins! {
    /// Logistic regression over rows and labels zipped, a scalar parameter, a mean after the loop.
    [wrt(w, b),] fn logreg_zip / logreg_zip_s(w: &[f64], b: f64, x: &[f64], y: &[f64]) -> f64 {
        let d = w.len();
        let mut loss = 0.0;
        for (row, &t) in x.chunks_exact(d).zip(y) {
            let mut z = b;
            for j in 0..d {
                z += row[j] * w[j];
            }
            loss += z.exp().ln_1p() - t * z;
        }
        loss / y.len() as f64
    }
}

twins! {
    /// `.iter().enumerate()`, the index reading another slice; `acc = acc + e`.
    [wrt(w),] fn enumerated / enumerated_s(w: &[f64], x: &[f64], y: &[f64]) -> f64 {
        let mut loss = 0.0;
        for (i, &yi) in y.iter().enumerate() {
            let r = w[0] * x[i] + w[1] * x[i] * x[i] - yi;
            loss = loss + r * r;
        }
        loss
    }
}

twins! {
    /// `for p in pts` over constant pairs, `acc -= e`, and `continue` skipping points.
    [wrt(w),] fn pairs / pairs_s(w: &[f64], pts: &[(f64, f64)]) -> f64 {
        let mut loss = 1.0;
        for p in pts {
            if p.0 > 0.9 {
                continue;
            }
            loss -= (w[0] * p.0 + w[1] - p.1).cos();
        }
        loss
    }
}

twins! {
    /// An inclusive range that does not start at 0, over the differentiated slice itself.
    [] fn smooth / smooth_s(x: &[f64]) -> f64 {
        let n = x.len();
        let mut s = 0.0;
        for i in 1..=n - 2 {
            s += (x[i + 1] - 2.0 * x[i] + x[i - 1]).powi(2) * (1.0 + x[i].sin());
        }
        s
    }
}

twins! {
    /// Two accumulators and a nonlinear use of both after the loop (a standard deviation).
    [wrt(w),] fn spread / spread_s(w: &[f64], x: &[f64], y: &[f64]) -> f64 {
        let n = y.len() as f64;
        let mut s = 0.0;
        let mut q = 0.0;
        for i in 0..y.len() {
            let r = y[i] - w[0] * x[i] - w[1];
            s += r;
            q = q + r * r;
        }
        let m = s / n;
        (q / n - m * m).sqrt() + 0.1 * m.abs()
    }
}

twins! {
    /// A differentiated local computed before the loop and read in it, an accumulator that
    /// starts at a differentiated value, an early return before the loop, `sqrt` after it.
    [wrt(w, b),] fn pre_local / pre_local_s(w: &[f64], b: f64, x: &[f64], y: &[f64]) -> f64 {
        if y.is_empty() {
            return b * b;
        }
        let scale = w[0].exp() + b * b;
        let mut loss = b.abs();
        for i in 0..y.len() {
            loss += (scale * x[i] - y[i] + w[1]).powi(2);
        }
        (loss / y.len() as f64).sqrt()
    }
}

/// The logistic function, differentiated once and called per data point.
#[gradient]
fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

twins! {
    /// A loop body calling another `#[gradient]` function; scalars only (a `(T, [T; 2])` result).
    [wrt(a, c),] fn calls_helper / calls_helper_s(a: f64, c: f64, x: &[f64], y: &[f64]) -> f64 {
        let mut loss = 0.0;
        for i in 0..x.len() {
            let p = sigmoid(a * x[i] + c);
            loss -= y[i] * p.ln() + (1.0 - y[i]) * (1.0 - p).ln();
        }
        loss / x.len() as f64
    }
}

twins! {
    /// A fixed-size array of parameters and a scalar taken by reference.
    [wrt(w, s),] fn array_params / array_params_s(w: &[f64; 3], s: &f64, x: &[f64]) -> f64 {
        let mut acc = 0.0;
        for &v in x.iter().rev() {
            acc += (w[0] + w[1] * v + w[2] * v * v - *s).tanh();
        }
        acc * acc
    }
}

twins! {
    /// `(a..b).step_by(k)`, and a local buffer iterated by reference, read in the split loop.
    [wrt(w),] fn stepped / stepped_s(w: &[f64], x: &[f64]) -> f64 {
        let scaled: Vec<f64> = x.iter().map(|v| 2.0 * v).collect();
        let mut s = 0.0;
        for i in (0..x.len()).step_by(3) {
            s += (w[0] * scaled[i] + w[1]).powi(2);
        }
        s
    }
}

twins! {
    /// A local buffer of data iterated as `&v`.
    [wrt(w),] fn local_ref / local_ref_s(w: &[f64], x: &[f64]) -> f64 {
        let v: Vec<f64> = x.iter().map(|a| a * a).collect();
        let mut s = 0.0;
        for a in &v {
            s += (w[0] - a).powi(2) * w[1];
        }
        s
    }
}

/// Generic over the float type.
#[gradient(parallel(min_len = 8))]
fn generic<T: grad::Real>(w: &[T], x: &[T]) -> T {
    let mut s = T::zero();
    for i in 0..x.len() {
        s = s + (w[0] * x[i] - w[1]).powi(2);
    }
    s.sqrt()
}

#[gradient]
fn generic_s<T: grad::Real>(w: &[T], x: &[T]) -> T {
    let mut s = T::zero();
    for i in 0..x.len() {
        s = s + (w[0] * x[i] - w[1]).powi(2);
    }
    s.sqrt()
}

/// Forward mode beside `parallel`: `NAME_jvp` stays serial.
#[gradient(wrt(w), jvp, parallel(min_len = 8))]
fn with_jvp(w: &[f64], x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += (w[0] * x[i]).sin() * w[1];
    }
    s
}

/// Second order beside `parallel`: `NAME_hvp` stays serial.
#[gradient(wrt(w), hvp, parallel(min_len = 8))]
fn with_hvp(w: &[f64], x: &[f64]) -> f64 {
    let mut s = 0.0;
    for v in x {
        s += (w[0] * v).powi(3) + w[1] * w[0] * v;
    }
    s
}

/// Data read through `&self`, the parameters differentiated.
struct Dataset {
    x: Vec<f64>,
    y: Vec<f64>,
}

impl Dataset {
    /// `for .. in &self.field`.
    #[gradient(wrt(w), parallel(min_len = 8))]
    fn loss(&self, w: &[f64]) -> f64 {
        let mut l = 0.0;
        for x in &self.x {
            l += (w[0] * x + w[1] - x * x).powi(2);
        }
        l + self.y.len() as f64
    }

    #[gradient(wrt(w))]
    fn loss_s(&self, w: &[f64]) -> f64 {
        let mut l = 0.0;
        for x in &self.x {
            l += (w[0] * x + w[1] - x * x).powi(2);
        }
        l + self.y.len() as f64
    }

    /// An associated function (the hidden functions nest in `assoc_grad`).
    #[gradient(wrt(w), parallel(min_len = 8))]
    fn assoc(w: &[f64], x: &[f64]) -> f64 {
        let mut l = 0.0;
        for v in x {
            l += (w[0] - v).powi(2);
        }
        l
    }

    #[gradient]
    fn square(z: f64) -> f64 {
        z * z
    }

    /// An associated function calling another through `Self::` (the hidden functions are its
    /// siblings).
    #[gradient(wrt(w), parallel(min_len = 8))]
    fn assoc_self(w: &[f64], x: &[f64]) -> f64 {
        let mut l = 0.0;
        for v in x {
            l += Self::square(w[0] - v);
        }
        l
    }
}

// ---------------------------------------------------------------------------------------------
// The harness.

/// A 64-bit LCG in `[lo, hi)`.
struct Lcg(u64);

impl Lcg {
    fn new(seed: u64) -> Self {
        Lcg(seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407))
    }
    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        lo + (hi - lo) * ((self.0 >> 11) as f64 / (1u64 << 53) as f64)
    }
    fn vec(&mut self, n: usize, lo: f64, hi: f64) -> Vec<f64> {
        (0..n).map(|_| self.uniform(lo, hi)).collect()
    }
}

fn pool<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> R {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

/// Value and flat gradient.
type Vg = (f64, Vec<f64>);

fn bits(v: &Vg) -> Vec<u64> {
    std::iter::once(v.0.to_bits())
        .chain(v.1.iter().map(|g| g.to_bits()))
        .collect()
}

/// The central difference of `f` at `p` along each coordinate, with steps `h` (relative).
fn fd(f: &dyn Fn(&[f64]) -> f64, p: &[f64], h: f64) -> Vec<f64> {
    (0..p.len())
        .map(|k| {
            let h = h * p[k].abs().max(1.0);
            let (mut a, mut b) = (p.to_vec(), p.to_vec());
            a[k] += h;
            b[k] -= h;
            (f(&a) - f(&b)) / (a[k] - b[k])
        })
        .collect()
}

/// `par` against `serial` (relative `rel` of the largest component), against finite differences
/// of `f` at `p`, and against itself, in pools of 1, 2 and 4 threads; with one thread bit for bit.
fn check(
    what: &str,
    rel: f64,
    par: &(dyn Fn() -> Vg + Sync),
    serial: &(dyn Fn() -> Vg + Sync),
    f: &dyn Fn(&[f64]) -> f64,
    p: &[f64],
) {
    let want = serial();
    let scale = want
        .1
        .iter()
        .fold(0.0f64, |m, g| m.max(g.abs()))
        .max(1e-300);
    assert_eq!(
        bits(&pool(1, par)),
        bits(&want),
        "{what}: one thread is the serial gradient bit for bit"
    );
    for threads in [2, 4] {
        let got = pool(threads, par);
        assert_eq!(
            bits(&got),
            bits(&pool(threads, par)),
            "{what}: not deterministic with {threads} threads"
        );
        assert!(
            (got.0 - want.0).abs() <= rel * want.0.abs().max(1e-300),
            "{what} ({threads} threads): value {} vs serial {}",
            got.0,
            want.0
        );
        for (k, (a, b)) in got.1.iter().zip(&want.1).enumerate() {
            assert!(
                (a - b).abs() <= rel * scale,
                "{what} ({threads} threads): d[{k}] = {a:e} vs serial {b:e}"
            );
        }
    }
    let got = pool(2, par);
    let value = f(p);
    assert!(
        (got.0 - value).abs() <= rel * value.abs().max(1e-300),
        "{what}: value {} vs the function's {value}",
        got.0
    );
    // f32 (`rel` 1e-4): a step near cbrt(ε), and a looser comparison.
    let (h, fd_tol) = if rel > 1e-8 {
        (5e-3, 1e-2)
    } else {
        (1e-6, 1e-6)
    };
    let diffs = fd(f, p, h);
    for (k, (a, d)) in got.1.iter().zip(&diffs).enumerate() {
        assert!(
            (a - d).abs() <= fd_tol * (1.0 + d.abs()),
            "{what}: d[{k}] = {a:e}, finite difference {d:e}"
        );
    }
}

const REL: f64 = 1e-12;

fn regression_data(n: usize, d: usize, seed: u64) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let mut r = Lcg::new(seed);
    let x = r.vec(n * d, -1.0, 1.0);
    let y = r.vec(n, -1.0, 1.0);
    let w = r.vec(d, -0.5, 0.5);
    (w, x, y)
}

// ---------------------------------------------------------------------------------------------
// The tests.

#[test]
fn range_loop_f64() {
    let (w, x, y) = regression_data(1000, 5, 1);
    let run = |g: fn(&[f64], &[f64], &[f64], &mut [f64]) -> f64| {
        let mut d = vec![f64::NAN; w.len()];
        let v = g(&w, &x, &y, &mut d);
        (v, d)
    };
    check(
        "linreg",
        REL,
        &|| run(linreg_grad),
        &|| run(linreg_s_grad),
        &|p| linreg(p, &x, &y),
        &w,
    );
}

#[test]
fn range_loop_f32() {
    let (w, x, y) = regression_data(1000, 5, 2);
    let f32s = |v: &[f64]| v.iter().map(|&a| a as f32).collect::<Vec<f32>>();
    let (w, x, y) = (f32s(&w), f32s(&x), f32s(&y));
    let run = |g: fn(&[f32], &[f32], &[f32], &mut [f32]) -> f32| {
        let mut d = vec![f32::NAN; w.len()];
        let v = g(&w, &x, &y, &mut d);
        (f64::from(v), d.iter().map(|&a| f64::from(a)).collect())
    };
    let w64: Vec<f64> = w.iter().map(|&a| f64::from(a)).collect();
    check(
        "linreg32",
        1e-4,
        &|| run(linreg32_grad),
        &|| run(linreg32_s_grad),
        &|p| f64::from(linreg32(&f32s(p), &x, &y)),
        &w64,
    );
}

#[test]
fn estimated_threshold() {
    // Short: serial, bit for bit. Long (20 000 rows): split with two threads or more.
    for n in [50, 20_000] {
        let (w, x, y) = regression_data(n, 4, 3);
        let run = |g: fn(&[f64], &[f64], &[f64], &mut [f64]) -> f64| {
            let mut d = vec![0.0; w.len()];
            let v = g(&w, &x, &y, &mut d);
            (v, d)
        };
        let par = pool(4, || run(linreg_default_grad));
        let ser = run(linreg_s_grad);
        if n == 50 {
            assert_eq!(bits(&par), bits(&ser));
        }
        check(
            "linreg_default",
            REL,
            &|| run(linreg_default_grad),
            &|| run(linreg_s_grad),
            &|p| linreg(p, &x, &y),
            &w,
        );
    }
}

#[test]
fn below_min_len_is_the_serial_gradient() {
    // 7 rows < min_len = 8: serial even with 4 threads.
    let (w, x, y) = regression_data(7, 3, 4);
    let run = |g: fn(&[f64], &[f64], &[f64], &mut [f64]) -> f64| {
        let mut d = vec![0.0; w.len()];
        let v = g(&w, &x, &y, &mut d);
        (v, d)
    };
    assert_eq!(
        bits(&pool(4, || run(linreg_grad))),
        bits(&run(linreg_s_grad))
    );
    assert_eq!(pool(4, || run(linreg_grad)).0, linreg(&w, &x, &y));
}

#[test]
fn zipped_chunks_and_a_scalar() {
    let (w, x, y) = regression_data(600, 4, 5);
    let y: Vec<f64> = y.iter().map(|v| f64::from(u8::from(*v > 0.0))).collect();
    let b = 0.1;
    let run = |g: fn(&[f64], f64, &[f64], &[f64], &mut [f64]) -> (f64, [f64; 1])| {
        let mut d = vec![0.0; w.len()];
        let (v, [db]) = g(&w, b, &x, &y, &mut d);
        d.push(db);
        (v, d)
    };
    let mut p = w.clone();
    p.push(b);
    check(
        "logreg_zip",
        REL,
        &|| run(logreg_zip_grad),
        &|| run(logreg_zip_s_grad),
        &|p| logreg_zip(&p[..4], p[4], &x, &y),
        &p,
    );
}

#[test]
fn enumerate_and_pairs() {
    let (_, x, y) = regression_data(500, 1, 6);
    let w = [0.3, -0.2];
    let run = |g: fn(&[f64], &[f64], &[f64], &mut [f64]) -> f64| {
        let mut d = vec![0.0; 2];
        let v = g(&w, &x, &y, &mut d);
        (v, d)
    };
    check(
        "enumerated",
        REL,
        &|| run(enumerated_grad),
        &|| run(enumerated_s_grad),
        &|p| enumerated(p, &x, &y),
        &w,
    );
    let pts: Vec<(f64, f64)> = x.iter().copied().zip(y.iter().copied()).collect();
    let run = |g: fn(&[f64], &[(f64, f64)], &mut [f64]) -> f64| {
        let mut d = vec![0.0; 2];
        let v = g(&w, &pts, &mut d);
        (v, d)
    };
    check(
        "pairs",
        REL,
        &|| run(pairs_grad),
        &|| run(pairs_s_grad),
        &|p| pairs(p, &pts),
        &w,
    );
}

#[test]
fn step_by_and_local_buffers() {
    let x = Lcg::new(16).vec(400, -1.0, 1.0);
    let w = [0.3, 0.9];
    for (name, g, s, f) in [
        (
            "stepped",
            stepped_grad as fn(&[f64], &[f64], &mut [f64]) -> f64,
            stepped_s_grad as fn(&[f64], &[f64], &mut [f64]) -> f64,
            stepped as fn(&[f64], &[f64]) -> f64,
        ),
        ("local_ref", local_ref_grad, local_ref_s_grad, local_ref),
    ] {
        let run = |g: fn(&[f64], &[f64], &mut [f64]) -> f64| {
            let mut d = vec![0.0; 2];
            let v = g(&w, &x, &mut d);
            (v, d)
        };
        check(name, REL, &|| run(g), &|| run(s), &|p| f(p, &x), &w);
    }
}

#[test]
fn inclusive_range_over_the_parameters() {
    let x = Lcg::new(7).vec(300, -1.0, 1.0);
    let run = |g: fn(&[f64], &mut [f64]) -> f64| {
        let mut d = vec![0.0; x.len()];
        let v = g(&x, &mut d);
        (v, d)
    };
    check(
        "smooth",
        REL,
        &|| run(smooth_grad),
        &|| run(smooth_s_grad),
        &smooth,
        &x,
    );
}

#[test]
fn two_accumulators_and_a_nonlinear_end() {
    let (_, x, y) = regression_data(400, 1, 8);
    let w = [0.7, 0.05];
    let run = |g: fn(&[f64], &[f64], &[f64], &mut [f64]) -> f64| {
        let mut d = vec![0.0; 2];
        let v = g(&w, &x, &y, &mut d);
        (v, d)
    };
    check(
        "spread",
        REL,
        &|| run(spread_grad),
        &|| run(spread_s_grad),
        &|p| spread(p, &x, &y),
        &w,
    );
}

#[test]
fn differentiated_local_before_the_loop() {
    let (_, x, y) = regression_data(300, 1, 9);
    let w = [0.2, -0.4];
    let b = -0.3;
    let run = |g: fn(&[f64], f64, &[f64], &[f64], &mut [f64]) -> (f64, [f64; 1]), y: &[f64]| {
        let mut d = vec![0.0; 2];
        let (v, [db]) = g(&w, b, &x, y, &mut d);
        d.push(db);
        (v, d)
    };
    check(
        "pre_local",
        REL,
        &|| run(pre_local_grad, &y),
        &|| run(pre_local_s_grad, &y),
        &|p| pre_local(&p[..2], p[2], &x, &y),
        &[w[0], w[1], b],
    );
    // The early return: no loop to split.
    assert_eq!(
        bits(&pool(2, || run(pre_local_grad, &[]))),
        bits(&run(pre_local_s_grad, &[]))
    );
}

#[test]
fn a_helper_called_in_the_loop() {
    let (_, x, y) = regression_data(500, 1, 10);
    let y: Vec<f64> = y.iter().map(|v| f64::from(u8::from(*v > 0.0))).collect();
    let run = |g: fn(f64, f64, &[f64], &[f64]) -> (f64, [f64; 2])| {
        let (v, g) = g(0.8, -0.1, &x, &y);
        (v, g.to_vec())
    };
    check(
        "calls_helper",
        REL,
        &|| run(calls_helper_grad),
        &|| run(calls_helper_s_grad),
        &|p| calls_helper(p[0], p[1], &x, &y),
        &[0.8, -0.1],
    );
}

#[test]
fn arrays_and_references() {
    let x = Lcg::new(11).vec(200, -1.0, 1.0);
    let w = [0.1, 0.2, -0.3];
    let s = 0.05;
    let run = |g: fn(&[f64; 3], &f64, &[f64], &mut [f64; 3]) -> (f64, [f64; 1])| {
        let mut d = [0.0; 3];
        let (v, [ds]) = g(&w, &s, &x, &mut d);
        let mut flat = d.to_vec();
        flat.push(ds);
        (v, flat)
    };
    check(
        "array_params",
        REL,
        &|| run(array_params_grad),
        &|| run(array_params_s_grad),
        &|p| array_params(&[p[0], p[1], p[2]], &p[3], &x),
        &[w[0], w[1], w[2], s],
    );
}

#[test]
fn generic_in_f32_and_f64() {
    let x = Lcg::new(12).vec(300, -1.0, 1.0);
    let w = [0.6, 0.1];
    let run = |g: fn(&[f64], &[f64], &mut [f64], &mut [f64]) -> f64| {
        let (mut dw, mut dx) = (vec![0.0; 2], vec![0.0; x.len()]);
        let v = g(&w, &x, &mut dw, &mut dx);
        dw.extend(dx);
        (v, dw)
    };
    let mut p = w.to_vec();
    p.extend(&x);
    check(
        "generic f64",
        REL,
        &|| run(generic_grad::<f64>),
        &|| run(generic_s_grad::<f64>),
        &|p| generic(&p[..2], &p[2..]),
        &p,
    );
    let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    let run32 = |g: fn(&[f32], &[f32], &mut [f32], &mut [f32]) -> f32| {
        let (mut dw, mut dx) = (vec![0.0; 2], vec![0.0; x32.len()]);
        let v = g(&[0.6, 0.1], &x32, &mut dw, &mut dx);
        dw.extend(dx);
        (f64::from(v), dw.iter().map(|&a| f64::from(a)).collect())
    };
    check(
        "generic f32",
        1e-4,
        &|| run32(generic_grad::<f32>),
        &|| run32(generic_s_grad::<f32>),
        &|p| {
            let p: Vec<f32> = p.iter().map(|&v| v as f32).collect();
            f64::from(generic(&p[..2], &p[2..]))
        },
        &p,
    );
}

#[test]
fn jvp_stays_serial_beside_parallel() {
    let x = Lcg::new(13).vec(100, -1.0, 1.0);
    let w = [0.4, 1.5];
    let mut d = [0.0; 2];
    let v = pool(2, || with_jvp_grad(&w, &x, &mut d));
    let (vj, t) = with_jvp_jvp(&w, &x, &[1.0, 0.0]);
    assert_eq!(vj, with_jvp(&w, &x));
    assert!((v - vj).abs() <= REL * vj.abs());
    assert!((t - d[0]).abs() <= REL * d[0].abs().max(d[1].abs()));
}

#[test]
fn hvp_stays_serial_beside_parallel() {
    let x = Lcg::new(17).vec(100, -1.0, 1.0);
    let w = [0.4, 1.5];
    let (mut d, mut dh, mut hv) = ([0.0; 2], [0.0; 2], [0.0; 2]);
    let v = pool(2, || with_hvp_grad(&w, &x, &mut d));
    let vh = with_hvp_hvp(&w, &x, &[1.0, 0.0], &mut dh, &mut hv);
    assert_eq!(vh, with_hvp(&w, &x));
    assert!((v - vh).abs() <= REL * vh.abs());
    for k in 0..2 {
        assert!((d[k] - dh[k]).abs() <= REL * dh[0].abs().max(dh[1].abs()));
    }
    // ∂²/∂w0² Σ (w0 v)³ = Σ 6 w0 v³; ∂²/∂w1∂w0 = Σ v.
    let h00: f64 = x.iter().map(|v| 6.0 * w[0] * v.powi(3)).sum();
    let h10: f64 = x.iter().sum();
    assert!((hv[0] - h00).abs() <= 1e-10 * (1.0 + h00.abs()));
    assert!((hv[1] - h10).abs() <= 1e-10 * (1.0 + h10.abs()));
}

#[test]
fn methods_and_associated_functions() {
    let (_, x, y) = regression_data(300, 1, 14);
    let data = Dataset { x, y };
    let w = [0.5, -0.5];
    let run = |method: bool| {
        let mut d = vec![0.0; 2];
        let v = if method {
            data.loss_grad(&w, &mut d)
        } else {
            data.loss_s_grad(&w, &mut d)
        };
        (v, d)
    };
    check(
        "method",
        REL,
        &|| run(true),
        &|| run(false),
        &|p| data.loss(p),
        &w,
    );
    let serial = |p: &[f64], x: &[f64]| -> Vg {
        // d/dw0 Σ (w0 - v)²
        let v = x.iter().map(|v| (p[0] - v).powi(2)).sum::<f64>();
        let g = x.iter().map(|v| 2.0 * (p[0] - v)).sum::<f64>();
        (v, vec![g])
    };
    for (name, g) in [
        (
            "assoc",
            Dataset::assoc_grad as fn(&[f64], &[f64], &mut [f64]) -> f64,
        ),
        ("assoc_self", Dataset::assoc_self_grad),
    ] {
        for threads in [1, 2, 4] {
            let mut d = vec![0.0; 1];
            let v = pool(threads, || g(&[0.25], &data.x, &mut d));
            let (want, gw) = serial(&[0.25], &data.x);
            assert!((v - want).abs() <= 1e-12 * want, "{name}: {v} vs {want}");
            assert!(
                (d[0] - gw[0]).abs() <= 1e-12 * gw[0].abs(),
                "{name}: {d:?} vs {gw:?}"
            );
        }
    }
}

#[test]
fn gradient_buffers_are_checked() {
    let (w, x, y) = regression_data(100, 3, 15);
    let mut short = vec![0.0; 2];
    let e = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        pool(2, || linreg_grad(&w, &x, &y, &mut short))
    }))
    .unwrap_err();
    let msg = e.downcast_ref::<String>().unwrap();
    assert!(
        msg.starts_with("linreg_grad: the gradient buffer `d_w` has length 2"),
        "{msg}"
    );
}
