// `match` arms that bind parts of the value (other than a last arm binding the whole value) are
// not supported yet: a clear error at the pattern.
use grad::gradient;

#[gradient]
fn f(x: f64, k: Option<usize>) -> f64 {
    match k {
        Some(n) => x * n as f64,
        None => x,
    }
}

fn main() {}
