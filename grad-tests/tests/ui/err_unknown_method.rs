use grad::gradient;

#[gradient]
fn f(x: f64) -> f64 {
    x.next_up() * x
}

fn main() {}
