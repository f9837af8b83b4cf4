//! Custom derivative rules (`#[custom_gradient]` on a hand-written `NAME_grad`) used by
//! `#[gradient]` code in reverse and forward mode, and the tests `check(at(..))` generates (they
//! run as part of this file's tests: `softplus_grad_check_0`, `loss_grad_check_0`, ...), at
//! points of scalars and of slices (literals and `random(n)`).

#![allow(clippy::needless_range_loop)]

use grad::{custom_gradient, gradient};

/// log(1 + eˣ) without overflow; its derivative, the logistic function, written by hand.
fn softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

#[custom_gradient(check(at(-30.0), at(-1.5), at(0.0), at(2.0), at(700.0)))]
fn softplus_grad(x: f64) -> (f64, [f64; 1]) {
    (softplus(x), [1.0 / (1.0 + (-x).exp())])
}

/// A function of a slice whose rule fills a gradient buffer, as `NAME_grad` would:
/// log Σ eˣ, shifted by the maximum.
fn log_sum_exp(x: &[f64]) -> f64 {
    let m = x.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v));
    m + x.iter().map(|v| (v - m).exp()).sum::<f64>().ln()
}

#[custom_gradient(check(at(random(5)), at(&[1.0, -2.0, 0.5])))]
fn log_sum_exp_grad(x: &[f64], d_x: &mut [f64]) -> f64 {
    let value = log_sum_exp(x);
    for (d, v) in d_x.iter_mut().zip(x) {
        *d = (v - value).exp();
    }
    value
}

/// The same kind of rule written with the tuple every rule of scalars returns, `(value, [])`.
fn norm(v: &[f64]) -> f64 {
    v.iter().map(|a| a * a).sum::<f64>().sqrt()
}

#[custom_gradient(check(at(&[1.0, 2.0]), at(random(3))))]
fn norm_grad(v: &[f64], d_v: &mut [f64]) -> (f64, [f64; 0]) {
    let n = norm(v);
    for (d, a) in d_v.iter_mut().zip(v) {
        *d = a / n;
    }
    (n, [])
}

#[gradient(check(at(&[3.0, 4.0])))]
fn scaled_norm(x: &[f64]) -> f64 {
    norm(x) * 2.0
}

/// A rule with a constant parameter among the scalars: `scale` is not differentiated (table 0).
fn clipped(x: f64, limit: u32) -> f64 {
    x.clamp(-f64::from(limit), f64::from(limit))
}

#[custom_gradient(check(at(0.5, 2), at(-0.25, 1)))]
fn clipped_grad(x: f64, limit: u32) -> (f64, [f64; 1]) {
    let inside = x.abs() < f64::from(limit);
    (clipped(x, limit), [if inside { 1.0 } else { 0.0 }])
}

#[gradient(jvp, check(at(0.3, -0.7), at(2.0, 1.0)))]
fn loss(a: f64, b: f64) -> f64 {
    softplus(a * b) + clipped(a - b, 3) * softplus(-b)
}

#[gradient(jvp, check(at(&[0.5, -1.0, 2.0], 0.7), at(random(4), -0.3)))]
fn classifier(w: &[f64], x: f64) -> f64 {
    let mut logits = vec![0.0; w.len()];
    for (k, l) in logits.iter_mut().enumerate() {
        *l = w[k] * x + k as f64;
    }
    let target = logits[0];
    log_sum_exp(&logits) - target + log_sum_exp(w)
}

fn fd(f: &dyn Fn(&[f64]) -> f64, p: &[f64], k: usize) -> f64 {
    let h = f64::EPSILON.cbrt() * p[k].abs().max(1.0);
    let (mut a, mut b) = (p.to_vec(), p.to_vec());
    a[k] += h;
    b[k] -= h;
    (f(&a) - f(&b)) / (a[k] - b[k])
}

#[test]
fn rules_are_used_by_callers() {
    for (a, b) in [(0.3, -0.7), (1.5, 0.2), (-2.0, 1.1)] {
        let (v, g) = loss_grad(a, b);
        assert_eq!(v, loss(a, b));
        let f = |p: &[f64]| loss(p[0], p[1]);
        for k in 0..2 {
            let d = fd(&f, &[a, b], k);
            assert!(
                (g[k] - d).abs() <= 1e-6 * (1.0 + d.abs()),
                "d{k}: {} vs {d}",
                g[k]
            );
        }
        let (vj, t) = loss_jvp(a, b, 0.5, -1.0);
        assert_eq!(vj, v);
        assert!((t - (0.5 * g[0] - g[1])).abs() < 1e-12);
    }
}

#[test]
fn slice_rules_fill_the_callers_buffers() {
    let w = [0.5, -1.0, 2.0];
    let x = 0.7;
    let mut d_w = [0.0; 3];
    let (v, [d_x]) = classifier_grad(&w, x, &mut d_w);
    assert_eq!(v, classifier(&w, x));
    let f = |p: &[f64]| classifier(&p[..3], p[3]);
    let p = [w[0], w[1], w[2], x];
    let g = [d_w[0], d_w[1], d_w[2], d_x];
    for k in 0..4 {
        let d = fd(&f, &p, k);
        assert!(
            (g[k] - d).abs() <= 1e-6 * (1.0 + d.abs()),
            "d{k}: {} vs {d}",
            g[k]
        );
    }
    let v_w = [1.0, 0.5, -0.5];
    let (_, t) = classifier_jvp(&w, x, &v_w, 2.0);
    let dot: f64 = g
        .iter()
        .zip([1.0, 0.5, -0.5, 2.0])
        .map(|(a, b)| a * b)
        .sum();
    assert!((t - dot).abs() < 1e-12, "{t} vs {dot}");
}

// `check(at(..))` on functions of rows and of models: each number of the rows or the model moved
// through its flat view (`Params`), the scalars beside them as above; with a custom rule inside.

#[gradient(check(at(1.0, 0.5, &[(1.0, 2.0), (-0.5, 0.25), (2.0, 1.5)])))]
fn robust_fit(a: f64, b: f64, pts: &[(f64, f64)]) -> f64 {
    pts.iter()
        .map(|&(x, y)| softplus(y - a * x - b) + (y * x).sin())
        .sum::<f64>()
}

#[gradient(check(at(&vec![vec![0.5, -1.0], vec![2.0]], &[0.3, 0.7])))]
fn ragged_rows(ws: &[Vec<f64>], x: &[f64]) -> f64 {
    ws.iter()
        .map(|row| row.iter().zip(x).map(|(w, v)| w * v).sum::<f64>().tanh())
        .sum::<f64>()
        + ws.concat().iter().map(|w| softplus(*w)).sum::<f64>()
}

#[gradient(check(at(&[[0.5_f32, -1.0], [2.0, 0.25]], 1.5)))]
fn array_rows32(ws: &[[f32; 2]], s: f32) -> f32 {
    ws.iter().map(|&[a, b]| (a * s).sin() * b).sum::<f32>()
}

#[derive(Clone, Debug, grad::Params)]
struct Fit {
    layers: Vec<Fitted>,
    anchor: [f64; 2],
    order: usize,
}

#[derive(Clone, Debug, grad::Params)]
struct Fitted {
    w: Vec<f64>,
    b: f64,
}

fn fit() -> Fit {
    Fit {
        layers: vec![
            Fitted {
                w: vec![0.5, -0.25],
                b: 0.1,
            },
            Fitted {
                w: vec![1.5],
                b: -0.3,
            },
        ],
        anchor: [0.2, -0.4],
        order: 2,
    }
}

#[gradient(wrt(m, x), check(at(&fit(), &[0.3, -0.6]), at(&fit(), &[1.0, 2.0])))]
fn model_loss(m: &Fit, x: &[f64]) -> f64 {
    let mut s = m.anchor[0] * m.anchor[1];
    for layer in &m.layers {
        let z = layer.w.iter().zip(x).map(|(w, v)| w * v).sum::<f64>() + layer.b;
        s += softplus(z).powi(m.order as i32);
    }
    s
}

#[test]
fn checks_of_rows_and_models_run_and_pass() {
    // The generated tests run with this file's; run them here too, so this test fails if they
    // were not generated.
    robust_fit_grad_check_0();
    ragged_rows_grad_check_0();
    array_rows32_grad_check_0();
    model_loss_grad_check_0();
    model_loss_grad_check_1();
}

/// A rule for a function of another module (standing for another crate): the function brought
/// into scope and called by its name, the rule written beside the loss.
mod special {
    /// The error function (Abramowitz and Stegun 7.1.26, to 1.5e-7).
    pub fn erf(x: f64) -> f64 {
        let t = 1.0 / (1.0 + 0.327_591_1 * x.abs());
        let poly =
            ((((1.061_405_429 * t - 1.453_152_027) * t) + 1.421_413_741) * t - 0.284_496_736) * t
                + 0.254_829_592;
        (1.0 - poly * t * (-x * x).exp()).copysign(x)
    }
}

// A module no file shows (written by a macro), as another crate's is: the macro cannot read
// `other_crate::erf`, so only the rule beside the caller can differentiate it.
macro_rules! module_of_another_crate {
    () => {
        pub mod other_crate {
            pub fn erf(x: f64) -> f64 {
                super::special::erf(x)
            }
        }
    };
}
module_of_another_crate!();

mod uses_special {
    use super::special::erf;
    use grad::{custom_gradient, gradient};

    #[custom_gradient]
    fn erf_grad(x: f64) -> (f64, [f64; 1]) {
        (erf(x), [2.0 / std::f64::consts::PI.sqrt() * (-x * x).exp()])
    }

    #[gradient]
    fn smooth_step(w: f64) -> f64 {
        erf(2.0 * w) + w * w
    }

    #[test]
    fn rule_for_another_modules_function() {
        let (v, [d]) = smooth_step_grad(0.3);
        assert_eq!(v.to_bits(), smooth_step(0.3).to_bits());
        let want = 4.0 / std::f64::consts::PI.sqrt() * (-0.36f64).exp() + 0.6;
        assert!((d - want).abs() < 1e-12, "{d} {want}");
    }

    /// The same function called by its path (`libm::erf(x)` without a `use`), in a loop, a
    /// condition, a call argument and a constant product, in reverse and forward mode.
    #[gradient(jvp, wrt(mu, sigma))]
    fn erf_by_path(mu: f64, sigma: f64, xs: &[f64]) -> f64 {
        let mut s = 0.0;
        for &x in xs {
            let z = (x - mu) / (sigma * std::f64::consts::SQRT_2);
            if super::other_crate::erf(z) > -0.9 {
                s += (0.5 * (1.0 + super::other_crate::erf(z)) - 0.6).powi(2);
            }
        }
        s + crate::other_crate::erf(mu).tanh() * super::special::erf(0.5) + erf(sigma)
    }

    #[test]
    fn rule_for_a_function_called_by_its_path() {
        let xs = [0.1, 0.5, 1.2, -0.4];
        let (mu, sigma) = (0.2, 0.9);
        let (v, [dm, ds]) = erf_by_path_grad(mu, sigma, &xs);
        assert_eq!(v.to_bits(), erf_by_path(mu, sigma, &xs).to_bits());
        // The rule's derivative is the exact erf's, which the approximation follows to ~1e-6.
        let h = 1e-6;
        let fm = (erf_by_path(mu + h, sigma, &xs) - erf_by_path(mu - h, sigma, &xs)) / (2.0 * h);
        let fs = (erf_by_path(mu, sigma + h, &xs) - erf_by_path(mu, sigma - h, &xs)) / (2.0 * h);
        assert!(
            (dm - fm).abs() < 1e-5 && (ds - fs).abs() < 1e-5,
            "{dm} {fm} {ds} {fs}"
        );
        let (_, t) = erf_by_path_jvp(mu, sigma, &xs, 0.5, -1.5);
        assert!((t - (0.5 * dm - 1.5 * ds)).abs() < 1e-12, "{t}");
    }
}

/// A local made by a call that has a rule, lent to `std::mem::swap` with another float: a
/// number, not data changed in place (a generator's form).
#[gradient]
fn swapped_rule_value(x: f64, y: f64) -> f64 {
    let mut a = softplus(x * 2.0);
    let mut b = y * y;
    std::mem::swap(&mut a, &mut b);
    a * 3.0 + b
}

fn halve_plus(v: f64) -> f64 {
    v * 0.5 + 0.25
}

/// The same of plain helpers' values, made from a local and from constants.
#[gradient]
fn swapped_helper_values(x: f64, y: f64) -> f64 {
    let mut b = y * x;
    let mut a = halve_plus(b.tanh());
    std::mem::swap(&mut a, &mut b);
    let mut c = halve_plus(0.5);
    std::mem::swap(&mut c, &mut a);
    a * 3.0 + b + c * x
}

#[test]
fn rule_values_swapped() {
    for (x, y) in [(0.4, -0.7), (-1.1, 0.3)] {
        let (v, [dx, dy]) = swapped_helper_values_grad(x, y);
        assert_eq!(v.to_bits(), swapped_helper_values(x, y).to_bits());
        let h = 1e-6;
        let fx = (swapped_helper_values(x + h, y) - swapped_helper_values(x - h, y)) / (2.0 * h);
        let fy = (swapped_helper_values(x, y + h) - swapped_helper_values(x, y - h)) / (2.0 * h);
        assert!(
            (dx - fx).abs() < 1e-7 && (dy - fy).abs() < 1e-7,
            "{dx} {fx} {dy} {fy}"
        );
    }
    let (v, [dx, dy]) = swapped_rule_value_grad(0.4, -0.7);
    assert_eq!(v.to_bits(), swapped_rule_value(0.4, -0.7).to_bits());
    let h = 1e-6;
    let fx = (swapped_rule_value(0.4 + h, -0.7) - swapped_rule_value(0.4 - h, -0.7)) / (2.0 * h);
    let fy = (swapped_rule_value(0.4, -0.7 + h) - swapped_rule_value(0.4, -0.7 - h)) / (2.0 * h);
    assert!(
        (dx - fx).abs() < 1e-7 && (dy - fy).abs() < 1e-7,
        "{dx} {fx} {dy} {fy}"
    );
}
