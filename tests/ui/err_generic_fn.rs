use grad::gradient;

#[gradient]
fn f<T: Into<f64>>(x: T) -> f64 {
    x.into() * 2.0
}

fn main() {}
