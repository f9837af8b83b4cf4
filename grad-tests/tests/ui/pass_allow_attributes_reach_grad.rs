// Lint attributes on the function (here for math-style names) must cover the generated `_grad` too,
// since the user cannot put attributes on it.
#![deny(warnings)]
use grad::gradient;

/// Mean-free loss in the paper's notation.
#[allow(non_snake_case)]
#[gradient]
fn loss(W: f64, X: f64) -> f64 {
    W * X - W
}

fn main() {
    assert_eq!(loss_grad(2.0, 3.0), (loss(2.0, 3.0), [2.0, 2.0]));
}
