// A parameter that the function reads only in a computation the gradient does not need must not
// make `f_grad` warn (`unused variable`) where `f` does not.
#![deny(warnings)]
use grad::gradient;

#[gradient]
fn f(x: f64, y: f64) -> f64 {
    let _ignored = y.sin();
    x * 2.0
}

fn main() {
    assert_eq!(f_grad(1.0, 3.0), (f(1.0, 3.0), [2.0, 0.0]));
}
