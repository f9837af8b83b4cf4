//! The line searches meet their conditions on Moré–Thuente's test functions and back away from
//! bad numbers.

use grad_runtime::core::{Point, Problem};
use grad_runtime::linesearch::{LineSearch, LineSearchError};
use grad_runtime::prelude::*;

/// Runs `search` on φ(α) = f(α) from α = 0 along d = 1, first trying `step`.
fn run<L: LineSearch<f64>>(
    search: &mut L,
    phi: fn(f64) -> (f64, f64),
    step: f64,
) -> (Result<f64, LineSearchError>, Point<f64>, usize) {
    let mut f = |x: &[f64], g: &mut [f64]| {
        let (v, d) = phi(x[0]);
        g[0] = d;
        v
    };
    let mut problem = Problem::new(&mut f);
    let mut start = Point::new(vec![0.0]);
    problem.eval_point(&mut start);
    let mut trial = Point::zeros(1);
    search.init(1);
    let result = search.search(&mut problem, &start, &[1.0], step, &mut trial);
    (result, trial, problem.evaluations() - 1)
}

/// Moré & Thuente (1994), function 1: φ(α) = −α/(α² + 2).
fn mt1(a: f64) -> (f64, f64) {
    let b = 2.0;
    (-a / (a * a + b), (a * a - b) / (a * a + b).powi(2))
}

/// Moré & Thuente (1994), function 2: φ(α) = (α + 0.004)⁵ − 2(α + 0.004)⁴.
fn mt2(a: f64) -> (f64, f64) {
    let x = a + 0.004;
    (
        x.powi(5) - 2.0 * x.powi(4),
        5.0 * x.powi(4) - 8.0 * x.powi(3),
    )
}

/// A quadratic with minimum at α = 3.
fn bowl(a: f64) -> (f64, f64) {
    ((a - 3.0).powi(2), 2.0 * (a - 3.0))
}

#[test]
fn strong_wolfe_conditions_hold_from_any_initial_step() {
    let (c1, c2) = (1e-4, 0.9);
    for phi in [mt1 as fn(f64) -> (f64, f64), mt2, bowl] {
        let (f0, d0) = phi(0.0);
        for step in [1e-3, 1e-1, 1.0, 10.0, 1e3] {
            let mut search = StrongWolfe::new(c1, c2).unwrap();
            let (result, trial, evaluations) = run(&mut search, phi, step);
            let alpha = result.unwrap_or_else(|e| panic!("step {step}: {e}"));
            let (f, d) = phi(alpha);
            assert_eq!(trial.x, [alpha]);
            assert_eq!((trial.value, trial.grad[0]), (f, d));
            assert!(
                f <= f0 + c1 * alpha * d0,
                "sufficient decrease fails at α = {alpha} (start {step})"
            );
            assert!(
                d.abs() <= c2 * d0.abs(),
                "curvature fails at α = {alpha} (start {step})"
            );
            assert!(evaluations <= 25);
        }
    }
}

#[test]
fn a_tight_curvature_constant_finds_the_minimizer() {
    let mut search = StrongWolfe::new(1e-4, 1e-3).unwrap();
    let (alpha, _, _) = run(&mut search, bowl, 0.1);
    assert!((alpha.unwrap() - 3.0).abs() < 1e-2);
    let (alpha, _, _) = run(&mut search, mt1, 10.0);
    assert!((alpha.unwrap() - 2f64.sqrt()).abs() < 1e-2);
}

#[test]
fn backtracking_returns_the_first_armijo_step() {
    let mut search = Backtracking::new(1e-4, 0.5).unwrap();
    // From α = 16 on the bowl: 16, 8 fail (φ ≥ 9), 4 passes (φ = 1 ≤ 9 − 1e-4·4·6).
    let (alpha, trial, evaluations) = run(&mut search, bowl, 16.0);
    assert_eq!(alpha, Ok(4.0));
    assert_eq!(trial.value, 1.0);
    assert_eq!(evaluations, 3);
}

#[test]
fn searches_reject_ascent_directions() {
    let ascent = |a: f64| (a, 1.0);
    let ascent: fn(f64) -> (f64, f64) = ascent;
    assert_eq!(
        run(&mut StrongWolfe::default(), ascent, 1.0).0,
        Err(LineSearchError::NotDescent)
    );
    assert_eq!(
        run(&mut Backtracking::default(), ascent, 1.0).0,
        Err(LineSearchError::NotDescent)
    );
}

#[test]
fn nan_trial_points_count_as_too_long() {
    // The bowl, undefined beyond α = 5.
    fn cliff(a: f64) -> (f64, f64) {
        if a > 5.0 {
            (f64::NAN, f64::NAN)
        } else {
            bowl(a)
        }
    }
    let (alpha, trial, _) = run(&mut StrongWolfe::default(), cliff, 100.0);
    let alpha = alpha.unwrap();
    assert!(alpha <= 5.0 && trial.value.is_finite());
    let (alpha, _, _) = run(&mut Backtracking::default(), cliff, 100.0);
    assert_eq!(alpha, Ok(3.125)); // 100·2⁻⁵, the first step below the cliff
}

#[test]
fn exhausting_the_budget_is_an_error_or_the_best_decrease() {
    // Always decreasing with a steep slope: no step meets the curvature condition, but the
    // longest tried step decreases enough and is returned.
    fn ramp(a: f64) -> (f64, f64) {
        (-a, -1.0)
    }
    let (alpha, trial, evaluations) = run(&mut StrongWolfe::default(), ramp, 1.0);
    let alpha = alpha.unwrap();
    assert_eq!(trial.x, [alpha]);
    assert!(alpha >= 2f64.powi(20), "{alpha}");
    assert!(evaluations <= 25);
    // A function with no decrease at all.
    fn wall(a: f64) -> (f64, f64) {
        (if a > 0.0 { 1.0 } else { 0.0 }, -1.0)
    }
    assert_eq!(
        run(&mut StrongWolfe::default(), wall, 1.0).0,
        Err(LineSearchError::NoStepFound)
    );
    assert_eq!(
        run(&mut Backtracking::default(), wall, 1.0).0,
        Err(LineSearchError::NoStepFound)
    );
}
