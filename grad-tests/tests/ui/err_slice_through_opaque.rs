// A differentiated slice read inside an expression the engine carries along as written would lose
// its derivative: an error, not a silent constant. (`xs[1..3][0]` and `[xs[0], 1.0][0]`, which
// this case showed before, are followed now.)
use grad::gradient;

#[gradient]
fn first_piece(xs: &[f64]) -> f64 {
    xs.chunks(2).next().unwrap()[0] * xs[0]
}

fn main() {}
