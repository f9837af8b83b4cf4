// A closure passed to a helper that does not carry `#[gradient]`: the helper's body, which the
// call is differentiated through, is not available (rustc: no `integrate__inline` macro).
use grad::gradient;

fn integrate<F: Fn(f64) -> f64>(f: F, a: f64, b: f64, n: usize) -> f64 {
    let h = (b - a) / n as f64;
    (0..n).map(|i| f(a + (i as f64 + 0.5) * h)).sum::<f64>() * h
}

#[gradient]
fn moment(k: f64) -> f64 {
    integrate(|t| (k * t).sin(), 0.0, 1.0, 32)
}

fn main() {}
