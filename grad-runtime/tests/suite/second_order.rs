//! Newton and Newton-CG on Rosenbrock (2-D and extended, n = 100), a convex quadratic and a
//! function with a saddle; the classification of critical points; set-up errors. Gradients,
//! Hessians and Hessian–vector products are written by hand (what `#[gradient(hvp)]` emits).

use std::cell::Cell;

use crate::common::{assert_close, rosenbrock_grad};
use grad_runtime::critical::{
    CriticalPoint, classify_critical_point, classify_critical_point_of, classify_eigenvalues,
    symmetric_eigenvalues,
};
use grad_runtime::optim::{Forcing, Optimizer};
use grad_runtime::prelude::*;

/// The 2-D Rosenbrock Hessian (row-major) at `p`.
fn rosenbrock_hessian(p: &[f64], h: &mut [f64]) {
    let (x, y) = (p[0], p[1]);
    h[0] = 2.0 - 400.0 * (y - x * x) + 800.0 * x * x;
    h[1] = -400.0 * x;
    h[2] = -400.0 * x;
    h[3] = 200.0;
}

fn rosenbrock_hvp(p: &[f64], v: &[f64], out: &mut [f64]) {
    let mut h = [0.0; 4];
    rosenbrock_hessian(p, &mut h);
    out[0] = h[0] * v[0] + h[1] * v[1];
    out[1] = h[2] * v[0] + h[3] * v[1];
}

/// Extended Rosenbrock: Σ over pairs (a, b) = (x₂ᵢ, x₂ᵢ₊₁) of 100 (b − a²)² + (1 − a)².
fn extended_rosenbrock(x: &[f64], g: &mut [f64]) -> f64 {
    let mut value = 0.0;
    for i in (0..x.len()).step_by(2) {
        let (a, b) = (x[i], x[i + 1]);
        let r = b - a * a;
        value += 100.0 * r * r + (1.0 - a) * (1.0 - a);
        g[i] = -400.0 * a * r - 2.0 * (1.0 - a);
        g[i + 1] = 200.0 * r;
    }
    value
}

/// The 2×2 block of the extended Rosenbrock Hessian for the pair starting at `i`.
fn block(x: &[f64], i: usize) -> (f64, f64, f64) {
    let (a, b) = (x[i], x[i + 1]);
    (1200.0 * a * a - 400.0 * b + 2.0, -400.0 * a, 200.0)
}

fn extended_rosenbrock_hvp(x: &[f64], v: &[f64], out: &mut [f64]) {
    for i in (0..x.len()).step_by(2) {
        let (aa, ab, bb) = block(x, i);
        out[i] = aa * v[i] + ab * v[i + 1];
        out[i + 1] = ab * v[i] + bb * v[i + 1];
    }
}

fn extended_rosenbrock_hessian(x: &[f64], h: &mut [f64]) {
    let n = x.len();
    h.fill(0.0);
    for i in (0..n).step_by(2) {
        let (aa, ab, bb) = block(x, i);
        h[i * n + i] = aa;
        h[i * n + i + 1] = ab;
        h[(i + 1) * n + i] = ab;
        h[(i + 1) * n + i + 1] = bb;
    }
}

/// The standard start: −1.2 at even indices, 1 at odd ones.
fn extended_start(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| if i % 2 == 0 { -1.2 } else { 1.0 })
        .collect()
}

#[test]
fn newton_converges_on_rosenbrock() {
    let mut newton = Newton::new(rosenbrock_hessian);
    let options = Options::new().grad_tol(1e-10);
    let report = minimize(rosenbrock_grad, [-1.2, 1.0], &mut newton, options).unwrap();
    assert!(report.converged(), "{report}");
    assert_eq!(report.optimizer, "Newton");
    assert_close(&report.x, &[1.0, 1.0], 1e-9);
    // Newton with a backtracking search takes about 20 steps from (−1.2, 1).
    assert!(report.iterations < 40, "{report}");
    assert_eq!(newton.hessian_calls(), report.iterations);
}

#[test]
fn newton_cg_converges_on_rosenbrock_with_either_line_search() {
    let candidates: Vec<Box<dyn Optimizer<f64>>> = vec![
        Box::new(NewtonCg::new(rosenbrock_hvp)),
        Box::new(
            NewtonCg::builder(rosenbrock_hvp)
                .line_search(StrongWolfe::default())
                .build()
                .unwrap(),
        ),
        Box::new(
            NewtonCg::builder(rosenbrock_hvp)
                .forcing(Forcing::Quadratic)
                .build()
                .unwrap(),
        ),
        Box::new(Newton::new(rosenbrock_hessian).line_search(StrongWolfe::default())),
    ];
    for optimizer in candidates {
        let options = Options::new().grad_tol(1e-10).max_iters(200);
        let report = minimize(rosenbrock_grad, [-1.2, 1.0], optimizer, options).unwrap();
        assert!(report.converged(), "{report}");
        assert_close(&report.x, &[1.0, 1.0], 1e-9);
        // Newton-CG's default forcing η = 0.5 while ‖∇f‖ > 0.25 stops CG after one iteration
        // on most of the path, a scaled steepest-descent step: about 65 steps where Newton
        // takes 22.
        assert!(report.iterations < 100, "{report}");
    }
}

#[test]
fn a_tight_forcing_term_takes_newton_steps() {
    let mut newton_cg = NewtonCg::builder(rosenbrock_hvp)
        .forcing(Forcing::Fixed(0.01))
        .build()
        .unwrap();
    let options = Options::new().grad_tol(1e-10);
    let report = minimize(rosenbrock_grad, [-1.2, 1.0], &mut newton_cg, options).unwrap();
    assert!(report.converged(), "{report}");
    assert!(report.iterations < 30, "{report}");
}

#[test]
fn newton_and_newton_cg_converge_on_extended_rosenbrock() {
    let n = 100;
    let ones = vec![1.0; n];
    let options = || Options::new().grad_tol(1e-8).max_iters(500);

    let mut newton = Newton::new(extended_rosenbrock_hessian);
    let report = minimize(
        extended_rosenbrock,
        extended_start(n),
        &mut newton,
        options(),
    )
    .unwrap();
    assert!(report.converged(), "{report}");
    assert_close(&report.x, &ones, 1e-7);
    // The pairs are independent copies of the 2-D problem: as many steps as there.
    assert!(report.iterations < 40, "{report}");

    let mut newton_cg = NewtonCg::new(extended_rosenbrock_hvp);
    let report = minimize(
        extended_rosenbrock,
        extended_start(n),
        &mut newton_cg,
        options(),
    )
    .unwrap();
    assert!(report.converged(), "{report}");
    assert_close(&report.x, &ones, 1e-7);
    assert!(report.iterations < 100, "{report}");
    // The pairs are independent 2×2 blocks: CG needs few products per step, far fewer than n.
    assert!(
        newton_cg.hvp_calls() < 20 * report.iterations,
        "{} products in {} steps",
        newton_cg.hvp_calls(),
        report.iterations
    );
}

/// f(x) = ½ xᵀA x − bᵀx with A symmetric positive definite: the minimum solves A x = b.
const A: [[f64; 4]; 4] = [
    [10.0, 1.0, 0.0, 2.0],
    [1.0, 5.0, 1.0, 0.0],
    [0.0, 1.0, 3.0, 0.5],
    [2.0, 0.0, 0.5, 1.0],
];
const B: [f64; 4] = [1.0, -2.0, 3.0, 0.5];

fn times_a(v: &[f64], out: &mut [f64]) {
    for (o, row) in out.iter_mut().zip(&A) {
        *o = row.iter().zip(v).map(|(a, v)| a * v).sum();
    }
}

fn convex_quadratic(x: &[f64], g: &mut [f64]) -> f64 {
    times_a(x, g);
    let mut value = 0.0;
    for i in 0..4 {
        value += 0.5 * x[i] * g[i] - B[i] * x[i];
        g[i] -= B[i];
    }
    value
}

fn convex_quadratic_hvp(_x: &[f64], v: &[f64], out: &mut [f64]) {
    times_a(v, out);
}

fn convex_quadratic_hessian(_x: &[f64], h: &mut [f64]) {
    h.copy_from_slice(A.as_flattened());
}

/// A x = b by Gaussian elimination, to compare with.
#[allow(clippy::needless_range_loop)] // matrix formulas read best with explicit indices
fn convex_quadratic_minimum() -> Vec<f64> {
    let (mut m, mut rhs) = (A, B);
    for k in 0..4 {
        for i in k + 1..4 {
            let factor = m[i][k] / m[k][k];
            for j in k..4 {
                m[i][j] -= factor * m[k][j];
            }
            rhs[i] -= factor * rhs[k];
        }
    }
    let mut x = vec![0.0; 4];
    for i in (0..4).rev() {
        x[i] = (rhs[i] - (i + 1..4).map(|j| m[i][j] * x[j]).sum::<f64>()) / m[i][i];
    }
    x
}

#[test]
fn exact_newton_cg_minimizes_a_convex_quadratic_in_one_step() {
    let mut newton_cg = NewtonCg::builder(convex_quadratic_hvp)
        .forcing(Forcing::Fixed(0.0))
        .build()
        .unwrap();
    let options = Options::new().grad_tol(1e-10);
    let report = minimize(
        convex_quadratic,
        [3.0, -1.0, 2.0, 5.0],
        &mut newton_cg,
        options,
    )
    .unwrap();
    assert!(report.converged(), "{report}");
    assert_eq!(report.iterations, 1, "{report}");
    assert_close(&report.x, &convex_quadratic_minimum(), 1e-12);
    // CG solves a 4-dimensional system in at most 4 iterations.
    assert!(newton_cg.cg_iterations() <= 4);
    // The unit step was accepted at once: start and one trial point.
    assert_eq!(report.evaluations, 2);
}

#[test]
fn newton_minimizes_a_convex_quadratic_in_one_step() {
    let mut newton = Newton::new(convex_quadratic_hessian);
    let options = Options::new().grad_tol(1e-10);
    let report = minimize(
        convex_quadratic,
        [3.0, -1.0, 2.0, 5.0],
        &mut newton,
        options,
    )
    .unwrap();
    assert!(report.converged(), "{report}");
    assert_eq!(report.iterations, 1, "{report}");
    assert_close(&report.x, &convex_quadratic_minimum(), 1e-12);
    assert_eq!(newton.last_shift(), 0.0);
}

/// f(x, y) = x² − y² + y⁴/4: a saddle at the origin, minima f = −1 at (0, ±√2). The Hessian
/// diag(2, 3y² − 2) is indefinite near the origin.
fn saddle(p: &[f64], g: &mut [f64]) -> f64 {
    let (x, y) = (p[0], p[1]);
    g[0] = 2.0 * x;
    g[1] = -2.0 * y + y.powi(3);
    x * x - y * y + 0.25 * y.powi(4)
}

fn saddle_hessian(p: &[f64], h: &mut [f64]) {
    h.copy_from_slice(&[2.0, 0.0, 0.0, 3.0 * p[1] * p[1] - 2.0]);
}

fn saddle_hvp(p: &[f64], v: &[f64], out: &mut [f64]) {
    out[0] = 2.0 * v[0];
    out[1] = (3.0 * p[1] * p[1] - 2.0) * v[1];
}

/// Starts where the Hessian is indefinite: (0, 0.1) meets negative curvature in the first CG
/// iteration (the gradient points along the negative eigenvector), (0.5, 0.1) in the second,
/// (1e-3, 1e-3) is next to the saddle.
const SADDLE_STARTS: [[f64; 2]; 4] = [[0.0, 0.1], [0.5, 0.1], [1e-3, 1e-3], [1.0, -0.5]];

#[test]
fn newton_cg_escapes_negative_curvature() {
    for start in SADDLE_STARTS {
        let mut newton_cg = NewtonCg::new(saddle_hvp);
        let options = Options::new().grad_tol(1e-10);
        let report = minimize(saddle, start, &mut newton_cg, options).unwrap();
        assert!(report.converged(), "from {start:?}: {report}");
        assert!(
            (report.value + 1.0).abs() < 1e-12,
            "from {start:?}: {report}"
        );
        let y = 2f64.sqrt().copysign(start[1]);
        assert_close(&report.x, &[0.0, y], 1e-8);
    }
}

#[test]
fn modified_newton_escapes_negative_curvature() {
    for start in SADDLE_STARTS {
        let mut newton = Newton::new(saddle_hessian);
        let options = Options::new().grad_tol(1e-10);
        let report = minimize(saddle, start, &mut newton, options).unwrap();
        assert!(report.converged(), "from {start:?}: {report}");
        assert!(
            (report.value + 1.0).abs() < 1e-12,
            "from {start:?}: {report}"
        );
        let y = 2f64.sqrt().copysign(start[1]);
        assert_close(&report.x, &[0.0, y], 1e-8);
    }
}

#[test]
fn a_step_that_fails_even_along_the_negative_gradient_stalls() {
    // The gradient has the wrong sign: every "descent" direction goes uphill.
    let wrong = |x: &[f64], g: &mut [f64]| {
        g[0] = -2.0 * x[0];
        x[0] * x[0]
    };
    let report = minimize(
        wrong,
        [1.0],
        NewtonCg::new(|_x: &[f64], v: &[f64], out: &mut [f64]| out[0] = 2.0 * v[0]),
        Options::new(),
    )
    .unwrap();
    assert_eq!(report.reason, StopReason::Stalled, "{report}");
    assert_eq!(report.x, [1.0]);
    let report = minimize(
        wrong,
        [1.0],
        Newton::new(|_x: &[f64], h: &mut [f64]| h[0] = 2.0),
        Options::new(),
    )
    .unwrap();
    assert_eq!(report.reason, StopReason::Stalled, "{report}");
}

#[test]
fn hessian_vector_products_are_counted_and_reset() {
    let calls = Cell::new(0);
    let hvp = |x: &[f64], v: &[f64], out: &mut [f64]| {
        calls.set(calls.get() + 1);
        rosenbrock_hvp(x, v, out);
    };
    let mut newton_cg = NewtonCg::new(hvp);
    let report = minimize(rosenbrock_grad, [-1.2, 1.0], &mut newton_cg, Options::new()).unwrap();
    assert!(report.converged());
    assert_eq!(newton_cg.hvp_calls(), calls.get());
    assert!(newton_cg.cg_iterations() <= newton_cg.hvp_calls());
    // Each step makes at least one product and, in 2-D, at most two.
    assert!((report.iterations..=2 * report.iterations).contains(&calls.get()));
    let first = calls.get();
    minimize(rosenbrock_grad, [-1.2, 1.0], &mut newton_cg, Options::new()).unwrap();
    assert_eq!(newton_cg.hvp_calls(), calls.get() - first);
}

#[test]
fn newton_cg_runs_in_f32() {
    let f = |x: &[f32], g: &mut [f32]| {
        g[0] = 2.0 * x[0];
        g[1] = 8.0 * x[1];
        x[0] * x[0] + 4.0 * x[1] * x[1]
    };
    let hvp = |_x: &[f32], v: &[f32], out: &mut [f32]| {
        out[0] = 2.0 * v[0];
        out[1] = 8.0 * v[1];
    };
    let report = minimize(f, [1.0_f32, -1.0], NewtonCg::new(hvp), Options::new()).unwrap();
    assert!(report.converged(), "{report}");
    assert!(report.x.iter().all(|v| v.abs() < 1e-5));
}

#[test]
fn newton_cg_builder_rejects_bad_settings() {
    let hvp = |_x: &[f64], v: &[f64], out: &mut [f64]| out.copy_from_slice(v);
    let err = NewtonCg::builder(hvp).max_cg_iters(0).build().unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidParameter {
            name: "max_cg_iters",
            ..
        }
    ));
    for eta in [-0.1, 1.0, f64::NAN] {
        let err = NewtonCg::builder(hvp)
            .forcing(Forcing::Fixed(eta))
            .build()
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidParameter {
                    name: "forcing",
                    ..
                }
            ),
            "{err}"
        );
    }
    assert!(
        NewtonCg::builder(hvp)
            .forcing(Forcing::Fixed(0.0))
            .max_cg_iters(1)
            .build()
            .is_ok()
    );
}

#[test]
fn classifies_diagonal_hessians() {
    assert_eq!(
        classify_critical_point(&[2.0, 0.0, 0.0, -2.0], 2).unwrap(),
        CriticalPoint::Saddle
    );
    assert_eq!(
        classify_critical_point(&[2.0, 0.0, 0.0, 3.0], 2).unwrap(),
        CriticalPoint::Minimum
    );
    assert_eq!(
        classify_critical_point(&[-1.0, 0.0, 0.0, -1.0], 2).unwrap(),
        CriticalPoint::Maximum
    );
    assert_eq!(
        classify_critical_point_of(&[[2.0_f32, 0.0], [0.0, -2.0]]).unwrap(),
        CriticalPoint::Saddle
    );
    assert_eq!(
        classify_critical_point_of(&[[5.0]]).unwrap(),
        CriticalPoint::Minimum
    );
}

#[test]
fn singular_hessians_are_degenerate() {
    // [[1, 2], [2, 4]] has eigenvalues 0 and 5.
    assert_eq!(
        classify_critical_point(&[1.0, 2.0, 2.0, 4.0], 2).unwrap(),
        CriticalPoint::Degenerate
    );
    assert_eq!(
        classify_critical_point_of(&[[0.0; 3]; 3]).unwrap(),
        CriticalPoint::Degenerate
    );
    // A zero eigenvalue next to a negative one: not a maximum, not a saddle either.
    assert_eq!(
        classify_critical_point_of(&[[-3.0, 0.0], [0.0, 0.0]]).unwrap(),
        CriticalPoint::Degenerate
    );
    // Rounding-level eigenvalues count as zero, small but real ones do not.
    assert_eq!(
        classify_eigenvalues(&[1e-14, 2.0]),
        CriticalPoint::Degenerate
    );
    assert_eq!(classify_eigenvalues(&[1e-6, 2.0]), CriticalPoint::Minimum);
    assert_eq!(classify_eigenvalues::<f64>(&[]), CriticalPoint::Degenerate);
}

#[test]
fn eigenvalues_of_a_non_diagonal_symmetric_matrix() {
    // The tridiagonal [[2, 1, 0], [1, 2, 1], [0, 1, 2]] has eigenvalues 2 − √2, 2, 2 + √2.
    let h = [2.0, 1.0, 0.0, 1.0, 2.0, 1.0, 0.0, 1.0, 2.0];
    let r = 2f64.sqrt();
    assert_close(
        &symmetric_eigenvalues(&h, 3).unwrap(),
        &[2.0 - r, 2.0, 2.0 + r],
        1e-14,
    );
    assert_eq!(
        classify_critical_point(&h, 3).unwrap(),
        CriticalPoint::Minimum
    );
    // [[1, 2], [2, 1]]: eigenvalues −1 and 3, a saddle although every entry is positive.
    let h = [1.0, 2.0, 2.0, 1.0];
    assert_close(&symmetric_eigenvalues(&h, 2).unwrap(), &[-1.0, 3.0], 1e-14);
    assert_eq!(
        classify_critical_point(&h, 2).unwrap(),
        CriticalPoint::Saddle
    );
    // The discrete Laplacian of size n: eigenvalues 2 − 2 cos(kπ/(n+1)), k = 1..n.
    let n = 12;
    let mut h = vec![0.0; n * n];
    for i in 0..n {
        h[i * n + i] = 2.0;
        if i + 1 < n {
            h[i * n + i + 1] = -1.0;
            h[(i + 1) * n + i] = -1.0;
        }
    }
    let expected: Vec<f64> = (1..=n)
        .map(|k| 2.0 - 2.0 * (k as f64 * std::f64::consts::PI / (n + 1) as f64).cos())
        .collect();
    assert_close(&symmetric_eigenvalues(&h, n).unwrap(), &expected, 1e-13);
}

#[test]
fn the_hessian_of_the_extended_rosenbrock_is_positive_definite_at_the_minimum() {
    let n = 10;
    let mut h = vec![0.0; n * n];
    extended_rosenbrock_hessian(&vec![1.0; n], &mut h);
    assert_eq!(
        classify_critical_point(&h, n).unwrap(),
        CriticalPoint::Minimum
    );
    let eigenvalues = symmetric_eigenvalues(&h, n).unwrap();
    // Each 2×2 block [[802, −400], [−400, 200]] has eigenvalues 501 ± √(301² + 400²).
    let spread = (301.0f64 * 301.0 + 400.0 * 400.0).sqrt();
    assert!((eigenvalues[0] - (501.0 - spread)).abs() < 1e-10);
    assert!((eigenvalues[n - 1] - (501.0 + spread)).abs() < 1e-10);
}

#[test]
fn classification_rejects_bad_matrices() {
    assert_eq!(
        classify_critical_point(&[1.0, 0.0, 0.0], 2).unwrap_err(),
        Error::DimensionMismatch {
            what: "the Hessian",
            expected: 4,
            found: 3
        }
    );
    assert_eq!(
        symmetric_eigenvalues::<f64>(&[], 0).unwrap_err(),
        Error::Empty {
            what: "the Hessian"
        }
    );
    let err = classify_critical_point(&[1.0, 0.5, -0.5, 1.0], 2).unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidParameter {
                name: "asymmetry",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "the matrix must be symmetric (asymmetry = 1)"
    );
    let err = classify_critical_point(&[1.0, f64::NAN, f64::NAN, 1.0], 2).unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidParameter {
                name: "hessian",
                ..
            }
        ),
        "{err}"
    );
    // Rounding-level asymmetry, as in a computed Hessian, is accepted.
    assert_eq!(
        classify_critical_point(&[2.0, 1.0 + 1e-15, 1.0, 2.0], 2).unwrap(),
        CriticalPoint::Minimum
    );
}
