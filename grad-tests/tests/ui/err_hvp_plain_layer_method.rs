// `hvp` on a model's method that calls a plain (not annotated) vector-valued method of one of
// its fields: the layer is derived as a function given the layer whole, which `hvp` does not
// follow yet. The error says so (it named the method as not followed before).
use grad::{gradient, Params};

#[derive(Clone, Params)]
struct Layer {
    w: Vec<f64>,
    b: Vec<f64>,
}

impl Layer {
    fn forward(&self, x: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; self.b.len()];
        for r in 0..self.b.len() {
            out[r] = self.b[r] + self.w[r] * x[0];
        }
        out
    }
}

#[derive(Clone, Params)]
struct Model {
    layer: Layer,
    b: f64,
}

impl Model {
    #[gradient(wrt(self), hvp)]
    fn loss(&self, x: &[f64]) -> f64 {
        (self.layer.forward(x)[0] + self.b).powi(2)
    }
}

fn main() {}
