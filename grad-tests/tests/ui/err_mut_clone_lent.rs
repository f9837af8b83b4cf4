// `&mut x.clone()` lends a temporary copy, not `x`: the helper's writes must not reach `x`
// (they once did, a wrong value). Refused, as other temporaries lent to be changed are.
use grad::gradient;

fn refill(s: &[f64], a: f64, acc: &mut f64, buf: &mut Vec<f64>) -> f64 {
    buf.clear();
    *acc = *acc * 0.5 + a * s[0] * 0.5;
    for &v in s {
        buf.push((v * 0.5 + a).tanh());
    }
    *acc * 0.25 + buf[0] * a
}

#[gradient]
fn loss(xs: &[f64], a: f64) -> f64 {
    let acc = a * 0.3;
    let mut buf = vec![0.0; 2];
    let r = refill(xs, acc, &mut acc.clone(), &mut buf);
    r + acc + buf[1]
}

fn main() {}
