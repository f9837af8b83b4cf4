use grad::gradient;

// (`for v in x.iter().map(..)` is accepted now; a `peekable` one is not.)
#[gradient]
fn f(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for v in x.iter().peekable() {
        s += v;
    }
    s
}

fn main() {}
