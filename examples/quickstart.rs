//! The first program to run: a gradient computed at compile time, checked against the formula you
//! would derive by hand, then a few steps of gradient descent written out in full.
//!
//! Run with `cargo run --release --example quickstart`.

use grad::gradient;

/// J(x, y) = x² + y², the bowl every optimization course starts with.
#[gradient]
fn bowl(x: f64, y: f64) -> f64 {
    x * x + y * y
}

/// The Rosenbrock function: a curved valley with its minimum at (1, 1).
#[gradient]
fn rosenbrock(x: f64, y: f64) -> f64 {
    (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2)
}

fn main() {
    // `bowl_grad` was written by `#[gradient]` while this file compiled.
    let (value, [dx, dy]) = bowl_grad(3.0, 4.0);
    println!("J(3, 4) = {value}, ∇J = [{dx}, {dy}]   (by hand: 2x = 6, 2y = 8)");

    let (v, [gx, gy]) = rosenbrock_grad(-1.2, 1.0);
    println!("rosenbrock(-1.2, 1) = {v:.1}, ∇ = [{gx:.1}, {gy:.1}]");
    println!();

    // Gradient descent, w ← w − α∇J, on the bowl from (3, 4) with α = 0.1.
    let alpha = 0.1;
    let (mut x, mut y) = (3.0, 4.0);
    println!(" step        x         y      J(x, y)    |∇J|");
    for step in 0..=10 {
        let (j, [gx, gy]) = bowl_grad(x, y);
        println!(
            "{step:5} {x:9.4} {y:9.4} {j:11.6} {:9.5}",
            (gx * gx + gy * gy).sqrt()
        );
        x -= alpha * gx;
        y -= alpha * gy;
    }
    println!();
    println!("Each step multiplies the distance to the minimum by 1 − 2α = 0.8.");
    println!("Next: `cargo run --release --example optimizers` compares optimizers on Rosenbrock.");
}
