//! Functions passed as values: `integrate(f64::sin, a, b)`, `apply(cube, v)` to helpers taking
//! `fn(f64) -> f64`, `impl Fn`, a generic `F: Fn` or `&dyn Fn`, and functions bound to a name
//! (`let act: fn(f64) -> f64 = f64::tanh;`) and called or passed on, and arrays of functions
//! (`let acts = [f64::tanh, cube];`) called through an element (`acts[l](z)`, `for f in &acts`).
//! Each is differentiated as the function it names. Checked against central differences, the value bit for bit.

#![allow(clippy::float_cmp)]

mod common;

use common::{check_flat, fd_all};
use grad::gradient;

/// A plain quadrature through a function pointer.
fn midpoint(f: fn(f64) -> f64, a: f64, b: f64, n: usize) -> f64 {
    let h = (b - a) / n as f64;
    (0..n).map(|i| f(a + (i as f64 + 0.5) * h)).sum::<f64>() * h
}

/// The same through `impl Fn`, annotated.
#[gradient]
fn trapezoid(f: impl Fn(f64) -> f64, a: f64, b: f64, n: usize) -> f64 {
    let h = (b - a) / n as f64;
    let mut s = 0.5 * (f(a) + f(b));
    for i in 1..n {
        s += f(a + i as f64 * h);
    }
    s * h
}

/// Iterates a map `n` times, its bound in a `where` clause.
fn iterate<F>(f: F, n: usize, y0: f64) -> f64
where
    F: Fn(f64) -> f64,
{
    let mut y = y0;
    for _ in 0..n {
        y = f(y);
    }
    y
}

/// A function of two arguments behind `&dyn Fn`.
fn both_ways(f: &dyn Fn(f64, f64) -> f64, a: f64, b: f64) -> f64 {
    f(a, b) + 0.5 * f(b, a)
}

fn apply(f: fn(f64) -> f64, v: f64) -> f64 {
    f(v)
}

fn cube(v: f64) -> f64 {
    v * v * v
}

/// Calls another plain function: the closure made of it is followed into both.
fn soft(v: f64) -> f64 {
    cube(v).tanh() + v
}

#[gradient]
fn quadratures(x: &[f64]) -> f64 {
    midpoint(f64::sin, x[0], x[1], 8)
        + midpoint(cube, 0.0, x[2], 4)
        + trapezoid(f64::exp, x[0], 1.0, 6)
        + trapezoid(soft, x[1], x[2], 5)
}

#[gradient(jvp, hvp)]
fn iterated(x: &[f64]) -> f64 {
    iterate(f64::cos, 5, x[0]) + iterate(f64::sqrt, 3, x[1] + 1.0) * iterate(soft, 2, x[2])
}

#[gradient]
fn two_arguments(x: &[f64]) -> f64 {
    both_ways(&f64::hypot, x[0], x[1]) + both_ways(&f64::max, x[2], x[1])
        - both_ways(&f64::powf, x[1], 1.5)
}

/// Function values as arguments in a loop body, a branch, a closure's body and another call's
/// argument.
#[gradient]
fn in_every_position(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for &v in x {
        s += apply(f64::sin, v) * apply(cube, v);
    }
    let b = if x[0] > 0.0 {
        apply(f64::exp, x[1])
    } else {
        apply(soft, x[1])
    };
    let g = |t: f64| apply(cube, t) + t;
    s + b + g(x[2]) + apply(f64::ln_1p, apply(f64::abs, x[2]))
}

/// Functions bound to names, with and without a written type, called and passed on.
#[gradient]
fn named(x: &[f64]) -> f64 {
    let act: fn(f64) -> f64 = f64::tanh;
    let f = cube;
    let g = f64::ln_1p;
    let a: f64 = x.iter().map(|&v| act(v)).sum::<f64>() + x.iter().copied().map(act).sum::<f64>();
    a + f(x[0]) + g(x[1] * x[1]) + apply(f, x[2]) + midpoint(g, 0.0, x[2] * x[2], 3)
}

/// Over `f32`.
fn apply32(f: fn(f32) -> f32, v: f32) -> f32 {
    f(v)
}

#[gradient]
fn single(x: &[f32]) -> f32 {
    apply32(f32::sin, x[0]) * apply32(f32::exp, x[1])
}

/// Arrays of functions: called by index in a loop, through the items of `for` loops (by value
/// and by reference) and of a chain's closure, in a branch.
#[gradient(jvp, hvp)]
fn arrays(x: &[f64]) -> f64 {
    let layers = [f64::tanh, cube, f64::sin];
    let mut h = x[0];
    for l in 0..layers.len() {
        h = layers[l](h * x[(l + 1) % 3] + 0.1);
    }
    let basis: [fn(f64) -> f64; 3] = [f64::exp, soft, f64::atan];
    let mut s = 0.0;
    for (k, b) in basis.iter().enumerate() {
        s += x[k] * b(0.3 * x[2]);
    }
    let pair = [f64::sin, f64::cos];
    for f in pair {
        s += f(x[0] * x[1]);
    }
    for f in &pair {
        if x[1] > 0.0 {
            s += f(x[2]);
        }
    }
    let mixed: f64 = basis.iter().zip(x).map(|(f, &v)| f(v)).sum();
    // Closures that capture nothing, coerced to functions (a polynomial basis).
    let poly: [fn(f64) -> f64; 3] = [|_| 1.0, |t| t, |t: f64| t * t];
    let fit: f64 = poly.iter().zip(x).map(|(b, c)| c * b(x[2])).sum();
    h + s + mixed + fit
}

/// A plain helper holding an array of functions and a function bound to a name, copied into
/// its caller.
fn layered(a: f64, s: &[f64]) -> f64 {
    let acts: [fn(f64) -> f64; 2] = [cube, f64::tanh];
    let g = soft;
    let mut v = 0.0;
    for (k, f) in acts.iter().enumerate() {
        v += f(a * s[k]) * (k as f64 + 1.0);
    }
    v + g(a)
}

#[gradient]
fn through_a_helper(x: &[f64]) -> f64 {
    layered(x[0], &x[1..]) * x[2]
}

type Loss = fn(&[f64]) -> f64;
type Grad = fn(&[f64], &mut [f64]) -> f64;

#[test]
fn functions_passed_by_their_paths() {
    let cases: [(&str, Loss, Grad); 7] = [
        ("through_a_helper", through_a_helper, through_a_helper_grad),
        ("arrays", arrays, arrays_grad),
        ("quadratures", quadratures, quadratures_grad),
        ("iterated", iterated, iterated_grad),
        ("two_arguments", two_arguments, two_arguments_grad),
        (
            "in_every_position",
            in_every_position,
            in_every_position_grad,
        ),
        ("named", named, named_grad),
    ];
    for p in [[0.3, 0.9, 0.7], [-0.4, 0.6, 1.3]] {
        for (what, f, g) in cases {
            let mut d = [0.0; 3];
            let v = g(&p, &mut d);
            check_flat(what, &p, &|q| f(q), v, &d).unwrap();
        }
    }
}

#[test]
fn function_values_over_f32() {
    let x = [0.4f32, -0.3];
    let mut d = [0.0f32; 2];
    let v = single_grad(&x, &mut d);
    assert_eq!(v.to_bits(), single(&x).to_bits());
    // (Differences of an `f32` function are too coarse: the derivative written out.)
    let want = [x[0].cos() * x[1].exp(), x[0].sin() * x[1].exp()];
    for (g, w) in d.iter().zip(&want) {
        assert!((g - w).abs() < 1e-6, "{g} vs {w}");
    }
}

#[test]
fn second_order_through_function_values() {
    second_order("iterated", iterated_grad, iterated_jvp, iterated_hvp);
    second_order("arrays", arrays_grad, arrays_jvp, arrays_hvp);
}

type Jvp = fn(&[f64], &[f64]) -> (f64, f64);
type Hvp = fn(&[f64], &[f64], &mut [f64], &mut [f64]) -> f64;

fn second_order(what: &str, grad: Grad, jvp: Jvp, hvp: Hvp) {
    let p = [0.3, 0.9, 0.7];
    let mut d = [0.0; 3];
    let v = grad(&p, &mut d);
    let t = [0.5, -1.0, 0.25];
    let (vj, dot) = jvp(&p, &t);
    assert_eq!(vj.to_bits(), v.to_bits());
    let want: f64 = d.iter().zip(&t).map(|(a, b)| a * b).sum();
    assert!((dot - want).abs() < 1e-12, "{what}: {dot} vs {want}");
    let mut g = [0.0; 3];
    let mut hv = [0.0; 3];
    let vh = hvp(&p, &t, &mut g, &mut hv);
    assert_eq!(vh.to_bits(), v.to_bits());
    assert_eq!(g, d);
    for (k, h) in hv.iter().enumerate() {
        let row = fd_all(
            &|q: &[f64]| {
                let mut e = [0.0; 3];
                grad(q, &mut e);
                e[k]
            },
            &p,
        );
        let want: f64 = row.iter().zip(&t).map(|(a, b)| a * b).sum();
        assert!((h - want).abs() < 1e-5, "{what}: H·v[{k}] {h} vs {want}");
    }
}

/// A helper whose only floats come through its closure (no float parameter of its own).
fn average(f: impl Fn(f64) -> f64, n: usize) -> f64 {
    (0..n).map(|i| f((i as f64 + 0.5) / n as f64)).sum::<f64>() / n as f64
}

#[gradient]
fn averaged(x: &[f64]) -> f64 {
    let (a, k) = (x[0], x[1]);
    average(|t| a * (k * t).exp(), 8) + average(f64::sin, 4) * x[2]
}

/// A model's method handing closures over its fields, and a function by its path, to plain
/// helpers.
#[derive(Clone, Debug, grad::Params)]
struct Curve {
    a: f64,
    k: f64,
}

impl Curve {
    #[gradient(wrt(self))]
    fn area(&self) -> f64 {
        let a = self.a;
        let k = self.k;
        average(|t| a * (k * t).exp(), 8)
            + average(f64::sin, 4) * a
            + average(|t| self.k * t, 3)
            + midpoint(cube, 0.0, self.a, 2)
            + average(|t| soft(t) * a, 2)
    }
}

#[test]
fn helpers_given_only_a_closure_and_methods() {
    let p = [0.7, -0.4, 1.1];
    let mut d = [0.0; 3];
    let v = averaged_grad(&p, &mut d);
    check_flat("averaged", &p, &|q| averaged(q), v, &d).unwrap();
    let c = Curve { a: 0.7, k: -0.4 };
    let mut dc = Curve { a: 0.0, k: 0.0 };
    let v = c.area_grad(&mut dc);
    check_flat(
        "area",
        &[c.a, c.k],
        &|q| Curve { a: q[0], k: q[1] }.area(),
        v,
        &[dc.a, dc.k],
    )
    .unwrap();
}
