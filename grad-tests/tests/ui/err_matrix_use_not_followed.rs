// A local matrix written by element, then used in a way its rewrite does not follow
// (`inspect(..)`): the error is at that use, naming what is followed.
use grad::gradient;

#[gradient]
fn f(w: &[f64]) -> f64 {
    let mut m = vec![[0.0; 2]; w.len()];
    for i in 0..w.len() {
        m[i][0] = w[i];
        m[i][1] = w[i] * 2.0;
    }
    m.iter().inspect(|_| ()).map(|p| p[0] * p[1]).sum()
}

fn main() {
    let mut d = [0.0; 2];
    let _ = f_grad(&[1.0, 2.0], &mut d);
}
