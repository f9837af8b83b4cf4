// Rows of a local grown by `push` row by row with differentiated values are not followed yet:
// the error names the method and how to write the groups (rows that only receive integers,
// `groups[i % k].push(i)`, are data and accepted).
use grad::gradient;

#[gradient]
fn buckets(x: &[f64]) -> f64 {
    let mut buckets: Vec<Vec<f64>> = vec![Vec::new(); 3];
    for i in 0..x.len() {
        buckets[i % 3].push(x[i]);
    }
    buckets.iter().map(|b| b.iter().sum::<f64>().powi(2)).sum()
}

fn main() {}
