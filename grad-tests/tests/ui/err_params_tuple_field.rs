// A tuple of floats as a model's field is not followed by `#[gradient]`: the derive says so at
// the tuple, with what to write (an array) instead.
use grad::Params;

#[derive(Clone, Params)]
struct Anchored {
    anchor: (f64, f64),
    pts: Vec<(f64, f64)>,
    scale: f64,
}

fn main() {}
