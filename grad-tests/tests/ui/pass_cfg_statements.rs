// `#[cfg]` on statements and on `let`s: the gradient follows the code the compiler keeps.
#![deny(warnings)]

use grad::gradient;

#[gradient]
fn f(x: f64) -> f64 {
    #[cfg(any())]
    let s = 0.0;
    #[cfg(all())]
    let s = x * x;
    let mut t = s;
    #[cfg(not(any()))]
    {
        t += x;
    }
    #[cfg(any())]
    {
        t = 0.0;
    }
    t
}

#[gradient]
fn shadowed(x: f64) -> f64 {
    let r = 2.0 * x;
    #[cfg(any())]
    let r = 0.0;
    r * x
}

fn main() {
    assert_eq!(f_grad(3.0), (12.0, [7.0]));
    assert_eq!(f(3.0), 12.0);
    assert_eq!(shadowed_grad(3.0), (18.0, [12.0]));
}
