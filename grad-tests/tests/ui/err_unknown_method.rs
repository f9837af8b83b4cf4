use grad::gradient;

#[gradient]
fn f(x: f64) -> f64 {
    x.div_euclid(2.0) * x
}

fn main() {}
