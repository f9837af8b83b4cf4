//! Idioms of code written without `#[gradient]` in mind (issue 8), found by probes of such code:
//! a running state assigned inside the closure of a reduction, closures with a tuple pattern for
//! a parameter, `try_into` of a whole slice and `as_slice`, matrices of a constant size and
//! matrices assigned whole from a literal of rows, searches of a slice of data, references to
//! elements of parameters passed to `&f64` parameters, and `map(..).reduce(..)`. Each against
//! central finite differences, values bit for bit.

#![allow(
    clippy::needless_range_loop,
    clippy::cast_precision_loss,
    clippy::ptr_arg,
    // (Ends of chains written as users write them, which `#[gradient]` must take.)
    clippy::iter_skip_next,
    clippy::double_ended_iterator_last,
    clippy::iter_nth_zero,
    // (`w.drain(..).collect()` as users write it.)
    clippy::drain_collect,
    // (`let ref a = ..;` and `.rev().next()` as users write them.)
    clippy::toplevel_ref_arg,
    clippy::manual_next_back,
    // (`repeat(v).take(n)` and `x.iter().count()` as users write them.)
    clippy::manual_repeat_n,
    clippy::iter_count,
    // (A `vec![..]` of an enum's values, as users write it.)
    clippy::useless_vec
)]

mod common;

use common::{check, jvp_agrees};
use grad::{gradient, Params};

const XS: [f64; 4] = [1.0, -0.5, 2.0, 0.25];

/// A first-order filter run inside `map` (the state assigned by the closure), summed.
#[gradient(wrt(a))]
fn filtered(a: f64, xs: &[f64]) -> f64 {
    let mut state = 0.0;
    xs.iter()
        .map(|&x| {
            state = a * state + x;
            state
        })
        .sum()
}

/// A counter and a state in the closures of `fold`, `product`, `zip`, ranges and `max_by`.
#[gradient(wrt(a))]
fn stateful(a: f64, xs: &[f64], ys: &[f64]) -> f64 {
    let mut s = 0.0;
    let zipped = xs
        .iter()
        .zip(ys)
        .map(|(x, y)| {
            s = s * a + x;
            s * y
        })
        .sum::<f64>();
    let mut c = 0.0;
    let prod = xs
        .iter()
        .map(|&x| {
            c += 1.0;
            a * x + c
        })
        .product::<f64>();
    let mut st = 1.0;
    let ranged = (0..3)
        .map(|i| {
            st = st * a + f64::from(i);
            st
        })
        .fold(0.0, |m, v| m + v * v);
    let mut t = 0.0;
    let top = xs
        .iter()
        .map(|&x| {
            t = a * t + x;
            t
        })
        .max_by(|p, q| p.total_cmp(q))
        .unwrap();
    zipped + 0.1 * prod + 0.01 * ranged + top + s + t
}

#[test]
fn states_assigned_inside_closures() {
    let ys = [0.3, 1.0, -2.0, 0.5];
    for a in [0.5, -0.7, 1.3] {
        check(
            "filtered",
            &|p| filtered(p[0], &XS),
            &|p, d| {
                let (v, [g]) = filtered_grad(p[0], &XS);
                d[0] = g;
                v
            },
            &[a],
        );
        check(
            "stateful",
            &|p| stateful(p[0], &XS, &ys),
            &|p, d| {
                let (v, [g]) = stateful_grad(p[0], &XS, &ys);
                d[0] = g;
                v
            },
            &[a],
        );
    }
    // By hand: states 1, 1.5, 2.75 at a = 0.5 (x = 1, 1, 1) sum to 5.25 ... with XS it is the
    // recurrence s_k = a s_(k-1) + x_k; the value is the original's bit for bit.
    assert_eq!(
        filtered_grad(0.5, &XS).0.to_bits(),
        filtered(0.5, &XS).to_bits()
    );
}

/// A residual closure taking a data point apart by its pattern.
#[gradient(wrt(a, b))]
fn fitted(a: f64, b: f64, data: &[(f64, f64)]) -> f64 {
    let resid = |(x, y): (f64, f64)| a * x + b - y;
    let sq = |&(x, y): &(f64, f64)| (a * x - y).powi(2);
    let mut loss = 0.0;
    for &pt in data {
        loss += resid(pt).powi(2) + 0.5 * sq(&pt);
    }
    loss
}

/// A block of parameters converted to an array whole, a vector viewed as a slice.
#[gradient(wrt(p))]
fn quadratic(p: &[f64], x: f64) -> f64 {
    let q: [f64; 3] = p.try_into().unwrap();
    let [c0, c1, c2]: [f64; 3] = p.try_into().unwrap();
    q[0] * x * x + q[1] * x + q[2] + c0 * c1 * c2
}

#[gradient]
fn viewed(w: &Vec<f64>) -> f64 {
    let ws = w.as_slice();
    ws[0] * ws[1] + w.as_slice().iter().sum::<f64>()
}

#[test]
fn closure_patterns_and_views() {
    let data = [(1.0, 2.0), (2.0, 3.5), (-1.0, 0.25)];
    check(
        "fitted",
        &|p| fitted(p[0], p[1], &data),
        &|p, d| {
            let (v, g) = fitted_grad(p[0], p[1], &data);
            d.copy_from_slice(&g);
            v
        },
        &[1.5, -0.25],
    );
    check(
        "quadratic",
        &|p| quadratic(p, 0.7),
        &|p, d| quadratic_grad(p, 0.7, d),
        &[1.0, 2.0, -3.0],
    );
    check(
        "viewed",
        &|p| viewed(&p.to_vec()),
        &|p, d| viewed_grad(&p.to_vec(), d),
        &[2.0, 3.0, -1.0],
    );
    // A slice of another length is an error as `try_into` reports it.
    let r = std::panic::catch_unwind(|| quadratic_grad(&[1.0, 2.0], 0.5, &mut [0.0; 2]));
    assert!(r.is_err());
}

const N: usize = 3;

/// A covariance-like matrix of a constant size, updated whole from a literal of rows.
#[gradient]
fn covariance(x: f64, y: f64) -> f64 {
    let mut l = [[0.0; N]; N];
    for i in 0..N {
        l[i][i] = x * (i as f64 + 1.0);
    }
    l[0][2] = y;
    let mut p = [[x, y], [y, x]];
    for _ in 0..2 {
        p = [
            [p[0][0] * x + p[1][0], p[0][1]],
            [p[1][0] * 0.5, p[1][1] + y * p[0][0]],
        ];
    }
    l[2][2] + l[0][2] * l[1][1] + p[0][0] + p[1][1] * p[0][1]
}

/// Knots searched by comparisons (data), the cell's line differentiated.
#[gradient(wrt(v))]
fn interpolated(v: f64, knots: &[f64], vals: &[f64]) -> f64 {
    let k = knots.iter().position(|&k| k > v).unwrap();
    let j = knots.partition_point(|&k| k <= v);
    let below = knots.iter().filter(|&&k| k <= v).count();
    let t = (v - knots[k - 1]) / (knots[k] - knots[k - 1]);
    (vals[k - 1] * (1.0 - t) + vals[k] * t) * (j + below) as f64
}

#[gradient]
fn sq(s: &f64) -> f64 {
    s * s
}

/// Elements of parameters lent to a `&f64` parameter.
#[gradient(wrt(w, s))]
fn lent(w: &[f64], rows: &[[f64; 2]], c: &[f64], s: f64) -> f64 {
    sq(&w[0]) * s + sq(&rows[1][0]) * w[1] + sq(&c[0]) * s
}

/// `map` then `reduce` with a function path and with a closure.
#[gradient]
fn reduced(x: &[f64]) -> f64 {
    let lo = x.iter().map(|v| v * 2.0).reduce(f64::min).unwrap();
    let hi = x.iter().map(|&v| v.sin()).reduce(|a, b| a.max(b)).unwrap();
    lo * hi
}

#[test]
fn matrices_searches_lent_elements_reductions() {
    check(
        "covariance",
        &|p| covariance(p[0], p[1]),
        &|p, d| {
            let (v, g) = covariance_grad(p[0], p[1]);
            d.copy_from_slice(&g);
            v
        },
        &[1.5, -0.5],
    );
    let (knots, vals) = ([0.0, 0.5, 1.0, 1.5], [0.0, 2.0, 3.0, 1.0]);
    for v in [0.2, 0.7, 1.2] {
        check(
            "interpolated",
            &|p| interpolated(p[0], &knots, &vals),
            &|p, d| {
                let (v, [g]) = interpolated_grad(p[0], &knots, &vals);
                d[0] = g;
                v
            },
            &[v],
        );
    }
    let rows = [[1.0, 2.0], [3.0, -1.0]];
    let c = [0.5];
    check(
        "lent",
        &|p| lent(&p[..2], &rows, &c, p[2]),
        &|p, d| {
            let mut dw = [0.0; 2];
            let (v, [ds]) = lent_grad(&p[..2], &rows, &c, p[2], &mut dw);
            d[..2].copy_from_slice(&dw);
            d[2] = ds;
            v
        },
        &[1.5, -2.0, 0.75],
    );
    check("reduced", &|p| reduced(p), &|p, d| reduced_grad(p, d), &XS);
}

/// The best score but the label's (a multiclass hinge): a `fold` after a `filter` of the
/// enumerated scores, with a function path and with a closure.
#[gradient(wrt(scores))]
fn hinge(scores: &[f64], label: usize) -> f64 {
    let correct = scores[label];
    let best_other = scores
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != label)
        .map(|(_, &s)| s)
        .fold(f64::NEG_INFINITY, f64::max);
    let spread = scores
        .iter()
        .filter(|&&s| s > 0.0)
        .fold(0.0, |acc, s| acc + s * s);
    (1.0 + best_other - correct).max(0.0) + 0.1 * spread
}

#[test]
fn folds_after_filters() {
    for label in 0..4 {
        check(
            "hinge",
            &|p| hinge(p, label),
            &|p, d| hinge_grad(p, label, d),
            &[0.3, -1.2, 2.0, 0.7],
        );
    }
}

/// Floats collected through a vector of indices, and a collected vector of an inferred type
/// collected again: buffers of floats, not data (a regression of the copies of data, found by
/// the long runs).
#[gradient(wrt(w))]
fn collected_through(w: &[f64]) -> f64 {
    let idx: Vec<usize> = (0..w.len()).rev().collect();
    let picked: Vec<f64> = idx.iter().map(|&i| w[i] * 2.0).collect();
    let pairs: Vec<_> = w
        .iter()
        .copied()
        .zip(picked.iter().copied())
        .map(|(a, b)| a - b * 0.5)
        .collect();
    let squashed: Vec<_> = pairs.iter().map(|&t| (t * 0.5).tanh()).collect();
    let kept = idx.clone();
    squashed[0] + picked[1] * squashed[squashed.len() - 1] + w[kept[0]]
}

#[test]
fn collected_through_indices() {
    check(
        "collected_through",
        &|p| collected_through(p),
        &|p, d| collected_through_grad(p, d),
        &XS,
    );
}

/// The largest of each row (`max_by(..).unwrap_or(d)`, the part of a flat slice a row is read
/// as), of differentiated rows and of a model's layers by index and by a `for`; with the
/// comparator as a path (`max_by(f64::total_cmp)`).
#[gradient]
fn row_peaks(rows: &[Vec<f64>]) -> f64 {
    let mut s = 0.0;
    for l in 0..rows.len() {
        s += rows[l]
            .iter()
            .map(|&v| v * v.sin())
            .max_by(|a, b| a.total_cmp(b))
            .unwrap_or(0.0);
    }
    // The comparator as a path, as clippy's pedantic lints ask.
    s + rows[0].iter().copied().min_by(f64::total_cmp).unwrap()
        + rows[1]
            .iter()
            .map(|v| v.cos())
            .max_by(f64::total_cmp)
            .unwrap_or(0.0)
}

#[derive(Clone, Params)]
pub struct Layer {
    pub w: Vec<f64>,
    pub b: f64,
}

#[derive(Clone, Params)]
pub struct Stack {
    pub layers: Vec<Layer>,
}

#[gradient(wrt(m))]
fn layer_peaks(m: &Stack) -> f64 {
    let mut s = 0.0;
    for l in 0..m.layers.len() {
        s += m.layers[l]
            .w
            .iter()
            .map(|&v| v * m.layers[l].b)
            .min_by(|a, b| a.total_cmp(b))
            .unwrap_or(-1.0);
    }
    for layer in &m.layers {
        s += layer
            .w
            .iter()
            .map(|&v| (v * layer.b).tanh())
            .max_by(|a, b| a.total_cmp(b))
            .unwrap_or(0.0);
    }
    s
}

#[test]
fn peaks_of_rows_and_layers() {
    let rows = |p: &[f64]| vec![p[..3].to_vec(), p[3..].to_vec()];
    let p = [0.3, -1.2, 0.8, 1.1, -0.4];
    check(
        "row_peaks",
        &|p| row_peaks(&rows(p)),
        &|p, d| {
            let mut g = vec![vec![0.0; 3], vec![0.0; 2]];
            let v = row_peaks_grad(&rows(p), &mut g);
            d.copy_from_slice(&g.concat());
            v
        },
        &p,
    );
    let stack = |p: &[f64]| Stack {
        layers: vec![
            Layer {
                w: p[..2].to_vec(),
                b: p[2],
            },
            Layer {
                w: p[3..5].to_vec(),
                b: p[5],
            },
        ],
    };
    let q = [0.3, -1.2, 0.8, 1.1, -0.4, 1.5];
    check(
        "layer_peaks",
        &|p| layer_peaks(&stack(p)),
        &|p, d| {
            let m = stack(p);
            let mut g = Stack::zeros_like(&m);
            let v = layer_peaks_grad(&m, &mut g);
            d.copy_from_slice(
                &[
                    g.layers[0].w.clone(),
                    vec![g.layers[0].b],
                    g.layers[1].w.clone(),
                    vec![g.layers[1].b],
                ]
                .concat(),
            );
            v
        },
        &q,
    );
}

/// Filters whose items are copied after them (`.filter(..).copied()`, `.cloned()`), in a `for`,
/// a collect and a reduction; pushes in a `for` over a filtered or mapped chain; a collect typed
/// by its turbofish only, of tuples of data.
#[gradient]
fn kept(x: &[f64]) -> f64 {
    let big: Vec<f64> = x.iter().filter(|v| **v > 0.0).copied().collect();
    let mut s = 0.0;
    for v in x.iter().filter(|&&v| v < 1.0).cloned() {
        s += v.sin();
    }
    let mut doubled: Vec<f64> = Vec::new();
    for v in x.iter().map(|v| v * 2.0).filter(|v| *v > -1.0) {
        let w = v * v;
        doubled.push(w);
    }
    let mut picked = Vec::new();
    for (i, v) in x.iter().enumerate().filter(|(i, _)| i % 2 == 1) {
        picked.push(v * i as f64);
    }
    let odd: f64 = x
        .iter()
        .skip(1)
        .filter(|v| v.abs() > 0.5)
        .copied()
        .map(f64::exp)
        .sum();
    big.iter().map(|v| v * v).sum::<f64>()
        + s
        + doubled.iter().sum::<f64>()
        + picked.iter().sum::<f64>()
        + odd
}

/// An iterator of `map`s held in a local: its first items unwrapped (`next().unwrap()`,
/// `.expect(..)`), the rest reduced; of plain items, the rest summed.
#[gradient]
fn held_iterators(x: &[f64]) -> f64 {
    let mut it = x.iter().map(|v| v * 2.0).map(|w| w + 1.0);
    let a = it.next().unwrap();
    let b = it.next().expect("two items");
    let rest: f64 = it.map(|v| v * v).sum();
    let mut plain = x.iter().copied();
    let first = plain.next().unwrap();
    a * b + rest + first * plain.sum::<f64>()
}

/// References to elements collected (`Vec<&f64>`), read through them.
#[gradient]
fn referenced(x: &[f64]) -> f64 {
    let big: Vec<&f64> = x.iter().filter(|v| **v > 0.0).collect();
    let all: Vec<&f64> = x.iter().collect();
    let mut s = 0.0;
    for v in &big {
        s += **v;
    }
    s + big.iter().map(|v| **v * **v).sum::<f64>() + *big[0] * *all[1]
}

/// Collected references read where the engine keeps the user's expression: a condition, a loop
/// bound, a `while` condition, a closure over them (`**q`).
#[gradient]
fn referenced_in_conditions(x: &[f64]) -> f64 {
    let big: Vec<&f64> = x.iter().filter(|q| **q > -0.5).collect();
    let mut s = 0.0;
    if big.iter().map(|q| **q * 2.0).sum::<f64>() > 0.1 {
        s += big.iter().map(|q| **q * **q).sum::<f64>();
    }
    if *big[0] > 0.0 && big.len() > 2 {
        s += *big[1] * 3.0;
    }
    for k in 0..big.iter().filter(|q| ***q > 0.5).count() {
        s += x[k] * 0.5;
    }
    let mut n = 0;
    while n < big.len() && *big[n] < 1.5 {
        s += big[n].sin();
        n += 1;
    }
    s
}

/// An array made element by element (`std::array::from_fn`), and a slice split in two.
#[gradient]
fn made_by_index(x: &[f64]) -> f64 {
    let v: [f64; 3] = std::array::from_fn(|i| x[i] * 2.0 + i as f64);
    let w: [f64; 2] = core::array::from_fn(|i: usize| v[i] * v[i + 1]);
    let (a, b) = x.split_at(2);
    v.iter().sum::<f64>() + w[1] + a.iter().sum::<f64>() * b[0]
}

#[gradient(wrt(w))]
fn pairs_of_data(w: f64, xs: &[f64]) -> f64 {
    let pts = xs
        .iter()
        .map(|&x| (x, 2.0 * x))
        .collect::<Vec<(f64, f64)>>();
    let scaled = xs.iter().map(|x| x * w).collect::<Vec<f64>>();
    pts.iter().map(|&(a, b)| (w * a - b).powi(2)).sum::<f64>() + scaled.iter().sum::<f64>()
}

#[test]
fn filters_copied_and_turbofish_collects() {
    let p = [0.3, -1.2, 0.7, 2.0, 1.1, -0.4];
    check("kept", &kept, &kept_grad, &p);
    check("made_by_index", &made_by_index, &made_by_index_grad, &p);
    check("referenced", &referenced, &referenced_grad, &p);
    check(
        "referenced_in_conditions",
        &referenced_in_conditions,
        &referenced_in_conditions_grad,
        &p,
    );
    check("held_iterators", &held_iterators, &held_iterators_grad, &p);
    let xs = [0.5, 1.5, -2.0];
    check(
        "pairs_of_data",
        &|p| pairs_of_data(p[0], &xs),
        &|p, d| {
            let (v, [dw]) = pairs_of_data_grad(p[0], &xs);
            d[0] = dw;
            v
        },
        &[0.7],
    );
}

#[derive(Clone, Params)]
struct Held {
    layers: Vec<Layer>,
    x1: f64,
}

/// Held iterators over a model layer's field and a row of its layers.
#[gradient(wrt(m))]
fn held_in_layers(m: &Held, k: f64) -> f64 {
    let mut acc = 0.0;
    {
        let layer = &m.layers[m.layers.len() - 1];
        let mut it = layer.w.iter().map(|q| q * k).map(|r| r + 0.5);
        let st: f64 = it.next().unwrap();
        acc += st * st + it.map(|q| q * 0.5).sum::<f64>();
    }
    let mut it2 = m.layers[0].w.iter().copied();
    let a = it2.next().unwrap();
    acc + a * it2.sum::<f64>() + m.x1
}

#[test]
fn held_iterators_in_layers() {
    let model = |p: &[f64]| Held {
        layers: vec![
            Layer {
                w: p[0..3].to_vec(),
                b: 0.0,
            },
            Layer {
                w: p[3..5].to_vec(),
                b: 0.0,
            },
        ],
        x1: p[5],
    };
    check(
        "held_in_layers",
        &|p| held_in_layers(&model(p), 1.5),
        &|p, d| {
            let m = model(p);
            let mut g = Held::zeros_like(&m);
            let v = held_in_layers_grad(&m, 1.5, &mut g);
            d.copy_from_slice(&[g.layers[0].w.clone(), g.layers[1].w.clone(), vec![g.x1]].concat());
            v
        },
        &[0.3, 0.4, -0.2, 1.0, -0.5, 0.7],
    );
}

/// A pre-emphasis filter's energy: `once(x[0]).chain(..)` reduced without a `collect`.
#[gradient]
fn preemphasis_energy(x: &[f64]) -> f64 {
    let a = 0.9;
    let e: f64 = std::iter::once(x[0])
        .chain(x.windows(2).map(|w| w[1] - a * w[0]))
        .map(|v| v * v)
        .sum();
    let first = x[0];
    let tail = std::iter::once(first)
        .chain(x[1..].iter().copied())
        .fold(0.0, |acc, v| acc + v.sin());
    e + tail
}

/// LQR weights bound by one tuple `let`: a constant matrix beside a scalar.
#[gradient]
fn lqr_cost(k: f64) -> f64 {
    let (q, r) = ([[2.0, 0.0], [0.0, 1.0]], 0.5);
    let (a, b) = (k * 2.0, q[1][1]);
    q[0][0] * k * k + r * k + a * b
}

#[test]
fn once_chains_reduced_and_tuples_of_a_matrix() {
    check(
        "preemphasis_energy",
        &|p| preemphasis_energy(p),
        &|p, d| preemphasis_energy_grad(p, d),
        &XS,
    );
    check(
        "lqr_cost",
        &|p| lqr_cost(p[0]),
        &|p, d| {
            let (v, [g]) = lqr_cost_grad(p[0]);
            d[0] = g;
            v
        },
        &[3.0],
    );
}

#[derive(Clone, Copy)]
enum Cmd {
    Go(usize),
    Skip,
}

/// A rollout over a plan: a `match` whose value is a tuple, with an arm that skips the step.
#[gradient(wrt(w))]
fn rollout(w: f64, plan: &[Cmd]) -> f64 {
    let mut s = 0.0;
    for cmd in plan {
        let (a, n) = match *cmd {
            Cmd::Go(n) => (w * w, n),
            Cmd::Skip => continue,
        };
        s += a * n as f64;
    }
    s
}

#[test]
fn tuple_valued_match_with_an_arm_that_continues() {
    let plan = [Cmd::Go(2), Cmd::Skip, Cmd::Go(3)];
    let (v, [g]) = rollout_grad(1.5, &plan);
    assert_eq!(v.to_bits(), rollout(1.5, &plan).to_bits());
    assert_eq!((v, g), (11.25, 15.0));
}

/// A trajectory's smoothness: windows of a list of points cut from the parameters, reduced.
#[gradient]
fn smoothness(t: &[f64]) -> f64 {
    let pts: Vec<&[f64]> = t.chunks_exact(2).collect();
    let s: f64 = pts
        .windows(2)
        .map(|w| (w[1][0] - w[0][0]).powi(2) + (w[1][1] - w[0][1]).powi(2))
        .sum();
    s
}

#[test]
fn windows_of_a_list_of_pieces_reduced() {
    check(
        "smoothness",
        &|p| smoothness(p),
        &|p, d| smoothness_grad(p, d),
        &[0.3, -1.0, 1.2, 0.4, 2.0, 1.5, -0.7, 0.2],
    );
}

/// Per-token projections: a closure of two slices given a named part of a local buffer, and a
/// part written inline.
#[gradient(wrt(w))]
fn projections(w: &[f64], m: &[f64]) -> f64 {
    let x: Vec<f64> = w.iter().map(|v| 2.0 * v).collect();
    let dot = |a: &[f64], b: &[f64]| -> f64 { a.iter().zip(b).map(|(p, q)| p * q).sum() };
    let mut s = 0.0;
    for i in 0..2 {
        let xi = &x[i * 2..(i + 1) * 2];
        let wi = &w[i * 2..(i + 1) * 2];
        s += dot(m, xi).powi(2) + dot(m, wi) * dot(m, &x[i * 2..(i + 1) * 2]);
    }
    s
}

#[test]
fn closures_given_parts_of_slices() {
    let m = [1.0, -0.5];
    check(
        "projections",
        &|p| projections(p, &m),
        &|p, d| projections_grad(p, &m, d),
        &[1.0, 2.0, 3.0, 4.0],
    );
}

/// Clad's `lazy_product` and `nested_reference`: a local changed inside a comparison whose value
/// is unused, and by a call through `&mut` in an `if`'s condition (transcribed as written).
#[allow(unused_assignments)]
#[gradient]
fn changed_in_comparison(x: f64) -> f64 {
    let mut r = 0.0;
    let _u = {
        r = x * x;
        r
    } > 1.0;
    r
}

#[gradient]
fn set_sq(r: &mut f64, x: f64) -> f64 {
    *r = x * x;
    *r
}

#[allow(clippy::needless_ifs)]
#[gradient]
fn changed_in_condition(x: f64) -> f64 {
    let mut r = 0.0;
    if set_sq(&mut r, x) != 0.0 {}
    let mut s = 0.0;
    if set_sq(&mut s, x) > 1.0 {
        r + s * 2.0
    } else {
        r + s
    }
}

#[test]
fn locals_changed_inside_conditions() {
    for x in [2.0, 0.5] {
        let (v, [g]) = changed_in_comparison_grad(x);
        assert_eq!((v, g), (x * x, 2.0 * x));
        let (v, [g]) = changed_in_condition_grad(x);
        assert_eq!(v.to_bits(), changed_in_condition(x).to_bits());
        let k = if x * x > 1.0 { 3.0 } else { 2.0 };
        assert!((g - 2.0 * x * k).abs() < 1e-12, "{g}");
    }
}

/// CppAD's `det_of_minor`: index lists copied under their own names and written.
#[gradient]
fn picked(a: &[f64], r: &[usize]) -> f64 {
    let mut r = r.to_vec();
    r[0] = r[1];
    let c = r.to_owned();
    a[r[0]] * a[c[1]] + a[r[1]]
}

#[test]
fn integer_index_lists_copied() {
    let r = [1, 0];
    check(
        "picked",
        &|p| picked(p, &r),
        &|p, d| picked_grad(p, &r, d),
        &[2.0, 3.0],
    );
}

/// A 2-D heat stencil: the grid copied whole each step and assigned back.
#[gradient]
fn heat(a: f64, b: f64) -> f64 {
    let mut u = vec![vec![0.0; 3]; 3];
    u[1][1] = a;
    u[0][1] = b;
    for _ in 0..2 {
        let mut next = u.clone();
        for i in 1..2 {
            for j in 1..2 {
                next[i][j] = u[i][j] + 0.1 * (u[i - 1][j] + u[i + 1][j] - 2.0 * u[i][j]);
            }
        }
        next[0][1] = u[0][1] * u[1][1];
        u = next;
    }
    u[1][1] + u[0][1]
}

/// A position-based rope: positions copied into the previous ones, row by row.
#[allow(clippy::manual_memcpy)]
#[gradient]
fn rope(lengths: &[f64], dt: f64) -> f64 {
    let n = lengths.len() + 1;
    let mut x = vec![[0.0f64; 2]; n];
    let mut acc = 0.0;
    for i in 1..n {
        acc += lengths[i - 1];
        x[i] = [acc, 0.0];
    }
    let mut prev = x.clone();
    for _ in 0..3 {
        for i in 1..n {
            let vx = x[i][0] - prev[i][0];
            let vy = x[i][1] - prev[i][1];
            prev[i] = x[i];
            x[i][0] += vx;
            x[i][1] += vy - 9.81 * dt * dt;
        }
        for i in 1..n {
            let dx = x[i][0] - x[i - 1][0];
            let dy = x[i][1] - x[i - 1][1];
            let d = (dx * dx + dy * dy).sqrt();
            let corr = (d - lengths[i - 1]) / d;
            x[i][0] -= 0.5 * corr * dx;
            x[i][1] -= 0.5 * corr * dy;
        }
    }
    x[n - 1][1] + x[n - 1][0]
}

#[test]
fn local_matrices_copied_whole_and_by_row() {
    check(
        "heat",
        &|p| heat(p[0], p[1]),
        &|p, d| {
            let (v, [ga, gb]) = heat_grad(p[0], p[1]);
            d[0] = ga;
            d[1] = gb;
            v
        },
        &[1.5, -0.5],
    );
    check(
        "rope",
        &|p| rope(&p[..3], p[3]),
        &|p, d| {
            let (l, rest) = d.split_at_mut(3);
            let (v, [g]) = rope_grad(&p[..3], p[3], l);
            rest[0] = g;
            v
        },
        &[1.0, 0.8, 1.2, 0.05],
    );
}

/// Pairwise interactions over index pairs made by `flat_map`, then a value of each pair.
#[gradient]
fn pair_energy(x: &[f64]) -> f64 {
    let n = x.len();
    (0..n)
        .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
        .map(|(i, j)| (x[i] - x[j]).powi(2))
        .sum()
}

#[test]
fn index_pairs_then_values() {
    check(
        "pair_energy",
        &|p| pair_energy(p),
        &|p, d| pair_energy_grad(p, d),
        &XS,
    );
}

/// A codebook of rows: the entry nearest a point, chosen by `min_by` comparing a key of each
/// side that reads the differentiated point (vector quantization's commitment loss).
const CODEBOOK: [[f64; 2]; 3] = [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]];

#[gradient(wrt(z))]
fn commitment(z: &[f64]) -> f64 {
    let best = CODEBOOK
        .iter()
        .min_by(|a, b| {
            ((a[0] - z[0]).powi(2) + (a[1] - z[1]).powi(2))
                .total_cmp(&((b[0] - z[0]).powi(2) + (b[1] - z[1]).powi(2)))
        })
        .unwrap();
    (z[0] - best[0]).powi(2) + (z[1] - best[1]).powi(2)
}

/// The same copied out (`.copied()`), and an entry used inside an expression (not named).
#[gradient(wrt(z))]
fn commitment_copied(z: &[f64]) -> f64 {
    let best = CODEBOOK
        .iter()
        .min_by(|a, b| (a[0] - z[0]).abs().total_cmp(&(b[0] - z[0]).abs()))
        .copied()
        .unwrap();
    let far = CODEBOOK
        .iter()
        .max_by(|&a, &b| (a[1] * z[1]).partial_cmp(&(b[1] * z[1])).unwrap())
        .unwrap()[1];
    (z[0] - best[0]).powi(2) + (z[1] - best[1]).powi(2) * z[0] + far * z[1]
}

/// k-means: for each point the nearest of the differentiated centroids (rows), chosen by a
/// comparator with a block body.
#[gradient(wrt(c))]
fn kmeans(c: &[[f64; 2]], pts: &[[f64; 2]]) -> f64 {
    let mut s = 0.0;
    for p in pts {
        let best = c
            .iter()
            .min_by(|a, b| {
                let da = (a[0] - p[0]).powi(2) + (a[1] - p[1]).powi(2);
                let db = (b[0] - p[0]).powi(2) + (b[1] - p[1]).powi(2);
                da.partial_cmp(&db).unwrap()
            })
            .unwrap();
        s += (best[0] - p[0]).powi(2) + (best[1] - p[1]).powi(2);
    }
    s
}

/// Rows of `Vec`s: the chosen row cloned, and a row read in place inside a sum.
#[gradient(wrt(c))]
fn nearest_rows(c: &[Vec<f64>], x: f64) -> f64 {
    let best = c
        .iter()
        .min_by(|a, b| (a[0] * x).total_cmp(&(b[0] * x)))
        .cloned()
        .unwrap();
    let s = c
        .iter()
        .max_by(|a, b| (a[1] - x).abs().total_cmp(&(b[1] - x).abs()))
        .unwrap()[0]
        * 0.5;
    best[0] * best[best.len() - 1] + s
}

#[derive(Clone, Copy)]
struct Site {
    x: f64,
    y: f64,
    w: f64,
}

/// Structs of data: the farthest, by fields of each side (`max_by` keeps the last maximum).
#[gradient(wrt(z))]
fn farthest_site(sites: &[Site], z: &[f64]) -> f64 {
    let far = sites
        .iter()
        .max_by(|&a, &b| {
            (a.x - z[0])
                .hypot(a.y - z[1])
                .total_cmp(&(b.x - z[0]).hypot(b.y - z[1]))
        })
        .unwrap();
    far.w * ((far.x - z[0]).powi(2) + (far.y - z[1]).powi(2)).sqrt()
}

#[test]
fn extremum_of_rows_and_structs_by_a_key() {
    for z in [[0.8, 0.3], [0.2, 0.9], [0.1, 0.05], [0.45, -0.6]] {
        check("commitment", &commitment, &commitment_grad, &z);
        check(
            "commitment_copied",
            &commitment_copied,
            &commitment_copied_grad,
            &z,
        );
        let sites = [
            Site {
                x: 0.0,
                y: 0.0,
                w: 1.0,
            },
            Site {
                x: 2.0,
                y: 1.0,
                w: 0.5,
            },
            Site {
                x: -1.0,
                y: 0.5,
                w: 2.0,
            },
        ];
        check(
            "farthest_site",
            &|z| farthest_site(&sites, z),
            &|z, d| farthest_site_grad(&sites, z, d),
            &z,
        );
    }
    let vec_rows = |p: &[f64]| -> Vec<Vec<f64>> { p.chunks(3).map(<[f64]>::to_vec).collect() };
    for x in [0.7, -0.4] {
        check(
            "nearest_rows",
            &|p| nearest_rows(&vec_rows(p), x),
            &|p, d| {
                let mut dr = vec![vec![f64::NAN; 3]; 3];
                let v = nearest_rows_grad(&vec_rows(p), x, &mut dr);
                d.copy_from_slice(&dr.concat());
                v
            },
            &[0.3, 1.2, -0.5, -0.8, 0.1, 0.9, 0.6, -1.1, 0.25],
        );
    }
    let pts = [[0.1, 0.2], [0.9, 0.1], [0.2, 0.8], [0.5, 0.5], [1.2, -0.3]];
    let c = [0.0, 0.1, 1.0, 0.0, 0.1, 0.9];
    let rows = |p: &[f64]| -> Vec<[f64; 2]> { p.chunks(2).map(|q| [q[0], q[1]]).collect() };
    check(
        "kmeans",
        &|p| kmeans(&rows(p), &pts),
        &|p, d| {
            let mut dr = vec![[f64::NAN; 2]; 3];
            let v = kmeans_grad(&rows(p), &pts, &mut dr);
            d.copy_from_slice(dr.as_flattened());
            v
        },
        &c,
    );
}

/// A running maximum by `scan`, the state updated through a method of it (`*m = m.max(v)`),
/// collected then summed; and as a reduction straight away.
#[gradient(wrt(x))]
fn running_max(x: &[f64]) -> f64 {
    let peaks: Vec<f64> = x
        .iter()
        .scan(f64::NEG_INFINITY, |m, &v| {
            *m = m.max(v);
            Some(*m)
        })
        .collect();
    let floor: f64 = x
        .iter()
        .scan(f64::INFINITY, |m, &v| {
            *m = m.min(v * v);
            Some(*m)
        })
        .sum();
    peaks.iter().map(|p| p * p).sum::<f64>() + floor
}

#[test]
fn scan_state_updated_by_its_methods() {
    for x in [[0.3, -0.4, 1.1, 0.7, 1.6], [2.0, 0.5, -1.0, 2.5, 0.1]] {
        check("running_max", &running_max, &running_max_grad, &x);
    }
}

/// The position of an extremum over an index range (a pivot search), compared through a local
/// copy and through the parameter; `max_by` keeps the last maximum, `min_by` the first minimum.
#[gradient(wrt(a))]
fn pivots(a: &[f64]) -> f64 {
    let m = a.to_vec();
    let p = (0..m.len())
        .max_by(|&i, &j| m[i].abs().total_cmp(&m[j].abs()))
        .unwrap();
    let q = (1..=a.len() - 1)
        .min_by(|i, j| a[*i].total_cmp(&a[*j]))
        .unwrap();
    m[p] * m[p] + a[q] * 3.0 + p as f64
}

#[test]
fn extremum_positions_over_ranges() {
    for a in [[0.5, -2.0, 1.0, 0.25], [3.0, 0.1, -0.4, 2.5]] {
        check("pivots", &pivots, &pivots_grad, &a);
    }
}

/// A `for` over an array literal whose loop the derivative code tapes (Julia's `quantile`, from
/// Enzyme.jl's tests): the tape is sized without asking the array for an iterator's hint.
#[gradient(wrt(x))]
fn quantiles(x: &[f64]) -> f64 {
    let v = [x[0], x[1], x[0] * x[1]];
    let mut s = 0.0;
    for p in [0.5, 0.7] {
        let h = (v.len() - 1) as f64 * p;
        let lo = h.floor() as usize;
        s += v[lo] * (h - lo as f64).sin() + v[lo] * v[lo];
    }
    s
}

#[test]
fn loops_over_array_literals() {
    check("quantiles", &quantiles, &quantiles_grad, &[0.7, -1.3]);
}

fn cubed(t: f64) -> f64 {
    t * t * t
}

/// `[T; N]::map` in every position: of array literals, of `[e; N]`, of a parameter and of locals
/// typed `[f64; N]`, with closures (capturing, typed, a block body), function paths and a helper;
/// as a `let`, a pattern `let [p, q]`, a receiver, an argument, inside a loop body and a branch,
/// a match arm, a `break` value and a `vec![..]`, an element read at once, summed and multiplied;
/// its closure inside a block whose value is the array.
#[allow(clippy::useless_vec)]
#[gradient(wrt(x, w), jvp, hvp)]
fn array_maps(x: [f64; 3], w: &[f64], k: usize) -> f64 {
    let sq = [x[0], w[0]].map(|t| t * t);
    let e = [x[1], w[1] * 2.0].map(f64::exp);
    let [p, q] = [x[2] - 1.0, w[0]].map(cubed);
    let r: f64 = [x[0], w[1], 0.5].map(|v: f64| v.sin()).iter().sum();
    let y = x.map(|v| {
        let s = v * w[0];
        s * s
    });
    let z: [f64; 3] = [w[0], w[1], w[2]];
    let mut acc = y[k] + z.map(f64::cos)[2] + [w[2]; 2].map(|v| v * x[0])[1];
    for i in 0..k {
        acc += x.map(|v| v * w[i])[i];
        if x[i] > 0.0 {
            acc += [x[i], 1.0].map(f64::tanh)[0];
        }
    }
    let t = {
        let g = |u: f64| u * w[2];
        [g(x[0]), g(x[1])]
    };
    let m = match k {
        0 => [x[0], w[0]].map(|v| v * v)[1],
        1 => [x[1], x[2]].map(f64::exp).iter().sum::<f64>(),
        _ => [x[2]; 3]
            .map(|v: f64| -> f64 { v * w[1] })
            .iter()
            .product::<f64>(),
    };
    let mut j = 0;
    let b = loop {
        j += 1;
        if j > k {
            break [x[0], acc].map(|v| v * 0.5).iter().sum::<f64>() + acc;
        }
        acc *= 0.9;
    };
    let v = vec![
        [x[1], w[2]].map(f64::sin).iter().sum::<f64>(),
        [x[0]; 2].map(cubed)[0],
    ];
    sq[0]
        + sq[1] * x[0]
        + e[1]
        + p * q
        + r
        + acc
        + t[1]
        + dot(&x.map(|v| v + 1.0), &z)
        + m
        + b
        + v[0] * v[1]
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(p, q)| p * q).sum()
}

#[test]
fn array_maps_in_every_position() {
    for (x, w, k) in [
        ([0.5, -0.3, 0.8], [0.4, -0.2, 0.9], 2),
        ([-0.7, 0.6, 0.1], [1.1, 0.3, -0.5], 1),
        ([0.3, 0.9, -0.4], [-0.6, 0.2, 0.7], 0),
    ] {
        let f = |p: &[f64]| array_maps([p[0], p[1], p[2]], &p[3..], k);
        let g = |p: &[f64], d: &mut [f64]| {
            let (mut dx, mut dw) = ([0.0; 3], [0.0; 3]);
            let v = array_maps_grad([p[0], p[1], p[2]], &p[3..], k, &mut dx, &mut dw);
            d[..3].copy_from_slice(&dx);
            d[3..].copy_from_slice(&dw);
            v
        };
        let p: Vec<f64> = x.iter().chain(&w).copied().collect();
        check("array_maps", &f, &g, &p);
        let (v, t) = array_maps_jvp(x, &w, k, &[1.0, 0.0, 0.5], &[0.0, -1.0, 0.25]);
        let mut d = [0.0; 6];
        g(&p, &mut d);
        let want = d[0] + 0.5 * d[2] - d[4] + 0.25 * d[5];
        assert_eq!(v.to_bits(), f(&p).to_bits());
        assert!((t - want).abs() < 1e-9 * (1.0 + want.abs()), "{t} {want}");
    }
}

/// Pieces through `filter` and `map` stages (the closure's parameter bound to the piece, then
/// read through that name): in reductions, collected, in `for` loops, zipped with windows, of a
/// part of a slice. Before: "`chunks` on a slice is not supported yet", "does not support
/// sub-slices", or "`chunks` is not supported in a `for` over a differentiated slice".
#[gradient]
fn pieces_filtered(x: &[f64]) -> f64 {
    let pairs: f64 = x
        .chunks(2)
        .filter(|c| c.len() == 2)
        .map(|c| c[0] - c[1])
        .map(|d| d * d)
        .sum();
    let kept: Vec<f64> = x
        .chunks(2)
        .filter(|c| c.len() == 2)
        .map(|c| c[0] * c[1])
        .collect();
    let mut looped = 0.0;
    for c in x.chunks(3).filter(|c| c.len() > 1) {
        let d = c;
        looped += d[0] * d[d.len() - 1];
    }
    let rising: f64 = x
        .windows(3)
        .filter(|w| w[1] > w[0])
        .map(|w| w[2] - w[1] * w[0])
        .sum();
    let zipped: f64 = x
        .chunks(2)
        .zip(x.windows(2))
        .filter(|(c, _)| c.len() == 2)
        .map(|(c, w)| c[0] * w[1])
        .sum();
    let tail = &x[1..];
    let parts: f64 = tail
        .chunks(2)
        .filter(|c| c.len() > 1)
        .map(|c| {
            let d = c;
            d[0] / (1.0 + d[1] * d[1])
        })
        .sum();
    pairs + kept.iter().sum::<f64>() + looped + rising + zipped + parts + counted(x)
}

/// `take` and `skip` after other stages (`.filter(..).take(k)`: the first `k` items kept), in
/// reductions, `for` loops and collections; `take(0)`. Before: "`filter` is not supported in a
/// `for` over a differentiated slice".
#[gradient]
fn counted(x: &[f64]) -> f64 {
    let first: f64 = x
        .iter()
        .filter(|v| **v > -0.5)
        .take(3)
        .map(|v| v * v)
        .sum::<f64>()
        + x.iter().map(|v| v.sin()).skip(2).sum::<f64>();
    let mut looped = 0.0;
    for (i, v) in x
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 2 == 0)
        .skip(1)
        .take(1)
    {
        looped += v * i as f64;
    }
    for c in x.chunks(2).filter(|r| r.len() == 2).take(2) {
        looped += c[0] * 0.5 + c[1];
    }
    let none: f64 = x.iter().filter(|v| **v > 10.0).take(0).sum();
    let kept: Vec<f64> = x
        .iter()
        .map(|v| v * 2.0)
        .filter(|v| *v < 2.0)
        .take(2)
        .collect();
    first + looped + none + kept.iter().product::<f64>()
}

#[test]
fn pieces_through_stages() {
    for p in [
        &[0.7, -0.4, 1.3, 0.2, -0.9][..],
        &[0.3, 1.1, -0.6, 0.8, 0.5, -1.2],
        &[0.4, -0.2],
        &[1.5],
    ] {
        check(
            "pieces_filtered",
            &pieces_filtered,
            &pieces_filtered_grad,
            p,
        );
    }
}

/// Two collections at once: `partition` of references and of values (after a `map`), `unzip`
/// of pairs of floats. Before: "with a plain name: destructure in separate `let`s".
#[gradient]
fn split_in_two(x: &[f64]) -> f64 {
    let (pos, neg): (Vec<f64>, Vec<f64>) = x.iter().partition(|v| **v > 0.0);
    let (big, small): (Vec<f64>, Vec<f64>) =
        x.iter().map(|v| v * 3.0).partition(|&v| v.abs() > 1.0);
    let (a, b): (Vec<f64>, Vec<f64>) = x.windows(2).map(|w| (w[0], w[1] * 2.0)).unzip();
    pos.iter().sum::<f64>() - neg.iter().map(|v| v * v).sum::<f64>()
        + big.iter().product::<f64>()
        + small.len() as f64 * small.iter().sum::<f64>()
        + a.iter().zip(&b).map(|(p, q)| p * q).sum::<f64>()
}

#[test]
fn partitions_and_unzips() {
    for p in [
        &[0.7, -0.4, 1.3, 0.2, -0.9][..],
        &[0.3, 1.1, -0.6, 0.8, 0.5, -1.2],
        &[-0.4],
        &[],
    ] {
        check("split_in_two", &split_in_two, &split_in_two_grad, p);
    }
}

/// An element that may be missing (`first`, `last`, `get(i)`, `copied`) taken apart by
/// `map_or`, `map(..).unwrap_or`, `map_or_else` and a `match` on `Some`/`None` (either order),
/// of a differentiated slice and of data. Before: "`first` on a slice is not supported yet".
#[gradient(wrt(x))]
fn element_options(x: &[f64], knots: &[f64]) -> f64 {
    let k0 = knots.first().map_or(0.0, |k| *k);
    x.first().map_or(0.5, |a| a * 2.0)
        + x.last().map(|a| a.sin()).unwrap_or(0.0)
        + match x.last() {
            Some(v) => v * 3.0,
            None => 0.0,
        }
        + x.get(1).copied().map_or_else(|| 2.0, f64::exp)
        + match x.get(7) {
            None => k0,
            Some(&v) => v * k0,
        }
}

#[test]
fn elements_that_may_be_missing() {
    for p in [
        &[0.7, -0.4, 1.3, 0.2, -0.9][..],
        &[0.3, 1.1, -0.6, 0.8, 0.5, -1.2, 0.4, 0.9],
        &[-0.4],
        &[],
    ] {
        let f = |q: &[f64]| element_options(q, &[0.5, 2.0]);
        let g = |q: &[f64], d: &mut [f64]| element_options_grad(q, &[0.5, 2.0], d);
        check("element_options", &f, &g, p);
    }
}

fn mat_times(a: &[[f64; 3]; 2], v: &[f64; 3]) -> [f64; 2] {
    let mut out = [0.0; 2];
    for i in 0..2 {
        for j in 0..3 {
            out[i] += a[i][j] * v[j];
        }
    }
    out
}

/// A plain helper taking a local matrix by reference and returning an array, given a matrix of
/// parameters and one of constants; views of the matrix bound beside it (`let b: &[[f64; 3]; 2]
/// = &a;`) and an explicit deref of one (`(*c)[1]`). Before: "this array is not read that way
/// here" (the helper's parameter, bound by the inlining at the top of the body, was not read as
/// the matrix).
#[gradient(jvp, hvp)]
fn matrix_helper_views(x: &[f64]) -> f64 {
    let a = [[x[0], x[1], x[2]], [x[3], x[4], x[5]]];
    let r = mat_times(&a, &[1.0, 0.5, -0.5]);
    let k = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
    let q = mat_times(&k, &[x[0], x[2], x[4]]);
    let b: &[[f64; 3]; 2] = &a;
    let c = &a;
    let w = [x[1], x[3]];
    let u = &w;
    r[0] * r[1] + q[0] * q[1] + b[1][2] * (*c)[0][1] + (*u)[1] * u.iter().sum::<f64>()
}

/// Ends of iterator chains: `rev()` before `skip`/`take` and `next`/`nth`/`last`, `filter(..)
/// .last()` (the first match from the end), and `try_into` a reference to an array. Before: "`iter()`
/// of a differentiated sequence is followed where ..", "does not support sub-slices".
#[gradient(jvp, hvp)]
fn iterator_ends(x: &[f64]) -> f64 {
    let a = *x.iter().rev().skip(1).next().unwrap();
    let b = x.iter().rev().skip(2).take(2).last().copied().unwrap();
    let c = x.iter().rev().nth(4).copied().unwrap_or(0.5);
    let d = x[1..5].iter().rev().nth(1).copied().unwrap();
    let e = x.iter().rev().skip(9).next().copied().unwrap_or(2.0);
    let f = x.iter().copied().filter(|v| *v < 0.6).last().unwrap_or(0.0);
    let g = x
        .iter()
        .filter(|&&v| v > 5.0)
        .last()
        .copied()
        .unwrap_or(1.5);
    let h: &[f64; 3] = x[3..].try_into().unwrap();
    let [p, q]: [f64; 2] = x[1..3].try_into().unwrap();
    a + 2.0 * b + 3.0 * c * d + e * f + g * h[0] * h[2] + h.iter().sum::<f64>() + p * q
}

const SCALE: f64 = 0.73;

/// Matrices of names whose `let`s say nothing of a float: a local from a constant of the module
/// (`let s = SCALE;`), another that only `+=` tells (`let mut acc = SCALE; acc += x[0];`), one
/// copied by a `move` closure and then written. Before: "this array is not read that way here".
#[gradient(jvp, hvp)]
fn matrices_of_constants(x: &[f64]) -> f64 {
    let s = SCALE;
    let mut acc = SCALE;
    for v in x {
        acc += v * 0.5;
    }
    let m = [[s, x[1]], [x[2], s]];
    let mut n = [[acc, acc], [acc, s]];
    let copy = move |i: usize| n[i][1 - i] * 0.5;
    n[1][0] = n[0][0] * 0.5;
    m[0][1] * m[1][1] + n[1][0] * n[0][1] - n[1][1] + copy(1) + [[SCALE, x[3]], [x[4], x[5]]][1][0]
}

#[test]
fn helpers_of_local_matrices_and_ends_of_chains() {
    let p = [0.31, -0.72, 0.53, 0.94, -0.45, 0.27];
    check(
        "matrix_helper_views",
        &matrix_helper_views,
        &matrix_helper_views_grad,
        &p,
    );
    check("iterator_ends", &iterator_ends, &iterator_ends_grad, &p);
    check(
        "matrices_of_constants",
        &matrices_of_constants,
        &matrices_of_constants_grad,
        &p,
    );
    // Forward mode and H·v against the gradient's own differences.
    let v = [0.2, -0.5, 0.7, 0.1, 0.3, -0.4];
    for (name, g, j, hv) in [
        (
            "matrix_helper_views",
            matrix_helper_views_grad as fn(&[f64], &mut [f64]) -> f64,
            matrix_helper_views_jvp as fn(&[f64], &[f64]) -> (f64, f64),
            matrix_helper_views_hvp as fn(&[f64], &[f64], &mut [f64], &mut [f64]) -> f64,
        ),
        (
            "iterator_ends",
            iterator_ends_grad,
            iterator_ends_jvp,
            iterator_ends_hvp,
        ),
    ] {
        let mut d = [0.0; 6];
        let value = g(&p, &mut d);
        let (jv, t) = j(&p, &v);
        assert_eq!(jv.to_bits(), value.to_bits(), "{name}: jvp value");
        let want: f64 = d.iter().zip(&v).map(|(a, b)| a * b).sum();
        assert!(
            (t - want).abs() < 1e-12 * (1.0 + want.abs()),
            "{name}: jvp {t} vs {want}"
        );
        let (mut d2, mut h) = ([0.0; 6], [0.0; 6]);
        assert_eq!(
            hv(&p, &v, &mut d2, &mut h).to_bits(),
            value.to_bits(),
            "{name}"
        );
        let step = 1e-5;
        let (mut ga, mut gb) = ([0.0; 6], [0.0; 6]);
        let shifted = |s: f64| -> Vec<f64> { p.iter().zip(&v).map(|(a, b)| a + s * b).collect() };
        g(&shifted(step), &mut ga);
        g(&shifted(-step), &mut gb);
        for k in 0..6 {
            let fd = (ga[k] - gb[k]) / (2.0 * step);
            assert!(
                (fd - h[k]).abs() < 1e-5 * (1.0 + fd.abs()),
                "{name}: hv[{k}] {} vs {fd}",
                h[k]
            );
        }
    }
}

fn norm3(v: [f64; 3]) -> f64 {
    (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt()
}

/// Arrays taken from parts by `try_from` (`<[f64; 3]>::try_from(&x[..3])`, `TryFrom::try_from`
/// into a typed `let`, a reference to an array, and as a call's argument). Before: "does not
/// know the derivative of the method `unwrap`".
#[gradient]
fn parts_by_try_from(x: &[f64]) -> f64 {
    let [a, b, c] = <[f64; 3]>::try_from(&x[..3]).unwrap();
    let q = <[f64; 3]>::try_from(&x[3..]).expect("three");
    let r: [f64; 2] = TryFrom::try_from(&x[4..6]).unwrap();
    let s: &[f64; 2] = <&[f64; 2]>::try_from(&x[1..3]).unwrap();
    a * b + c + q[0] * q[2] + r[1] + s[0] * s[1] + norm3(<[f64; 3]>::try_from(&x[2..5]).unwrap())
}

#[test]
fn arrays_from_parts_by_try_from() {
    let p = [0.3, -0.7, 0.5, 0.9, -0.4, 0.2];
    check(
        "parts_by_try_from",
        &parts_by_try_from,
        &parts_by_try_from_grad,
        &p,
    );
}

/// A local `Vec` drained (`v.drain(..2).collect()`, `v.drain(1..)` as a statement, `v.drain(..)`):
/// the part taken, then what stays. Before: "`drain` on a slice is not supported yet".
#[gradient]
fn drained(x: &[f64]) -> f64 {
    let mut v: Vec<f64> = x.iter().map(|a| a * 2.0).collect();
    let head: Vec<f64> = v.drain(..2).collect();
    let tail: Vec<f64> = v.drain(3..).collect();
    v.drain(..1);
    let mut w = x.to_vec();
    let all: Vec<f64> = w.drain(..).collect();
    w.push(x[0] * 3.0);
    head[0] * head[1] + v.iter().sum::<f64>() + tail[0] * v[0] + all[1] * w[0]
}

#[test]
fn vectors_drained() {
    let p = [0.3, -0.7, 0.5, 0.9, -0.4, 0.2];
    check("drained", &drained, &drained_grad, &p);
}

/// `ref` bindings in `let` patterns (`let (ref a, ref b) = t;`, `let ref a = ..;`, `ref mut`),
/// read through (`*a`) and by auto-deref (`a * b`). Before: "supports `let name = ...;` with a
/// plain name".
#[gradient]
fn ref_bindings(x: &[f64]) -> f64 {
    let t = (x[0], x[1]);
    let (ref a, ref b) = t;
    let (ref c, d) = (x[2] * 2.0, x[3]);
    let ref e = x[4];
    let mut acc = x[5];
    let ref mut r = acc;
    *r += a * e;
    *r *= 2.0;
    let mut s = 0.0;
    for i in 0..x.len() {
        let (ref v, w) = (x[i], i as f64);
        s += v * w + v.powi(2);
    }
    a * b + *c * d + c.sin() + e.exp() + acc + s
}

#[test]
fn ref_bindings_in_let_patterns() {
    let p = [0.3, -0.7, 0.5, 0.9, -0.4, 0.2];
    check("ref_bindings", &ref_bindings, &ref_bindings_grad, &p);
}

#[derive(Clone, Copy)]
struct Pt {
    x: f64,
    y: f64,
}

/// A struct pattern of `ref` fields of a dereferenced item (`let Pt { ref x, ref y } = *p;`),
/// and a tuple pattern of the same.
#[gradient(wrt(w))]
fn fit_by_ref(w: &[f64], pts: &[Pt], pairs: &[(f64, f64)]) -> f64 {
    let mut s = 0.0;
    for p in pts {
        let Pt { ref x, ref y } = *p;
        let r = w[0] * x + w[1] - y;
        s += r * r;
    }
    for p in pairs {
        let (ref x, ref y) = *p;
        let r = w[0] * *x + w[1] - *y;
        s += r * r;
    }
    s
}

#[test]
fn ref_fields_of_data() {
    let pts = [Pt { x: 1.0, y: 2.0 }, Pt { x: 2.0, y: 3.5 }];
    let pairs = [(0.5, 1.0), (-1.0, 0.2)];
    let p = [0.3, 0.7];
    check(
        "fit_by_ref",
        &|w: &[f64]| fit_by_ref(w, &pts, &pairs),
        &|w: &[f64], d: &mut [f64]| fit_by_ref_grad(w, &pts, &pairs, d),
        &p,
    );
}

/// A `collect` of a `map` over a range or a slice zipped with a part of a differentiated slice
/// (`(0..3).zip(&x[2..5])`). Before: "cannot follow a differentiated slice through `&x[2..5]`".
#[gradient]
fn zipped_parts_collected(x: &[f64]) -> f64 {
    let v: Vec<f64> = (0..3)
        .zip(&x[2..5])
        .map(|(i, b)| f64::from(i) * b.sin())
        .collect();
    let u: Vec<f64> = x[..3]
        .iter()
        .zip(&x[3..])
        .map(|(a, b)| a * b.cos())
        .collect();
    v.iter().sum::<f64>() + u[0] * u[2]
}

#[test]
fn parts_zipped_into_collections() {
    let p = [0.3, -0.7, 0.5, 0.9, -0.4, 0.2];
    check(
        "zipped_parts_collected",
        &zipped_parts_collected,
        &zipped_parts_collected_grad,
        &p,
    );
}

/// A buffer copied from an item of a loop over a local table of rows (`for d in &data { let mut
/// h = d.to_vec(); .. }`), then replaced by a helper's result and by a `collect` of itself.
/// Before: "`iter()` of a differentiated sequence is followed where the iterator is consumed".
#[gradient]
fn rows_of_a_table_carried(x: &[f64]) -> f64 {
    let data = [[1.0, 2.0], [-1.0, 0.5]];
    let mut t = 0.0;
    for d in &data {
        let mut h = d.to_vec();
        for k in 0..3 {
            h = layer2(x, &h);
            if k < 2 {
                h = h.iter().map(|&v| v.max(0.0) + 0.1 * v).collect();
            }
        }
        t += h[0];
    }
    t
}

fn layer2(w: &[f64], x: &[f64]) -> Vec<f64> {
    (0..2)
        .map(|i| w[2 * i] * x[0] + w[2 * i + 1] * x[1] + w[4 + i])
        .collect()
}

#[test]
fn copies_of_table_rows_carried_across_iterations() {
    let p = [0.3, -0.7, 0.5, 0.9, -0.4, 0.2];
    check(
        "rows_of_a_table_carried",
        &rows_of_a_table_carried,
        &rows_of_a_table_carried_grad,
        &p,
    );
}

/// Arrays made by `from_fn` typed by its turbofish only (`core::array::from_fn::<f64, 3, _>`).
/// Before: "inlines a closure defined in the body at its calls, and cannot here".
#[gradient]
fn from_fn_typed_by_turbofish(x: &[f64]) -> f64 {
    let v: [f64; 3] = core::array::from_fn(|i| x[i] * x[i + 3]);
    let w = std::array::from_fn::<f64, 3, _>(|i| v[i].sin());
    let u = core::array::from_fn::<f64, 2, _>(|i| w[i] * x[5]);
    v.iter().sum::<f64>() + w[2] + u[0] * u[1]
}

#[test]
fn arrays_from_fn_typed_by_turbofish() {
    let p = [0.3, -0.7, 0.5, 0.9, -0.4, 0.2];
    check(
        "from_fn_typed_by_turbofish",
        &from_fn_typed_by_turbofish,
        &from_fn_typed_by_turbofish_grad,
        &p,
    );
}

/// The elements of a part read from its end (`x[3..].iter().rev().nth(1)`, `.last()`,
/// `.next()`, of a view `split_at` makes too), present or not. Before: "`iter()` of a
/// differentiated sequence is followed where the iterator is consumed at once".
#[gradient]
fn parts_from_their_end(x: &[f64]) -> f64 {
    let (a, b) = x.split_at(x.len() / 2);
    b.iter().rev().nth(1).copied().unwrap_or(0.5)
        + a[0]
        + x[1..4].iter().rev().nth(0).copied().unwrap_or(0.5)
        + x[2..].iter().rev().last().copied().unwrap()
            * x[..3].iter().rev().next().copied().unwrap_or(1.0)
        + x[1..5].iter().rev().nth(7).copied().unwrap_or(0.25)
}

#[test]
fn parts_read_from_their_end() {
    let p = [0.3, -0.7, 0.5, 0.9, -0.4, 0.2];
    check(
        "parts_from_their_end",
        &parts_from_their_end,
        &parts_from_their_end_grad,
        &p,
    );
}

/// Sources of items other than a slice: a value repeated (`std::iter::repeat(v).take(n)`), a
/// slice cycled (`x.iter().cycle().take(n)`), the count of a slice's items (`x.iter().count()`),
/// a copy iterated (`x[1..3].to_vec().iter()`). Before: "cannot iterate over the call
/// `std::iter::repeat(..)`" (and `.cycle(..)`), "`iter()` of a differentiated sequence is
/// followed where the iterator is consumed at once".
#[gradient(jvp)]
fn other_sources(x: &[f64]) -> f64 {
    let r = std::iter::repeat(x[0])
        .take(3)
        .map(|v| v * x[1])
        .sum::<f64>();
    let c = x
        .iter()
        .cycle()
        .take(10)
        .enumerate()
        .map(|(i, v)| v * i as f64)
        .sum::<f64>();
    let k = x.iter().count() as f64;
    let w = x.to_vec();
    let s = x[1..3].to_vec().iter().map(|v| v.tanh()).sum::<f64>() + w.clone().iter().sum::<f64>();
    let mut q = 0.0;
    for v in std::iter::repeat_n(x[2] * 0.5, 2) {
        q += v.sin();
    }
    r + 0.1 * c + s / k + q
}

#[test]
fn sources_repeated_cycled_counted() {
    let p = [0.3, -0.7, 0.5, 0.9, -0.4, 0.2];
    check("other_sources", &other_sources, &other_sources_grad, &p);
    let t = [0.5, -1.0, 0.25, 2.0, 1.5, -0.5];
    let mut d = [0.0; 6];
    let v = other_sources_grad(&p, &mut d);
    jvp_agrees("other_sources", (v, &d), &t, other_sources_jvp(&p, &t));
}

/// Items each made from the one before (`std::iter::successors`): Newton's square root as the
/// last of `n` steps, the `k`-th item, `n` items mapped and summed or collected; closures taking
/// the item by `&g`, `&g: &f64` and `g: &f64`, one of statements. Before: "inlines a closure
/// defined in the body at its calls, and cannot here".
#[gradient(jvp, hvp)]
fn successive(x: &[f64]) -> f64 {
    use std::iter::successors;
    let a = x[0] * x[0] + 2.0;
    let root = successors(Some(1.0), |&g: &f64| Some(0.5 * (g + a / g)))
        .take(8)
        .last()
        .unwrap();
    let k = successors(Some(x[1]), |&g| {
        let h = g.sin();
        Some(h * x[2])
    })
    .nth(3)
    .unwrap();
    let v: Vec<f64> = successors(Some(x[3]), |g: &f64| Some(g * 0.5 + x[4]))
        .take(4)
        .collect();
    let damped = successors(Some(x[2]), |&g| Some(0.9 * g))
        .take(3)
        .last()
        .unwrap_or(0.0);
    root * x[5]
        + k
        + damped
        + v.iter().sum::<f64>()
        + successors(Some(x[5]), |g| Some(g.cos()))
            .take(3)
            .map(|g| g * g)
            .sum::<f64>()
}

#[test]
fn items_made_from_the_one_before() {
    let p = [0.3, -0.7, 0.5, 0.9, -0.4, 0.2];
    check("successive", &successive, &successive_grad, &p);
    let t = [0.5, -1.0, 0.25, 2.0, 1.5, -0.5];
    let mut d = [0.0; 6];
    let v = successive_grad(&p, &mut d);
    jvp_agrees("successive", (v, &d), &t, successive_jvp(&p, &t));
}

/// Labeled blocks left early with a value (`break 'b v`) or without (`break 'b;`), inside a
/// loop too, and a message made by `format!` from differentiated values (a `String`, data).
/// Before: "labeled blocks are not supported", "cannot differentiate through the macro
/// `format!`".
#[gradient(jvp)]
fn labeled_blocks(x: &[f64]) -> f64 {
    let r = 'pick: {
        if x[0] > 0.0 {
            break 'pick x[0] * 2.0;
        }
        if x[1] > 0.0 {
            break 'pick x[1].sqrt();
        }
        x[2]
    };
    let mut s = 0.0;
    for (i, v) in x.iter().enumerate() {
        'step: {
            if *v < -0.5 {
                break 'step;
            }
            s += v * i as f64;
        }
    }
    let label = format!("r = {r:.3}, s = {}", s);
    assert!(!label.is_empty());
    r + s.tanh()
}

#[test]
fn blocks_left_early_and_messages() {
    for p in [
        [0.3, -0.7, 0.5, 0.9, -0.4, 0.2],
        [-0.3, 0.7, 0.5, -0.9, -0.6, 0.2],
        [-0.3, -0.7, 0.5, 0.9, -0.4, 0.2],
    ] {
        check("labeled_blocks", &labeled_blocks, &labeled_blocks_grad, &p);
        let t = [0.5, -1.0, 0.25, 2.0, 1.5, -0.5];
        let mut d = [0.0; 6];
        let v = labeled_blocks_grad(&p, &mut d);
        jvp_agrees("labeled_blocks", (v, &d), &t, labeled_blocks_jvp(&p, &t));
    }
}

enum Activation {
    Relu,
    Leaky(f64),
    Scaled { k: f64 },
}

impl Activation {
    /// A plain method of the enum, matching `self`.
    fn apply(&self, z: f64) -> f64 {
        match self {
            Activation::Relu => z.max(0.0),
            Activation::Leaky(k) => {
                if z > 0.0 {
                    z
                } else {
                    k * z
                }
            }
            Activation::Scaled { k } => k * z.tanh(),
        }
    }
}

const ACTIVATIONS: [Activation; 2] = [Activation::Leaky(0.2), Activation::Scaled { k: 1.5 }];

/// The enum's plain method given differentiated values, on a value, on the items of a list of
/// the enum's values (a local list, a constant, a slice of data) in loops and closures. Before:
/// rustc's E0599 inside the generated code (`apply_grad` not found: taken for a `#[gradient]`
/// method).
#[gradient(wrt(x))]
fn activation_methods(x: &[f64], layers: &[Activation]) -> f64 {
    let one = Activation::Leaky(0.1);
    let listed = [Activation::Relu, Activation::Scaled { k: 0.7 }];
    let mut s = one.apply(x[0]);
    for a in &listed {
        s += a.apply(x[1]);
    }
    s += ACTIVATIONS.iter().map(|a| a.apply(x[2])).sum::<f64>();
    s += Activation::Leaky(0.5).apply(x[5]);
    s + layers
        .iter()
        .zip(&x[3..])
        .map(|(a, v)| a.apply(*v))
        .sum::<f64>()
}

#[test]
fn methods_of_an_enum_given_differentiated_values() {
    let layers = [
        Activation::Scaled { k: 2.0 },
        Activation::Leaky(0.3),
        Activation::Relu,
    ];
    for p in [
        [0.3, -0.7, 0.5, 0.9, -0.4, 0.2],
        [-0.3, 0.7, -0.5, -0.9, 0.6, -0.2],
    ] {
        check(
            "activation_methods",
            &|x| activation_methods(x, &layers),
            &|x, d| activation_methods_grad(x, &layers, d),
            &p,
        );
    }
}

/// The mean of a list of activations applied to `z`: a plain helper lent the list.
fn mean_applied(acts: &[Activation], z: f64) -> f64 {
    acts.iter().map(|a| a.apply(z)).sum::<f64>() / acts.len() as f64
}

/// Lists of the enum's values lent to a plain helper that calls the method on each (a local
/// list, a list written in the call, a part of one, data). Before: rustc's E0599 inside the
/// generated code (`apply_grad` not found: the helper's calls of the method were not followed).
#[gradient(wrt(x), jvp, hvp)]
fn activations_lent(x: &[f64], layers: &[Activation]) -> f64 {
    let listed = vec![Activation::Relu, Activation::Scaled { k: -0.75 }];
    mean_applied(&listed, x[0] * x[1])
        + mean_applied(&[Activation::Leaky(0.1), Activation::Relu], x[2])
        + mean_applied(&listed[1..], x[3]) * mean_applied(layers, x[4])
}

#[test]
fn lists_of_an_enums_values_lent_to_helpers() {
    let layers = [Activation::Leaky(0.3), Activation::Scaled { k: 2.0 }];
    for p in [
        [0.3, -0.7, 0.5, 0.9, -0.4, 0.2],
        [-0.3, 0.7, -0.5, -0.9, 0.6, -0.2],
    ] {
        check(
            "activations_lent",
            &|x| activations_lent(x, &layers),
            &|x, d| activations_lent_grad(x, &layers, d),
            &p,
        );
    }
}

/// A list of an enum's values, a data variant holding a float literal among them (`[Act::Relu,
/// Act::Leaky(0.1)]`, `vec![..]`, an enum of the body too): data, matched per item. Before:
/// rustc's E0308 inside the generated code (the list was taken for a buffer of floats).
#[gradient]
fn activations_listed(x: &[f64]) -> f64 {
    enum Local {
        Tanh,
        Shift(f64),
    }
    let acts = vec![
        Activation::Leaky(0.1),
        Activation::Relu,
        Activation::Scaled { k: 0.5 },
        Activation::Leaky(-0.2),
    ];
    let mut s: f64 = acts
        .iter()
        .zip(x)
        .map(|(a, &z)| match a {
            Activation::Relu => z.max(0.0),
            Activation::Leaky(k) => {
                if z > 0.0 {
                    z
                } else {
                    k * z
                }
            }
            Activation::Scaled { k } => k * z,
        })
        .sum();
    let local = [Local::Shift(0.25), Local::Tanh];
    for (a, z) in local.iter().zip(&x[4..]) {
        s += match a {
            Local::Tanh => z.tanh(),
            Local::Shift(b) => z + b,
        };
    }
    s
}

#[test]
fn lists_of_an_enums_values() {
    for p in [
        [0.3, -0.7, 0.5, 0.9, -0.4, 0.2],
        [-0.3, 0.7, -0.5, -0.9, 0.6, -0.2],
    ] {
        check(
            "activations_listed",
            &activations_listed,
            &activations_listed_grad,
            &p,
        );
    }
}

#[derive(Default, Clone, Copy)]
struct Moments {
    s: f64,
    q: f64,
    n: usize,
}

impl Moments {
    fn add(&mut self, v: f64) {
        self.s += v;
        self.q += v * v;
        self.n += 1;
    }

    fn variance(&self) -> f64 {
        self.q / self.n as f64 - (self.s / self.n as f64).powi(2)
    }
}

/// A fold whose accumulator is a struct's value changed by its methods and given back
/// (`|mut m, &v| { m.add(v); m }`), from `Default::default()` and from a literal. Before: "does
/// not know the derivative of the method `add`".
#[gradient(jvp)]
fn folded_moments(x: &[f64]) -> f64 {
    let m = x.iter().fold(Moments::default(), |mut m, &v| {
        m.add(v);
        m
    });
    let tail = x[2..].iter().fold(
        Moments {
            s: 0.5,
            q: 0.0,
            n: 1,
        },
        |mut t, v| {
            t.add(v.sin());
            t
        },
    );
    m.variance() + m.s * 0.25 + tail.variance()
}

#[test]
fn folds_into_values_of_structs() {
    let p = [0.3, -0.7, 0.5, 0.9, -0.4, 0.2];
    check("folded_moments", &folded_moments, &folded_moments_grad, &p);
    let t = [0.5, -1.0, 0.25, 2.0, 1.5, -0.5];
    let mut d = [0.0; 6];
    let v = folded_moments_grad(&p, &mut d);
    jvp_agrees("folded_moments", (v, &d), &t, folded_moments_jvp(&p, &t));
}
