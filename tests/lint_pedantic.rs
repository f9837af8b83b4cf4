//! The code `#[gradient]` generates is warning-free under `clippy::pedantic` as under `clippy::all`:
//! CI runs clippy with `-D warnings` on this file, so it compiles only if the expansion of every
//! function below is clean. The functions are themselves pedantic-clean, so any lint comes from
//! generated code.
#![deny(warnings, clippy::all, clippy::pedantic)]

use grad::gradient;

const SCALE: f64 = 0.25;

/// `max`, `min`, `clamp` and `abs`, whose derivatives compare floats.
#[gradient]
fn kinks(x: f64, y: f64) -> f64 {
    x.max(y) + f64::min(x, 0.0) + x.clamp(-1.0, 1.0) + (x - y).abs() + f64::max(0.0, y)
}

/// Only a differentiated slice: the gradient returns the value alone.
#[gradient]
fn sum_of_squares(w: &[f64]) -> f64 {
    w.iter().map(|v| v * v).sum::<f64>()
}

/// Loops, a buffer, a cast, a constant and a call.
#[gradient(wrt(w, b))]
fn model(w: &[f64], b: f64, data: &[f64], n: usize, m: u32) -> f64 {
    let mut hidden = vec![0.0; n];
    for (i, h) in (0..n).zip(0..n) {
        hidden[h] = (w[i] * data[i] + b).tanh();
    }
    let mut loss = 0.0;
    for (i, &d) in data.iter().enumerate().take(n) {
        loss += (hidden[i] - d).powi(2) * SCALE;
    }
    for k in 0..m {
        loss += f64::from(k) * 1e-3 * b;
    }
    loss + sum_of_squares(w) * 1e-2
}

/// Branches, early return, and a long chain of literals the emitter prints.
#[gradient]
fn branches(x: f32) -> f32 {
    if x > 10.0 {
        return x.ln();
    }
    let y = if x < 0.0 { -x } else { x * 0.7 };
    y.mul_add(2.0, std::f32::consts::LN_2) + f32::sin(1.25) * x
}

#[test]
fn every_function_runs() {
    let (v, [dx, dy]) = kinks_grad(0.5, -0.25);
    assert!(v.is_finite() && dx.is_finite() && dy.is_finite());
    let mut dw = [0.0; 2];
    sum_of_squares_grad(&[1.0, 2.0], &mut dw);
    assert!((dw[0] - 2.0).abs() < 1e-12 && (dw[1] - 4.0).abs() < 1e-12);
    let (v, [db]) = model_grad(&[0.5, -0.5], 0.1, &[1.0, 2.0], 2, 3, &mut dw);
    assert!(v.is_finite() && db.is_finite());
    let (v, [d]) = branches_grad(2.0);
    assert!(v.is_finite() && d.is_finite());
}
