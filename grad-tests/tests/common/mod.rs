//! The finite-difference harness shared by the loop and buffer test files: each function under
//! test is flattened to `&[f64] -> f64`, its value compared bit for bit with the original and each
//! gradient component with a central difference (h = cbrt(eps)·max(1, |x_k|)).

// Each test file uses the part of the harness it needs.
#![allow(dead_code)]

use proptest::prelude::*;

pub const RTOL: f64 = 1e-6;

pub type Flat<'a> = &'a dyn Fn(&[f64]) -> f64;

pub fn fd(f: Flat<'_>, p: &[f64], k: usize) -> f64 {
    let h = f64::EPSILON.cbrt() * p[k].abs().max(1.0);
    let (mut pp, mut pm) = (p.to_vec(), p.to_vec());
    pp[k] += h;
    pm[k] -= h;
    (f(&pp) - f(&pm)) / (pp[k] - pm[k])
}

/// The value is bit-equal to `f(p)` and each gradient component agrees with the central
/// difference.
pub fn check_flat(
    what: &str,
    p: &[f64],
    f: Flat<'_>,
    value: f64,
    grad: &[f64],
) -> Result<(), TestCaseError> {
    let want = f(p);
    prop_assert!(
        value == want || (value.is_nan() && want.is_nan()),
        "{what} at {p:?}: value {value:e} != original {want:e}"
    );
    prop_assert_eq!(grad.len(), p.len(), "{} gradient length", what);
    for k in 0..p.len() {
        let d = fd(f, p, k);
        let h = f64::EPSILON.cbrt() * p[k].abs().max(1.0);
        let along = |t: f64| {
            let mut q = p.to_vec();
            q[k] += t;
            f(&q)
        };
        prop_assert!(
            derivative_agrees(&along, h, grad[k], 1.0 + value.abs()),
            "{what} at {p:?}: d[{k}] = {:e}, finite difference {d:e} (full gradient {grad:?})",
            grad[k]
        );
    }
    Ok(())
}

/// Whether `d` is the derivative at 0 of `f`, a function of one variable, as central differences
/// of step `h` tell it within `RTOL · (scale + |difference|)`.
///
/// Two places where the plain central difference says nothing of the derivative are allowed for,
/// without weakening the check where the function is smooth (there every estimate below agrees
/// with the central difference far better than `RTOL`, so a wrong derivative still fails):
/// - a jump or kink within the step (`if v < 0.0 { continue; }` at `v` ≈ 0): the derivative is
///   that of the path taken, which a one-sided difference of second order on the side without
///   the jump measures;
/// - a steep stretch (`z.hypot(w)` with `z` and `w` near 0), where the step's truncation error
///   (`h²·f‴/6`) exceeds the tolerance: the difference at `h/2`, extrapolated (Richardson), is
///   compared, allowing for the error the two steps' disagreement estimates.
pub fn derivative_agrees(f: &dyn Fn(f64) -> f64, h: f64, d: f64, scale: f64) -> bool {
    let near = |want: f64, slack: f64| (d - want).abs() <= RTOL * (scale + want.abs()) + slack;
    let central = |h: f64| (f(h) - f(-h)) / (2.0 * h);
    let (c1, c2) = (central(h), central(h / 2.0));
    if near(c1, 0.0) || near((4.0 * c2 - c1) / 3.0, (c1 - c2).abs()) {
        return true;
    }
    let f0 = f(0.0);
    let right = (-3.0 * f0 + 4.0 * f(h) - f(2.0 * h)) / (2.0 * h);
    let left = (3.0 * f0 - 4.0 * f(-h) + f(-2.0 * h)) / (2.0 * h);
    near(right, 0.0) || near(left, 0.0)
}

pub fn dirty(n: usize) -> Vec<f64> {
    vec![f64::NAN; n]
}

pub fn cat(parts: &[&[f64]]) -> Vec<f64> {
    parts.concat()
}

/// Splits a flat vector into consecutive parts of the given lengths (the rest goes last).
pub fn split<'a>(p: &'a [f64], lens: &[usize]) -> Vec<&'a [f64]> {
    let mut out = Vec::new();
    let mut rest = p;
    for &n in lens {
        let (a, b) = rest.split_at(n);
        out.push(a);
        rest = b;
    }
    out.push(rest);
    out
}

pub type G1<'a> = &'a dyn Fn(&[f64], &mut [f64]) -> f64;
pub type F2<'a> = &'a dyn Fn(&[f64], &[f64]) -> f64;
pub type G2<'a> = &'a dyn Fn(&[f64], &[f64], &mut [f64], &mut [f64]) -> f64;
pub type FA<'a> = &'a dyn Fn(&[f64], f64) -> f64;
pub type GA<'a> = &'a dyn Fn(&[f64], f64, &mut [f64]) -> (f64, [f64; 1]);

/// One differentiated slice.
pub fn check1(what: &str, f: Flat<'_>, g: G1<'_>, x: &[f64]) -> Result<(), TestCaseError> {
    let mut dx = dirty(x.len());
    let v = g(x, &mut dx);
    check_flat(what, x, f, v, &dx)
}

/// Two differentiated slices.
pub fn check2(what: &str, f: F2<'_>, g: G2<'_>, x: &[f64], y: &[f64]) -> Result<(), TestCaseError> {
    let (mut dx, mut dy) = (dirty(x.len()), dirty(y.len()));
    let v = g(x, y, &mut dx, &mut dy);
    let n = x.len();
    let flat = |p: &[f64]| {
        let s = split(p, &[n]);
        f(s[0], s[1])
    };
    check_flat(what, &cat(&[x, y]), &flat, v, &cat(&[&dx, &dy]))
}

/// A differentiated slice and a differentiated scalar.
pub fn check_a(what: &str, f: FA<'_>, g: GA<'_>, x: &[f64], a: f64) -> Result<(), TestCaseError> {
    let mut dx = dirty(x.len());
    let (v, [da]) = g(x, a, &mut dx);
    let n = x.len();
    let flat = |p: &[f64]| f(&p[..n], p[n]);
    check_flat(what, &cat(&[x, &[a]]), &flat, v, &cat(&[&dx, &[da]]))
}

pub fn vals(len: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(-1.5f64..1.5, len)
}

/// Two slices of the same random length.
pub fn pair(max: usize) -> impl Strategy<Value = (Vec<f64>, Vec<f64>)> {
    (0..=max).prop_flat_map(|n| (vals(n..=n), vals(n..=n)))
}

pub fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 48,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Central differences of `f` at `p`, every component (h = cbrt(eps)·max(1, |p_k|)).
pub fn fd_all(f: Flat<'_>, p: &[f64]) -> Vec<f64> {
    (0..p.len()).map(|k| fd(f, p, k)).collect()
}

/// Second differences of `f` at `p` (h = 1e-4): its Hessian, row-major `n × n`.
pub fn fd_hessian(f: Flat<'_>, p: &[f64]) -> Vec<f64> {
    let (n, h) = (p.len(), 1e-4);
    let mut out = Vec::with_capacity(n * n);
    for i in 0..n {
        for j in 0..n {
            let at = |di: f64, dj: f64| {
                let mut q = p.to_vec();
                q[i] += di;
                q[j] += dj;
                f(&q)
            };
            out.push((at(h, h) - at(h, -h) - at(-h, h) + at(-h, -h)) / (4.0 * h * h));
        }
    }
    out
}

/// Each component of `got` within `RTOL` (relative to `1 + |want|`) of `want`.
pub fn close(what: &str, got: &[f64], want: &[f64]) {
    close_tol(what, got, want, RTOL);
}

/// Each component of `got` within `tol` (relative to `1 + |want|`) of `want`.
pub fn close_tol(what: &str, got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= tol * (1.0 + w.abs()),
            "{what}: component {k}: {g} vs {w}"
        );
    }
}

/// [`check_flat`] for a model: `g` fills a gradient that starts dirty (NaN), so a field the loss
/// never reads must come back zero; the finite differences run over the model's flat view.
pub fn check_model<P: grad::runtime::Params<Scalar = f64> + Clone>(
    what: &str,
    m: &P,
    f: impl Fn(&P) -> f64,
    g: impl Fn(&P, &mut P) -> f64,
) {
    let mut d = m.zeros_like();
    d.fill_params(f64::NAN);
    let value = g(m, &mut d);
    let flat = m.to_flat();
    let at = |p: &[f64]| f(&m.with_flat(p));
    check_flat(what, &flat, &at, value, &d.to_flat()).unwrap();
}

/// `NAME_jvp`'s value `vj` and directional derivative `dj` along `t`, against `NAME_grad`'s
/// value `v` (bit for bit) and gradient `d` (the dot product with `t`).
pub fn jvp_agrees(what: &str, (v, d): (f64, &[f64]), t: &[f64], (vj, dj): (f64, f64)) {
    assert_eq!(vj.to_bits(), v.to_bits(), "{what}: the value of the jvp");
    let want: f64 = d.iter().zip(t).map(|(a, b)| a * b).sum();
    assert!(
        (dj - want).abs() < 1e-12 * (1.0 + want.abs()),
        "{what}: the jvp {dj:e} against the gradient along the tangent {want:e}"
    );
}

/// `NAME_grad` at `p` (its buffer filled with NaN first, so a component it leaves unwritten
/// shows) against `NAME` and central differences (see [`check_flat`]).
pub fn check(what: &str, f: Flat<'_>, g: &dyn Fn(&[f64], &mut [f64]) -> f64, p: &[f64]) {
    let mut d = vec![f64::NAN; p.len()];
    let v = g(p, &mut d);
    check_flat(what, p, f, v, &d).unwrap();
}
