// Receivers: `&self`, `&mut self` and `self` are data (`wrt` names what is differentiated); a
// receiver of another type is not followed, nor a differentiated value written into a field
// of `self` (what reads it back would see data), and a model (no `wrt`) is read by shared
// reference only.
use grad::gradient;

struct Model {
    w: f64,
}

impl Model {
    #[gradient(wrt(x))]
    fn boxed(self: Box<Self>, x: f64) -> f64 {
        self.w * x
    }

    #[gradient(wrt(x))]
    fn writes(&mut self, x: f64) -> f64 {
        self.w = x;
        self.w * x
    }
}

#[derive(Clone, grad::Params)]
struct Net {
    w: f64,
}

impl Net {
    #[gradient]
    fn loss(&mut self, x: f64) -> f64 {
        self.w * x
    }
}

fn main() {}
