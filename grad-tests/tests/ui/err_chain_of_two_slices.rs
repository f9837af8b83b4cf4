use grad::gradient;

#[gradient]
fn f(x: &[f64], y: &[f64], z: &[f64]) -> f64 {
    x.iter().chain(y.iter()).zip(z).map(|(a, b)| a * b).sum()
}

fn main() {}
