//! A `Vec` of rows grown by pushes of rows written out — `pts.push((a, b))`, `pts.push([a, b,
//! c])`, `pts.push(vec![a, b])` — in loops over ranges, slices, windows and enumerations, in
//! branches, `match` arms, `while` loops and straight-line code, typed or not, then read as rows
//! (`pts[i].0`, `for &(a, b) in &pts`, `pts.iter().map(..)`, `sort_by`, `len`, a fold, a copy
//! collected) and handed to plain helpers taking `&[(f64, f64)]` or `&[[f64; 2]]` (issue 8,
//! found by a probe of realistic code: refused before). Each against central finite
//! differences, values equal to the function's; forward mode and H·v on one.

#![allow(
    clippy::cast_precision_loss,
    clippy::needless_range_loop,
    clippy::vec_init_then_push,
    clippy::useless_vec
)]

mod common;

use common::{check, check_model, close, fd_all};
use grad::gradient;

const P: [f64; 6] = [0.7, -1.2, 0.45, 1.9, -0.35, 0.55];

/// Shoelace area of a polygon given as rows.
fn area(p: &[[f64; 2]]) -> f64 {
    let mut a = 0.0;
    for i in 0..p.len() {
        let j = (i + 1) % p.len();
        a += p[i][0] * p[j][1] - p[j][0] * p[i][1];
    }
    0.5 * a
}

/// Spread of weighted points about their mean.
fn spread(p: &[(f64, f64)]) -> f64 {
    let m = p.iter().map(|q| q.0).sum::<f64>() / p.len() as f64;
    p.iter().map(|&(a, b)| (a - m).powi(2) * b).sum()
}

/// Tuples pushed untyped in a loop over a range, read by a `map` with a pattern of references.
#[gradient(jvp, hvp)]
fn pairs(x: &[f64]) -> f64 {
    let mut pts = Vec::new();
    for i in 0..x.len() - 1 {
        pts.push((x[i], x[i + 1] * x[i]));
    }
    pts.iter().map(|(a, b)| a * b).sum::<f64>() + pts.len() as f64
}

#[test]
fn tuples_pushed_in_a_loop() {
    check("pairs", &pairs, &pairs_grad, &P);
    let fd = fd_all(&pairs, &P);
    let v: [f64; 6] = [0.3, -0.1, 0.5, 0.2, -0.4, 0.25];
    let (val, t) = pairs_jvp(&P, &v);
    assert_eq!(val.to_bits(), pairs(&P).to_bits());
    let want: f64 = fd.iter().zip(&v).map(|(a, b)| a * b).sum();
    assert!(
        (t - want).abs() < 1e-6 * (1.0 + want.abs()),
        "jvp {t} vs {want}"
    );
    let (mut d, mut hv) = ([0.0; 6], [0.0; 6]);
    let val = pairs_hvp(&P, &v, &mut d, &mut hv);
    assert_eq!(val.to_bits(), pairs(&P).to_bits());
    let h = common::fd_hessian(&pairs, &P);
    let want: Vec<f64> = (0..6)
        .map(|i| (0..6).map(|j| h[i * 6 + j] * v[j]).sum())
        .collect();
    close("hvp", &hv, &want);
}

/// Typed tuples pushed where a condition holds (how many is known only after the loop), read
/// by index in a loop bound by `len` and in a condition.
#[gradient]
fn selected(x: &[f64]) -> f64 {
    let mut pts: Vec<(f64, f64)> = Vec::new();
    for i in 0..x.len() {
        if x[i] > 0.0 {
            pts.push((x[i], x[i].sin()));
        }
    }
    let mut s = 0.0;
    for k in 0..pts.len() {
        if pts[k].1 > 0.5 {
            s += pts[k].0 * pts[k].1;
        } else {
            s -= pts[k].0.powi(2);
        }
    }
    s / pts.len() as f64
}

#[test]
fn tuples_pushed_in_a_branch() {
    check("selected", &selected, &selected_grad, &P);
}

/// Arrays of three pushed from an enumeration (a cast index among them), sorted by a column.
#[gradient]
fn ranked(x: &[f64]) -> f64 {
    let mut rows = Vec::new();
    for (i, &v) in x.iter().enumerate() {
        rows.push([i as f64, v, v * v]);
    }
    rows.sort_by(|a, b| b[1].partial_cmp(&a[1]).unwrap());
    rows[0][1] * 3.0 + rows[1][2] + rows[2][0]
}

#[test]
fn arrays_pushed_and_sorted() {
    check("ranked", &ranked, &ranked_grad, &P);
}

/// `vec!` rows pushed in nested loops, windows pushed as tuples and folded, pushes in `match`
/// arms and in straight-line code.
#[gradient]
fn shapes(x: &[f64]) -> f64 {
    let mut grid = Vec::new();
    for i in 0..3 {
        for j in 0..2 {
            grid.push(vec![x[i] * x[j], x[i] + x[j]]);
        }
    }
    let g: f64 = grid.iter().map(|p| (p[0] - p[1]).powi(2)).sum();
    let mut segs = Vec::new();
    for w in x.windows(2) {
        segs.push((w[0], w[1] - w[0]));
    }
    let folded = segs.iter().map(|&(a, d)| a * d).fold(0.0, |acc, v| acc + v);
    let mut arms = Vec::new();
    for i in 0..x.len() {
        match i % 3 {
            0 => arms.push((x[i], 1.0)),
            1 => arms.push((1.0, x[i])),
            _ => {}
        }
    }
    let last = arms[arms.len() - 1];
    let mut two: Vec<[f64; 2]> = Vec::with_capacity(2);
    two.push([x[0], x[5]]);
    two.push([x[1].exp(), 2.0]);
    g + folded + last.0 * last.1 + two[0][0] * two[1][0] + two[1][1] * two[0][1]
}

#[test]
fn rows_pushed_in_every_shape() {
    check("shapes", &shapes, &shapes_grad, &P);
}

/// A trajectory pushed by a `while` loop, then a copy of a column collected, and rows handed
/// to plain helpers (a polygon's area, a weighted spread).
#[gradient]
fn trajectory(x: &[f64]) -> f64 {
    let mut path = Vec::new();
    let (mut t, mut y) = (0.0, x[0]);
    while t < 1.0 {
        y += 0.25 * (x[1] - y);
        path.push((t, y));
        t += 0.25;
    }
    let ys: Vec<f64> = path.iter().map(|p| p.1).collect();
    let mut poly = Vec::new();
    for i in 0..x.len() / 2 {
        poly.push([x[2 * i], x[2 * i + 1]]);
    }
    let mut weighted = Vec::new();
    for &v in x {
        weighted.push((v, 1.0 + v * v));
    }
    ys.iter().sum::<f64>() * path[0].1 + area(&poly) + spread(&weighted)
}

#[test]
fn rows_pushed_then_handed_to_helpers() {
    check("trajectory", &trajectory, &trajectory_grad, &P);
}

/// Rows made otherwise (a matrix of a fixed size, a collected `Vec` of tuples) handed to the
/// same helpers.
#[gradient]
fn made_then_handed(x: &[f64]) -> f64 {
    let mut poly = vec![[0.0; 2]; x.len() / 2];
    for i in 0..x.len() / 2 {
        poly[i] = [x[2 * i], x[2 * i + 1]];
    }
    let pts: Vec<(f64, f64)> = x.chunks(2).map(|c| (c[0], c[1].exp())).collect();
    area(&poly) * spread(&pts)
}

#[test]
fn matrices_handed_to_helpers() {
    check(
        "made_then_handed",
        &made_then_handed,
        &made_then_handed_grad,
        &P,
    );
}

/// Generic over the float, in `f32` too.
#[gradient]
fn generic_rows<T: grad::Real>(x: &[T]) -> T {
    let mut pts: Vec<(T, T)> = Vec::new();
    for i in 0..x.len() - 1 {
        pts.push((x[i], x[i + 1]));
    }
    let mut s = T::zero();
    for &(a, b) in &pts {
        s = s + a * b - b;
    }
    s
}

#[test]
fn generic_and_f32() {
    check(
        "generic_rows",
        &generic_rows::<f64>,
        &generic_rows_grad::<f64>,
        &P,
    );
    let x: Vec<f32> = P.iter().map(|&v| v as f32).collect();
    let mut d = vec![0.0f32; x.len()];
    let v = generic_rows_grad(&x, &mut d);
    assert_eq!(v.to_bits(), generic_rows(&x).to_bits());
    let want = [
        x[1],
        x[2] + x[0] - 1.0,
        x[3] + x[1] - 1.0,
        x[4] + x[2] - 1.0,
        x[5] + x[3] - 1.0,
        x[4] - 1.0,
    ];
    for (g, w) in d.iter().zip(want) {
        assert!((g - w).abs() < 1e-5, "{g} vs {w}");
    }
}

/// Rows folded (a running maximum of products, a decaying sum over part of them), in a
/// `Vec` of tuples pushed in `match` arms, of arrays pushed, and of a matrix written out.
#[gradient]
fn folded(x: &[f64]) -> f64 {
    let mut pv = Vec::new();
    for (k, &t) in x.iter().enumerate() {
        match k % 3 {
            0 => pv.push((f64::tanh(t * 0.3), f64::tanh(t + 0.5))),
            1 => pv.push((f64::tanh(t), 0.5)),
            _ => {}
        }
    }
    pv.push((0.1, 0.25));
    let mut sq = Vec::new();
    for &t in x {
        sq.push([t, t * t]);
    }
    let m = vec![[0.5, 1.0], [x[0], x[1]], [x[2], 2.0]];
    pv.iter().fold(0.0, |a: f64, p| a.max(p.0 * p.1))
        + sq.iter().skip(1).fold(1.0, |a, p| a * 0.5 + p[0] * p[1])
        + m.iter().fold(0.0, |a, r| a + r[0] * r[1])
}

#[test]
fn rows_folded() {
    check("folded", &folded, &folded_grad, &P);
}

/// Rows collected after a filter: a `map` to tuples then a `filter` reading a field, arrays
/// filtered by an element, windows filtered then mapped to tuples, numbered items.
#[gradient]
fn collected(x: &[f64]) -> f64 {
    let a: Vec<(f64, f64)> = x
        .iter()
        .map(|&v| (v, v * v))
        .filter(|p| p.0 > 0.0)
        .collect();
    let b: Vec<[f64; 2]> = x
        .iter()
        .map(|&v| [v, v.sin()])
        .filter(|p| p[0] < 1.0)
        .collect();
    let c = x
        .windows(2)
        .filter(|w| w[0] < w[1])
        .map(|w| (w[0], w[1] - w[0]))
        .collect::<Vec<(f64, f64)>>();
    let d: Vec<(f64, f64)> = x
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 2 == 0)
        .map(|(i, &v)| (i as f64, v.exp()))
        .collect();
    a.iter().map(|p| p.0 + p.1).sum::<f64>()
        + b.iter().map(|p| p[0] * p[1]).sum::<f64>()
        + c.iter().map(|&(u, w)| u * w).sum::<f64>() / c.len() as f64
        + d.iter().map(|p| p.0 * p.1).sum::<f64>()
}

#[test]
fn rows_collected_after_a_filter() {
    check("collected", &collected, &collected_grad, &P);
}

/// Pairs filtered under one name (`|p| p.0 > c`): after `zip`, `enumerate`, `copied()`, a
/// `map` to pairs (refused before: `filter` over a differentiated slice).
#[gradient]
fn pair_filters(x: &[f64]) -> f64 {
    let a: f64 = x
        .iter()
        .zip(x.iter().skip(1))
        .filter(|p| *p.0 > 0.0)
        .map(|(a, b)| a * b)
        .sum();
    let b: f64 = x
        .iter()
        .enumerate()
        .filter(|p| p.0 % 2 == 0)
        .map(|(i, v)| v * i as f64)
        .sum();
    let c: Vec<f64> = x
        .iter()
        .zip(x.iter().skip(1))
        .filter(|p| p.0 < p.1)
        .map(|(a, b)| b - a)
        .collect();
    let d: f64 = x
        .iter()
        .copied()
        .enumerate()
        .filter(|t| t.1 > 0.2)
        .map(|t| t.1 * t.0 as f64)
        .sum();
    let e: f64 = x
        .iter()
        .map(|&v| (v, v.sin()))
        .filter(|p| p.1 > 0.0)
        .map(|p| p.0 * p.1)
        .sum();
    a + b + c.iter().sum::<f64>() + d + e
}

#[test]
fn pairs_filtered_under_one_name() {
    check("pair_filters", &pair_filters, &pair_filters_grad, &P);
}

/// The row of a parameter of tuples `max_by` chooses by a field (its sides lent as `&&(..)`):
/// a compile error inside the generated code before.
#[gradient(wrt(pts))]
fn nearest(pts: &[(f64, f64)], q: f64) -> f64 {
    let best = pts
        .iter()
        .max_by(|a, b| (a.0 * q).total_cmp(&(b.0 * q)))
        .unwrap();
    let worst = pts
        .iter()
        .min_by(|a, b| a.1.partial_cmp(&b.1).unwrap())
        .unwrap();
    best.0 * best.1 + worst.0
}

#[test]
fn tuple_rows_chosen_by_a_field() {
    let pts = [(0.3, -0.7), (1.1, 0.4), (-0.2, 0.9), (0.8, -1.3)];
    let mut d = [(0.0, 0.0); 4];
    let v = nearest_grad(&pts, 0.5, &mut d);
    assert_eq!(v.to_bits(), nearest(&pts, 0.5).to_bits());
    let flat: Vec<f64> = pts.iter().flat_map(|p| [p.0, p.1]).collect();
    let f = |p: &[f64]| {
        let rows: Vec<(f64, f64)> = p.chunks(2).map(|c| (c[0], c[1])).collect();
        nearest(&rows, 0.5)
    };
    let got: Vec<f64> = d.iter().flat_map(|p| [p.0, p.1]).collect();
    close("pts", &got, &fd_all(&f, &flat));
}

/// The row a search chooses among rows pushed (the worst prediction of a model, its residual
/// by field), and an element lent by two references.
#[gradient]
fn searched(x: &[f64]) -> f64 {
    let mut preds = Vec::new();
    for (i, &v) in x.iter().enumerate() {
        let p = (v * 1.5).tanh();
        preds.push((p, 0.1 * i as f64));
    }
    let worst = preds
        .iter()
        .max_by(|a, b| (a.0 - a.1).abs().total_cmp(&(b.0 - b.1).abs()))
        .unwrap();
    let mut rows = Vec::new();
    for &v in x {
        rows.push([v, v * v]);
    }
    let low = rows.iter().min_by(|a, b| a[1].total_cmp(&b[1])).unwrap();
    let lent = &&preds[1];
    preds.iter().map(|&(p, y)| (p - y).powi(2)).sum::<f64>() / preds.len() as f64
        + (worst.0 - worst.1).powi(2)
        + low[0] * low[1]
        + lent.0 * lent.1
}

#[test]
fn rows_chosen_by_a_search() {
    check("searched", &searched, &searched_grad, &P);
}

/// The ends of rows pushed or written by index, read through `Option`s: `last().unwrap()`,
/// `first().map(|p| ..).unwrap_or(..)`, `.map(..).unwrap()`, `map_or`, `is_empty()`, a part
/// read at once (`pts.first().unwrap().1`), in a branch and a loop body.
#[gradient]
fn ends(x: &[f64]) -> f64 {
    let mut pts = Vec::new();
    for i in 0..x.len() / 2 {
        pts.push((x[2 * i], x[2 * i + 1]));
    }
    let first = pts.first().unwrap();
    let e = if pts.is_empty() { 0.0 } else { pts[0].0 };
    let mut s = first.1 * e + pts.last().map(|p| p.0 * p.1).unwrap();
    let mut rows: Vec<[f64; 2]> = vec![[0.0; 2]; 3];
    for i in 0..3 {
        rows[i] = [x[i].sin(), x[i + 1] * 2.0];
    }
    for k in 0..2 {
        let l = rows.last().expect("rows");
        s += l[0] * l[1] * (k as f64 + 1.0);
    }
    if !rows.is_empty() {
        s += rows.first().map(|r| r[1]).unwrap_or(1.0);
    }
    s + pts.last().map(|&(a, b)| a - b).unwrap_or(0.0)
        + pts.first().unwrap().1 * pts.last().map_or(0.0, |p| p.0)
        + rows.last().unwrap()[1]
}

#[test]
fn ends_of_rows() {
    check("ends", &ends, &ends_grad, &[0.3, -0.7, 1.1, 0.4, -0.2, 0.9]);
}

/// A list of tuples written out (an array and a `vec!`, typed and not) read by value (`for (a,
/// b) in pts`, `for p in pts`), by reference, by index and through a helper: refused before
/// ("follows a tuple of floats ... when every value the tuple can take is written"), found by
/// probing (a triangle's vertices from parameters, control points of a curve).
#[gradient(jvp, hvp)]
fn written_lists(x: &[f64]) -> f64 {
    let tri = [(x[0], x[1]), (x[2], x[3]), (x[4], x[5])];
    let ctrl: Vec<(f64, f64)> = vec![(x[0] * 0.5, x[5]), (x[1], x[2].sin())];
    let typed: [(f64, f64); 2] = [(x[3], 1.5), (0.25, x[4])];
    let mut s = 0.0;
    for (a, b) in tri {
        s += a * b;
    }
    for p in tri {
        s += p.0 - 0.5 * p.1;
    }
    for &(a, b) in &ctrl {
        s += (a - b).powi(2);
    }
    for p in typed.iter().rev() {
        s += p.0 * p.1;
    }
    for (a, b) in ctrl.iter().copied() {
        s += a * b;
    }
    // (In reverse by value, a recurrence: the order shows.)
    for (a, b) in tri.into_iter().rev() {
        s = (s * 0.5 + a * b).tanh();
    }
    s + tri[1].0 * tri[2].1 + spread(&ctrl)
}

#[test]
fn lists_of_tuples_written_out() {
    check(
        "written_lists",
        &|p| written_lists(p),
        &|p, d| written_lists_grad(p, d),
        &P,
    );
    let v = [0.3, -0.2, 0.5, 0.1, -0.4, 0.25];
    let (val, dir) = written_lists_jvp(&P, &v);
    assert_eq!(val.to_bits(), written_lists(&P).to_bits());
    let mut g = [0.0; 6];
    written_lists_grad(&P, &mut g);
    let want: f64 = g.iter().zip(&v).map(|(a, b)| a * b).sum();
    close("written_lists_jvp", &[dir], &[want]);
}

/// A helper returning a row `[f64; 2]` (a rotation, as a force or a step of a physics loop is).
fn rot(a: f64, b: f64) -> [f64; 2] {
    [a * b.cos(), a * b.sin()]
}

/// A 2×2 matrix given whole to a helper.
fn matvec(m: &[[f64; 2]; 2], v: &[f64; 2]) -> [f64; 2] {
    [
        m[0][0] * v[0] + m[0][1] * v[1],
        m[1][0] * v[0] + m[1][1] * v[1],
    ]
}

/// Rows made by a helper and collected (`Vec<[f64; 2]>`, `Vec<_>`, a turbofish), or pushed into
/// a list typed or not (the helper's return type gives it), or pushed after a `let`; a local
/// matrix lent to the helper in the closure. Before: "cannot follow a differentiated slice
/// through `qs[0]`", or "cannot follow a differentiated value into `qs`".
#[gradient]
fn helper_rows(x: &[f64]) -> f64 {
    let qs: Vec<[f64; 2]> = (0..2).map(|i| rot(x[i], x[i + 2])).collect();
    let ps: Vec<_> = (0..2).map(|i| rot(x[i + 1], 0.5)).collect();
    let zs = x.iter().map(|&v| rot(v, v)).collect::<Vec<_>>();
    let mut us = Vec::new();
    for i in 0..2 {
        us.push(rot(x[i], x[5]));
    }
    let mut ws: Vec<[f64; 2]> = Vec::new();
    for i in 0..3 {
        let r = rot(x[i + 3], x[i]);
        ws.push(r);
    }
    let m = [[x[0], x[1]], [x[2], x[3]]];
    let toks = [[1.0, 0.5], [-0.3, 0.8]];
    let ms: Vec<[f64; 2]> = toks.iter().map(|t| matvec(&m, t)).collect();
    let cs: Vec<[f64; 2]> = toks.iter().map(|t| [t[0] * x[0], t[1] * x[1]]).collect();
    qs[0][0] * qs[1][1]
        + ps[1][0] * zs[5][1]
        + us[1][0] * us[0][1]
        + ws.iter().map(|w| w[0] * w[1]).sum::<f64>()
        + ms[0][0] * ms[1][1]
        + cs[1][0] * cs[0][1]
}

#[test]
fn rows_made_by_helpers_collected_and_pushed() {
    check("helper_rows", &helper_rows, &helper_rows_grad, &P);
}

/// Rows a helper returns, pushed from data only (constants): the list typed by the helper's
/// return type, in the form that keeps the helper's calls as written. Before: E0308 inside the
/// generated code ("expected `f64`, found `[f64; 2]`").
#[gradient(wrt(s))]
fn constant_helper_rows(s: f64, xs: &[f64]) -> f64 {
    let mut a = Vec::new();
    for h in xs {
        a.push(rot(*h, 0.5));
    }
    let v: f64 = a.iter().map(|r| (r[0] * r[1]).tanh()).sum::<f64>() + a[0][1];
    v * s
}

#[test]
fn rows_of_constants_made_by_a_helper() {
    let xs = [0.3, 0.4, -0.2];
    let (v, [ds]) = constant_helper_rows_grad(0.5, &xs);
    assert_eq!(v.to_bits(), constant_helper_rows(0.5, &xs).to_bits());
    let h = 1e-6;
    let fd = (constant_helper_rows(0.5 + h, &xs) - constant_helper_rows(0.5 - h, &xs)) / (2.0 * h);
    assert!((ds - fd).abs() < 1e-8, "{ds} against {fd}");
}

/// Sum of the first column of rows, scaled, plus the last element of the first row.
fn col_sum(rs: &[[f64; 3]], s: f64) -> f64 {
    let first = &rs[0];
    rs.iter().map(|r| r[0] * s).sum::<f64>() + first[first.len() - 1]
}

/// Rows given whole to a helper as `&ws[..]` (a parameter of rows, a local matrix) in a body that
/// also pushes a helper's rows into a list named as that helper's parameter (`a`). Before: E0369
/// inside the generated code (`ws[..]` read as row `..`), then "cannot follow a differentiated
/// value into `a`" (the helper's `let a` copied in read as the list).
#[gradient(jvp, hvp)]
fn rows_lent_whole(x: &[f64], ws: [[f64; 3]; 3]) -> f64 {
    let local = [[x[0], x[1], 0.5], [x[2], 1.0, x[3]]];
    let mut acc = x[4] + col_sum(&ws[..], x[5]).tanh() + col_sum(&local[..], x[1]);
    let mut a = Vec::new();
    for h in x {
        a.push(rot(*h, 0.5));
    }
    for r in &a {
        acc += r[0] * r[1];
    }
    acc * a[1][0]
}

#[test]
fn rows_lent_whole_beside_rows_of_a_helper() {
    let ws = [[0.3, -0.4, 0.9], [1.1, 0.2, -0.6], [0.5, 0.7, 0.1]];
    let flat: Vec<f64> = P.iter().chain(ws.as_flattened()).copied().collect();
    let split = |q: &[f64]| {
        let mut w = [[0.0; 3]; 3];
        for (k, v) in q[6..].iter().enumerate() {
            w[k / 3][k % 3] = *v;
        }
        w
    };
    let f = |q: &[f64]| rows_lent_whole(&q[..6], split(q));
    let g = |q: &[f64], d: &mut [f64]| {
        let (mut dx, mut dw) = ([0.0; 6], [[0.0; 3]; 3]);
        let v = rows_lent_whole_grad(&q[..6], split(q), &mut dx, &mut dw);
        d[..6].copy_from_slice(&dx);
        d[6..].copy_from_slice(dw.as_flattened());
        v
    };
    check("rows_lent_whole", &f, &g, &flat);
}

/// Ranges of a local matrix (`&m[1..]`, `&m[..2]`, named `let tail = &m[1..]`) lent to a
/// helper taking rows and iterated, in a matrix written out and in one of `vec![..]`. Before:
/// "follows arrays and structs of floats bound to local names; this array is not read that way".
#[gradient(jvp, hvp)]
fn matrix_ranges(x: &[f64]) -> f64 {
    let m = [[x[0], x[1], 0.5], [x[2], 1.0, x[3]], [x[4], x[5], x[0]]];
    let tail = &m[1..];
    let v = vec![[x[1], x[2], x[3]], [x[4], x[5], 0.25]];
    col_sum(&m[1..], x[5])
        + col_sum(&m[..2], x[4]).sin()
        + tail.iter().map(|r| r[0] * r[2]).sum::<f64>()
        + tail[1][1] * tail.len() as f64
        + col_sum(&v[..1], x[0])
}

#[test]
fn ranges_of_a_local_matrix_lent_and_iterated() {
    check("matrix_ranges", &matrix_ranges, &matrix_ranges_grad, &P);
}

/// A model with a vector field.
#[derive(Clone, grad::Params)]
struct Angles {
    xs: Vec<f64>,
    r: f64,
}

/// A helper's rows collected from a model's field (`model.xs.iter().map(|a| rot(..))`), untyped
/// and by turbofish, read by index and by row. Before: "cannot follow a differentiated slice
/// through `a[0]`" (the model's rewrite writes the closure's body as a block, which hid the
/// helper's return type).
#[gradient(wrt(model, x0))]
fn model_helper_rows(model: &Angles, x0: f64) -> f64 {
    let a = model
        .xs
        .iter()
        .map(|t| rot(model.r, *t))
        .collect::<Vec<_>>();
    let b: Vec<_> = model.xs.iter().map(|&t| rot(0.5, t * x0)).collect();
    let v: f64 = a.iter().map(|p| (p[0] * p[1]).tanh()).sum::<f64>() + a[0][1];
    v * x0 + b[1][0] * b[0][1]
}

#[test]
fn rows_of_a_helper_collected_from_a_models_field() {
    let m = Angles {
        xs: vec![0.3, -0.8, 1.1],
        r: 0.7,
    };
    let x0 = 0.45;
    check_model(
        "model_helper_rows",
        &m,
        |m| model_helper_rows(m, x0),
        |m, dm| model_helper_rows_grad(m, x0, dm).0,
    );
    let (_, [dx0]) = model_helper_rows_grad(&m, x0, &mut m.clone());
    let h = 1e-6;
    let fd = (model_helper_rows(&m, x0 + h) - model_helper_rows(&m, x0 - h)) / (2.0 * h);
    assert!(
        (dx0 - fd).abs() < 1e-7 * (1.0 + fd.abs()),
        "{dx0} against {fd}"
    );
}
