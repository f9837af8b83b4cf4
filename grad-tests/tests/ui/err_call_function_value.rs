// A call through a value holding a function that the body does not name by its path (an element
// of a parameter holding functions, a field holding one) with a differentiated argument: the
// macro cannot see which function it is. (`apply`, taking a `fn` pointer, `apply_generic`, taking
// a closure through a generic bound, and an array of functions named by their paths are
// accepted: callers pass closures and functions to helpers by their paths, and a call through an
// element of such an array calls each by its path.)
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
fn known(x: &[f64]) -> f64 {
    let acts: [fn(f64) -> f64; 2] = [f64::sin, f64::tanh];
    acts.iter().zip(x).map(|(f, &v)| f(v)).sum::<f64>() + apply(f64::cos, x[0])
}

#[gradient(wrt(x))]
fn unknown(acts: &[fn(f64) -> f64], x: &[f64]) -> f64 {
    acts.iter().zip(x).map(|(f, &v)| f(v)).sum::<f64>()
}

/// An element of an array of functions handed on as a value: the array is not followed.
#[gradient(wrt(x))]
fn handed_on(x: f64) -> f64 {
    let acts: [fn(f64) -> f64; 2] = [f64::sin, f64::cos];
    apply(acts[0], x) + acts[1](x)
}

struct Layer {
    act: fn(f64) -> f64,
}

#[gradient(wrt(x))]
fn field(layer: &Layer, x: f64) -> f64 {
    (layer.act)(x)
}

fn main() {}
