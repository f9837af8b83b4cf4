// A layer returning a vector, annotated, with rows to differentiate: refused at the rows with the
// two ways that work (the same helper without `#[gradient]` is inlined into its callers, rows
// and all; or the rows passed flat).
use grad::gradient;

#[gradient]
fn dense(w: &[Vec<f64>], b: &[f64], x: &[f64]) -> Vec<f64> {
    w.iter()
        .zip(b)
        .map(|(row, bi)| row.iter().zip(x).map(|(a, c)| a * c).sum::<f64>() + bi)
        .collect()
}

fn main() {}
