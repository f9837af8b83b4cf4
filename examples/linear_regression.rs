//! Least squares two ways: a mean-squared-error loss over slices, differentiated by
//! `#[gradient(wrt(w))]` and minimized by L-BFGS and by Adam, against the closed-form solution of
//! the normal equations XᵀX w = Xᵀy (solved here by Gaussian elimination). The data are
//! synthetic and seeded: n = 200 samples of d = 3 standard-normal features, known true weights,
//! Gaussian noise.
//!
//! Run with `cargo run --release --example linear_regression`.

use grad::gradient;
use grad::runtime::check::check_gradient;
use grad::runtime::data::Rng;
use grad::runtime::optim::{Adam, Lbfgs};
use grad::runtime::{minimize, Options, Report};

const N: usize = 200;
const D: usize = 3;
const TRUE_W: [f64; D] = [2.0, -3.0, 0.5];
const NOISE: f64 = 0.5;
const SEED: u64 = 2024;

/// Mean squared error of the linear model `x·w` on the samples in the rows of `x` (row-major,
/// `y.len()` rows of `w.len()` features).
#[gradient(wrt(w))]
fn mse(w: &[f64], x: &[f64], y: &[f64]) -> f64 {
    let d = w.len();
    let mut loss = 0.0;
    for i in 0..y.len() {
        let mut pred = 0.0;
        for j in 0..d {
            pred += x[i * d + j] * w[j];
        }
        let r = y[i] - pred;
        loss += r * r;
    }
    loss / y.len() as f64
}

/// Solves the square system `a z = b` (`a` row-major, n × n) by Gaussian elimination with
/// partial pivoting. Panics if `a` is singular.
fn solve(mut a: Vec<f64>, mut b: Vec<f64>) -> Vec<f64> {
    let n = b.len();
    for col in 0..n {
        // Bring the largest remaining entry of this column to the diagonal.
        let pivot = (col..n)
            .max_by(|&r, &s| a[r * n + col].abs().total_cmp(&a[s * n + col].abs()))
            .expect("a non-empty column");
        assert!(a[pivot * n + col] != 0.0, "singular system");
        for k in 0..n {
            a.swap(col * n + k, pivot * n + k);
        }
        b.swap(col, pivot);
        for row in col + 1..n {
            let factor = a[row * n + col] / a[col * n + col];
            for k in col..n {
                a[row * n + k] -= factor * a[col * n + k];
            }
            b[row] -= factor * b[col];
        }
    }
    // Back substitution.
    let mut z = vec![0.0; n];
    for row in (0..n).rev() {
        let tail: f64 = (row + 1..n).map(|k| a[row * n + k] * z[k]).sum();
        z[row] = (b[row] - tail) / a[row * n + row];
    }
    z
}

/// The least-squares weights from the normal equations XᵀX w = Xᵀy.
fn normal_equations(x: &[f64], y: &[f64]) -> Vec<f64> {
    let mut xtx = vec![0.0; D * D];
    let mut xty = vec![0.0; D];
    for (row, &yi) in x.chunks_exact(D).zip(y) {
        for j in 0..D {
            xty[j] += row[j] * yi;
            for k in 0..D {
                xtx[j * D + k] += row[j] * row[k];
            }
        }
    }
    solve(xtx, xty)
}

fn distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(p, q)| (p - q).powi(2))
        .sum::<f64>()
        .sqrt()
}

/// `v` in scientific notation with a two-digit signed exponent, `3.28e-12`, so columns align.
fn sci(v: f64) -> String {
    let s = format!("{v:.2e}");
    match s.split_once('e') {
        Some((mantissa, exp)) => {
            let e: i32 = exp.parse().unwrap_or(0);
            format!("{mantissa}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
        }
        None => s, // inf, NaN
    }
}

fn main() -> Result<(), grad::runtime::Error> {
    // y = x·w_true + noise, with x and the noise standard normal (the noise scaled by NOISE).
    let mut rng = Rng::seed_from_u64(SEED);
    let x: Vec<f64> = (0..N * D).map(|_| rng.normal()).collect();
    let y: Vec<f64> = x
        .chunks_exact(D)
        .map(|row| row.iter().zip(&TRUE_W).map(|(a, b)| a * b).sum::<f64>() + NOISE * rng.normal())
        .collect();
    println!("data: n = {N} samples, d = {D} standard-normal features, seed {SEED}");
    println!("      y = x·w_true + ε,  w_true = {TRUE_W:?},  ε ~ N(0, {NOISE}²)");

    let loss = |w: &[f64], g: &mut [f64]| mse_grad(w, &x, &y, g);
    let check = check_gradient(loss, [0.3, -0.2, 0.1])?;
    println!(
        "gradient of mse from #[gradient] vs finite differences: {} (largest relative error {:.1e})",
        if check.passed { "passed" } else { "FAILED" },
        check.max_rel_error()
    );
    println!();

    let closed_form = normal_equations(&x, &y);
    // Both run from w = 0 until |∇MSE| ≤ 1e-10.
    let options = || Options::new().max_iters(5000).grad_tol(1e-10);
    let lbfgs = minimize(loss, [0.0; D], Lbfgs::default(), options())?;
    let adam = minimize(loss, [0.0; D], Adam::new(0.02)?, options())?;

    println!(
        "{:<26} {:>10} {:>10} {:>10} {:>12} {:>14}",
        "weights", "w[0]", "w[1]", "w[2]", "MSE", "|w − w_ls|"
    );
    println!("{}", "-".repeat(87));
    let row = |name: &str, w: &[f64]| {
        println!(
            "{name:<26} {:>10.6} {:>10.6} {:>10.6} {:>12.8} {:>14}",
            w[0],
            w[1],
            w[2],
            mse(w, &x, &y),
            sci(distance(w, &closed_form))
        );
    };
    let label = |r: &Report<f64>| format!("{} ({} iterations)", r.optimizer, r.iterations);
    row("true (generating) weights", &TRUE_W);
    row("closed form (XᵀX w = Xᵀy)", &closed_form);
    row(&label(&lbfgs), &lbfgs.x);
    row(&label(&adam), &adam.x);
    println!();

    let diff: Vec<String> = lbfgs
        .x
        .iter()
        .zip(&closed_form)
        .map(|(a, b)| format!("{:+.2e}", a - b))
        .collect();
    println!("L-BFGS − closed form = [{}]", diff.join(", "));
    println!("L-BFGS: {}", lbfgs.reason);
    println!("Adam:   {}", adam.reason);
    println!();
    println!(
        "L-BFGS reproduces the closed-form solution to {}; the fitted weights miss the true ones \
         by {:.3}, the noise's doing (expected about σ·√(d/n) = {:.3}), not the optimizer's.",
        sci(distance(&lbfgs.x, &closed_form)),
        distance(&closed_form, &TRUE_W),
        NOISE * (D as f64 / N as f64).sqrt()
    );
    Ok(())
}
