// Vector-valued functions get `NAME_vjp` and `NAME_jacobian`, and their calls are followed in
// reverse mode; forward mode over them is a clear error, at the option and at the call.
use grad::gradient;

#[gradient(jvp)]
fn layer(w: &[f64], x: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; w.len()];
    for k in 0..w.len() {
        out[k] = w[k] * x[k];
    }
    out
}

#[gradient]
fn layer2(w: &[f64], x: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; w.len()];
    for k in 0..w.len() {
        out[k] = w[k] * x[k];
    }
    out
}

#[gradient(jvp)]
fn caller(w: &[f64]) -> f64 {
    let h = layer2(w, w);
    h[0]
}

fn main() {}
