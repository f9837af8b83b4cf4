use grad::{gradient, Params};

#[derive(Clone, Params)]
struct Layer {
    w: Vec<Vec<f64>>,
}

#[derive(Clone, Params)]
struct Net {
    layers: Vec<Layer>,
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(p, q)| p * q).sum()
}

// Rows of a field of the elements of `layers`, each handed whole to a helper.
#[gradient(wrt(net))]
fn f(net: &Net, x: &[f64]) -> f64 {
    let mut s = 0.0;
    for row in &net.layers[0].w {
        s += dot(row, x);
    }
    s
}

fn main() {}
