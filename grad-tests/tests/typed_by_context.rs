//! Reductions written without a turbofish whose float type the context gives (issue 8, found by
//! a probe of realistic code): the values of an `if` or a `match` that is the function's value or
//! a typed `let`'s (`match mask { Some(m) => x.iter().zip(m).filter(..).map(..).sum(), None =>
//! .. }`), and a `return` inside a loop. Each against central finite differences, values equal
//! to the function's.

#![allow(clippy::needless_range_loop, clippy::needless_return)]

mod common;

use common::check;
use grad::gradient;

const P: [f64; 6] = [0.7, -1.2, 0.45, 1.9, -0.35, 0.55];

#[gradient(wrt(x))]
fn masked(x: &[f64], mask: Option<&[bool]>) -> f64 {
    match mask {
        Some(m) => x
            .iter()
            .zip(m)
            .filter(|(_, &k)| k)
            .map(|(v, _)| v * v)
            .sum(),
        None => x.iter().sum(),
    }
}

#[gradient(wrt(x))]
fn branches(x: &[f64], mode: u8) -> f64 {
    let kept: f64 = match mode {
        0 => x.iter().filter(|v| **v > 0.4).map(|v| v * v).sum(),
        1 => x.iter().map(|v| v.sin()).product(),
        _ => 0.5,
    };
    let tail: f64 = if x.len() > 3 {
        x[..3].iter().filter(|v| **v > 0.0).sum()
    } else {
        0.0
    };
    if mode == 2 {
        x.iter().map(|v| v.exp()).sum()
    } else {
        kept * tail
    }
}

#[gradient]
fn returns_in_loops(x: &[f64]) -> f64 {
    for i in 0..x.len() {
        if x[i] > 1.0 {
            return x.iter().skip(i).filter(|v| **v > -1.0).map(|v| v * v).sum();
        }
    }
    if x[1] < -5.0 {
        return x.iter().filter(|v| **v > 0.4).sum();
    }
    x[0]
}

#[test]
fn branch_values() {
    let mask = [true, false, true, true, false, false];
    check(
        "masked",
        &|x| masked(x, Some(&mask)),
        &|x, d| masked_grad(x, Some(&mask), d),
        &P,
    );
    check(
        "masked none",
        &|x| masked(x, None),
        &|x, d| masked_grad(x, None, d),
        &P,
    );
    for mode in 0..3 {
        check(
            "branches",
            &|x| branches(x, mode),
            &|x, d| branches_grad(x, mode, d),
            &P,
        );
    }
}

#[test]
fn return_values_in_loops() {
    check(
        "returns_in_loops",
        &returns_in_loops,
        &returns_in_loops_grad,
        &P,
    );
    let low = [0.2, 0.3, 0.1, -0.4, 0.5, 0.6];
    check(
        "returns_in_loops",
        &returns_in_loops,
        &returns_in_loops_grad,
        &low,
    );
}
