//! Second order through custom derivative rules: `#[custom_gradient(hvp)]` derives a rule's
//! Hessian–vector product from the rule's own gradient, `#[custom_gradient(hvp = f)]` takes it
//! from a hand-written `f`; callers with `hvp` (and `NAME_hessian`) use it, scalar and slice rules,
//! free functions and models, f64 and f32. The tests `check(at(..))` generates also compare each
//! Hessian column with central differences of the gradient (`softplus_grad_check_0`, ...).

#![allow(clippy::many_single_char_names)]

use grad::{custom_gradient, gradient, Params};
use num_traits::Float;

fn softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

#[custom_gradient(hvp, check(at(-30.0), at(-1.5), at(0.0), at(2.0), at(40.0)))]
fn softplus_grad(x: f64) -> (f64, [f64; 1]) {
    (softplus(x), [1.0 / (1.0 + (-x).exp())])
}

/// Two differentiated parameters, one by reference, a constant among them, statements before
/// the pair the rule returns.
fn bump(x: f64, y: &f64, k: u32) -> f64 {
    (x * y).sin() * f64::from(k)
}

#[custom_gradient(hvp, check(at(0.3, &-0.8, 2), at(1.2, &0.5, 3)))]
fn bump_grad(x: f64, y: &f64, k: u32) -> (f64, [f64; 2]) {
    let c = (x * y).cos() * f64::from(k);
    (bump(x, y, k), [c * y, c * x])
}

/// log(eᵃ + eᵇ) with its Hessian `diag(p) − p pᵀ` written by hand.
fn lse2(a: f64, b: f64) -> f64 {
    let m = a.max(b);
    m + ((a - m).exp() + (b - m).exp()).ln()
}

#[custom_gradient(hvp = lse2_hvp, check(at(0.2, 0.5), at(-3.0, 4.0)))]
fn lse2_grad(a: f64, b: f64) -> (f64, [f64; 2]) {
    let v = lse2(a, b);
    (v, [(a - v).exp(), (b - v).exp()])
}

fn lse2_hvp(a: f64, b: f64, v_a: f64, v_b: f64) -> (f64, [f64; 2], [f64; 2]) {
    let (v, [pa, pb]) = lse2_grad(a, b);
    let pv = pa * v_a + pb * v_b;
    (v, [pa, pb], [pa * v_a - pa * pv, pb * v_b - pb * pv])
}

/// A rule of a slice with its second order by hand (`NAME_hvp`'s signature for slices).
fn log_sum_exp(x: &[f64]) -> f64 {
    let m = x.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v));
    m + x.iter().map(|v| (v - m).exp()).sum::<f64>().ln()
}

#[custom_gradient(hvp = log_sum_exp_hvp)]
fn log_sum_exp_grad(x: &[f64], d_x: &mut [f64]) -> f64 {
    let value = log_sum_exp(x);
    for (d, v) in d_x.iter_mut().zip(x) {
        *d = (v - value).exp();
    }
    value
}

fn log_sum_exp_hvp(x: &[f64], v_x: &[f64], d_x: &mut [f64], hv_x: &mut [f64]) -> f64 {
    let value = log_sum_exp_grad(x, d_x);
    let pv: f64 = d_x.iter().zip(v_x).map(|(p, v)| p * v).sum();
    for ((h, p), v) in hv_x.iter_mut().zip(d_x.iter()).zip(v_x) {
        *h = p * v - p * pv;
    }
    value
}

/// A generic rule, used in f32 and f64.
fn cube<T: Float>(x: T) -> T {
    x * x * x
}

#[custom_gradient(hvp, check(at(0.7), at(-2.0)))]
fn cube_grad<T: Float>(x: T) -> (T, [T; 1]) {
    let three = T::from(3.0).unwrap();
    (cube(x), [three * x * x])
}

#[gradient(hvp, check(at(0.4, -0.3), at(-1.0, 0.8)))]
fn loss(a: f64, b: f64) -> f64 {
    softplus(2.0 * a * b) + bump(a, &b, 2) * lse2(a, b * b) - softplus(-b)
}

#[gradient(hvp)]
fn on_slices(w: &[f64], s: f64) -> f64 {
    let z: Vec<f64> = w.iter().map(|wi| wi * s).collect();
    log_sum_exp(&z) + softplus(s * w[0]) + s * s
}

#[gradient(hvp)]
fn generic<T: Float>(w: T, u: T) -> T {
    cube(w * u) + cube(w) * u
}

#[derive(Params, Clone)]
struct Model {
    w: Vec<f64>,
    b: f64,
}

#[gradient(wrt(m), hvp)]
fn model_loss(m: &Model, x: &[f64]) -> f64 {
    let mut s = m.b;
    for (wi, xi) in m.w.iter().zip(x) {
        s += softplus(wi * xi);
    }
    s * s
}

/// `(H·v)ₖ` by central differences of a gradient given as a function of the point.
fn fd_hv(grad: &dyn Fn(&[f64]) -> Vec<f64>, p: &[f64], v: &[f64]) -> Vec<f64> {
    let h = 1e-5;
    let plus: Vec<f64> = p.iter().zip(v).map(|(a, b)| a + h * b).collect();
    let minus: Vec<f64> = p.iter().zip(v).map(|(a, b)| a - h * b).collect();
    let (gp, gm) = (grad(&plus), grad(&minus));
    gp.iter()
        .zip(&gm)
        .map(|(a, b)| (a - b) / (2.0 * h))
        .collect()
}

fn assert_close(got: &[f64], want: &[f64], tol: f64, what: &str) {
    assert_eq!(got.len(), want.len());
    let scale = 1.0 + want.iter().fold(0.0f64, |m, w| m.max(w.abs()));
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= tol * scale, "{what}[{k}]: {g} vs {w}");
    }
}

#[test]
fn derived_and_given_rules_in_a_hessian() {
    for (a, b) in [(0.4, -0.3), (1.5, 0.2), (-2.0, 1.1)] {
        let (v, g, h) = loss_hessian(a, b);
        assert_eq!(v.to_bits(), loss(a, b).to_bits());
        assert_eq!(g, loss_grad(a, b).1);
        let grad = |p: &[f64]| loss_grad(p[0], p[1]).1.to_vec();
        for (k, e) in [[1.0, 0.0], [0.0, 1.0]].iter().enumerate() {
            let want = fd_hv(&grad, &[a, b], e);
            assert_close(&h[k], &want, 1e-6, "column");
        }
        let (_, _, hv) = loss_hvp(a, b, 0.5, -2.0);
        let want = fd_hv(&grad, &[a, b], &[0.5, -2.0]);
        assert_close(&hv, &want, 1e-6, "H·v");
    }
}

#[test]
fn a_slice_rule_with_its_own_second_order() {
    let (w, s) = ([0.3, -0.2, 0.5], 1.3);
    let (v_w, v_s) = ([0.1, 0.4, -0.3], 0.7);
    let (mut d, mut hv) = ([0.0; 3], [0.0; 3]);
    let (value, g, h) = on_slices_hvp(&w, s, &v_w, v_s, &mut d, &mut hv);
    assert_eq!(value.to_bits(), on_slices(&w, s).to_bits());
    let grad = |p: &[f64]| {
        let mut d = [0.0; 3];
        let (_, g) = on_slices_grad(&p[..3], p[3], &mut d);
        vec![d[0], d[1], d[2], g[0]]
    };
    let got = [hv[0], hv[1], hv[2], h[0]];
    let want = fd_hv(
        &grad,
        &[w[0], w[1], w[2], s],
        &[v_w[0], v_w[1], v_w[2], v_s],
    );
    assert_close(&got, &want, 1e-6, "H·v");
    assert_close(
        &[d[0], d[1], d[2], g[0]],
        &grad(&[w[0], w[1], w[2], s]),
        1e-15,
        "gradient",
    );
}

#[test]
fn generic_rules_in_f32_and_f64() {
    let (w, u) = (0.3f64, -0.7f64);
    let (_, _, h) = generic_hessian(w, u);
    // f = w³u³ + w³u.
    let want = [
        [
            6.0 * w * u.powi(3) + 6.0 * w * u,
            9.0 * w * w * u * u + 3.0 * w * w,
        ],
        [9.0 * w * w * u * u + 3.0 * w * w, 6.0 * w.powi(3) * u],
    ];
    for r in 0..2 {
        assert_close(&h[r], &want[r], 1e-14, "f64 Hessian row");
    }
    let (_, _, h32) = generic_hessian(0.3f32, -0.7f32);
    for r in 0..2 {
        for c in 0..2 {
            #[allow(clippy::cast_possible_truncation)]
            let want = want[r][c] as f32;
            assert!((h32[r][c] - want).abs() <= 1e-5, "f32 [{r}][{c}]");
        }
    }
}

#[test]
fn a_model_calling_a_derived_rule() {
    let m = Model {
        w: vec![0.2, -0.4],
        b: 0.3,
    };
    let x = [1.0, 2.0];
    let v = Model {
        w: vec![1.0, 0.5],
        b: -0.2,
    };
    let (mut d, mut hv) = (m.zeros_like(), m.zeros_like());
    let value = model_loss_hvp(&m, &x, &v, &mut d, &mut hv);
    assert_eq!(value.to_bits(), model_loss(&m, &x).to_bits());
    let grad = |p: &[f64]| {
        let mm = Model {
            w: vec![p[0], p[1]],
            b: p[2],
        };
        let mut d = mm.zeros_like();
        model_loss_grad(&mm, &x, &mut d);
        vec![d.w[0], d.w[1], d.b]
    };
    let want = fd_hv(&grad, &[0.2, -0.4, 0.3], &[1.0, 0.5, -0.2]);
    assert_close(&[hv.w[0], hv.w[1], hv.b], &want, 1e-6, "H·v");
}
