// A value that is not a float computed from a differentiated one loses its derivative: the
// error names the construct (the method, the operator) and says how to rewrite it.
use grad::gradient;

#[gradient]
fn bits(x: f64) -> f64 {
    let v = x.to_bits();
    x * v as f64
}

#[gradient]
fn sum_of_ints(x: f64) -> f64 {
    let n = x.round() as i64 + x.to_bits() as i64;
    n as f64 * x
}

fn main() {}
