//! A small neural network trained from scratch: 2 inputs → 16 tanh units → 1 sigmoid output,
//! classifying the "two moons", two interleaved half circles that no straight line separates.
//! The network is a struct, `Mlp`, with a `Dense` hidden layer whose `forward` method returns
//! the layer's activations; the loss is a method of `Mlp` that calls `self.hidden.forward(..)`,
//! and `#[gradient]` on it gives `mlp.batch_loss_grad(.., &mut grad)` with the gradient as another
//! `Mlp` (the layer is differentiated once, where it is defined). The gradient is checked against
//! finite differences at start-up; Adam trains the model on shuffled mini-batches with
//! `minimize_batches`, which takes the model itself; an observer records loss and accuracy after
//! every epoch.
//!
//! Run with `cargo run --release --example neural_network`, or with
//! `cargo run --release --example neural_network --features progress` for a progress bar.

use grad::runtime::check::check_gradient;
use grad::runtime::data::{Batches, Rng};
use grad::runtime::optim::Adam;
use grad::runtime::{minimize_batches, Options};
use grad::{gradient, Params};

/// Hidden units.
const HIDDEN: usize = 16;

const TRAIN: usize = 400;
const TEST: usize = 200;
const NOISE: f64 = 0.15;
const EPOCHS: usize = 200;
const BATCH: usize = 32;

/// A fully connected layer: `w` is `n_out × n_in`, row-major.
#[derive(Clone, Debug, Params)]
struct Dense {
    w: Vec<f64>,
    b: Vec<f64>,
    n_in: usize,
    n_out: usize,
}

/// The network: a tanh hidden layer, then one output unit whose logit goes through a sigmoid.
#[derive(Clone, Debug, Params)]
struct Mlp {
    hidden: Dense,
    out_w: Vec<f64>,
    out_b: f64,
}

impl Dense {
    /// The layer's activations for one input: `tanh(W x + b)`.
    #[gradient]
    fn forward(&self, x: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; self.n_out];
        for (k, o) in out.iter_mut().enumerate() {
            let row = &self.w[k * self.n_in..(k + 1) * self.n_in];
            let z: f64 = row.iter().zip(x).map(|(w, x)| w * x).sum::<f64>() + self.b[k];
            *o = z.tanh();
        }
        out
    }
}

/// Binary cross-entropy of the prediction sigmoid(z) for the label y ∈ {0, 1}, in the form
/// max(z, 0) − y·z + ln(1 + e^−|z|), which never overflows.
#[gradient]
fn bce_with_logit(z: f64, y: f64) -> f64 {
    z.max(0.0) - y * z + (-z.abs()).exp().ln_1p()
}

impl Mlp {
    /// Small random weights, N(0, 1/fan_in) in both layers, and zero biases.
    fn new(rng: &mut Rng) -> Self {
        let n_in = 2;
        Mlp {
            hidden: Dense {
                w: (0..HIDDEN * n_in)
                    .map(|_| rng.normal() / (n_in as f64).sqrt())
                    .collect(),
                b: vec![0.0; HIDDEN],
                n_in,
                n_out: HIDDEN,
            },
            out_w: (0..HIDDEN)
                .map(|_| rng.normal() / (HIDDEN as f64).sqrt())
                .collect(),
            out_b: 0.0,
        }
    }

    /// Mean cross-entropy over the samples `batch` of the data set (`x` holds points as
    /// (x0, x1) pairs). Differentiated with respect to `self`: `batch_loss_grad` fills an `Mlp`.
    #[gradient]
    fn batch_loss(&self, x: &[f64], y: &[f64], batch: &[usize]) -> f64 {
        let mut total = 0.0;
        for &i in batch.iter() {
            let h = self.hidden.forward(&x[2 * i..2 * i + 2]);
            let z: f64 = self.out_w.iter().zip(&h).map(|(w, a)| w * a).sum::<f64>() + self.out_b;
            total += bce_with_logit(z, y[i]);
        }
        total / batch.len() as f64
    }

    /// The logit for the input (x0, x1): class 1 when it is positive.
    fn logit(&self, x0: f64, x1: f64) -> f64 {
        let h = self.hidden.forward(&[x0, x1]);
        self.out_w.iter().zip(&h).map(|(w, a)| w * a).sum::<f64>() + self.out_b
    }
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
fn accuracy(m: &Mlp, x: &[f64], y: &[f64]) -> f64 {
    let correct = x
        .chunks_exact(2)
        .zip(y)
        .filter(|(point, &label)| (m.logit(point[0], point[1]) > 0.0) == (label == 1.0))
        .count();
    correct as f64 / y.len() as f64
}

/// The decision regions as text: `·` where the network predicts the lower moon (class 1),
/// blank for the upper one, with the training points on top (`o` upper, `x` lower).
fn decision_map(m: &Mlp, x: &[f64], y: &[f64]) -> String {
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
                    if m.logit(a, b) > 0.0 {
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

    let mlp = Mlp::new(&mut rng);
    let params = mlp.num_params();

    println!("two moons: {TRAIN} training and {TEST} test points, noise σ = {NOISE}");
    println!("network:   2 → {HIDDEN} tanh → 1 sigmoid, {params} parameters in an `Mlp`");

    // Trust the generated gradient only after comparing it with finite differences (over the
    // model's flat view).
    let full_loss = |m: &Mlp, g: &mut Mlp| m.batch_loss_grad(&x, &y, &everyone, g);
    let check = check_gradient(full_loss, &mlp)?;
    assert!(check.passed, "{check}");
    println!(
        "gradient:  all {params} components match finite differences (largest relative error {:.1e})",
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
                let m = mlp.with_flat(s.x);
                log.push(EpochLog {
                    epoch: s.epoch.unwrap_or(0),
                    loss: m.batch_loss(&x, &y, &everyone),
                    train_accuracy: accuracy(&m, &x, &y),
                    test_accuracy: accuracy(&m, &x_test, &y_test),
                });
            }
        });
    #[cfg(feature = "progress")]
    let options = options.progress_bar();
    let objective = |m: &Mlp, batch: &[usize], g: &mut Mlp| m.batch_loss_grad(&x, &y, batch, g);
    let report = minimize_batches(objective, &mlp, Adam::new(0.01)?, batches, options)?;
    let trained = mlp.with_flat(&report.x);

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
    println!("{}", decision_map(&trained, &x, &y));
    println!();

    let train_accuracy = accuracy(&trained, &x, &y);
    let test_accuracy = accuracy(&trained, &x_test, &y_test);
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
