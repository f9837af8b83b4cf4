//! Matrices whose rows are copies of parts of a slice (issue 8, found by probes of realistic
//! code): a flat parameter vector cut into the rows of a weight matrix by
//! `(0..h).map(|i| w[i * d..(i + 1) * d].to_vec()).collect()`, and rows written out
//! (`vec![x[..3].to_vec(), x[3..].to_vec()]`, `vec![a, b]` of vectors). Before: "does not
//! support sub-slices", or a message at the attribute. Each against central finite differences,
//! values bit for bit; rows of different lengths stop the function with a message (never a
//! wrong value).

#![allow(
    clippy::cast_precision_loss,
    clippy::needless_range_loop,
    // (Pushes right after `Vec::new()`, and `vec![a, b]` of vectors, as users write them.)
    clippy::vec_init_then_push,
    clippy::useless_vec
)]

mod common;

use common::{check, jvp_agrees};
use grad::gradient;

/// A two-layer network whose weights are cut from one flat vector: rows of the hidden layer's
/// matrix collected from parts at an offset, the output weights a part.
#[gradient(wrt(params))]
fn flat_mlp(params: &[f64], xs: &[[f64; 2]], ys: &[f64], h: usize) -> f64 {
    let d = 2;
    let w1: Vec<Vec<f64>> = (0..h)
        .map(|i| params[i * d..(i + 1) * d].to_vec())
        .collect();
    let off = h * d;
    let w2 = params[off..off + h].to_vec();
    let mut loss = 0.0;
    for (x, y) in xs.iter().zip(ys) {
        let hid: Vec<f64> = w1
            .iter()
            .map(|row| row.iter().zip(x).map(|(a, b)| a * b).sum::<f64>().tanh())
            .collect();
        let out: f64 = hid.iter().zip(&w2).map(|(a, b)| a * b).sum();
        loss += (out - y).powi(2);
    }
    loss / xs.len() as f64
}

#[test]
fn weight_rows_cut_from_a_flat_vector() {
    let params = [0.3, -0.7, 0.5, 0.9, -0.4, 0.2, 0.8, -0.6, 0.1];
    let xs = [[1.0, 0.5], [-0.3, 0.8], [0.2, -1.0]];
    let ys = [0.4, -0.1, 0.3];
    check(
        "flat_mlp",
        &|p: &[f64]| flat_mlp(p, &xs, &ys, 3),
        &|p: &[f64], d: &mut [f64]| flat_mlp_grad(p, &xs, &ys, 3, d),
        &params,
    );
}

/// Rows written out: parts of a slice (in a `vec![..]` or an array), and vectors by name under a
/// `let` typed `Vec<Vec<f64>>`.
#[gradient]
fn rows_written_out(x: &[f64]) -> f64 {
    let m = vec![x[..3].to_vec(), x[3..].to_vec()];
    let a: Vec<f64> = x.iter().map(|v| v * v).collect();
    let b = x.to_vec();
    let n: Vec<Vec<f64>> = vec![a, b];
    let pair = [x[..2].to_vec(), x[4..].to_owned()];
    let mut s = 0.0;
    for r in &m {
        for (j, v) in r.iter().enumerate() {
            s += v * (j as f64 + 1.0);
        }
    }
    s + m[1][2] * m[0][0] + n[0][5] * n[1][1] + pair[1][0] * pair[0][1]
}

#[test]
fn rows_of_parts_written_out() {
    let p = [0.3, -0.7, 0.5, 0.9, -0.4, 0.2];
    check(
        "rows_written_out",
        &rows_written_out,
        &rows_written_out_grad,
        &p,
    );
}

/// Rows collected from parts whose lengths differ: a matrix of rows of one length was taken for
/// it, and the function says so rather than read past a row.
#[gradient]
fn jagged(x: &[f64]) -> f64 {
    let m: Vec<Vec<f64>> = (0..2).map(|i| x[i..2 * i + 2].to_vec()).collect();
    m.iter().map(|r| r.iter().sum::<f64>()).sum()
}

#[test]
#[should_panic(expected = "the rows of `m` differ in length")]
fn rows_of_different_lengths_stop_with_a_message() {
    let p = [0.3, -0.7, 0.5, 0.9, -0.4, 0.2];
    assert!((jagged(&p) - (-0.4 + -0.7 + 0.5 + 0.9)).abs() < 1e-12);
    let mut d = [0.0; 6];
    jagged_grad(&p, &mut d);
}

/// Rows pushed: in a loop whose body is the push of a part (`m.push(x[i * d..(i + 1) *
/// d].to_vec())`, `w.push(c.to_vec())` of `chunks`), and one after the other, names among
/// them where a part says they are vectors.
#[gradient]
fn rows_pushed(x: &[f64]) -> f64 {
    let d = 2;
    let mut m = Vec::new();
    for i in 0..3 {
        m.push(x[i * d..(i + 1) * d].to_vec());
    }
    let mut w = Vec::with_capacity(3);
    for c in x.chunks(2) {
        w.push(c.to_vec());
    }
    let tail: Vec<f64> = x[3..].iter().map(|v| v * 0.5).collect();
    let mut listed = Vec::new();
    listed.push(x[..3].to_vec());
    listed.push(tail);
    m.iter().map(|r| r[0] * r[1]).sum::<f64>() + w[2][1] * m[0][0] + listed[1][2] * listed[0][1]
}

#[test]
fn rows_of_parts_pushed() {
    let p = [0.3, -0.7, 0.5, 0.9, -0.4, 0.2];
    check("rows_pushed", &rows_pushed, &rows_pushed_grad, &p);
}

/// Rows named before the list: vectors bound once by copies or collected (`let a =
/// x[..3].to_vec();`, `let b: Vec<f64> = ..collect();`), in an untyped `vec![a, b]` or pushed
/// one after the other into an untyped `Vec::new()`; rows collected in place in a typed list
/// (`vec![x.iter().take(3).copied().collect(), ..]`). Before: "makes an array of floats a local
/// buffer", "expected a float here, found a slice", "`iter()` of a differentiated sequence is
/// followed where the iterator is consumed at once".
#[gradient(jvp)]
fn rows_by_name(x: &[f64]) -> f64 {
    let a = x[..3].to_vec();
    let b: Vec<f64> = x[3..].iter().map(|v| v * 2.0).collect();
    let m = vec![a, b];
    let p = x[1..4].to_vec();
    let q = x[3..].to_vec();
    let mut pushed = Vec::new();
    pushed.push(p);
    pushed.push(q);
    let c: Vec<Vec<f64>> = vec![
        x.iter().take(3).copied().collect(),
        x.iter().skip(3).map(|v| v.sin()).collect(),
    ];
    let e = x[..3].to_vec();
    let f = x[3..].iter().map(|v| v * v).collect::<Vec<f64>>();
    let array = [e, f];
    m.iter()
        .map(|r| r.iter().map(|v| v * v).sum::<f64>().sqrt())
        .sum::<f64>()
        + m[1][2]
        + pushed[0][1] * pushed[1][2]
        + c[0][0] * c[1][1]
        + array[1][0] * array[0][2]
}

#[test]
fn rows_named_before_the_list() {
    let p = [0.3, -0.7, 0.5, 0.9, -0.4, 0.2];
    check("rows_by_name", &rows_by_name, &rows_by_name_grad, &p);
    let t = [0.5, -1.0, 0.25, 2.0, 1.5, -0.5];
    let mut d = [0.0; 6];
    let v = rows_by_name_grad(&p, &mut d);
    jvp_agrees("rows_by_name", (v, &d), &t, rows_by_name_jvp(&p, &t));
}
