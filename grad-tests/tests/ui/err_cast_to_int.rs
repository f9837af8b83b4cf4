use grad::gradient;

#[gradient]
fn f(x: f64) -> f64 {
    x * (x as i32) as f64
}

fn main() {}
