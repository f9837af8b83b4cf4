//! Every optimizer reaches the minimum of a convex quadratic, of Rosenbrock from (−1.2, 1), and
//! of a small regularized logistic regression.

use crate::common::{Logistic, assert_close, quadratic, rosenbrock_grad};
use grad_runtime::optim::Optimizer;
use grad_runtime::prelude::*;

/// Each first-order optimizer with settings that suit problems of curvature up to ~100, and a
/// decaying schedule where the method hovers at a fixed step.
fn first_order() -> Vec<(&'static str, Box<dyn Optimizer<f64>>)> {
    let decay = || ExponentialLr::new(0.999).unwrap();
    vec![
        ("gd", Box::new(GradientDescent::new(0.015).unwrap())),
        (
            "momentum",
            Box::new(Sgd::builder().lr(0.002).momentum(0.9).build().unwrap()),
        ),
        (
            "nesterov",
            Box::new(
                Sgd::builder()
                    .lr(0.002)
                    .momentum(0.9)
                    .nesterov(true)
                    .build()
                    .unwrap(),
            ),
        ),
        (
            "adam",
            Box::new(Adam::new(0.05).unwrap().with_schedule(decay())),
        ),
        (
            "amsgrad",
            Box::new(
                Adam::builder()
                    .lr(0.05)
                    .amsgrad(true)
                    .build()
                    .unwrap()
                    .with_schedule(decay()),
            ),
        ),
        (
            "adamw",
            Box::new(
                AdamW::builder()
                    .lr(0.05)
                    .weight_decay(0.0)
                    .build()
                    .unwrap()
                    .with_schedule(decay()),
            ),
        ),
        (
            "rmsprop",
            Box::new(RmsProp::new(0.01).unwrap().with_schedule(decay())),
        ),
        ("adagrad", Box::new(Adagrad::new(0.5).unwrap())),
    ]
}

#[test]
fn every_optimizer_solves_an_ill_conditioned_quadratic() {
    let a = [1.0, 10.0, 100.0];
    let mut all = first_order();
    all.push(("lbfgs", Box::new(Lbfgs::default())));
    all.push((
        "lbfgs-armijo",
        Box::new(
            Lbfgs::builder()
                .line_search(Backtracking::default())
                .build()
                .unwrap(),
        ),
    ));
    for (name, optimizer) in all {
        let options = Options::new().max_iters(20_000).grad_tol(1e-6);
        let report = minimize(quadratic(&a), [1.0, -1.0, 0.5], optimizer, options).unwrap();
        assert!(report.x.iter().all(|x| x.abs() < 1e-5), "{name}: {report}");
        assert!(report.value < 1e-9, "{name}: {report}");
    }
}

#[test]
fn lbfgs_solves_rosenbrock_to_1e_8() {
    for (name, lbfgs) in [
        ("strong wolfe", Lbfgs::builder().build().unwrap()),
        ("memory 5", Lbfgs::builder().memory(5).build().unwrap()),
    ] {
        let options = Options::new().grad_tol(1e-10);
        let report = minimize(rosenbrock_grad, [-1.2, 1.0], lbfgs, options).unwrap();
        assert_eq!(
            report.reason,
            StopReason::Converged(Criterion::GradientNorm),
            "{name}: {report}"
        );
        assert_close(&report.x, &[1.0, 1.0], 1e-8);
        assert!(report.iterations < 100, "{name}: {report}");
    }
    let armijo = Lbfgs::builder()
        .line_search(Backtracking::default())
        .build()
        .unwrap();
    let report = minimize(
        rosenbrock_grad,
        [-1.2, 1.0],
        armijo,
        Options::new().grad_tol(1e-10),
    )
    .unwrap();
    assert!(report.converged(), "{report}");
    assert_close(&report.x, &[1.0, 1.0], 1e-8);
}

#[test]
fn first_order_optimizers_solve_rosenbrock() {
    let decay = |g| ExponentialLr::new(g).unwrap();
    let all: Vec<(&str, Box<dyn Optimizer<f64>>)> = vec![
        ("gd", Box::new(GradientDescent::new(1e-3).unwrap())),
        (
            "momentum",
            Box::new(Sgd::builder().lr(2e-4).momentum(0.9).build().unwrap()),
        ),
        (
            "nesterov",
            Box::new(
                Sgd::builder()
                    .lr(2e-4)
                    .momentum(0.9)
                    .nesterov(true)
                    .build()
                    .unwrap(),
            ),
        ),
        (
            "adam",
            Box::new(Adam::new(0.02).unwrap().with_schedule(decay(0.9997))),
        ),
        (
            "adamw",
            Box::new(
                AdamW::builder()
                    .lr(0.02)
                    .weight_decay(0.0)
                    .build()
                    .unwrap()
                    .with_schedule(decay(0.9997)),
            ),
        ),
        (
            "rmsprop",
            Box::new(RmsProp::new(1e-3).unwrap().with_schedule(decay(0.9999))),
        ),
        ("adagrad", Box::new(Adagrad::new(0.5).unwrap())),
    ];
    for (name, optimizer) in all {
        let options = Options::new().max_iters(100_000).grad_tol(1e-6);
        let report = minimize(rosenbrock_grad, [-1.2, 1.0], optimizer, options).unwrap();
        assert_close(&report.x, &[1.0, 1.0], 1e-4);
        assert!(!report.reason.is_diverged(), "{name}: {report}");
    }
}

#[test]
fn every_optimizer_fits_a_logistic_regression() {
    let data = Logistic::new(100, 1);
    let all_samples = data.all();
    let objective = |w: &[f64], g: &mut [f64]| data.loss_grad(w, &all_samples, g);
    let best = minimize(
        objective,
        [0.0; 3],
        Lbfgs::default(),
        Options::new().grad_tol(1e-9),
    )
    .unwrap();
    assert!(best.converged(), "{best}");
    // The fit recovers the generating weights roughly (100 noisy samples, small L2).
    assert_close(&best.x, &[1.5, -2.0, 0.5], 0.6);

    let decay = || ExponentialLr::new(0.995).unwrap();
    let all: Vec<(&str, Box<dyn Optimizer<f64>>)> = vec![
        ("gd", Box::new(GradientDescent::new(2.0).unwrap())),
        (
            "momentum",
            Box::new(Sgd::builder().lr(0.3).momentum(0.9).build().unwrap()),
        ),
        (
            "nesterov",
            Box::new(
                Sgd::builder()
                    .lr(0.3)
                    .momentum(0.9)
                    .nesterov(true)
                    .build()
                    .unwrap(),
            ),
        ),
        (
            "adam",
            Box::new(Adam::new(0.1).unwrap().with_schedule(decay())),
        ),
        (
            "amsgrad",
            Box::new(
                Adam::builder()
                    .lr(0.1)
                    .amsgrad(true)
                    .build()
                    .unwrap()
                    .with_schedule(decay()),
            ),
        ),
        (
            "adamw",
            Box::new(
                AdamW::builder()
                    .lr(0.1)
                    .weight_decay(0.0)
                    .build()
                    .unwrap()
                    .with_schedule(decay()),
            ),
        ),
        (
            "rmsprop",
            Box::new(RmsProp::new(0.02).unwrap().with_schedule(decay())),
        ),
        ("adagrad", Box::new(Adagrad::new(1.0).unwrap())),
    ];
    for (name, optimizer) in all {
        let options = Options::new().max_iters(3000).grad_tol(1e-7);
        let report = minimize(objective, [0.0; 3], optimizer, options).unwrap();
        assert!(report.value - best.value < 1e-8, "{name}: {report}");
        assert_close(&report.x, &best.x, 1e-3);
    }
}
