// `&mut self` and `self` receivers: the macro reads a method's receiver by shared reference only.
use grad::gradient;

struct Model {
    w: f64,
}

impl Model {
    #[gradient(wrt(x))]
    fn changes(&mut self, x: f64) -> f64 {
        self.w * x
    }

    #[gradient(wrt(x))]
    fn consumes(self, x: f64) -> f64 {
        self.w * x
    }
}

fn main() {}
