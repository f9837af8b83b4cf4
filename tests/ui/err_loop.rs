use grad::gradient;

#[gradient]
fn f(x: f64) -> f64 {
    x + loop {
        break x * 2.0;
    }
}

fn main() {}
