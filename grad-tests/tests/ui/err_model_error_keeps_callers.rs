// A function of a model that reports an error still declares `NAME_grad` (and `NAME_jvp`) with
// every buffer a compiling one has: callers that pass `d_xs` see only the real error.
use grad::{gradient, Params};

#[derive(Clone, Params)]
struct Line {
    w: Vec<f64>,
    b: f64,
}

#[gradient]
fn helper(a: f64, s: &[f64]) -> f64 {
    a * s[0]
}

#[gradient(wrt(m, xs), jvp)]
fn dropped_value(m: &Line, xs: &[f64], k: i32) -> f64 {
    let _ = helper(m.b, xs);
    m.w[0] * xs[0] + f64::from(k)
}

#[gradient(wrt(m, xs), hvp)]
fn second_order_beside(m: &Line, xs: &[f64]) -> f64 {
    m.w[0] * xs[0] * m.b
}

fn main() {
    let m = Line { w: vec![1.0], b: 2.0 };
    let mut d = Line { w: vec![0.0], b: 0.0 };
    let mut d_xs = vec![0.0; 2];
    let v = dropped_value_grad(&m, &[1.0, 2.0], 3, &mut d, &mut d_xs);
    let t = Line { w: vec![0.0], b: 1.0 };
    let (u, du) = dropped_value_jvp(&m, &[1.0, 2.0], 3, &t, &[0.0, 1.0]);
    let w = second_order_beside_grad(&m, &[1.0, 2.0], &mut d, &mut d_xs);
    println!("{v} {u} {du} {w}");
}
