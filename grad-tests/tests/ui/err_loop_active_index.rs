use grad::gradient;

#[gradient]
fn f(x: &[f64], t: f64) -> f64 {
    let k = (t * 4.0) as usize;
    let mut s = 0.0;
    for i in 0..k {
        s += x[i];
    }
    s + x[(t * 2.0) as usize]
}

fn main() {}
