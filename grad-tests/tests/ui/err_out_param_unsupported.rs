// Functions with an output parameter: the forms not supported yet are clear errors at the
// tokens, and the function itself still compiles.
use grad::gradient;

// Outputs of two float types.
#[gradient]
fn two_types(x: &[f64], a: &mut [f64], b: &mut f32) {
    for i in 0..a.len() {
        a[i] = x[i];
    }
    *b = 1.0;
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

fn main() {}
