// `hvp` on a function of a model covers models of numbers and sequences that are the only
// differentiated parameter; the other forms are a clear error at `hvp`.
use grad::{gradient, Params};

#[derive(Clone, Params)]
struct Grid {
    rows: Vec<Vec<f64>>,
    s: f64,
}

#[gradient(wrt(g), hvp)]
fn rows_field(g: &Grid) -> f64 {
    g.rows[0][1] * g.s
}

#[gradient(wrt(g, x), hvp)]
fn beside_a_scalar(g: &Grid, x: f64) -> f64 {
    g.s * x
}

fn main() {}
