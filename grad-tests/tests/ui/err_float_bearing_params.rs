// Parameters that hold floats in a shape `#[gradient]` does not differentiate are errors, not
// silent constants; `wrt(...)` naming the others makes them constants.
use grad::gradient;

#[gradient]
fn nested(pairs: &[(usize, f64)], rows: &[&[f64]], b: &Box<f64>) -> f64 {
    pairs[0].1 + rows[0][1] + **b
}

// Beside differentiated rows too.
#[gradient]
fn beside_rows(w: &[[f64; 2]], b: &Box<f64>) -> f64 {
    w[0][0] * **b
}

#[gradient(wrt(a))]
fn excluded(a: f64, pairs: &[(usize, f64)]) -> f64 {
    a * pairs[0].1
}

fn main() {
    let _ = excluded_grad(1.0, &[(1, 2.0)]);
}
