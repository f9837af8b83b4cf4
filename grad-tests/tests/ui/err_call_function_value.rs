// A call through a value holding a function that is not one known by its path (an element of an
// array of `fn` pointers) with a differentiated argument: the macro cannot see which function it
// is. (`apply`, taking a `fn` pointer, and `apply_generic`, taking a closure through a generic
// bound, are helpers their callers pass closures and functions to by their paths: accepted.)
use grad::gradient;

#[gradient(wrt(x))]
fn apply(f: fn(f64) -> f64, x: f64) -> f64 {
    f(x) * x
}

#[gradient(wrt(x))]
fn apply_generic<F: Fn(f64) -> f64>(g: F, x: f64) -> f64 {
    g(2.0) + g(x)
}

#[gradient]
fn layers(x: &[f64]) -> f64 {
    let acts: [fn(f64) -> f64; 2] = [f64::sin, f64::tanh];
    acts.iter().zip(x).map(|(f, &v)| f(v)).sum::<f64>() + apply(f64::cos, x[0])
}

fn main() {}
