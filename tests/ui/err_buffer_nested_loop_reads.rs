// A buffer rewritten in every step of a loop and read by loops nested in it: rejected.
use grad::gradient;

/// A buffer rewritten by an inner loop in every outer iteration (`z ← sin(z + x)` three
/// times), read by another inner loop after the update.
#[gradient]
fn iterated_map(x: &[f64]) -> f64 {
    let n = x.len();
    let mut z = vec![0.0; n];
    let mut s = 0.0;
    for _t in 0..3 {
        for i in 0..n {
            z[i] = (z[i] + x[i]).sin();
        }
        for i in 0..n {
            s += z[i] * x[i];
        }
    }
    s
}

/// A vector RNN: the state lives in a top-level buffer rewritten in every step from a
/// per-step buffer; `w` is `m × m`, `m` at least 1.
#[gradient]
#[allow(clippy::manual_memcpy)]
fn vector_rnn(w: &[f64], x: &[f64]) -> f64 {
    let m = (w.len() as f64).sqrt() as usize;
    let mut h = vec![0.0; m];
    let mut loss = 0.0;
    for t in 0..x.len() {
        let mut hn = vec![0.0; m];
        for k in 0..m {
            let mut a = x[t];
            for j in 0..m {
                a += w[k * m + j] * h[j];
            }
            hn[k] = a.tanh();
        }
        for k in 0..m {
            h[k] = hn[k];
        }
        loss += h[0] * h[m - 1];
    }
    loss
}

fn main() {}
