// `#[gradient]` on a method inside a trait's `impl` (the `impl` itself not marked): the method's
// `value_grad` cannot be added to a trait's `impl`. The error says to mark the `impl` too.
use grad::gradient;

trait Objective {
    fn value(&self, w: &[f64]) -> f64;
}

struct Quad {
    a: Vec<f64>,
}

impl Objective for Quad {
    #[gradient(wrt(w))]
    fn value(&self, w: &[f64]) -> f64 {
        w.iter().zip(&self.a).map(|(x, a)| a * x * x).sum()
    }
}

fn main() {
    let q = Quad { a: vec![1.0] };
    let _ = q.value(&[0.5]);
}
