use grad::gradient;

#[gradient]
fn f(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for v in x.iter().map(|v| v * 2.0) {
        s += v;
    }
    s
}

fn main() {}
