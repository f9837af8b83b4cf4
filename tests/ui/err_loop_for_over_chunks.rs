use grad::gradient;

#[gradient]
fn f(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for row in x.chunks(2) {
        s += row[0] * row[1];
    }
    s
}

fn main() {}
