//! Helpers defined anywhere in the file (issues 8 and 9): a caller learns from a helper's
//! signature that it returns a vector (`let d = sub3(b, a); dot3(d, d)`, the result passed on by
//! value only) or takes a model (`dense(&m.l1, x)`, a field whose type the caller cannot see);
//! the macro reads every annotated function of the file before the first expands, so the helpers
//! may come after their callers, in an inline module, or be called by a path through modules.
//! Also calls on data that write counts through `&mut` (`advance(&mut i)`), and branches whose
//! value is `()`. Each gradient against central differences, the value bit for bit.

mod common;

use common::{close, fd_all};
use grad::{gradient, Params};

#[derive(Clone, Debug, Params)]
pub struct Layer {
    w: Vec<f64>,
}

#[derive(Clone, Debug, Params)]
struct Net {
    l1: Layer,
    l2: Layer,
    scale: f64,
}

// The callers first.

#[gradient(wrt(m))]
fn net_loss(m: &Net, x: &[f64]) -> f64 {
    let h = dense(&m.l1, x);
    m.scale * (energy(&m.l2) + h[0] * h[1]) + nn::bias_energy(&m.l1)
}

#[gradient]
fn triangle_area(a: [f64; 3], b: [f64; 3], c: [f64; 3]) -> f64 {
    let n = cross(sub3(b, a), sub3(c, a));
    0.5 * dot3(n, n).sqrt()
}

// The helpers after them.

#[gradient(wrt(layer))]
fn energy(layer: &Layer) -> f64 {
    layer.w[0] * layer.w[1]
}

#[gradient(wrt(l))]
fn dense(l: &Layer, x: &[f64]) -> Vec<f64> {
    vec![(l.w[0] * x[0]).tanh(), l.w[1] * x[1]]
}

#[gradient]
fn sub3(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

#[gradient]
fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

#[gradient]
fn dot3(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

mod nn {
    use super::Layer;
    use grad::gradient;

    #[gradient(wrt(l))]
    pub fn bias_energy(l: &Layer) -> f64 {
        (l.w[0] - l.w[1]).powi(2)
    }
}

fn advance(i: &mut i32) {
    *i += 1;
}

fn next_two(i: &mut usize, flip: &mut bool) -> usize {
    *i += 2;
    *flip = !*flip;
    *i
}

/// Clad's `CountedReverseLoops.C`: the loop index moved on by a plain helper through `&mut`.
#[gradient(wrt(x))]
fn skips_via_call(x: &[f64], n: i32) -> f64 {
    let mut s = 0.0;
    let mut i = 0;
    while i < n {
        s += x[i as usize] * x[i as usize];
        advance(&mut i);
        i += 1;
    }
    s
}

/// Two counts written by one call, its value used too; an empty branch whose value is `()`.
#[allow(clippy::unused_unit)]
#[gradient]
fn pairs(x: &[f64]) -> f64 {
    let mut k = 0usize;
    let mut flip = false;
    let mut s = 0.0;
    while k + 1 < x.len() {
        let a = x[k];
        let at = next_two(&mut k, &mut flip);
        s += if flip {
            a * x[k - 1]
        } else {
            (a - x[k - 1]).sin()
        } + at as f64 * 0.1;
    }
    if s > 100.0 {
    } else if s < -100.0 {
        ()
    }
    s
}

fn net() -> Net {
    Net {
        l1: Layer { w: vec![0.7, -1.1] },
        l2: Layer { w: vec![0.5, 1.3] },
        scale: 0.8,
    }
}

#[test]
fn models_given_to_helpers_defined_below_or_in_a_module() {
    let m = net();
    let x = [0.4, 0.9];
    let mut d = Params::zeros_like(&m);
    let v = net_loss_grad(&m, &x, &mut d);
    assert_eq!(v.to_bits(), net_loss(&m, &x).to_bits());
    let want = fd_all(
        &|p: &[f64]| net_loss(&Params::with_flat(&m, p), &x),
        &Params::to_flat(&m),
    );
    close("net_loss", &Params::to_flat(&d), &want);
}

#[test]
fn vector_helpers_chained_by_value_defined_below() {
    let (a, b, c) = ([0.0, 0.1, 0.2], [1.0, 0.3, -0.2], [0.2, 1.1, 0.5]);
    let (mut da, mut db, mut dc) = ([0.0; 3], [0.0; 3], [0.0; 3]);
    let v = triangle_area_grad(a, b, c, &mut da, &mut db, &mut dc);
    assert_eq!(v.to_bits(), triangle_area(a, b, c).to_bits());
    let p = [a, b, c].concat();
    let want = fd_all(
        &|p: &[f64]| triangle_area([p[0], p[1], p[2]], [p[3], p[4], p[5]], [p[6], p[7], p[8]]),
        &p,
    );
    close("triangle_area", &[da, db, dc].concat(), &want);
}

#[test]
fn counts_written_through_mut_by_plain_calls() {
    let x = [0.3, -1.2, 0.8, 2.0, -0.5, 1.1];
    let mut d = vec![0.0; 6];
    let v = skips_via_call_grad(&x, 6, &mut d);
    assert_eq!(v.to_bits(), skips_via_call(&x, 6).to_bits());
    close(
        "skips_via_call",
        &d,
        &fd_all(&|p: &[f64]| skips_via_call(p, 6), &x),
    );
    let v = pairs_grad(&x, &mut d);
    assert_eq!(v.to_bits(), pairs(&x).to_bits());
    close("pairs", &d, &fd_all(&|p: &[f64]| pairs(p), &x));
}
