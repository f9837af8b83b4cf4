// A `#[gradient]` helper that clears and refills the `Vec` it is lent, called in a `while` loop
// whose condition reads that vector: each trip's new vector could not be told from the old.
use grad::gradient;

#[gradient]
fn refill(s: &[f64], a: f64, buf: &mut Vec<f64>) -> f64 {
    buf.clear();
    for &v in s {
        buf.push((v * 0.5 + a).tanh());
    }
    buf[0] * a
}

#[gradient]
fn loss(a: f64, xs: &[f64]) -> f64 {
    let mut buf = vec![0.1; 2];
    let mut r = 0.0;
    let mut k = 0;
    while buf[0] < 10.0 && k < 3 {
        r += refill(xs, a, &mut buf);
        k += 1;
    }
    r + buf[1]
}

fn main() {}
