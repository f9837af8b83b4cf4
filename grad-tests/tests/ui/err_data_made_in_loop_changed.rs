// Data made in a loop's body and changed by its `#[gradient]` method taking `&mut self`: made
// anew each time, which the derivative does not follow yet (rustc's E0596 inside the generated
// code before).
use grad::gradient;

#[derive(Clone, Copy)]
pub struct Counter {
    pub k: f64,
}

impl Counter {
    #[gradient(wrt(x))]
    pub fn stepped(&mut self, x: f64) -> f64 {
        self.k += 0.25;
        self.k * x.tanh()
    }
}

#[gradient]
fn looped(xs: &[f64], x: f64) -> f64 {
    let mut acc = 0.0;
    for &e in xs {
        let mut c = Counter { k: 1.0 };
        acc += c.stepped(x) * e + c.k;
    }
    acc
}

fn main() {}
