//! A small neural network trained from scratch: 2 inputs → 16 tanh units → 1 sigmoid output,
//! classifying the "two moons", two interleaved half circles that no straight line separates.
//! The 65 parameters live in one flat slice; `#[gradient(wrt(p))]` differentiates the mean binary
//! cross-entropy of a mini-batch through the network (a call to another `#[gradient]` function),
//! checked against finite differences at start-up. Adam trains it on shuffled mini-batches with
//! `minimize_batches`; an observer records loss and accuracy after every epoch.
//!
//! Run with `cargo run --release --example neural_network`, or with
//! `cargo run --release --example neural_network --features progress` for a progress bar.

use grad::gradient;
use grad::runtime::check::check_gradient;
use grad::runtime::data::{Batches, Rng};
use grad::runtime::optim::Adam;
use grad::runtime::{minimize_batches, Options};

/// Hidden units.
const HIDDEN: usize = 16;
/// Parameters, packed as [W₁ (HIDDEN × 2, row-major) | b₁ (HIDDEN) | w₂ (HIDDEN) | b₂].
const PARAMS: usize = 4 * HIDDEN + 1;

const TRAIN: usize = 400;
const TEST: usize = 200;
const NOISE: f64 = 0.15;
const EPOCHS: usize = 200;
const BATCH: usize = 32;

/// The network's output before the sigmoid (the logit) for the input (x0, x1).
#[gradient]
fn forward(p: &[f64], x0: f64, x1: f64) -> f64 {
    let mut z = p[4 * HIDDEN];
    for h in 0..HIDDEN {
        let a = (p[2 * h] * x0 + p[2 * h + 1] * x1 + p[2 * HIDDEN + h]).tanh();
        z += p[3 * HIDDEN + h] * a;
    }
    z
}

/// Binary cross-entropy of the prediction sigmoid(z) for the label y ∈ {0, 1}, in the form
/// max(z, 0) − y·z + ln(1 + e^−|z|), which never overflows.
#[gradient]
fn bce_with_logit(z: f64, y: f64) -> f64 {
    z.max(0.0) - y * z + (-z.abs()).exp().ln_1p()
}

/// Mean cross-entropy over the samples `batch` of the data set (`x` holds points as (x0, x1)
/// pairs).
#[gradient(wrt(p))]
fn batch_loss(p: &[f64], x: &[f64], y: &[f64], batch: &[usize]) -> f64 {
    let mut total = 0.0;
    for &i in batch.iter() {
        total += bce_with_logit(forward(p, x[2 * i], x[2 * i + 1]), y[i]);
    }
    total / batch.len() as f64
}

/// `n` points of two interleaved half moons with Gaussian noise, centred near the origin:
/// points as (x0, x1) pairs and labels 0 (upper moon) / 1 (lower moon), alternating.
fn two_moons(n: usize, noise: f64, rng: &mut Rng) -> (Vec<f64>, Vec<f64>) {
    let mut x = Vec::with_capacity(2 * n);
    let mut y = Vec::with_capacity(n);
    for i in 0..n {
        let t = std::f64::consts::PI * rng.uniform();
        let label = (i % 2) as f64;
        let (a, b) = if label == 0.0 {
            (t.cos(), t.sin())
        } else {
            (1.0 - t.cos(), 0.5 - t.sin())
        };
        x.push(a - 0.5 + noise * rng.normal());
        x.push(b - 0.25 + noise * rng.normal());
        y.push(label);
    }
    (x, y)
}

/// The fraction of points classified correctly (predicted class 1 when the logit is positive).
fn accuracy(p: &[f64], x: &[f64], y: &[f64]) -> f64 {
    let correct = x
        .chunks_exact(2)
        .zip(y)
        .filter(|(point, &label)| (forward(p, point[0], point[1]) > 0.0) == (label == 1.0))
        .count();
    correct as f64 / y.len() as f64
}

/// The decision regions as text: `·` where the network predicts the lower moon (class 1),
/// blank for the upper one, with the training points on top (`o` upper, `x` lower).
fn decision_map(p: &[f64], x: &[f64], y: &[f64]) -> String {
    const COLS: usize = 72;
    const ROWS: usize = 22;
    let (x_min, x_max, y_min, y_max) = (-2.0, 2.0, -1.25, 1.25);
    let cell = |a: f64, b: f64| {
        let c = ((a - x_min) / (x_max - x_min) * COLS as f64).floor();
        let r = ((y_max - b) / (y_max - y_min) * ROWS as f64).floor();
        (c >= 0.0 && r >= 0.0 && c < COLS as f64 && r < ROWS as f64)
            .then_some((r as usize, c as usize))
    };
    let mut grid: Vec<Vec<char>> = (0..ROWS)
        .map(|r| {
            (0..COLS)
                .map(|c| {
                    let a = x_min + (c as f64 + 0.5) / COLS as f64 * (x_max - x_min);
                    let b = y_max - (r as f64 + 0.5) / ROWS as f64 * (y_max - y_min);
                    if forward(p, a, b) > 0.0 {
                        '·'
                    } else {
                        ' '
                    }
                })
                .collect()
        })
        .collect();
    for (point, &label) in x.chunks_exact(2).zip(y) {
        if let Some((r, c)) = cell(point[0], point[1]) {
            grid[r][c] = if label == 1.0 { 'x' } else { 'o' };
        }
    }
    let border = format!("  +{}+", "-".repeat(COLS));
    let mut out = border.clone();
    for row in grid {
        out.push_str("\n  |");
        out.extend(row);
        out.push('|');
    }
    out.push('\n');
    out.push_str(&border);
    out
}

/// Loss and accuracies after an epoch.
struct EpochLog {
    epoch: usize,
    loss: f64,
    train_accuracy: f64,
    test_accuracy: f64,
}

fn main() -> Result<(), grad::runtime::Error> {
    let mut rng = Rng::seed_from_u64(7);
    let (x, y) = two_moons(TRAIN, NOISE, &mut rng);
    let (x_test, y_test) = two_moons(TEST, NOISE, &mut rng);
    let everyone: Vec<usize> = (0..TRAIN).collect();

    // Small random weights: N(0, 1/fan_in) for both layers, zero biases.
    let mut p0 = vec![0.0; PARAMS];
    for w in &mut p0[..2 * HIDDEN] {
        *w = rng.normal() / 2f64.sqrt();
    }
    for w in &mut p0[3 * HIDDEN..4 * HIDDEN] {
        *w = rng.normal() / (HIDDEN as f64).sqrt();
    }

    println!("two moons: {TRAIN} training and {TEST} test points, noise σ = {NOISE}");
    println!("network:   2 → {HIDDEN} tanh → 1 sigmoid, {PARAMS} parameters in one slice");

    // Trust the generated gradient only after comparing it with finite differences.
    let full_loss = |p: &[f64], g: &mut [f64]| batch_loss_grad(p, &x, &y, &everyone, g);
    let check = check_gradient(full_loss, &p0)?;
    assert!(check.passed, "{check}");
    println!(
        "gradient:  all {PARAMS} components match finite differences (largest relative error {:.1e})",
        check.max_rel_error()
    );
    println!();

    // Adam on shuffled mini-batches; after each epoch, the loss and accuracy on all the data.
    let mut log: Vec<EpochLog> = Vec::new();
    let mut last_epoch = None;
    let batches = Batches::new(TRAIN, BATCH)?.seed(1);
    let options = Options::new()
        .max_epochs(EPOCHS)
        .grad_tol(0.0)
        .on_iteration(|s| {
            if s.epoch != last_epoch {
                last_epoch = s.epoch;
                log.push(EpochLog {
                    epoch: s.epoch.unwrap_or(0),
                    loss: batch_loss(s.x, &x, &y, &everyone),
                    train_accuracy: accuracy(s.x, &x, &y),
                    test_accuracy: accuracy(s.x, &x_test, &y_test),
                });
            }
        });
    #[cfg(feature = "progress")]
    let options = options.progress_bar();
    let objective =
        |p: &[f64], batch: &[usize], g: &mut [f64]| batch_loss_grad(p, &x, &y, batch, g);
    let report = minimize_batches(objective, &p0, Adam::new(0.01)?, batches, options)?;

    println!(
        "after each epoch: loss and accuracy on all training points, accuracy on the test points"
    );
    println!(
        "{:>6}  {:>10}  {:>10}  {:>10}",
        "epoch", "loss", "train acc", "test acc"
    );
    for e in log.iter().filter(|e| e.epoch % 20 == 0 || e.epoch < 5) {
        println!(
            "{:>6}  {:>10.4}  {:>9.1}%  {:>9.1}%",
            e.epoch,
            e.loss,
            100.0 * e.train_accuracy,
            100.0 * e.test_accuracy
        );
    }
    println!();
    println!("the run's report (its value and |grad| are those of the last mini-batch):");
    println!("{report}");
    println!();
    println!("decision regions after training (· = lower moon predicted; o upper, x lower):");
    println!("{}", decision_map(&report.x, &x, &y));
    println!();

    let train_accuracy = accuracy(&report.x, &x, &y);
    let test_accuracy = accuracy(&report.x, &x_test, &y_test);
    println!(
        "After {EPOCHS} epochs ({} Adam steps, {:.2?}) the network classifies {:.1}% of the \
         training points and {:.1}% of the unseen test points correctly.",
        report.iterations,
        report.elapsed,
        100.0 * train_accuracy,
        100.0 * test_accuracy
    );
    Ok(())
}
