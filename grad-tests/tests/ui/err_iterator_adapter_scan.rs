use grad::gradient;

// `scan` over a differentiated slice: the error names `scan` (it named the `iter` under it).
#[gradient]
fn cumulative(x: &[f64]) -> f64 {
    let sums: Vec<f64> = x
        .iter()
        .scan(0.0, |acc, &v| {
            *acc += v;
            Some(*acc)
        })
        .collect();
    sums.iter().map(|c| c * c).sum()
}

fn main() {}
