//! Second derivatives at work, with what `#[gradient(hvp)]` emits: `NAME_hessian` (value,
//! gradient, Hessian) and `NAME_hvp` (value, gradient, Hessian–vector product `H·v`).
//!
//! 1. Critical points. Newton's method on the equations `∇f = 0` finds the points where the
//!    gradient vanishes, minima and saddles alike, and `classify_critical_point_of` tells them
//!    apart by the signs of the Hessian's eigenvalues. Two functions:
//!    `f(x, y) = x³ − 3x + y²` (a minimum at (1, 0), a saddle at (−1, 0)) and `x² − y²`
//!    (a saddle at the origin).
//! 2. Newton-CG against L-BFGS on the extended Rosenbrock function with n = 1000: Newton-CG
//!    solves each Newton system by conjugate gradients on `extended_rosenbrock_hvp`, never
//!    forming the 1000×1000 Hessian.
//!
//! Run with `cargo run --release --example critical_points`.

use std::time::{Duration, Instant};

use grad::gradient;
use grad::runtime::critical::{classify_critical_point_of, symmetric_eigenvalues};
use grad::runtime::optim::{Forcing, Lbfgs, NewtonCg, Optimizer};
use grad::runtime::{minimize, Error, Options, Report};

/// `∇f = (3x² − 3, 2y)` vanishes at (±1, 0); the Hessian is diag(6x, 2).
#[gradient(hvp)]
fn cubic(x: f64, y: f64) -> f64 {
    x.powi(3) - 3.0 * x + y * y
}

/// The Hessian diag(2, −2) is indefinite everywhere: the origin is a saddle.
#[gradient(hvp)]
fn saddle(x: f64, y: f64) -> f64 {
    x * x - y * y
}

/// What `cubic_hessian` and `saddle_hessian` return: value, gradient, Hessian.
type Hessian2 = fn(f64, f64) -> (f64, [f64; 2], [[f64; 2]; 2]);

/// A critical point found by [`newton_on_gradient`].
struct Found {
    point: [f64; 2],
    value: f64,
    grad_norm: f64,
    hessian: [[f64; 2]; 2],
    steps: usize,
}

/// Newton's method for the equations `∇f(p) = 0`: `p ← p + α d` with `H d = −∇f`.
///
/// Why not `minimize` with a Newton optimizer? A minimizer's line search accepts only steps
/// that decrease `f`, so it runs away from a saddle: it finds minima only. The Newton
/// iteration on `∇f = 0` is attracted to every nondegenerate critical point (it converges
/// quadratically near one, whatever the signs of the eigenvalues). To make it reliable from
/// farther away, the step length α is chosen by backtracking on the merit function
/// `m(p) = ½‖∇f(p)‖²` instead of on `f`: its slope along d is `∇fᵀ H d = −‖∇f‖² < 0`, so d is
/// a descent direction for `m` at every point where H is invertible (Nocedal & Wright,
/// *Numerical Optimization*, §11.2, the line-search Newton method for nonlinear equations).
/// Where H is singular the Newton direction does not exist and the search gives up.
fn newton_on_gradient(hessian_of: Hessian2, start: [f64; 2]) -> Option<Found> {
    let mut p = start;
    let (mut value, mut g, mut h) = hessian_of(p[0], p[1]);
    for steps in 0..50 {
        let grad_norm = g[0].hypot(g[1]);
        if grad_norm <= 1e-12 {
            return Some(Found {
                point: p,
                value,
                grad_norm,
                hessian: h,
                steps,
            });
        }
        // Solve the 2×2 system H d = −∇f by Cramer's rule.
        let det = h[0][0] * h[1][1] - h[0][1] * h[1][0];
        if det.abs() <= 1e-12 * (h[0][0].abs() + h[1][1].abs()).powi(2) {
            return None;
        }
        let d = [
            -(h[1][1] * g[0] - h[0][1] * g[1]) / det,
            -(h[0][0] * g[1] - h[1][0] * g[0]) / det,
        ];
        // Backtracking (Armijo, c₁ = 1e-4) on the merit: m(p + αd) ≤ (1 − 2c₁α) m(p).
        let merit = 0.5 * grad_norm * grad_norm;
        let mut alpha = 1.0;
        loop {
            let q = [p[0] + alpha * d[0], p[1] + alpha * d[1]];
            let (v, gq, hq) = hessian_of(q[0], q[1]);
            if 0.5 * (gq[0] * gq[0] + gq[1] * gq[1]) <= (1.0 - 2e-4 * alpha) * merit {
                (p, value, g, h) = (q, v, gq, hq);
                break;
            }
            alpha *= 0.5;
            if alpha < 1e-10 {
                return None;
            }
        }
    }
    None
}

fn critical_points() -> Result<(), Error> {
    let problems: [(&str, Hessian2, &[[f64; 2]]); 2] = [
        (
            "x³ − 3x + y²",
            cubic_hessian,
            &[[2.0, 1.0], [0.5, -1.0], [-0.3, 2.0], [-2.0, -0.5]],
        ),
        ("x² − y²", saddle_hessian, &[[1.0, 1.0], [-3.0, 2.0]]),
    ];
    println!("Critical points by Newton's method on ∇f = 0, classified by the Hessian");
    println!();
    println!(
        "{:<13} {:>11} {:>22} {:>8} {:>8} {:>15}  {:<10} {:>5}",
        "f", "start", "critical point", "f", "|∇f|", "eigenvalues", "kind", "steps"
    );
    for (name, hessian_of, starts) in problems {
        for &start in starts {
            let Some(found) = newton_on_gradient(hessian_of, start) else {
                println!("{name:<13} {start:>14?} no critical point found (singular Hessian)");
                continue;
            };
            let eigenvalues = symmetric_eigenvalues(found.hessian.as_flattened(), 2)?;
            let kind = classify_critical_point_of(&found.hessian)?;
            println!(
                "{:<13} {:>11} {:>22} {:>8.4} {:>8.1e} {:>15}  {:<10} {:>5}",
                name,
                format!("({}, {})", start[0], start[1]),
                format!("({:.6}, {:.6})", found.point[0] + 0.0, found.point[1] + 0.0),
                found.value,
                found.grad_norm,
                format!("{:.3}, {:.3}", eigenvalues[0], eigenvalues[1]),
                kind.to_string(),
                found.steps
            );
        }
    }
    Ok(())
}

/// The extended Rosenbrock function: n/2 independent copies of the Rosenbrock valley, one per
/// pair `(x₂ᵢ, x₂ᵢ₊₁)`; minimum 0 at (1, …, 1). Its Hessian is block diagonal.
#[gradient(hvp)]
fn extended_rosenbrock(x: &[f64]) -> f64 {
    let mut sum = 0.0;
    for i in 0..x.len() / 2 {
        let (a, b) = (x[2 * i], x[2 * i + 1]);
        sum += 100.0 * (b - a * a).powi(2) + (1.0 - a).powi(2);
    }
    sum
}

const N: usize = 1000;

/// One run: the report, the Hessian–vector products (if any) and the wall time.
fn run<O: Optimizer<f64>>(
    mut optimizer: O,
    hvp_calls: impl Fn(&O) -> Option<usize>,
) -> (Report<f64>, Option<usize>, Duration) {
    // The standard start: −1.2 at even indices, 1 at odd ones.
    let start: Vec<f64> = (0..N)
        .map(|i| if i % 2 == 0 { -1.2 } else { 1.0 })
        .collect();
    let options = Options::new().grad_tol(1e-8).max_iters(1000);
    let clock = Instant::now();
    let report = minimize(extended_rosenbrock_grad, &start, &mut optimizer, options)
        .expect("the start has the right length");
    let elapsed = clock.elapsed();
    (report, hvp_calls(&optimizer), elapsed)
}

fn second_order_against_lbfgs() {
    // `extended_rosenbrock_hvp(x, v, d_x, hv_x)` writes the gradient into `d_x` and H·v into
    // `hv_x`; Newton-CG needs only the product, so the gradient goes to a scratch buffer the
    // closure owns.
    let hvp = || {
        let mut scratch = vec![0.0; N];
        move |x: &[f64], v: &[f64], out: &mut [f64]| {
            let _value = extended_rosenbrock_hvp(x, v, &mut scratch, out);
        }
    };
    let newton_cg = |forcing| {
        NewtonCg::builder(hvp())
            .forcing(forcing)
            .build()
            .expect("valid settings")
    };
    let runs = [
        (
            "Newton-CG, η = min(0.5, √‖∇f‖)",
            run(newton_cg(Forcing::Superlinear), |o| Some(o.hvp_calls())),
        ),
        (
            "Newton-CG, η = 0.01",
            run(newton_cg(Forcing::Fixed(0.01)), |o| Some(o.hvp_calls())),
        ),
        (
            "L-BFGS, m = 10",
            run(Lbfgs::new(10).expect("valid memory"), |_| None),
        ),
    ];
    println!();
    println!("Extended Rosenbrock, n = {N}, from (−1.2, 1, −1.2, 1, …), until ‖∇f‖ ≤ 1e-8");
    println!();
    println!(
        "{:<32} {:>10} {:>11} {:>9} {:>10} {:>10}",
        "optimizer", "iterations", "evaluations", "H·v", "time", "f"
    );
    for (name, (report, hvp_calls, elapsed)) in &runs {
        assert!(report.converged(), "{report}");
        println!(
            "{:<32} {:>10} {:>11} {:>9} {:>10} {:>10.1e}",
            name,
            report.iterations,
            report.evaluations,
            hvp_calls.map_or("-".to_string(), |n| n.to_string()),
            format!("{:.2?}", elapsed),
            report.value
        );
    }
    // What one evaluation of each kind costs here, to weigh the counts above.
    let x = vec![0.5; N];
    let (mut d, mut hv) = (vec![0.0; N], vec![0.0; N]);
    let repeats = 2000;
    let clock = Instant::now();
    for _ in 0..repeats {
        std::hint::black_box(extended_rosenbrock_grad(std::hint::black_box(&x), &mut d));
    }
    let grad_time = clock.elapsed() / repeats;
    let clock = Instant::now();
    for _ in 0..repeats {
        std::hint::black_box(extended_rosenbrock_hvp(
            std::hint::black_box(&x),
            &x,
            &mut d,
            &mut hv,
        ));
    }
    let hvp_time = clock.elapsed() / repeats;
    println!();
    println!(
        "one gradient: {grad_time:.2?}; one H·v (value and gradient included): {hvp_time:.2?}"
    );
    // With the default forcing term, η = 0.5 while ‖∇f‖ > 0.25: in the curved valleys CG stops
    // after one iteration, a steepest-descent step scaled by the curvature, and Newton-CG needs
    // more steps than L-BFGS. A tight η = 0.01 solves each 2×2 block almost exactly and takes
    // Newton's path (about 22 steps, as on the 2-D function), for about two products a step.
}

fn main() -> Result<(), Error> {
    critical_points()?;
    second_order_against_lbfgs();
    Ok(())
}
