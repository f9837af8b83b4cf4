use grad::{custom_gradient, gradient};

fn cube(x: f64) -> f64 {
    x * x * x
}

// The rule must be named after the function it differentiates.
#[custom_gradient]
fn derivative_of_cube(x: f64) -> (f64, [f64; 1]) {
    (cube(x), [3.0 * x * x])
}

// One value per parameter.
#[custom_gradient(check(at(1.0, 2.0)))]
fn cube_grad(x: f64) -> (f64, [f64; 1]) {
    (cube(x), [3.0 * x * x])
}

// Points for slices are literals or `random(n)` (no error here).
#[gradient(check(at(&[1.0, 2.0]), at(random(4))))]
fn norm(w: &[f64]) -> f64 {
    w.iter().map(|v| v * v).sum::<f64>()
}

// `check` asks for points.
#[gradient(check(1.0))]
fn square(x: f64) -> f64 {
    x * x
}

fn main() {}
