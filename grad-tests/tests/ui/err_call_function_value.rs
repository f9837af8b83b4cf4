// A call through a value holding a function (a `fn` pointer, an `impl Fn`): the macro cannot see
// the function's body to differentiate it.
use grad::gradient;

#[gradient(wrt(x))]
fn apply(f: fn(f64) -> f64, x: f64) -> f64 {
    f(x) * x
}

#[gradient(wrt(x))]
fn apply_generic<F: Fn(f64) -> f64>(g: F, x: f64) -> f64 {
    g(2.0) + g(x)
}

fn main() {}
