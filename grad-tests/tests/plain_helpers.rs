//! Helpers without `#[gradient]` (issue 8): a loss calls free functions of its module that nobody
//! annotated (`fn sigmoid(z: f64) -> f64`), as losses are written; `#[gradient]` reads them from
//! the file and inlines them at their calls. Every position a call can take (argument of an
//! operator, of another call, receiver, condition, loop bound, loop body, branch, closure, `?`-free
//! returns), helpers of numbers, of slices, returning vectors, arrays and tuples, writing through
//! `&mut`, calling each other and `#[gradient]` functions, reading the module's constants; helpers
//! declared after their callers and above a `mod` that imports them; methods as callers; forward
//! mode and second order. Against central finite differences, the value bit for bit.

#![allow(
    clippy::useless_vec,
    clippy::needless_range_loop,
    clippy::items_after_statements,
    clippy::redundant_closure
)]

mod common;

use common::{check_flat, fd_hessian};
use grad::{gradient, Params};

fn check(what: &str, f: &dyn Fn(&[f64]) -> f64, v: f64, g: &[f64], p: &[f64]) {
    check_flat(what, p, f, v, g).unwrap();
}

const SCALE: f64 = 0.75;

/// The logistic function, as losses define it beside them.
#[inline]
#[must_use]
pub fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

fn sq(v: f64) -> f64 {
    v * v
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..a.len() {
        s += a[i] * b[i];
    }
    s
}

fn scaled(a: &[f64], k: f64) -> Vec<f64> {
    a.iter().map(|v| sigmoid(v * k) * SCALE).collect()
}

fn pair(x: f64) -> (f64, f64) {
    (x.sin(), x.cos())
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn add_sq(acc: &mut f64, v: f64) {
    *acc += v * v;
}

fn soft_clip(v: f64, lim: f64) -> f64 {
    if v.abs() < lim {
        return v;
    }
    lim * (v / lim).tanh()
}

const fn index(i: usize, j: usize, n: usize) -> usize {
    i * n + j
}

/// A helper of data only that the engine cannot read: called with constants it stays a call.
fn weight(i: usize) -> f64 {
    let mut table = std::collections::BTreeMap::new();
    table.insert(i, 1.0 / (1.0 + i as f64));
    table[&i]
}

#[gradient(jvp, hvp)]
fn annotated_cube(v: f64) -> f64 {
    v * v * v
}

fn through_annotated(v: f64) -> f64 {
    annotated_cube(v) + sq(v)
}

/// Calls in every position: operand, argument of a call and of a helper, receiver, condition,
/// loop bound, loop body, branch, closure, `let` with and without a type.
#[gradient(wrt(w), jvp, hvp)]
fn positions(w: &[f64], x: &[f64]) -> f64 {
    let mut s = sigmoid(w[0]) + 2.0 * sq(w[1]);
    s += sigmoid(sq(w[0]) * x[0]).ln();
    s += sq(w[1]).sqrt() * sigmoid(w[2]).max(0.2);
    if sigmoid(w[0] * x[1]) > 0.5 {
        s += sq(w[2]);
    } else {
        s -= sigmoid(w[1]);
    }
    for i in 0..index(1, 0, w.len()) {
        s += sigmoid(w[i] * x[i]) * weight(i);
    }
    let t: f64 = w.iter().zip(x).map(|(a, b)| sq(a - b)).sum();
    let u = w
        .iter()
        .map(|&v| sigmoid(v))
        .fold(0.0, |acc, v| acc + v * v);
    let m = if t > 1.0 { soft_clip(t, 2.0) } else { sq(t) };
    s + t + u + m + through_annotated(w[0])
}

/// Helpers of slices, returning a vector, an array and a tuple, and writing through `&mut`.
#[gradient(wrt(w), jvp, hvp)]
fn shapes(w: &[f64], x: &[f64]) -> f64 {
    let h = scaled(w, 1.5);
    let c = cross([w[0], w[1], w[2]], [x[0], x[1], 1.0]);
    let (s, co) = pair(w[1]);
    let mut acc = 0.0;
    add_sq(&mut acc, w[2] - s);
    add_sq(&mut acc, co);
    let listed = vec![sigmoid(w[0]), sq(w[1] - co), 0.5];
    dot(&h, x) + dot(w, &h) + c[0] * c[2] + acc + dot(&c, &c).sqrt() + dot(&listed, x)
}

#[test]
fn helpers_in_every_position() {
    let w = [0.4, -0.9, 1.3];
    let x = [0.6, 1.1, -0.4];
    let mut d = [f64::NAN; 3];
    let v = positions_grad(&w, &x, &mut d);
    assert_eq!(v.to_bits(), positions(&w, &x).to_bits());
    check("positions", &|p: &[f64]| positions(p, &x), v, &d, &w);
    // Forward mode along a direction, and the Hessian against second differences.
    let dir = [0.3, -0.2, 0.5];
    let (jv, dd) = positions_jvp(&w, &x, &dir);
    assert_eq!(jv.to_bits(), v.to_bits());
    let along: f64 = d.iter().zip(&dir).map(|(a, b)| a * b).sum();
    assert!(
        (dd - along).abs() < 1e-10 * (1.0 + along.abs()),
        "{dd} {along}"
    );
    let mut h = vec![f64::NAN; 9];
    let mut g = [f64::NAN; 3];
    positions_hessian(&w, &x, &mut g, &mut h);
    common::close_tol(
        "positions hessian",
        &h,
        &fd_hessian(&|p: &[f64]| positions(p, &x), &w),
        1e-4,
    );
}

#[test]
fn helpers_of_every_shape() {
    let w = [0.4, -0.9, 1.3];
    let x = [0.6, 1.1, -0.4];
    let mut d = [f64::NAN; 3];
    let v = shapes_grad(&w, &x, &mut d);
    assert_eq!(v.to_bits(), shapes(&w, &x).to_bits());
    check("shapes", &|p: &[f64]| shapes(p, &x), v, &d, &w);
    let mut h = vec![f64::NAN; 9];
    let mut g = [f64::NAN; 3];
    shapes_hessian(&w, &x, &mut g, &mut h);
    common::close_tol(
        "shapes hessian",
        &h,
        &fd_hessian(&|p: &[f64]| shapes(p, &x), &w),
        1e-4,
    );
}

/// A caller of scalars, its helper declared below it and calling another helper.
#[gradient]
fn scalars(a: f64, b: f64) -> f64 {
    later(a, b) * sigmoid(b)
}

fn later(a: f64, b: f64) -> f64 {
    sq(a - b) + soft_clip(a * b, 0.5)
}

#[test]
fn helpers_declared_after_their_callers() {
    let (v, [da, db]) = scalars_grad(0.7, -0.3);
    assert_eq!(v.to_bits(), scalars(0.7, -0.3).to_bits());
    check(
        "scalars",
        &|p: &[f64]| scalars(p[0], p[1]),
        v,
        &[da, db],
        &[0.7, -0.3],
    );
}

/// A local of the helper's name is the local, not the helper.
#[gradient]
fn shadowed(a: f64) -> f64 {
    let sq = |v: f64| v * v * v;
    sq(a) + sigmoid(a)
}

#[test]
fn a_local_of_the_helpers_name_is_the_local() {
    let (v, [d]) = shadowed_grad(0.8);
    assert_eq!(v.to_bits(), shadowed(0.8).to_bits());
    let want = 3.0 * 0.8f64.powi(2) + sigmoid(0.8) * (1.0 - sigmoid(0.8));
    assert!((d - want).abs() < 1e-12, "{d} {want}");
}

/// A function of the helper's name declared in an inner block is that block's own: the calls
/// outside it are the module's helper (a compile error inside generated code before).
#[gradient(jvp, hvp)]
fn shadowed_in_a_block(a: f64, b: f64) -> f64 {
    let inner = {
        fn sq(t: f64) -> f64 {
            t * 3.0 + 0.5
        }
        sq(b) * a
    };
    let outer = sq(a) + [b, 2.0].iter().map(|&t| sq(t)).sum::<f64>() - 4.0;
    fn cube(t: f64) -> f64 {
        t * t * t
    }
    let nested = {
        fn cube(t: f64) -> f64 {
            2.0 * t
        }
        cube(a)
    };
    inner + outer + nested + cube(b)
}

#[test]
fn a_function_of_the_helpers_name_in_a_block_is_the_blocks() {
    let p = [0.8, -0.6];
    let f = |p: &[f64]| shadowed_in_a_block(p[0], p[1]);
    let (v, g) = shadowed_in_a_block_grad(p[0], p[1]);
    check("shadowed_in_a_block", &f, v, &g, &p);
    let want = [
        (3.0 * p[1] + 0.5) + 2.0 * p[0] + 2.0,
        3.0 * p[0] + 2.0 * p[1] + 3.0 * p[1] * p[1],
    ];
    for (d, w) in g.iter().zip(want) {
        assert!((d - w).abs() < 1e-12, "{g:?} {want:?}");
    }
    let (_, _, hv) = shadowed_in_a_block_hvp(p[0], p[1], 1.0, 0.0);
    assert!(
        (hv[0] - 2.0).abs() < 1e-12 && (hv[1] - 3.0).abs() < 1e-12,
        "{hv:?}"
    );
}

#[derive(Clone, Debug, Params)]
struct Logistic {
    w: Vec<f64>,
    b: f64,
}

impl Logistic {
    /// A method's loss calling the module's helpers.
    #[gradient]
    fn nll(&self, x: &[f64], y: &[f64]) -> f64 {
        let d = self.w.len();
        let mut s = 0.0;
        for (row, &t) in x.chunks(d).zip(y) {
            let p = sigmoid(dot(&self.w, row) + self.b);
            s -= t * p.ln() + (1.0 - t) * (1.0 - p).ln();
        }
        s / y.len() as f64 + 0.01 * sq(self.b)
    }
}

#[test]
fn methods_call_the_modules_helpers() {
    let m = Logistic {
        w: vec![0.3, -0.5],
        b: 0.1,
    };
    let x = [0.5, 1.0, -1.5, 0.2, 2.0, -0.7];
    let y = [1.0, 0.0, 1.0];
    let mut d = Logistic {
        w: vec![f64::NAN; 2],
        b: f64::NAN,
    };
    let v = m.nll_grad(&x, &y, &mut d);
    assert_eq!(v.to_bits(), m.nll(&x, &y).to_bits());
    let flat = |p: &[f64]| {
        Logistic {
            w: p[..2].to_vec(),
            b: p[2],
        }
        .nll(&x, &y)
    };
    check("nll", &flat, v, &[d.w[0], d.w[1], d.b], &[0.3, -0.5, 0.1]);
}

#[gradient]
fn in_f32(x: f32, y: f32) -> f32 {
    half(x * y) + half(x)
}

fn half(v: f32) -> f32 {
    0.5 * v * v
}

#[test]
fn helpers_of_f32() {
    let (v, [dx, dy]) = in_f32_grad(1.5, -2.0);
    assert_eq!(v.to_bits(), in_f32(1.5, -2.0).to_bits());
    assert_eq!([dx, dy], [1.5 * 4.0 + 1.5, 1.5 * 1.5 * -2.0]);
}

mod inner {
    use super::*;

    /// In a module that imports its parent's items: the parent's helpers.
    #[gradient]
    pub fn imported(a: f64) -> f64 {
        sigmoid(a) * own(a)
    }

    fn own(a: f64) -> f64 {
        sq(a) + 1.0
    }
}

#[test]
fn helpers_of_the_module_above() {
    let (v, [d]) = inner::imported_grad(0.4);
    assert_eq!(v.to_bits(), inner::imported(0.4).to_bits());
    check(
        "imported",
        &|p: &[f64]| inner::imported(p[0]),
        v,
        &[d],
        &[0.4],
    );
}

fn relu(z: f64) -> f64 {
    z.max(0.0)
}

/// Helpers named as values: `.map(sigmoid)`, `let act = relu;`.
#[gradient(wrt(w), jvp)]
fn named_as_values(w: &[f64]) -> f64 {
    let act = relu;
    w.iter().copied().map(sigmoid).sum::<f64>() + w.iter().map(|&v| act(v - 0.1)).sum::<f64>()
}

#[test]
fn helpers_named_as_values() {
    let w = [0.4, -0.9, 1.3];
    let mut d = [f64::NAN; 3];
    let v = named_as_values_grad(&w, &mut d);
    assert_eq!(v.to_bits(), named_as_values(&w).to_bits());
    check(
        "named_as_values",
        &|p: &[f64]| named_as_values(p),
        v,
        &d,
        &w,
    );
}

fn predict(m: &Logistic, x: &[f64]) -> f64 {
    sigmoid(dot(&m.w, x) + m.b)
}

/// A state swapped in a loop (`std::mem::replace`), called from a model's function.
fn relaxed(a: f64, b: f64) -> f64 {
    let mut prev = 0.5;
    let mut acc = a;
    for _ in 0..3 {
        let old = std::mem::replace(&mut prev, (acc - b).tanh());
        acc += old;
    }
    acc + prev
}

/// A plain helper given the model whole, from a free function and from a method; the model under
/// another name; a function declared in the body taking the model.
#[gradient(wrt(m))]
fn model_through_helpers(m: &Logistic, x: &[f64], y: f64) -> f64 {
    let net = m;
    fn penalty(l: &Logistic) -> f64 {
        l.w.iter().map(|w| w * w).sum::<f64>() + l.b * l.b
    }
    let area = integrate(|t| (net.b * t).sin(), 0.0, 1.0, 4) + relaxed(m.b, 0.3);
    (predict(m, x) - y).powi(2) + 0.1 * penalty(net) + 0.01 * net.b + area
}

impl Logistic {
    #[gradient]
    fn through_self(&self, x: &[f64], y: f64) -> f64 {
        let me: &Logistic = self;
        (predict(self, x) - y).powi(2) + me.w[0] * sq(me.b)
    }
}

#[test]
fn models_through_plain_helpers_and_other_names() {
    let m = Logistic {
        w: vec![0.3, -0.5],
        b: 0.1,
    };
    let x = [0.5, 1.0];
    let flat = |p: &[f64]| Logistic {
        w: p[..2].to_vec(),
        b: p[2],
    };
    let mut d = m.zeros_like();
    let v = model_through_helpers_grad(&m, &x, 0.7, &mut d);
    assert_eq!(v.to_bits(), model_through_helpers(&m, &x, 0.7).to_bits());
    check(
        "model_through_helpers",
        &|p: &[f64]| model_through_helpers(&flat(p), &x, 0.7),
        v,
        &[d.w[0], d.w[1], d.b],
        &[0.3, -0.5, 0.1],
    );
    let mut d = m.zeros_like();
    let v = m.through_self_grad(&x, 0.7, &mut d);
    assert_eq!(v.to_bits(), m.through_self(&x, 0.7).to_bits());
    check(
        "through_self",
        &|p: &[f64]| flat(p).through_self(&x, 0.7),
        v,
        &[d.w[0], d.w[1], d.b],
        &[0.3, -0.5, 0.1],
    );
}

fn power(x: f64, n: u32) -> f64 {
    if n == 0 {
        1.0
    } else {
        x * power(x, n - 1)
    }
}

fn twice<T: num_traits::Float>(x: T) -> T {
    x + x.sin()
}

/// A helper that calls itself and a generic one: derived as if annotated (the inlining does not
/// take them), in every mode.
#[gradient(jvp, hvp)]
fn recursive_and_generic(x: f64, y: f64) -> f64 {
    power(x, 3) * twice(y) + twice::<f64>(x * y) + power(2.0, 2)
}

#[test]
fn recursive_and_generic_helpers() {
    let (v, [dx, dy]) = recursive_and_generic_grad(0.7, -0.4);
    assert_eq!(v.to_bits(), recursive_and_generic(0.7, -0.4).to_bits());
    let f = |p: &[f64]| recursive_and_generic(p[0], p[1]);
    check("recursive_and_generic", &f, v, &[dx, dy], &[0.7, -0.4]);
    let (_, _, h) = recursive_and_generic_hessian(0.7, -0.4);
    common::close_tol(
        "recursive_and_generic hessian",
        &[h[0][0], h[0][1], h[1][0], h[1][1]],
        &fd_hessian(&f, &[0.7, -0.4]),
        1e-4,
    );
}

fn integrate<F: Fn(f64) -> f64>(f: F, a: f64, b: f64, n: usize) -> f64 {
    let h = (b - a) / n as f64;
    (0..n).map(|i| f(a + (i as f64 + 0.5) * h)).sum::<f64>() * h
}

fn rk4(f: &dyn Fn(f64, f64) -> f64, t: f64, y: f64, h: f64) -> f64 {
    let k1 = f(t, y);
    let k2 = f(t + h / 2.0, y + h / 2.0 * k1);
    let k3 = f(t + h / 2.0, y + h / 2.0 * k2);
    let k4 = f(t + h, y + h * k3);
    y + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
}

fn newton(f: impl Fn(f64) -> f64, df: impl Fn(f64) -> f64, x0: f64) -> f64 {
    let mut x = x0;
    for _ in 0..20 {
        x -= f(x) / df(x);
    }
    x
}

/// Helpers taking closures (generic `F: Fn`, `&dyn Fn`, `impl Fn`), none annotated: each call
/// makes a function of its own from the helper's body with the closure in place.
#[gradient(hvp)]
fn with_closures(k: f64, y0: f64) -> f64 {
    let mut y = y0;
    for i in 0..5 {
        y = rk4(&|t, y| -k * y + t.sin(), f64::from(i) * 0.1, y, 0.1);
    }
    let area = integrate(|t| (k * t).sin(), 0.0, 1.0, 16);
    let root = newton(|x| x * x - y0 * y0 - k, |x| 2.0 * x, 1.0);
    y + area * root
}

fn energy_of<F: Fn(f64) -> f64>(f: F, xs: &[f64]) -> f64 {
    xs.iter().map(|&x| sq(f(x)) + soft_clip(f(x), 2.0)).sum()
}

/// A helper taking a closure that calls plain helpers itself (`sq`, `soft_clip`), and a tuple
/// local handed whole to a helper whose parameter has the local's name.
#[gradient(hvp)]
fn closures_calling_helpers(k: f64, y: f64) -> f64 {
    let p = (k, y);
    let q = (y * 0.5, 1.0);
    energy_of(|x| k * x + y, &[0.5, -1.0, 2.0]) + tuple_dist(p, q) + tuple_dist((y, k), p)
}

fn tuple_dist(p: (f64, f64), q: (f64, f64)) -> f64 {
    ((p.0 - q.0).powi(2) + (p.1 - q.1).powi(2) + 0.1).sqrt()
}

/// Tuple parameters handed whole to a helper: by value, and by reference (`*q`).
#[gradient(jvp)]
fn tuple_params_whole(p: (f64, f64), q: &(f64, f64), s: f64) -> f64 {
    tuple_dist(p, *q) * s + tuple_dist((q.1, p.0), p)
}

#[test]
fn tuple_parameters_handed_whole() {
    let (p, q, s) = ((0.3, -0.4), (1.2, 0.7), 1.5);
    let (mut dp, mut dq) = ((0.0, 0.0), (0.0, 0.0));
    let (v, [ds]) = tuple_params_whole_grad(p, &q, s, &mut dp, &mut dq);
    assert_eq!(v.to_bits(), tuple_params_whole(p, &q, s).to_bits());
    let f = |x: &[f64]| tuple_params_whole((x[0], x[1]), &(x[2], x[3]), x[4]);
    check(
        "tuple_params_whole",
        &f,
        v,
        &[dp.0, dp.1, dq.0, dq.1, ds],
        &[p.0, p.1, q.0, q.1, s],
    );
}

#[test]
fn closure_helpers_calling_helpers_and_tuples_handed_whole() {
    let (v, [dk, dy]) = closures_calling_helpers_grad(0.5, 1.2);
    assert_eq!(v.to_bits(), closures_calling_helpers(0.5, 1.2).to_bits());
    let f = |p: &[f64]| closures_calling_helpers(p[0], p[1]);
    check("closures_calling_helpers", &f, v, &[dk, dy], &[0.5, 1.2]);
    let (_, _, h) = closures_calling_helpers_hessian(0.5, 1.2);
    common::close_tol(
        "closures_calling_helpers hessian",
        &[h[0][0], h[0][1], h[1][0], h[1][1]],
        &fd_hessian(&f, &[0.5, 1.2]),
        1e-4,
    );
}

#[test]
fn helpers_taking_closures() {
    let (v, [dk, dy]) = with_closures_grad(0.5, 1.2);
    assert_eq!(v.to_bits(), with_closures(0.5, 1.2).to_bits());
    let f = |p: &[f64]| with_closures(p[0], p[1]);
    check("with_closures", &f, v, &[dk, dy], &[0.5, 1.2]);
    let (_, _, h) = with_closures_hessian(0.5, 1.2);
    common::close_tol(
        "with_closures hessian",
        &[h[0][0], h[0][1], h[1][0], h[1][1]],
        &fd_hessian(&f, &[0.5, 1.2]),
        1e-4,
    );
}

#[derive(Clone, Debug, Params)]
struct Mlp {
    w1: Vec<f64>,
    b1: Vec<f64>,
    w2: Vec<f64>,
    b2: f64,
}

impl Mlp {
    /// Plain methods: a layer returning a vector, the forward pass calling it.
    fn hidden(&self, x: &[f64]) -> Vec<f64> {
        let n = x.len();
        self.b1
            .iter()
            .enumerate()
            .map(|(k, b)| (b + (0..n).map(|j| self.w1[k * n + j] * x[j]).sum::<f64>()).tanh())
            .collect()
    }

    fn forward(&self, x: &[f64]) -> f64 {
        let h = self.hidden(x);
        h.iter().zip(&self.w2).map(|(a, b)| a * b).sum::<f64>() + self.b2
    }

    fn penalty(&self) -> f64 {
        self.w1.iter().map(|w| w * w).sum::<f64>() + sq(self.b2)
    }

    /// The loss calling the model's plain methods on `self`.
    #[gradient]
    fn loss(&self, xs: &[f64], ys: &[f64]) -> f64 {
        let mut s = 0.0;
        for (i, y) in ys.iter().enumerate() {
            s += (self.forward(&xs[2 * i..2 * i + 2]) - y).powi(2);
        }
        s + 0.01 * self.penalty() + 0.001 * Self::penalty(self)
    }
}

/// A free function calling them on its model parameter.
#[gradient(wrt(m))]
fn mlp_loss(m: &Mlp, xs: &[f64], ys: &[f64]) -> f64 {
    ys.iter()
        .enumerate()
        .map(|(i, y)| (m.forward(&xs[2 * i..2 * i + 2]) - y).powi(2))
        .sum::<f64>()
        + Mlp::penalty(m)
}

#[test]
fn plain_methods_of_the_model() {
    let m = Mlp {
        w1: vec![0.1, -0.2, 0.3, 0.4, -0.5, 0.6],
        b1: vec![0.0, 0.1, -0.1],
        w2: vec![0.5, -0.4, 0.3],
        b2: 0.05,
    };
    let (xs, ys) = ([0.5, -1.0, 1.5, 0.2], [0.3, -0.1]);
    let p = m.to_flat();
    let at = |p: &[f64]| m.with_flat(p);
    let mut d = m.zeros_like();
    let v = m.loss_grad(&xs, &ys, &mut d);
    assert_eq!(v.to_bits(), m.loss(&xs, &ys).to_bits());
    let g = d.to_flat();
    check("Mlp::loss", &|p: &[f64]| at(p).loss(&xs, &ys), v, &g, &p);
    let mut d = m.zeros_like();
    let v = mlp_loss_grad(&m, &xs, &ys, &mut d);
    assert_eq!(v.to_bits(), mlp_loss(&m, &xs, &ys).to_bits());
    let g = d.to_flat();
    check(
        "mlp_loss",
        &|p: &[f64]| mlp_loss(&at(p), &xs, &ys),
        v,
        &g,
        &p,
    );
}

#[derive(Clone, Debug, Params)]
struct Layer {
    w: Vec<f64>,
    b: Vec<f64>,
}

impl Layer {
    fn forward(&self, x: &[f64]) -> Vec<f64> {
        let n = x.len();
        (0..self.b.len())
            .map(|k| {
                let mut a = self.b[k];
                for j in 0..n {
                    a += self.w[k * n + j] * x[j];
                }
                a.tanh()
            })
            .collect()
    }

    fn l2(&self) -> f64 {
        self.w.iter().map(|v| v * v).sum()
    }
}

#[derive(Clone, Debug, Params)]
struct Net {
    layers: Vec<Layer>,
    head: Layer,
}

impl Net {
    /// Plain methods called on fields of the model and on elements of a field.
    fn predict(&self, x: &[f64]) -> f64 {
        let h = self.layers[0].forward(x);
        let h2 = self.layers[1].forward(&h);
        self.head.forward(&h2)[0]
    }

    #[gradient]
    fn loss(&self, xs: &[f64], ys: &[f64]) -> f64 {
        let mut s = 0.0;
        for (i, y) in ys.iter().enumerate() {
            s += (self.predict(&xs[2 * i..2 * i + 2]) - y).powi(2);
        }
        s + 0.01 * (self.layers[0].l2() + self.layers[1].l2())
    }
}

#[gradient(wrt(net))]
fn net_loss(net: &Net, x: &[f64], y: f64) -> f64 {
    let h = net.layers[0].forward(x);
    (net.head.forward(&net.layers[1].forward(&h))[0] - y).powi(2) + net.layers[0].l2()
}

#[test]
fn plain_methods_of_fields_of_the_model() {
    let net = Net {
        layers: vec![
            Layer {
                w: vec![0.1, -0.2, 0.3, 0.4, -0.5, 0.6],
                b: vec![0.0, 0.1, -0.1],
            },
            Layer {
                w: vec![0.2, -0.1, 0.05, 0.3, 0.1, -0.2, 0.15, 0.25, -0.3],
                b: vec![0.05; 3],
            },
        ],
        head: Layer {
            w: vec![0.5, -0.4, 0.3],
            b: vec![0.05],
        },
    };
    let (xs, ys) = ([0.5, -1.0, 1.5, 0.2], [0.3, -0.1]);
    let p = net.to_flat();
    let mut d = net.zeros_like();
    let v = net.loss_grad(&xs, &ys, &mut d);
    assert_eq!(v.to_bits(), net.loss(&xs, &ys).to_bits());
    let g = d.to_flat();
    check(
        "Net::loss",
        &|p: &[f64]| net.with_flat(p).loss(&xs, &ys),
        v,
        &g,
        &p,
    );
    let mut d = net.zeros_like();
    let v = net_loss_grad(&net, &xs[..2], 0.3, &mut d);
    assert_eq!(v.to_bits(), net_loss(&net, &xs[..2], 0.3).to_bits());
    let g = d.to_flat();
    check(
        "net_loss",
        &|p: &[f64]| net_loss(&net.with_flat(p), &xs[..2], 0.3),
        v,
        &g,
        &p,
    );
}

#[gradient(wrt(l))]
fn layer_l1(l: &Layer) -> f64 {
    l.w.iter().map(|v| v.abs()).sum()
}

#[derive(Clone, Debug, Params)]
struct Stack {
    layers: Vec<Layer>,
}

impl Stack {
    /// A plain method on each element of a sequence of layers, in `for` loops.
    fn predict(&self, x: &[f64]) -> f64 {
        let mut h = x.to_vec();
        for layer in &self.layers {
            h = layer.forward(&h);
        }
        h.iter().sum()
    }

    #[gradient]
    fn loss(&self, xs: &[f64], ys: &[f64]) -> f64 {
        let mut s = 0.0;
        for (i, y) in ys.iter().enumerate() {
            s += (self.predict(&xs[2 * i..2 * i + 2]) - y).powi(2);
        }
        let mut reg = 0.0;
        for layer in self.layers.iter() {
            reg += layer.l2() + layer_l1(layer);
        }
        for (l, layer) in self.layers.iter().enumerate().rev() {
            reg += (layer.l2() + layer_l1(layer)) * (l + 1) as f64;
        }
        for layer in self.layers.iter().skip(1) {
            reg += layer_l1(layer) * layer.b[0];
        }
        for l in 0..self.layers.len() {
            let layer = &self.layers[l];
            let marks = vec![0.5; layer.w.len()];
            reg += layer.l2() * marks[0] + layer_l1(layer) * layer.w[0];
        }
        let last = &self.layers[self.layers.len() - 1];
        reg += last.l2() * last.b[1];
        let closures = self
            .layers
            .iter()
            .map(|l| l.l2() * l.b[0] + layer_l1(l))
            .sum::<f64>();
        s + 0.01 * reg + 0.1 * layer_l1(last) + 0.05 * closures
    }
}

#[test]
fn plain_methods_of_each_layer() {
    let stack = Stack {
        layers: vec![
            Layer {
                w: vec![0.1, -0.2, 0.3, 0.4, -0.5, 0.6],
                b: vec![0.0, 0.1, -0.1],
            },
            Layer {
                w: vec![0.2, -0.1, 0.05, 0.3, 0.1, -0.2],
                b: vec![0.05; 2],
            },
        ],
    };
    let (xs, ys) = ([0.5, -1.0, 1.5, 0.2], [0.3, -0.1]);
    let p = stack.to_flat();
    let mut d = stack.zeros_like();
    let v = stack.loss_grad(&xs, &ys, &mut d);
    assert_eq!(v.to_bits(), stack.loss(&xs, &ys).to_bits());
    let g = d.to_flat();
    check(
        "Stack::loss",
        &|p: &[f64]| stack.with_flat(p).loss(&xs, &ys),
        v,
        &g,
        &p,
    );
}

/// Helpers of other modules of the file: by path (`nn::act::gelu`, `super::`, `self::`,
/// `crate::`), named as a value, imported by `use` (renamed too), and a `#[gradient]` function
/// of a module calling them.
mod nn {
    pub mod act {
        pub fn gelu(z: f64) -> f64 {
            0.5 * z * (1.0 + (0.797_884_560_802_865_4 * (z + 0.044_715 * z * z * z)).tanh())
        }
        pub fn softplus(z: f64) -> f64 {
            if z > 20.0 {
                z
            } else {
                z.exp().ln_1p()
            }
        }
    }
    /// Helpers calling the items of their module: siblings, a public constant, an enum's
    /// variants in patterns and paths, a struct, `super::` and `self::`.
    pub mod layer {
        pub const SLOPE: f64 = 0.02;

        #[derive(Clone, Copy)]
        pub enum Kind {
            Leaky,
            Smooth,
        }

        pub struct Pair {
            pub a: f64,
            pub b: f64,
        }

        pub fn leaky(z: f64) -> f64 {
            if z > 0.0 {
                z
            } else {
                SLOPE * z
            }
        }

        pub fn act(z: f64, k: Kind) -> f64 {
            let p = Pair { a: z, b: 0.5 };
            match k {
                Kind::Leaky => leaky(p.a) * p.b,
                Kind::Smooth => super::act::softplus(z) + self::leaky(-z),
            }
        }
    }

    pub mod inner {
        use super::act::gelu;
        use super::act::softplus as sp;
        use grad::gradient;

        #[gradient(jvp, hvp)]
        pub fn deep(z: f64) -> f64 {
            gelu(z) + super::act::gelu(z * 0.5) + crate::nn::act::gelu(-z) + sp(z) * self::half(z)
        }

        pub fn half(z: f64) -> f64 {
            0.5 * z
        }
    }
}

use nn::act::softplus;

mod helpers_files;
use helpers_files::smooth_abs as sabs;

/// Helpers of a module file (`mod helpers_files;`), by path and imported under another name.
#[gradient(wrt(w), jvp)]
fn through_files(w: &[f64]) -> f64 {
    helpers_files::cube(w[0]) + crate::helpers_files::cube(w[1] * 0.5) + sabs(w[2] - w[0])
}

#[test]
fn helpers_of_module_files() {
    let w = [0.3, -0.7, 1.1];
    let mut d = [0.0; 3];
    let v = through_files_grad(&w, &mut d);
    assert_eq!(v.to_bits(), through_files(&w).to_bits());
    check("through_files", &|p: &[f64]| through_files(p), v, &d, &w);
}

#[gradient(wrt(w), jvp, hvp)]
fn through_modules(w: &[f64]) -> f64 {
    let acts: f64 = w.iter().copied().map(nn::act::gelu).sum();
    let mut s = 0.0;
    for &v in w {
        if nn::act::softplus(v) > 0.5 {
            s += softplus(v * 2.0);
        }
    }
    acts + s
        + nn::inner::deep(w[0]) * nn::inner::half(w[1])
        + nn::layer::act(w[1], nn::layer::Kind::Leaky)
        + nn::layer::act(w[2], nn::layer::Kind::Smooth)
}

#[test]
fn helpers_of_other_modules() {
    let w = [0.3, -0.7, 1.1];
    let mut d = [0.0; 3];
    let v = through_modules_grad(&w, &mut d);
    assert_eq!(v.to_bits(), through_modules(&w).to_bits());
    check(
        "through_modules",
        &|p: &[f64]| through_modules(p),
        v,
        &d,
        &w,
    );
    let (mut g, mut hv) = ([0.0; 3], [0.0; 3]);
    let t = [1.0, -0.5, 0.25];
    let v2 = through_modules_hvp(&w, &t, &mut g, &mut hv);
    assert_eq!(v2.to_bits(), v.to_bits());
    let h = fd_hessian(&|p: &[f64]| through_modules(p), &w);
    for i in 0..3 {
        let want: f64 = (0..3).map(|j| h[i * 3 + j] * t[j]).sum();
        assert!(
            (hv[i] - want).abs() < 1e-5 * (1.0 + want.abs()),
            "{hv:?} {i} {want}"
        );
    }
}

pub trait Predict {
    fn predict(&self, x: &[f64]) -> f64;
    /// A default method, which the `impl` below does not write.
    fn score(&self, x: &[f64]) -> f64 {
        let p = self.predict(x);
        p * p + self.predict(x)
    }
}

#[derive(Clone, Copy)]
enum Act {
    Tanh,
    Sigmoid,
}

impl Act {
    fn apply(self, z: f64) -> f64 {
        match self {
            Act::Tanh => z.tanh(),
            Act::Sigmoid => sigmoid(z),
        }
    }
}

#[derive(Clone, Debug, Params)]
struct Affine {
    w: Vec<f64>,
    b: f64,
}

impl Predict for Affine {
    fn predict(&self, x: &[f64]) -> f64 {
        self.w.iter().zip(x).map(|(a, b)| a * b).sum::<f64>() + self.b
    }
}

/// A trait's method of the model's type, one of its default methods, and an enum's method.
#[gradient(wrt(m))]
fn through_traits(m: &Affine, xs: &[Vec<f64>], act: Act) -> f64 {
    xs.iter()
        .map(|x| act.apply(m.predict(x)) + 0.1 * m.score(x))
        .sum()
}

#[test]
fn trait_methods_of_the_model() {
    let m = Affine {
        w: vec![0.3, -0.2],
        b: 0.1,
    };
    let xs = vec![vec![1.0, 2.0], vec![0.5, -1.0]];
    for act in [Act::Tanh, Act::Sigmoid] {
        let mut d = m.zeros_like();
        let v = through_traits_grad(&m, &xs, act, &mut d);
        assert_eq!(v.to_bits(), through_traits(&m, &xs, act).to_bits());
        check(
            "through_traits",
            &|p: &[f64]| through_traits(&m.with_flat(p), &xs, act),
            v,
            &d.to_flat(),
            &m.to_flat(),
        );
    }
}

#[derive(Clone, Debug, Params)]
struct Unit {
    w: Vec<f64>,
    b: f64,
}

impl Unit {
    /// Associated functions without `#[gradient]` (no receiver), as activations are often kept.
    fn act(z: f64) -> f64 {
        z.tanh() + 0.1 * Self::leak(z)
    }

    fn leak(z: f64) -> f64 {
        if z > 0.0 {
            z
        } else {
            0.01 * z
        }
    }

    #[gradient(jvp)]
    fn loss(&self, x: &[f64], y: f64) -> f64 {
        let z: f64 = self.w.iter().zip(x).map(|(a, b)| a * b).sum::<f64>() + self.b;
        (Self::act(z) - y).powi(2) + Unit::leak(self.b) * 0.5
    }
}

/// The same functions from a free function, by the type's path.
#[gradient(wrt(u))]
fn unit_free(u: &Unit, x: &[f64]) -> f64 {
    Unit::act(u.w[0] * x[0]) * Unit::leak(u.b - x[1])
}

#[test]
fn associated_functions_of_the_models_impl() {
    let u = Unit {
        w: vec![0.4, -0.3],
        b: 0.2,
    };
    let x = [1.5, -0.5];
    let mut d = u.zeros_like();
    let v = u.loss_grad(&x, 0.3, &mut d);
    assert_eq!(v.to_bits(), u.loss(&x, 0.3).to_bits());
    check(
        "Unit::loss",
        &|p: &[f64]| u.with_flat(p).loss(&x, 0.3),
        v,
        &d.to_flat(),
        &u.to_flat(),
    );
    let mut d = u.zeros_like();
    let v = unit_free_grad(&u, &x, &mut d);
    assert_eq!(v.to_bits(), unit_free(&u, &x).to_bits());
    check(
        "unit_free",
        &|p: &[f64]| unit_free(&u.with_flat(p), &x),
        v,
        &d.to_flat(),
        &u.to_flat(),
    );
}

struct Point {
    x: f64,
    y: f64,
}

fn point_norm(p: Point) -> f64 {
    (p.x * p.x + p.y * p.y).sqrt()
}

/// A struct of differentiated values handed whole to a plain helper (the UI case
/// `err_index_and_struct` until this session: it compiles now, inlined).
#[gradient]
fn struct_handed_whole(x: f64, y: f64) -> f64 {
    let p = Point { x, y: y * 2.0 };
    point_norm(p) * x
}

#[test]
fn structs_handed_whole_to_helpers() {
    let (v, g) = struct_handed_whole_grad(0.6, -0.4);
    assert_eq!(v.to_bits(), struct_handed_whole(0.6, -0.4).to_bits());
    check(
        "struct_handed_whole",
        &|p: &[f64]| struct_handed_whole(p[0], p[1]),
        v,
        &g,
        &[0.6, -0.4],
    );
}

fn pair_norm(p: &(f64, f64)) -> f64 {
    (p.0 * p.0 + p.1 * p.1).sqrt()
}

fn pair_mix(t: &(f64, f64), s: f64) -> f64 {
    let (a, b) = *t;
    a * s + b.cos() + pair_norm(t)
}

/// A local tuple lent to helpers taking `&(f64, f64)` (`pair_norm(&p)`), a reference to it held
/// in a local first, a tuple state updated in a loop and then lent, and a tuple parameter taken
/// by reference handed on as it is (`pair_norm(p)`): rustc's "cannot follow a tuple" error from
/// the macro before, or an endless rewrite of the reference.
#[gradient]
fn tuples_lent(x: f64, y: f64) -> f64 {
    let p = (x, y * 2.0);
    let mut st: (f64, f64) = (x, y);
    for _ in 0..3 {
        st = (st.0 + 0.1 * st.1, st.1 - 0.1 * st.0);
    }
    let r = &st;
    let first = if pair_norm(&p) > 1.0 {
        pair_mix(r, 0.5)
    } else {
        r.1
    };
    first + pair_norm(&p) * pair_mix(&(x, 1.5), y) + r.0 * sq(pair_norm(&st))
}

#[gradient(jvp, hvp)]
fn tuple_param_lent(p: &(f64, f64), k: f64) -> f64 {
    let q = p;
    pair_norm(p) * k + pair_mix(p, 2.0) + q.0 * q.1
}

#[test]
fn tuples_lent_to_helpers() {
    for (x, y) in [(0.4, 1.2), (-0.3, 0.2)] {
        let (v, g) = tuples_lent_grad(x, y);
        assert_eq!(v.to_bits(), tuples_lent(x, y).to_bits());
        check(
            "tuples_lent",
            &|p: &[f64]| tuples_lent(p[0], p[1]),
            v,
            &g,
            &[x, y],
        );
    }
    let mut d_p = (0.0, 0.0);
    let (v, [dk]) = tuple_param_lent_grad(&(0.4, 1.2), 0.7, &mut d_p);
    assert_eq!(v.to_bits(), tuple_param_lent(&(0.4, 1.2), 0.7).to_bits());
    check(
        "tuple_param_lent",
        &|p: &[f64]| tuple_param_lent(&(p[0], p[1]), p[2]),
        v,
        &[d_p.0, d_p.1, dk],
        &[0.4, 1.2, 0.7],
    );
    let (_, t) = tuple_param_lent_jvp(&(0.4, 1.2), 0.7, &(1.0, -0.5), 0.25);
    let want = d_p.0 - 0.5 * d_p.1 + 0.25 * dk;
    assert!((t - want).abs() < 1e-12, "{t} {want}");
}

/// Takes the activations by value and consumes them, as an activation over a layer's output is
/// often written.
fn relu_owned(v: Vec<f64>) -> Vec<f64> {
    v.into_iter().map(|z| z.max(0.0)).collect()
}

#[gradient]
fn squashed_owned(v: Vec<f64>, k: f64) -> Vec<f64> {
    v.iter().map(|z| (z * k).tanh()).collect()
}

/// A plain helper consuming a `Vec` by `into_iter()` (was: "into_iter() of a differentiated
/// sequence is followed where .."), and a `#[gradient]` vector function taking its `Vec` by value,
/// whose generated `_vjp`, `_jvp` and `_jacobian` moved it twice (E0382).
#[gradient(jvp)]
fn owned_layers(x: &[f64], k: f64) -> f64 {
    let h: Vec<f64> = x.iter().map(|v| v * 2.0 - 0.5).collect();
    let r = relu_owned(h);
    let s = squashed_owned(r.clone(), k);
    r.iter().sum::<f64>() + s[0] * s[1]
}

#[test]
fn vectors_taken_by_value() {
    let x = [0.4, -0.3, 1.1];
    let mut d_x = [0.0; 3];
    let (v, [dk]) = owned_layers_grad(&x, 0.7, &mut d_x);
    assert_eq!(v.to_bits(), owned_layers(&x, 0.7).to_bits());
    let mut g = d_x.to_vec();
    g.push(dk);
    check(
        "owned_layers",
        &|p: &[f64]| owned_layers(&p[..3], p[3]),
        v,
        &g,
        &[0.4, -0.3, 1.1, 0.7],
    );
    let (s, rows) = squashed_owned_jacobian(vec![0.5, -1.0], 0.7);
    assert_eq!(s, squashed_owned(vec![0.5, -1.0], 0.7));
    // ∂ tanh(z k)/∂k = z (1 − tanh²): the scalar `k` comes first in each row.
    let want = 0.5 * (1.0 - s[0] * s[0]);
    assert!((rows[0][0] - want).abs() < 1e-12, "{rows:?}");
    let mut d_v = [0.0; 2];
    let (_, [dk_vjp]) = squashed_owned_vjp(vec![0.5, -1.0], 0.7, &[1.0, 0.0], &mut d_v);
    assert!((dk_vjp - want).abs() < 1e-12);
    // ∂ tanh(v₀ k)/∂v₀ = k (1 − tanh²), beside the scalar in the Jacobian's first row.
    assert!((d_v[0] - 0.7 * (1.0 - s[0] * s[0])).abs() < 1e-12 && d_v[1] == 0.0);
    assert!((rows[0][1] - d_v[0]).abs() < 1e-12, "{rows:?}");
}

#[gradient]
fn tuple_norm(p: (f64, f64)) -> f64 {
    (p.0 * p.0 + p.1 * p.1).sqrt()
}

#[gradient(wrt(a))]
fn tuple_ref_term(a: f64, p: &(f64, f64)) -> f64 {
    a * p.0 + p.1.sin()
}

/// `#[gradient]` functions taking a tuple (by value, by reference under `wrt`), called with a
/// tuple local, a literal tuple and one made in a loop: "does not follow a tuple of differentiated
/// floats handed to a function" before; followed into their bodies now.
#[gradient(jvp)]
fn tuples_to_annotated(x: f64, y: f64) -> f64 {
    let p = (x, y * 2.0);
    let mut s = tuple_norm(p) + tuple_norm((y, 1.0));
    for k in 0..3 {
        let q = (x * f64::from(k), y);
        s += tuple_ref_term(x, &q) + tuple_norm(q);
    }
    s
}

#[test]
fn tuples_handed_to_annotated_functions() {
    for (x, y) in [(0.6, -0.4), (-1.1, 0.3)] {
        let (v, g) = tuples_to_annotated_grad(x, y);
        assert_eq!(v.to_bits(), tuples_to_annotated(x, y).to_bits());
        check(
            "tuples_to_annotated",
            &|p: &[f64]| tuples_to_annotated(p[0], p[1]),
            v,
            &g,
            &[x, y],
        );
        let (_, t) = tuples_to_annotated_jvp(x, y, 0.5, -2.0);
        assert!((t - (0.5 * g[0] - 2.0 * g[1])).abs() < 1e-12);
    }
    // The functions themselves are unchanged.
    let mut d = (0.0, 0.0);
    let v = tuple_norm_grad((0.3, 0.4), &mut d);
    assert!((v - 0.5).abs() < 1e-15 && (d.0 - 0.6).abs() < 1e-15 && (d.1 - 0.8).abs() < 1e-15);
}

/// Generic over arithmetic only (no float trait), as a small numeric helper is often written.
fn squared<T>(x: T) -> T
where
    T: std::ops::Mul<Output = T> + Copy,
{
    x * x
}

fn weighted<T: std::ops::Mul<Output = T> + std::ops::Add<Output = T> + Copy>(
    a: T,
    b: T,
    t: T,
) -> T {
    a * t + b
}

fn dot_generic<T: num_traits::Float>(a: &[T], b: &[T]) -> T {
    a.iter().zip(b).fold(T::zero(), |s, (&x, &y)| s + x * y)
}

struct Samples {
    xs: Vec<Vec<f64>>,
    ys: Vec<f64>,
}

impl Samples {
    fn row(&self, i: usize) -> &[f64] {
        &self.xs[i]
    }

    fn count(&self) -> usize {
        self.ys.len()
    }
}

/// Helpers generic over arithmetic traits (`T: Mul<Output = T> + Copy`), inlined for the
/// caller's float ("cannot add `T` to `T`" in their derived copies before), and a plain data
/// method's result handed straight to a generic helper (`dot_generic(w, d.row(i))`: an E0080
/// "data whose type `#[gradient]` cannot see" before).
#[gradient(wrt(w))]
fn generic_arithmetic(w: &[f64], d: &Samples) -> f64 {
    let mut l = 0.0;
    for i in 0..d.count() {
        let r = dot_generic(w, d.row(i)) - d.ys[i];
        l += squared(r) + weighted(w[0], r, 0.5);
    }
    l / d.count() as f64
}

#[test]
fn generic_helpers_of_arithmetic_and_data_methods() {
    let d = Samples {
        xs: vec![vec![1.0, 0.5], vec![-0.3, 0.8], vec![0.2, -1.1]],
        ys: vec![0.4, -0.2, 0.9],
    };
    let w = [0.3, -0.7];
    let mut d_w = [0.0; 2];
    let v = generic_arithmetic_grad(&w, &d, &mut d_w);
    assert_eq!(v.to_bits(), generic_arithmetic(&w, &d).to_bits());
    check(
        "generic_arithmetic",
        &|p: &[f64]| generic_arithmetic(p, &d),
        v,
        &d_w,
        &w,
    );
}

fn pick_doubled(w: &[f64], idx: Vec<usize>) -> Vec<f64> {
    idx.into_iter().map(|i| w[i] * 2.0).collect()
}

fn pick_sum(w: &[f64], idx: &[usize]) -> f64 {
    idx.iter().map(|&i| w[i]).sum()
}

/// Lists of indices made at the call (`vec![1, 0]`, `&vec![0]`, `&[1, 1]`) handed to helpers
/// taking `Vec<usize>` and `&[usize]`: "cannot differentiate through the macro `vec!`" where a
/// vector-valued helper came first.
#[gradient]
fn index_lists(x: &[f64]) -> f64 {
    let h = pick_doubled(x, vec![1, 0]);
    h[0] + pick_sum(x, &[1, 1]) + pick_sum(x, &vec![0])
}

#[test]
fn lists_of_data_made_at_the_call() {
    let x = [0.3, 0.5];
    let mut d = [0.0; 2];
    let v = index_lists_grad(&x, &mut d);
    assert_eq!(v.to_bits(), index_lists(&x).to_bits());
    assert_eq!(d, [1.0, 4.0]);
}

/// Losses as objects of a trait, made in the body (`let l = Mse;`, `let h = Huber { delta };`)
/// and called there: their methods are plain methods of the file, inlined (a rustc error in the
/// expansion before, `Mse: Clone` and "no method named `eval_grad`").
trait PointLoss {
    fn eval(&self, pred: f64, y: f64) -> f64;
}

struct Mse;

impl PointLoss for Mse {
    fn eval(&self, pred: f64, y: f64) -> f64 {
        (pred - y).powi(2)
    }
}

struct Huber {
    delta: f64,
}

impl PointLoss for Huber {
    fn eval(&self, pred: f64, y: f64) -> f64 {
        let r = (pred - y).abs();
        if r <= self.delta {
            0.5 * r * r
        } else {
            self.delta * (r - 0.5 * self.delta)
        }
    }
}

#[gradient(wrt(w))]
fn loss_objects(w: &[f64], xs: &[f64], ys: &[f64], delta: f64) -> f64 {
    let l = Mse;
    let h = Huber { delta };
    xs.iter()
        .zip(ys)
        .map(|(x, y)| l.eval(w[0] * x + w[1], *y) + h.eval(w[0] * x * x, *y))
        .sum::<f64>()
        // (A closure whose body begins with a block: the macro panicked, "expected an
        // expression", where a reduction read it.)
        + xs.iter().map(|x| { x * w[1] } + w[0]).sum::<f64>()
}

#[test]
fn loss_objects_made_in_the_body() {
    let (xs, ys) = ([1.0, 2.0, -0.5], [1.0, 2.5, 0.3]);
    for w in [[0.5, 0.1], [-1.5, 2.0]] {
        let mut d = [0.0; 2];
        let v = loss_objects_grad(&w, &xs, &ys, 0.75, &mut d);
        assert_eq!(v.to_bits(), loss_objects(&w, &xs, &ys, 0.75).to_bits());
        check(
            "loss_objects",
            &|p| loss_objects(p, &xs, &ys, 0.75),
            v,
            &d,
            &w,
        );
    }
}

/// Helpers giving an `Option` of a float: a test then a value, an early `return None`,
/// `(c).then(|| e)`, a loop that returns from inside.
fn safe_ln(x: f64) -> Option<f64> {
    if x > 0.0 {
        Some(x.ln())
    } else {
        None
    }
}

fn ratio(a: f64, b: f64) -> Option<f64> {
    if b.abs() < 1e-12 {
        return None;
    }
    Some(a / b)
}

fn root(x: f64) -> Option<f64> {
    (x >= 0.0).then(|| x.sqrt())
}

fn first_above(t: f64) -> Option<f64> {
    for k in 0..3 {
        let u = t + f64::from(k) * 0.5;
        if u > 0.3 {
            return Some(u.tanh());
        }
    }
    None
}

/// Every way a caller reads them: `unwrap_or`, `match` (`None` first or last), `if let`,
/// `map_or`, `map(..).unwrap_or(..)`, `unwrap`, `is_some`, `let .. else`,
/// `unwrap_or_default`, a typed `let`, in a loop and inside a `loop` that breaks.
#[gradient(jvp, hvp)]
fn options_given(x: f64, y: f64, xs: &[f64]) -> f64 {
    let a = safe_ln(x).unwrap_or(0.0);
    let b = match safe_ln(y) {
        None => -1.0,
        Some(v) => v * 0.5,
    };
    let c = if let Some(r) = ratio(x, y) {
        r * r
    } else {
        0.0
    };
    let d = ratio(y, x).map_or(1.0, |r| r.sin());
    let mut s = 0.0;
    for &v in xs {
        s += safe_ln(v * x).unwrap_or(-2.0);
        if let Some(q) = ratio(v, y) {
            s += q;
        }
    }
    let e = safe_ln(y).map(|v| v * 2.0).unwrap_or(0.5);
    let f = ratio(x, y).unwrap();
    let g = if safe_ln(x - 10.0).is_some() {
        1.0
    } else {
        x * y
    };
    let Some(h) = ratio(x + 1.0, y) else {
        return 0.0;
    };
    let k = root(x).unwrap_or_default();
    let o: Option<f64> = safe_ln(y + 3.0);
    let mut acc = x;
    let mut j = 0;
    loop {
        j += 1;
        if j > 3 {
            break;
        }
        let w = match first_above(acc) {
            Some(q) => q * 0.5,
            None => -0.25,
        };
        acc += w;
    }
    a * b + c + d + s + e + f + g + h + k + acc + o.unwrap_or(1.0)
}

#[test]
fn helpers_giving_options() {
    let xs = [0.5, -0.3, 1.2];
    for (x, y) in [(0.5, 2.0), (-0.5, 0.7), (1.5, -0.4), (-1.2, -0.9)] {
        let mut dxs = [0.0; 3];
        let (v, [dx, dy]) = options_given_grad(x, y, &xs, &mut dxs);
        let p = [x, y, xs[0], xs[1], xs[2]];
        let f = |p: &[f64]| options_given(p[0], p[1], &p[2..]);
        let g = [dx, dy, dxs[0], dxs[1], dxs[2]];
        check("options_given", &f, v, &g, &p);
        let dir = [0.3, -0.2, 0.1, 0.4, -0.5];
        let (vj, t) = options_given_jvp(x, y, &xs, dir[0], dir[1], &dir[2..]);
        assert_eq!(vj.to_bits(), v.to_bits());
        let want: f64 = g.iter().zip(dir).map(|(a, b)| a * b).sum();
        assert!((t - want).abs() < 1e-8 * (1.0 + want.abs()), "{t} {want}");
        let (mut d2, mut hv) = ([0.0; 3], [0.0; 3]);
        let (_, _, [hx, hy]) =
            options_given_hvp(x, y, &xs, dir[0], dir[1], &dir[2..], &mut d2, &mut hv);
        let hess = fd_hessian(&f, &p);
        let got = [hx, hy, hv[0], hv[1], hv[2]];
        for i in 0..5 {
            let want: f64 = (0..5).map(|j| hess[i * 5 + j] * dir[j]).sum();
            assert!(
                (got[i] - want).abs() < 1e-4 * (1.0 + want.abs()),
                "H·v[{i}] {} {want}",
                got[i]
            );
        }
    }
}

const LIMIT: usize = 3;

/// A helper whose body names `None` and a constant, inlined into a caller whose `match` arms
/// name them too (`None =>` first, `LIMIT =>`): the arms' names are a variant and a constant,
/// never bindings (made bindings by the inlining's renaming before, they matched anything:
/// the value and the gradient were those of the first arm, silently).
fn pick(x: f64, k: usize) -> f64 {
    let o: Option<usize> = if k > 2 { Some(k) } else { None };
    let s = match o {
        None => 1.0,
        Some(v) => v as f64,
    };
    let t = match k {
        LIMIT => 10.0,
        _ => 1.0,
    };
    s * t * x
}

#[gradient]
fn arms_naming_variants(x: f64, y: f64, k: usize) -> f64 {
    let o: Option<usize> = if k > 2 { Some(k) } else { None };
    let a = pick(x, k);
    let c = |z: f64| match o {
        None => z,
        Some(_) => 2.0 * z,
    };
    let b = match o {
        None => -1.0,
        Some(v) => v as f64 * y,
    };
    let d = match k {
        LIMIT => 5.0 * x,
        _ => x,
    };
    a * b + x + c(y) + d
}

#[test]
fn arms_naming_a_variant_or_a_constant_stay_patterns() {
    for k in [1, 3, 4] {
        let (v, [dx, dy]) = arms_naming_variants_grad(0.5, 2.0, k);
        let f = |p: &[f64]| arms_naming_variants(p[0], p[1], k);
        check("arms_naming_variants", &f, v, &[dx, dy], &[0.5, 2.0]);
    }
    // (The values the arms give, written out.)
    assert_eq!(
        arms_naming_variants(0.5, 2.0, 3),
        15.0 * 6.0 + 0.5 + 4.0 + 2.5
    );
    assert_eq!(arms_naming_variants_grad(0.5, 2.0, 3).0, 97.0);
}

/// Generic helpers giving an `Option` (their bodies name `T`: `T::from(..)`, `T::zero()`).
fn half_sin_below<T: num_traits::Float>(t: T) -> Option<T> {
    (t < T::from(0.5).unwrap()).then(|| t.sin() * T::from(0.5).unwrap())
}

fn ln_if_positive<T: num_traits::Float>(t: T) -> Option<T> {
    if t > T::zero() {
        Some(t.ln())
    } else {
        None
    }
}

/// Called from a generic caller (where they stay generic), in iterator closures whose body is the
/// call read by `unwrap_or`, `map_or`, `match` and `if let`.
#[gradient]
fn generic_options<T: num_traits::Float + std::iter::Sum>(x: T, xs: &[T]) -> T {
    let a = half_sin_below(x * xs[0]).map_or(T::from(0.3).unwrap(), |q| q * q);
    let b: T = xs
        .iter()
        .map(|&v| ln_if_positive(v).unwrap_or(T::zero()))
        .sum();
    let c = xs.iter().fold(T::zero(), |acc, &v| {
        acc + ln_if_positive(v + x).map_or(T::one(), |l| l * l)
    });
    let d: T = xs
        .iter()
        .map(|&v| match half_sin_below(v) {
            None => v,
            Some(s) => s * x,
        })
        .sum();
    let e: T = xs
        .iter()
        .map(|&v| {
            if let Some(l) = ln_if_positive(v * x) {
                l
            } else {
                T::zero()
            }
        })
        .sum();
    a + b + c + d + e
}

/// A helper returning from inside a loop.
fn first_beyond(t: f64) -> Option<f64> {
    for k in 0..3 {
        let u = t + f64::from(k) * 0.5;
        if u > 0.3 {
            return Some(u.tanh());
        }
    }
    None
}

/// The same helpers made concrete by an `f64` caller, and plain ones in a `filter_map`.
#[gradient]
fn concrete_options(x: f64, xs: &[f64]) -> f64 {
    let mut s = half_sin_below(x).unwrap_or(1.0);
    for &v in xs {
        if let Some(l) = ln_if_positive(v) {
            s += l * x;
        }
    }
    s + xs
        .iter()
        .filter_map(|&v| ln_if_positive(v + x))
        .sum::<f64>()
        + xs.iter().filter_map(|&v| first_beyond(v * x)).sum::<f64>()
        + collected_and_closed(x, xs)
        + xs.iter()
            .map(|&v| ln_if_positive(v).unwrap_or(0.0) * 2.0 + half_sin_below(v).unwrap_or(v))
            .sum::<f64>()
}

/// A `filter_map` of a helper's `Option` collected, and a closure giving one, called in a
/// closure.
fn collected_and_closed(x: f64, xs: &[f64]) -> f64 {
    let logs: Vec<f64> = xs.iter().filter_map(|&v| ln_if_positive(v * x)).collect();
    let f = |z: f64| ln_if_positive(z * x + 0.5);
    logs.iter().sum::<f64>()
        + xs.iter().map(|&v| f(v).unwrap_or(0.25)).sum::<f64>()
        + xs.iter()
            .map(|&v| ln_if_positive(v - x))
            .map(|o| o.unwrap_or(-0.5))
            .sum::<f64>()
}

#[test]
fn generic_helpers_giving_options_and_options_in_closures() {
    for (x, xs) in [
        (0.4, [0.5, -0.3, 1.2]),
        (1.3, [-0.2, 0.9, 0.1]),
        (-0.6, [0.7, 0.8, -1.5]),
    ] {
        let mut dxs = [0.0; 3];
        let (v, [dx]) = generic_options_grad(x, &xs, &mut dxs);
        let f = |p: &[f64]| generic_options(p[0], &p[1..]);
        let p = [x, xs[0], xs[1], xs[2]];
        check("generic_options", &f, v, &[dx, dxs[0], dxs[1], dxs[2]], &p);
        let mut dxs = [0.0; 3];
        let (v, [dx]) = concrete_options_grad(x, &xs, &mut dxs);
        let f = |p: &[f64]| concrete_options(p[0], &p[1..]);
        check("concrete_options", &f, v, &[dx, dxs[0], dxs[1], dxs[2]], &p);
        // The f32 instance: its value is the function's.
        let xs32 = xs.map(|v| v as f32);
        let mut d32 = [0.0f32; 3];
        let (v32, _) = generic_options_grad(x as f32, &xs32, &mut d32);
        assert_eq!(v32.to_bits(), generic_options(x as f32, &xs32).to_bits());
    }
}

/// A plain helper generic over arithmetic traits only (not `Float`), called from vector-valued
/// functions: a free one and a model's method, each called by a scalar loss. Their elements'
/// type is the one the helper is made concrete for.
fn mul_add_generic<T>(x: T, y: T) -> T
where
    T: std::ops::Mul<Output = T> + std::ops::Add<Output = T> + Copy,
{
    x * y + x
}

#[gradient]
fn pair_of(x: f64, y: f64) -> Vec<f64> {
    vec![mul_add_generic(x, y), mul_add_generic(y, x * 0.5)]
}

#[gradient]
fn uses_pair(x: f64, y: f64) -> f64 {
    let p = pair_of(x, y);
    p[0] * p[1] + p[1].sin()
}

#[derive(Clone, Params)]
struct Scaled {
    a: f64,
    b: f64,
}

impl Scaled {
    #[gradient(wrt(self, x))]
    fn parts(&self, x: f64) -> Vec<f64> {
        vec![mul_add_generic(self.a, x), mul_add_generic(self.b, self.a)]
    }

    #[gradient(wrt(self, x))]
    fn loss(&self, x: f64) -> f64 {
        let p = self.parts(x);
        p[0] * p[1]
    }
}

#[test]
fn generic_arithmetic_helpers_in_vector_valued_functions() {
    let (v, g) = uses_pair_grad(0.7, -0.4);
    check("uses_pair", &|p| uses_pair(p[0], p[1]), v, &g, &[0.7, -0.4]);
    let m = Scaled { a: 0.6, b: -1.3 };
    let mut d = Scaled { a: 0.0, b: 0.0 };
    let (v, [dx]) = m.loss_grad(0.9, &mut d);
    check(
        "Scaled::loss",
        &|p| Scaled { a: p[0], b: p[1] }.loss(p[2]),
        v,
        &[d.a, d.b, dx],
        &[m.a, m.b, 0.9],
    );
}

fn bumped(a: f64) -> f64 {
    let mut s = -0.7;
    if {
        s += a.atan2(1.7).tanh();
        s > 0.4
    } || a > 2.0
    {
        s -= 0.3;
    }
    s.tanh() * a
}

/// A helper named inside a macro's tokens (`vec![..map(bumped).. ; 3]`) where a local takes its
/// name later in an inner block: the macro names the helper, which is copied (a compile error
/// inside generated code before: the copy was skipped and its calls left to a `bumped_grad` that
/// does not exist).
#[gradient(jvp, hvp)]
fn named_later_by_a_local(x: f64, y: f64) -> f64 {
    let first = bumped(x);
    let table = vec![
        (0..2)
            .map(|q| -2.9 + f64::from(q) * 0.25)
            .map(bumped)
            .sum::<f64>();
        3
    ];
    let mixed = vec![bumped(y) * x, table[1]];
    let inner = {
        let w = bumped(x * y).tanh();
        let bumped = w * 0.5;
        bumped.tanh() + bumped * 0.25
    };
    first + inner + table[2] * y + mixed[0]
}

#[test]
fn a_local_of_a_helpers_name_after_a_macro_naming_the_helper() {
    let p = [0.8, -0.6];
    let (v, g) = named_later_by_a_local_grad(p[0], p[1]);
    assert_eq!(v.to_bits(), named_later_by_a_local(p[0], p[1]).to_bits());
    check(
        "named_later_by_a_local",
        &|q| named_later_by_a_local(q[0], q[1]),
        v,
        &g,
        &p,
    );
    let (vh, gh, h) = named_later_by_a_local_hvp(p[0], p[1], 1.0, 0.0);
    assert_eq!(vh.to_bits(), v.to_bits());
    assert!((gh[0] - g[0]).abs() < 1e-12);
    let fdh = fd_hessian(&|q: &[f64]| named_later_by_a_local(q[0], q[1]), &p);
    for (k, hk) in h.iter().enumerate() {
        let want = fdh[k * 2];
        assert!(
            (hk - want).abs() < 1e-4 * (1.0 + hk.abs()),
            "{k}: {hk} vs {want}"
        );
    }
}

/// A vector-valued `#[gradient]` function taking a slice, called from a plain helper.
#[gradient]
fn spread(s: &[f64], a: f64) -> (f64, f64) {
    let m = s.iter().map(|v| v * a).sum::<f64>().tanh();
    (m, (s[s.len() - 1] * m).cos())
}

mod spreads {
    use super::*;

    /// Not annotated; passes its slice on by name.
    pub fn through(a0: f64, a1: f64, s0: &[f64]) -> f64 {
        let (p, q) = spread(s0, (a0 + s0[s0.len() - 1]).tanh());
        s0[0] + p + q * a1
    }
}

/// The helper given a list in place (`&[0.5, 1.87]`) with constants only, in a loop writing a
/// buffer, and with a differentiated value: the list is lent to `spread` as it was written (a
/// compile error inside generated code before, E0308: the array passed by value).
#[gradient(jvp)]
fn lists_handed_on(xs: &[f64], w: f64) -> f64 {
    let mut b = vec![0.0; xs.len()];
    for i in 0..xs.len() {
        b[i] = xs[i] * spreads::through(1.96, 0.5, &[0.5, 1.87]);
    }
    let s: &[f64] = &[0.25, 1.5];
    let (p, _) = spread(s, 0.3);
    b[0] + spreads::through(w, 0.5, &[w, 0.5 * w]) + p * w
}

#[test]
fn lists_in_place_handed_on_by_name() {
    let xs = [0.4, -0.8, 1.1];
    let w = 0.7;
    let mut d = [0.0; 3];
    let (v, [dw]) = lists_handed_on_grad(&xs, w, &mut d);
    assert_eq!(v.to_bits(), lists_handed_on(&xs, w).to_bits());
    let mut g = d.to_vec();
    g.push(dw);
    let mut p = xs.to_vec();
    p.push(w);
    check(
        "lists_handed_on",
        &|q| lists_handed_on(&q[..3], q[3]),
        v,
        &g,
        &p,
    );
}

/// Writes its output through another name for it (`let ow = out;`, which moves the `&mut`).
fn squashed_into(a: f64, out: &mut [f64]) {
    let ow = out;
    for o in ow.iter_mut() {
        *o = (*o * a).tanh() + 0.25;
    }
}

/// A helper writing a lent buffer under another name, given a differentiated value (refused
/// before, `cannot differentiate this expression`; long mode seed 5105 `g140`).
#[gradient]
fn lent_under_another_name(x: &[f64]) -> f64 {
    let mut oc = [0.5; 2];
    squashed_into(x[1], &mut oc);
    let mut buf = vec![x[0]; 3];
    squashed_into(-1.3, &mut buf);
    oc[0] * x[0] + oc[1] + buf.iter().sum::<f64>()
}

#[test]
fn buffers_lent_under_another_name() {
    let p = [0.4, -0.8];
    let mut g = [0.0; 2];
    let v = lent_under_another_name_grad(&p, &mut g);
    check(
        "lent_under_another_name",
        &|q| lent_under_another_name(q),
        v,
        &g,
        &p,
    );
}
