use grad::gradient;

#[gradient]
fn f(x: f64) -> f64 {
    2.0 * if x > 0.0 { x } else { return 0.0 }
}

fn main() {}
