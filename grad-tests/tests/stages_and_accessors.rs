//! Iterator stages that drop, stop or carry state (`filter_map`, `scan`, `map_while`,
//! `skip_while`), `Option`s of data read with a differentiated default (`d.unwrap_or(fill)`),
//! accessor closures that return a part, an array or a `Vec` (issue 8, found by a probe of
//! realistic code), values of blocks and arrays iterated where they are written, `into_iter` of
//! buffers the body owns, and `let v = if c { a } else { continue };`. Each against central finite
//! differences, values equal to the function's.

#![allow(
    clippy::needless_range_loop,
    clippy::cast_precision_loss,
    clippy::unnecessary_filter_map,
    clippy::redundant_closure_for_method_calls,
    clippy::manual_flatten,
    clippy::bool_to_int_with_if,
    clippy::iter_skip_zero,
    clippy::useless_vec,
    clippy::filter_map_bool_then,
    clippy::needless_late_init
)]

mod common;

use common::{check, check_flat};
use grad::gradient;

const P: [f64; 6] = [0.7, -1.2, 0.4, 1.9, -0.3, 0.55];

/// `filter_map` with `Some`/`None` in branches, `then`, `then_some`, and an `Option` of data
/// mapped; in a sum, a fold, a `for` loop and a `collect`.
#[gradient(wrt(w))]
fn filter_maps(w: &[f64], x: &[f64], mask: &[Option<f64>], t: f64) -> f64 {
    let masked: f64 = w
        .iter()
        .zip(x)
        .enumerate()
        .filter_map(|(i, (wi, xi))| mask[i].map(|scale| scale * wi * xi))
        .sum();
    let positive: f64 = w
        .iter()
        .filter_map(|&v| if v > t { Some(v * v) } else { None })
        .sum();
    let folded = w
        .iter()
        .filter_map(|v| (*v < 1.0).then(|| v.sin()))
        .fold(0.5, |acc, s| acc * 0.9 + s);
    let mut looped = 0.0;
    for l in w.iter().filter_map(|v| (*v > -1.0).then_some(v.exp())) {
        looped += l;
    }
    let kept: Vec<f64> = w
        .iter()
        .enumerate()
        .filter_map(|(i, &v)| {
            let s = v * x[i];
            if i % 2 == 0 {
                Some(s + 1.0)
            } else {
                None
            }
        })
        .collect();
    masked + positive + folded + 0.1 * looped + kept.iter().map(|k| k * k).sum::<f64>()
}

/// `scan` as a running sum and a running product (its state lent to the closure, `None` stopping
/// it), `map_while` and `skip_while`.
#[gradient(wrt(spend))]
fn running(spend: &[f64], budget: f64) -> f64 {
    let over: f64 = spend
        .iter()
        .scan(0.0, |acc, &s| {
            *acc += s;
            Some(*acc)
        })
        .map(|r| (r - budget).max(0.0).powi(2))
        .sum();
    let products: Vec<f64> = spend
        .iter()
        .scan(1.0, |p: &mut f64, v| {
            *p *= 0.5 + v * v;
            if *p > 50.0 {
                None
            } else {
                Some(*p)
            }
        })
        .collect();
    let mut tail = 0.0;
    for v in spend.iter().skip_while(|v| **v > 0.0).map(|v| v * 3.0) {
        tail += v.cos();
    }
    let head = spend
        .iter()
        .map_while(|&v| if v > -1.0 { Some(v.tanh()) } else { None })
        .sum::<f64>();
    over + products.iter().sum::<f64>() + tail + head
}

#[test]
fn stages_that_drop_stop_or_carry_state() {
    let x = [1.0, 2.0, -0.5, 0.25, 3.0, -1.5];
    let mask = [Some(1.0), None, Some(-2.0), Some(0.5), None, Some(3.0)];
    for t in [-0.5, 0.45, 2.5] {
        check(
            "filter_maps",
            &|p| filter_maps(p, &x, &mask, t),
            &|p, d| filter_maps_grad(p, &x, &mask, t, d),
            &P,
        );
    }
    for budget in [-1.0, 0.5, 3.0] {
        let mut q = P;
        check(
            "running",
            &|p| running(p, budget),
            &|p, d| running_grad(p, budget, d),
            &q,
        );
        q.reverse();
        check(
            "running reversed",
            &|p| running(p, budget),
            &|p, d| running_grad(p, budget, d),
            &q,
        );
    }
}

/// Missing data filled with a parameter: `d.unwrap_or(fill)` of items, elements and fields.
#[gradient(wrt(fill, mu))]
fn impute(fill: f64, mu: f64, data: &[Option<f64>]) -> f64 {
    let a: f64 = data
        .iter()
        .map(|d| d.unwrap_or(fill))
        .map(|x| (x - mu).powi(2))
        .sum();
    let mut b = 0.0;
    for i in 0..data.len() {
        b += (data[i].unwrap_or(fill * 2.0) * mu).sin();
    }
    let mut c = 0.0;
    for d in data {
        c += d.unwrap_or_else(|| mu - fill) + d.unwrap_or_default() * mu;
    }
    a + b + c
}

/// An `Option` holding a differentiated value, read with a default: the derivative is that of
/// the value it holds.
#[gradient]
fn held(x: f64, y: f64) -> f64 {
    let o = if x > 0.0 { Some(x * y) } else { None };
    let p: Option<f64> = if y > 0.0 { Some(y.exp()) } else { None };
    o.unwrap_or(y) + p.unwrap_or(x * x)
}

#[test]
fn options_of_data_with_differentiated_defaults() {
    let data = [Some(1.0), None, Some(-0.5), None, Some(2.5)];
    for (f, m) in [(0.3, 1.1), (-1.4, 0.2), (2.0, -0.7)] {
        check(
            "impute",
            &|p| impute(p[0], p[1], &data),
            &|p, d| {
                let (v, g) = impute_grad(p[0], p[1], &data);
                d.copy_from_slice(&g);
                v
            },
            &[f, m],
        );
    }
    for (x, y) in [(0.5, 0.7), (-0.5, 0.7), (0.5, -0.7), (-0.5, -0.7)] {
        check(
            "held",
            &|p| held(p[0], p[1]),
            &|p, d| {
                let (v, g) = held_grad(p[0], p[1]);
                d.copy_from_slice(&g);
                v
            },
            &[x, y],
        );
    }
}

/// A closure returning a part of the parameter (a row of an embedding), read by `iter`, `zip`
/// and in a `for` loop.
#[gradient(wrt(emb))]
fn rows_by_accessor(emb: &[f64], pairs: &[(usize, usize)], dim: usize) -> f64 {
    let row = |i: usize| &emb[i * dim..(i + 1) * dim];
    let mut extra = 0.0;
    for &(a, _) in pairs {
        for v in row(a) {
            extra += v * v;
        }
    }
    pairs
        .iter()
        .map(|&(a, b)| {
            row(a)
                .iter()
                .zip(row(b))
                .map(|(x, y)| (x - y).powi(2))
                .sum::<f64>()
        })
        .sum::<f64>()
        + 0.5 * extra
        + row(1)[0]
}

/// A closure returning a small array (a vertex), as an expression and as a block.
#[gradient(wrt(positions))]
fn edges_by_accessor(positions: &[f64], edges: &[(usize, usize)]) -> f64 {
    let vertex = |i: usize| [positions[3 * i], positions[3 * i + 1], positions[3 * i + 2]];
    let scaled = |i: usize| {
        let b = 3 * i;
        [positions[b] * 2.0, positions[b + 1] - 1.0]
    };
    edges
        .iter()
        .map(|&(a, b)| {
            let (p, q) = (vertex(a), vertex(b));
            let s = scaled(a);
            ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2) + (p[2] - q[2]).powi(2)).sqrt()
                + s[0] * s[1]
        })
        .sum()
}

/// A closure building and returning a `Vec` (a mean-pooled embedding), iterated at its call.
#[gradient(wrt(table))]
fn pooled(table: &[f64], dim: usize, ids: &[usize]) -> f64 {
    let pool = |ids: &[usize]| -> Vec<f64> {
        let mut acc = vec![0.0; dim];
        for &id in ids {
            for (j, slot) in acc.iter_mut().enumerate() {
                *slot += table[id * dim + j];
            }
        }
        acc.iter().map(|v| v / ids.len() as f64).collect()
    };
    pool(ids).iter().map(|v| v * v).sum::<f64>() + pool(&ids[..1]).iter().sum::<f64>()
}

#[test]
fn accessor_closures_returning_parts_arrays_and_vecs() {
    let pairs = [(0, 1), (1, 2), (2, 0)];
    check(
        "rows_by_accessor",
        &|p| rows_by_accessor(p, &pairs, 2),
        &|p, d| rows_by_accessor_grad(p, &pairs, 2, d),
        &P,
    );
    let edges = [(0, 1), (1, 0)];
    check(
        "edges_by_accessor",
        &|p| edges_by_accessor(p, &edges),
        &|p, d| edges_by_accessor_grad(p, &edges, d),
        &P,
    );
    let ids = [2, 0, 1];
    check(
        "pooled",
        &|p| pooled(p, 2, &ids),
        &|p, d| pooled_grad(p, 2, &ids, d),
        &P,
    );
}

/// Values of blocks (a buffer, an array) and arrays iterated where they are written; `into_iter`
/// of buffers the body owns.
#[gradient]
fn blocks_and_arrays(x: f64, y: f64, w: &[f64]) -> f64 {
    let v: Vec<f64> = {
        let mut acc = vec![0.0; w.len()];
        for i in 0..w.len() {
            acc[i] = w[i] * x;
        }
        acc.iter().map(|a| a + y).collect()
    };
    let p = {
        let s = x + y;
        [s, s * s, x]
    };
    let arr =
        [x, y, x * y].into_iter().map(|t| t.sin()).sum::<f64>() + [x, 2.0 * y].iter().sum::<f64>();
    let owned: Vec<f64> = w.iter().map(|t| t.exp()).collect();
    let z: f64 = owned.iter().sum();
    let soft: Vec<f64> = owned.into_iter().map(|e| e / z).collect();
    let fixed = [1.5, -0.5, 2.0];
    let mixed: f64 = fixed.into_iter().zip(w).map(|(a, b)| a * b).sum();
    v.iter().sum::<f64>() + p[1] * p[2] + arr + soft[0] + mixed
}

#[test]
fn values_of_blocks_arrays_and_owned_buffers() {
    let w = [0.3, -0.8, 1.1];
    for (x, y) in [(0.5, 0.25), (-1.0, 2.0)] {
        check(
            "blocks_and_arrays",
            &|p| blocks_and_arrays(p[0], p[1], &p[2..]),
            &|p, d| {
                let (a, rest) = d.split_at_mut(2);
                let (v, [gx, gy]) = blocks_and_arrays_grad(p[0], p[1], &p[2..], rest);
                a.copy_from_slice(&[gx, gy]);
                v
            },
            &[x, y, w[0], w[1], w[2]],
        );
    }
}

/// `let v = if c { a } else { continue };` and `match` arms that `break`, at several depths.
#[gradient]
fn jumping_values(w: &[f64], limit: f64) -> f64 {
    let mut s = 0.0;
    for (i, &v) in w.iter().enumerate() {
        let kept = if v > -1.0 { v * v } else { continue };
        let scaled = match i {
            0 => kept * 2.0,
            4 => break,
            _ => {
                if kept > limit * limit {
                    continue;
                }
                kept + v
            }
        };
        s += scaled;
    }
    let mut k = 0;
    loop {
        let step = if k < w.len() { w[k].sin() } else { break };
        s += step * limit;
        k += 1;
    }
    s
}

/// The value of a branch that returns from the function.
#[gradient]
fn returning_value(x: f64, y: f64, k: usize) -> f64 {
    let t = if x > 0.0 { x * y } else { return y.sin() };
    let u = match k {
        0 => return t + 1.0,
        _ => t.exp(),
    };
    u * 2.0
}

#[test]
fn values_of_branches_that_jump() {
    for (x, y, k) in [(0.5, 0.7, 0), (-0.5, 0.7, 1), (0.01, 0.5, 2)] {
        check(
            "returning_value",
            &|p| returning_value(p[0], p[1], k),
            &|p, d| {
                let (v, g) = returning_value_grad(p[0], p[1], k);
                d.copy_from_slice(&g);
                v
            },
            &[x, y],
        );
    }
    for limit in [0.5, 1.5] {
        check(
            "jumping_values",
            &|p| jumping_values(&p[..6], p[6]),
            &|p, d| {
                let (dw, dl) = d.split_at_mut(6);
                let (v, [g]) = jumping_values_grad(&p[..6], p[6], dw);
                dl[0] = g;
                v
            },
            &[P[0], P[1], P[2], P[3], P[4], P[5], limit],
        );
    }
}

/// Rows bound through a tuple (`let (a, b, c) = (w[0], w[1], w[2]);` of `windows` of rows, `let
/// (va, vb) = (&vecs[a], &vecs[b]);` of ragged rows).
#[gradient(wrt(path))]
fn turning_penalty(path: &[[f64; 2]]) -> f64 {
    path.windows(3)
        .map(|w| {
            let (a, b, c) = (w[0], w[1], w[2]);
            let d1 = [b[0] - a[0], b[1] - a[1]];
            let d2 = [c[0] - b[0], c[1] - b[1]];
            1.0 - (d1[0] * d2[0] + d1[1] * d2[1]) / (d1[0].hypot(d1[1]) * d2[0].hypot(d2[1]))
        })
        .sum()
}

#[gradient(wrt(vecs))]
fn cosine_pairs(vecs: &[Vec<f64>], pairs: &[(usize, usize, f64)]) -> f64 {
    pairs
        .iter()
        .map(|&(a, b, sim)| {
            let (va, vb) = (&vecs[a], &vecs[b]);
            let dot: f64 = va.iter().zip(vb.iter()).map(|(x, y)| x * y).sum();
            (dot - sim).powi(2)
        })
        .sum()
}

/// A slice padded by `once(..).chain(..)` into a collected buffer.
#[gradient]
fn padded_chain(positions: &[f64], left: f64, right: f64) -> f64 {
    let full: Vec<f64> = std::iter::once(left)
        .chain(positions.iter().copied())
        .chain(std::iter::once(right))
        .collect();
    let scaled = std::iter::once(left * 2.0)
        .chain(positions.iter().map(|p| p * right))
        .collect::<Vec<f64>>();
    full.windows(2)
        .map(|p| 0.5 * (p[1] - p[0] - 1.0).powi(2))
        .sum::<f64>()
        + scaled.iter().sum::<f64>()
}

#[test]
fn rows_through_tuples_and_padded_chains() {
    let path = vec![[0.0, 0.1], [1.1, 0.3], [1.9, 1.2], [2.2, 2.5]];
    let mut d = vec![[f64::NAN; 2]; 4];
    let v = turning_penalty_grad(&path, &mut d);
    let flat: Vec<f64> = path.iter().flatten().copied().collect();
    let dflat: Vec<f64> = d.iter().flatten().copied().collect();
    let unflat = |p: &[f64]| -> Vec<[f64; 2]> { p.chunks(2).map(|c| [c[0], c[1]]).collect() };
    check_flat(
        "turning_penalty",
        &flat,
        &|p: &[f64]| turning_penalty(&unflat(p)),
        v,
        &dflat,
    )
    .unwrap();

    let vecs = vec![
        vec![0.5, -0.3, 0.2],
        vec![0.1, 0.4, -0.6],
        vec![0.7, 0.2, 0.9],
    ];
    let pairs = [(0, 1, 0.2), (1, 2, -0.1), (2, 0, 0.5)];
    let mut d = vec![vec![f64::NAN; 3]; 3];
    let v = cosine_pairs_grad(&vecs, &pairs, &mut d);
    let flat: Vec<f64> = vecs.iter().flatten().copied().collect();
    let dflat: Vec<f64> = d.iter().flatten().copied().collect();
    let unflat = |p: &[f64]| -> Vec<Vec<f64>> { p.chunks(3).map(<[f64]>::to_vec).collect() };
    check_flat(
        "cosine_pairs",
        &flat,
        &|p: &[f64]| cosine_pairs(&unflat(p), &pairs),
        v,
        &dflat,
    )
    .unwrap();

    check(
        "padded_chain",
        &|p| padded_chain(&p[..4], p[4], p[5]),
        &|p, d| {
            let (dx, rest) = d.split_at_mut(4);
            let (v, [gl, gr]) = padded_chain_grad(&p[..4], p[4], p[5], dx);
            rest.copy_from_slice(&[gl, gr]);
            v
        },
        &[0.3, 1.4, 2.2, 3.1, -0.5, 4.0],
    );
}

/// Pieces of a differentiated slice zipped after another slice's elements (attention's weighted
/// sum of value rows).
#[gradient(wrt(values))]
fn weighted_rows(weights: &[f64], values: &[f64], d: usize) -> f64 {
    let mut out = vec![0.0; d];
    for (w, v) in weights.iter().zip(values.chunks(d)) {
        for (o, vi) in out.iter_mut().zip(v) {
            *o += w * vi;
        }
    }
    out.iter().map(|o| o * o).sum()
}

#[test]
fn pieces_zipped_after_elements() {
    let weights = [0.5, -1.5, 2.0];
    check(
        "weighted_rows",
        &|p| weighted_rows(&weights, p, 2),
        &|p, d| weighted_rows_grad(&weights, p, 2, d),
        &P,
    );
    // Fewer weights than pieces: the zip stops at the shorter.
    check(
        "weighted_rows short",
        &|p| weighted_rows(&weights[..2], p, 2),
        &|p, d| weighted_rows_grad(&weights[..2], p, 2, d),
        &P,
    );
}

/// Iterators held in locals and consumed later (chained, cloned), and `for` over a `map`.
#[gradient(wrt(params))]
fn stored_iterators(params: &[f64], scale: f64, prior: &[f64]) -> f64 {
    let residuals = params.iter().map(|p| (p - 1.0) * scale);
    let deviations = params.iter().zip(prior).map(|(p, q)| p - q);
    let mut looped = 0.0;
    for r in params.iter().map(|p| p * p) {
        looped += r.sin();
    }
    residuals.chain(deviations).map(|r| r * r).sum::<f64>() + looped
}

#[gradient]
fn log_sum_exp(logits: &[f64]) -> f64 {
    let vals = logits.iter().copied();
    let max = vals.clone().fold(f64::NEG_INFINITY, f64::max);
    max + vals.map(|v| (v - max).exp()).sum::<f64>().ln()
}

#[test]
fn iterators_held_in_locals() {
    let prior = [0.5, 0.5, -1.0, 2.0, 0.0, 1.0];
    check(
        "stored_iterators",
        &|p| stored_iterators(p, 0.7, &prior),
        &|p, d| stored_iterators_grad(p, 0.7, &prior, d),
        &P,
    );
    check(
        "log_sum_exp",
        &|p| log_sum_exp(p),
        &|p, d| log_sum_exp_grad(p, d),
        &P,
    );
}

/// A state vector started from a row of data and assigned whole from an array literal (an ODE
/// integrated by Euler steps).
#[gradient(wrt(alpha, beta))]
fn lotka_volterra(alpha: f64, beta: f64, obs: &[[f64; 2]], dt: f64) -> f64 {
    let mut state = obs[0];
    for _ in 0..10 {
        let [prey, pred] = state;
        state = [
            prey + dt * (alpha * prey - beta * prey * pred),
            pred + dt * (beta * prey * pred - pred),
        ];
    }
    (state[0] - obs[1][0]).powi(2) + (state[1] - obs[1][1]).powi(2)
}

#[test]
fn state_vectors_started_from_data() {
    let obs = [[1.0, 0.5], [1.2, 0.4]];
    check(
        "lotka_volterra",
        &|p| lotka_volterra(p[0], p[1], &obs, 0.1),
        &|p, d| {
            let (v, g) = lotka_volterra_grad(p[0], p[1], &obs, 0.1);
            d.copy_from_slice(&g);
            v
        },
        &[0.7, 1.3],
    );
}

/// Each element with the one after it, wrapping around (`x.iter().zip(x.iter().cycle().skip(1))`,
/// a polygon's edges), over a slice and over rows, in a reduction and a `for`; an array
/// destructured from a helper's value; a typed `fold` accumulator; `scan` after `chunks`.
#[gradient]
fn cyclic_slice(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for (&a, b) in x.iter().zip(x.iter().cycle().skip(2)) {
        s += a * b.sin();
    }
    s + x
        .iter()
        .zip(x.iter().cycle().skip(1))
        .map(|(a, b)| a * b)
        .sum::<f64>()
}

#[gradient]
fn polygon_area(p: &[(f64, f64)]) -> f64 {
    0.5 * p
        .iter()
        .zip(p.iter().cycle().skip(1))
        .map(|(a, b)| a.0 * b.1 - b.0 * a.1)
        .sum::<f64>()
}

#[gradient]
fn rotated(x: f64, t: f64) -> [f64; 2] {
    [x * t.cos(), x * t.sin()]
}

#[gradient(wrt(x, t))]
fn destructured(x: f64, t: f64, c: &[f64]) -> f64 {
    let [a, b] = rotated(x, t);
    let horner = c.iter().rev().fold(0.0, |acc: f64, &k| acc.mul_add(a, k));
    let runs: Vec<f64> = c
        .chunks(2)
        .map(|p| p[0] * b)
        .scan(0.0, |s, v| {
            *s += v;
            Some(*s)
        })
        .collect();
    a * b + horner + runs.iter().sum::<f64>()
}

#[test]
fn cyclic_pairs_destructured_arrays_and_typed_folds() {
    check(
        "cyclic_slice",
        &|p| cyclic_slice(p),
        &|p, d| cyclic_slice_grad(p, d),
        &P,
    );
    let pts = vec![(0.0, 0.0), (2.0, 0.1), (2.2, 1.9), (-0.1, 2.1)];
    let mut d = vec![(f64::NAN, f64::NAN); 4];
    let v = polygon_area_grad(&pts, &mut d);
    let flat: Vec<f64> = pts.iter().flat_map(|&(a, b)| [a, b]).collect();
    let dflat: Vec<f64> = d.iter().flat_map(|&(a, b)| [a, b]).collect();
    let unflat = |p: &[f64]| -> Vec<(f64, f64)> { p.chunks(2).map(|c| (c[0], c[1])).collect() };
    check_flat(
        "polygon_area",
        &flat,
        &|p: &[f64]| polygon_area(&unflat(p)),
        v,
        &dflat,
    )
    .unwrap();
    let c = [0.5, -1.0, 2.0, 0.25, 1.5];
    check(
        "destructured",
        &|p| destructured(p[0], p[1], &c),
        &|p, d| {
            let (v, g) = destructured_grad(p[0], p[1], &c);
            d.copy_from_slice(&g);
            v
        },
        &[0.8, 0.3],
    );
}

/// Pieces taken backwards or every other one (`windows(2).step_by(2)`, `.enumerate().rev()`,
/// `.rev().map(..)`), in `for` loops and reductions.
#[gradient]
fn adapted_pieces(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for w in x.windows(2).step_by(2) {
        s += w[0] * w[1];
    }
    for (i, w) in x.windows(3).enumerate().rev() {
        s += (i as f64 + 1.0) * w[0] * w[2];
    }
    for c in x.chunks(2).rev().step_by(2) {
        s += c[0].sin();
    }
    s + x
        .windows(2)
        .rev()
        .map(|w| w[0] - w[1])
        .fold(0.0, |a, d| a * 0.5 + d)
}

#[test]
fn pieces_backwards_and_stepped() {
    check(
        "adapted_pieces",
        &|p| adapted_pieces(p),
        &|p, d| adapted_pieces_grad(p, d),
        &P,
    );
    check(
        "adapted_pieces odd",
        &|p| adapted_pieces(p),
        &|p, d| adapted_pieces_grad(p, d),
        &P[..5],
    );
}

/// Points regrouped from a flat parameter slice (`chunks_exact(2).map(|c| [c[0], c[1]])`) and
/// arrays made per element, collected into a local `Vec<[f64; 2]>`.
#[gradient(wrt(ctrl, s))]
fn regrouped(ctrl: &[f64], s: f64) -> f64 {
    let pts: Vec<[f64; 2]> = ctrl.chunks_exact(2).map(|c| [c[0], c[1]]).collect();
    let made = ctrl
        .iter()
        .map(|v| [v * s, v.sin()])
        .collect::<Vec<[f64; 2]>>();
    let mut t = 0.0;
    for p in &made {
        t += p[0] * p[1];
    }
    pts[0][0].hypot(pts[0][1]) + pts.iter().map(|p| p[0] * p[1]).sum::<f64>() + t
}

#[test]
fn arrays_collected_into_local_matrices() {
    check(
        "regrouped",
        &|p| regrouped(&p[..6], p[6]),
        &|p, d| {
            let (dc, ds) = d.split_at_mut(6);
            let (v, [g]) = regrouped_grad(&p[..6], p[6], dc);
            ds[0] = g;
            v
        },
        &[P[0], P[1], P[2], P[3], P[4], P[5], 0.7],
    );
}

/// Forms of tests transcribed from JAX (`while_loop`, `scan` with an RNN state): a copy of a
/// parameter under its own name rebuilt from a map, concatenation by `chain(..).copied()
/// .collect()`, and a clone grown by `extend_from_slice`.
#[gradient]
fn transcribed_concats(x: &[f64], w: &[f64]) -> f64 {
    let mut x = x.to_vec();
    for _ in 0..2 {
        x = x.iter().map(|v| v * v * 0.5 + 0.25).collect();
    }
    let stacked: Vec<f64> = w.iter().chain(x.iter()).copied().collect();
    let state = vec![w[0], w[1] * 2.0];
    let mut grown = state.clone();
    grown.extend_from_slice(&x);
    stacked.iter().map(|v| v.sin()).sum::<f64>() + grown.iter().sum::<f64>() + x[0]
}

#[test]
fn concatenations_and_copies_named_as_parameters() {
    check(
        "transcribed_concats",
        &|p| transcribed_concats(&p[..3], &p[3..]),
        &|p, d| {
            let (dx, dw) = d.split_at_mut(3);
            transcribed_concats_grad(&p[..3], &p[3..], dx, dw)
        },
        &P,
    );
}

/// A list chosen by a branch (`let z = if c { vec![..] } else { vec![..] };`, arrays, `else if`),
/// as JAX's `cond` tests are transcribed.
#[gradient]
fn chosen_lists(x: &[f64], t: f64) -> f64 {
    let z: Vec<f64> = if x[0] < t {
        vec![x[0], 2.0 * x[1]]
    } else {
        vec![x[0].sin(), x[1].sin()]
    };
    let a = if t > 0.0 {
        [t, x[2] * 2.0]
    } else if x[2] > 0.0 {
        [x[2], t]
    } else {
        [t * x[2], 1.0]
    };
    z.iter().sum::<f64>() + a[0] * a[1]
}

#[test]
fn lists_chosen_by_branches() {
    for t in [-0.5, 0.65, 1.5] {
        check(
            "chosen_lists",
            &|p| chosen_lists(&p[..3], p[3]),
            &|p, d| {
                let (dx, dt) = d.split_at_mut(3);
                let (v, [g]) = chosen_lists_grad(&p[..3], p[3], dx);
                dt[0] = g;
                v
            },
            &[P[0], P[1], P[2], t],
        );
    }
}

/// A part indexed where it is written, and an array literal indexed (both were errors).
#[gradient]
fn indexed_in_place(xs: &[f64]) -> f64 {
    xs[1..3][0] * xs[0] + 2.0 * [xs[0], 1.0][0] + (&xs[2..])[1] * [xs[1], xs[0] * 3.0][1]
}

#[test]
fn parts_and_arrays_indexed_where_written() {
    check(
        "indexed_in_place",
        &|p| indexed_in_place(p),
        &|p, d| indexed_in_place_grad(p, d),
        &P,
    );
}

/// Lists of pieces (`let pts: Vec<&[f64]> = x.chunks_exact(2).collect();`) read as a list: a
/// `for` over it, its `windows`, its length, `pts[i][j]`, a chain over `pts.iter()`, a zip with
/// it; from `chunks`, `chunks_exact` and `windows`.
#[gradient(wrt(x))]
fn piece_lists(x: &[f64], y: &[f64]) -> f64 {
    let pts: Vec<&[f64]> = x.chunks_exact(2).collect();
    let mut s = 0.0;
    for w in pts.windows(2) {
        let dx = w[1][0] - w[0][0];
        let dy = w[1][1] - w[0][1];
        s += (dx * dx + dy * dy).sqrt();
    }
    s += pts[0][1] * pts.len() as f64 + pts.iter().map(|p| p[0] * p[1]).sum::<f64>();
    let rows = x.chunks(4).collect::<Vec<_>>();
    for (r, &t) in rows.iter().zip(y) {
        s += (r.iter().sum::<f64>() - t).powi(2);
    }
    for i in 0..rows.len() {
        if rows[i].len() > 2 {
            s += rows[i][2] * rows[i].len() as f64;
        }
    }
    let wins: Vec<_> = x.windows(3).collect();
    for p in &wins {
        s += p[0] * p[2];
    }
    s + wins[wins.len() - 1][1]
}

/// Ranges held in names: a parameter `r: Range<usize>` (and `RangeInclusive`), a local
/// `let r = a..b;`, read as `x[r.clone()]`, `x[r]`, `for i in r.clone()`, `r.clone().map(..)`;
/// and the length of a part (`x[a..b].len()`).
#[gradient(wrt(x))]
fn held_ranges(x: &[f64], r: std::ops::Range<usize>, q: &std::ops::RangeInclusive<usize>) -> f64 {
    let a = r.start;
    let near = a..a + 2;
    let s: f64 = x[near.clone()].iter().sum();
    let mut t = 0.0;
    for i in near.clone() {
        t += x[i] * x[i];
    }
    for i in q.clone() {
        t += x[i].sin();
    }
    let u = x[r.clone()].iter().map(|v| v.exp()).sum::<f64>() + x[q.clone()].len() as f64;
    let whole = 0..3;
    s * t
        + near.clone().map(|i| x[i] * 3.0).sum::<f64>()
        + x[near].len() as f64
        + u
        + x[r][0] * whole.len() as f64
}

/// A table of constant tuples (`let terms = [(1.5, 1), ..];`) iterated as data.
#[gradient]
fn constant_tuple_tables(x: &[f64]) -> f64 {
    let terms = [(1.5, 1), (2.0, 2), (0.5, 0)];
    let mut s = 0.0;
    for &(c, k) in &terms {
        s += c * x[k] * x[k];
    }
    for (c, k) in terms {
        s += c * x[k].sin();
    }
    s + terms
        .iter()
        .map(|&(c, k)| c / (1.0 + x[k] * x[k]))
        .sum::<f64>()
        + terms[1].0 * x[0]
}

/// A buffer chosen by branches: `let v: Vec<f64> = if c { a.collect() } else { b.collect() };`,
/// by a `match` (`collect::<Vec<f64>>()`, `to_vec()`, a block), and declared first
/// (`let v: Vec<f64>; if c { v = .. } else { v = .. }`).
#[gradient(wrt(x))]
fn buffers_chosen_by_branches(x: &[f64], flag: bool, k: usize) -> f64 {
    let v: Vec<f64> = if flag {
        x.iter().map(|a| a * 2.0).collect()
    } else {
        x.iter().map(|a| a + 1.0).collect()
    };
    let m = match k {
        0 => x.iter().map(|a| a * a).collect::<Vec<f64>>(),
        1 => x.to_vec(),
        _ => {
            let c = 3.0;
            x.iter().map(|a| a * c).collect::<Vec<f64>>()
        }
    };
    let late: Vec<f64>;
    if k > 0 {
        late = m.iter().map(|a| a.sin()).collect();
    } else {
        late = v.clone();
    }
    v.iter().map(|a| a * a).sum::<f64>() + m[0] * m[1] + late.iter().sum::<f64>()
}

#[test]
fn lists_ranges_tables_and_chosen_buffers() {
    let y = [0.5, -1.0];
    check(
        "piece_lists",
        &|x| piece_lists(x, &y),
        &|x, g| piece_lists_grad(x, &y, g),
        &P,
    );
    let q = 2..=3;
    check(
        "held_ranges",
        &|x| held_ranges(x, 1..4, &q),
        &|x, g| held_ranges_grad(x, 1..4, &q, g),
        &P,
    );
    check(
        "constant_tuple_tables",
        &constant_tuple_tables,
        &constant_tuple_tables_grad,
        &P,
    );
    for (flag, k) in [(true, 0), (false, 1), (true, 2), (false, 0)] {
        check(
            &format!("buffers_chosen_by_branches({flag}, {k})"),
            &|x| buffers_chosen_by_branches(x, flag, k),
            &|x, g| buffers_chosen_by_branches_grad(x, flag, k, g),
            &P,
        );
    }
}

/// Names read inside `vec![0.0; ..]`'s length and `assert!`: a sub-slice view's, a list of
/// pieces' (both were E0425 inside the expansion: the name was gone).
#[gradient]
fn names_in_macro_lengths(x: &[f64]) -> f64 {
    let ss = &x[1..=(x.len() - 1) / 2];
    let mut b = vec![0.0; ss.len()];
    for i in 0..ss.len() {
        b[i] = ss[i] * x[0];
    }
    let pts: Vec<&[f64]> = x.chunks_exact(2).collect();
    assert!(pts.len() > 1, "at least two points");
    let mut c = vec![0.0; pts.len()];
    for (k, p) in pts.iter().enumerate() {
        c[k] = p[0] * p[1];
    }
    b.iter().sum::<f64>() + c.iter().map(|v| v.sin()).sum::<f64>()
}

/// State carried across steps from a copy of a part (`x[a..].to_owned()`, then `h = hn.clone();`:
/// was refused), and ranges passed by value and by reference (`&(0..=n)` lost its parentheses
/// in the expansion: E0308).
#[gradient]
fn carried_parts_and_range_arguments(x: &[f64], s: f64) -> f64 {
    let mut h: Vec<f64> = x[x.len() / 2..].to_owned();
    for _ in 0..3 {
        let mut hn = vec![0.0; h.len()];
        for q in 0..h.len() {
            hn[q] = (h[q] * s + h[(q + 1) % h.len()] * 0.5).tanh();
        }
        h = hn.clone();
    }
    h.iter().sum::<f64>()
        + range_part(x, 0..x.len() / 2, s)
        + range_squares(x, &(1..=x.len() - 2)) * s
}

#[gradient]
fn range_part(x: &[f64], r: std::ops::Range<usize>, s: f64) -> f64 {
    x[r.clone()].iter().map(|v| v * s).sum::<f64>() + r.len() as f64 * 0.5
}

#[gradient]
fn range_squares(x: &[f64], r: &std::ops::RangeInclusive<usize>) -> f64 {
    let mut acc = 0.0;
    for i in r.clone() {
        acc += x[i] * x[i];
    }
    acc
}

#[test]
fn names_in_macros_carried_parts_and_range_arguments() {
    check(
        "names_in_macro_lengths",
        &names_in_macro_lengths,
        &names_in_macro_lengths_grad,
        &P,
    );
    for s in [0.8, -1.3] {
        check(
            &format!("carried_parts_and_range_arguments(.., {s})"),
            &|x| carried_parts_and_range_arguments(x, s),
            &|x, g| carried_parts_and_range_arguments_grad(x, s, g).0,
            &P,
        );
    }
    let p = [0.7, -0.4];
    check(
        "carried_parts_and_range_arguments, d/ds",
        &|s| carried_parts_and_range_arguments(&P, s[0]),
        &|s, g| {
            let mut d = [0.0; 6];
            let (v, [ds]) = carried_parts_and_range_arguments_grad(&P, s[0], &mut d);
            g[0] = ds;
            v
        },
        &p[..1],
    );
}

const NP: usize = 2;

pub struct Pts {
    a: [f64; 2],
    k: f64,
    pts: Vec<[f64; 2]>,
}

#[gradient]
fn tilt(a: [f64; 2], s: f64) -> f64 {
    s * (a[0] - 0.5 * a[1])
}

#[gradient]
fn tilt_ref(a: &[f64; 2], s: f64) -> f64 {
    s * a[0] * a[1]
}

/// Arrays of data whose type the macro cannot see bound to typed locals (`let a: [f64; 2] =
/// d.a;`, `= d.pts[i];`, `[f64; NP]` of a constant) and passed on by value and by reference; a row of a data parameter
/// passed by value (`tilt(rows[0], x)`: was E0308 inside the expansion); a buffer given a copy
/// of a part in a branch (`v = x[a..b].to_vec();`: was refused).
#[gradient(wrt(x, w))]
fn typed_copies_of_unseen_arrays(x: f64, w: &[f64], d: &Pts, rows: &[[f64; 2]], k: usize) -> f64 {
    let a: [f64; 2] = d.a;
    let c: [f64; NP] = d.pts[1];
    let mut s = tilt(a, x) * d.k + tilt(rows[0], x * x) + tilt_ref(&c, w[1]);
    for i in 0..d.pts.len() {
        let p: [f64; 2] = d.pts[i];
        s += tilt(p, x * w[0]) + tilt_ref(&p, x);
    }
    let mut v = vec![0.0; 2];
    if k > 0 {
        v = w[1..3].to_vec();
    } else {
        v[0] = w[0] * x;
    }
    for _ in 0..k {
        v = w.to_vec();
    }
    s + v[0] * v[1]
}

#[test]
fn typed_copies_of_unseen_arrays_and_rows_by_value() {
    let d = Pts {
        a: [0.5, 1.5],
        k: 2.0,
        pts: vec![[1.0, 2.0], [0.5, -1.0]],
    };
    let rows = [[0.25, -0.75], [1.0, 1.0]];
    for k in [0, 1, 2] {
        check(
            &format!("typed_copies_of_unseen_arrays(k = {k})"),
            &|p| typed_copies_of_unseen_arrays(p[0], &p[1..], &d, &rows, k),
            &|p, g| {
                let (v, [dx]) =
                    typed_copies_of_unseen_arrays_grad(p[0], &p[1..], &d, &rows, k, &mut g[1..]);
                g[0] = dx;
                v
            },
            &P,
        );
    }
}

/// An iterator held in a local and drained by hand (`let mut it = x.iter(); while let Some(v) =
/// it.next() { .. }`, and `let first = it.next().unwrap(); for v in it { .. }`: were refused),
/// and a state started from an array parameter taken by value and then written (`let mut s =
/// y0; .. s[j] += ..`: was refused as a write to a parameter).
#[allow(clippy::while_let_on_iterator)]
#[gradient(wrt(p))]
fn drained_iterators_and_array_states(p: &[f64; 2], y0: [f64; 2], x: &[f64]) -> f64 {
    let mut it = x.iter().map(|v| v * p[0]);
    let mut acc = 0.0;
    while let Some(v) = it.next() {
        acc = acc * 0.5 + v;
    }
    let mut pairs = x.windows(2);
    'outer: while let Some(w) = pairs.next() {
        if w[0] > 5.0 {
            break 'outer;
        }
        acc += w[0] * w[1] * p[1];
    }
    // Positions of data drained so (the UI case `err_changing_local_in_condition` before).
    let idx = [0usize, 2];
    let mut at = idx.iter();
    while let Some(&i) = at.next() {
        acc += x[i] * p[0];
    }
    // The first items taken by hand, then the rest by a loop.
    let mut rest = x.iter().copied();
    let mut prev = rest.next().unwrap() * p[1];
    let second = rest.next().unwrap_or(0.0);
    for v in rest {
        acc += (v * p[1] - prev) * second;
        prev = v * p[1];
    }
    let f = |s: [f64; 2]| -> [f64; 2] { [s[1], -p[0] * s[0] - p[1] * s[1]] };
    let mut s = y0;
    for _ in 0..5 {
        let k1 = f(s);
        let k2 = f([s[0] + 0.05 * k1[0], s[1] + 0.05 * k1[1]]);
        for j in 0..2 {
            s[j] += 0.05 * (k1[j] + k2[j]);
        }
    }
    acc + s[0] * s[0] + s[1]
}

#[test]
fn drained_iterators_and_states_from_array_parameters() {
    let x = [0.3, -0.7, 1.1, 0.4];
    check(
        "drained_iterators_and_array_states",
        &|p| drained_iterators_and_array_states(&[p[0], p[1]], [1.0, -0.5], &x),
        &|p, g| {
            let mut d = [0.0; 2];
            let v = drained_iterators_and_array_states_grad(&[p[0], p[1]], [1.0, -0.5], &x, &mut d);
            g.copy_from_slice(&d);
            v
        },
        &[1.3, 0.2],
    );
}

/// Pieces zipped with a buffer's `iter_mut` (either order, a part of the buffer, `skip`/`take`
/// of it), with a range, with `.enumerate().take(n)` and `.skip(k).take(m)` after them, and a
/// `break` in an `if` of a loop over numbered pieces (each was refused: the first two with no
/// span, the last as a `break` outside a loop's body).
#[gradient(wrt(x))]
fn pieces_beside_buffers(x: &[f64], n: usize) -> f64 {
    let mut out = vec![0.0; x.len() / 2 + 1];
    for (o, p) in out.iter_mut().zip(x.chunks(2)) {
        *o = p[0] * p[p.len() - 1];
    }
    for (p, o) in x.chunks_exact(2).zip(out[1..].iter_mut()) {
        *o += p[1].sin();
    }
    for (o, w) in out.iter_mut().skip(1).take(2).zip(x.windows(3)) {
        *o -= 0.5 * w[2] * w[0];
    }
    let mut acc = 0.0;
    for (w, i) in x.windows(2).zip(0..n) {
        acc += (i as f64 + 1.0) * (w[1] - w[0]).powi(2);
    }
    for (i, c) in x.chunks(3).enumerate().take(n) {
        acc += i as f64 * c[0] + c[c.len() - 1].cos();
    }
    for c in x.chunks(2).skip(1).take(2) {
        acc += c[0] * c[c.len() - 1];
    }
    for (i, c) in x.chunks(2).enumerate() {
        if i >= n {
            break;
        }
        acc += c[0].exp();
    }
    // A range of another integer type keeps its type.
    let k = n as i32;
    for (i, c) in (1..=k).zip(x.chunks(2)) {
        acc += f64::from(i) * c[0];
    }
    acc + out.iter().map(|v| v * v).sum::<f64>()
}

#[gradient(wrt(x))]
fn pieces_beside_buffers_f32(x: &[f32], n: usize) -> f32 {
    let mut out = vec![0.0f32; x.len() / 2];
    for (p, o) in x.windows(2).zip(out.iter_mut()) {
        *o = p[1] * p[0] + 1.5;
    }
    let mut acc = 0.0;
    for (i, c) in x.chunks(2).enumerate().skip(1).take(n) {
        acc += (i as f32) * c[0];
    }
    acc + out.iter().sum::<f32>()
}

#[test]
fn pieces_beside_buffers_ranges_and_breaks() {
    let x = [0.3, -0.7, 1.1, 0.4, -1.3, 0.9, 0.25];
    for n in [0, 2, 5] {
        check(
            "pieces_beside_buffers",
            &|x| pieces_beside_buffers(x, n),
            &|x, g| pieces_beside_buffers_grad(x, n, g),
            &x,
        );
        let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let mut g = vec![0.0f32; x.len()];
        let v = pieces_beside_buffers_f32_grad(&x32, n, &mut g);
        assert_eq!(v.to_bits(), pieces_beside_buffers_f32(&x32, n).to_bits());
        for k in 0..x.len() {
            let (mut a, mut b) = (x32.clone(), x32.clone());
            a[k] += 1e-2;
            b[k] -= 1e-2;
            let fd = (pieces_beside_buffers_f32(&a, n) - pieces_beside_buffers_f32(&b, n)) / 2e-2;
            assert!(
                (fd - g[k]).abs() < 1e-2 * (1.0 + fd.abs()),
                "f32 n={n} k={k}: {fd} vs {}",
                g[k]
            );
        }
    }
}

#[derive(Clone, Debug, grad::Params)]
struct PieceLayer {
    w: Vec<f64>,
    b: f64,
}

#[derive(Clone, Debug, grad::Params)]
struct PieceModel {
    layers: Vec<PieceLayer>,
}

/// Pieces of a row of rows and of a model's layer's field (`img[i].windows(2)`,
/// `layer.w.chunks(2)` in `for layer in &m.layers`, `m.layers[l].w.windows(2)`), also zipped
/// with a buffer's `iter_mut` (were refused: "reads the differentiated rows .. by index").
#[gradient(wrt(m))]
fn pieces_of_layers(m: &PieceModel) -> f64 {
    let mut acc = 0.0;
    for layer in &m.layers {
        for p in layer.w.windows(2) {
            acc += p[0] * p[1];
        }
        for (k, p) in layer.w.chunks(2).enumerate().take(1) {
            acc += (k as f64 + 0.5) * p[0];
        }
        let mut b = vec![0.0; layer.w.len()];
        for (o, p) in b.iter_mut().zip(layer.w.windows(2)) {
            *o = p[1] - p[0];
        }
        for (p, o) in layer.w.chunks_exact(2).zip(b.iter_mut()) {
            *o += p[1] * layer.b;
        }
        acc += b.iter().map(|v| v * v).sum::<f64>();
    }
    for l in 0..m.layers.len() {
        acc += m.layers[l].w.windows(2).map(|p| p[0] - p[1]).sum::<f64>();
        let layer = &m.layers[l];
        for p in layer.w.chunks(2) {
            acc += p[0].sin();
        }
    }
    acc
}

#[gradient]
fn pieces_of_rows(img: &[Vec<f64>]) -> f64 {
    let mut s = 0.0;
    for row in img {
        for w in row.windows(2) {
            s += (w[1] - w[0]).powi(2);
        }
    }
    for i in 0..img.len() {
        s += img[i].windows(2).map(|w| (w[1] - w[0]).abs()).sum::<f64>();
        for (k, c) in img[i].chunks(2).enumerate() {
            s += k as f64 * c[0] * c[c.len() - 1];
        }
    }
    s
}

#[test]
fn pieces_of_rows_and_of_layers() {
    use grad::Params;
    let m = PieceModel {
        layers: vec![
            PieceLayer {
                w: vec![0.5, 1.5, -0.3],
                b: 0.1,
            },
            PieceLayer {
                w: vec![0.2, 0.4, -0.6, 0.8],
                b: 0.3,
            },
        ],
    };
    check(
        "pieces_of_layers",
        &|p| pieces_of_layers(&m.with_flat(p)),
        &|p, g| {
            let mut d = PieceModel::zeros_like(&m);
            let v = pieces_of_layers_grad(&m.with_flat(p), &mut d);
            g.copy_from_slice(&d.to_flat());
            v
        },
        &m.to_flat(),
    );
    let shape = [3, 4, 2];
    let rows = |p: &[f64]| -> Vec<Vec<f64>> {
        let mut at = 0;
        shape
            .iter()
            .map(|&n| {
                at += n;
                p[at - n..at].to_vec()
            })
            .collect()
    };
    check(
        "pieces_of_rows",
        &|p| pieces_of_rows(&rows(p)),
        &|p, g| {
            let mut d: Vec<Vec<f64>> = shape.iter().map(|&n| vec![f64::NAN; n]).collect();
            let v = pieces_of_rows_grad(&rows(p), &mut d);
            g.copy_from_slice(&d.concat());
            v
        },
        &[0.5, 1.5, -0.3, 0.2, 0.4, 0.65, -0.9, 1.3, 0.05],
    );
}

/// Slice patterns on pieces (`if let [a, b] = w`, `&[a, b]`, `[first, .., last]`, `let [a, b]
/// = c else { continue };`, `match c { [a, b, c] => .., [a, b] => .., _ => .. }`, also on a
/// named part), and a body that binds the piece's name again (`let p = p[1] - p[0];`, a `match`
/// arm's `c`): each was refused with no span.
#[gradient]
fn slice_patterns_of_pieces(w: &[f64]) -> f64 {
    let mut s = 0.0;
    for pair in w.windows(2) {
        if let &[a, b] = pair {
            s += a * b;
        }
    }
    for c in w.chunks(2) {
        if let [a, b] = c {
            s += (a - b).powi(2);
        } else {
            s += c[0].sin();
        }
    }
    for t in w.windows(3) {
        if let [first, .., last] = t {
            s += first * last;
        }
    }
    for c in w.chunks_exact(2) {
        let [a, b] = c else { continue };
        s += a / (1.0 + b * b);
    }
    for c in w.chunks(3) {
        s += match c {
            [a, b, c] => a * b * c,
            [a, b] => a + b,
            _ => 0.0,
        };
    }
    for p in w.windows(2) {
        let p = p[1] - p[0];
        s += p * p;
    }
    s += w
        .windows(2)
        .map(|q| {
            let q = q[1] * q[0];
            q.sin()
        })
        .sum::<f64>();
    let v = &w[1..4];
    if let [a, b, c] = v {
        s += a * c - b;
    }
    s
}

#[test]
fn slice_patterns_on_pieces_and_rebound_piece_names() {
    for x in [
        &[0.3, -1.2, 0.7, 2.0, 1.1, -0.4, 0.9][..],
        &[0.3, -1.2, 0.7, 2.0, 1.1, -0.4][..],
    ] {
        check(
            "slice_patterns_of_pieces",
            &slice_patterns_of_pieces,
            &slice_patterns_of_pieces_grad,
            x,
        );
    }
}

/// `Vec`s of tuples of floats built from differentiated values (collected from a `map` whose
/// closure gives a tuple, from a `zip`, `vec![(0.0, 0.0); n]` written later, typed or not) and
/// read as people read them (`pts[i].0`, `let (a, b) = pts[i];`, `for &(a, b) in &pts`, `for (i,
/// p) in pts.iter().enumerate()`, `pts.iter().map(|p| p.0 * p.1)`): held as rows of arrays (were
/// refused with no span); and a local matrix's rows bound by slice patterns (`for &[a, b] in
/// pts.iter()`, `for [a, b] in &pts`, `.map(|&[a, b]| ..)`), which were refused too.
#[gradient(wrt(x))]
fn tuples_of_floats_in_vecs(x: &[f64], t: &[f64]) -> f64 {
    let pairs: Vec<(f64, f64)> = x.chunks(2).map(|c| (c[0], c[c.len() - 1])).collect();
    let mut s =
        pairs.iter().map(|&(a, b)| a * b).sum::<f64>() + pairs.iter().map(|p| p.0).sum::<f64>();
    for &(a, b) in &pairs {
        s += a - b * b;
    }
    for (i, p) in pairs.iter().enumerate() {
        s += i as f64 * p.1;
    }
    for i in 0..pairs.len() {
        let (a, b) = pairs[i];
        s += a * pairs[i].1 + b;
    }
    let scaled: Vec<(f64, f64)> = t.iter().map(|ti| (x[0] * ti, x[1] + ti)).collect();
    for w in 0..scaled.len() {
        s += (scaled[w].0 - scaled[w].1).powi(2);
    }
    let zipped = x
        .iter()
        .copied()
        .zip(t.iter().copied())
        .collect::<Vec<(f64, f64)>>();
    s += zipped.iter().map(|(a, b)| a * b).sum::<f64>();
    let mut q = vec![(0.0, 0.0); 3];
    for i in 0..3 {
        q[i] = (x[i] * 2.0, x[i + 1]);
    }
    q[1].0 += x[0];
    let mut best = 0.0;
    for (a, b) in &q {
        if *a > best {
            best = *b;
        }
    }
    let pts: Vec<[f64; 2]> = x.chunks_exact(2).map(|c| [c[0], c[1]]).collect();
    for &[a, b] in pts.iter() {
        s += a * b;
    }
    for [a, b] in &pts {
        s += a * *b;
    }
    for (i, &[a, _]) in pts.iter().enumerate() {
        s += a * i as f64;
    }
    s + best
        + q.iter().map(|p| p.0 * p.1).sum::<f64>()
        + pts.iter().map(|&[a, b]| a - b).sum::<f64>()
}

#[test]
fn tuples_of_floats_in_vecs_and_slice_patterns_of_rows() {
    let t = [0.5, 1.5, -0.25];
    for x in [
        &[0.3, -1.2, 0.7, 2.0, 1.1, -0.4, 0.9][..],
        &[1.3, 0.2, -0.7, 0.5][..],
    ] {
        check(
            "tuples_of_floats_in_vecs",
            &|x| tuples_of_floats_in_vecs(x, &t),
            &|x, g| tuples_of_floats_in_vecs_grad(x, &t, g),
            x,
        );
    }
}

/// A piece of a list of pieces named (`let q = rows[0];`, a `&[f64]`), then zipped with every
/// piece (attention's scores against a query): a follow-on error at the attribute before.
#[gradient]
fn named_pieces(x: &[f64]) -> f64 {
    let d = 2;
    let rows: Vec<&[f64]> = x.chunks(d).collect();
    let q = rows[0];
    let last = rows[rows.len() - 1];
    let scores: Vec<f64> = rows
        .iter()
        .map(|k| k.iter().zip(q).map(|(a, b)| a * b).sum::<f64>())
        .collect();
    let m = scores.iter().copied().fold(f64::MIN, f64::max);
    let z: f64 = scores.iter().map(|s| (s - m).exp()).sum();
    z.ln() + m + last[0] * q[1]
}

#[test]
fn pieces_named_from_a_list_of_pieces() {
    check("named_pieces", &named_pieces, &named_pieces_grad, &P);
}
