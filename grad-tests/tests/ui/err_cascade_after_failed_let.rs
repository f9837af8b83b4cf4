// A `let` whose initializer is rejected must not make every later use of its name an error too.
use grad::gradient;

#[gradient]
fn unknown_method(x: f64) -> f64 {
    let n = x.midpoint(1.0);
    x * n
}

#[gradient]
fn unsafe_block(x: f64) -> f64 {
    let y = unsafe { std::ptr::read(&x) };
    y * 2.0
}

// (Accepted now: the value of a branch that returns, taken apart; kept as a case that compiles.)
#[gradient]
fn return_in_let(x: f64) -> f64 {
    let y = if x > 0.0 { x } else { return 0.0 };
    y * 2.0
}

fn main() {}
