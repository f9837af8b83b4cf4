// Functions with an output parameter: the forms not supported yet are clear errors at the
// tokens, and the function itself still compiles.
use grad::gradient;

// Two output parameters.
#[gradient]
fn two_outputs(x: &[f64], a: &mut [f64], b: &mut [f64]) {
    for i in 0..a.len() {
        a[i] = x[i];
        b[i] = x[i] * 2.0;
    }
}

// An output `Vec` whose length changes.
#[gradient]
fn grows(x: &[f64], out: &mut Vec<f64>) {
    out.clear();
    for v in x {
        out.push(v * 2.0);
    }
}

// The output named as an input to differentiate.
#[gradient(wrt(x, out))]
fn wrt_out(x: &[f64], out: &mut [f64]) {
    out[0] = x[0];
}

// Second order is not there yet.
#[gradient(hvp)]
fn with_hvp(x: &[f64], out: &mut [f64]) {
    out[0] = x[0];
}

// A call with two output buffers.
#[gradient]
fn caller(x: &[f64]) -> f64 {
    let mut a = vec![0.0; 2];
    let mut b = vec![0.0; 2];
    two_outputs(x, &mut a, &mut b);
    a[0] + b[1]
}

fn main() {}
