//! Data of the other float type beside the differentiated parameters (`data: &[f32]` in a
//! function of `f64`, a dataset kept in `f32`; issue 8, found by a probe): left out by `wrt(..)`,
//! it is data, read through conversions (`f64::from(d)`, `d as f64`), and callers hand it such
//! data (a parameter, a constant; values of their own float type are refused, UI
//! `err_other_float_values`). Without `wrt(..)` it stays an error (UI `err_mixed_float_types`).
//! Against central finite differences, values equal.

#![allow(clippy::cast_lossless, clippy::cast_possible_truncation)]

mod common;

use common::check_flat;
use grad::gradient;

#[gradient(wrt(w))]
fn fit(w: &[f64], data: &[f32], rows: &[Vec<f32>], scale: f32) -> f64 {
    let mut s = 0.0;
    for (i, &d) in data.iter().enumerate() {
        s += w[i] * (d as f64) * f64::from(scale);
    }
    let m: f64 = data.iter().map(|&d| f64::from(d) * w[0]).sum();
    let r: f64 = rows
        .iter()
        .map(|r| {
            r.iter()
                .zip(w)
                .map(|(&a, b)| a as f64 * b)
                .sum::<f64>()
                .tanh()
        })
        .sum();
    s + m + r + f64::from(data[1]) * w[2] * w[2]
}

const WEIGHTS: [f32; 3] = [0.5, -0.25, 2.0];

/// A caller handing such data on: its own parameter of that type, a constant of it.
#[gradient(wrt(w))]
fn caller(w: &[f64], data: &[f32], rows: &[Vec<f32>]) -> f64 {
    fit(w, data, rows, 2.0) * w[1] + fit(&w[1..], &WEIGHTS, rows, 0.5)
}

#[gradient(wrt(w))]
fn narrow(w: &[f32], data: &[f64]) -> f32 {
    w.iter().zip(data).map(|(a, &d)| a * a * d as f32).sum()
}

#[test]
fn f32_data_in_an_f64_function() {
    let (data, rows) = (
        [1.0f32, 2.0, 0.5, -1.0],
        vec![vec![1.0f32, 2.0], vec![0.5, -1.0, 3.0]],
    );
    let w = [0.3, -0.7, 0.45, 1.1];
    let mut d = [f64::NAN; 4];
    let v = fit_grad(&w, &data, &rows, 0.5, &mut d);
    check_flat("fit", &w, &|p| fit(p, &data, &rows, 0.5), v, &d).unwrap();
    let v = caller_grad(&w, &data, &rows, &mut d);
    check_flat("caller", &w, &|p| caller(p, &data, &rows), v, &d).unwrap();
}

#[test]
fn f64_data_in_an_f32_function() {
    let w = [0.5f32, -1.5, 2.0];
    let data = [1.0, 0.25, -2.0];
    let mut d = [f32::NAN; 3];
    let v = narrow_grad(&w, &data, &mut d);
    assert_eq!(v.to_bits(), narrow(&w, &data).to_bits());
    for k in 0..3 {
        let want = 2.0 * w[k] * data[k] as f32;
        assert!((d[k] - want).abs() < 1e-6, "{k}: {} vs {want}", d[k]);
    }
}
