// `parallel` needs a `for` loop at the top of the body to split.
use grad::gradient;

#[gradient(parallel)]
fn no_loop(w: &[f64]) -> f64 {
    w.iter().map(|v| v * v).sum::<f64>()
}

// A loop nested in a block is not at the top of the body.
#[gradient(parallel)]
fn nested(w: &[f64]) -> f64 {
    let mut s = 0.0;
    {
        for v in w {
            s += v * v;
        }
    }
    s
}

// Nothing differentiated, nothing to split.
#[gradient(parallel)]
fn nothing(n: usize) -> f64 {
    let mut s = 0.0;
    for i in 0..n {
        s += i as f64;
    }
    s
}

// Not a loss.
#[gradient(parallel)]
fn vector(w: &[f64]) -> Vec<f64> {
    w.to_vec()
}

fn main() {}
