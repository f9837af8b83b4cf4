use grad::gradient;

#[gradient(wrt(x))]
fn helper(x: f64, y: f64) -> f64 {
    x * y
}

#[gradient]
fn f(a: f64, b: f64) -> f64 {
    helper(a, b) + a
}

fn main() {}
