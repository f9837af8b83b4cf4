// A closure given to a helper that reads a name whose type the macro cannot see (a parameter
// of a closure around it, written without its type), or a closure local reading a name
// declared again before its call: the call is refused, not left to fail inside the expansion
// nor given the later binding. (The same with `|s: f64|`, or a loop's
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

// A closure local reading a name declared again before the call: at the call the name is
// another binding, which the closure does not read (refused, not passed the new value).
#[gradient]
fn declared_again(x: &[f64]) -> f64 {
    let a = x[0];
    let f = |t: f64| a * t;
    let a = x[1] * 5.0;
    integrate(f, 0.0, 1.0, 4) + a
}

fn main() {}
