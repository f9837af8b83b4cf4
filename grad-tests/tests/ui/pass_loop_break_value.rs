// `loop` with `break value`, as a `let` and as the function's value.
#![deny(warnings)]

use grad::gradient;

#[gradient]
fn f(x: &[f64]) -> f64 {
    let mut i = 0;
    let mut s = 0.0;
    let t = loop {
        if i == x.len() {
            break s * 2.0;
        }
        s += x[i] * x[i];
        i += 1;
    };
    t + 1.0
}

#[gradient]
fn g(x: f64) -> f64 {
    x + loop {
        break x * 2.0;
    }
}

fn main() {
    let mut d = [0.0; 2];
    assert_eq!(f_grad(&[1.0, 2.0], &mut d), 11.0);
    assert_eq!(d, [4.0, 8.0]);
    assert_eq!(g_grad(1.5), (4.5, [3.0]));
}
