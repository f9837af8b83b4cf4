// Parameters that hold floats in a shape `#[gradient]` does not differentiate are errors, not
// silent constants; `wrt(...)` naming the others makes them constants.
use grad::gradient;

#[gradient]
fn nested(w: &Vec<Vec<f64>>, rows: &[[f64; 3]], b: &Box<f64>) -> f64 {
    w[0][0] + rows[0][1] + **b
}

#[gradient(wrt(a))]
fn excluded(a: f64, rows: &[[f64; 3]]) -> f64 {
    a * rows[0][0]
}

fn main() {
    let _ = excluded_grad(1.0, &[[1.0, 2.0, 3.0]]);
}
