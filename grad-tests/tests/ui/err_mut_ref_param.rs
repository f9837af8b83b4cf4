use grad::gradient;

// A function that returns a float and writes through `&mut` is differentiated (its value and
// what it writes); a caller that also lends it data to write (a count) is not yet.
#[gradient]
fn step(x: f64, s: &mut f64, calls: &mut usize) -> f64 {
    *calls += 1;
    *s += x;
    *s * x
}

#[gradient]
fn f(x: f64) -> f64 {
    let mut s = 0.5;
    let mut calls = 0usize;
    step(x, &mut s, &mut calls) + s
}

fn main() {}
