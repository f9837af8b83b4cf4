// A loop label declared again by an inner loop (rustc warns, without a lint to allow): the inner
// label wins, so `break 'a` leaves the inner loop, in the derivative code as in the function.
use grad::gradient;

#[gradient]
fn same_label(x: f64) -> f64 {
    let mut s = 0.0;
    'a: for i in 0..3 {
        'a: for j in 0..3 {
            if j > i {
                break 'a;
            }
            s += x * (j as f64 + 1.0);
        }
    }
    s
}

fn main() {
    let (v, [d]) = same_label_grad(0.5);
    assert_eq!(v.to_bits(), same_label(0.5).to_bits());
    assert_eq!(d, 10.0);
}
