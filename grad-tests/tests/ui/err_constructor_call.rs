// A constructor or a type's function is not a `#[gradient]` function that could carry a
// derivative.
use grad::gradient;

#[gradient]
fn f(x: f64) -> f64 {
    let _b = Box::new(x);
    x
}

fn main() {}
