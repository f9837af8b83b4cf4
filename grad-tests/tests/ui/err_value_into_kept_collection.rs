// A differentiated value put into a collection the engine keeps as written (a `VecDeque` of
// floats as a sliding window, a map of floats) would lose its derivative: an error at the call.
// Indices into the same kind of collection are data, and fine.
use grad::gradient;
use std::collections::{HashMap, VecDeque};

#[gradient(wrt(signal))]
fn window(signal: &[f64], width: usize) -> f64 {
    let mut buf: VecDeque<f64> = VecDeque::with_capacity(width);
    let mut sum = 0.0;
    for &x in signal {
        buf.push_back(x);
        sum += x;
        if buf.len() > width {
            sum -= buf.pop_front().unwrap();
        }
    }
    sum
}

#[gradient(wrt(w))]
fn mapped(w: &[f64]) -> f64 {
    let mut m: HashMap<usize, f64> = HashMap::new();
    m.insert(0, w[0] * 2.0);
    m[&0]
}

#[gradient(wrt(w))]
fn indices(w: &[f64]) -> f64 {
    let mut q = VecDeque::new();
    q.push_back(0usize);
    let mut s = 0.0;
    while let Some(i) = q.pop_front() {
        s += w[i];
        if i + 1 < w.len() {
            q.push_back(i + 1);
        }
    }
    s
}

fn main() {}
