// `insert` and `remove` are followed on a `Vec` of floats the function declares; a buffer lent
// to a helper that shifts it is refused at the call, naming the method and what is followed.
use grad::gradient;

fn push_front(v: &mut Vec<f64>, x: f64) {
    v.insert(0, x);
}

#[gradient]
fn shifted_in_helper(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    push_front(&mut v, x[1] * 2.0);
    v.iter().sum()
}

fn main() {}
