use grad::gradient;

struct Point {
    x: f64,
}

#[gradient]
fn f(x: f64) -> f64 {
    let p = Point { x };
    p.x * x
}

fn main() {}
