// A `Vec` grown with `push` is followed when the pushes can be bounded before they run (in
// straight-line code, in one `for` loop over a range or a slice or a `while` without `break`, in
// one `if` or `match`) and the values are floats; a push in a `loop` left by `break`, or of an
// index, is a clear error at the call, not a silent drop of the effect. A buffer of a fixed
// length written by index is always followed.
use grad::gradient;

#[gradient]
fn pushes(x: &[f64]) -> f64 {
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        if x[i] > 0.0 {
            out.push(x[i] * x[i]);
        }
        i += 1;
        if i == x.len() {
            break;
        }
    }
    out.iter().sum::<f64>()
}

#[gradient(wrt(x))]
fn indices(x: &[f64], k: usize) -> f64 {
    let mut picked = Vec::new();
    picked.push(k);
    x[picked[0]]
}

#[gradient]
fn sorted(x: &[f64]) -> f64 {
    let mut v: Vec<f64> = Vec::new();
    for &a in x {
        v.push(a);
    }
    v.sort_by_key(|a| a.to_bits());
    v[0]
}

fn main() {}
