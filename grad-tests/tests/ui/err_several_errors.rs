use grad::gradient;

#[gradient]
fn f(x: f64, n: usize) -> f64 {
    x.midpoint(3.0) + x.next_up() + unsafe { std::ptr::read(&x) } * n as f64
}

fn main() {}
