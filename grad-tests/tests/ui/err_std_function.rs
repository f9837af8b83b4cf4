// A function of the standard library given a differentiated value (`mem::replace`, `take` and
// `swap` of locals and their elements are followed): no derivative to carry, refused at the
// call rather than read as a `#[gradient]` helper's (E0425 inside the expansion before).
use grad::gradient;

#[gradient]
fn opaque(x: f64) -> f64 {
    std::hint::black_box(x) * x
}

fn main() {}
