// A vector-valued function's parameter that holds floats in a shape `#[gradient]` does not
// differentiate is an error (never silently a constant), as for a function of scalars.
use grad::gradient;

#[gradient]
fn lerp(a: (f64, f64), b: (f64, f64), t: f64) -> (f64, f64) {
    (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t)
}

fn main() {}
