// `last()`/`nth(k)` of a `map` whose closure changes a local: std runs the closure for every item
// up to the one taken, so the running value is not the closure applied to one element.
use grad::gradient;

#[gradient]
fn running_last(x: &[f64]) -> f64 {
    let mut s = 0.0;
    let last = x
        .iter()
        .map(|v| {
            s += v * v;
            s
        })
        .last()
        .unwrap_or(0.0);
    last + s
}

#[gradient]
fn running_nth(x: &[f64]) -> f64 {
    let mut s = 1.0;
    x.iter().map(|&v| {
        s *= v;
        s
    }).nth(2).unwrap_or(0.0)
}

fn main() {}
