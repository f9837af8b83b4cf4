use grad::gradient;

#[gradient]
fn f(x: f64) -> f64 {
    let label = format!("x = {x}");
    assert!(!label.is_empty());
    x * x
}

fn main() {}
