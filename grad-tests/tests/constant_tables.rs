//! Constant tables written as nested vectors in the body (`vec![vec![1.0, 2.0], ..]`,
//! `vec![[1.0, 2.0], ..]`, typed or not; issue 8, found by a probe of realistic code): indexed,
//! iterated by row, zipped, measured, in a helper, a closure, a loop and a model's method. Each
//! against central finite differences, values equal to the function's.

#![allow(clippy::needless_range_loop, clippy::useless_vec)]

mod common;

use common::{check, check_model};
use grad::{gradient, Params};

const P: [f64; 3] = [0.7, -1.2, 0.45];
const SCALE: f64 = 0.5;

/// A matrix–vector product by rows (`map` of the rows, a `for` over `&m`), by index, zipped
/// with the parameters, and a table of integers.
#[gradient]
fn tables(x: &[f64]) -> f64 {
    let m = vec![vec![1.0, 2.0, 0.5], vec![0.3, -1.0, 2.0]];
    let y: Vec<f64> = m
        .iter()
        .map(|row| row.iter().zip(x).map(|(a, b)| a * b).sum())
        .collect();
    let norm = y.iter().map(|v| v * v).sum::<f64>().sqrt();
    let typed: Vec<Vec<f64>> = vec![vec![0.5, SCALE, -1.0], vec![2.0, 1.0, 0.25]];
    let mut rows = 0.0;
    for row in &typed {
        rows += row.iter().zip(x).map(|(a, b)| a * b).sum::<f64>().powi(2);
    }
    let arrays = vec![[1.0, -2.0, 0.5], [0.5, 0.5, 0.5], [3.0, 0.0, -1.0]];
    let mut quad = 0.0;
    for i in 0..arrays.len() {
        for j in 0..arrays[i].len() {
            quad += arrays[i][j] * x[i] * x[j];
        }
    }
    let counts = vec![vec![1, 2], vec![3, 4], vec![0, 1]];
    let mut weighted = 0.0;
    for (r, xi) in counts.iter().zip(x) {
        weighted += (r[0] + r[1]) as f64 * xi.sin();
    }
    norm + rows + quad + weighted
}

/// Tables of indices (the edges of a mesh, a triangle list): arrays and nested vectors of
/// integers, typed or not, read as data.
#[gradient]
fn springs(x: &[f64]) -> f64 {
    let edges = [[0, 1], [1, 2], [2, 0]];
    let mut stretch = 0.0;
    for e in &edges {
        let d = x[e[0]] - x[e[1]];
        stretch += d * d;
    }
    let typed: Vec<[usize; 2]> = vec![[0, 2], [1, 0]];
    for &[a, b] in typed.iter() {
        stretch += (x[a] * x[b]).sin();
    }
    let tri = vec![vec![0usize, 1, 2], vec![1, 2, 0]];
    let area: f64 = tri.iter().map(|t| x[t[0]] * x[t[1]] - x[t[2]]).sum();
    stretch + area
}

/// In a helper, in a closure called twice, declared inside a loop.
#[gradient]
fn in_helper(x: &[f64]) -> f64 {
    let m = vec![vec![1.0, 0.5], vec![-0.5, 2.0]];
    m[0][0] * x[0] * x[0] + m[0][1] * x[0] * x[1] + m[1][0] * x[1] * x[0] + m[1][1] * x[1] * x[1]
}

#[gradient]
fn positions(x: &[f64]) -> f64 {
    let score = |z: f64| {
        let w = vec![vec![0.2, 0.4], vec![0.6, 0.8]];
        w.iter().map(|r| (r[0] * z + r[1]).tanh()).sum::<f64>()
    };
    let mut total = 0.0;
    for k in 0..2 {
        let shift = vec![[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]];
        total += shift[k]
            .iter()
            .zip(x)
            .map(|(s, v)| (v - s).powi(2))
            .sum::<f64>();
    }
    score(x[0]) + score(x[2]) + total + in_helper(x)
}

/// A table of a generic float's constants (`T::from(0.5).unwrap()`; long mode seed 5005 `g24`,
/// the generic twin, refused before).
#[gradient]
fn generic_table<T: num_traits::Float>(xs: &[T]) -> T {
    let tab = vec![
        vec![
            -T::from(0.34).unwrap(),
            T::from(0.38).expect("a float converts"),
        ],
        vec![num_traits::cast::<_, T>(0.5).unwrap(), T::one()],
    ];
    let mut a = T::zero();
    for row in &tab {
        a = a + row.iter().zip(xs).fold(T::zero(), |s, (p, q)| s + *p * *q);
    }
    a * xs[0]
}

#[derive(Clone, Debug, Params)]
struct Affine {
    w: Vec<f64>,
}

impl Affine {
    #[gradient(wrt(self))]
    fn loss(&self) -> f64 {
        let data = vec![vec![1.0, 2.0], vec![0.5, -1.0], vec![2.0, 0.0]];
        let targets = vec![1.0, 0.0, 2.0];
        data.iter()
            .zip(&targets)
            .map(|(r, t)| (self.w[0] * r[0] + self.w[1] * r[1] - t).powi(2))
            .sum()
    }
}

#[test]
fn nested_vectors_of_constants() {
    check("tables", &tables, &tables_grad, &P);
}

#[test]
fn generic_tables() {
    check(
        "generic_table",
        &generic_table::<f64>,
        &generic_table_grad::<f64>,
        &P,
    );
}

#[test]
fn tables_of_indices() {
    check("springs", &springs, &springs_grad, &P);
}

#[test]
fn tables_in_helpers_closures_and_loops() {
    check("positions", &positions, &positions_grad, &P);
}

#[test]
fn table_in_a_method() {
    let m = Affine { w: vec![0.3, -0.8] };
    check_model("affine", &m, Affine::loss, |m, d| m.loss_grad(d));
}

const WEIGHTS: [f64; 3] = [0.5, -0.25, 1.5];

/// A helper whose slice parameter `wrt` leaves out, and one that differentiates it.
#[gradient(wrt(z), jvp, hvp)]
fn weighted_square(z: f64, d: &[f64]) -> f64 {
    z * d.iter().sum::<f64>() + d[0] * z * z
}

#[gradient(jvp, hvp)]
fn weighted_all(z: f64, d: &[f64]) -> f64 {
    d.iter().map(|w| (w * z).sin()).sum()
}

/// A module's constant array lent whole (`&WEIGHTS`, `&WEIGHTS[..]`) to helpers' slice
/// parameters by a function with second derivatives. Before: E0061 inside the expansion (the
/// second-order call had no buffers for the constant, whose type the macro did not read).
#[gradient(jvp, hvp)]
fn lends_a_constant(x: &[f64]) -> f64 {
    weighted_square(x[0] * x[1], &WEIGHTS) + weighted_all(x[2], &WEIGHTS[..])
}

#[test]
fn constants_lent_to_slice_parameters() {
    let p = [0.7, -1.2, 0.45];
    check(
        "lends_a_constant",
        &lends_a_constant,
        &lends_a_constant_grad,
        &p,
    );
    let (mut d, mut h) = ([0.0; 3], [0.0; 9]);
    let (v, _) = lends_a_constant_hessian(&p, &mut d, &mut h);
    assert_eq!(v.to_bits(), lends_a_constant(&p).to_bits());
    let fdh = common::fd_hessian(&lends_a_constant, &p);
    common::close_tol("hessian", &h, &fdh, 1e-4);
}
