//! Every stopping rule, alone and combined, and the observer hooks.

use std::cell::RefCell;
use std::time::Duration;

use crate::common::quadratic;
use grad_runtime::core::{Observer, RunInfo, State};
use grad_runtime::prelude::*;

fn square_grad(x: f64) -> (f64, [f64; 1]) {
    (x * x, [2.0 * x])
}

/// x ← 0.8 x: values 0.64ᵏ, never exactly zero.
fn slow_gd() -> GradientDescent<f64> {
    GradientDescent::new(0.1).unwrap()
}

#[test]
fn gradient_norm_rule() {
    let report = minimize(square_grad, [1.0], slow_gd(), Options::new().grad_tol(1e-3)).unwrap();
    assert_eq!(
        report.reason,
        StopReason::Converged(Criterion::GradientNorm)
    );
    assert!(report.grad_norm <= 1e-3);
    // |g| = 2·0.8ᵏ ≤ 1e-3 first at k = 35.
    assert_eq!(report.iterations, 35);
}

#[test]
fn value_change_rule() {
    let options = Options::new().grad_tol(0.0).value_tol(1e-4).history(true);
    let report = minimize(square_grad, [1.0], slow_gd(), options).unwrap();
    assert_eq!(report.reason, StopReason::Converged(Criterion::ValueChange));
    let v = &report.history.values;
    let n = v.len();
    assert!((v[n - 2] - v[n - 1]).abs() <= 1e-4);
    assert!((v[n - 3] - v[n - 2]).abs() > 1e-4, "stopped late");
}

#[test]
fn value_change_rule_is_relative_for_large_values() {
    // f = 1e6 + x²: absolute changes stay tiny relative to 1e6.
    let f = |x: f64| (1e6 + x * x, [2.0 * x]);
    let options = Options::new().grad_tol(0.0).value_tol(1e-9);
    let report = minimize(f, [1.0], slow_gd(), options).unwrap();
    assert_eq!(report.reason, StopReason::Converged(Criterion::ValueChange));
    // |Δf| = 0.36·0.64ᵏ⁻¹ ≤ 1e-9·1e6 = 1e-3 first at k − 1 = ⌈ln(1e-3/0.36)/ln 0.64⌉ = 14.
    assert_eq!(report.iterations, 15);
}

#[test]
fn parameter_change_rule() {
    let options = Options::new()
        .grad_tol(0.0)
        .param_tol(1e-3)
        .history_points(true);
    let report = minimize(square_grad, [1.0], slow_gd(), options).unwrap();
    assert_eq!(report.reason, StopReason::Converged(Criterion::ParamChange));
    // |Δx| = 0.2·0.8ᵏ⁻¹ ≤ 1e-3 first at k = 25.
    assert_eq!(report.iterations, 25);
    let p = &report.history.points;
    assert!((p[25][0] - p[24][0]).abs() <= 1e-3);
}

#[test]
fn iteration_limit() {
    let report = minimize(
        square_grad,
        [1.0],
        slow_gd(),
        Options::new().grad_tol(0.0).max_iters(7),
    )
    .unwrap();
    assert_eq!(report.reason, StopReason::MaxIterations);
    assert_eq!(report.iterations, 7);
    assert_eq!(report.evaluations, 8);
    assert!((report.x[0] - 0.8f64.powi(7)).abs() < 1e-15);
}

#[test]
fn default_iteration_limit_ends_every_run() {
    // GD with α = 1 on x² bounces between ±1 forever: only the default limit stops it.
    let report = minimize(
        square_grad,
        [1.0],
        GradientDescent::new(1.0).unwrap(),
        Options::new(),
    )
    .unwrap();
    assert_eq!(report.reason, StopReason::MaxIterations);
    assert_eq!(report.iterations, 1000);
}

#[test]
fn evaluation_limit_counts_line_search_evaluations() {
    let options = Options::new().grad_tol(0.0).max_evaluations(10);
    let report = minimize(
        crate::common::rosenbrock_grad,
        [-1.2, 1.0],
        Lbfgs::default(),
        options,
    )
    .unwrap();
    assert_eq!(report.reason, StopReason::MaxEvaluations);
    assert!(report.evaluations >= 10);
    assert!(
        report.evaluations > report.iterations + 1,
        "line searches evaluate more than once: {report}"
    );
}

#[test]
fn time_budget() {
    let slow = |x: f64| {
        std::thread::sleep(Duration::from_millis(2));
        (x * x, [2.0 * x])
    };
    let options = Options::new()
        .grad_tol(0.0)
        .max_iters(usize::MAX)
        .max_time(Duration::from_millis(30));
    let report = minimize(slow, [1.0], slow_gd(), options).unwrap();
    assert_eq!(report.reason, StopReason::TimeLimit);
    assert!(report.elapsed >= Duration::from_millis(30));
    assert!(report.iterations <= 15, "{report}");
}

#[test]
fn callback_stop() {
    let options = Options::new().grad_tol(0.0).on_iteration(|s| {
        if s.iteration == 5 {
            Control::Stop
        } else {
            Control::Continue
        }
    });
    let report = minimize(square_grad, [1.0], slow_gd(), options).unwrap();
    assert_eq!(
        (report.reason, report.iterations),
        (StopReason::UserStop, 5)
    );

    let options = Options::new().stop_when(|s| s.value < 0.5);
    let report = minimize(square_grad, [1.0], slow_gd(), options).unwrap();
    assert_eq!(
        (report.reason, report.iterations),
        (StopReason::UserStop, 2)
    ); // 0.64, then 0.4096
}

#[test]
fn the_first_rule_met_wins() {
    let options = Options::new().max_iters(10).grad_tol(1e-3);
    let report = minimize(square_grad, [1.0], slow_gd(), options).unwrap();
    assert_eq!(report.reason, StopReason::MaxIterations);
    let options = Options::new()
        .max_iters(100)
        .grad_tol(1e-3)
        .stop_when(|_| true);
    let report = minimize(square_grad, [0.0], slow_gd(), options).unwrap();
    assert_eq!(
        report.reason,
        StopReason::Converged(Criterion::GradientNorm),
        "convergence outranks a user stop"
    );
    assert_eq!(report.iterations, 0);
}

#[test]
fn converged_start_takes_no_step() {
    let report = minimize(square_grad, [0.0], slow_gd(), Options::new()).unwrap();
    assert_eq!(
        report.reason,
        StopReason::Converged(Criterion::GradientNorm)
    );
    assert_eq!((report.iterations, report.evaluations), (0, 1));
}

#[test]
fn observers_see_every_state_in_order() {
    let seen = RefCell::new(Vec::new());
    let options = Options::new()
        .max_iters(3)
        .grad_tol(0.0)
        .on_iteration(|s| {
            seen.borrow_mut().push((
                s.iteration,
                s.x[0],
                s.value,
                s.grad[0],
                s.grad_norm,
                s.evaluations,
                s.learning_rate,
            ))
        })
        .on_iteration(|s| assert!(s.epoch.is_none()));
    minimize(
        square_grad,
        [1.0],
        GradientDescent::new(0.25).unwrap(),
        options,
    )
    .unwrap();
    let seen = seen.into_inner();
    assert_eq!(seen.len(), 4);
    for (k, &(iteration, x, value, grad, grad_norm, evaluations, lr)) in seen.iter().enumerate() {
        let expected_x = 0.5f64.powi(k as i32);
        assert_eq!((iteration, evaluations, lr), (k, k + 1, Some(0.25)));
        assert_eq!(
            (x, value, grad, grad_norm),
            (
                expected_x,
                expected_x * expected_x,
                2.0 * expected_x,
                2.0 * expected_x
            )
        );
    }
}

#[derive(Default)]
struct Recorder {
    started: Option<(usize, Option<usize>, &'static str)>,
    observed: usize,
    finished: Option<StopReason>,
}

impl Observer<f64> for &mut Recorder {
    fn start(&mut self, info: &RunInfo) {
        self.started = Some((info.dim, info.max_iters, info.optimizer));
    }
    fn observe(&mut self, _: &State<'_, f64>) -> Control {
        self.observed += 1;
        Control::Continue
    }
    fn finish(&mut self, report: &Report<f64>) {
        self.finished = Some(report.reason);
    }
}

#[test]
fn observer_start_and_finish() {
    let mut recorder = Recorder::default();
    let options = Options::new()
        .max_iters(4)
        .grad_tol(0.0)
        .observer(&mut recorder);
    minimize(quadratic(&[1.0, 2.0]), [1.0, 1.0], Adam::default(), options).unwrap();
    assert_eq!(recorder.started, Some((2, Some(4), "Adam")));
    assert_eq!(recorder.observed, 5);
    assert_eq!(recorder.finished, Some(StopReason::MaxIterations));
}

#[test]
fn history_has_one_entry_per_iterate() {
    let options = Options::new().max_iters(5).grad_tol(0.0).history(true);
    let report = minimize(square_grad, [1.0], slow_gd(), options).unwrap();
    assert_eq!(report.history.values.len(), 6);
    assert_eq!(report.history.grad_norms.len(), 6);
    assert!(report.history.points.is_empty());
    assert_eq!(report.history.values[5], report.value);
    let without = minimize(square_grad, [1.0], slow_gd(), Options::new().max_iters(5)).unwrap();
    assert!(without.history.values.is_empty());
}

#[test]
fn invalid_options_are_errors() {
    let err = minimize(square_grad, [1.0], slow_gd(), Options::new().grad_tol(-1.0)).unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidParameter {
                name: "grad_tol",
                ..
            }
        ),
        "{err}"
    );
    let err = minimize(
        square_grad,
        [1.0],
        slow_gd(),
        Options::new().value_tol(f64::NAN),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidParameter {
                name: "value_tol",
                ..
            }
        ),
        "{err}"
    );
    let err = minimize(
        square_grad,
        [1.0],
        slow_gd(),
        Options::new().divergence_factor(0.0),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidParameter {
                name: "divergence_factor",
                ..
            }
        ),
        "{err}"
    );
}
