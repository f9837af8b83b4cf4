// Pairs of an index and a value sorted by the value are followed as the indices alone, the
// values read where they are; a pair written afterwards is not followed (the rewrite would
// write the values themselves), so the pairs stay as written and are reported.
use grad::gradient;

#[gradient]
fn top(w: &[f64]) -> f64 {
    let x: Vec<f64> = w.iter().map(|v| v * 2.0).collect();
    let mut v: Vec<(usize, f64)> = x.iter().copied().enumerate().collect();
    v.sort_by(|a, b| a.1.partial_cmp(&b.1).unwrap());
    v[0].1 = 2.0 * v[0].1;
    v[0].1 + x[v[0].0]
}

fn main() {}
