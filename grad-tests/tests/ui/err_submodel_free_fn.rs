// A field that is a model itself passed to a free function taking a model whose name two
// functions share (one in each module): the caller cannot know that the field is a model. Among
// rustc's errors, the call's own check says so and how to rewrite (a name of its own, or a method
// of the layer).
use grad::{gradient, Params};

#[derive(Params, Clone)]
pub struct Layer {
    w: Vec<f64>,
}

#[derive(Params, Clone)]
struct Net {
    l1: Layer,
}

#[gradient(wrt(m))]
fn loss(m: &Net) -> f64 {
    by_model::energy(&m.l1)
}

mod by_model {
    use super::*;

    #[gradient(wrt(layer))]
    pub fn energy(layer: &Layer) -> f64 {
        layer.w[0] * layer.w[1]
    }
}

mod by_slice {
    use super::*;

    #[gradient]
    pub fn energy(w: &[f64]) -> f64 {
        w[0] * w[1]
    }
}

fn main() {
    let m = Net {
        l1: Layer { w: vec![1.0, 2.0] },
    };
    let mut d = Params::zeros_like(&m);
    let _ = loss_grad(&m, &mut d);
    let _ = by_slice::energy(&[1.0]);
}
