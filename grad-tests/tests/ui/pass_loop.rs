use grad::gradient;

#[gradient]
fn f(x: &[f64]) -> f64 {
    let mut i = 0;
    let mut s = 0.0;
    loop {
        if i == x.len() {
            break;
        }
        s += x[i] * x[i];
        i += 1;
    }
    s
}

fn main() {}
