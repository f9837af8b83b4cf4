//! Adapters that number, pair or order items written after the stages that compute them
//! (`x.iter().map(f).enumerate()`, `.map(f).zip(w)`, `w.iter().zip(x.iter().map(f))`,
//! `.map(f).rev()`, `.filter(p).enumerate()`, `.filter(p).step_by(k)`; issue 8, found by a probe
//! of realistic code): in sums, products, folds, `for` loops, extremes and collects, over
//! parameters, local buffers, constant data and a model's fields, in helpers, closures and
//! conditions, generic. Each against central finite differences, values equal to the function's.

#![allow(
    clippy::cast_precision_loss,
    clippy::useless_vec,
    clippy::needless_range_loop
)]

mod common;

use common::{check, check_model};
use grad::{gradient, Params};
use num_traits::Float;

const P: [f64; 6] = [0.7, -1.2, 0.45, 1.9, -0.35, 0.55];

/// Numbered after a `map`: a sum, a fold, a `for` loop, a product after `step_by`, twice
/// numbered, numbered then skipped.
#[gradient]
fn numbered(x: &[f64]) -> f64 {
    let weighted: f64 = x
        .iter()
        .map(|v| v * v)
        .enumerate()
        .map(|(i, t)| t / (i as f64 + 1.0))
        .sum();
    let folded = x
        .iter()
        .map(|t| t.sin())
        .enumerate()
        .fold(0.25, |acc, (i, s)| acc * 0.9 + i as f64 * s);
    let mut looped = 0.0;
    for (i, v) in x.iter().map(|v| v * 3.0).enumerate() {
        looped += if i % 2 == 0 { v * v } else { -v };
    }
    let stepped: f64 = x
        .iter()
        .map(|v| 1.0 + 0.1 * v)
        .step_by(2)
        .enumerate()
        .map(|(i, v)| v * (i + 1) as f64)
        .product();
    let twice: f64 = x
        .iter()
        .enumerate()
        .map(|(i, v)| v * i as f64)
        .enumerate()
        .map(|(j, v)| v * v + j as f64)
        .skip(1)
        .sum();
    weighted + folded + 0.1 * looped + stepped + 0.01 * twice
}

/// Paired after a `map`, on either side, nested, with the other side a reference to an array
/// literal, reversed first.
#[gradient]
fn paired(x: &[f64]) -> f64 {
    let w = [0.5, 0.25, 1.0, 2.0, 1.0, 3.0];
    let left: f64 = x
        .iter()
        .map(|v| v.exp())
        .zip(w.iter())
        .map(|(e, &wi)| e * wi)
        .sum();
    let right: f64 = w
        .iter()
        .zip(x.iter().map(|v| v.tanh()))
        .map(|(&wi, t)| wi * t)
        .sum();
    let both: f64 = x
        .iter()
        .map(|v| v * 2.0)
        .zip(x.iter().map(|v| v + 1.0))
        .zip(x.iter())
        .map(|((a, b), c)| a * b * c)
        .sum();
    let mut literal = 0.0;
    for (a, &k) in x
        .iter()
        .map(|t| t.tanh())
        .zip(&[1.0, -1.0, 2.0, 0.5, 0.1, 0.2])
    {
        literal += a * k;
    }
    let reversed: f64 = x
        .iter()
        .cloned()
        .map(|v| v.powi(2))
        .rev()
        .zip(x)
        .map(|(a, b)| a - b)
        .map(|d| d * d)
        .sum();
    left + right + 0.1 * both + literal + 0.2 * reversed
}

/// After a `filter`: numbered (the items kept, counted from 0), stepped, reversed then numbered;
/// an extreme of numbered items, a count in a condition.
#[gradient]
fn after_filters(x: &[f64]) -> f64 {
    let numbered: f64 = x
        .iter()
        .filter(|v| **v > 0.1)
        .enumerate()
        .map(|(i, v)| (i as f64 + 1.0) * v * v)
        .sum();
    let stepped: f64 = x
        .iter()
        .filter(|v| **v > -1.0)
        .step_by(2)
        .map(|v| v.exp())
        .sum();
    let reversed: f64 = x
        .iter()
        .filter(|&&v| v > 0.1)
        .rev()
        .enumerate()
        .map(|(i, &v)| i as f64 * v)
        .sum();
    let mut alternating = 0.0;
    for (i, v) in x.iter().filter(|v| **v < 1.5).enumerate() {
        if i % 2 == 0 {
            alternating += v * v;
        } else {
            alternating -= v;
        }
    }
    let best = x
        .iter()
        .map(|v| v * 2.0)
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(_, v)| v)
        .unwrap();
    let n = x
        .iter()
        .map(|v| v * 2.0)
        .enumerate()
        .filter(|(_, v)| *v > 1.0)
        .count();
    let scale = if n > 1 { 1.5 } else { 0.5 };
    numbered + stepped + reversed + alternating + best * scale
}

/// Over a local buffer, constant data and windows; collected; in a condition; a closure and a
/// helper doing it.
#[gradient]
fn other_sources(x: &[f64]) -> f64 {
    let e: Vec<f64> = x.iter().map(|v| v.exp()).collect();
    let s: f64 = e.iter().sum();
    let entropy: f64 = e
        .iter()
        .map(|v| v / s)
        .enumerate()
        .map(|(i, p)| -(i as f64 + 1.0) * p.ln())
        .sum();
    let data = [1.0, 2.0, 3.0];
    let on_data: f64 = data
        .iter()
        .map(|d| d * 2.0)
        .enumerate()
        .map(|(i, d)| d * x[i])
        .sum();
    let slopes: f64 = x
        .windows(2)
        .map(|w| w[1] - w[0])
        .enumerate()
        .map(|(i, d)| i as f64 * d * d)
        .sum();
    let shifted: Vec<f64> = x
        .iter()
        .map(|t| t * 2.0)
        .enumerate()
        .map(|(i, t)| t + i as f64)
        .collect();
    let reversed: Vec<f64> = x.iter().map(|v| v + 1.0).rev().collect();
    // In a `vec!`'s elements (long mode seed 5003 `g35`: refused before).
    let listed = vec![
        x.iter()
            .map(|v| v * 2.0)
            .rev()
            .enumerate()
            .map(|(i, t)| t / (i as f64 + 1.0))
            .sum::<f64>(),
        0.5,
    ];
    let ramp = |s: &[f64]| {
        s.iter()
            .map(|v| v * 2.0)
            .enumerate()
            .map(|(i, v)| v * i as f64)
            .sum::<f64>()
    };
    let gate = if x
        .iter()
        .map(|v| v * 2.0)
        .enumerate()
        .map(|(i, v)| v * i as f64)
        .sum::<f64>()
        > 1.0
    {
        x[0]
    } else {
        x[1]
    };
    entropy
        + on_data
        + slopes
        + 0.1 * shifted.iter().map(|t| t * t).sum::<f64>()
        + reversed[0] * reversed[1]
        + ramp(x)
        + ramp(&x[1..])
        + gate
        + helper(x, &data)
        + listed[0] * listed[1]
}

/// A fold after a `filter` whose closure takes the reference off (`|a, &b| ..`), generic too.
#[gradient]
fn filtered_folds<T: Float>(x: &[T]) -> T {
    let kept = x
        .iter()
        .filter(|v| **v > T::zero())
        .fold(T::one(), |a, &b| a * (T::one() + b));
    let tail = if x.len() > 2 {
        x.iter()
            .skip(1)
            .filter(|v| **v < T::one())
            .fold(T::zero(), |a, &b| a + b * b)
    } else {
        T::one()
    };
    kept + tail
}

#[gradient]
fn helper(xs: &[f64], w: &[f64]) -> f64 {
    xs.iter()
        .map(|v| v.sin())
        .zip(w)
        .map(|(e, &wi)| e * wi)
        .sum()
}

#[gradient]
fn generic<T: Float>(x: &[T]) -> T {
    x.iter()
        .map(|&v| v * v)
        .enumerate()
        .map(|(i, t)| t / T::from(i + 1).unwrap())
        .fold(T::zero(), |a, b| a + b)
        + x.iter()
            .map(|v| v.sin())
            .rev()
            .enumerate()
            .map(|(i, s)| s * T::from(i).unwrap())
            .fold(T::zero(), |a, b| a + b)
}

#[derive(Clone, Debug, Params)]
struct Layer {
    w: Vec<f64>,
    b: f64,
}

impl Layer {
    #[gradient(wrt(self))]
    fn loss(&self, x: &[f64]) -> f64 {
        let fit: f64 = self
            .w
            .iter()
            .map(|w| w * self.b)
            .zip(x)
            .map(|(a, xi)| (a - xi).powi(2))
            .sum();
        let decay: f64 = self
            .w
            .iter()
            .map(|w| w * w)
            .enumerate()
            .map(|(i, q)| q / (i as f64 + 1.0))
            .sum();
        fit + 0.1 * decay
    }
}

#[test]
fn stages_then_numbering() {
    check("numbered", &numbered, &numbered_grad, &P);
}

#[test]
fn stages_then_pairing() {
    check("paired", &paired, &paired_grad, &P);
}

#[test]
fn filters_then_numbering() {
    check("after_filters", &after_filters, &after_filters_grad, &P);
}

#[test]
fn buffers_data_helpers_and_closures() {
    check("other_sources", &other_sources, &other_sources_grad, &P);
}

#[test]
fn generic_in_both_floats() {
    check("generic f64", &generic::<f64>, &generic_grad::<f64>, &P);
    let p32: Vec<f32> = P.iter().map(|&v| v as f32).collect();
    let mut d = vec![f32::NAN; 6];
    let v = generic_grad(&p32, &mut d);
    assert_eq!(v.to_bits(), generic(&p32).to_bits());
    let mut d64 = vec![0.0; 6];
    generic_grad(&P, &mut d64);
    for (a, b) in d.iter().zip(&d64) {
        assert!(
            (f64::from(*a) - b).abs() < 1e-4 * (1.0 + b.abs()),
            "{a} vs {b}"
        );
    }
}

#[test]
fn folds_after_filters() {
    check(
        "filtered_folds",
        &filtered_folds::<f64>,
        &filtered_folds_grad::<f64>,
        &P,
    );
}

#[test]
fn model_fields() {
    let m = Layer {
        w: vec![0.3, -0.8, 1.1],
        b: 0.7,
    };
    let x = [0.2, 0.5, -0.4];
    check_model("layer", &m, |m| m.loss(&x), |m, d| m.loss_grad(&x, d));
}
