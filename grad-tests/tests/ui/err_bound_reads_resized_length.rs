use grad::gradient;

#[gradient]
fn shrinking(w: &[f64]) -> f64 {
    let mut h = w.to_vec();
    let mut s = 0.0;
    for i in 0..h.len() {
        s += h[i];
        let next = vec![0.5; i + 1];
        h = next;
    }
    s
}

fn main() {}
