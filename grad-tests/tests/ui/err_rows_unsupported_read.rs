// Differentiated rows are read by index, row by row or passed on row by row; a read the rewrite
// cannot follow (the whole parameter copied) is an error at it that lists the forms.
use grad::gradient;

#[gradient]
fn copied(w: &[Vec<f64>]) -> f64 {
    let v = w.to_vec();
    v[0][0]
}

fn main() {}
