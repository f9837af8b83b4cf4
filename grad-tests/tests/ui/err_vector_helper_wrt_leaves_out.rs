use grad::gradient;

#[gradient(wrt(w))]
fn layer(w: &[f64], x: &[f64]) -> Vec<f64> {
    vec![w[0] * x[0], w[1] * x[1]]
}

#[gradient(wrt(w1, w2))]
fn net(w1: &[f64], w2: &[f64], x: &[f64]) -> f64 {
    let h = layer(w1, x);
    let o = layer(w2, &h);
    o[0] + o[1]
}

fn main() {}
