// An expression the macro refuses is named in its message, with how to write it instead.
use grad::gradient;

#[gradient]
fn range_value(x: f64) -> f64 {
    let r = 0..3;
    x * r.len() as f64
}

fn main() {}
