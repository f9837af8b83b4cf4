use grad::gradient;

// `inspect` over a differentiated slice: the error names `inspect` (it named the `iter` under
// it). (`scan`, which this case showed before, is accepted now.)
#[gradient]
fn cumulative(x: &[f64]) -> f64 {
    let sums: Vec<f64> = x.iter().inspect(|v| assert!(v.is_finite())).copied().collect();
    sums.iter().map(|c| c * c).sum()
}

fn main() {}
