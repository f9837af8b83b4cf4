// A closure given to a helper that reads a name whose type the macro cannot see (a parameter
// of a closure around it, written without its type): the call is refused at the closure's
// helper, not left to fail inside the expansion. (The same with `|s: f64|`, or a loop's
// items, an adapter's item, an `if let` over `first()`, a `const` of the body, are accepted.)
use grad::gradient;

#[gradient]
fn integrate<F: Fn(f64) -> f64>(f: F, a: f64, b: f64, n: usize) -> f64 {
    let h = (b - a) / n as f64;
    (0..n).map(|i| f(a + (i as f64 + 0.5) * h)).sum::<f64>() * h
}

#[gradient]
fn accepted(x: &[f64]) -> f64 {
    const K: f64 = 0.5;
    let g = |s: f64| integrate(|t| s * t * K, 0.0, 1.0, 3);
    let mut total = g(x[0]);
    for &v in x {
        total += integrate(|t| v * t, 0.0, 1.0, 2);
    }
    total
}

#[gradient]
fn untyped(x: &[f64]) -> f64 {
    let g = |s| integrate(|t| s * t, 0.0, 1.0, 3);
    g(x[0])
}

fn main() {}
