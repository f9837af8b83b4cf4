// An f64 constant cast to f32 is valid in an f32 function; the generated `_grad` must compile too
// (it declares the constant's value as `f32` without the cast).
#![deny(warnings)]
use grad::gradient;

#[gradient]
fn f(x: f32) -> f32 {
    x * std::f64::consts::PI as f32 + 2.0f64 as f32
}

fn main() {
    let (v, [d]) = f_grad(1.0);
    assert_eq!(v, f(1.0));
    assert_eq!(d, std::f32::consts::PI);
}
