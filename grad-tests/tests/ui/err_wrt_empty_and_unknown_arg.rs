use grad::gradient;

#[gradient(wrt())]
fn f(x: f64) -> f64 {
    x
}

#[gradient(respect_to(x))]
fn g(x: f64) -> f64 {
    x
}

fn main() {}
