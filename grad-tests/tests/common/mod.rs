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
        prop_assert!(
            (grad[k] - d).abs() <= RTOL * (1.0 + d.abs() + value.abs()),
            "{what} at {p:?}: d[{k}] = {:e}, finite difference {d:e} (full gradient {grad:?})",
            grad[k]
        );
    }
    Ok(())
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
