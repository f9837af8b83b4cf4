// A `Vec` of structs built from a differentiated slice's chunks: refused at the closure that
// builds them, saying what is followed (a struct in a local) and how to rewrite.
use grad::gradient;

#[derive(Clone, Copy)]
struct P {
    x: f64,
    y: f64,
}

#[gradient]
fn f(c: &[f64]) -> f64 {
    let pts: Vec<P> = c.chunks(2).map(|c| P { x: c[0], y: c[1] }).collect();
    pts[0].x * pts[1].y
}

fn main() {
    let mut d = [0.0; 4];
    let _ = f_grad(&[1.0, 2.0, 3.0, 4.0], &mut d);
}
