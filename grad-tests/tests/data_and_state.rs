//! Forms of everyday loss functions around data and state (issue 8): integer counts and masks
//! filled in place, index vectors with no type, maps read and filled, elements of integer
//! slices, messages that format values, integer chains over ranges, untyped reductions assigned
//! to float places, states made by closures and nested `fn`s, matrices assigned whole, raw
//! identifiers. Each against central finite differences, values bit for bit.

#![allow(
    clippy::needless_range_loop,
    clippy::cast_precision_loss,
    clippy::useless_format,
    clippy::format_in_format_args,
    clippy::manual_memcpy
)]

mod common;

use common::check;
use grad::gradient;
use std::collections::HashMap;

const W: [f64; 4] = [0.3, -1.2, 0.8, 0.45];

/// Class weights from counts in a `vec![0usize; k]` (was taken for a buffer of floats).
#[gradient(wrt(w))]
fn class_weighted(w: &[f64], labels: &[usize]) -> f64 {
    let mut counts = vec![0usize; 4];
    let mut seen = [false; 4];
    for &l in labels {
        counts[l] += 1;
        seen[l] = true;
    }
    (0..4)
        .map(|k| w[k] * w[k] * counts[k] as f64 + if seen[k] { w[k] } else { 0.0 })
        .sum::<f64>()
}

/// Indices pushed into an untyped `Vec::new()`, the first read through `*idx.first().unwrap()`,
/// a map filled by `entry(..).or_insert(..)` and read by `get(&k).copied()`.
#[gradient(wrt(w))]
fn indexed(w: &[f64], keys: &[u32], table: &HashMap<usize, f64>) -> f64 {
    let mut idx = Vec::new();
    for c in 0..w.len() {
        if c % 2 == 1 {
            idx.push(c);
        }
    }
    // (A `BTreeMap`: iterating a `HashMap` sums in an order of its own on every call.)
    let mut first: std::collections::BTreeMap<u32, usize> = std::collections::BTreeMap::new();
    for (i, &k) in keys.iter().enumerate() {
        first.entry(k).or_insert(i);
    }
    let head = *idx.first().unwrap();
    let mut s = w[head] * w[head];
    for (&k, &i) in &first {
        s += w[i] * table.get(&(k as usize)).copied().unwrap_or(0.5);
    }
    s + idx.iter().map(|&p| w[p]).sum::<f64>()
}

/// A message formatting a value inside `format!`, and integer chains over ranges scaling floats.
#[gradient]
fn checked(x: f64, n: usize) -> f64 {
    let s = x * 2.0;
    assert!(s.is_finite(), "bad: {}", format!("{s:.3}"));
    let k: usize = (0..n).filter(|i| i % 2 == 0).count() + (1..=n).product::<usize>();
    let m = (0..n).map(|i| i * 2).sum::<usize>();
    s * x * k as f64 + m as f64 * x
}

/// Untyped range reductions assigned to a float local and to a buffer's element (a matvec).
#[gradient]
fn matvec_norm(a: &[f64], v: &[f64]) -> f64 {
    let n = v.len();
    let mut w = vec![0.0; n];
    let mut t = 0.0;
    for i in 0..n {
        w[i] = (0..n).map(|j| a[i * n + j] * v[j]).sum();
        t = (0..n).map(|j| a[j * n + i] * v[j]).product();
    }
    w.iter().map(|x| x * x).sum::<f64>() + t
}

/// ODE-like states made by a closure returning `Vec` and a nested `fn` returning an array, and a
/// matrix power by whole assignment.
#[gradient]
fn states(a: f64, b: f64) -> f64 {
    let step = |x: &[f64], s: f64| -> Vec<f64> { vec![x[0] * s, x[1] + s * x[0]] };
    fn twist(x: &[f64], s: f64) -> [f64; 2] {
        [x[0] * s.cos(), x[1] - s * x[0]]
    }
    let mut y = vec![a, b];
    let mut z = [b, a];
    for _ in 0..3 {
        y = step(&y, a);
        z = twist(&z, 0.5 * b);
    }
    let mut m = [[a, b], [-b, a]];
    for _ in 0..2 {
        let mut r = [[0.0; 2]; 2];
        for i in 0..2 {
            for j in 0..2 {
                for k in 0..2 {
                    r[i][j] += m[i][k] * m[k][j];
                }
            }
        }
        m = r;
    }
    y[0] + y[1] + z[0] * z[1] + m[0][0] + m[1][0]
}

/// Raw identifiers as parameter names, a slice among them.
#[gradient]
fn raw_names(r#in: f64, r#type: &[f64]) -> f64 {
    let mut y = r#in;
    for v in r#type {
        y += v * y;
    }
    y
}

#[test]
fn counts_masks_indices_and_maps() {
    let labels = [0, 2, 2, 3, 0, 2];
    check(
        "class_weighted",
        &|p| class_weighted(p, &labels),
        &|p, d| class_weighted_grad(p, &labels, d),
        &W,
    );
    let keys = [7, 3, 7, 1];
    let table: HashMap<usize, f64> = [(7, 1.5), (1, -0.25)].into_iter().collect();
    check(
        "indexed",
        &|p| indexed(p, &keys, &table),
        &|p, d| indexed_grad(p, &keys, &table, d),
        &W,
    );
}

#[test]
fn messages_and_integer_chains() {
    for n in [0, 1, 3] {
        let (v, [d]) = checked_grad(0.7, n);
        assert_eq!(v.to_bits(), checked(0.7, n).to_bits());
        let h = 1e-6;
        let fd = (checked(0.7 + h, n) - checked(0.7 - h, n)) / (2.0 * h);
        assert!(
            (d - fd).abs() <= 1e-6 * (1.0 + fd.abs()),
            "n = {n}: {d} against {fd}"
        );
    }
}

#[test]
fn reductions_assigned_and_states() {
    let p = [1.0, 2.0, -0.5, 0.25, 0.5, -1.0];
    check(
        "matvec_norm",
        &|p| matvec_norm(&p[..4], &p[4..]),
        &|p, d| {
            let (da, dv) = d.split_at_mut(4);
            matvec_norm_grad(&p[..4], &p[4..], da, dv)
        },
        &p,
    );
    check(
        "states",
        &|p| states(p[0], p[1]),
        &|p, d| {
            let (v, g) = states_grad(p[0], p[1]);
            d.copy_from_slice(&g);
            v
        },
        &[0.9, 0.4],
    );
    check(
        "raw_names",
        &|p| raw_names(p[0], &p[1..]),
        &|p, d| {
            let (dx, dt) = d.split_at_mut(1);
            let (v, [g]) = raw_names_grad(p[0], &p[1..], dt);
            dx[0] = g;
            v
        },
        &[0.5, 0.1, 0.2],
    );
}

/// Pieces last first, and the least element copied out of `min_by` with a default.
#[gradient]
fn backward_pieces(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for w in x.windows(3).rev() {
        s = s * 0.9 + w[0] * w[2] - w[1];
    }
    for c in x.chunks(2).rev() {
        s = s * 0.5 + c[0] * c[c.len() - 1];
    }
    s + x
        .iter()
        .min_by(|a, b| a.total_cmp(b))
        .copied()
        .unwrap_or(0.0)
}

#[test]
fn pieces_reversed_and_extremum_copied() {
    for p in [&[1.0, 2.0, 3.0, 4.0, -0.5][..], &[0.3, -0.7][..]] {
        check(
            "backward_pieces",
            &backward_pieces,
            &backward_pieces_grad,
            p,
        );
    }
    assert_eq!(backward_pieces_grad(&[], &mut []), 0.0);
}

/// A mask pushed untyped (comparisons of differentiated values: no derivative flows through a
/// `bool`), and `matches!` bound by a `let`.
#[gradient]
fn masked(x: &[f64], k: usize) -> f64 {
    let mut mask = Vec::new();
    for &v in x {
        mask.push(v > 0.0);
    }
    let odd_small = matches!(k, 1 | 3 | 5);
    let mut s = 0.0;
    for (i, &m) in mask.iter().enumerate() {
        if m || odd_small {
            s += x[i] * x[i];
        }
    }
    s
}

#[test]
fn masks_and_matches() {
    for k in [1, 2] {
        check(
            "masked",
            &|p| masked(p, k),
            &|p, d| masked_grad(p, k, d),
            &[0.5, -1.5, 2.0],
        );
    }
}

/// A simulation's state of the user's, whose fields are arrays, given as data.
#[derive(Clone, Copy)]
struct Oscillator {
    x: [f64; 2],
    v: [f64; 2],
}

/// A state copied from data (`let mut s = s0;`), advanced by assigning arrays computed first
/// (`let a = [..]; s.v = a;`, and the whole struct), and a plain array local started from a
/// field and assigned another local array: "left unassigned by the loop" before.
#[gradient(wrt(k, c))]
fn oscillator_fit(k: f64, c: f64, s0: Oscillator, target: &[f64]) -> f64 {
    let mut s = s0;
    let mut p = s0.x;
    let dt = 0.05;
    let mut loss = 0.0;
    for &t in target {
        let a = [-k * s.x[0] - c * s.v[0], -k * s.x[1] - c * s.v[1]];
        s = Oscillator {
            x: [s.x[0] + dt * s.v[0], s.x[1] + dt * s.v[1]],
            v: [s.v[0] + dt * a[0], s.v[1] + dt * a[1]],
        };
        let next = [p[0] * (1.0 - k * dt), p[1] + c * dt];
        p = next;
        loss += (s.x[0] - t).powi(2) + 0.1 * (p[0] - t).powi(2);
    }
    loss + p[1]
}

#[test]
fn states_of_arrays_assigned_from_locals() {
    let s0 = Oscillator {
        x: [1.0, 0.0],
        v: [0.0, 0.5],
    };
    let target = [0.9, 0.7, 0.4, 0.1];
    check(
        "oscillator_fit",
        &|p| oscillator_fit(p[0], p[1], s0, &target),
        &|p, d| {
            let (v, g) = oscillator_fit_grad(p[0], p[1], s0, &target);
            d.copy_from_slice(&g);
            v
        },
        &[2.0, 0.3],
    );
}

/// A small vector type with methods, as physics code has one.
#[derive(Clone, Copy)]
struct Vec2 {
    x: f64,
    y: f64,
}

impl Vec2 {
    fn norm(&self) -> f64 {
        (self.x * self.x + self.y * self.y).sqrt()
    }

    fn scaled_norm(&self, k: f64) -> f64 {
        let n = self.norm();
        n * k + self.x
    }

    fn angle(self) -> f64 {
        self.y.atan2(self.x)
    }

    fn dot(&self, o: &Vec2) -> f64 {
        self.x * o.x + self.y * o.y
    }

    fn dist(&self, o: &Self) -> f64 {
        ((self.x - o.x).powi(2) + (self.y - o.y).powi(2)).sqrt()
    }

    fn cross(self, o: Vec2) -> f64 {
        self.x * o.y - self.y * o.x
    }
}

/// Methods taking another local of the type (`a.dot(&b)`, `b.dist(&a)` with `a` declared
/// first, `a.cross(c)` by value, `a.dot(&a)`), as vector code of physics is written.
#[gradient(jvp, hvp)]
fn local_struct_pairs(w: &[f64]) -> f64 {
    let a = Vec2 { x: w[0], y: w[1] };
    let b = Vec2 {
        x: w[2],
        y: w[0] * w[1],
    };
    let c = Vec2 { x: 1.5, y: -0.5 };
    a.dot(&b) + b.dist(&a) + a.cross(c) + a.dot(&a) + c.dist(&b)
}

/// Methods without `#[gradient]` of a local struct of differentiated floats (`p.norm()`, one
/// calling another, one taking `self` by value), and a struct update (`Vec2 { x: .., ..p }`):
/// "structs are not supported here" before.
#[gradient(jvp, hvp)]
fn local_struct_methods(w: &[f64]) -> f64 {
    let p = Vec2 { x: w[0], y: w[1] };
    let mut q = Vec2 { x: w[1] * 2.0, ..p };
    q.y += p.norm();
    let mut s = 0.0;
    for k in 0..3 {
        s += q.scaled_norm(0.5 + f64::from(k)) * p.angle();
        q = Vec2 {
            x: q.x * 0.9,
            y: q.y - 0.1,
        };
    }
    s + p.norm()
}

#[test]
fn methods_of_local_structs() {
    check(
        "local_struct_pairs",
        &|p| local_struct_pairs(p),
        &|p, d| local_struct_pairs_grad(p, d),
        &[0.4, -0.8, 1.2],
    );
    check(
        "local_struct_methods",
        &|p| local_struct_methods(p),
        &|p, d| local_struct_methods_grad(p, d),
        &[0.4, -0.8],
    );
    check(
        "local_struct_methods",
        &|p| local_struct_methods(p),
        &|p, d| local_struct_methods_grad(p, d),
        &[1.3, 0.7],
    );
}
