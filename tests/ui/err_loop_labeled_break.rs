// A labeled `break` with a value out of a nested loop is not supported (a labeled `break` or
// `continue` without a value is).
use grad::gradient;

#[gradient]
fn f(x: &[f64]) -> f64 {
    let mut s = 0.0;
    let first = 'rows: loop {
        for j in 0..x.len() {
            if x[j] > 1.0 {
                break 'rows x[j];
            }
            s += x[j];
        }
        break s;
    };
    first * s
}

fn main() {}
