// `unzip` into a `Vec` of counts and one of floats, and `partition` by a closure with an effect
// (it would run twice over the items as two `filter`s): refused at the call, with the rewrite.
use grad::gradient;

#[gradient]
fn numbered(x: &[f64]) -> f64 {
    let (i, v): (Vec<usize>, Vec<f64>) = x.iter().enumerate().map(|(i, v)| (i, v.sin())).unzip();
    i.iter().zip(&v).map(|(k, s)| *k as f64 * s).sum()
}

#[gradient]
fn counted(x: &[f64]) -> f64 {
    let mut seen = 0;
    let (a, b): (Vec<f64>, Vec<f64>) = x.iter().partition(|v| {
        seen += 1;
        **v > 0.0
    });
    a.iter().sum::<f64>() - b.iter().sum::<f64>() + f64::from(seen)
}

fn main() {}
