//! Differentiated rows under other names (issue 9, found by a probe of realistic models): a
//! `dense` layer helper without `#[gradient]` given a model's `Vec<Vec<f64>>` field or a rows
//! parameter whole (`dense(&self.w1, &self.b1, x)`, in a loop over samples, in a closure, nested
//! in another call), a helper declared in the body, and a local naming the rows again (`let w =
//! &m.w1;`). Each against central finite differences, values equal to the function's.

#![allow(clippy::needless_range_loop, clippy::ptr_arg)]

mod common;

use common::{check_flat, check_model};
use grad::{gradient, Params};

#[derive(Clone, Debug, Params)]
struct Mlp {
    w1: Vec<Vec<f64>>,
    b1: Vec<f64>,
    w2: Vec<f64>,
    b2: f64,
}

fn dense(w: &[Vec<f64>], b: &[f64], x: &[f64]) -> Vec<f64> {
    w.iter()
        .zip(b)
        .map(|(row, bi)| (row.iter().zip(x).map(|(a, c)| a * c).sum::<f64>() + bi).tanh())
        .collect()
}

fn dense_relu(w: &Vec<Vec<f64>>, b: &[f64], x: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; w.len()];
    for i in 0..w.len() {
        let mut s = b[i];
        for j in 0..x.len() {
            s += w[i][j] * x[j];
        }
        out[i] = s.max(0.0);
    }
    out
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn row_sums(w: &[Vec<f64>]) -> f64 {
    let first = &w[0];
    w.iter().map(|r| r.iter().sum::<f64>()).sum::<f64>() * first[0]
}

impl Mlp {
    fn sample() -> Self {
        Mlp {
            w1: vec![vec![0.3, -0.2], vec![0.5, 0.1], vec![-0.4, 0.6]],
            b1: vec![0.1, -0.1, 0.05],
            w2: vec![0.7, -0.5, 0.2],
            b2: 0.05,
        }
    }

    /// The layer in a loop over samples.
    #[gradient(wrt(self))]
    fn loss(&self, xs: &[Vec<f64>], ys: &[f64]) -> f64 {
        let mut total = 0.0;
        for (x, y) in xs.iter().zip(ys) {
            let h = dense(&self.w1, &self.b1, x);
            let out: f64 = h.iter().zip(&self.w2).map(|(a, b)| a * b).sum::<f64>() + self.b2;
            total += (out - y).powi(2);
        }
        total / xs.len() as f64 + 0.01 * row_sums(&self.w1)
    }

    /// The layer in a closure, nested in another helper's call.
    #[gradient(wrt(self))]
    fn loss_mapped(&self, xs: &[Vec<f64>], ys: &[f64]) -> f64 {
        xs.iter()
            .zip(ys)
            .map(|(x, y)| (dot(&dense_relu(&self.w1, &self.b1, x), &self.w2) + self.b2 - y).powi(2))
            .sum()
    }
}

/// A local naming the model's rows, handed on.
#[gradient(wrt(m))]
fn named(m: &Mlp, xs: &[Vec<f64>], ys: &[f64]) -> f64 {
    let w = &m.w1;
    let mut s = 0.0;
    for (x, y) in xs.iter().zip(ys) {
        let h = dense(w, &m.b1, x);
        s += (dot(&h, &m.w2) - y).powi(2);
    }
    s + w[0][1] * w.len() as f64
}

/// Rows parameters: named again, given to a helper of the body and of the module.
#[gradient(wrt(w1, b1))]
fn rows_param(w1: &[Vec<f64>], b1: &[f64], x: &[f64]) -> f64 {
    fn layer(w: &[Vec<f64>], b: &[f64], x: &[f64]) -> f64 {
        dense(w, b, x).iter().map(|h| h * h).sum()
    }
    let v = w1;
    layer(w1, b1, x) + v.iter().map(|r| r[0]).sum::<f64>() + row_sums(v)
}

fn data() -> (Vec<Vec<f64>>, Vec<f64>) {
    (
        vec![vec![1.0, 0.5], vec![-0.3, 0.8], vec![0.2, -1.0]],
        vec![0.5, 1.0, 0.0],
    )
}

#[test]
fn layer_helper_given_a_models_rows() {
    let (xs, ys) = data();
    let m = Mlp::sample();
    check_model(
        "loss",
        &m,
        |m| m.loss(&xs, &ys),
        |m, d| m.loss_grad(&xs, &ys, d),
    );
    check_model(
        "loss_mapped",
        &m,
        |m| m.loss_mapped(&xs, &ys),
        |m, d| m.loss_mapped_grad(&xs, &ys, d),
    );
}

#[test]
fn rows_named_by_a_local() {
    let (xs, ys) = data();
    check_model(
        "named",
        &Mlp::sample(),
        |m| named(m, &xs, &ys),
        |m, d| named_grad(m, &xs, &ys, d),
    );
}

#[test]
fn rows_parameter_given_to_helpers() {
    let m = Mlp::sample();
    let x = [0.4, -0.7];
    let (rows, widths): (usize, usize) = (m.w1.len(), m.w1[0].len());
    let mut flat: Vec<f64> = m.w1.concat();
    flat.extend(&m.b1);
    let split = |p: &[f64]| -> (Vec<Vec<f64>>, Vec<f64>) {
        (
            p[..rows * widths]
                .chunks(widths)
                .map(<[f64]>::to_vec)
                .collect(),
            p[rows * widths..].to_vec(),
        )
    };
    let f = |p: &[f64]| {
        let (w, b) = split(p);
        rows_param(&w, &b, &x)
    };
    let mut dw = vec![vec![f64::NAN; widths]; rows];
    let mut db = vec![f64::NAN; rows];
    let v = rows_param_grad(&m.w1, &m.b1, &x, &mut dw, &mut db);
    let mut d = dw.concat();
    d.extend(&db);
    check_flat("rows_param", &flat, &f, v, &d).unwrap();
}
