// A closure that changes a local of the function inside an expression `#[gradient]` keeps as
// written (`count`): the change would be lost to the derivative.
use grad::gradient;

#[gradient]
fn first_over(x: &[f64]) -> f64 {
    let mut s = 0.0;
    let k = x
        .iter()
        .filter(|v| {
            s += **v;
            s > 0.6
        })
        .count();
    s * k as f64
}

fn main() {}
