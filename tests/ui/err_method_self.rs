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
    let _ = Model { w: 1.0 }.loss(2.0);
}
