//! Divergence, bad numbers and set-up errors: the run always ends, with the last finite point.

use grad_runtime::prelude::*;

fn square_grad(x: f64) -> (f64, [f64; 1]) {
    (x * x, [2.0 * x])
}

#[test]
fn too_large_a_learning_rate_is_reported_as_diverged() {
    // x ← x − 1.5·2x = −2x: the value quadruples every step.
    let report = minimize(
        square_grad,
        [1.0],
        GradientDescent::new(1.5).unwrap(),
        Options::new(),
    )
    .unwrap();
    assert_eq!(
        report.reason,
        StopReason::Diverged(Divergence::ValueExploded)
    );
    // 4ᵏ − 1 > 1e10 first at k = 17.
    assert_eq!(report.iterations, 17);
    assert_eq!(report.x, [-(2f64.powi(17))]);
    assert_eq!(report.value, 4f64.powi(17));
    assert!(report.x[0].is_finite() && report.value.is_finite());
}

#[test]
fn overflow_returns_the_last_finite_point() {
    // Without the growth check the value overflows to +∞ at x = 2⁵¹² (4⁵¹² > f64::MAX).
    let options = Options::new().divergence_factor(f64::INFINITY);
    let report = minimize(
        square_grad,
        [1.0],
        GradientDescent::new(1.5).unwrap(),
        options,
    )
    .unwrap();
    assert_eq!(
        report.reason,
        StopReason::Diverged(Divergence::NonFiniteValue)
    );
    assert_eq!(report.iterations, 511);
    assert_eq!(report.x, [-(2f64.powi(511))]);
    assert_eq!(report.value, 4f64.powi(511));
    assert_eq!(report.grad, [-(2f64.powi(512))]);
}

#[test]
fn nan_value_rolls_back_to_the_previous_point() {
    let f = |x: f64| {
        if x < 0.5 {
            (f64::NAN, [2.0 * x])
        } else {
            (x * x, [2.0 * x])
        }
    };
    let report = minimize(
        f,
        [1.0],
        GradientDescent::new(0.1).unwrap(),
        Options::new().history(true),
    )
    .unwrap();
    assert_eq!(
        report.reason,
        StopReason::Diverged(Divergence::NonFiniteValue)
    );
    // x₃ = 0.512 is the last point ≥ 0.5; x₄ = 0.4096 gives NaN.
    assert_eq!(report.iterations, 3);
    assert_eq!(report.x, [0.512]);
    assert_eq!(report.value, 0.512 * 0.512);
    assert_eq!(
        report.history.values.len(),
        4,
        "the NaN iterate is not recorded"
    );
}

#[test]
fn non_finite_gradient_is_its_own_reason() {
    let f = |w: &[f64], g: &mut [f64]| {
        g[0] = if w[0] < 0.5 {
            f64::INFINITY
        } else {
            2.0 * w[0]
        };
        g[1] = 2.0 * w[1];
        w[0] * w[0] + w[1] * w[1]
    };
    let report = minimize(
        f,
        [1.0, 1.0],
        GradientDescent::new(0.1).unwrap(),
        Options::new(),
    )
    .unwrap();
    assert_eq!(
        report.reason,
        StopReason::Diverged(Divergence::NonFiniteGradient)
    );
    assert_eq!(report.x, [0.512, 0.512]);
    assert!(report.grad.iter().all(|g| g.is_finite()));
}

#[test]
fn non_finite_start_returns_the_start() {
    let f = |x: f64| (f64::NAN, [x]);
    let report = minimize(f, [3.0], Adam::default(), Options::new()).unwrap();
    assert_eq!(
        report.reason,
        StopReason::Diverged(Divergence::NonFiniteValue)
    );
    assert_eq!((report.iterations, report.evaluations), (0, 1));
    assert_eq!(report.x, [3.0]);
}

#[test]
fn lbfgs_backs_off_from_nan_regions() {
    // f = 1/x + x on x > 0 (minimum at 1), NaN elsewhere; the first unit steps overshoot below 0.
    let f = |x: f64| {
        if x > 0.0 {
            (1.0 / x + x, [1.0 - 1.0 / (x * x)])
        } else {
            (f64::NAN, [f64::NAN])
        }
    };
    let armijo = Lbfgs::builder()
        .line_search(Backtracking::default())
        .build()
        .unwrap();
    let both: [Box<dyn Optimizer<f64>>; 2] = [Box::new(Lbfgs::default()), Box::new(armijo)];
    for lbfgs in both {
        let report = minimize(f, [0.1], lbfgs, Options::new().grad_tol(1e-10)).unwrap();
        assert!(report.converged(), "{report}");
        assert!((report.x[0] - 1.0).abs() < 1e-8);
    }
}

#[test]
fn the_callers_start_is_never_modified() {
    let start = vec![1.0];
    let report = minimize(
        square_grad,
        &start,
        GradientDescent::new(1.5).unwrap(),
        Options::new(),
    )
    .unwrap();
    assert!(report.reason.is_diverged());
    assert_eq!(start, [1.0]);
}

#[test]
fn wrong_lengths_are_errors_not_panics() {
    fn f_grad(x: f64, y: f64) -> (f64, [f64; 2]) {
        (x * y, [y, x])
    }
    let err = minimize(f_grad, [1.0, 2.0, 3.0], Lbfgs::default(), Options::new()).unwrap_err();
    assert_eq!(
        err,
        Error::DimensionMismatch {
            what: "the starting point",
            expected: 2,
            found: 3
        }
    );
    assert_eq!(
        err.to_string(),
        "the starting point has length 3, expected 2"
    );

    let empty: [f64; 0] = [];
    let err = minimize(
        |_: &[f64], _: &mut [f64]| 0.0,
        empty,
        Adam::default(),
        Options::new(),
    )
    .unwrap_err();
    assert_eq!(
        err,
        Error::Empty {
            what: "the starting point"
        }
    );

    let err = check_gradient(f_grad, [1.0]).unwrap_err();
    assert!(matches!(
        err,
        Error::DimensionMismatch {
            expected: 2,
            found: 1,
            ..
        }
    ));
    let err = directional_derivative(f_grad, [1.0, 2.0], [1.0]).unwrap_err();
    assert!(matches!(
        err,
        Error::DimensionMismatch {
            what: "the direction",
            ..
        }
    ));
}

#[test]
fn builders_reject_invalid_settings() {
    let cases: Vec<(Error, &str)> = vec![
        (
            GradientDescent::new(-1.0).unwrap_err(),
            "learning rate must be positive (lr = -1)",
        ),
        (
            Sgd::new(f64::INFINITY).unwrap_err(),
            "learning rate must be positive (lr = inf)",
        ),
        (
            Sgd::builder().momentum(1.0).build().unwrap_err(),
            "momentum must be in [0, 1) (momentum = 1)",
        ),
        (
            Sgd::builder().dampening(2.0).build().unwrap_err(),
            "dampening must be in [0, 1] (dampening = 2)",
        ),
        (
            Sgd::builder().weight_decay(-0.1).build().unwrap_err(),
            "weight decay must be non-negative (weight_decay = -0.1)",
        ),
        (
            Sgd::builder()
                .momentum(0.9)
                .dampening(0.1)
                .nesterov(true)
                .build()
                .unwrap_err(),
            "Nesterov momentum needs zero dampening (dampening = 0.1)",
        ),
        (
            Adam::builder().betas(-0.1, 0.9).build().unwrap_err(),
            "beta1 must be in [0, 1) (beta1 = -0.1)",
        ),
        (
            Adam::builder().eps(0.0).build().unwrap_err(),
            "eps must be positive (eps = 0)",
        ),
        (
            AdamW::new(0.0).unwrap_err(),
            "learning rate must be positive (lr = 0)",
        ),
        (
            RmsProp::builder().alpha(1.0).build().unwrap_err(),
            "alpha must be in [0, 1) (alpha = 1)",
        ),
        (
            Adagrad::builder()
                .initial_accumulator_value(-1.0)
                .build()
                .unwrap_err(),
            "the initial accumulator value must be non-negative (initial_accumulator_value = -1)",
        ),
        (
            Lbfgs::<f64>::new(0).unwrap_err(),
            "the memory must hold at least one pair (memory = 0)",
        ),
        (
            StrongWolfe::new(0.9, 0.5).unwrap_err(),
            "c2 must be in (c1, 1) (c2 = 0.5)",
        ),
        (
            Backtracking::new(0.0, 0.5).unwrap_err(),
            "c1 must be in (0, 1) (c1 = 0)",
        ),
        (
            StepLr::new(0, 0.1).unwrap_err(),
            "the step size must be at least 1 (step_size = 0)",
        ),
        (
            ExponentialLr::new(0.0).unwrap_err(),
            "gamma must be positive (gamma = 0)",
        ),
        (
            CosineAnnealingLr::new(10, -1.0).unwrap_err(),
            "the minimum learning rate must be non-negative (eta_min = -1)",
        ),
        (
            Batches::new(10, 0).unwrap_err(),
            "the batch size must be positive (batch_size = 0)",
        ),
        (Batches::new(0, 10).unwrap_err(), "the data set is empty"),
    ];
    for (err, message) in cases {
        assert_eq!(err.to_string(), message);
    }
}
