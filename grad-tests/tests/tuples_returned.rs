//! Functions that return a tuple of floats (issue 9): `#[gradient]` on `fn f(..) -> (T, T)` gives
//! `NAME_vjp` and `NAME_jacobian`, and callers read the parts (`let (a, b) = f(..)`,
//! `f(..).0`, `let t = f(..); t.1`) in every position, with the chain rule going through
//! `NAME__dot_grad`. Values bit for bit, gradients against central differences.

mod common;

use common::{close, fd_all as fd};
use grad::gradient;

/// Polar to Cartesian coordinates.
#[gradient]
fn polar(r: f64, theta: f64) -> (f64, f64) {
    (r * theta.cos(), r * theta.sin())
}

/// Mean, variance and a branch-dependent third part of a slice; the tuple is built by an `if`.
#[gradient]
fn moments(w: &[f64]) -> (f64, f64, f64) {
    let n = w.len() as f64;
    let m = w.iter().sum::<f64>() / n;
    let v = w.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n;
    if m > 0.0 {
        (m, v, (v + 1.0).sqrt())
    } else {
        (-m, v, 0.5 * v)
    }
}

/// Generic over the float type.
#[gradient]
fn sum_and_product<T: grad::Real>(a: T, b: T) -> (T, T) {
    (a + b, a * b)
}

#[gradient]
fn destructured(r: f64, theta: f64) -> f64 {
    let (x, y) = polar(r, theta);
    x * x + 3.0 * y
}

#[gradient]
fn parts_of_calls(r: f64, theta: f64) -> f64 {
    polar(r, theta).0 * 2.0 + polar(theta, r).1.sin()
}

#[gradient]
fn held_in_a_local(r: f64, theta: f64) -> f64 {
    let p = polar(r, theta);
    let q: (f64, f64) = polar(p.1, r);
    p.1 * p.0 + q.0
}

/// Only the first part read (the callee's other parts get no cotangent), a `_` in the
/// pattern, calls in a loop body, in a branch and with an argument computed in place.
#[gradient]
fn partial_reads(w: &[f64], s: f64) -> f64 {
    let mut acc = 0.0;
    for k in 0..3 {
        let (m, _, third) = moments(w);
        acc += s * m + third * k as f64;
        if acc > 1.0 {
            acc += moments(w).0 * s;
        } else {
            let (x, y) = polar(s * 2.0, acc);
            acc -= x * y;
        }
    }
    acc
}

#[gradient]
fn generic_caller<T: grad::Real>(a: T, b: T) -> T {
    let (s, p) = sum_and_product(a, b);
    s * p + sum_and_product(b, p).1
}

/// A plain function on data returning a tuple: its parts are data.
fn mean_and_spread(d: &[f64]) -> (f64, f64) {
    let m = d.iter().sum::<f64>() / d.len() as f64;
    (m, d.iter().map(|v| (v - m).abs()).sum::<f64>() + 1.0)
}

#[gradient(wrt(w))]
fn data_tuple(w: f64, d: &[f64]) -> f64 {
    let (m, s) = mean_and_spread(d);
    (w - m).powi(2) / s + mean_and_spread(d).1 * w
}

fn fd2(f: impl Fn(f64, f64) -> f64, a: f64, b: f64) -> Vec<f64> {
    fd(&|p| f(p[0], p[1]), &[a, b])
}

#[test]
fn callers_read_the_parts() {
    for (r, t) in [(1.3, 0.7), (0.4, -2.1), (2.5, 3.0)] {
        type Case = (fn(f64, f64) -> f64, fn(f64, f64) -> (f64, [f64; 2]));
        let cases: [(&str, Case); 3] = [
            ("destructured", (destructured, destructured_grad)),
            ("parts_of_calls", (parts_of_calls, parts_of_calls_grad)),
            ("held_in_a_local", (held_in_a_local, held_in_a_local_grad)),
        ];
        for (what, (f, g)) in cases {
            let (value, grad) = g(r, t);
            assert_eq!(value.to_bits(), f(r, t).to_bits(), "{what}");
            close(what, &grad, &fd2(f, r, t));
        }
    }
}

#[test]
fn partial_reads_loops_and_branches() {
    for (w, s) in [
        (vec![0.5, 1.5, -0.2], 0.3),
        (vec![-1.0, -0.5, 0.25, 0.1], -0.8),
    ] {
        let mut dw = vec![0.0; w.len()];
        let (value, [ds]) = partial_reads_grad(&w, s, &mut dw);
        assert_eq!(value.to_bits(), partial_reads(&w, s).to_bits());
        close("w", &dw, &fd(&|p| partial_reads(p, s), &w));
        close("s", &[ds], &fd(&|p| partial_reads(&w, p[0]), &[s]));
    }
}

#[test]
fn generic_tuples_in_f32_and_f64() {
    let (value, grad) = generic_caller_grad(1.5f64, 0.5);
    assert_eq!(value.to_bits(), generic_caller(1.5f64, 0.5).to_bits());
    close("f64", &grad, &fd2(generic_caller::<f64>, 1.5, 0.5));
    let (value, grad) = generic_caller_grad(1.5f32, 0.5f32);
    assert_eq!(value.to_bits(), generic_caller(1.5f32, 0.5f32).to_bits());
    let want = fd2(generic_caller::<f64>, 1.5, 0.5);
    for (g, w) in grad.iter().zip(&want) {
        assert!((f64::from(*g) - w).abs() < 1e-3 * w.abs().max(1.0));
    }
}

#[test]
fn vjp_and_jacobian_of_a_tuple() {
    let (r, t) = (1.3, 0.7);
    let (value, [dr, dt]) = polar_vjp(r, t, &[1.0, -2.0]);
    assert_eq!(value, polar(r, t));
    let dot = |r: f64, t: f64| {
        let (x, y) = polar(r, t);
        x - 2.0 * y
    };
    close("vjp", &[dr, dt], &fd2(dot, r, t));
    let (value, jac) = polar_jacobian(r, t);
    assert_eq!(value, polar(r, t));
    close("row 0", &jac[0], &fd2(|r, t| polar(r, t).0, r, t));
    close("row 1", &jac[1], &fd2(|r, t| polar(r, t).1, r, t));
    let w = [0.5, 1.5, -0.2];
    let (value, jac) = moments_jacobian(&w);
    assert_eq!(value, moments(&w));
    close("moments 2", &jac[2], &fd(&|p| moments(p).2, &w));
}

#[test]
fn data_tuples_stay_data() {
    let d = [0.5, 1.5, -0.2];
    let (value, [dw]) = data_tuple_grad(0.3, &d);
    assert_eq!(value.to_bits(), data_tuple(0.3, &d).to_bits());
    close("w", &[dw], &fd(&|p| data_tuple(p[0], &d), &[0.3]));
}

/// A part of a tuple-valued call read in every position: a receiver, a condition, a `while`
/// body, a `match` arm, a closure, a call argument.
#[gradient]
fn parts_in_every_position(r: f64, t: f64, n: usize) -> f64 {
    let mut s = polar(r, t).0.sin();
    if polar(r, t).1 > 0.0 {
        s += 1.0;
    }
    let mut k = 0;
    while k < 2 {
        let (a, b) = polar(r + f64::from(k), t);
        s += a * b;
        k += 1;
    }
    match n {
        0 => s += polar(t, r).0,
        _ => {
            let p = polar(t, r);
            s += p.1;
        }
    }
    let f = |x: f64| polar(x, t).0 * 2.0;
    s + f(r) + polar(polar(r, t).0, t).1
}

#[test]
fn parts_read_in_every_position() {
    for n in [0, 1] {
        for (r, t) in [(1.3, 0.7), (0.4, -2.1)] {
            let (value, grad) = parts_in_every_position_grad(r, t, n);
            assert_eq!(value.to_bits(), parts_in_every_position(r, t, n).to_bits());
            close(
                "rt",
                &grad,
                &fd2(|r, t| parts_in_every_position(r, t, n), r, t),
            );
        }
    }
}

/// A tuple-valued call's name bound again later, to a tuple of another arity.
#[gradient]
fn shadowed_tuple(r: f64, t: f64) -> f64 {
    let p = polar(r, t);
    let first = p.0 * p.1;
    let p = (r, t, 2.0 * r);
    first + p.2 * p.0
}

#[test]
fn a_tuple_name_bound_again() {
    let (value, grad) = shadowed_tuple_grad(1.3, 0.7);
    assert_eq!(value.to_bits(), shadowed_tuple(1.3, 0.7).to_bits());
    close("rt", &grad, &fd2(shadowed_tuple, 1.3, 0.7));
}
