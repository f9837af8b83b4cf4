use grad::gradient;

#[gradient]
fn f(mut x: [f64; 3]) -> f64 {
    for i in 1..3 {
        x[i] = x[i - 1] * 2.0;
    }
    x[2]
}

fn main() {}
