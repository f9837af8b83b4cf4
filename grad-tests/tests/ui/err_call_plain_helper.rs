// Helpers without `#[gradient]` are inlined at their calls, or derived as if annotated (read
// from this file), except where that cannot be: an `extern` function, one with a `#[cfg]`.
// Given a differentiated argument, each is reported at its call; called with constants only, it
// stays a call.
use grad::gradient;

extern "C" fn half(x: f64) -> f64 {
    0.5 * x
}

#[cfg(all())]
fn double(x: f64) -> f64 {
    2.0 * x
}

#[gradient]
fn f(x: f64) -> f64 {
    half(x) + double(x) + half(2.0)
}

fn main() {}
