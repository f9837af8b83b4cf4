// A differentiated slice read inside an expression the engine carries along as written would lose
// its derivative: an error, not a silent constant.
use grad::gradient;

#[gradient]
fn sub_slice_index(xs: &[f64]) -> f64 {
    xs[1..3][0] * xs[0]
}

#[gradient]
fn array_literal(xs: &[f64]) -> f64 {
    2.0 * [xs[0], 1.0][0]
}

fn main() {}
