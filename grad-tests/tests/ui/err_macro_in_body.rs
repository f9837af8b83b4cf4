// A macro `#[gradient]` does not know, given a differentiated value: an error at the macro.
use grad::gradient;
use std::fmt::Write;

#[gradient]
fn f(x: f64) -> f64 {
    let mut label = String::new();
    write!(label, "x = {x}").unwrap();
    assert!(!label.is_empty());
    x * x
}

fn main() {}
