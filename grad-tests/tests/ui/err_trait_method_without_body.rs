// A trait method without a body has nothing to differentiate.
use grad::gradient;

trait Loss {
    #[gradient]
    fn loss(x: f64) -> f64;
}

fn main() {}
