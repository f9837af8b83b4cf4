//! Tuple structs of floats used as values (`struct P2(f64, f64);`, a newtype `Meters(f64)`):
//! built by their constructor (`P2(a, b)`, `Self(..)` in their methods), read by `.0` and by
//! `let P2(a, b) = p;`, with
//! methods, operators and helpers that take and give them, as locals updated in loops, in
//! closures and conditions, and as data (`&[P2]`). Each gradient against central differences,
//! the value bit for bit, and the JVP's value too.

#![allow(clippy::float_cmp)]

mod common;

use common::check_flat;
use grad::gradient;
use std::ops::{Add, Mul, Sub};

#[derive(Clone, Copy, Debug)]
pub struct P2(f64, f64);

impl P2 {
    fn norm(&self) -> f64 {
        (self.0 * self.0 + self.1 * self.1).sqrt()
    }
    fn scaled(self, k: f64) -> Self {
        Self(self.0 * k, self.1 * k)
    }
    fn dot(self, o: P2) -> f64 {
        self.0 * o.0 + self.1 * o.1
    }
}

impl Add for P2 {
    type Output = P2;
    fn add(self, o: P2) -> P2 {
        P2(self.0 + o.0, self.1 + o.1)
    }
}

impl Sub for P2 {
    type Output = P2;
    fn sub(self, o: P2) -> P2 {
        P2(self.0 - o.0, self.1 - o.1)
    }
}

impl Mul<f64> for P2 {
    type Output = P2;
    fn mul(self, k: f64) -> P2 {
        P2(self.0 * k, self.1 * k)
    }
}

fn midpoint(a: P2, b: P2) -> P2 {
    P2((a.0 + b.0) * 0.5, (a.1 + b.1) * 0.5)
}

#[derive(Clone, Copy, Debug)]
pub struct Meters(f64);

/// Built by the constructor, read by field, through methods, operators and a helper.
#[gradient(jvp)]
fn geometry(a: f64, b: f64) -> f64 {
    let p = P2(a, b);
    let q = midpoint(p, P2(1.0, a)) + p.scaled(2.0);
    let r = q - p * 0.5;
    let len = Meters(r.norm());
    // Taken apart by patterns: both fields, the first with `..`, renamed across.
    let P2(u, w) = q;
    let P2(first, ..) = r * 0.5;
    let P2(w2, u2) = P2(u, w);
    q.0 * q.1 + len.0 + p.dot(r) + u * w2 + first - u2 * 0.25
}

/// A state carried by a loop (`x = x + v * dt`), read in a condition and by a closure.
#[gradient(jvp)]
fn integrate(k: f64, c: f64) -> f64 {
    let mut x = P2(1.0, 0.0);
    let mut v = P2(0.0, 0.5);
    let energy = |p: P2, u: P2| 0.5 * u.dot(u) + 0.5 * k * p.dot(p);
    let dt = 0.05;
    for _ in 0..20 {
        let a = x * (-k) - v * c;
        v = v + a * dt;
        x = x + v * dt;
        if x.0 < -2.0 {
            x = P2(-2.0, x.1);
        }
    }
    energy(x, v) + x.1
}

/// Data of tuple structs: a fit through points given as `&[P2]`.
#[gradient(wrt(w), jvp)]
fn fit(w: &[f64], pts: &[P2]) -> f64 {
    let mut s = 0.0;
    for p in pts {
        let r = w[0] + w[1] * p.0 - p.1;
        s += r * r;
    }
    s + pts.iter().map(|p| (w[0] * p.1).sin()).sum::<f64>()
}

#[test]
fn tuple_structs_as_values() {
    for (a, b) in [(0.3, 0.7), (-1.2, 0.4), (2.0, -0.5)] {
        let (v, g) = geometry_grad(a, b);
        assert_eq!(v.to_bits(), geometry(a, b).to_bits());
        check_flat(
            "geometry",
            &[a, b],
            &|p: &[f64]| geometry(p[0], p[1]),
            v,
            &g,
        )
        .unwrap();
        let (vj, t) = geometry_jvp(a, b, 1.0, -0.5);
        assert_eq!(vj.to_bits(), v.to_bits());
        assert!((t - (g[0] - 0.5 * g[1])).abs() < 1e-9 * (1.0 + t.abs()));
        let (v, g) = integrate_grad(a.abs() + 0.5, b.abs());
        let (k, c) = (a.abs() + 0.5, b.abs());
        assert_eq!(v.to_bits(), integrate(k, c).to_bits());
        check_flat(
            "integrate",
            &[k, c],
            &|p: &[f64]| integrate(p[0], p[1]),
            v,
            &g,
        )
        .unwrap();
        let (vj, _) = integrate_jvp(k, c, 1.0, 0.0);
        assert_eq!(vj.to_bits(), v.to_bits());
    }
    let pts = [P2(1.0, 2.0), P2(0.5, -1.0), P2(-0.3, 0.25)];
    let w = [0.3, -0.7];
    let mut d = [f64::NAN; 2];
    let v = fit_grad(&w, &pts, &mut d);
    assert_eq!(v.to_bits(), fit(&w, &pts).to_bits());
    check_flat("fit", &w, &|p: &[f64]| fit(p, &pts), v, &d).unwrap();
    let (vj, _) = fit_jvp(&w, &pts, &[1.0, 1.0]);
    assert_eq!(vj.to_bits(), v.to_bits());
}
