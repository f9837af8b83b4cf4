// `check(at(..))` on a function of differentiated rows is not there yet: the message names the
// rows as written and the `wrt(..)` that leaves them out when they are data. (`hvp` on it is
// fine.)
use grad::gradient;

#[gradient(hvp, check(at(1.0, 0.5)))]
fn robust_fit(a: f64, b: f64, pts: &[(f64, f64)]) -> f64 {
    pts.iter()
        .map(|&(x, y)| (y - a * x - b).powi(2).sqrt())
        .sum::<f64>()
}

fn main() {
    let _ = robust_fit(1.0, 0.5, &[(1.0, 2.0)]);
}
