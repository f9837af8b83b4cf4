//! The Rust real losses are written in (issue 8), as far as it is supported: `match`, `loop`,
//! tuple `let`s and `sin_cos`, reductions over ranges. Each against hand-derived derivatives or
//! central finite differences, values bit for bit.

#![allow(
    clippy::match_same_arms,
    clippy::needless_range_loop,
    clippy::let_and_return,
    clippy::match_bool
)]

mod common;

use common::check_flat;
use grad::gradient;

fn check(what: &str, f: &dyn Fn(&[f64]) -> f64, v: f64, g: &[f64], p: &[f64]) {
    check_flat(what, p, f, v, g).unwrap();
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Fast,
    Slow,
    Other,
}

#[gradient]
fn match_int(x: f64, k: usize) -> f64 {
    match k {
        0 => x * x,
        1 | 2 => x.sin(),
        3..=5 if x > 0.0 => x.exp(),
        6 => {
            let y = x * 3.0;
            y * y
        }
        n => n as f64 * x,
    }
}

#[gradient]
fn match_enum_and_bool(x: f64, mode: Mode, flag: bool) -> f64 {
    let mut s = 0.0;
    match mode {
        Mode::Fast => s += x,
        Mode::Slow => {
            s += 2.0 * x;
        }
        _ => return x * x * x,
    }
    let y = match flag {
        true => s * x,
        false => s,
    };
    y
}

#[gradient]
fn match_in_loop(xs: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..xs.len() {
        match i % 3 {
            0 => s += xs[i] * xs[i],
            1 => s += xs[i].sin(),
            _ => continue,
        }
        s *= 0.9;
    }
    s
}

#[test]
fn match_on_integers_enums_and_bools() {
    for k in 0..8 {
        for x in [-0.7, 0.4, 1.3] {
            let (v, g) = match_int_grad(x, k);
            check("match_int", &|p: &[f64]| match_int(p[0], k), v, &g, &[x]);
        }
    }
    for mode in [Mode::Fast, Mode::Slow, Mode::Other] {
        for flag in [true, false] {
            let (v, g) = match_enum_and_bool_grad(0.7, mode, flag);
            check(
                "match_enum",
                &|p: &[f64]| match_enum_and_bool(p[0], mode, flag),
                v,
                &g,
                &[0.7],
            );
        }
    }
    let xs = [0.3, -0.2, 0.9, 1.1, 0.5];
    let mut d = [0.0; 5];
    let v = match_in_loop_grad(&xs, &mut d);
    check("match_in_loop", &match_in_loop, v, &d, &xs);
}

#[gradient]
fn loop_with_break(x: f64) -> f64 {
    let mut i = 0;
    let mut s = x;
    loop {
        s = s * 0.5 + x;
        i += 1;
        if i >= 4 {
            break;
        }
    }
    s
}

#[gradient]
fn fixed_point(a: f64) -> f64 {
    // x = cos(a x), iterated to convergence.
    let mut x: f64 = 0.5;
    let mut it = 0;
    loop {
        let next = (a * x).cos();
        let done = (next - x).abs() < 1e-13 || it > 200;
        x = next;
        it += 1;
        if done {
            break;
        }
    }
    x
}

#[test]
fn loops_with_break() {
    assert_eq!(loop_with_break_grad(0.7), (loop_with_break(0.7), [1.9375]));
    let (v, g) = fixed_point_grad(0.8);
    check("fixed_point", &|p: &[f64]| fixed_point(p[0]), v, &g, &[0.8]);
}

#[gradient]
fn tuples(x: f64, y: f64) -> f64 {
    let (a, (b, _)) = (x * y, (x + y, 3.0));
    let (s, c) = x.sin_cos();
    let (p, q): (f64, f64) = (a, b);
    let (a, b) = (b, a);
    p * q + s * c + a / (1.0 + b * b)
}

#[test]
fn tuple_lets_and_sin_cos() {
    let (v, g) = tuples_grad(0.7, 0.3);
    check(
        "tuples",
        &|p: &[f64]| tuples(p[0], p[1]),
        v,
        &g,
        &[0.7, 0.3],
    );
}

#[gradient]
fn range_reductions(x: f64, n: usize) -> f64 {
    let s = (0..n).map(|i| x * i as f64).sum::<f64>();
    let p = (1..=3).map(|i| x + f64::from(i)).product::<f64>();
    let f = (0..n).rev().fold(x, |acc, i| acc * 0.5 + i as f64);
    let e = (0..n).step_by(2).map(|i| (x * i as f64).sin()).sum::<f64>();
    s + p + f + e
}

#[test]
fn reductions_over_ranges() {
    for n in [0, 1, 4, 7] {
        let (v, g) = range_reductions_grad(0.7, n);
        check(
            "range_reductions",
            &|p: &[f64]| range_reductions(p[0], n),
            v,
            &g,
            &[0.7],
        );
    }
}

#[gradient]
fn local_closures(w: f64, b: f64, xs: &[f64]) -> f64 {
    let sigmoid = |z: f64| 1.0 / (1.0 + (-z).exp());
    let relu = |z: f64| -> f64 {
        if z > 0.0 {
            z
        } else {
            0.0
        }
    };
    let scale = 2.0 * w;
    let lin = |x| scale * x + b;
    let mut s = 0.0;
    for i in 0..xs.len() {
        s += sigmoid(lin(xs[i])) + relu(xs[i] * w);
    }
    s
}

#[test]
fn closures_defined_and_called_in_the_body() {
    let xs = [0.5, -1.0, 2.0];
    let mut d = [0.0; 3];
    let (v, [dw, db]) = local_closures_grad(0.7, 0.1, &xs, &mut d);
    let flat = |p: &[f64]| local_closures(p[0], p[1], &p[2..]);
    let mut p = vec![0.7, 0.1];
    p.extend_from_slice(&xs);
    let mut g = vec![dw, db];
    g.extend_from_slice(&d);
    check("local_closures", &flat, v, &g, &p);
}

/// Constant data of the user's types.
pub struct Config {
    pub l2: f64,
    pub pair: (f64, usize),
}

#[gradient(wrt(w))]
fn items_and_fields(w: &[f64], cfg: &Config) -> f64 {
    const SCALE: f64 = 0.5;
    use std::f64::consts::PI;
    #[gradient]
    fn sq(z: f64) -> f64 {
        z * z
    }
    let mut s = 0.0;
    for i in 0..w.len() {
        s += sq(w[i]) * cfg.l2 * SCALE + cfg.pair.0 * w[i] * PI;
    }
    s + cfg.pair.1 as f64
}

#[test]
fn items_in_the_body_and_fields_of_constant_data() {
    let cfg = Config {
        l2: 0.1,
        pair: (2.0, 3),
    };
    let w = [1.0, -2.0];
    let mut d = [0.0; 2];
    let v = items_and_fields_grad(&w, &cfg, &mut d);
    let flat = |p: &[f64]| items_and_fields(p, &cfg);
    check("items_and_fields", &flat, v, &d, &w);
}

/// A loss chosen by constant data of the user's enum.
#[derive(Clone, Copy)]
pub enum LossKind {
    Huber(f64),
    Square,
    Scaled { k: f64 },
}

#[gradient(wrt(x))]
fn enum_data(x: f64, kind: LossKind, weight: Option<f64>) -> f64 {
    let mut s = match kind {
        LossKind::Huber(d) => {
            if x.abs() < d {
                0.5 * x * x
            } else {
                d * (x.abs() - 0.5 * d)
            }
        }
        LossKind::Scaled { k } => k * x * x,
        LossKind::Square => x * x,
    };
    if let Some(w) = weight {
        s *= w;
    }
    s
}

#[test]
fn match_and_if_let_on_constant_data() {
    for kind in [
        LossKind::Huber(1.0),
        LossKind::Square,
        LossKind::Scaled { k: 3.0 },
    ] {
        for weight in [None, Some(2.0)] {
            for x in [0.7, -1.7] {
                let (v, g) = enum_data_grad(x, kind, weight);
                let flat = |p: &[f64]| enum_data(p[0], kind, weight);
                check("enum_data", &flat, v, &g, &[x]);
            }
        }
    }
}

fn positive(v: &f64) -> bool {
    *v > 0.0
}

#[gradient]
fn shared_references(x: f64, y: f64) -> f64 {
    let a = &x;
    let b = *a * y;
    let c = 2.0;
    if positive(&c) {
        b + *a
    } else {
        b
    }
}

#[test]
fn shared_references_to_floats() {
    let (v, g) = shared_references_grad(0.7, 0.3);
    check(
        "shared_references",
        &|p: &[f64]| shared_references(p[0], p[1]),
        v,
        &g,
        &[0.7, 0.3],
    );
}

// ---- Data of any shape, local buffers in iterator chains, `&f64` parameters -------------------

#[gradient]
fn square_ref(x: &f64) -> f64 {
    x * x + x.sin()
}

/// `&f64` parameters, and `&y` of a differentiated `y` passed to a helper that takes one.
#[gradient]
fn calls_square_ref(y: f64, z: &f64) -> f64 {
    square_ref(&y) * 2.0 + square_ref(z) + *z
}

#[gradient(wrt(a))]
fn scalar_refs_f32(a: &f32, b: &f32) -> f32 {
    a * b + a.exp()
}

#[test]
fn float_references_are_scalars() {
    let x = 3.0_f64;
    assert_eq!(square_ref_grad(&x), (square_ref(&x), [2.0 * x + x.cos()]));
    let p = [0.5, 1.5];
    let (v, g) = calls_square_ref_grad(p[0], &p[1]);
    let f = |p: &[f64]| calls_square_ref(p[0], &p[1]);
    check("calls_square_ref", &f, v, &g, &p);
    let (v, [da]) = scalar_refs_f32_grad(&0.5, &2.0);
    assert_eq!(v, scalar_refs_f32(&0.5, &2.0));
    assert!((da - (2.0 + 0.5f32.exp())).abs() < 1e-6);
}

/// Softmax cross-entropy as written with `collect` and a sum over the local buffer, and the
/// maximum by `fold(f64::NEG_INFINITY, f64::max)`.
#[gradient(wrt(w))]
fn softmax_ce(w: &[f64], target: usize) -> f64 {
    let m = w.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let exps: Vec<f64> = w.iter().map(|v| (v - m).exp()).collect();
    let s: f64 = exps.iter().sum();
    -(exps[target] / s).ln()
}

/// `to_vec`, `copied().fold` with a closure, a range collected, a product over a local buffer.
#[gradient]
fn local_buffer_chains(x: &[f64]) -> f64 {
    let sq: Vec<f64> = x.iter().map(|v| v * v).collect();
    let total: f64 = sq.iter().sum();
    let cp = x.to_vec();
    let m = cp.iter().copied().fold(0.0, |a: f64, b| a.max(b));
    let r: Vec<f64> = (0..x.len()).map(|i| x[i] * i as f64).collect();
    let q: f64 = r.iter().map(|v| v * 0.5 + 1.0).product();
    total.sqrt() + m + q
}

/// Constant data as tuples, rows of `Vec`s and fixed-size points, read by iterator chains.
#[gradient(wrt(a, b))]
fn fit_pairs(a: f64, b: f64, data: &[(f64, f64)]) -> f64 {
    data.iter()
        .map(|&(x, y)| (a * x + b - y).powi(2))
        .sum::<f64>()
}

#[gradient(wrt(w))]
fn fit_rows(w: &[f64], xs: &[Vec<f64>], ys: &[f64]) -> f64 {
    let mut s = 0.0;
    for (i, row) in xs.iter().enumerate() {
        let p: f64 = row.iter().zip(w).map(|(x, w)| x * w).sum();
        s += (p - ys[i]).powi(2);
    }
    s
}

#[gradient(wrt(w))]
fn fit_points(w: &[f64], pts: &[[f64; 3]]) -> f64 {
    let fold = pts.iter().fold(0.0, |acc, p| {
        acc + (w[0] * p[0] + w[1] * p[1] - p[2]).powi(2)
    });
    let mut s = 0.0;
    for p in pts {
        s += (w[0] * p[0] - p[2]).abs();
    }
    fold + s
}

#[test]
fn iterator_chains_over_local_buffers_and_data() {
    let w = [0.3, -0.8, 1.1];
    let mut d = [0.0; 3];
    let v = softmax_ce_grad(&w, 1, &mut d);
    check("softmax_ce", &|p| softmax_ce(p, 1), v, &d, &w);

    let mut d = [0.0; 3];
    let v = local_buffer_chains_grad(&w, &mut d);
    check(
        "local_buffer_chains",
        &|p| local_buffer_chains(p),
        v,
        &d,
        &w,
    );

    let data = [(1.0, 2.0), (0.5, -1.0), (-0.25, 0.75)];
    let (v, g) = fit_pairs_grad(0.3, 0.2, &data);
    check(
        "fit_pairs",
        &|p| fit_pairs(p[0], p[1], &data),
        v,
        &g,
        &[0.3, 0.2],
    );

    let rows = vec![vec![0.5, 1.0], vec![-0.3, 0.7], vec![0.2, -1.0]];
    let ys = [0.1, 0.4, -0.2];
    let w2 = [0.6, -0.4];
    let mut d = [0.0; 2];
    let v = fit_rows_grad(&w2, &rows, &ys, &mut d);
    check("fit_rows", &|p| fit_rows(p, &rows, &ys), v, &d, &w2);

    let pts = [[0.5, 1.0, -0.3], [0.7, 0.2, -1.0]];
    let mut d = [0.0; 2];
    let v = fit_points_grad(&w2, &pts, &mut d);
    check("fit_points", &|p| fit_points(p, &pts), v, &d, &w2);
}

#[gradient]
fn by_value_helper(a: f64) -> f64 {
    a * a
}

/// A `&f64` parameter shadowed by its value, then passed to a helper that takes a value (the
/// reference is passed on only while the name is the parameter; found by the differential tester).
#[gradient]
fn shadowed_ref_param(x: &f64, y: &f64) -> f64 {
    let x: f64 = *x;
    by_value_helper(x) + square_ref(y) + by_value_helper(*y)
}

#[test]
fn a_shadowed_reference_parameter_is_a_value() {
    let p = [0.7, -1.3];
    let (v, g) = shadowed_ref_param_grad(&p[0], &p[1]);
    let f = |p: &[f64]| shadowed_ref_param(&p[0], &p[1]);
    check("shadowed_ref_param", &f, v, &g, &p);
}

// ---- Pieces of slices, filters, extremes, `let … else` ----------------------------------------

/// A smoothness penalty and a second difference, by `windows`.
#[gradient]
fn smoothness(w: &[f64]) -> f64 {
    let first = w.windows(2).map(|p| (p[1] - p[0]).powi(2)).sum::<f64>();
    let mut second = 0.0;
    for t in w.windows(3) {
        second += (t[0] - 2.0 * t[1] + t[2]).powi(2) * t.len() as f64;
    }
    first + second
}

/// Pairs of a differentiated slice by `chunks` and `chunks_exact`, in loops and reductions.
#[gradient]
fn pieces(w: &[f64]) -> f64 {
    let mut t = 0.0;
    for c in w.chunks_exact(2) {
        t += c[0] * c[1];
    }
    let u: f64 = w.chunks(2).map(|c| c[0] * c.len() as f64).sum();
    let mut v = 0.0;
    for c in w.chunks(3) {
        v += c[c.len() - 1].sin();
    }
    t + u + v
}

/// `filter` and `take_while` before a reduction; `max_by`/`min_by` with `total_cmp` and
/// `partial_cmp`: the derivative of the element chosen.
#[gradient]
fn filters_and_extremes(x: &[f64]) -> f64 {
    let a = x.iter().filter(|v| **v > 0.0).map(|v| v * v).sum::<f64>();
    let b: f64 = x.iter().take_while(|&&v| v < 1.0).map(|&v| v.sin()).sum();
    let c = x.iter().copied().filter(|v| *v < 0.5).product::<f64>();
    let m = x.iter().cloned().max_by(|a, b| a.total_cmp(b)).unwrap();
    let n = x
        .iter()
        .copied()
        .min_by(|a, b| a.partial_cmp(b).unwrap())
        .unwrap();
    a + b + c + m * 2.0 - n * n
}

/// `let … else` on constant data, returning or continuing.
#[gradient]
fn let_else_forms(x: &[f64], k: Option<usize>, idx: &[usize]) -> f64 {
    let Some(n) = k else {
        return x[0] * 3.0;
    };
    let mut s = x[0] * n as f64;
    for i in 0..x.len() {
        let Some(&j) = idx.get(i) else {
            continue;
        };
        s += x[j] * x[i];
    }
    s
}

#[test]
fn pieces_filters_extremes_and_let_else() {
    let w = [0.3, -0.8, 1.1, 0.4, -0.2, 0.7];
    for len in [5, 6] {
        let p = &w[..len];
        let mut d = vec![0.0; len];
        let v = smoothness_grad(p, &mut d);
        check("smoothness", &|p| smoothness(p), v, &d, p);
        let mut d = vec![0.0; len];
        let v = pieces_grad(p, &mut d);
        check("pieces", &|p| pieces(p), v, &d, p);
        let mut d = vec![0.0; len];
        let v = filters_and_extremes_grad(p, &mut d);
        check(
            "filters_and_extremes",
            &|p| filters_and_extremes(p),
            v,
            &d,
            p,
        );
    }
    let idx = [2, 0, 1];
    for k in [Some(3), None] {
        let mut d = [0.0; 4];
        let x = [0.5, -1.5, 2.0, 0.25];
        let v = let_else_forms_grad(&x, k, &idx, &mut d);
        check("let_else_forms", &|p| let_else_forms(p, k, &idx), v, &d, &x);
    }
}

/// Labeled `continue` and `break` out of a nested loop, and a labeled `while`.
#[gradient]
fn labeled_loops(x: &[f64]) -> f64 {
    let mut s = 0.0;
    'outer: for i in 0..x.len() {
        for j in 0..x.len() {
            if j > i {
                continue 'outer;
            }
            if x[j] > 10.0 {
                break 'outer;
            }
            s += x[i] * x[j];
        }
        s += x[i];
    }
    'grow: while s < 100.0 {
        s = s * 2.0 + 1.0;
        if s > 5.0 {
            break 'grow;
        }
    }
    s
}

/// Labeled loops inside a block whose value is an array (lifted into the body's statements
/// before lowering), with a labeled `continue` from a `match` arm and a labeled `break`.
#[gradient]
fn labeled_loops_in_blocks(x: &[f64]) -> f64 {
    let p = {
        let mut acc = 0.0;
        'rows: for i in 0..x.len() {
            for j in 0..x.len() {
                match j {
                    0 if x[i] > 1.0 => continue 'rows,
                    _ => {}
                }
                if j > i {
                    continue 'rows;
                }
                acc += x[i] * x[j];
                if acc > 50.0 {
                    break 'rows;
                }
            }
        }
        [acc, x[0]]
    };
    p[0] * p[1] + p[0]
}

#[test]
fn labeled_jumps() {
    for x in [
        [0.3, -0.8, 1.1],
        [0.3, 12.0, 1.1],
        [2.0, 0.5, -1.0],
        [9.0, 7.0, 8.0],
    ] {
        let mut d = [0.0; 3];
        let v = labeled_loops_grad(&x, &mut d);
        check("labeled_loops", &|p| labeled_loops(p), v, &d, &x);
        let v = labeled_loops_in_blocks_grad(&x, &mut d);
        check(
            "labeled_loops_in_blocks",
            &|p| labeled_loops_in_blocks(p),
            v,
            &d,
            &x,
        );
    }
}

/// Small matrices as locals: a literal with differentiated entries, and one filled by loops.
#[gradient]
fn det2(x: f64, y: f64) -> f64 {
    let m = [[x, y], [y * 0.5, x]];
    m[0][0] * m[1][1] - m[0][1] * m[1][0]
}

#[gradient]
fn matrix_filled(w: &[f64], v: &[f64]) -> f64 {
    let mut a = [[0.0; 3]; 2];
    for i in 0..2 {
        for j in 0..3 {
            a[i][j] = w[i * 3 + j].tanh();
        }
    }
    let mut s = 0.0;
    for i in 0..a.len() {
        let mut r = 0.0;
        for j in 0..3 {
            r += a[i][j] * v[j];
        }
        s += r * r;
    }
    s
}

#[test]
fn small_matrices() {
    let p = [0.7, -1.2];
    let (v, g) = det2_grad(p[0], p[1]);
    check("det2", &|p| det2(p[0], p[1]), v, &g, &p);
    let w = [0.3, -0.8, 1.1, 0.5, 0.2, -0.4];
    let x = [1.0, -0.5, 0.25];
    let (mut dw, mut dx) = ([0.0; 6], [0.0; 3]);
    let v = matrix_filled_grad(&w, &x, &mut dw, &mut dx);
    let all = [&w[..], &x[..]].concat();
    let f = |p: &[f64]| matrix_filled(&p[..6], &p[6..]);
    check("matrix_filled", &f, v, &[&dw[..], &dx[..]].concat(), &all);
}

/// `let … else` with a type on the pattern (the rewrite once panicked on it; found by the fuzz).
#[gradient]
fn let_else_typed(x: f64, k: Option<usize>) -> f64 {
    let Some(n): Option<usize> = k else {
        return x;
    };
    x * n as f64
}

#[test]
fn let_else_with_a_type() {
    assert_eq!(let_else_typed_grad(2.0, Some(3)), (6.0, [3.0]));
    assert_eq!(let_else_typed_grad(2.0, None), (2.0, [1.0]));
}

// ---- Filters over zipped slices, rows zipped with a data slice by `&y` ----------------------

/// `filter` before a reduction over `a.iter().zip(b)`, with the pair taken as `(a, _)`,
/// `&(a, b)` and `(&a, &b)`; and rows zipped with a slice whose elements are bound by `&y`.
#[gradient]
fn zipped_filters(p: &[f64], q: &[f64]) -> f64 {
    let kl = p
        .iter()
        .zip(q)
        .filter(|(a, _)| **a > 0.0)
        .map(|(a, b)| a * (a / b).ln())
        .sum::<f64>();
    let masked = p
        .iter()
        .zip(q.iter())
        .filter(|&(a, b)| *a + *b < 2.0)
        .map(|(&a, &b)| (a - b).powi(2))
        .product::<f64>();
    kl + masked
}

#[gradient]
fn rows_zipped_by_value(w: &[f64], xs: &[[f64; 2]], ys: &[f64]) -> f64 {
    let mut loss = 0.0;
    for (x, &y) in xs.iter().zip(ys) {
        let z = w[0] * x[0] + w[1] * x[1];
        loss += (z - y).powi(2);
    }
    loss
}

#[test]
fn filters_over_zips_and_rows_zipped_by_value() {
    let (p, q) = ([0.5, -0.2, 0.9, 0.3], [0.4, 0.6, 0.7, 1.9]);
    let (mut dp, mut dq) = ([0.0; 4], [0.0; 4]);
    let v = zipped_filters_grad(&p, &q, &mut dp, &mut dq);
    assert_eq!(v.to_bits(), zipped_filters(&p, &q).to_bits());
    common::close("p", &dp, &common::fd_all(&|x| zipped_filters(x, &q), &p));
    common::close("q", &dq, &common::fd_all(&|x| zipped_filters(&p, x), &q));
    let (w, xs, ys) = (
        [0.5, -0.3],
        [[1.0, 2.0], [-0.5, 0.25], [0.1, 0.2]],
        [0.3, 0.7, -0.1],
    );
    let (mut dw, mut dxs, mut dys) = ([0.0; 2], [[0.0; 2]; 3], [0.0; 3]);
    let v = rows_zipped_by_value_grad(&w, &xs, &ys, &mut dw, &mut dxs, &mut dys);
    assert_eq!(v.to_bits(), rows_zipped_by_value(&w, &xs, &ys).to_bits());
    common::close(
        "w",
        &dw,
        &common::fd_all(&|x| rows_zipped_by_value(x, &xs, &ys), &w),
    );
    common::close(
        "ys",
        &dys,
        &common::fd_all(&|x| rows_zipped_by_value(&w, &xs, x), &ys),
    );
    let flat: Vec<f64> = xs.iter().flatten().copied().collect();
    let got: Vec<f64> = dxs.iter().flatten().copied().collect();
    let want = common::fd_all(
        &|x| {
            let rows: Vec<[f64; 2]> = x.chunks(2).map(|c| [c[0], c[1]]).collect();
            rows_zipped_by_value(&w, &rows, &ys)
        },
        &flat,
    );
    common::close("xs", &got, &want);
}
