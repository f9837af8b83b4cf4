// An array field of data whose type the macro cannot see, passed by value to a helper that
// takes an array and numbers only: the call cannot know the helper wants a gradient buffer
// there. A message at the call says to bind it to a typed local first (which works: see
// `stages_and_accessors.rs`, `typed_copies_of_unseen_arrays`).
use grad::gradient;

pub struct Data {
    pub a: [f64; 2],
}

#[gradient]
fn scale(a: [f64; 2], s: f64) -> f64 {
    s * (a[0] - 0.5 * a[1])
}

#[gradient(wrt(x))]
fn fit(x: f64, d: &Data) -> f64 {
    scale(d.a, x)
}

fn main() {}
