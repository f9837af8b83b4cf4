// A tuple of differentiated floats handed to a function is not followed yet: the error says how
// to pass it instead (a tuple parameter itself is differentiated, see `tuples_as_parameters`).
use grad::gradient;

#[gradient]
fn area(p: (f64, f64)) -> f64 {
    p.0 * p.1
}

#[gradient]
fn scaled_area(s: f64) -> f64 {
    area((s, 2.0 * s)) + s * area((1.0, 2.0))
}

fn main() {}
