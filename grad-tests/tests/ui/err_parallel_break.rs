// `break` or `return` out of the split loop makes the later iterations depend on the earlier ones.
use grad::gradient;

#[gradient(parallel)]
fn breaks(w: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..w.len() {
        if w[i] > 10.0 {
            break;
        }
        s += w[i] * w[i];
    }
    s
}

#[gradient(parallel)]
fn returns(w: &[f64]) -> f64 {
    let mut s = 0.0;
    'rows: for i in 0..w.len() {
        for _ in 0..3 {
            if w[i] < -10.0 {
                break 'rows;
            }
        }
        if w[i] > 10.0 {
            return s;
        }
        s += w[i] * w[i];
    }
    s
}

// `continue` and a `break` out of an inner loop are fine.
#[gradient(parallel)]
fn fine(w: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..w.len() {
        if w[i] > 10.0 {
            continue;
        }
        for k in 0..3 {
            if k == 2 {
                break;
            }
            s += w[i] * w[i];
        }
    }
    s
}

fn main() {}
