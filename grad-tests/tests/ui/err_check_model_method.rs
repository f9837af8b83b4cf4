// `check(at(..))` generates a test that calls the function by name: a method of a model cannot
// be called so, and the error says what to do instead.
use grad::{gradient, Params};

#[derive(Clone, Params)]
struct Line {
    w: Vec<f64>,
}

impl Line {
    #[gradient(wrt(self), check(at(1.0)))]
    fn loss(&self, x: f64) -> f64 {
        self.w.iter().map(|w| (w * x).sin()).sum()
    }
}

fn main() {
    let _ = Line { w: vec![1.0] }.loss(0.5);
}
