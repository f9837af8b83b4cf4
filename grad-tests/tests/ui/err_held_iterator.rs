// An iterator held in a local is followed when a `for`, a `while let Some(v) = it.next()` or
// `it.next().unwrap()` (once per `let`) then one reduction drains it; two items taken in one
// expression are not, and the error is at the iterator's making.
use grad::gradient;

#[gradient]
fn held(x: &[f64]) -> f64 {
    let mut it = x.iter().map(|v| v * 2.0);
    let a = it.next().unwrap() + it.next().unwrap();
    a
}

fn main() {}
