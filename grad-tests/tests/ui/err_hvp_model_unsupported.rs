// `hvp` on a function of a model covers models of numbers, sequences, rows and `Vec`s of structs,
// beside other differentiated parameters too; a model passed whole to another function, and two
// models, are a clear error at `hvp`.
use grad::{gradient, Params};

#[derive(Clone, Params)]
struct Layer {
    w: Vec<f64>,
}

#[derive(Clone, Params)]
struct Grid {
    rows: Vec<Vec<f64>>,
    layers: Vec<Layer>,
    s: f64,
}

#[gradient(wrt(g), hvp)]
fn rows_field(g: &Grid) -> f64 {
    g.rows[0][1] * g.s
}

#[gradient(wrt(g), hvp)]
fn layers_field(g: &Grid) -> f64 {
    g.layers.iter().map(|l| l.w[0]).sum::<f64>() * g.s
}

#[gradient(wrt(g))]
fn scale_of(g: &Grid) -> f64 {
    g.s * g.s
}

#[gradient(wrt(g), hvp)]
fn passed_whole(g: &Grid) -> f64 {
    scale_of(g) * 2.0
}

#[gradient(wrt(g, x), hvp)]
fn beside_a_scalar(g: &Grid, x: f64) -> f64 {
    g.s * x
}

#[gradient(wrt(g, h), hvp)]
fn two_models(g: &Grid, h: &Grid) -> f64 {
    g.s * h.s
}

fn main() {}
