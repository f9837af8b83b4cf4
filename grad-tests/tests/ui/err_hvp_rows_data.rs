// `hvp` on a function whose rows are differentiated by default: the message names the rows as
// written and the `wrt(..)` that leaves them out when they are data.
use grad::gradient;

#[gradient(hvp)]
fn robust_fit(a: f64, b: f64, pts: &[(f64, f64)]) -> f64 {
    pts.iter()
        .map(|&(x, y)| (y - a * x - b).powi(2).sqrt())
        .sum::<f64>()
}

fn main() {
    let _ = robust_fit(1.0, 0.5, &[(1.0, 2.0)]);
}
