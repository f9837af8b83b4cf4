use grad::gradient;

#[gradient]
fn f(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for &v in x.iter() {
        if v > 1.0 {
            return s;
        }
        s += v * v;
    }
    s
}

fn main() {}
