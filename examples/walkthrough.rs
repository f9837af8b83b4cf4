//! The walkthrough from the seeds, end to end: a gradient derived at compile time, checked against
//! the formula you would derive by hand, one gradient step taken by hand, then the same descent
//! run by `grad::runtime::minimize`, printed iteration by iteration.
//!
//! f(x, y) = x² + 2y² is a bowl, steeper along y than along x, with its minimum at (0, 0).
//!
//! Run with `cargo run --release --example walkthrough`.

use grad::gradient;
use grad::runtime::optim::GradientDescent;
use grad::runtime::{minimize, Options};

/// f(x, y) = x² + 2y².
#[gradient]
fn f(x: f64, y: f64) -> f64 {
    x * x + 2.0 * y * y
}

/// `v` in scientific notation with a two-digit signed exponent, `3.4000e+01`, so columns align.
fn sci(v: f64) -> String {
    let s = format!("{v:.4e}");
    match s.split_once('e') {
        Some((mantissa, exp)) => {
            let e: i32 = exp.parse().unwrap_or(0);
            format!("{mantissa}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
        }
        None => s, // inf, NaN
    }
}

fn main() -> Result<(), grad::runtime::Error> {
    // 1. The gradient `#[gradient]` wrote, against the one derived by hand: ∇f = (2x, 4y).
    let (x, y) = (4.0, 3.0);
    let (value, [dx, dy]) = f_grad(x, y);
    println!("1. The gradient at ({x}, {y})");
    println!("   f({x}, {y})  = {value}");
    println!("                 f_grad    by hand");
    println!("   ∂f/∂x   {dx:>12}  {:>9}   (2x)", 2.0 * x);
    println!("   ∂f/∂y   {dy:>12}  {:>9}   (4y)", 4.0 * y);
    assert_eq!((dx, dy), (2.0 * x, 4.0 * y));
    println!("   The generated gradient equals the formula exactly.");
    println!();

    // 2. One step of gradient descent by hand: (x, y) ← (x, y) − α ∇f(x, y).
    let alpha = 0.2;
    let (x1, y1) = (x - alpha * dx, y - alpha * dy);
    let (value1, _) = f_grad(x1, y1);
    println!("2. One step by hand with α = {alpha}");
    println!("   (x, y) ← ({x} − {alpha}·{dx}, {y} − {alpha}·{dy}) = ({x1:.4}, {y1:.4})");
    println!(
        "   f: {value} → {value1:.4}  ({:.1}% lower)",
        100.0 * (1.0 - value1 / value)
    );
    println!();

    // 3. The same descent, run by the runtime until |∇f| ≤ 1e-6, one table row per iteration
    //    from the per-iteration hook (iteration 0 is the start).
    println!("3. grad::runtime::minimize, gradient descent α = {alpha}, from ({x}, {y})");
    println!(
        "   {:>4}  {:>11}  {:>11}  {:>11}  {:>11}",
        "iter", "x", "y", "f(x, y)", "|∇f|"
    );
    let options = Options::new().grad_tol(1e-6).on_iteration(|s| {
        println!(
            "   {:>4}  {:>11}  {:>11}  {:>11}  {:>11}",
            s.iteration,
            sci(s.x[0]),
            sci(s.x[1]),
            sci(s.value),
            sci(s.grad_norm)
        );
    });
    let report = minimize(f_grad, [x, y], GradientDescent::new(alpha)?, options)?;
    // Its first step is the one taken by hand above.
    println!();
    println!("{report}");
    println!();

    // Each step multiplies x by 1 − 2α and y by 1 − 4α: the slow direction sets the pace.
    let (rx, ry) = ((1.0 - 2.0 * alpha).abs(), (1.0 - 4.0 * alpha).abs());
    println!(
        "x shrinks by {rx:.1} per step and y by {ry:.1}: after {} steps the slow x-direction \
         alone is left, and the minimum (0, 0) is reached to |∇f| ≤ 1e-6.",
        report.iterations
    );
    Ok(())
}
