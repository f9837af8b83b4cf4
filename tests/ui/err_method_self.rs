// A method's `&self` is read as constant data: without `wrt(..)` naming what to differentiate,
// its fields would silently be constants, so that is an error; `&mut self` and `self` too.
use grad::gradient;

struct Model {
    w: f64,
}

impl Model {
    #[gradient]
    fn loss(&self, x: f64) -> f64 {
        self.w * x * x
    }

    #[gradient(wrt(x))]
    fn changes(&mut self, x: f64) -> f64 {
        self.w * x
    }
}

fn main() {
    let _ = Model { w: 1.0 }.loss(2.0);
}
