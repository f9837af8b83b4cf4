// A `Vec` grown with `push` (or changed in place by any method) is not followed: a clear error at
// the call, not a silent drop of the effect. A buffer of a fixed length written by index is.
use grad::gradient;

#[gradient]
fn pushes(x: &[f64]) -> f64 {
    let mut out = Vec::new();
    for &v in x {
        out.push(v * v);
    }
    out.iter().sum::<f64>()
}

#[gradient(wrt(x))]
fn indices(x: &[f64], k: usize) -> f64 {
    let mut picked = Vec::new();
    picked.push(k);
    x[picked[0]]
}

fn main() {}
