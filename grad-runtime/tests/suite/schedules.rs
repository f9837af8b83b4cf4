//! Learning-rate schedules: closed forms equal to PyTorch's, and their effect through the loop.

use crate::common::{assert_close, quadratic};
use grad_runtime::optim::Optimizer;
use grad_runtime::prelude::*;
use grad_runtime::schedule::{Schedule, Scheduled};

fn rates<S: Schedule<f64>>(s: &S, base: f64, steps: usize) -> Vec<f64> {
    (0..steps).map(|t| s.learning_rate(base, t)).collect()
}

#[test]
fn step_lr_matches_pytorch() {
    // torch.optim.lr_scheduler.StepLR(opt(lr=0.1), step_size=3, gamma=0.5)
    let got = rates(&StepLr::new(3, 0.5).unwrap(), 0.1, 7);
    assert_close(&got, &[0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025], 1e-17);
}

#[test]
fn exponential_lr_matches_pytorch() {
    let got = rates(&ExponentialLr::new(0.9).unwrap(), 2.0, 4);
    assert_close(&got, &[2.0, 1.8, 1.62, 1.458], 1e-15);
}

#[test]
fn cosine_annealing_matches_pytorch_closed_form() {
    // η_t = 0.01 + 0.09 (1 + cos(π t / 4)) / 2; periodic beyond T_max like PyTorch's closed form.
    let got = rates(&CosineAnnealingLr::new(4, 0.01).unwrap(), 0.1, 7);
    let c = std::f64::consts::FRAC_1_SQRT_2;
    let expected = [
        0.1,
        0.01 + 0.045 * (1.0 + c),
        0.055,
        0.01 + 0.045 * (1.0 - c),
        0.01,
        0.01 + 0.045 * (1.0 - c),
        0.055,
    ];
    assert_close(&got, &expected, 1e-15);
}

#[test]
fn a_schedule_sets_each_steps_learning_rate() {
    // GD on x² with α_t = 0.25·0.5ᵗ: x ← x (1 − 2α_t) = 0.5, then ·0.75, then ·0.875.
    let gd = GradientDescent::new(0.25)
        .unwrap()
        .with_schedule(ExponentialLr::new(0.5).unwrap());
    let lrs = std::cell::RefCell::new(Vec::new());
    let options = Options::new()
        .max_iters(3)
        .grad_tol(0.0)
        .history_points(true)
        .on_iteration(|s| lrs.borrow_mut().push(s.learning_rate.unwrap()));
    let report = minimize(quadratic(&[2.0]), [1.0], gd, options).unwrap();
    let xs: Vec<f64> = report.history.points.iter().map(|p| p[0]).collect();
    assert_close(&xs, &[1.0, 0.5, 0.375, 0.328125], 1e-16);
    // Observers see the rate the next step will use.
    assert_close(&lrs.into_inner(), &[0.25, 0.125, 0.0625, 0.03125], 1e-17);
}

#[test]
fn closures_are_schedules() {
    let warmup = |base: f64, t: usize| base * ((t + 1) as f64 / 2.0).min(1.0);
    let gd = GradientDescent::new(0.25).unwrap().with_schedule(warmup);
    let options = Options::new()
        .max_iters(2)
        .grad_tol(0.0)
        .history_points(true);
    let report = minimize(quadratic(&[2.0]), [1.0], gd, options).unwrap();
    // α₀ = 0.125: x₁ = 0.75; α₁ = 0.25: x₂ = 0.375.
    assert_close(&report.history.points[2], &[0.375], 1e-16);
}

#[test]
fn every_first_order_optimizer_takes_a_schedule() {
    let s = || CosineAnnealingLr::new(500, 0.0).unwrap();
    let all: Vec<Box<dyn Optimizer<f64>>> = vec![
        Box::new(GradientDescent::new(0.1).unwrap().with_schedule(s())),
        Box::new(
            Sgd::builder()
                .lr(0.05)
                .momentum(0.9)
                .build()
                .unwrap()
                .with_schedule(s()),
        ),
        Box::new(Adam::new(0.1).unwrap().with_schedule(s())),
        Box::new(
            AdamW::builder()
                .lr(0.1)
                .weight_decay(0.0)
                .build()
                .unwrap()
                .with_schedule(s()),
        ),
        Box::new(RmsProp::new(0.05).unwrap().with_schedule(s())),
        Box::new(Adagrad::new(0.5).unwrap().with_schedule(s())),
    ];
    for optimizer in all {
        let name = optimizer.name();
        let report = minimize(
            quadratic(&[1.0, 3.0]),
            [1.0, 1.0],
            optimizer,
            Options::new().max_iters(500),
        )
        .unwrap();
        assert!(report.value < 1e-6, "{name}: {report}");
    }
}

#[test]
fn every_run_restarts_the_schedule() {
    let mut sgd = Scheduled::new(Sgd::new(0.1).unwrap(), StepLr::new(2, 0.1).unwrap());
    let options = || Options::new().max_iters(5).grad_tol(0.0);
    let first = minimize(quadratic(&[1.0]), [1.0], &mut sgd, options()).unwrap();
    let second = minimize(quadratic(&[1.0]), [1.0], &mut sgd, options()).unwrap();
    assert_eq!(first.x, second.x);
    assert!(
        (sgd.inner().lr() - 0.001).abs() < 1e-15,
        "the last step's rate stays set after the run"
    );
}
