// Vector-valued functions get `NAME_vjp`, `NAME_jacobian` and `NAME_jvp`, and their calls are
// followed in reverse and forward mode; second order over them is a clear error, at the option
// and at the call.
use grad::gradient;

#[gradient(hvp)]
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

#[gradient(hvp)]
fn caller(w: &[f64]) -> f64 {
    let h = layer2(w, w);
    h[0]
}

fn main() {}
