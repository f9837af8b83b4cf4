//! Forms found by an outside probe written as users write them: `[T; 3]` helpers chained by value
//! (Vec3 style: `norm(cross(sub(b, a), sub(c, a)))`), a row of differentiated rows passed by value
//! to such a helper, the last element of a mapped iterator, an argmax over copied items, buffers
//! written through `iter_mut().rev()`, `chunks_mut`, `split_at_mut` and rotated, an untyped integer
//! bound of a collected range, an `Option` of an element of a buffer built by `push`, an array of
//! constants' names written with floats, and a row of data rows iterated by a closure reading a
//! differentiated value. Gradients against central differences, the value bit for bit.

#![allow(
    clippy::needless_range_loop,
    clippy::double_ended_iterator_last,
    clippy::useless_vec
)]

mod common;

use common::check_flat;
use grad::gradient;

fn check(what: &str, f: &dyn Fn(&[f64]) -> f64, v: f64, g: &[f64], p: &[f64]) {
    check_flat(what, p, f, v, g).unwrap();
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

#[gradient]
fn norm3(a: [f64; 3]) -> f64 {
    dot3(a, a).sqrt()
}

/// Each result bound, then passed on by value (the untyped `let` is known a vector from the
/// helper's own signature, which the macro saw first).
#[gradient]
fn triangle_area(p: &[f64]) -> f64 {
    let a = [p[0], p[1], p[2]];
    let b = [p[3], p[4], p[5]];
    let c = [p[6], p[7], p[8]];
    let u = sub3(b, a);
    let v = sub3(c, a);
    let n = cross(u, v);
    0.5 * norm3(n)
}

/// Nested: the results passed on without names.
#[gradient]
fn triangle_area_nested(p: &[f64]) -> f64 {
    let a = [p[0], p[1], p[2]];
    let b = [p[3], p[4], p[5]];
    let c = [p[6], p[7], p[8]];
    0.5 * norm3(cross(sub3(b, a), sub3(c, a)))
}

/// Typed, in a loop, a result passed twice and to a vector helper again.
#[gradient]
fn chain_energy(p: &[f64]) -> f64 {
    let mut e = 0.0;
    for k in 0..2 {
        let a = [p[3 * k], p[3 * k + 1], p[3 * k + 2]];
        let b = [p[3 * k + 3], p[3 * k + 4], p[3 * k + 5]];
        let d: [f64; 3] = sub3(b, a);
        let w = sub3(d, [1.0, 0.0, p[0]]);
        e += dot3(d, d) * norm3(d) + dot3(w, d);
    }
    e
}

#[gradient]
fn dist2(a: [f64; 3], b: [f64; 3]) -> f64 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)
}

/// A row of differentiated rows passed by value to a `[T; 3]` parameter.
#[gradient]
fn pair_energy(p: &[[f64; 3]]) -> f64 {
    let mut e = 0.0;
    for i in 0..p.len() {
        for j in i + 1..p.len() {
            e += 1.0 / dist2(p[i], p[j]) + dot3(p[i], [1.0, 2.0, 0.5]);
        }
    }
    e
}

#[test]
fn vector_helpers_by_value() {
    let p = [0.1, 0.2, -0.3, 1.0, 0.4, 0.2, 0.3, 1.5, 0.7];
    let mut g = [0.0; 9];
    let v = triangle_area_grad(&p, &mut g);
    check("triangle_area", &triangle_area, v, &g, &p);
    let v = triangle_area_nested_grad(&p, &mut g);
    check("triangle_area_nested", &triangle_area_nested, v, &g, &p);
    let v = chain_energy_grad(&p, &mut g);
    check("chain_energy", &chain_energy, v, &g, &p);

    let rows = [[0.0, 0.1, 0.2], [1.0, -0.2, 0.3], [0.4, 0.9, -0.5]];
    let mut d = [[0.0; 3]; 3];
    let v = pair_energy_grad(&rows, &mut d);
    let flat = |q: &[f64]| {
        let r: Vec<[f64; 3]> = q.chunks(3).map(|c| [c[0], c[1], c[2]]).collect();
        pair_energy(&r)
    };
    check(
        "pair_energy",
        &flat,
        v,
        d.as_flattened(),
        rows.as_flattened(),
    );
}

#[gradient]
fn last_mapped(x: &[f64]) -> f64 {
    x.iter().map(|v| v * v).last().unwrap_or(0.0) + x.iter().map(|&v| 2.0 * v).next().unwrap()
}

#[gradient]
fn nth_mapped(x: &[f64]) -> f64 {
    x.iter().copied().map(f64::sin).nth(1).unwrap_or(1.0)
}

#[gradient]
fn argmax_copied(x: &[f64]) -> f64 {
    let (i, m) = x
        .iter()
        .copied()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap();
    m * (i as f64 + 1.0)
}

#[test]
fn element_of_an_iterator() {
    let p = [0.3, -1.2, 0.8, 0.5];
    let mut g = [0.0; 4];
    let v = last_mapped_grad(&p, &mut g);
    check("last_mapped", &last_mapped, v, &g, &p);
    let v = nth_mapped_grad(&p, &mut g);
    check("nth_mapped", &nth_mapped, v, &g, &p);
    let v = argmax_copied_grad(&p, &mut g);
    check("argmax_copied", &argmax_copied, v, &g, &p);
    // Empty: the default.
    assert_eq!(nth_mapped_grad(&[0.5], &mut [0.0]), 1.0);
}

/// A carry swept backwards through `iter_mut().rev()`, then `.enumerate().rev()`.
#[gradient]
fn reverse_sweep(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    let mut carry = 0.0;
    for e in v.iter_mut().rev() {
        *e += 0.5 * carry;
        carry = *e;
    }
    for (k, e) in v.iter_mut().enumerate().rev() {
        *e *= 1.0 + k as f64 * carry;
    }
    v[0] + v[1] * v[2]
}

/// Pieces written in place: `chunks_mut` (with a short last piece) and `chunks_exact_mut`.
#[gradient]
fn pieces_in_place(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    for c in v.chunks_mut(2) {
        c[0] *= c[c.len() - 1];
    }
    for (n, c) in v.chunks_exact_mut(2).enumerate() {
        c[1] += n as f64 * c[0].sin();
    }
    v.iter().sum()
}

/// Two parts of one buffer written through `split_at_mut`, then the buffer rotated both ways.
#[gradient]
fn split_and_rotate(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    let (a, b) = v.split_at_mut(2);
    a[0] += b[0] * b[b.len() - 1];
    b[0] *= a[1];
    v.rotate_left(1);
    let head = v[0] * 10.0 + v[2];
    v.rotate_right(2);
    head + v[0] * v[1]
}

#[test]
fn buffers_written_through_views() {
    let p = [0.3, -1.2, 0.8, 0.5, 1.1];
    let mut g = [0.0; 5];
    let v = reverse_sweep_grad(&p, &mut g);
    check("reverse_sweep", &reverse_sweep, v, &g, &p);
    let v = pieces_in_place_grad(&p, &mut g);
    check("pieces_in_place", &pieces_in_place, v, &g, &p);
    let v = split_and_rotate_grad(&p, &mut g);
    check("split_and_rotate", &split_and_rotate, v, &g, &p);
}

/// `let n = 3;` left to inference (an `i32`), bounding collected ranges.
#[gradient]
fn untyped_bound(x: f64) -> f64 {
    let n = 3;
    let v: Vec<f64> = (0..=n).map(|j| x.powi(n - j)).collect();
    let w: Vec<f64> = (1..n).map(|j| f64::from(j) * x).collect();
    v.iter().sum::<f64>() + w.iter().product::<f64>()
}

/// An `Option` of the last element of a buffer built by `push` (no type written anywhere).
#[gradient]
fn last_pushed(xs: &[f64], c: f64) -> f64 {
    let mut pv = Vec::new();
    for &x in xs {
        pv.push(x * c);
    }
    let o = if c > 0.0 {
        Some(pv[pv.len() - 1])
    } else {
        None
    };
    match o {
        Some(v) => v * v,
        None => c,
    }
}

#[test]
fn untyped_values() {
    let (v, [d]) = untyped_bound_grad(1.5);
    check("untyped_bound", &|p| untyped_bound(p[0]), v, &[d], &[1.5]);
    for c in [0.7, -0.4] {
        let xs = [1.0, 2.0, -0.5];
        let mut g = [0.0; 3];
        let (v, [dc]) = last_pushed_grad(&xs, c, &mut g);
        let flat = |q: &[f64]| last_pushed(&q[..3], q[3]);
        check(
            "last_pushed",
            &flat,
            v,
            &[g[0], g[1], g[2], dc],
            &[1.0, 2.0, -0.5, c],
        );
    }
}

const C0: f64 = 0.5;
const C1: f64 = -1.5;

/// An array of constants' names (whose type the macro does not see) written with floats: the
/// writes say it holds floats.
#[gradient]
fn array_of_consts(x: f64) -> f64 {
    let mut z = [C0, C1];
    z[0] = x * z[1];
    let mut s = 0.0;
    for _ in 0..2 {
        let mut q = [C1, C0];
        q = [q[0] * x, q[1]];
        s += q[0] + q[1];
    }
    z[0] * z[1] + s
}

/// A row of rows that are data iterated with a closure reading a differentiated value.
#[gradient(wrt(x))]
fn data_rows_iterated(ws: &[Vec<f64>], x: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..ws.len() {
        s += ws[i].iter().map(|v| (v * x).sin()).sum::<f64>() * ws[i].len() as f64;
        let m = ws[i].iter().fold(0.0, |a: f64, v| a.max(v * x));
        s += m;
    }
    s
}

#[test]
fn constants_and_data_rows() {
    let (v, [d]) = array_of_consts_grad(0.7);
    check(
        "array_of_consts",
        &|p| array_of_consts(p[0]),
        v,
        &[d],
        &[0.7],
    );
    let ws = vec![vec![1.0, 2.0, -0.5], vec![0.5, -1.0]];
    let (v, [d]) = data_rows_iterated_grad(&ws, 0.7);
    check(
        "data_rows_iterated",
        &|p| data_rows_iterated(&ws, p[0]),
        v,
        &[d],
        &[0.7],
    );
}

#[gradient]
fn add3(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] + b[0], a[1] * b[1], a[2] + b[2]]
}

/// Each row of differentiated rows passed by value as `*q`.
#[gradient]
fn centroid(p: &[[f64; 3]]) -> f64 {
    let mut c = [0.0, 1.0, 0.0];
    for q in p {
        c = add3(c, *q);
    }
    c[0] / p.len() as f64 + c[1] * c[2]
}

#[test]
fn rows_dereferenced_by_value() {
    let rows = [[1.0, 2.0, 3.0], [3.0, 0.5, -1.0]];
    let mut d = [[0.0; 3]; 2];
    let v = centroid_grad(&rows, &mut d);
    let flat = |q: &[f64]| {
        let r: Vec<[f64; 3]> = q.chunks(3).map(|c| [c[0], c[1], c[2]]).collect();
        centroid(&r)
    };
    check("centroid", &flat, v, d.as_flattened(), rows.as_flattened());
}

/// Generic over the float type: a closure returning a `Vec` collected from a map, read in a
/// condition (kept as written, where the buffer's zero must be `T`'s).
#[gradient(jvp, hvp)]
fn generic_closure_vec<T: grad::Real + std::iter::Sum>(a: T, s: &[T]) -> T {
    let halves = |q: T| -> Vec<T> {
        let mut st = vec![T::from(0.0).unwrap(); 2];
        st[0] = q;
        st[1] = q * s[0];
        st.iter().map(|r| *r * T::from(0.5).unwrap()).collect()
    };
    let v: T = if halves(a)[1] > T::from(0.1).unwrap() {
        a * s[0]
    } else {
        -a
    };
    v * a
}

#[test]
fn generic_buffers_in_conditions() {
    for a in [0.5, -0.5] {
        let s = [1.5];
        let mut d = [0.0];
        let (v, [da]) = generic_closure_vec_grad(a, &s, &mut d);
        check(
            "generic_closure_vec",
            &|p| generic_closure_vec(p[0], &p[1..]),
            v,
            &[da, d[0]],
            &[a, 1.5],
        );
        let (v32, [da32]) = generic_closure_vec_grad(a as f32, &[1.5f32], &mut [0.0f32]);
        assert!((f64::from(v32) - v).abs() < 1e-5 && (f64::from(da32) - da).abs() < 1e-5);
    }
}
