use grad::gradient;

#[gradient]
fn f(x: f64, n: u8) -> f64 {
    match n {
        0 => x,
        _ => x * x,
    }
}

fn main() {}
