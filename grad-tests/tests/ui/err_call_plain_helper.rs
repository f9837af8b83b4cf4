use grad::gradient;

fn helper(x: f64) -> f64 {
    x * 2.0
}

#[gradient]
fn f(x: f64) -> f64 {
    helper(x) + 1.0
}

fn main() {}
