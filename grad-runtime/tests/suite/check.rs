//! Gradient checks against central differences.

use crate::common::{Logistic, rosenbrock_generic, rosenbrock_grad};
use grad_runtime::check::GradientChecker;
use grad_runtime::data::Rng;
use grad_runtime::prelude::*;

#[test]
fn correct_gradients_pass_at_many_points() {
    let points = [
        [-1.2, 1.0],
        [0.0, 0.0],
        [1.0, 1.0],
        [3.0, -2.0],
        [-20.0, 400.0],
    ];
    for report in GradientChecker::new()
        .check_points(rosenbrock_grad, points)
        .unwrap()
    {
        assert!(report.passed, "{report}");
    }
    let data = Logistic::new(30, 3);
    let all = data.all();
    let report = check_gradient(
        |w: &[f64], g: &mut [f64]| data.loss_grad(w, &all, g),
        [0.3, -0.7, 2.0],
    )
    .unwrap();
    assert!(report.passed, "{report}");
    assert!(report.max_rel_error() < 1e-8, "{report}");
}

#[test]
fn a_wrong_component_fails_and_is_named() {
    fn wrong(x: f64, y: f64, z: f64) -> (f64, [f64; 3]) {
        (x * y * z, [y * z, x * z, x * y + 0.01])
    }
    let report = check_gradient(wrong, [1.0, 2.0, 3.0]).unwrap();
    assert!(!report.passed);
    assert_eq!(report.worst, 2);
    assert!((report.abs_errors[2] - 0.01).abs() < 1e-8);
    assert!((report.rel_errors[2] - 0.01 / 2.01).abs() < 1e-8);
    assert!(report.abs_errors[0] < 1e-9 && report.abs_errors[1] < 1e-9);
    let text = report.to_string();
    assert!(
        text.starts_with("gradient check FAILED: 1 of 3 components out of tolerance"),
        "{text}"
    );
    assert!(text.contains("worst     2"), "{text}");
}

#[test]
fn a_sign_error_fails() {
    let report = check_gradient(|x: f64| (x.sin(), [-x.cos()]), [0.5]).unwrap();
    assert!(!report.passed);
    assert!((report.max_rel_error() - 2.0).abs() < 1e-6, "{report}");
}

#[test]
fn nan_gradients_fail() {
    let report = check_gradient(|x: f64, y: f64| (x + y, [1.0, f64::NAN]), [0.0, 0.0]).unwrap();
    assert!(!report.passed);
    assert_eq!(report.worst, 1);
    assert!(report.max_abs_error().is_nan());
}

#[test]
fn tolerances_decide() {
    let f = |x: f64| (x * x, [2.0 * x + 1e-6]);
    assert!(
        !GradientChecker::new()
            .abs_tol(1e-9)
            .rel_tol(1e-9)
            .check(f, [1.0])
            .unwrap()
            .passed
    );
    assert!(
        GradientChecker::new()
            .abs_tol(1e-5)
            .rel_tol(0.0)
            .check(f, [1.0])
            .unwrap()
            .passed
    );
    assert!(
        GradientChecker::new()
            .abs_tol(0.0)
            .rel_tol(1e-5)
            .check(f, [1.0])
            .unwrap()
            .passed
    );
    assert!(
        GradientChecker::new()
            .abs_tol(-1.0)
            .check(f, [1.0])
            .is_err()
    );
}

#[test]
fn f32_gradients_pass_with_the_default_tolerances() {
    let points = [[-1.2f32, 1.0], [0.5, 0.5], [2.0, 3.0]];
    for report in GradientChecker::new()
        .check_points(rosenbrock_generic::<f32>, points)
        .unwrap()
    {
        assert!(report.passed, "{report}");
    }
    let bad = check_gradient(|x: f32| (x * x, [x]), [1.0f32]).unwrap();
    assert!(!bad.passed);
}

#[test]
fn directional_derivatives_agree_along_random_directions() {
    let mut rng = Rng::seed_from_u64(4);
    for _ in 0..10 {
        let x = [rng.normal(), rng.normal()];
        let v = [rng.normal(), rng.normal()];
        let d = directional_derivative(rosenbrock_grad, x, v).unwrap();
        assert!(d.rel_error < 1e-7 || d.abs_error < 1e-7, "{d}");
    }
    let wrong = |x: f64, y: f64| (x * y, [y, 2.0 * x]);
    let d = directional_derivative(wrong, [1.0, 1.0], [0.0, 1.0]).unwrap();
    assert!((d.analytic - 2.0).abs() < 1e-12 && (d.numeric - 1.0).abs() < 1e-8);
    assert!(directional_derivative(wrong, [1.0, 1.0], [0.0, 0.0]).is_err());
}

#[test]
fn gradient_norm_is_euclidean() {
    let (_, g) = rosenbrock_grad(-1.2, 1.0);
    let expected = (g[0] * g[0] + g[1] * g[1]).sqrt();
    assert_eq!(
        gradient_norm(rosenbrock_grad, [-1.2, 1.0]).unwrap(),
        expected
    );
    assert_eq!(grad_runtime::norm(&[1.0, 2.0, 2.0]), 3.0);
}
