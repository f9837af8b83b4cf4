//! The same optimizers in single precision.

use crate::common::rosenbrock_generic;
use grad_runtime::optim::Optimizer;
use grad_runtime::prelude::*;

fn quadratic32(x: &[f32], g: &mut [f32]) -> f32 {
    let mut v = 0.0;
    for (i, (&xi, gi)) in x.iter().zip(g.iter_mut()).enumerate() {
        let a = (i + 1) as f32;
        *gi = a * xi;
        v += 0.5 * a * xi * xi;
    }
    v
}

#[test]
fn every_optimizer_runs_in_f32() {
    let decay = || ExponentialLr::new(0.995f32).unwrap();
    let all: Vec<Box<dyn Optimizer<f32>>> = vec![
        Box::new(GradientDescent::new(0.3f32).unwrap()),
        Box::new(
            Sgd::builder()
                .lr(0.05f32)
                .momentum(0.9)
                .nesterov(true)
                .build()
                .unwrap(),
        ),
        Box::new(Adam::new(0.05f32).unwrap().with_schedule(decay())),
        Box::new(
            AdamW::builder()
                .lr(0.05f32)
                .weight_decay(0.0)
                .build()
                .unwrap()
                .with_schedule(decay()),
        ),
        Box::new(RmsProp::new(0.01f32).unwrap().with_schedule(decay())),
        Box::new(Adagrad::new(0.5f32).unwrap()),
        Box::new(Lbfgs::<f32>::default()),
    ];
    for optimizer in all {
        let name = optimizer.name();
        let report = minimize(
            quadratic32,
            [1.0f32, -1.0, 0.5],
            optimizer,
            Options::new().max_iters(3000),
        )
        .unwrap();
        assert!(report.x.iter().all(|x| x.abs() < 1e-3), "{name}: {report}");
    }
}

#[test]
fn f32_gradient_descent_is_exact_on_representable_steps() {
    let f = |x: f32| (x * x, [2.0 * x]);
    let options = Options::new().max_iters(3).history_points(true);
    let report = minimize(f, [1.0f32], GradientDescent::new(0.25f32).unwrap(), options).unwrap();
    let xs: Vec<f32> = report.history.points.iter().map(|p| p[0]).collect();
    assert_eq!(xs, [1.0, 0.5, 0.25, 0.125]);
}

#[test]
fn f32_lbfgs_solves_rosenbrock() {
    let report = minimize(
        rosenbrock_generic::<f32>,
        [-1.2f32, 1.0],
        Lbfgs::default(),
        Options::new(),
    )
    .unwrap();
    assert!(!report.reason.is_diverged(), "{report}");
    assert!(report.x.iter().all(|x| (x - 1.0).abs() < 1e-2), "{report}");
}

#[test]
fn f32_default_tolerance_follows_its_epsilon() {
    // √ε_f32 ≈ 3.45e-4: reachable in single precision, unlike f64's 1.5e-8.
    let f = |x: f32| (x * x, [2.0 * x]);
    let report = minimize(
        f,
        [1.0f32],
        GradientDescent::new(0.1f32).unwrap(),
        Options::new(),
    )
    .unwrap();
    assert_eq!(
        report.reason,
        StopReason::Converged(Criterion::GradientNorm)
    );
    assert!(report.grad_norm <= f32::EPSILON.sqrt());
}

#[test]
fn f32_mini_batches() {
    let y: Vec<f32> = (0..40).map(|i| i as f32 / 4.0).collect();
    let objective = |w: &[f32], batch: &[usize], g: &mut [f32]| {
        let n = batch.len() as f32;
        g[0] = batch.iter().map(|&i| w[0] - y[i]).sum::<f32>() / n;
        batch
            .iter()
            .map(|&i| 0.5 * (w[0] - y[i]).powi(2))
            .sum::<f32>()
            / n
    };
    let sgd = Sgd::builder()
        .lr(0.1f32)
        .build()
        .unwrap()
        .with_schedule(ExponentialLr::new(0.98).unwrap());
    let options = Options::new().grad_tol(0.0).max_epochs(40);
    let report = minimize_batches(
        objective,
        [0.0f32],
        sgd,
        Batches::new(40, 8).unwrap().seed(2),
        options,
    )
    .unwrap();
    assert!((report.x[0] - 4.875).abs() < 0.15, "{report}");
}
