// A value of a small struct of floats handed whole to a function the macro does not read: the
// values of the type are not followed, said at the constructor.
use grad::gradient;

#[derive(Clone, Copy, Debug)]
struct V2 {
    x: f64,
    y: f64,
}

impl V2 {
    fn new(x: f64, y: f64) -> Self {
        Self { x, y }
    }
}

impl std::ops::Sub for V2 {
    type Output = Self;
    fn sub(self, o: Self) -> Self {
        Self::new(self.x - o.x, self.y - o.y)
    }
}

#[gradient]
fn spread(p: &[f64]) -> f64 {
    let a = V2::new(p[0], p[1]);
    let d = std::hint::black_box(a) - V2::new(p[2], p[3]);
    d.x * d.x + d.y * d.y
}

fn main() {}
