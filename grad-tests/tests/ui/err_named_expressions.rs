// An expression the macro refuses is named in its message, with how to write it instead.
use grad::gradient;

#[gradient]
fn range_value(x: f64) -> f64 {
    // (A range of integers is data: `let r = 0..3; r.len()` compiles.)
    let r = 0.0..x;
    r.end * 2.0
}

fn main() {}
