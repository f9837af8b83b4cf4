// Rows fields of the elements of a `Vec` of structs are followed by index, by their length,
// row by row in loops and maps; not flattened (`.iter().flatten()`): the error names the field
// and the forms that work.
use grad::{gradient, Params};

#[derive(Clone, Params)]
struct Layer {
    w: Vec<Vec<f64>>,
}

#[derive(Clone, Params)]
struct Net {
    layers: Vec<Layer>,
}

#[gradient(wrt(net))]
fn f(net: &Net) -> f64 {
    let mut s = 0.0;
    for layer in &net.layers {
        for v in layer.w.iter().flatten() {
            s += v * v;
        }
    }
    s
}

fn main() {}
