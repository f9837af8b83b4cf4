// Associated functions (no `self`) differentiate like free ones, in impls and as trait defaults;
// `Self::helper(..)` calls another one.
#![deny(warnings)]

use grad::gradient;

struct Model;

impl Model {
    #[gradient]
    fn square(x: f64) -> f64 {
        x * x
    }

    #[gradient]
    pub fn loss(x: f64, y: f64) -> f64 {
        Self::square(x - y) + 0.5 * y
    }
}

trait Scored {
    #[gradient]
    fn score(x: f64) -> f64 {
        x.sin() * 2.0
    }
}

impl Scored for Model {}

fn main() {
    assert_eq!(Model::loss_grad(3.0, 1.0), (4.5, [4.0, -3.5]));
    let (v, [d]) = <Model as Scored>::score_grad(0.0);
    assert_eq!((v, d), (0.0, 2.0));
}
