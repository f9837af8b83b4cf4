//! Forward mode: `#[gradient(jvp)]` emits `NAME_jvp(params.., tangents..) -> (value, ∇f · v)`.
//! Each function is checked at random points along random directions: the value bit for bit
//! against the function, the directional derivative against a central difference along `v`
//! (tolerance 1e-6 on the scale `1 + |∇f·v| + |f|`, as in `tests/ops.rs`) and against the
//! reverse-mode gradient dotted with `v` (1e-10: the two differ by rounding only). A point
//! where the difference changes with its step (a jump between the two evaluations) is skipped.

mod common;

use grad::gradient;
use proptest::prelude::*;

type Flat<'a> = &'a dyn Fn(&[f64]) -> f64;

/// Central difference of `f` at `p` along `v`.
fn fd_dir(f: Flat<'_>, p: &[f64], v: &[f64]) -> f64 {
    fd_dir_step(f, p, v, 1.0)
}

/// [`fd_dir`] with its step scaled by `k`.
fn fd_dir_step(f: Flat<'_>, p: &[f64], v: &[f64], k: f64) -> f64 {
    let scale = p.iter().fold(1.0f64, |m, x| m.max(x.abs()));
    let h = f64::EPSILON.cbrt() * scale * k;
    let plus: Vec<f64> = p.iter().zip(v).map(|(x, d)| x + h * d).collect();
    let minus: Vec<f64> = p.iter().zip(v).map(|(x, d)| x - h * d).collect();
    (f(&plus) - f(&minus)) / (2.0 * h)
}

fn check(
    what: &str,
    p: &[f64],
    v: &[f64],
    f: Flat<'_>,
    (value, tangent): (f64, f64),
    grad: &[f64],
) -> Result<(), TestCaseError> {
    let want = f(p);
    prop_assert!(
        value.to_bits() == want.to_bits(),
        "{what} at {p:?}: jvp value {value:e} != function {want:e}"
    );
    let d = fd_dir(f, p, v);
    // A jump within the step (a loop that runs once more, `control`'s `t.abs() > 1.0` crossed):
    // the difference grows as the step shrinks and says nothing of the derivative.
    let smaller = fd_dir_step(f, p, v, 0.125);
    let jump = (smaller - d).abs() > 1e-3 * (1.0 + d.abs());
    prop_assert!(
        jump || (tangent - d).abs() <= 1e-6 * (1.0 + d.abs() + value.abs()),
        "{what} at {p:?} along {v:?}: jvp {tangent:e}, finite difference {d:e}"
    );
    let dot: f64 = grad.iter().zip(v).map(|(g, d)| g * d).sum();
    let size: f64 = grad.iter().zip(v).map(|(g, d)| (g * d).abs()).sum();
    prop_assert!(
        (tangent - dot).abs() <= 1e-10 * (1.0 + size),
        "{what} at {p:?} along {v:?}: jvp {tangent:e}, gradient · v {dot:e}"
    );
    Ok(())
}

#[gradient(jvp)]
fn rosenbrock(x: f64, y: f64) -> f64 {
    (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2)
}

#[gradient(jvp)]
fn ext_rosenbrock(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        s += 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2);
    }
    s
}

/// Data, a scalar by reference, `wrt` naming a subset, a `while` loop and a `match`.
#[gradient(jvp, wrt(w, b))]
fn logistic(w: &[f64], b: &f64, xs: &[f64], ys: &[f64], mode: usize) -> f64 {
    let d = w.len();
    let n = ys.len();
    let mut loss = 0.0;
    let mut i = 0;
    while i < n {
        let z: f64 = (0..d).map(|j| w[j] * xs[i * d + j]).sum::<f64>() + b;
        let p = 1.0 / (1.0 + (-z).exp());
        loss -= match mode {
            0 => ys[i] * p.ln() + (1.0 - ys[i]) * (1.0 - p).ln(),
            _ => -(ys[i] - p).powi(2),
        };
        i += 1;
    }
    loss / n as f64 + 0.01 * w.iter().map(|v| v * v).sum::<f64>()
}

#[gradient]
fn dense(a: f64, w: &[f64]) -> f64 {
    w.iter().map(|v| (a * v).tanh()).sum::<f64>()
}

/// Buffers written in a loop, carried across iterations (`h = h_new`), a branch on a value,
/// closures, and calls to another `#[gradient]` function with scalars, slices and sub-slices.
#[gradient(jvp)]
fn network(a: f64, w: &[f64]) -> f64 {
    let n = w.len();
    let mut h = vec![0.0; n];
    let mut h_new = vec![0.0; n];
    for k in 0..n {
        h[k] = w[k] * a;
    }
    for _ in 0..3 {
        for k in 0..n {
            h_new[k] = (h[k] + h[(k + 1) % n] * 0.5).sin();
        }
        h = h_new.clone();
    }
    let act = |z: f64| z / (1.0 + z.abs());
    let m = if a > 0.5 { a.sqrt() } else { a * a };
    let pair = [act(h[0]), 2.0 * m];
    dense(m, &h) + dense(a, &w[1..3]) * rosenbrock(pair[0], pair[1]) + act(m)
}

/// Early return from a loop, `loop` with `break value`, tuples, `sin_cos`, `fold`, `max`.
#[gradient(jvp)]
fn control(x: f64, ys: &[f64]) -> f64 {
    let (s, c) = x.sin_cos();
    let mut acc = s * c;
    for (k, y) in ys.iter().enumerate() {
        if acc > 50.0 {
            return acc;
        }
        acc += (y * x + k as f64).cos();
    }
    let top = ys.iter().fold(f64::NEG_INFINITY, |m, &y| m.max(y * s));
    let mut t = 0.0;
    let last = loop {
        t += 0.5 * c;
        if t.abs() > 1.0 {
            break t * x;
        }
    };
    acc + top + last
}

/// Fixed-size arrays as parameters and locals, `f32`.
#[gradient(jvp)]
fn small_matrix(m: &[f32; 4], v: [f32; 2]) -> f32 {
    let mut out = [0.0f32; 2];
    for i in 0..2 {
        for j in 0..2 {
            out[i] += m[2 * i + j] * v[j];
        }
    }
    out[0].hypot(out[1]) + out[0].atan2(out[1])
}

struct Data {
    xs: Vec<f64>,
}

impl Data {
    /// A method whose receiver is data.
    #[gradient(jvp, wrt(w))]
    fn fit(&self, w: &[f64]) -> f64 {
        self.xs
            .iter()
            .enumerate()
            .map(|(i, x)| (w[0] + w[1] * x - (i as f64).sqrt()).powi(2))
            .sum()
    }
}

fn vec_in(n: usize) -> impl Strategy<Value = Vec<f64>> {
    proptest::collection::vec(-1.5f64..1.5, n)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn forward_rosenbrock(p in vec_in(2), v in vec_in(2)) {
        let f = |p: &[f64]| rosenbrock(p[0], p[1]);
        let (_, g) = rosenbrock_grad(p[0], p[1]);
        check("rosenbrock", &p, &v, &f, rosenbrock_jvp(p[0], p[1], v[0], v[1]), &g)?;
    }

    #[test]
    fn forward_ext_rosenbrock(p in vec_in(7), v in vec_in(7)) {
        let mut g = vec![0.0; 7];
        let _ = ext_rosenbrock_grad(&p, &mut g);
        check("ext_rosenbrock", &p, &v, &ext_rosenbrock, ext_rosenbrock_jvp(&p, &v), &g)?;
    }

    #[test]
    fn forward_logistic(p in vec_in(4), v in vec_in(4), mode in 0usize..2) {
        let xs = [0.5, -1.0, 0.3, 2.0, -0.7, 0.1, 1.2, 0.4, -0.2];
        let ys = [1.0, 0.0, 1.0];
        let f = |p: &[f64]| logistic(&p[1..], &p[0], &xs, &ys, mode);
        let mut d_w = vec![0.0; 3];
        let (_, [d_b]) = logistic_grad(&p[1..], &p[0], &xs, &ys, mode, &mut d_w);
        let g = common::cat(&[&[d_b], &d_w]);
        let j = logistic_jvp(&p[1..], &p[0], &xs, &ys, mode, &v[1..], v[0]);
        check("logistic", &p, &v, &f, j, &g)?;
    }

    #[test]
    fn forward_network(p in vec_in(5), v in vec_in(5)) {
        let f = |p: &[f64]| network(p[0], &p[1..]);
        let mut d_w = vec![0.0; 4];
        let (_, [d_a]) = network_grad(p[0], &p[1..], &mut d_w);
        let g = common::cat(&[&[d_a], &d_w]);
        check("network", &p, &v, &f, network_jvp(p[0], &p[1..], v[0], &v[1..]), &g)?;
    }

    #[test]
    fn forward_control(p in vec_in(4), v in vec_in(4)) {
        let f = |p: &[f64]| control(p[0], &p[1..]);
        let mut d_ys = vec![0.0; 3];
        let (_, [d_x]) = control_grad(p[0], &p[1..], &mut d_ys);
        let g = common::cat(&[&[d_x], &d_ys]);
        check("control", &p, &v, &f, control_jvp(p[0], &p[1..], v[0], &v[1..]), &g)?;
    }

    #[test]
    fn forward_small_matrix(p in proptest::collection::vec(0.25f32..1.5, 6), v in proptest::collection::vec(-1.0f32..1.0, 6)) {
        let m = [p[0], p[1], p[2], p[3]];
        let x = [p[4], p[5]];
        let (value, t) = small_matrix_jvp(&m, x, &[v[0], v[1], v[2], v[3]], &[v[4], v[5]]);
        prop_assert_eq!(value.to_bits(), small_matrix(&m, x).to_bits());
        let mut d_m = [0.0f32; 4];
        let mut d_v = [0.0f32; 2];
        let _ = small_matrix_grad(&m, x, &mut d_m, &mut d_v);
        let dot: f32 = d_m.iter().chain(&d_v).zip(&v).map(|(g, d)| g * d).sum();
        let size: f32 = d_m.iter().chain(&d_v).zip(&v).map(|(g, d)| (g * d).abs()).sum();
        prop_assert!((t - dot).abs() <= 1e-5 * (1.0 + size), "jvp {t} vs gradient · v {dot}");
    }

    #[test]
    fn forward_method(p in vec_in(2), v in vec_in(2)) {
        let data = Data { xs: vec![0.5, 1.5, -0.5, 2.0] };
        let f = |p: &[f64]| data.fit(p);
        let mut g = vec![0.0; 2];
        let _ = data.fit_grad(&p, &mut g);
        check("method", &p, &v, &f, data.fit_jvp(&p, &v), &g)?;
    }
}

/// Where a local derivative is infinite (`sqrt` at 0) and the direction does not move it, the
/// directional derivative is that of the other coordinates, as the gradient's dot product is.
#[gradient(jvp)]
fn sqrt_at_zero(x: f64, y: f64) -> f64 {
    x.sqrt() + 3.0 * y
}

#[test]
fn strong_zero_along_a_still_coordinate() {
    assert_eq!(sqrt_at_zero_jvp(0.0, 2.0, 0.0, 1.0), (6.0, 3.0));
    let (_, t) = sqrt_at_zero_jvp(0.0, 2.0, 1.0, 0.0);
    assert!(t.is_infinite());
}

#[test]
#[should_panic(expected = "the tangent `v_x` has length 2 but `x` has length 3")]
fn tangent_length_is_checked() {
    let _ = ext_rosenbrock_jvp(&[1.0, 2.0, 3.0], &[1.0, 0.0]);
}

/// The directional derivative of a sum over data is the sum of per-point ones: a JVP along a
/// basis vector is one component of the gradient.
#[test]
fn basis_directions_give_the_gradient() {
    let x = [0.3, -1.2, 0.8, 1.1];
    let mut g = [0.0; 4];
    let _ = ext_rosenbrock_grad(&x, &mut g);
    for (k, gk) in g.iter().enumerate() {
        let mut e = [0.0; 4];
        e[k] = 1.0;
        let (_, t) = ext_rosenbrock_jvp(&x, &e);
        assert!(
            (t - gk).abs() <= 1e-12 * (1.0 + gk.abs()),
            "component {k}: {t} vs {gk}"
        );
    }
}
