//! Matrices collected from a `map` of `collect`s, as a kernel matrix or an outer product is
//! written (`(0..n).map(|i| (0..n).map(|j| k(x[i], x[j])).collect()).collect()`), then read by
//! two indices and row by row; a generic model given its float whose concrete layers' plain
//! methods are called. Each against central finite differences, values bit for bit.

#![allow(clippy::needless_range_loop)]

mod common;

use common::{check_flat, check_model};
use grad::gradient;

fn rbf(a: f64, b: f64, ell: f64) -> f64 {
    (-(a - b).powi(2) / (2.0 * ell * ell)).exp()
}

/// A kernel matrix with a jitter on the diagonal, its quadratic form with the targets.
#[gradient(wrt(x, ell))]
fn kernel_energy(x: &[f64], ell: f64, y: &[f64]) -> f64 {
    let n = x.len();
    let k: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..n).map(|j| rbf(x[i], x[j], ell)).collect())
        .collect();
    let mut e = 0.0;
    for i in 0..n {
        for j in 0..n {
            e += y[i] * k[i][j] * y[j];
        }
        e += 1e-3 * k[i][i];
    }
    e
}

/// An outer product by iterators, its trace and first row.
#[gradient]
fn outer_trace(a: &[f64], b: &[f64]) -> f64 {
    let m: Vec<Vec<f64>> = a
        .iter()
        .map(|ai| b.iter().map(|bj| ai * bj).collect())
        .collect();
    let t: Vec<Vec<f64>> = a
        .iter()
        .map(|&v| (0..3).map(|j| (v * j as f64).tanh()).collect::<Vec<f64>>())
        .collect();
    let mut tr = 0.0;
    for i in 0..a.len().min(b.len()) {
        tr += m[i][i];
    }
    tr + m[0].iter().sum::<f64>() + t[1][2] * t[0][1]
}

#[test]
fn matrices_from_nested_collects() {
    let x = [0.3, -1.2, 2.0, 0.7];
    let y = [1.0, -0.5, 0.25, 0.8];
    let mut dx = [f64::NAN; 4];
    let (v, [dell]) = kernel_energy_grad(&x, 0.9, &y, &mut dx);
    let p: Vec<f64> = x.iter().copied().chain([0.9]).collect();
    let g: Vec<f64> = dx.iter().copied().chain([dell]).collect();
    check_flat(
        "kernel_energy",
        &p,
        &|p: &[f64]| kernel_energy(&p[..4], p[4], &y),
        v,
        &g,
    )
    .unwrap();
    let (a, b) = ([0.5, -1.1, 0.8], [1.5, 0.2, -0.7, 0.4]);
    let (mut da, mut db) = ([f64::NAN; 3], [f64::NAN; 4]);
    let v = outer_trace_grad(&a, &b, &mut da, &mut db);
    let p: Vec<f64> = a.iter().chain(&b).copied().collect();
    let g: Vec<f64> = da.iter().chain(&db).copied().collect();
    check_flat(
        "outer_trace",
        &p,
        &|p: &[f64]| outer_trace(&p[..3], &p[3..]),
        v,
        &g,
    )
    .unwrap();
}

mod generic_model {
    use super::check_model;
    use grad::{gradient, Params};

    #[derive(Clone, Params)]
    pub struct Unit {
        pub w: Vec<f64>,
        pub b: f64,
    }

    impl Unit {
        fn score(&self, a: f64) -> f64 {
            (self.b * a).tanh() + self.w[0] * self.w[self.w.len() - 1]
        }
    }

    #[derive(Clone, Params)]
    pub struct Stack<T> {
        pub x0: T,
        pub units: Vec<Unit>,
    }

    /// The concrete units of a generic model given `f64`, their plain method called on each.
    #[gradient(wrt(m))]
    pub fn stack_score(m: &Stack<f64>, a: f64) -> f64 {
        let mut s = m.x0;
        for l in 0..m.units.len() {
            let unit = &m.units[l];
            s += unit.score(a) * 0.5;
        }
        s + m.units.iter().map(|u| u.score(a * 2.0)).sum::<f64>()
    }

    #[test]
    fn plain_methods_of_concrete_fields_of_generic_models() {
        let m = Stack {
            x0: 0.3,
            units: vec![
                Unit {
                    w: vec![0.5, -0.2],
                    b: 0.7,
                },
                Unit {
                    w: vec![1.1, 0.4, -0.9],
                    b: -0.3,
                },
            ],
        };
        check_model(
            "stack_score",
            &m,
            |m| stack_score(m, 0.8),
            |m, d| stack_score_grad(m, 0.8, d),
        );
    }
}
