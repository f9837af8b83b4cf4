// A call through a value holding a function (a `fn` pointer) with a differentiated argument: the
// macro cannot see the function's body to differentiate it. (`apply_generic`, taking a closure
// through a generic bound, is a helper its callers pass closures to: accepted.)
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
