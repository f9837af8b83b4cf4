//! Training on data held in ndarray's `Array2` and nalgebra's `DMatrix`, without copying it.
//!
//! A `#[gradient]` loss reads plain slices, and both crates lend their storage as one slice:
//! `Array2::as_slice()` is row-major (ndarray's standard layout), `DMatrix::as_slice()` is
//! **column-major**. The least-squares loss below indexes row-major, `x[i * d + j]`; handed
//! nalgebra's slice it does not fail, it silently fits something else. So the nalgebra part shows
//! the wrong call, then two right ones (a column-major loss, or a transposed copy), and checks that
//! they agree with ndarray's fit.
//!
//! (For argmin's own solvers over `Array1`/`DVector`, see the features `argmin-ndarray` and
//! `argmin-nalgebra` and `ArgminProblem::with_param_type`.)
//!
//! Run with `cargo run -p grad-tests --release --example ndarray_nalgebra`.

use grad::gradient;
use grad::runtime::data::Rng;
use grad::runtime::optim::Lbfgs;
use grad::runtime::{minimize, Options};
use nalgebra::{DMatrix, DVector};
use ndarray::{Array1, Array2};

const N: usize = 500;
const D: usize = 4;
const TRUE_W: [f64; D] = [1.5, -2.0, 0.5, 3.0];
const NOISE: f64 = 0.3;

/// Mean squared error of `x·w` for an n×d matrix `x` stored **row-major**: sample `i` is
/// `x[i * d..(i + 1) * d]`.
#[gradient(wrt(w))]
fn mse(w: &[f64], x: &[f64], y: &[f64]) -> f64 {
    let (n, d) = (y.len(), w.len());
    let mut loss = 0.0;
    for i in 0..n {
        let mut pred = 0.0;
        for j in 0..d {
            pred += x[i * d + j] * w[j];
        }
        loss += (y[i] - pred) * (y[i] - pred);
    }
    loss / n as f64
}

/// The same loss for `x` stored **column-major**, as nalgebra stores it: feature `j` of all
/// samples is `x[j * n..(j + 1) * n]`.
#[gradient(wrt(w))]
fn mse_col_major(w: &[f64], x: &[f64], y: &[f64]) -> f64 {
    let (n, d) = (y.len(), w.len());
    let mut loss = 0.0;
    for i in 0..n {
        let mut pred = 0.0;
        for j in 0..d {
            pred += x[j * n + i] * w[j];
        }
        loss += (y[i] - pred) * (y[i] - pred);
    }
    loss / n as f64
}

fn show(w: &[f64]) -> String {
    let entries: Vec<String> = w.iter().map(|v| format!("{v:+.6}")).collect();
    format!("[{}]", entries.join(", "))
}

fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(p, q)| (p - q).abs())
        .fold(0.0, f64::max)
}

fn main() -> Result<(), grad::runtime::Error> {
    // Synthetic data, y = x·w_true + noise. `from_shape_fn` visits (i, j) in row-major order,
    // so the seeded draws land in the same places on every run.
    let mut rng = Rng::seed_from_u64(7);
    let x: Array2<f64> = Array2::from_shape_fn((N, D), |_| rng.normal());
    let noise = Array1::from_shape_fn(N, |_| NOISE * rng.normal());
    let y: Array1<f64> = x.dot(&Array1::from_vec(TRUE_W.to_vec())) + noise;
    println!("data: {N} samples × {D} features, y = x·w_true + noise, w_true = {TRUE_W:?}");
    let options = || Options::new().max_iters(1_000).grad_tol(1e-10);

    // ndarray: a freshly built Array2 is in standard (row-major) layout, so `as_slice()` lends
    // exactly what `mse` expects. It is `None` for a transposed or sliced view, which must be
    // made contiguous first (`as_standard_layout()`); no layout is ever guessed.
    let xs = x.as_slice().expect("standard layout");
    let ys = y.as_slice().expect("contiguous");
    let w0 = Array1::<f64>::zeros(D);
    // `minimize` copies its start from any `AsRef<[f64]>`; `Array1` is not one, its slice is.
    let report = minimize(
        |w: &[f64], g: &mut [f64]| mse_grad(w, xs, ys, g),
        w0.as_slice().expect("contiguous"),
        Lbfgs::default(),
        options(),
    )?;
    // The report owns its `Vec`, which becomes the Array1 without a copy.
    let w_ndarray = Array1::from_vec(report.x);
    println!(
        "\nndarray  Array2, row-major loss:      w = {}",
        show(w_ndarray.as_slice().expect("contiguous"))
    );

    // nalgebra: the same numbers in a DMatrix (built here from the rows; in a real program the
    // data would arrive in it). Its storage is column by column.
    let xm = DMatrix::from_row_slice(N, D, xs);
    let ym = DVector::from_column_slice(ys);
    // A DVector is `AsRef<[f64]>`, so it is a starting point as it is.
    let start = DVector::<f64>::zeros(D);

    // WRONG: the row-major loss on the column-major slice. Every index is in bounds, so nothing
    // complains; it fits the right-hand side to a scrambled matrix.
    let wrong = minimize(
        |w: &[f64], g: &mut [f64]| mse_grad(w, xm.as_slice(), ym.as_slice(), g),
        &start,
        Lbfgs::default(),
        options(),
    )?;
    let wrong = DVector::from_vec(wrong.x);
    println!(
        "nalgebra DMatrix, row-major loss:     w = {}   <- WRONG",
        show(wrong.as_slice())
    );

    // Right, no copy: a loss that indexes column-major.
    let by_columns = minimize(
        |w: &[f64], g: &mut [f64]| mse_col_major_grad(w, xm.as_slice(), ym.as_slice(), g),
        &start,
        Lbfgs::default(),
        options(),
    )?;
    let by_columns = DVector::from_vec(by_columns.x);
    println!(
        "nalgebra DMatrix, column-major loss:  w = {}",
        show(by_columns.as_slice())
    );

    // Right, one copy: the transpose, d×n column-major, has exactly the row-major layout of x.
    let xt = xm.transpose();
    let transposed = minimize(
        |w: &[f64], g: &mut [f64]| mse_grad(w, xt.as_slice(), ym.as_slice(), g),
        &start,
        Lbfgs::default(),
        options(),
    )?;
    let transposed = DVector::from_vec(transposed.x);
    println!(
        "nalgebra transpose, row-major loss:   w = {}",
        show(transposed.as_slice())
    );

    let reference = w_ndarray.as_slice().expect("contiguous");
    let gap = |w: &DVector<f64>| max_diff(w.as_slice(), reference);
    println!("\nlargest difference from ndarray's fit:");
    println!(
        "  column-major loss {:.1e}, transpose {:.1e}, wrong layout {:.2}",
        gap(&by_columns),
        gap(&transposed),
        gap(&wrong)
    );
    println!(
        "MSE on the real data: ndarray's fit {:.4}, the wrong layout's {:.4}",
        mse(reference, xs, ys),
        mse(wrong.as_slice(), xs, ys)
    );
    assert!(gap(&by_columns) < 1e-8 && gap(&transposed) < 1e-8);
    assert!(gap(&wrong) > 0.1, "the wrong layout fits something else");
    Ok(())
}
