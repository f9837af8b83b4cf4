// A float field the body reads only where data is read (a conversion, a cast): its derivative
// could be lost, so the build stops at the field.
use grad::{gradient, Params};

#[derive(Clone, Params)]
struct Model {
    w: Vec<f64>,
    x: f64,
    t: f64,
}

#[gradient(wrt(m))]
fn through_from(m: &Model) -> f64 {
    let k = f64::from(m.x);
    m.w[0] * k
}

#[gradient(wrt(m))]
#[allow(clippy::unnecessary_cast)]
fn only_cast(m: &Model) -> f64 {
    m.w[0] * (m.t as f64)
}

fn main() {}
