use grad::gradient;

#[gradient]
fn f(x: &[f64]) -> f64 {
    let mut i = 0;
    let mut s = 0.0;
    let t = loop {
        if i == x.len() {
            break s * 2.0;
        }
        s += x[i];
        i += 1;
    };
    t
}

fn main() {}
