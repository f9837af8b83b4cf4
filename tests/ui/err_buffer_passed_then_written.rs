// A buffer written after what the backward pass must read from it was read: rejected, since the
// gradient would need contents that are gone (see the message).
use grad::gradient;

#[gradient]
fn norm2(a: &[f64]) -> f64 {
    a.iter().map(|v| v * v).sum::<f64>()
}

/// A buffer passed to a helper inside a loop, rewritten between the calls.
#[gradient]
fn buffer_to_helper_in_loop(x: &[f64], a: f64) -> f64 {
    let n = x.len();
    let mut z = vec![0.0; n];
    let mut s = 0.0;
    for t in 0..3 {
        for i in 0..n {
            z[i] = (z[i] * a + x[i] * (t as f64 + 1.0)).sin();
        }
        s += norm2(&z) * a;
    }
    s
}

fn main() {}
