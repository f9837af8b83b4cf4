use grad::gradient;

#[gradient]
fn f(x: f64, out: &mut f64) -> f64 {
    *out = x;
    x * x
}

fn main() {}
