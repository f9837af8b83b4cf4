//! Pairs under one name: `for p in x.iter().enumerate()` (also `zip`, after `rev`/`skip`),
//! read as `p.0`, `*p.1`; folds whose accumulator is a pair given back whole (`|acc, (i, v)| if
//! v > acc.1 { (i, v) } else { acc }`, an argmax written as a fold) and whose item is one name
//! (`|acc, p| if p.1 > acc.1 { p } else { acc }`). Refused before (issue 8, found by a probe of
//! realistic code: the pattern did not match the iterator, or a follow-on error at the
//! attribute). Each against central finite differences, values equal to the function's.

#![allow(clippy::cast_precision_loss)]

mod common;

use common::check;
use grad::gradient;

const P: [f64; 6] = [0.7, -1.2, 0.45, 1.9, -0.35, 0.55];

#[gradient(jvp)]
fn loops(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for p in x.iter().enumerate() {
        s += *p.1 * p.0 as f64;
    }
    for q in x.iter().zip(x.iter().skip(1)).rev() {
        if *q.0 > 0.0 {
            s += q.0 * q.1;
        }
    }
    for mut r in x.iter().copied().enumerate().skip(2) {
        r.1 *= 0.5;
        s += r.1.sin();
    }
    s
}

#[test]
fn loops_over_named_pairs() {
    check("loops", &loops, &loops_grad, &P);
    let v = [0.3, -0.1, 0.5, 0.2, -0.4, 0.25];
    let (val, t) = loops_jvp(&P, &v);
    assert_eq!(val.to_bits(), loops(&P).to_bits());
    let mut d = [0.0; 6];
    loops_grad(&P, &mut d);
    let want: f64 = d.iter().zip(&v).map(|(a, b)| a * b).sum();
    assert!(
        (t - want).abs() < 1e-12 * (1.0 + want.abs()),
        "jvp {t} vs {want}"
    );
}

#[gradient]
fn argmax_folds(x: &[f64]) -> f64 {
    let a = x
        .iter()
        .cloned()
        .enumerate()
        .fold((0, f64::MIN), |acc, p| if p.1 > acc.1 { p } else { acc });
    let b = x.iter().copied().enumerate().fold(
        (0, x[0]),
        |acc, (i, v)| if v < acc.1 { (i, v) } else { acc },
    );
    let c = x
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |acc, &v| {
            (acc.0.min(v), acc.1.max(v))
        });
    a.1 * (a.0 as f64 + 1.0) + b.1 * b.0 as f64 + (c.1 - c.0).powi(2)
}

#[test]
fn folds_giving_pairs_back_whole() {
    check("argmax_folds", &argmax_folds, &argmax_folds_grad, &P);
}

/// Pairs of `iter_mut()` under one name, written through `*p.1` (`enumerate`) and `*p.0`
/// (`zip`): the parts read in place.
#[gradient]
fn written_through(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    for p in v.iter_mut().enumerate() {
        *p.1 *= p.0 as f64 + 1.0;
    }
    let w = x.to_vec();
    for q in v.iter_mut().zip(w.iter()) {
        *q.0 += q.1 * 2.0;
    }
    v.iter().map(|t| t * t).sum()
}

#[test]
fn named_pairs_written_through() {
    check(
        "written_through",
        &written_through,
        &written_through_grad,
        &P,
    );
}
