// A differentiated model must derive `Params`: its gradient is a model of the same type, zeroed
// field by field before the loss fills it.
use grad::gradient;

struct Model {
    w: f64,
}

impl Model {
    #[gradient]
    fn loss(&self, x: f64) -> f64 {
        self.w * x * x
    }
}

fn main() {
    let m = Model { w: 1.0 };
    let _ = m.loss(2.0);
}
