// A method that changes a local (an iterator's `next`) in a condition: kept as written, it would
// run again where the names it binds are read and in the backward pass. (A value taken out of a
// vector, `while let Some(i) = st.pop()`, is followed: see tests/worklists.rs; so is an iterator
// drained by `while let Some(v) = it.next()` or by `it.next()` in `let`s before a loop over it:
// see tests/stages_and_accessors.rs.)
use grad::gradient;

#[gradient]
fn by_iterator(x: f64, w: &[f64]) -> f64 {
    let idx = [0usize, 2];
    let mut it = idx.iter();
    let mut s = 0.0;
    for _ in 0..2 {
        if let Some(&i) = it.next() {
            s += w[i] * x;
        }
    }
    s
}

fn main() {}
