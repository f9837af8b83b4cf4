//! Local buffers whose elements shift: `v.insert(i, e)`, `v.remove(i)` and `v.swap_remove(i)`
//! (as statements and as values, in conditions, call arguments, loops and branches), with
//! `push` beside them (a queue, a stack), generic and in `f32` (issue 8, found by a probe of
//! realistic code: refused before, `insert` on a slice is not supported). Each against central
//! finite differences, values equal to the function's.

#![allow(clippy::cast_precision_loss, clippy::needless_range_loop)]

mod common;

use common::check;
use grad::gradient;
use num_traits::Float;

const P: [f64; 6] = [0.7, -1.2, 0.45, 1.9, -0.35, 0.55];

fn bump(a: f64, b: f64) -> f64 {
    a * b + a.exp()
}

/// Statements and values: a removed element read in a condition, handed to a helper, summed.
#[gradient]
fn shifted(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    v.insert(0, 1.5 * x[1]);
    v.remove(2);
    let gate = if v.remove(1) > 0.0 {
        v.iter().sum::<f64>()
    } else {
        -0.5
    };
    let called = bump(v.remove(1), x[0]);
    v.insert(v.len(), x[2] * x[3]);
    let last = v.swap_remove(0);
    let weighted: f64 = v
        .iter()
        .enumerate()
        .map(|(i, t)| t * (i as f64 + 1.0))
        .sum();
    gate + called + last * weighted + v.len() as f64
}

/// In loops and branches: inserted at a moving place, removed from the front while pushing to
/// the back (a queue), popped and pushed as a stack.
#[gradient]
fn queued(x: &[f64]) -> f64 {
    let mut q: Vec<f64> = Vec::new();
    for &t in x {
        q.push(t * 2.0);
    }
    let mut s = 0.0;
    while q.len() > 1 {
        let a = q.remove(0);
        let b = q.remove(0);
        s = s * 0.5 + a;
        q.push(a * b + 0.1);
    }
    let mut w = vec![0.25; 2];
    for (i, &t) in x.iter().enumerate() {
        if t > 0.0 {
            w.insert(i % w.len(), t.sin());
        } else {
            w.swap_remove(0);
            w.push(t);
        }
    }
    let mut stack = vec![x[0]];
    for &t in &x[1..] {
        let top = stack.remove(stack.len() - 1);
        stack.push(top * t);
        stack.push(t);
    }
    s + q[0] + w.iter().map(|t| t * t).sum::<f64>() + stack.iter().sum::<f64>()
}

/// Generic over the float.
#[gradient]
fn shifted_generic<T: Float>(x: &[T]) -> T {
    let mut v = x.to_vec();
    let a = v.remove(0);
    v.insert(1, a * a);
    let b = v.swap_remove(2);
    v.iter().fold(b, |s, &t| s + t * t)
}

#[test]
fn inserted_and_removed_against_differences() {
    check("shifted", &|q| shifted(q), &|q, d| shifted_grad(q, d), &P);
    let other = [-0.3, 0.8, 1.1, -0.6, 0.9, 0.2];
    check(
        "shifted",
        &|q| shifted(q),
        &|q, d| shifted_grad(q, d),
        &other,
    );
    check("queued", &|q| queued(q), &|q, d| queued_grad(q, d), &P);
    check("queued", &|q| queued(q), &|q, d| queued_grad(q, d), &other);
    check(
        "shifted_generic",
        &|q| shifted_generic(q),
        &|q, d| shifted_generic_grad(q, d),
        &P,
    );
    let p32: Vec<f32> = P.iter().map(|&v| v as f32).collect();
    let mut d32 = vec![0.0f32; 6];
    let v32 = shifted_generic_grad(&p32, &mut d32);
    assert_eq!(v32.to_bits(), shifted_generic(&p32).to_bits());
    let mut d = vec![0.0; 6];
    shifted_generic_grad(&P, &mut d);
    for (a, b) in d32.iter().zip(&d) {
        assert!(
            (f64::from(*a) - b).abs() < 1e-3 * (1.0 + b.abs()),
            "{a} vs {b}"
        );
    }
}

#[test]
#[should_panic(expected = "removal index")]
fn removal_past_the_end_panics_as_the_function_does() {
    #[gradient]
    fn past(x: &[f64]) -> f64 {
        let mut v = x.to_vec();
        v.remove(x.len()) * 2.0
    }
    let mut d = [0.0; 2];
    past_grad(&[1.0, 2.0], &mut d);
}
