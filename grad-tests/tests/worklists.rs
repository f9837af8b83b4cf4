//! Values taken out of a local (issue 8): worklists (`while let Some(u) = stack.pop()`,
//! `q.pop_front()` of a `VecDeque`), visited sets (`if seen.insert(u)`), `map.remove(&k)` in an
//! `if let`, `match stack.pop()`, `split_off`, `drain(..).collect()`, `remove`/`swap_remove`, and
//! `pop().unwrap()` of a buffer of differentiated floats. Graph searches over constant adjacency
//! lists as a user writes them, each against central finite differences, values bit for bit.

#![allow(
    clippy::needless_range_loop,
    clippy::cast_precision_loss,
    clippy::while_let_loop,
    clippy::needless_late_init,
    clippy::type_complexity
)]

mod common;

use common::{check, close, fd_all};
use grad::gradient;
use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

const W: [f64; 5] = [0.3, -1.2, 2.0, 0.7, 0.45];

fn graph() -> Vec<Vec<usize>> {
    vec![vec![1, 2], vec![3], vec![3, 4], vec![], vec![0]]
}

/// Breadth first from node 0, each node weighted by its depth.
#[gradient(wrt(w))]
fn bfs(w: &[f64], adj: &[Vec<usize>]) -> f64 {
    let mut seen = vec![false; w.len()];
    let mut q = VecDeque::new();
    q.push_back(0usize);
    seen[0] = true;
    let mut s = 0.0;
    let mut depth = 1.0;
    while let Some(u) = q.pop_front() {
        s += depth * w[u] * w[u];
        depth += 0.5;
        for &v in &adj[u] {
            if !seen[v] {
                seen[v] = true;
                q.push_back(v);
            }
        }
    }
    s
}

/// Depth first with a set of visited nodes, the value carried along the visit order.
#[gradient(wrt(w), jvp, hvp)]
fn dfs(w: &[f64], adj: &[Vec<usize>]) -> f64 {
    let mut visited = HashSet::new();
    let mut stack = vec![0usize];
    let mut s = 0.0;
    while let Some(u) = stack.pop() {
        if visited.insert(u) {
            s = s * 0.5 + w[u].sin();
            for &v in adj[u].iter().rev() {
                stack.push(v);
            }
        }
    }
    s
}

/// A set tested in an `else if`, as the first test of a chain would be.
#[gradient(wrt(w))]
fn chained_tests(w: &[f64], keys: &[usize]) -> f64 {
    let mut seen = HashSet::new();
    let mut s = 0.0;
    for &k in keys {
        if k == 0 {
            s += 0.5 * w[0];
        } else if seen.insert(k) {
            s += w[k] * w[k];
        } else {
            s -= w[k];
        }
    }
    s
}

/// `match` on what `pop` gives, in a `loop`; a `BTreeSet` of what was seen.
#[gradient(wrt(w))]
fn drained_by_match(w: &[f64]) -> f64 {
    let mut order: Vec<usize> = (0..w.len()).collect();
    let mut seen = BTreeSet::new();
    let mut s = 0.0;
    loop {
        match order.pop() {
            Some(i) => {
                if seen.insert(i % 3) {
                    s += w[i] * (i as f64 + 1.0);
                } else {
                    s -= 0.5 * w[i];
                }
            }
            None => break,
        }
    }
    s
}

/// The last position of each key (`insert` into a map), each taken out once (`remove`).
#[gradient(wrt(w))]
fn removed(w: &[f64], keys: &[usize]) -> f64 {
    let mut last: HashMap<usize, usize> = HashMap::new();
    for (i, &k) in keys.iter().enumerate() {
        last.insert(k, i);
    }
    let mut s = 0.0;
    for &k in keys {
        if let Some(i) = last.remove(&k) {
            s += w[i].exp();
        } else {
            s -= w[k];
        }
    }
    s
}

/// Indices split, drained and removed: what each part keeps is read by index.
#[gradient(wrt(w))]
fn parts(w: &[f64], n: usize) -> f64 {
    let mut idx: Vec<usize> = (0..w.len()).collect();
    let tail = idx.split_off(n);
    let head: Vec<usize> = idx.drain(..1).collect();
    let first = tail[0];
    let mut rest = tail.clone();
    let gone = rest.swap_remove(0);
    let mut s = w[first] * w[gone];
    for &i in &head {
        s += 3.0 * w[i];
    }
    for &i in &rest {
        s += w[i] * w[i];
    }
    s + idx.len() as f64
}

/// A buffer of differentiated values shortened: its last element popped, a tail split off.
#[gradient(wrt(w), jvp, hvp)]
fn popped(w: &[f64]) -> f64 {
    let mut b = vec![0.0; w.len()];
    for i in 0..w.len() {
        b[i] = w[i] * w[i] - 0.5;
    }
    let last = b.pop().unwrap();
    let tail = b.split_off(2);
    let kept;
    kept = b.split_off(1);
    let mut s = last * last + 2.0 * kept[0];
    for v in &tail {
        s += v.sin();
    }
    s + b.iter().sum::<f64>()
}

/// A stack of differentiated values drained by `pop` in conditions: `while let`, `if let`,
/// `let .. else`, `match` (a compile error before: "cannot take a value out of the buffer").
#[gradient(wrt(w), jvp, hvp)]
fn stack_of_floats(w: &[f64]) -> f64 {
    let mut stack: Vec<f64> = w.iter().map(|v| v * v - 0.25).collect();
    let mut s = 0.0;
    if let Some(top) = stack.pop() {
        s += top * top;
    } else {
        s -= 1.0;
    }
    let Some(next) = stack.pop() else {
        return s;
    };
    s += next * w[0];
    match stack.pop() {
        Some(v) => s += v.sin(),
        None => s += 1.0,
    }
    while let Some(v) = stack.pop() {
        s = s * 0.5 + v;
    }
    s
}

#[test]
fn worklists_and_sets() {
    check(
        "stack_of_floats",
        &|p| stack_of_floats(p),
        &|p, d| stack_of_floats_grad(p, d),
        &W,
    );
    check(
        "stack_of_floats",
        &|p| stack_of_floats(p),
        &|p, d| stack_of_floats_grad(p, d),
        &W[..2],
    );
    let adj = graph();
    check("bfs", &|p| bfs(p, &adj), &|p, d| bfs_grad(p, &adj, d), &W);
    check("dfs", &|p| dfs(p, &adj), &|p, d| dfs_grad(p, &adj, d), &W);
    check(
        "drained_by_match",
        &|p| drained_by_match(p),
        &|p, d| drained_by_match_grad(p, d),
        &W,
    );
    let keys = [3usize, 1, 3, 4, 0];
    check(
        "chained_tests",
        &|p| chained_tests(p, &keys),
        &|p, d| chained_tests_grad(p, &keys, d),
        &W,
    );
    check(
        "removed",
        &|p| removed(p, &keys),
        &|p, d| removed_grad(p, &keys, d),
        &W,
    );
}

#[test]
fn parts_taken_out() {
    for n in 1..4 {
        check("parts", &|p| parts(p, n), &|p, d| parts_grad(p, n, d), &W);
    }
    check("popped", &|p| popped(p), &|p, d| popped_grad(p, d), &W);
}

/// The directional derivative is the gradient along `v`; the Hessian–vector product the
/// gradient's central differences along `v`.
fn check_second(
    what: &str,
    g: &dyn Fn(&[f64], &mut [f64]) -> f64,
    jvp: &dyn Fn(&[f64], &[f64]) -> (f64, f64),
    hvp: &dyn Fn(&[f64], &[f64], &mut [f64], &mut [f64]) -> f64,
) {
    let v = [0.5, -1.0, 0.25, 2.0, -0.75];
    let mut d = [f64::NAN; 5];
    let value = g(&W, &mut d);
    let (jv, t) = jvp(&W, &v);
    assert_eq!(jv.to_bits(), value.to_bits(), "{what}: jvp value");
    let want: f64 = d.iter().zip(&v).map(|(a, b)| a * b).sum();
    close(&format!("{what}: jvp"), &[t], &[want]);
    let (mut d2, mut hv) = ([f64::NAN; 5], [f64::NAN; 5]);
    let hv_value = hvp(&W, &v, &mut d2, &mut hv);
    assert_eq!(hv_value.to_bits(), value.to_bits(), "{what}: hvp value");
    close(&format!("{what}: hvp gradient"), &d2, &d);
    let along = |s: f64| {
        let p: Vec<f64> = W.iter().zip(&v).map(|(w, v)| w + s * v).collect();
        let mut d = [0.0; 5];
        g(&p, &mut d);
        d
    };
    let fd_hv: Vec<f64> = (0..5)
        .map(|k| fd_all(&|s: &[f64]| along(s[0])[k], &[0.0])[0])
        .collect();
    close(&format!("{what}: hvp"), &hv, &fd_hv);
}

#[test]
fn worklists_in_forward_and_second_order() {
    let adj = graph();
    check_second(
        "dfs",
        &|p, d| dfs_grad(p, &adj, d),
        &|p, v| dfs_jvp(p, &adj, v),
        &|p, v, d, hv| dfs_hvp(p, &adj, v, d, hv),
    );
    check_second(
        "popped",
        &|p, d| popped_grad(p, d),
        &|p, v| popped_jvp(p, v),
        &|p, v, d, hv| popped_hvp(p, v, d, hv),
    );
}

/// Indices grouped into rows of a local (`vec![Vec::new(); k]`, typed or not, filled by
/// `groups[i % k].push(i)`): data, rows of integers, as a within-group variance reads them.
/// Before: "does not know the derivative of the method `push`".
#[gradient]
fn grouped_untyped(w: &[f64]) -> f64 {
    let mut groups = vec![Vec::new(); 2];
    for i in 0..w.len() {
        groups[i % 2].push(i);
    }
    groups
        .iter()
        .map(|g| g.iter().map(|&i| w[i]).sum::<f64>().powi(2))
        .sum()
}

#[gradient]
fn grouped_typed(w: &[f64]) -> f64 {
    let labels = [0usize, 1, 0, 1, 1];
    let mut members: Vec<Vec<usize>> = vec![vec![]; 2];
    for (i, &l) in labels.iter().enumerate() {
        if i < w.len() {
            members[l].push(i);
        }
    }
    let mut loss = 0.0;
    for m in &members {
        if m.is_empty() {
            continue;
        }
        let mean = m.iter().map(|&i| w[i]).sum::<f64>() / m.len() as f64;
        loss += m.iter().map(|&i| (w[i] - mean).powi(2)).sum::<f64>();
    }
    loss
}

#[test]
fn indices_grouped_into_rows() {
    for p in [vec![0.4, -0.3, 0.8, 1.1, -0.7], vec![1.2, 0.5]] {
        check(
            "grouped_untyped",
            &|q| grouped_untyped(q),
            &|q, d| grouped_untyped_grad(q, d),
            &p,
        );
        check(
            "grouped_typed",
            &|q| grouped_typed(q),
            &|q, d| grouped_typed_grad(q, d),
            &p,
        );
    }
}
