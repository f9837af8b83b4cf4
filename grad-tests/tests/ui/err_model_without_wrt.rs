// A model (a `Params` type) as a parameter of a function without `wrt(..)` would silently be a
// constant (its `_grad` has no `d_m`): the expansion asks the compiler whether each parameter's
// type is a model, and one is an error at its type. Other structs are data, and `wrt(..)` may
// leave a model out on purpose.
use grad::{gradient, Params};

#[derive(Clone, Params)]
struct Gmm {
    means: Vec<f64>,
}

#[derive(Clone, Copy)]
struct Cfg {
    k: f64,
}

#[gradient]
fn prior(m: &Gmm) -> f64 {
    m.means.iter().map(|v| v * v).sum()
}

#[gradient]
fn fit(x: f64, m: &Gmm, c: Cfg) -> f64 {
    x * m.means[0] + c.k
}

#[gradient(wrt(x))]
fn frozen(x: f64, m: &Gmm) -> f64 {
    x * m.means[0]
}

#[gradient]
fn plain(x: f64, c: &Cfg) -> f64 {
    x * c.k
}

fn main() {}
