//! `#[gradient(fast)]` (issue 11): the sums of a loop over samples reassociated (each of four
//! jammed copies sums into its own accumulators, added pairwise after the loop). The value equals
//! the function's up to rounding, the gradient agrees with central differences; a sum whose order
//! matters shows that the reassociation happened.

mod common;

use common::{close, fd_all};
use grad::gradient;

/// B3's least squares.
#[gradient(wrt(w), fast)]
fn linreg(w: &[f64], x: &[f64], y: &[f64]) -> f64 {
    let d = w.len();
    let n = y.len();
    let mut loss = 0.0;
    for i in 0..n {
        let mut pred = 0.0;
        for j in 0..d {
            pred += x[i * d + j] * w[j];
        }
        let r = y[i] - pred;
        loss += r * r;
    }
    loss
}

/// B4's logistic loss: a scalar parameter's gradient is a sum over the samples too.
#[gradient(wrt(w, b), fast)]
fn logreg(w: &[f64], b: f64, x: &[f64], y: &[f64]) -> f64 {
    let d = w.len();
    let n = y.len();
    let mut loss = 0.0;
    for i in 0..n {
        let mut z = 0.0;
        for j in 0..d {
            z += x[i * d + j] * w[j];
        }
        z += b;
        loss += z.exp().ln_1p() - y[i] * z;
    }
    loss / n as f64
}

/// The terms `t`, summed as written: `((1e16 + 1) - 1e16) + 1 = 1`, in order; `(1e16 + 1) +
/// (-1e16 + 1) = 0` pairwise.
#[gradient(wrt(s), fast)]
fn ordered_sum(s: f64, t: &[f64]) -> f64 {
    let mut acc = 0.0;
    for &v in t {
        acc += v * s;
    }
    acc
}

fn data(n: usize, d: usize) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let x = (0..n * d).map(|k| ((k as f64) * 0.37).sin()).collect();
    let y = (0..n).map(|k| ((k as f64) * 0.91).cos()).collect();
    let w = (0..d).map(|k| 0.1 * k as f64 - 0.2).collect();
    (x, y, w)
}

fn near(what: &str, got: f64, want: f64) {
    assert!(
        (got - want).abs() <= 1e-12 * (1.0 + want.abs()),
        "{what}: {got} against {want}"
    );
}

#[test]
fn gradients_of_reassociated_sums() {
    // 37 samples: nine blocks of four, then one more.
    let (x, y, w) = data(37, 5);
    let mut g = vec![0.0; w.len()];
    let v = linreg_grad(&w, &x, &y, &mut g);
    near("linreg value", v, linreg(&w, &x, &y));
    close("linreg", &g, &fd_all(&|p| linreg(p, &x, &y), &w));

    let labels: Vec<f64> = y.iter().map(|v| f64::from(u8::from(*v > 0.0))).collect();
    let (v, [db]) = logreg_grad(&w, 0.1, &x, &labels, &mut g);
    near("logreg value", v, logreg(&w, 0.1, &x, &labels));
    let mut p = w.clone();
    p.push(0.1);
    let want = fd_all(&|q| logreg(&q[..5], q[5], &x, &labels), &p);
    let mut got = g.clone();
    got.push(db);
    close("logreg", &got, &want);
}

#[test]
fn the_sum_is_reassociated() {
    let t = [1e16, 1.0, -1e16, 1.0];
    assert_eq!(ordered_sum(1.0, &t), 1.0);
    let (v, [ds]) = ordered_sum_grad(1.0, &t);
    assert_eq!(v, 0.0, "four accumulators, added pairwise");
    // The derivative, Σ t, is reassociated alike.
    assert_eq!(ds, 0.0);
}
