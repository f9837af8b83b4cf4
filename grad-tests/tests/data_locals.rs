//! Locals of data and the forms around them (issue 8): index vectors collected from ranges and
//! sorted by the differentiated values (argsort, ranks, a trimmed loss), rows of data collected
//! into `Vec<Vec<f64>>`, counts and masks, `move` closures, and `flat_map` in reductions and
//! loops. Each against central finite differences, values bit for bit, f64 and f32.

#![allow(
    clippy::needless_range_loop,
    clippy::cast_precision_loss,
    clippy::redundant_closure,
    clippy::manual_flatten,
    clippy::ptr_arg
)]

mod common;

use common::check;
use grad::gradient;

const W: [f64; 5] = [0.3, -1.2, 2.0, 0.7, 0.45];
const X: [f64; 10] = [1.0, 0.5, -0.3, 2.2, -0.8, 0.1, 0.9, -1.5, 0.25, 0.6];

/// Spearman-like: each value weighted by its rank, the ranks from sorting indices by value.
#[gradient(wrt(w))]
fn ranked(w: &[f64]) -> f64 {
    let mut idx: Vec<usize> = (0..w.len()).collect();
    idx.sort_by(|&a, &b| w[a].partial_cmp(&w[b]).unwrap());
    let mut s = 0.0;
    for (rank, &i) in idx.iter().enumerate() {
        s += w[i] * w[i] * (rank as f64 + 1.0);
    }
    s
}

/// A trimmed loss: the largest residuals dropped, the order found by `sort_unstable_by` on
/// indices, the kept ones read by index in a reduction.
#[gradient(wrt(w))]
fn trimmed(w: &[f64], x: &[f64]) -> f64 {
    let n = w.len();
    let r: Vec<f64> = (0..n).map(|i| (w[i] - x[i]).powi(2)).collect();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_unstable_by(|&a, &b| r[a].total_cmp(&r[b]));
    order.truncate(n - 2);
    order.iter().map(|&i| r[i]).sum::<f64>() / (n - 2) as f64
}

/// Indices kept by a test on the differentiated values (`retain`), then reversed.
#[gradient(wrt(w))]
fn kept(w: &[f64]) -> f64 {
    let mut keep: Vec<usize> = (0..w.len()).collect();
    keep.retain(|&i| w[i] > 0.0);
    keep.reverse();
    let mut s = 0.0;
    let mut k = 0.0;
    for &i in &keep {
        k += 1.0;
        s += k * w[i].sin();
    }
    s
}

/// Rows of data collected into `Vec<Vec<f64>>`, and a count of positive entries, as data.
#[gradient(wrt(w))]
fn rows_of_data(w: &[f64], x: &[f64]) -> f64 {
    let d = w.len();
    let rows: Vec<Vec<f64>> = x.chunks(d).map(|c| c.to_vec()).collect();
    let positives: Vec<usize> = rows
        .iter()
        .map(|r| r.iter().filter(|v| **v > 0.0).count())
        .collect();
    let mut s = 0.0;
    for (r, &p) in rows.iter().zip(&positives) {
        let z: f64 = r.iter().zip(w).map(|(a, b)| a * b).sum();
        s += (z * z + 1.0).ln() * (p as f64 + 0.5);
    }
    s
}

/// `move` closures capturing a parameter and a local, called in a loop and a reduction.
#[gradient(wrt(w))]
fn moved(w: &[f64], x: &[f64]) -> f64 {
    let scale = 0.5 + x[0].abs();
    let first = w[0];
    let f = move |v: f64| (v * scale).tanh() + first;
    let g = move |a: f64, b: f64| a * b - first * 0.25;
    let mut s = 0.0;
    for i in 0..w.len() {
        s += f(w[i]) * g(w[i], x[i]);
    }
    // Written after the definition: the closure keeps the value it moved in.
    let mut k = w[1] * 2.0;
    let h = move |v: f64| v * k;
    let before = h(w[0]);
    k = 10.0;
    s + w.iter().map(|&v| f(v)).sum::<f64>() + before + h(w[2]) + k
}

/// `flat_map` over pairs: in a sum, a fold, with a `map` after it, and in a `for` loop.
#[gradient(wrt(w))]
fn pairs(w: &[f64], x: &[f64]) -> f64 {
    let n = w.len();
    let quad = (0..n)
        .flat_map(|i| (0..n).map(move |j| w[i] * w[j] * x[(i + j) % x.len()]))
        .sum::<f64>();
    let upper = (0..n)
        .flat_map(|i| (i + 1..n).map(move |j| (w[i] - w[j]).powi(2)))
        .map(|d| (d + 1.0).ln())
        .fold(0.0, |a, b| a + b);
    let mut s = 0.0;
    for v in (0..n).flat_map(|i| (0..2).map(move |k| w[i] * (k as f64 + x[i]))) {
        s += v.sin();
    }
    quad + upper + s
}

/// RankNet's pairs: `flat_map` into index pairs, filtered, then mapped and summed.
#[gradient(wrt(s))]
fn ranknet(s: &[f64], rel: &[f64]) -> f64 {
    let n = s.len();
    (0..n)
        .flat_map(|i| (0..n).map(move |j| (i, j)))
        .filter(|&(i, j)| rel[i] > rel[j])
        .map(|(i, j)| (1.0 + (-(s[i] - s[j])).exp()).ln())
        .sum::<f64>()
}

/// Counts and positions over a differentiated slice, a maximum copied out, and a copy of an
/// array parameter without `mut`.
#[gradient(wrt(w))]
fn counted(w: &[f64], a: &[f64; 2]) -> f64 {
    let positive = w.iter().filter(|&&v| v > 0.0).count();
    let first_big = w.iter().position(|&v| v > 0.6).unwrap_or(0);
    let top = w.iter().max_by(|a, b| a.total_cmp(b)).copied().unwrap();
    let c = *a;
    top * positive as f64
        + w[first_big] * c[0]
        + (0..w.len()).zip(w).map(|(i, v)| v * i as f64).sum::<f64>() * c[1]
}

/// A buffer given a new collected value each step (power iteration), and a matrix literal
/// named like a closure's parameter.
#[gradient(wrt(w))]
fn iterated(w: &[f64]) -> f64 {
    let mut v = vec![1.0; w.len()];
    for _ in 0..3 {
        v = v.iter().zip(w).map(|(a, b)| (a * b).tanh() + 0.5).collect();
    }
    let a = [[2.0 + w[0], w[1]], [w[1], 1.0]];
    let sq = w.iter().map(|a| a * a).sum::<f64>();
    v.iter().sum::<f64>() + sq * a[0][0] + a[1][0]
}

/// A buffer of floats reversed in place, and a part of a slice taken apart through `try_into`.
#[gradient(wrt(w))]
fn reversed_and_parts(w: &[f64]) -> f64 {
    let mut v = w.to_vec();
    v.reverse();
    let [a, b, c]: [f64; 3] = w[1..4].try_into().unwrap();
    let [first, _]: [f64; 2] = (&w[..2]).try_into().expect("two");
    v.iter()
        .enumerate()
        .map(|(i, x)| x * (i + 1) as f64)
        .sum::<f64>()
        + a * b
        - c * first
}

/// The same forms generic over the float type, in f32.
#[gradient(wrt(w))]
fn ranked32(w: &[f32]) -> f32 {
    let mut idx: Vec<usize> = (0..w.len()).collect();
    idx.sort_by(|&a, &b| w[b].total_cmp(&w[a]));
    let sc = 0.5f32;
    let f = move |v: f32| v * sc;
    let mut s = 0.0;
    for (rank, &i) in idx.iter().enumerate() {
        s += f(w[i]) * (rank as f32 + 1.0);
    }
    s + (0..w.len())
        .flat_map(|i| (0..w.len()).map(move |j| w[i] * w[j]))
        .sum::<f32>()
}

#[test]
fn index_vectors_sorted_by_differentiated_values() {
    check("ranked", &|w| ranked(w), &|w, d| ranked_grad(w, d), &W);
    check(
        "trimmed",
        &|w| trimmed(w, &X),
        &|w, d| trimmed_grad(w, &X, d),
        &W,
    );
    check("kept", &|w| kept(w), &|w, d| kept_grad(w, d), &W);
}

#[test]
fn rows_and_counts_of_data() {
    check(
        "rows_of_data",
        &|w| rows_of_data(&w[..5], &X),
        &|w, d| rows_of_data_grad(&w[..5], &X, d),
        &W,
    );
}

#[test]
fn move_closures_and_flat_map() {
    check("moved", &|w| moved(w, &X), &|w, d| moved_grad(w, &X, d), &W);
    check("pairs", &|w| pairs(w, &X), &|w, d| pairs_grad(w, &X, d), &W);
}

#[test]
fn pairs_counts_and_copies() {
    check(
        "ranknet",
        &|w| ranknet(w, &X[..5]),
        &|w, d| ranknet_grad(w, &X[..5], d),
        &W,
    );
    let a = [0.5, -1.5];
    check(
        "counted",
        &|w| counted(w, &a),
        &|w, d| counted_grad(w, &a, d),
        &W,
    );
    check(
        "reversed_and_parts",
        &|w| reversed_and_parts(w),
        &|w, d| reversed_and_parts_grad(w, d),
        &W,
    );
    check(
        "iterated",
        &|w| iterated(w),
        &|w, d| iterated_grad(w, d),
        &W,
    );
}

#[test]
fn in_f32() {
    let w: Vec<f32> = W.iter().map(|&v| v as f32).collect();
    let mut d = vec![0.0f32; w.len()];
    let v = ranked32_grad(&w, &mut d);
    assert_eq!(v.to_bits(), ranked32(&w).to_bits());
    for k in 0..w.len() {
        let h = 1e-2f32;
        let (mut a, mut b) = (w.clone(), w.clone());
        a[k] += h;
        b[k] -= h;
        let fd = (ranked32(&a) - ranked32(&b)) / (2.0 * h);
        assert!(
            (fd - d[k]).abs() <= 2e-2 * (1.0 + fd.abs()),
            "d{k}: {} vs {fd}",
            d[k]
        );
    }
}

/// The positions of the positive labels, pushed inside a loop (a wrong value and gradient once:
/// the loop's pushes were lost), read by index and by count.
#[gradient(wrt(w), jvp, hvp)]
fn active(w: &[f64], y: &[f64]) -> f64 {
    let mut idx: Vec<usize> = Vec::new();
    for i in 0..y.len() {
        if y[i] > 0.0 {
            idx.push(i);
        }
    }
    idx.iter().map(|&i| w[i] * w[i]).sum::<f64>() + w[0] * idx.len() as f64
}

/// Pairs of data, a queue and a map filled in `for`, `while` and `loop` bodies, pushes twice
/// in one iteration; the loop bodies taped (a product over the outer loop).
#[gradient(wrt(w))]
fn filled_in_loops(w: &[f64], y: &[f64]) -> f64 {
    let mut pairs: Vec<(usize, f64)> = Vec::new();
    let mut queue: std::collections::VecDeque<usize> = std::collections::VecDeque::new();
    let mut last: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    for (i, &v) in y.iter().enumerate() {
        if v > 0.0 {
            pairs.push((i, v));
        }
        queue.push_back(i);
        last.insert(i % 2, i);
    }
    let mut k = 0;
    while k < 2 {
        queue.push_front(k);
        k += 1;
    }
    loop {
        pairs.push((0, 0.5));
        if pairs.len() > 4 {
            break;
        }
    }
    let mut p = 1.0;
    for j in 0..2 {
        let mut odd: Vec<usize> = Vec::new();
        let mut i = 0;
        while i < w.len() {
            if i % 2 == 1 {
                odd.push(i);
            }
            i += 1;
        }
        p *= 1.0
            + 0.1
                * odd
                    .iter()
                    .map(|&i| w[i] * (j as f64 + 1.0))
                    .sum::<f64>()
                    .tanh();
    }
    pairs.iter().map(|&(i, v)| w[i] * v).sum::<f64>()
        + queue.iter().map(|&i| w[i].sin()).sum::<f64>()
        + w[last[&0]] * w[last[&1]]
        + p
}

#[test]
fn data_filled_inside_loops() {
    let y = [1.0, -1.0, 1.0, 0.5, -2.0];
    check(
        "active",
        &|p| active(p, &y),
        &|p, d| active_grad(p, &y, d),
        &W,
    );
    check(
        "filled_in_loops",
        &|p| filled_in_loops(p, &y),
        &|p, d| filled_in_loops_grad(p, &y, d),
        &W,
    );
    // By hand: Σ over y > 0 of w² plus w[0] · count.
    let mut d = [f64::NAN; 5];
    let v = active_grad(&W, &y, &mut d);
    assert_eq!(v.to_bits(), active(&W, &y).to_bits());
    let want = [2.0 * W[0] + 3.0, 0.0, 2.0 * W[2], 2.0 * W[3], 0.0];
    for k in 0..5 {
        assert!(
            (d[k] - want[k]).abs() <= 1e-12,
            "d[{k}] = {}, want {}",
            d[k],
            want[k]
        );
    }
    let (_, t) = active_jvp(&W, &y, &[1.0, 0.0, 0.0, 0.0, 0.0]);
    assert!((t - want[0]).abs() <= 1e-12);
    let mut hv = [f64::NAN; 5];
    let _ = active_hvp(&W, &y, &[0.0, 0.0, 1.0, 0.0, 0.0], &mut d, &mut hv);
    assert_eq!(hv, [0.0, 0.0, 2.0, 0.0, 0.0]);
}

/// Two index vectors made by the same `Vec::new()` and filled in two loops (once one value,
/// moved into the first loop: a build failure inside the expansion, found by the long runs).
#[gradient(wrt(w))]
fn two_index_vectors(w: &[f64]) -> f64 {
    let mut even: Vec<usize> = Vec::new();
    for i in 0..w.len() {
        if i % 2 == 0 {
            even.push(i);
        }
    }
    let mut odd: Vec<usize> = Vec::new();
    let mut i = 0usize;
    while i < w.len() {
        if i % 2 == 1 {
            odd.insert(0, i);
        }
        i += 1;
    }
    even.iter().map(|&i| w[i] * w[i]).sum::<f64>() - odd.iter().map(|&i| w[i].sin()).sum::<f64>()
}

#[test]
fn index_vectors_made_alike() {
    check(
        "two_index_vectors",
        &two_index_vectors,
        &two_index_vectors_grad,
        &W,
    );
}

/// Data changed inside a loop by methods of any name (`rotate_left`, `dedup_by_key`): each a
/// change the loop carries, as `push` is (methods outside a list were lost once).
#[gradient(wrt(w))]
fn rotated_in_loop(w: &[f64]) -> f64 {
    let mut order: Vec<usize> = (0..w.len()).collect();
    let mut s = 0.0;
    for k in 0..3 {
        order.rotate_left(1);
        order.dedup_by_key(|i| *i / 8);
        s += w[order[0]] * (k as f64 + 1.0);
    }
    s + w[order[0]] * w[order[order.len() - 1]]
}

#[test]
fn data_changed_by_any_method_in_loops() {
    check(
        "rotated_in_loop",
        &rotated_in_loop,
        &rotated_in_loop_grad,
        &W,
    );
}

/// Rows of data for the references below: of different lengths, as a ragged table is.
fn ragged() -> Vec<Vec<f64>> {
    vec![
        vec![1.0, 2.0, 3.0],
        vec![0.5, -1.0],
        vec![0.2],
        vec![0.3, 0.1],
    ]
}

/// A row of data iterated after an early `return`: the reference (`&ws[0]`, named for the
/// iteration) is made only on the path that reaches it, and the backward pass of that path
/// reads it (was an expansion rustc rejected: no placeholder of type `&Vec<f64>`).
#[gradient(wrt(xs))]
fn row_after_return(ws: &[Vec<f64>], n: usize, xs: &[f64]) -> f64 {
    if n == 3 {
        return xs[0];
    }
    let s: f64 = ws[0].iter().map(|v| v * xs[0] * xs[1]).sum();
    s
}

/// The same as the function's value (a tail expression), and a reference named by the user.
#[gradient(wrt(xs))]
fn named_row_after_return(ws: &[Vec<f64>], k: usize, xs: &[f64]) -> f64 {
    if k >= ws.len() {
        return xs[1] * 2.0;
    }
    let r = &ws[k];
    let mut s = 0.0;
    for v in r {
        s += (v * xs[0]).sin() * xs[1];
    }
    s + ws[0].iter().map(|v| v * xs[0]).sum::<f64>()
}

/// A reference made in one branch of an `if` with a value, in a loop after a `continue`, and in
/// an `if` inside another (exported through both).
#[gradient(wrt(xs))]
fn rows_in_branches(ws: &[Vec<f64>], n: usize, skip: &[bool], xs: &[f64]) -> f64 {
    let s = if n > 1 {
        let r = &ws[1];
        r.iter().map(|v| v * xs[0] * xs[1]).sum::<f64>()
    } else {
        xs[0] * 3.0
    };
    let mut t = s * xs[1];
    for i in 0..ws.len() {
        if skip[i] {
            continue;
        }
        let r = &ws[i];
        t += r.iter().map(|v| (v * xs[0]).exp()).sum::<f64>() * xs[1];
    }
    if n > 0 {
        if n == 2 {
            return t * xs[1];
        }
        let row = &ws[n];
        t *= row.iter().map(|v| v * xs[1]).sum::<f64>();
    }
    t * t
}

/// A row of an array table after an early return, and in f32.
#[gradient(wrt(xs))]
fn array_row_after_return(ws: &[[f64; 3]], n: usize, xs: &[f64]) -> f64 {
    if n == 0 {
        return 0.0;
    }
    let p = &ws[n - 1];
    p[0] * xs[0] + p[1] * xs[1] * xs[0] + p[2]
}

#[gradient(wrt(xs))]
fn row_after_return32(ws: &[Vec<f32>], n: usize, xs: &[f32]) -> f32 {
    if n == 3 {
        return 1.0;
    }
    ws[0].iter().map(|v| v * xs[0] * xs[0]).sum()
}

/// The whole table read by index in a loop after an early `return` (the loop carries the
/// reference it reads, which the path that returns never makes), with a `return` in the loop
/// and the table read again after it (was an expansion rustc rejected: `Default` asked of
/// `&Vec<Vec<f64>>`).
#[gradient(wrt(xs))]
fn table_in_loop_after_return(xs: &[f64], ws: &Vec<Vec<f64>>, n: usize) -> f64 {
    let a = xs[0] * 0.5 + xs[1];
    if xs[0] < a * a - 2.0 {
        return 1.0;
    }
    let mut acc = -2.0 * a;
    for &x in &xs[..xs.len() / 2] {
        if x > 5.0 {
            return x.ln_1p();
        }
        acc *= 1.0 + 0.1 * (if n == 3 { 0.5 } else { ws[0][0].ceil() * x }).tanh();
    }
    if n % 4 < 3 {
        acc += ws.iter().map(|r| (r[r.len() - 1] * a).tanh()).sum::<f64>();
    }
    a.tanh() + acc.tanh()
}

#[derive(Clone, Debug, grad::Params)]
struct TableModel {
    x0: f64,
    xs: Vec<f64>,
    n: usize,
}

impl TableModel {
    /// The same in a model's method differentiated in `self` and the table.
    #[gradient(wrt(self, ws, ys), jvp)]
    fn loss(&self, ws: &Vec<Vec<f64>>, ys: &[f64]) -> f64 {
        let a = self.x0 * 0.5 + self.xs[0];
        if self.x0 < a * a - 2.0 {
            return 1.0;
        }
        let mut acc = -2.0 * a;
        for &x in &self.xs[..self.xs.len() / 2] {
            if x > 5.0 {
                return x.ln_1p();
            }
            acc *= 1.0 + 0.1 * (if self.n == 3 { 0.5 } else { ws[0][0].ceil() }).tanh();
        }
        if self.n % 4 < 3 {
            acc += ws.iter().map(|r| (r[r.len() - 1] * a).tanh()).sum::<f64>();
        }
        a.tanh() + acc.tanh() * ys[0]
    }
}

#[test]
fn tables_carried_by_loops_after_early_returns() {
    let ws = ragged();
    for n in 0..4 {
        for xs in [
            [0.7, -0.4, 1.1, 0.3],
            [-2.5, 0.1, 0.2, 0.3],
            [6.0, 0.5, 0.2, 1.0],
        ] {
            check(
                "table_in_loop_after_return",
                &|x| table_in_loop_after_return(x, &ws, n),
                &|x, d| table_in_loop_after_return_grad(x, &ws, n, d),
                &xs,
            );
        }
        let m = TableModel {
            x0: 0.7,
            xs: vec![0.3, -0.4, 1.1, 0.2],
            n,
        };
        let mut dm = TableModel {
            x0: f64::NAN,
            xs: vec![f64::NAN; 4],
            n,
        };
        let ys = [1.5];
        let mut dws: Vec<Vec<f64>> = ws.iter().map(|r| vec![f64::NAN; r.len()]).collect();
        let mut dys = [f64::NAN];
        let v = m.loss_grad(&ws, &ys, &mut dm, &mut dws, &mut dys);
        assert_eq!(v.to_bits(), m.loss(&ws, &ys).to_bits());
        let (vj, _) = m.loss_jvp(&ws, &ys, &m, &ws, &ys);
        assert_eq!(vj.to_bits(), v.to_bits());
        let h = 1e-6;
        let mut mp = m.clone();
        mp.x0 += h;
        let mut mm = m.clone();
        mm.x0 -= h;
        let fd = (mp.loss(&ws, &ys) - mm.loss(&ws, &ys)) / (2.0 * h);
        assert!(
            (fd - dm.x0).abs() <= 1e-6 * (1.0 + fd.abs()),
            "{fd} vs {}",
            dm.x0
        );
        let mut wp = ws.clone();
        wp[1][1] += h;
        let mut wm = ws.clone();
        wm[1][1] -= h;
        let fd = (m.loss(&wp, &ys) - m.loss(&wm, &ys)) / (2.0 * h);
        assert!(
            (fd - dws[1][1]).abs() <= 1e-6 * (1.0 + fd.abs()),
            "{fd} vs {}",
            dws[1][1]
        );
    }
}

#[test]
fn references_to_data_after_early_returns() {
    let ws = ragged();
    let skip = [false, true, false, false];
    let table = [[1.0, 2.0, 3.0], [0.5, 0.25, -1.0]];
    let xs = [0.7, -0.4];
    for n in 0..4 {
        check(
            "row_after_return",
            &|x| row_after_return(&ws, n, x),
            &|x, d| row_after_return_grad(&ws, n, x, d),
            &xs,
        );
        check(
            "named_row_after_return",
            &|x| named_row_after_return(&ws, n + 1, x),
            &|x, d| named_row_after_return_grad(&ws, n + 1, x, d),
            &xs,
        );
        check(
            "rows_in_branches",
            &|x| rows_in_branches(&ws, n, &skip, x),
            &|x, d| rows_in_branches_grad(&ws, n, &skip, x, d),
            &xs,
        );
        if n < 3 {
            check(
                "array_row_after_return",
                &|x| array_row_after_return(&table, n, x),
                &|x, d| array_row_after_return_grad(&table, n, x, d),
                &xs,
            );
        }
    }
    let w32 = vec![vec![1.0f32, 2.0]];
    let mut d = [f32::NAN];
    assert_eq!(row_after_return32_grad(&w32, 1, &[0.5], &mut d), 0.75);
    assert_eq!(d, [3.0]);
    assert_eq!(row_after_return32_grad(&w32, 3, &[0.5], &mut d), 1.0);
    assert_eq!(d, [0.0]);
}
