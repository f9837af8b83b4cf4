// A helper without `#[gradient]` whose body the engine refuses where it is inlined (pushes into
// a vector it is lent, of a length it cannot bound): the engine's error at the call, and a note
// naming the helper and how to see the error at its own tokens.
use grad::gradient;

fn fill_sq(out: &mut Vec<f64>, w: &[f64]) {
    out.clear();
    for v in w {
        out.push(v * v);
    }
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

#[gradient]
fn f(w: &[f64]) -> f64 {
    let mut buf = Vec::new();
    fill_sq(&mut buf, w);
    sigmoid(buf.iter().sum::<f64>())
}

fn main() {}
