// A `#[gradient]` helper that clears and refills the `Vec` it is lent, called in a loop whose
// body may `continue` after the call: the vector of the trip could not be handed on.
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
    for k in 0..3 {
        r += refill(xs, a + buf[1], &mut buf);
        if k == 1 {
            continue;
        }
        r += 1.0;
    }
    r + buf[1]
}

fn main() {}
