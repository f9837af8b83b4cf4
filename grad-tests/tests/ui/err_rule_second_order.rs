use grad::{custom_gradient, gradient};

fn softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

// No second order given: fine for gradients and `jvp`...
#[custom_gradient]
fn softplus_grad(x: f64) -> (f64, [f64; 1]) {
    (softplus(x), [1.0 / (1.0 + (-x).exp())])
}

#[gradient(jvp)]
fn first(w: f64) -> f64 {
    softplus(2.0 * w) + w * w
}

// ...but `hvp` needs one, reported at the call.
#[gradient(hvp)]
fn second(w: f64) -> f64 {
    softplus(2.0 * w) + w * w
}

fn cube(x: f64) -> f64 {
    x * x * x
}

// Derived from the rule only when the rule ends in `(value, [..])` written out.
#[custom_gradient(hvp)]
fn cube_grad(x: f64) -> (f64, [f64; 1]) {
    let out = (cube(x), [3.0 * x * x]);
    out
}

// Unknown arguments are named.
#[custom_gradient(hessian)]
fn sq_grad(x: f64) -> (f64, [f64; 1]) {
    (x * x, [2.0 * x])
}

fn sq(x: f64) -> f64 {
    x * x
}

fn main() {
    let _ = (first(1.0), second(1.0), sq(1.0));
}
