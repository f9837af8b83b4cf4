use grad::gradient;

#[gradient]
fn f(x: &[f64]) -> f64 {
    let mut z = vec![x[0]; x.len()];
    for i in 1..x.len() {
        z[i] = z[i - 1] * x[i];
    }
    z[x.len() - 1]
}

fn main() {}
