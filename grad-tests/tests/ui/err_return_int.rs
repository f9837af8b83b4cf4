// The message names the type found, and no error about the body follows it.
use grad::gradient;

#[gradient]
fn f(x: f64) -> i32 {
    x as i32
}

fn main() {}
