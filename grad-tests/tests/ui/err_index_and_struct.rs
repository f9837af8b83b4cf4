use grad::gradient;

struct Point {
    x: f64,
}

fn norm(p: Point) -> f64 {
    p.x.abs()
}

// A struct of differentiated values is followed field by field; passed whole, it is not.
#[gradient]
fn f(x: f64) -> f64 {
    let p = Point { x };
    norm(p) * x
}

fn main() {}
