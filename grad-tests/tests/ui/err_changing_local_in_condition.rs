// A method that changes a local (`pop`, an iterator's `next`) in a condition: kept as written, it
// would run again where the names it binds are read and in the backward pass.
use grad::gradient;

#[gradient]
fn stack(x: f64, w: &[f64]) -> f64 {
    let mut st: Vec<usize> = vec![0, 2, 1];
    let mut s = 0.0;
    while let Some(i) = st.pop() {
        s += w[i] * x;
    }
    s
}

#[gradient]
fn by_iterator(x: f64, w: &[f64]) -> f64 {
    let idx = [0usize, 2];
    let mut it = idx.iter();
    let mut s = 0.0;
    while let Some(&i) = it.next() {
        s += w[i] * x;
    }
    s
}

fn main() {}
