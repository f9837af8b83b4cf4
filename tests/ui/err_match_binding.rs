// A guard on a `match` arm that binds parts of the value is not supported yet: a clear error at
// the pattern, with the rewrite.
use grad::gradient;

#[gradient(wrt(x))]
fn f(x: f64, k: Option<usize>) -> f64 {
    match k {
        Some(n) if n > 2 => x * n as f64,
        _ => x,
    }
}

fn main() {}
