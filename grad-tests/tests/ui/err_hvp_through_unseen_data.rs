// `hvp` through a call given data whose type the macro cannot see, at a slice parameter: not
// followed yet. The build fails at the call (the callee's second order wants buffers the caller
// cannot know to give) and a message says what to write instead.
use grad::gradient;

pub struct Data {
    pub v: Vec<f64>,
}

#[gradient(hvp)]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(p, q)| p * q * q).sum()
}

#[gradient(wrt(w), hvp)]
fn fit(w: &[f64], d: &Data) -> f64 {
    dot(&d.v, w)
}

fn main() {}
