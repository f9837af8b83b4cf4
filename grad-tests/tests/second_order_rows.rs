//! Second order over differentiated rows (`&[Vec<T>]`, `&[[T; N]]`, `&[(T, T)]`, `&[&[T]]`):
//! `NAME_hvp` takes the direction and writes the gradient and `H · v` in buffers of the rows'
//! shape; `NAME_hessian` and `NAME_hessian_diag` lay the entries out as the gradient's flat view
//! (scalars, then each sequence's elements, rows after rows). Each against second differences
//! of the function, `H · v` against the Hessian times `v`, the value bit for bit, the gradient
//! against `NAME_grad`'s.

#![allow(clippy::needless_range_loop)]

mod common;

use common::{close_tol as close, fd_hessian};
use grad::gradient;

/// A small recurrent cell over ragged rows of weights, a scalar input beside them.
#[gradient(hvp)]
fn cell(w: &[Vec<f64>], x: f64) -> f64 {
    let mut h = x;
    for r in w {
        h = (r[0] * h + r[r.len() - 1]).tanh();
    }
    h * h + w[1].iter().map(|v| v * v * v).sum::<f64>()
}

/// Fixed rows taken apart by a pattern, a slice beside them.
#[gradient(hvp)]
fn pairs(p: &[[f64; 2]], q: &[f64]) -> f64 {
    let mut s = 0.0;
    for (i, &[a, b]) in p.iter().enumerate() {
        s += (a * b).sin() * q[i] * q[i];
    }
    s
}

/// Tuple rows, a constant scalar left out by `wrt`.
#[gradient(hvp, wrt(t))]
fn weighted(t: &[(f64, f64)], c: f64) -> f64 {
    t.iter()
        .map(|&(a, b)| (a - c).powi(2) * b.exp())
        .sum::<f64>()
}

/// Rows borrowed as slices.
#[gradient(hvp)]
fn borrowed(w: &[&[f64]]) -> f64 {
    w.iter()
        .map(|r| r.iter().map(|v| v.sin()).product::<f64>())
        .sum::<f64>()
        * w[0][0]
}

fn times(hess: &[f64], v: &[f64]) -> Vec<f64> {
    hess.chunks(v.len())
        .map(|row| row.iter().zip(v).map(|(a, b)| a * b).sum())
        .collect()
}

fn ragged(p: &[f64], lens: &[usize]) -> Vec<Vec<f64>> {
    let mut at = 0;
    lens.iter()
        .map(|&n| {
            at += n;
            p[at - n..at].to_vec()
        })
        .collect()
}

#[test]
fn ragged_rows_and_a_scalar() {
    let w = vec![vec![0.3, -0.7], vec![1.1, 0.5, 0.2]];
    let x = 0.4;
    let mut p = vec![x];
    p.extend(w.concat());
    let f = |p: &[f64]| cell(&ragged(&p[1..], &[2, 3]), p[0]);
    let mut d = vec![vec![f64::NAN; 2], vec![f64::NAN; 3]];
    let mut hess = vec![f64::NAN; 36];
    let (v, [dx]) = cell_hessian(&w, x, &mut d, &mut hess);
    assert_eq!(v.to_bits(), cell(&w, x).to_bits());
    let mut dg = vec![vec![0.0; 2], vec![0.0; 3]];
    let (_, [gx]) = cell_grad(&w, x, &mut dg);
    assert_eq!(dx.to_bits(), gx.to_bits());
    close("cell d", &d.concat(), &dg.concat(), 1e-12);
    close("cell hessian", &hess, &fd_hessian(&f, &p), 1e-5);

    let mut diag = vec![f64::NAN; 6];
    let _ = cell_hessian_diag(&w, x, &mut d, &mut diag);
    let on_diagonal: Vec<f64> = (0..6).map(|k| hess[k * 6 + k]).collect();
    close("cell diag", &diag, &on_diagonal, 1e-12);

    let dir = vec![vec![0.0, 1.0], vec![-0.5, 0.0, 0.5]];
    let mut dirs = vec![0.25];
    dirs.extend(dir.concat());
    let mut hv = vec![vec![f64::NAN; 2], vec![f64::NAN; 3]];
    let (vh, [gh], [hx]) = cell_hvp(&w, x, &dir, 0.25, &mut d, &mut hv);
    assert_eq!(vh.to_bits(), v.to_bits());
    assert!((gh - gx).abs() < 1e-12);
    let mut got = vec![hx];
    got.extend(hv.concat());
    close("cell hvp", &got, &times(&hess, &dirs), 1e-12);
}

#[test]
fn fixed_rows_beside_a_slice() {
    let p = [[0.3, -0.7], [1.1, 0.5]];
    let q = [0.8, -0.4];
    let mut at = p.as_flattened().to_vec();
    at.extend(q);
    let f = |z: &[f64]| pairs(&[[z[0], z[1]], [z[2], z[3]]], &z[4..]);
    let (mut dp, mut dq, mut hess) = ([[f64::NAN; 2]; 2], [f64::NAN; 2], vec![f64::NAN; 36]);
    let (v, []) = pairs_hessian(&p, &q, &mut dp, &mut dq, &mut hess);
    assert_eq!(v.to_bits(), pairs(&p, &q).to_bits());
    close("pairs hessian", &hess, &fd_hessian(&f, &at), 1e-5);
    let dir = [[1.0, 0.0], [0.0, -1.0]];
    let dq_dir = [0.5, 0.5];
    let (mut hp, mut hq) = ([[f64::NAN; 2]; 2], [f64::NAN; 2]);
    let _ = pairs_hvp(&p, &q, &dir, &dq_dir, &mut dp, &mut dq, &mut hp, &mut hq);
    let mut dirs = dir.as_flattened().to_vec();
    dirs.extend(dq_dir);
    let mut got = hp.as_flattened().to_vec();
    got.extend(hq);
    close("pairs hvp", &got, &times(&hess, &dirs), 1e-12);
}

#[test]
fn tuple_rows_and_borrowed_rows() {
    let t = [(0.3, -0.7), (1.1, 0.5)];
    let f = |z: &[f64]| weighted(&[(z[0], z[1]), (z[2], z[3])], 0.2);
    let (mut dt, mut hess) = ([(f64::NAN, f64::NAN); 2], vec![f64::NAN; 16]);
    let (v, []) = weighted_hessian(&t, 0.2, &mut dt, &mut hess);
    assert_eq!(v.to_bits(), weighted(&t, 0.2).to_bits());
    close(
        "weighted hessian",
        &hess,
        &fd_hessian(&f, &[0.3, -0.7, 1.1, 0.5]),
        1e-5,
    );

    let (r0, r1) = ([0.4, 0.9], [-0.3]);
    let w: [&[f64]; 2] = [&r0, &r1];
    let f = |z: &[f64]| borrowed(&[&z[..2], &z[2..]]);
    let (mut a, mut b) = ([f64::NAN; 2], [f64::NAN; 1]);
    let mut d: Vec<&mut [f64]> = vec![&mut a, &mut b];
    let mut hess = vec![f64::NAN; 9];
    let (v, []) = borrowed_hessian(&w, &mut d, &mut hess);
    assert_eq!(v.to_bits(), borrowed(&w).to_bits());
    close(
        "borrowed hessian",
        &hess,
        &fd_hessian(&f, &[0.4, 0.9, -0.3]),
        1e-5,
    );
}

#[test]
#[should_panic(expected = "hv_w")]
fn a_buffer_of_another_shape_is_named() {
    let w = vec![vec![0.3, -0.7], vec![1.1, 0.5, 0.2]];
    let dir = vec![vec![0.0, 1.0], vec![0.0, 0.0, 0.0]];
    let mut d = vec![vec![0.0; 2], vec![0.0; 3]];
    let mut hv = vec![vec![0.0; 2], vec![0.0; 2]];
    let _ = cell_hvp(&w, 0.4, &dir, 0.0, &mut d, &mut hv);
}

#[test]
#[should_panic(expected = "cell_hessian: `hess` has length 35")]
fn a_hessian_buffer_of_another_length_names_the_function() {
    let w = vec![vec![0.3, -0.7], vec![1.1, 0.5, 0.2]];
    let mut d = vec![vec![0.0; 2], vec![0.0; 3]];
    let mut hess = vec![0.0; 35];
    let _ = cell_hessian(&w, 0.4, &mut d, &mut hess);
}
