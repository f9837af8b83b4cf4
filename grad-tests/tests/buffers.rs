//! Local buffers (`let mut z = vec![0.0; n];`, `[0.0; N]`, written `z[i] = ..` / `z[i] += ..` and
//! read by index): per-iteration buffers, recurrences through memory, buffers overwritten many
//! times, array buffers, buffers passed to other `#[gradient]` functions. Checked with proptest
//! against central finite differences on random data, and for bit-equal values with the original.
//!
//! Tolerance as in `tests/loops.rs`: h = cbrt(eps)·max(1, |x_k|), truncation and rounding errors
//! both ≈ 4e-11·(scale) for these O(1) functions of at most a few dozen inputs, accepted within
//! 1e-6·(1 + |fd| + |f|).

#![allow(clippy::needless_range_loop)]

use grad::gradient;
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------------
// Harness: tests/common
// ---------------------------------------------------------------------------------------------

mod common;
use common::*;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

#[gradient]
fn norm2(a: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..a.len() {
        s += a[i] * a[i];
    }
    s
}

#[gradient]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..a.len() {
        s += a[i] * b[i];
    }
    s
}

// ---------------------------------------------------------------------------------------------
// Functions
// ---------------------------------------------------------------------------------------------

/// MLP hidden layer in a buffer made afresh for each sample: `w1` is `h × d`, `x` is `n × d`.
#[gradient]
fn mlp_hidden(w1: &[f64], w2: &[f64], x: &[f64], y: &[f64]) -> f64 {
    let h = w2.len();
    let d = w1.len() / h;
    let mut loss = 0.0;
    for i in 0..y.len() {
        let mut z = vec![0.0; h];
        for k in 0..h {
            for j in 0..d {
                z[k] += w1[k * d + j] * x[i * d + j];
            }
            z[k] = z[k].tanh();
        }
        let mut out = 0.0;
        for k in 0..h {
            out += w2[k] * z[k];
        }
        let r = out - y[i];
        loss += r * r;
    }
    loss
}

/// A recurrence through memory: `h[t + 1] = tanh(a·h[t] + x[t])`, each element written once,
/// then all read in a second loop.
#[gradient]
fn recurrence(x: &[f64], a: f64) -> f64 {
    let n = x.len();
    let mut h = vec![0.0; n + 1];
    for t in 0..n {
        h[t + 1] = (a * h[t] + x[t]).tanh();
    }
    let mut s = 0.0;
    for t in 0..=n {
        s += h[t] * h[t] * (t as f64 + 1.0);
    }
    s
}

/// Written once per element, then normalised by their sum (read twice).
#[gradient]
fn normalised(x: &[f64]) -> f64 {
    let n = x.len();
    let mut z = vec![0.0; n];
    let mut tot = 0.0;
    for i in 0..n {
        z[i] = x[i].exp();
        tot += z[i];
    }
    let mut s = 0.0;
    for i in 0..n {
        s += z[i] / tot * x[i];
    }
    s
}

/// An array buffer overwritten in every iteration, each write reading the previous contents.
#[gradient]
fn overwritten(x: &[f64]) -> f64 {
    let mut b = [0.0; 2];
    b[1] = 0.5;
    for &v in x.iter() {
        b[0] = b[1] * v;
        b[1] += v.sin();
        b[1] *= 0.9;
    }
    b[0] + b[1] * b[1]
}

/// Straight-line writes and overwrites without a loop, and a constant written over an active
/// value.
#[gradient]
fn straight_line(x: &[f64]) -> f64 {
    let mut z = vec![0.0; x.len()];
    z[0] = x[0] * x[1];
    z[1] = z[0].sin();
    z[0] = z[1] * x[2] - z[0];
    z[2] = x[1];
    z[2] = 2.0;
    z[0] * z[1] + z[2]
}

/// Softmax over an array buffer, then cross-entropy with a target and a weighted sum.
#[gradient]
fn softmax_ce(z: &[f64; 4], w: &[f64; 4], target: usize) -> f64 {
    let mut m = z[0];
    for i in 1..4 {
        m = m.max(z[i]);
    }
    let mut e = [0.0; 4];
    let mut s = 0.0;
    for i in 0..4 {
        e[i] = (z[i] - m).exp();
        s += e[i];
    }
    let mut p = [0.0; 4];
    for i in 0..4 {
        p[i] = e[i] / s;
    }
    let mut r = -p[target].ln();
    for i in 0..4 {
        r += p[i] * w[i];
    }
    r
}

/// A buffer passed whole and in sub-slices to other `#[gradient]` functions.
#[gradient]
fn buffer_to_helpers(x: &[f64]) -> f64 {
    let n = x.len();
    let mut z = vec![0.0; 2 * n];
    for i in 0..n {
        z[i] = x[i].sin();
        z[n + i] = x[i] * x[i];
    }
    norm2(&z) + dot(&z[0..n], &z[n..2 * n]) + norm2(&z[n..])
}

/// Writes in a `while` at an index from an integer counter; reads in a loop with a `break`.
#[gradient]
fn buffer_while_counter(x: &[f64]) -> f64 {
    let n = x.len();
    let mut z = vec![0.0; n];
    let mut k = n;
    let mut i = 0;
    while i < n {
        k -= 1;
        z[k] = x[i] * x[i] + x[k];
        z[i] += x[i].sin();
        i += 1;
    }
    let mut s = 0.0;
    for j in 0..n {
        if z[j] > 2.5 {
            break;
        }
        s += z[j] * (j as f64 + 1.0);
    }
    s
}

/// Writes under an `if` (both branches).
#[gradient]
fn buffer_store_under_if(x: &[f64]) -> f64 {
    let n = x.len();
    let mut z = vec![0.0; n];
    for i in 0..n {
        if x[i] > 0.0 {
            z[i] = x[i] * x[i];
        } else {
            z[n - 1 - i] += x[i];
        }
    }
    let mut s = 0.0;
    for j in 0..n {
        s += z[j] * (j as f64 + 1.0);
    }
    s
}

/// `f32` buffers.
#[gradient]
fn buffer_f32(x: &[f32]) -> f32 {
    let mut z = vec![0.0f32; x.len()];
    for i in 0..x.len() {
        z[i] = x[i].sin();
    }
    let mut s = 0.0;
    for i in 0..x.len() {
        s += z[i] * z[x.len() - 1 - i];
    }
    s
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    #[test]
    fn per_iteration_buffer_mlp(
        (w1, w2, x, y) in (1usize..=3, 1usize..=3, 0usize..=4).prop_flat_map(|(h, d, n)| {
            (vals(h * d..=h * d), vals(h..=h), vals(n * d..=n * d), vals(n..=n))
        })
    ) {
        let lens = [w1.len(), w2.len(), x.len()];
        let (mut d1, mut d2, mut dx, mut dy) =
            (dirty(lens[0]), dirty(lens[1]), dirty(lens[2]), dirty(y.len()));
        let v = mlp_hidden_grad(&w1, &w2, &x, &y, &mut d1, &mut d2, &mut dx, &mut dy);
        let f = |p: &[f64]| {
            let s = split(p, &lens);
            mlp_hidden(s[0], s[1], s[2], s[3])
        };
        let p = [&w1[..], &w2, &x, &y].concat();
        check_flat("mlp_hidden", &p, &f, v, &[&d1[..], &d2, &dx, &dy].concat())?;
    }

    #[test]
    fn recurrence_through_memory(x in vals(0..=10), a in -1.2f64..1.2) {
        check_a("recurrence", &recurrence, &recurrence_grad, &x, a)?;
    }

    #[test]
    fn written_once_then_read(x in vals(0..=8)) {
        check1("normalised", &normalised, &normalised_grad, &x)?;
    }

    #[test]
    fn overwritten_in_every_iteration(x in vals(0..=10)) {
        check1("overwritten", &overwritten, &overwritten_grad, &x)?;
    }

    #[test]
    fn straight_line_overwrites(x in vals(3..=3)) {
        check1("straight_line", &straight_line, &straight_line_grad, &x)?;
    }

    #[test]
    fn softmax_over_an_array(
        z in prop::array::uniform4(-2.0f64..2.0),
        w in prop::array::uniform4(-1.0f64..1.0),
        target in 0usize..4,
    ) {
        let (mut dz, mut dw) = ([f64::NAN; 4], [f64::NAN; 4]);
        let v = softmax_ce_grad(&z, &w, target, &mut dz, &mut dw);
        let f = |p: &[f64]| {
            let zz: [f64; 4] = p[..4].try_into().unwrap();
            let ww: [f64; 4] = p[4..].try_into().unwrap();
            softmax_ce(&zz, &ww, target)
        };
        check_flat("softmax_ce", &[z, w].concat(), &f, v, &[dz, dw].concat())?;
    }

    #[test]
    fn buffers_passed_to_helpers(x in vals(0..=6)) {
        check1("buffer_to_helpers", &buffer_to_helpers, &buffer_to_helpers_grad, &x)?;
    }

    #[test]
    fn buffer_writes_in_while(x in vals(0..=8)) {
        check1("buffer_while_counter", &buffer_while_counter, &buffer_while_counter_grad, &x)?;
    }

    #[test]
    fn buffer_writes_under_if(x in vals(0..=8)) {
        check1("buffer_store_under_if", &buffer_store_under_if, &buffer_store_under_if_grad, &x)?;
    }

    /// f32 against the derivative formula `Σ_i 2 cos(x_i) sin(x_{n-1-i})` (in f64).
    #[test]
    fn f32_buffer(x in prop::collection::vec(-1.5f32..1.5, 0..=6)) {
        let mut dx = vec![f32::NAN; x.len()];
        let v = buffer_f32_grad(&x, &mut dx);
        prop_assert_eq!(v.to_bits(), buffer_f32(&x).to_bits());
        let n = x.len();
        for i in 0..n {
            let want = 2.0 * (x[i] as f64).cos() * (x[n - 1 - i] as f64).sin();
            prop_assert!(
                (dx[i] as f64 - want).abs() <= 1e-5 * (1.0 + want.abs()),
                "d[{}] = {}, want {}", i, dx[i], want
            );
        }
    }
}

/// Local buffers declared in a branch inside a loop (an `if`, or the rest of a `loop` body after
/// its `break`): the declaration is hoisted so the loop's adjoint reaches it.
#[gradient]
fn buffer_in_branch_in_loop(x: f64, xs: &[f64]) -> f64 {
    let mut s = 0.0;
    for _ in 0..2 {
        if x > 0.0 {
            let tv = xs[1..].to_vec();
            s += tv[0] * x;
        }
    }
    let mut j = 0;
    loop {
        j += 1;
        if j > 4 {
            break;
        }
        let vl = vec![xs[0] * x, -1.49];
        for v in &vl {
            s += v * s.tanh();
        }
    }
    s
}

#[test]
fn buffers_declared_in_branches_inside_loops() {
    let xs = [0.5, 1.5, 2.0];
    for x in [-0.7, 0.4, 1.2] {
        let mut d = [f64::NAN; 3];
        let (v, [dx]) = buffer_in_branch_in_loop_grad(x, &xs, &mut d);
        let mut p = vec![x];
        p.extend(xs);
        let mut g = vec![dx];
        g.extend(d);
        check_flat(
            "buffer_in_branch_in_loop",
            &p,
            &|p: &[f64]| buffer_in_branch_in_loop(p[0], &p[1..]),
            v,
            &g,
        )
        .unwrap();
    }
}

/// `sort_by` on a local buffer (increasing by `partial_cmp` or `total_cmp`, decreasing, a path
/// comparator): the derivative of each element follows it to where it lands — a median, a
/// trimmed mean.
#[gradient(jvp)]
fn sorted_statistics(x: &[f64], s: f64) -> f64 {
    let mut v = x.to_vec();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let median = v[v.len() / 2];
    let trimmed = v[1..v.len() - 1].iter().sum::<f64>() / (v.len() - 2) as f64;
    let mut w: Vec<f64> = x.iter().map(|a| a * s).collect();
    w.sort_unstable_by(|a, b| b.total_cmp(a));
    let mut u = [s, x[0], -s];
    u.sort_by(f64::total_cmp);
    median * s + trimmed + w[0] - w[w.len() - 1] + u[1]
}

#[test]
fn sorting_buffers() {
    let x = [0.5, -0.7, 1.2, -0.1, 0.3];
    for s in [0.8, -1.3] {
        let mut dx = [0.0; 5];
        let (v, [ds]) = sorted_statistics_grad(&x, s, &mut dx);
        assert_eq!(v.to_bits(), sorted_statistics(&x, s).to_bits());
        close("x", &dx, &fd_all(&|p| sorted_statistics(p, s), &x));
        close("s", &[ds], &fd_all(&|p| sorted_statistics(&x, p[0]), &[s]));
    }
}

/// `collect()` of a `map` over zipped sequences (a differentiated slice with data, two
/// differentiated slices, three-way, enumerated, by reference patterns and by deref), as a
/// local buffer and as a vector-valued function's result.
#[gradient]
fn zipped_collects(w: &[f64], v: &[f64], x: &[f64]) -> f64 {
    let a: Vec<f64> = w.iter().zip(x).map(|(p, q)| (*p * *q).tanh()).collect();
    let b: Vec<f64> = w.iter().zip(v.iter()).map(|(p, q)| p * q).collect();
    let c: Vec<f64> = w
        .iter()
        .zip(v)
        .zip(x.iter())
        .map(|((&p, &q), &r)| p * r - q)
        .collect();
    let d = w
        .iter()
        .copied()
        .enumerate()
        .map(|(i, p)| p * i as f64)
        .collect::<Vec<f64>>();
    let e = zipped_layer(w, x);
    a.iter().sum::<f64>() + b[1] * c[0] + d[2] + e.iter().map(|t| t * t).sum::<f64>()
}

#[gradient]
fn zipped_layer(w: &[f64], x: &[f64]) -> Vec<f64> {
    w.iter().zip(x).map(|(a, b)| (*a * *b).sin()).collect()
}

#[test]
fn collects_of_zips() {
    let (w, v, x) = ([0.4, -0.3, 0.9], [1.1, 0.2, -0.5, 0.7], [0.6, -1.4, 0.3]);
    let (mut dw, mut dv, mut dx) = ([0.0; 3], [0.0; 4], [0.0; 3]);
    let val = zipped_collects_grad(&w, &v, &x, &mut dw, &mut dv, &mut dx);
    assert_eq!(val.to_bits(), zipped_collects(&w, &v, &x).to_bits());
    close("w", &dw, &fd_all(&|p| zipped_collects(p, &v, &x), &w));
    close("v", &dv, &fd_all(&|p| zipped_collects(&w, p, &x), &v));
    close("x", &dx, &fd_all(&|p| zipped_collects(&w, &v, p), &x));
}
