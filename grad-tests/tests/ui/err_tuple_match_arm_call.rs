// A tuple local computed by a `match` whose arm is a call returning a tuple: the arm cannot be
// split into the tuple's parts, so the `let` stays and is reported (this once made the macro loop
// without end).
use grad::gradient;

#[gradient]
fn pair(x: f64) -> (f64, f64) {
    (x, 2.0 * x)
}

#[gradient(wrt(x))]
fn f(x: f64, k: usize) -> f64 {
    let t = match k {
        0 => (x, 1.0),
        _ => pair(x),
    };
    t.0 * t.1
}

fn main() {}
