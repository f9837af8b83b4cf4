// A field that is a model itself passed to a free function taking a model defined *below* the
// caller: the caller cannot know that the field is a model. Among rustc's errors, the call's own
// check says so and how to rewrite (move the function above, or make it a method of the layer).
use grad::{gradient, Params};

#[derive(Params, Clone)]
struct Layer {
    w: Vec<f64>,
}

#[derive(Params, Clone)]
struct Net {
    l1: Layer,
}

#[gradient(wrt(m))]
fn loss(m: &Net) -> f64 {
    energy(&m.l1)
}

#[gradient(wrt(layer))]
fn energy(layer: &Layer) -> f64 {
    layer.w[0] * layer.w[1]
}

fn main() {
    let m = Net {
        l1: Layer { w: vec![1.0, 2.0] },
    };
    let mut d = Params::zeros_like(&m);
    let _ = loss_grad(&m, &mut d);
}
