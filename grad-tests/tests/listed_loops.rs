//! Loops over lists written out (`for w in [a, b, c]`, `&[..]`, `vec![..]`, with `.iter()`,
//! `.rev()`, `.enumerate()`; lists of tuples taken apart by the pattern, `&(t, y)` of
//! references), `flat_map` giving a list per item (`x.iter().flat_map(|&t| [t, t * t])`) in
//! sums, `for` loops and collects, and `flat_map` over a model's rows (`w.iter().flat_map(|r|
//! r.iter())`), and rows copied from pieces and only read (`let m: Vec<Vec<f64>> =
//! x.chunks(k).map(|c| c.to_vec()).collect();`, read in place); issue 8, found by a probe of
//! realistic code (refused before: `cannot iterate over this form`, `cannot follow a
//! differentiated slice`). Each against central finite differences, values equal to the
//! function's.

#![allow(
    clippy::cast_precision_loss,
    clippy::needless_range_loop,
    clippy::useless_vec,
    clippy::iter_cloned_collect
)]

mod common;

use common::{check, check_model};
use grad::{gradient, Params};
use num_traits::Float;

const P: [f64; 5] = [0.7, -1.2, 0.45, 1.9, -0.35];

fn soft(a: f64) -> f64 {
    a.tanh() * 0.5
}

/// Lists of floats: by value, by reference, reversed, numbered, a `vec!`, nested with a labeled
/// `continue`, a list in a helper's argument and a condition.
#[gradient]
fn listed(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for v in [x[0], x[1] * 2.0, x[2].sin()] {
        s += v * v;
    }
    for v in &[x[0], soft(x[3])] {
        s += v * 0.5;
    }
    for &v in [x[1], x[2]].iter().rev() {
        s = s * 0.9 - v;
    }
    for (i, v) in [x[3], x[4]].iter().enumerate() {
        s -= v * i as f64;
    }
    for v in vec![x[0], x[3]] {
        if v > 0.0 {
            s += v.exp();
        }
    }
    'outer: for w in [x[0], x[1], x[4]] {
        for v in [w, 2.0 * w] {
            if v > 1.2 {
                continue 'outer;
            }
            s += soft(v);
        }
    }
    s
}

/// Lists of tuples: by value, by reference, from a `vec!`, a constant table beside them.
#[gradient]
fn listed_pairs(x: &[f64]) -> f64 {
    let pts = [(0.0, 1.0), (1.0, 2.5), (2.0, 3.9)];
    let mut s = 0.0;
    for &(t, y) in pts.iter() {
        let r = x[0] + x[1] * t - y;
        s += r * r;
    }
    for (t, y) in [(0.5, 1.0), (1.5, x[2])] {
        let r = x[0] + x[1] * t - y;
        s += r * r;
    }
    for &(a, b) in &[(x[0], 1.0), (x[3], x[4])] {
        s += a * b;
    }
    for (a, b, c) in vec![(x[0], 1.0, x[2]), (x[1], 2.0, x[3])] {
        if a > 0.5 {
            continue;
        }
        s += a * b * c;
    }
    s
}

/// `flat_map` giving a list per item: summed, looped over, collected (then numbered).
#[gradient]
fn flat_listed(x: &[f64]) -> f64 {
    let s: f64 = x.iter().flat_map(|&t| [t, t * t]).sum();
    let mut l = 0.0;
    for v in x.iter().flat_map(|&t| vec![t.sin(), t.cos()]) {
        l += v * v * v;
    }
    let c: Vec<f64> = x
        .iter()
        .flat_map(|&t| {
            let h = t * 0.5;
            [h, h.exp()]
        })
        .collect();
    let numbered: f64 = c.iter().enumerate().map(|(i, t)| t * i as f64).sum();
    s + l + numbered + c.len() as f64
}

/// Generic over the float.
#[gradient]
fn flat_listed_generic<T: Float>(x: &[T]) -> T {
    let mut s = T::zero();
    for v in [x[0], x[1] * x[2]] {
        s = s + v * v;
    }
    let c: Vec<T> = x.iter().flat_map(|&t| [t, t.sin()]).collect();
    s + c.iter().fold(T::zero(), |a, &b| a + b * b)
}

#[derive(Clone, Debug, Params)]
struct Net {
    w: Vec<Vec<f64>>,
    b: Vec<f64>,
}

impl Net {
    /// Penalties over every weight, written with `flat_map` over the rows.
    #[gradient(wrt(self))]
    fn penalty(&self, lam: f64) -> f64 {
        let l2 = self
            .w
            .iter()
            .flat_map(|r| r.iter())
            .map(|v| v * v)
            .sum::<f64>();
        let mut l1 = 0.0;
        for v in self.w.iter().flat_map(|r| r.iter()) {
            l1 += v.abs();
        }
        let all: Vec<f64> = self.w.iter().flat_map(|r| r.iter().copied()).collect();
        let bent: f64 = self.w.iter().flat_map(|r| r.iter().map(|v| v.sin())).sum();
        lam * l2 + l1 + all.iter().sum::<f64>() * self.b[0] + bent
    }
}

/// A flat parameter reshaped into rows (the last one shorter), read by index, by row, measured;
/// `chunks_exact` rows copied by `iter().copied().collect()`, generic.
#[gradient]
fn reshaped(x: &[f64]) -> f64 {
    let m: Vec<Vec<f64>> = x.chunks(2).map(|c| c.to_vec()).collect();
    let mut s = 0.0;
    for row in &m {
        for (j, v) in row.iter().enumerate() {
            s += v * (j as f64 + 1.0);
        }
    }
    let sums: f64 = m.iter().map(|r| r.iter().sum::<f64>().powi(2)).sum();
    // (Elements read inside float functions by path and by method: `f64::tanh(m[0][0])`,
    // `a.max(m[1][1])`.)
    let inside = f64::tanh(m[0][0] * 0.3) + s.max(m[1][1]);
    s + m[m.len() - 1][0] * m.len() as f64 + sums + m[1].len() as f64 + inside
}

/// Rows copied from pieces beside a buffer carried across a loop's trips (`h = hn.clone();`,
/// a copy of a buffer of its own, not of a row) and a list written out iterated by value:
/// refused before.
#[gradient]
fn reshaped_beside_state(x: &[f64]) -> f64 {
    let m: Vec<Vec<f64>> = x.chunks(2).map(|c| c.to_vec()).collect();
    let r = m
        .iter()
        .map(|row| row.iter().map(|t| t.tanh()).sum::<f64>())
        .sum::<f64>()
        + m[0][0];
    let mut h: Vec<f64> = x.to_vec();
    let mut hn = vec![0.0; h.len()];
    for _ in 0..3 {
        for q in 0..h.len() {
            hn[q] = (h[q] * 0.5 + h[(q + 1) % h.len()] * 0.5).tanh();
        }
        h = hn.clone();
    }
    // (A list written out, iterated by value: no row of `m` either.)
    let mut listed = 0.0;
    for (i, v) in vec![r, h[0]].into_iter().enumerate() {
        listed += v * (i as f64 + 1.0);
    }
    r + h.iter().sum::<f64>() + listed
}

#[gradient]
fn reshaped_generic<T: Float>(x: &[T]) -> T {
    let m: Vec<Vec<T>> = x
        .chunks_exact(2)
        .map(|c| c.iter().copied().collect())
        .collect();
    m.iter().fold(T::zero(), |a, r| a + r[0] * r[1])
}

#[test]
fn lists_written_out_against_differences() {
    let other = [-0.3, 0.8, 1.1, -0.6, 0.9];
    for p in [&P, &other] {
        check("listed", &|q| listed(q), &|q, d| listed_grad(q, d), p);
        check(
            "listed_pairs",
            &|q| listed_pairs(q),
            &|q, d| listed_pairs_grad(q, d),
            p,
        );
        check(
            "flat_listed",
            &|q| flat_listed(q),
            &|q, d| flat_listed_grad(q, d),
            p,
        );
        check("reshaped", &|q| reshaped(q), &|q, d| reshaped_grad(q, d), p);
        check(
            "reshaped_beside_state",
            &|q| reshaped_beside_state(q),
            &|q, d| reshaped_beside_state_grad(q, d),
            p,
        );
        check(
            "reshaped_generic",
            &|q| reshaped_generic(q),
            &|q, d| reshaped_generic_grad(q, d),
            p,
        );
        check(
            "flat_listed_generic",
            &|q| flat_listed_generic(q),
            &|q, d| flat_listed_generic_grad(q, d),
            p,
        );
    }
    let p32: Vec<f32> = P.iter().map(|&v| v as f32).collect();
    let mut d32 = vec![0.0f32; 5];
    let v32 = flat_listed_generic_grad(&p32, &mut d32);
    assert_eq!(v32.to_bits(), flat_listed_generic(&p32).to_bits());
}

#[test]
fn rows_flattened_by_flat_map() {
    let n = Net {
        w: vec![vec![0.3, -0.5, 0.2], vec![0.7, 0.1, -0.9]],
        b: vec![0.4, 0.2],
    };
    check_model(
        "penalty",
        &n,
        |m| m.penalty(0.5),
        |m, d| m.penalty_grad(0.5, d),
    );
}
