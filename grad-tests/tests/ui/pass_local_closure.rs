// Closures defined in the body and called in it are inlined at their calls.
#![deny(warnings)]

use grad::gradient;

#[gradient]
fn f(x: f64) -> f64 {
    let double = |t: f64| t * 2.0;
    let a = x * 3.0;
    let scale = |t: f64| t * a;
    double(x) + scale(x)
}

fn main() {
    // 2x + 3x²
    assert_eq!(f_grad(2.0), (16.0, [14.0]));
}
