use grad::gradient;

#[gradient]
fn f(x: f64) -> f64 {
    2.0 * unsafe { std::ptr::read(&x) }
}

fn main() {}
