// Nested loops under one label (the inner shadows the outer, which rustc warns about: a pass
// case, not a test of the suite, keeps that warning out of the build): `break 'scan` leaves the
// inner loop, in a helper inlined at its call and in a nested function of the body. The value
// and gradient were wrong before (the copied body's labels were not told apart, and the
// `break` left both loops).
#![allow(unused_labels)]
use grad::gradient;

fn shadowed_labels(s: &[f64]) -> f64 {
    let mut a = 0.0;
    'scan: for k in 0..2 {
        'scan: for j in 0..s.len() {
            if j > k {
                break 'scan;
            }
            a += s[j] * 0.25;
        }
    }
    a
}

#[gradient]
fn labels_in_helpers(xs: &[f64], w: f64) -> f64 {
    fn inner(s: &[f64], w: f64) -> f64 {
        let mut a = 0.0;
        'scan: for k in 0..3 {
            'scan: for j in 0..s.len() {
                if j > k {
                    continue 'scan;
                }
                a += s[j] * w;
            }
        }
        a
    }
    shadowed_labels(xs) * w + inner(xs, w)
}

fn main() {
    let xs = [0.5, 0.7, 1.1, -0.3];
    let w = 1.3;
    let mut d = [0.0; 4];
    let (v, [dw]) = labels_in_helpers_grad(&xs, w, &mut d);
    assert_eq!(v.to_bits(), labels_in_helpers(&xs, w).to_bits());
    let f = |p: &[f64]| labels_in_helpers(&p[..4], p[4]);
    let mut p = xs.to_vec();
    p.push(w);
    let mut g = d.to_vec();
    g.push(dw);
    for k in 0..5 {
        let h = 1e-6;
        let (mut a, mut b) = (p.clone(), p.clone());
        a[k] += h;
        b[k] -= h;
        let fd = (f(&a) - f(&b)) / (2.0 * h);
        assert!((fd - g[k]).abs() < 1e-6, "{k}: {} vs {fd}", g[k]);
    }
}
