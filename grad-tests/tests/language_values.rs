//! More of the Rust real losses are written in (issue 8): tuples computed by blocks, `if`s and
//! `match`es, tuple locals read by field, guards that bind, `let … else` with several names,
//! `break 'label value`, `panic!`/`unreachable!` on paths not taken, `std::mem::swap`, `&mut`
//! locals, `clone_from_slice`, and `&f64` parameters passed on to plain functions. Each against
//! central finite differences, values bit for bit.

#![allow(
    clippy::match_same_arms,
    clippy::needless_range_loop,
    clippy::let_and_return,
    clippy::manual_swap,
    clippy::trivially_copy_pass_by_ref,
    clippy::never_loop,
    clippy::useless_vec
)]

mod common;

use common::check_flat;
use grad::gradient;

fn check(what: &str, f: &dyn Fn(&[f64]) -> f64, v: f64, g: &[f64], p: &[f64]) {
    check_flat(what, p, f, v, g).unwrap();
}

#[gradient]
fn tuple_from_if(x: f64, y: f64) -> f64 {
    let (a, b) = if x > y {
        let u = x * 2.0;
        (u, u * y)
    } else {
        (y.sin(), x)
    };
    a * b + a
}

#[gradient]
fn tuple_from_match(x: f64, k: usize) -> f64 {
    let (a, b): (f64, f64) = match k {
        0 => (x, 1.0),
        1 | 2 => (x * x, x.exp()),
        n if n > 5 => (n as f64 * x, x.sin()),
        _ => x.sin_cos(),
    };
    a * b
}

#[gradient]
fn tuple_from_block_nested(x: f64, y: f64) -> f64 {
    let (p, (q, r)) = {
        let s = x * y;
        if s > 0.5 {
            (s, (x, y))
        } else {
            (s * s, (y, x.cos()))
        }
    };
    p + q * r
}

#[gradient]
fn tuple_locals_by_field(x: f64, y: f64) -> f64 {
    let t = (x * y, x + y);
    let mut u = t;
    u.0 += x;
    u.1 *= u.0;
    let v = if x > 0.0 { (u.1, u.0) } else { u };
    let w = x.sin_cos();
    v.0 * v.1 + w.0 * w.1 + y.sin_cos().1
}

#[gradient]
fn tuple_swapped_in_loop(x: f64) -> f64 {
    // (a, b) ← (b, a + b): a Fibonacci-like recurrence on a tuple.
    let mut t = (x, 1.0);
    for _ in 0..5 {
        t = (t.1, t.0 + t.1 * x);
    }
    t.0 + t.1
}

#[test]
fn tuples_as_values() {
    for (x, y) in [(0.7, 0.3), (-0.4, 1.2), (0.2, 0.9)] {
        let (v, g) = tuple_from_if_grad(x, y);
        check(
            "tuple_from_if",
            &|p: &[f64]| tuple_from_if(p[0], p[1]),
            v,
            &g,
            &[x, y],
        );
        let (v, g) = tuple_from_block_nested_grad(x, y);
        check(
            "tuple_from_block_nested",
            &|p: &[f64]| tuple_from_block_nested(p[0], p[1]),
            v,
            &g,
            &[x, y],
        );
        let (v, g) = tuple_locals_by_field_grad(x, y);
        check(
            "tuple_locals_by_field",
            &|p: &[f64]| tuple_locals_by_field(p[0], p[1]),
            v,
            &g,
            &[x, y],
        );
    }
    for k in 0..8 {
        let (v, g) = tuple_from_match_grad(0.6, k);
        check(
            "tuple_from_match",
            &|p: &[f64]| tuple_from_match(p[0], k),
            v,
            &g,
            &[0.6],
        );
    }
    let (v, g) = tuple_swapped_in_loop_grad(0.8);
    check(
        "tuple_swapped_in_loop",
        &|p: &[f64]| tuple_swapped_in_loop(p[0]),
        v,
        &g,
        &[0.8],
    );
}

#[derive(Clone, Copy)]
pub enum Act {
    Relu,
    Tanh,
    Leaky(f64),
    Scaled { by: f64 },
}

#[gradient]
fn guards_that_bind(x: f64, k: usize, act: Act, pick: Option<usize>) -> f64 {
    let a = match k {
        n if n > 4 => x * n as f64,
        n @ 2..=4 if x > 0.0 => x.powi(n as i32),
        n => x + n as f64,
    };
    let b = match act {
        Act::Relu => a.max(0.0),
        Act::Tanh => a.tanh(),
        Act::Leaky(s) if a < 0.0 => s * a,
        Act::Leaky(_) => a,
        Act::Scaled { by } => by * a,
    };
    let c = match pick {
        None => 1.0,
        Some(i) if i % 2 == 0 => b * i as f64,
        Some(i) => b + i as f64,
    };
    b * c
}

#[test]
fn match_guards_that_bind() {
    for k in 0..7 {
        for act in [
            Act::Relu,
            Act::Tanh,
            Act::Leaky(0.1),
            Act::Scaled { by: 2.5 },
        ] {
            for pick in [None, Some(2), Some(3)] {
                for x in [-0.6, 0.45] {
                    let (v, g) = guards_that_bind_grad(x, k, act, pick);
                    check(
                        "guards_that_bind",
                        &|p: &[f64]| guards_that_bind(p[0], k, act, pick),
                        v,
                        &g,
                        &[x],
                    );
                }
            }
        }
    }
}

#[gradient(wrt(w))]
fn let_else_several(w: &[f64], pair: Option<(usize, usize)>, scale: Option<f64>) -> f64 {
    let Some((i, mut j)) = pair else {
        return w[0] * w[0];
    };
    j = j.min(w.len() - 1);
    let Some(s) = scale else {
        return w[i] + w[j];
    };
    s * w[i] * w[j]
}

#[test]
fn let_else_binding_several_names() {
    let w = [0.5, -1.5, 2.0];
    for pair in [None, Some((0, 2)), Some((1, 9))] {
        for scale in [None, Some(1.5)] {
            let mut d = [0.0; 3];
            let v = let_else_several_grad(&w, pair, scale, &mut d);
            check(
                "let_else_several",
                &|p: &[f64]| let_else_several(p, pair, scale),
                v,
                &d,
                &w,
            );
        }
    }
}

#[gradient]
fn break_with_value(x: f64, n: usize) -> f64 {
    let r = 'outer: loop {
        let mut k = 0;
        let mut s = x;
        loop {
            k += 1;
            s = s * 0.5 + x;
            if k > n {
                break 'outer s * k as f64;
            }
            if s > 10.0 {
                break;
            }
        }
        break s;
    };
    let total = 'search: loop {
        for i in 0..4 {
            if i as f64 * x > 1.0 {
                break 'search r + i as f64 * x;
            }
        }
        break r;
    };
    total
}

#[test]
fn labeled_break_with_a_value() {
    for n in 0..4 {
        for x in [0.3, 0.8, 1.6] {
            let (v, g) = break_with_value_grad(x, n);
            check(
                "break_with_value",
                &|p: &[f64]| break_with_value(p[0], n),
                v,
                &g,
                &[x],
            );
        }
    }
}

#[gradient(wrt(w))]
fn panics_on_paths_not_taken(w: &[f64], y: &[f64], k: usize) -> f64 {
    if w.len() != y.len() {
        panic!("length mismatch: {} vs {}", w.len(), y.len());
    }
    assert!(k < 3, "k = {k} is out of range");
    let scale = match k {
        0 => 1.0,
        1 => w[0].exp(),
        2 => w[1] * w[1],
        _ => unreachable!("k = {k}"),
    };
    let mut s = 0.0;
    for i in 0..w.len() {
        let r = if y[i].is_finite() {
            w[i] - y[i]
        } else {
            panic!("y[{i}] is not finite")
        };
        s += r * r;
    }
    scale * s
}

#[test]
fn panics_on_paths_not_taken_keep_the_gradient() {
    let (w, y) = ([0.3, -0.8, 1.1], [0.0, 0.5, 1.0]);
    for k in 0..3 {
        let mut d = [0.0; 3];
        let v = panics_on_paths_not_taken_grad(&w, &y, k, &mut d);
        check(
            "panics",
            &|p: &[f64]| panics_on_paths_not_taken(p, &y, k),
            v,
            &d,
            &w,
        );
    }
}

#[test]
#[should_panic(expected = "length mismatch: 3 vs 2")]
fn panics_where_the_function_panics() {
    let mut d = [0.0; 3];
    let _ = panics_on_paths_not_taken_grad(&[1.0, 2.0, 3.0], &[1.0, 2.0], 0, &mut d);
}

#[gradient(wrt(w))]
fn rnn_with_mem_swap(w: &[f64], xs: &[f64]) -> f64 {
    let n = 3;
    let mut h = vec![0.0; n];
    let mut h_new = vec![0.0; n];
    for &x in xs {
        for i in 0..n {
            let mut z = w[i] * x;
            for j in 0..n {
                z += w[n + i * n + j] * h[j];
            }
            h_new[i] = z.tanh();
        }
        std::mem::swap(&mut h, &mut h_new);
    }
    h.iter().sum::<f64>()
}

#[gradient]
fn scalar_mem_swap(x: f64, y: f64) -> f64 {
    let (mut a, mut b) = (x, y * y);
    for _ in 0..3 {
        a = a * 0.5 + b;
        core::mem::swap(&mut a, &mut b);
    }
    a * 2.0 + b
}

#[test]
fn mem_swap_of_buffers_and_scalars() {
    let w: Vec<f64> = (0..12).map(|k| 0.1 * f64::from(k) - 0.5).collect();
    let xs = [0.5, -1.0, 0.25, 0.8];
    let mut d = vec![0.0; 12];
    let v = rnn_with_mem_swap_grad(&w, &xs, &mut d);
    check(
        "rnn_with_mem_swap",
        &|p: &[f64]| rnn_with_mem_swap(p, &xs),
        v,
        &d,
        &w,
    );
    let (v, g) = scalar_mem_swap_grad(0.7, -0.4);
    check(
        "scalar_mem_swap",
        &|p: &[f64]| scalar_mem_swap(p[0], p[1]),
        v,
        &g,
        &[0.7, -0.4],
    );
}

#[gradient]
fn mut_refs(x: f64, w: &[f64]) -> f64 {
    let mut s = 0.0;
    let acc = &mut s;
    *acc += x * x;
    *acc *= 2.0;
    let mut buf = vec![0.0; 3];
    for i in 0..3 {
        let slot = &mut buf[i];
        *slot = w[i] * x;
        *slot += 1.0;
    }
    let r = &s;
    let mut copy = vec![0.0; 3];
    copy.clone_from_slice(&buf);
    *r + copy.iter().map(|v| v * v).sum::<f64>()
}

#[test]
fn mutable_references_to_locals() {
    let w = [0.5, -0.25, 1.5];
    let mut d = [0.0; 3];
    let (v, g) = mut_refs_grad(0.6, &w, &mut d);
    let p = [0.6, 0.5, -0.25, 1.5];
    let mut full = vec![g[0]];
    full.extend_from_slice(&d);
    check(
        "mut_refs",
        &|p: &[f64]| mut_refs(p[0], &p[1..]),
        v,
        &full,
        &p,
    );
}

fn twice(x: &f64) -> f64 {
    *x * 2.0
}

#[gradient(wrt(y))]
fn ref_param_to_plain_fn(x: &f64, y: f64) -> f64 {
    twice(x) * y + *x
}

#[test]
fn ref_parameter_passed_to_a_plain_function() {
    let (v, g) = ref_param_to_plain_fn_grad(&1.5, 0.4);
    assert_eq!(v, ref_param_to_plain_fn(&1.5, 0.4));
    assert_eq!(g, [3.0]);
}

#[gradient]
fn tuple_from_if_f32(x: f32, y: f32) -> f32 {
    let (a, b) = if x > y { (x * y, x) } else { (y, x.sin()) };
    let t = x.sin_cos();
    a * b + t.0
}

#[test]
fn tuples_in_f32() {
    for (x, y) in [(0.7f32, 0.3f32), (-0.4, 1.2)] {
        let (v, g) = tuple_from_if_f32_grad(x, y);
        assert_eq!(v, tuple_from_if_f32(x, y));
        let want = if x > y {
            [2.0 * x * y + x.cos(), x * x]
        } else {
            [y * x.cos() + x.cos(), x.sin()]
        };
        for k in 0..2 {
            assert!((g[k] - want[k]).abs() < 1e-5, "{g:?} vs {want:?}");
        }
    }
}

#[gradient]
fn array_patterns(c: &[f64; 4], t: f64, w: &[f64]) -> f64 {
    let [a, b, cc, d] = *c;
    let [first, .., last] = w[..] else {
        return 0.0;
    };
    let [p, q] = [t * a, b + t];
    let u = 1.0 - t;
    a * u.powi(3)
        + 3.0 * b * u * u * t
        + 3.0 * cc * u * t * t
        + d * t.powi(3)
        + p * q
        + first * last
}

#[test]
fn array_patterns_on_differentiated_values() {
    let c = [0.5, -1.0, 2.0, 0.25];
    let w = [0.3, -0.7, 1.2];
    let mut dc = [0.0; 4];
    let mut dw = [0.0; 3];
    let (v, g) = array_patterns_grad(&c, 0.4, &w, &mut dc, &mut dw);
    let mut p = c.to_vec();
    p.push(0.4);
    p.extend_from_slice(&w);
    let mut grad = dc.to_vec();
    grad.push(g[0]);
    grad.extend_from_slice(&dw);
    check(
        "array_patterns",
        &|p: &[f64]| {
            let mut c = [0.0; 4];
            c.copy_from_slice(&p[..4]);
            array_patterns(&c, p[4], &p[5..])
        },
        v,
        &grad,
        &p,
    );
}

#[gradient]
fn slice_patterns(w: &[f64]) -> f64 {
    let mut s = 0.0;
    if let [a, b, ..] = w[..] {
        s += a * b;
    }
    let end = match w {
        [] => 0.0,
        [only] => only * 3.0,
        [first, .., last] => first * last + last.sin(),
    };
    if let Some(&f) = w.first() {
        s += f * f;
    }
    if let Some(l) = w.last() {
        s += l.exp();
    }
    if let Some(g) = w.get(1) {
        s *= g;
    }
    s + end
}

#[test]
fn slice_patterns_bind_differentiated_elements() {
    for w in [vec![0.4], vec![0.3, -0.7], vec![0.3, -0.7, 1.2, 0.5]] {
        let mut d = vec![0.0; w.len()];
        let v = slice_patterns_grad(&w, &mut d);
        check("slice_patterns", &slice_patterns, v, &d, &w);
    }
}

#[derive(Clone, Copy)]
pub enum Loss {
    Mse,
    Mae,
    Huber(f64),
}

#[gradient(wrt(w))]
fn everyday(w: &[f64], y: &[f64], kind: Loss) -> f64 {
    // Adjacent pairs, a reversed enumeration, an enum with data chosen per call.
    let mut s = 0.0;
    for (a, b) in w.iter().zip(w.iter().skip(1)) {
        s += (b - a).powi(2);
    }
    s += w
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &v)| v * i as f64)
        .sum::<f64>();
    for (p, t) in w.iter().zip(y) {
        let r = p - t;
        s += match kind {
            Loss::Mse => r * r,
            Loss::Mae => r.abs(),
            Loss::Huber(d) => {
                if r.abs() < d {
                    0.5 * r * r
                } else {
                    d * (r.abs() - 0.5 * d)
                }
            }
        };
    }
    s
}

#[gradient]
fn buffers_made_otherwise(x: &[f64], x0: f64) -> f64 {
    // A buffer that starts with a differentiated value, a local matrix of vectors, elements read
    // through `first`/`last`/`get`.
    let n = x.len();
    let mut v = vec![x0; n];
    for i in 1..n {
        v[i] = v[i - 1] * 0.5 + x[i];
    }
    let mut m = vec![vec![0.0; 2]; 2];
    m[0][0] = x[0];
    m[1][1] = x[n - 1];
    m[0][1] = x[0] * x0;
    let det = m[0][0] * m[1][1] - m[0][1] * m[1][0] + m.len() as f64 * m[0].len() as f64;
    *v.last().unwrap() + v.first().copied().unwrap() * 2.0 + x.get(1).unwrap() * det
}

#[gradient]
fn closures_in_closures(x: &[f64], k: f64) -> f64 {
    let act = |z: f64| if z > 0.0 { z } else { 0.01 * z };
    let sq = |z: f64| z * z;
    let s = x.iter().map(|&v| sq(act(v * k))).sum::<f64>();
    let m = x.iter().cloned().fold(f64::INFINITY, f64::min);
    let mx = x
        .iter()
        .copied()
        .max_by(|a, b| a.partial_cmp(b).unwrap())
        .unwrap();
    s + m * mx + x.iter().fold(0.0, |acc, &b| acc + b * b)
}

#[test]
fn everyday_forms() {
    let w = [0.3, -0.7, 1.2, 0.5];
    let y = [0.0, 0.1, 1.0, -0.4];
    for kind in [Loss::Mse, Loss::Mae, Loss::Huber(0.5)] {
        let mut d = [0.0; 4];
        let v = everyday_grad(&w, &y, kind, &mut d);
        check("everyday", &|p: &[f64]| everyday(p, &y, kind), v, &d, &w);
    }
    let mut d = [0.0; 4];
    let (v, g) = buffers_made_otherwise_grad(&w, 0.8, &mut d);
    let mut p = w.to_vec();
    p.push(0.8);
    let mut grad = d.to_vec();
    grad.push(g[0]);
    check(
        "buffers_made_otherwise",
        &|p: &[f64]| buffers_made_otherwise(&p[..4], p[4]),
        v,
        &grad,
        &p,
    );
    let (v, g) = closures_in_closures_grad(&w, 1.5, &mut d);
    let mut p = w.to_vec();
    p.push(1.5);
    let mut grad = d.to_vec();
    grad.push(g[0]);
    check(
        "closures_in_closures",
        &|p: &[f64]| closures_in_closures(&p[..4], p[4]),
        v,
        &grad,
        &p,
    );
}

#[gradient]
fn vec_macros(x: &[f64], y: f64) -> f64 {
    let v = vec![x[0] * y, 2.0 * y, 0.5];
    let top = vec![x.iter().copied().max_by(|a, b| a.total_cmp(b)).unwrap(); 2];
    let a = [y, x[1]];
    let a = [a[1], a[0] * 3.0];
    v[0] * v[1] + v[2] + top[1] * a[0] + a[1]
}

#[test]
fn vec_macros_of_differentiated_values() {
    let x = [0.3, -0.7, 1.2];
    let mut d = [0.0; 3];
    let (v, g) = vec_macros_grad(&x, 0.9, &mut d);
    let mut p = x.to_vec();
    p.push(0.9);
    let mut grad = d.to_vec();
    grad.push(g[0]);
    check(
        "vec_macros",
        &|p: &[f64]| vec_macros(&p[..3], p[3]),
        v,
        &grad,
        &p,
    );
}

/// Forms from other tools' test suites (Clad, Enzyme, JAX), transcribed.
mod transcribed {
    use super::check;
    use grad::gradient;

    #[gradient]
    pub fn power_rec(x: f64, n: u32) -> f64 {
        if n == 0 {
            1.0
        } else {
            x * power_rec(x, n - 1)
        }
    }

    #[gradient]
    pub fn bubble_sorted_weights(x: &[f64]) -> f64 {
        let n = x.len();
        let mut a = vec![0.0; n];
        a.copy_from_slice(x);
        for i in 0..n {
            for j in 0..n - 1 - i {
                if a[j] > a[j + 1] {
                    a.swap(j, j + 1);
                }
            }
        }
        let mut s = 0.0;
        for i in 0..n {
            s += a[i] * (i as f64 + 1.0);
        }
        s
    }

    #[gradient]
    pub fn do_while_and_stride(x: &[f64], y0: f64) -> f64 {
        let mut y = y0;
        let mut i = 0;
        loop {
            y = y * y * 0.5 + 0.1;
            i += 2;
            if i >= 6 {
                break;
            }
        }
        let mut j = 0;
        let mut s = 0.0;
        while j < x.len() {
            s += x[j].powi(2);
            j += 2;
        }
        let mut m = x[0];
        for &v in &x[1..] {
            m = m.max(v);
        }
        let tail: f64 = x[1..].iter().map(|v| v * v).sum();
        y + s + m + tail + x[..2].iter().sum::<f64>()
    }

    #[gradient]
    pub fn where_and_scan(params: &[f64], xs: &[f64]) -> f64 {
        let (a, b) = (params[0], params[1]);
        let mut h = 0.0;
        let mut loss = 0.0;
        for &x in xs {
            h = (a * h + b * x).tanh();
            loss += h * h;
        }
        loss + xs
            .iter()
            .map(|&v| if v > 0.0 { v * a } else { 0.0 })
            .sum::<f64>()
    }

    #[test]
    fn transcribed_forms() {
        for n in 0..4 {
            let (v, g) = power_rec_grad(1.3, n);
            check("power_rec", &|p: &[f64]| power_rec(p[0], n), v, &g, &[1.3]);
        }
        let x = [0.3, -0.7, 1.2, 0.5];
        let mut d = [0.0; 4];
        let v = bubble_sorted_weights_grad(&x, &mut d);
        check("bubble", &bubble_sorted_weights, v, &d, &x);
        let (v, g) = do_while_and_stride_grad(&x, 0.4, &mut d);
        let mut p = x.to_vec();
        p.push(0.4);
        let mut grad = d.to_vec();
        grad.push(g[0]);
        check(
            "do_while_and_stride",
            &|p: &[f64]| do_while_and_stride(&p[..4], p[4]),
            v,
            &grad,
            &p,
        );
        let params = [0.8, -0.6];
        let (mut dp, mut dx) = ([0.0; 2], [0.0; 4]);
        let v = where_and_scan_grad(&params, &x, &mut dp, &mut dx);
        let mut p = params.to_vec();
        p.extend_from_slice(&x);
        let mut grad = dp.to_vec();
        grad.extend_from_slice(&dx);
        check(
            "where_and_scan",
            &|p: &[f64]| where_and_scan(&p[..2], &p[2..]),
            v,
            &grad,
            &p,
        );
    }
}

/// A method whose `&self` is data (issue 9's first step): `wrt(..)` names what is differentiated.
pub struct Dataset {
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    pub l2: f64,
}

impl Dataset {
    fn n(&self) -> usize {
        self.x.len()
    }

    #[gradient(wrt(w, b))]
    pub fn loss(&self, w: f64, b: f64) -> f64 {
        let mut s = 0.0;
        for i in 0..self.n() {
            let r = w * self.x[i] + b - self.y[i];
            s += r * r;
        }
        s / self.x.len() as f64 + self.l2 * w * w
    }

    #[gradient(wrt(p))]
    pub fn loss_slice(&self, p: &[f64]) -> f64 {
        self.x
            .iter()
            .zip(&self.y)
            .map(|(&x, &y)| (p[0] * x + p[1] - y).powi(2))
            .sum::<f64>()
            + Self::penalty(p[0])
    }

    #[gradient]
    fn penalty(a: f64) -> f64 {
        0.5 * a * a
    }
}

#[test]
fn methods_with_self_as_data() {
    let d = Dataset {
        x: vec![1.0, 2.0, 3.0],
        y: vec![2.0, 4.1, 5.9],
        l2: 0.1,
    };
    let (v, g) = d.loss_grad(1.5, 0.2);
    check("loss", &|p: &[f64]| d.loss(p[0], p[1]), v, &g, &[1.5, 0.2]);
    let mut dp = [0.0; 2];
    let v = d.loss_slice_grad(&[1.5, 0.2], &mut dp);
    check(
        "loss_slice",
        &|p: &[f64]| d.loss_slice(p),
        v,
        &dp,
        &[1.5, 0.2],
    );
}

fn bounds<T>(v: &[T]) -> (usize, usize) {
    (0, v.len() - 1)
}

#[gradient(wrt(w))]
fn tuples_of_data(w: &[f64], pts: &[(f64, f64, usize)]) -> f64 {
    let mut s = 0.0;
    for i in 0..pts.len() {
        let (x, y, k) = pts[i];
        let (lo, (hi, _)) = (bounds(pts).0, (bounds(pts).1.min(w.len() - 1), 0));
        s += (w[k.min(hi)] * x - y).powi(2) + w[lo];
    }
    let (first, last) = bounds(pts);
    s + w[first] * w[last]
}

#[test]
fn tuples_destructured_from_data_and_calls() {
    let w = [0.3, -0.7, 1.2];
    let pts = [(1.0, 0.5, 0), (2.0, -1.0, 2), (0.5, 0.25, 7)];
    let mut d = [0.0; 3];
    let v = tuples_of_data_grad(&w, &pts, &mut d);
    check(
        "tuples_of_data",
        &|p: &[f64]| tuples_of_data(p, &pts),
        v,
        &d,
        &w,
    );
}

/// A state vector carried across steps by `h = h_new` (and `.clone()`), started from a part of
/// the data copied by `x[a..b].to_vec()`; a buffer written as `vec![a, b, c]` with constants
/// beside differentiated elements; parts of constant data read as data.
#[gradient(wrt(w))]
fn carried_state(w: &[f64], x: &[f64]) -> f64 {
    let mut h = x[1..4].to_vec();
    for step in 0..3 {
        let mut h_new = vec![0.0; h.len()];
        for k in 0..h.len() {
            h_new[k] = (w[k] * h[k] + w[(k + step) % 3] * x[0]).tanh();
        }
        if step == 1 {
            h = h_new.clone();
        } else {
            h = h_new;
        }
    }
    let v = vec![w[0], 0.5, x[2], 2.0 * w[1]];
    let scale: f64 = x[..2].iter().sum();
    let tail = x[2..].to_vec();
    let mut s = 0.0;
    for k in 0..v.len() {
        s += v[k] * v[k] * tail[k % tail.len()];
    }
    s * scale + h.iter().sum::<f64>()
}

#[gradient]
fn carried_state_f32(w: &[f32]) -> f32 {
    let mut h = vec![w[0], 1.0];
    for _ in 0..4 {
        let h_new = vec![(h[0] * w[1]).sin(), h[0] + h[1] * w[0]];
        h = h_new;
    }
    h[0] * h[1]
}

#[test]
fn buffers_carried_and_built_from_lists() {
    let w = [0.3, -0.7, 1.2];
    let x = [0.5, 1.5, -0.25, 2.0];
    let mut d = [0.0; 3];
    let v = carried_state_grad(&w, &x, &mut d);
    check(
        "carried_state",
        &|p: &[f64]| carried_state(p, &x),
        v,
        &d,
        &w,
    );
    let w32 = [0.6f32, -0.4];
    let mut d32 = [0.0f32; 2];
    let v = carried_state_f32_grad(&w32, &mut d32);
    assert_eq!(v, carried_state_f32(&w32));
    let h = 1e-3f32;
    for k in 0..2 {
        let (mut p, mut m) = (w32, w32);
        p[k] += h;
        m[k] -= h;
        let fd = (carried_state_f32(&p) - carried_state_f32(&m)) / (2.0 * h);
        assert!(
            (d32[k] - fd).abs() < 2e-2 * (1.0 + fd.abs()),
            "{k}: {} {fd}",
            d32[k]
        );
    }
}

// ---------------------------------------------------------------------------------------------
// `return` inside loops, at any depth
// ---------------------------------------------------------------------------------------------

#[gradient]
fn return_in_for(x: f64, ys: &[f64]) -> f64 {
    let mut acc = x;
    for (k, y) in ys.iter().enumerate() {
        if acc * y > 2.0 {
            return acc * x;
        }
        acc += y * x + k as f64 * 0.1;
    }
    acc
}

#[gradient]
fn return_in_nested(x: f64, ys: &[f64]) -> f64 {
    let mut acc = x;
    'outer: for i in 0..3 {
        let mut j = 0;
        while j < ys.len() {
            if acc * ys[j] > 3.0 {
                return acc * x.sin();
            }
            if j == 2 {
                continue 'outer;
            }
            acc += ys[j] * x * f64::from(i);
            j += 1;
        }
    }
    if x > 0.0 {
        for (k, y) in ys.iter().enumerate() {
            match k {
                3 if *y < 1.0 => return y * x,
                1 | 2 => {
                    acc += 0.5 * y;
                    if x > 1.0 {
                        return x * acc;
                    }
                }
                _ => {}
            }
        }
    }
    let mut t = 0.0;
    loop {
        t += 0.25 * x.abs() + 0.13;
        if t > 1.0 {
            return t * acc;
        }
    }
}

#[test]
fn returns_inside_loops() {
    let ys = [0.5, 1.2, 1.6, 0.3, 1.9];
    for x in [-1.3, -0.4, 0.3, 0.7, 1.1, 1.6, 2.4, 3.0] {
        let mut d = [f64::NAN; 5];
        let (v, g) = return_in_for_grad(x, &ys, &mut d);
        let mut p = vec![x];
        p.extend(ys);
        let mut full = g.to_vec();
        full.extend(d);
        check(
            "return_in_for",
            &|p: &[f64]| return_in_for(p[0], &p[1..]),
            v,
            &full,
            &p,
        );
        let mut d = [f64::NAN; 5];
        let (v, g) = return_in_nested_grad(x, &ys, &mut d);
        let mut full = g.to_vec();
        full.extend(d);
        check(
            "return_in_nested",
            &|p: &[f64]| return_in_nested(p[0], &p[1..]),
            v,
            &full,
            &p,
        );
    }
}

/// Labeled `break` and `continue` as `match` arms.
#[gradient]
fn labeled_jumps_in_match_arms(x: f64, ys: &[f64]) -> f64 {
    let mut acc = 0.0;
    'outer: for i in 0..3 {
        for (k, y) in ys.iter().enumerate() {
            match k + i {
                2 => continue 'outer,
                4 => break 'outer,
                _ => acc += y * x.sin(),
            }
        }
        acc *= x;
    }
    acc
}

#[test]
fn labeled_jumps_from_match_arms() {
    let ys = [0.5, 1.2, 1.6, 0.3, 1.9];
    for x in [-1.3, 0.3, 1.1] {
        let mut d = [f64::NAN; 5];
        let (v, g) = labeled_jumps_in_match_arms_grad(x, &ys, &mut d);
        let mut p = vec![x];
        p.extend(ys);
        let mut full = g.to_vec();
        full.extend(d);
        check(
            "labeled_jumps_in_match_arms",
            &|p: &[f64]| labeled_jumps_in_match_arms(p[0], &p[1..]),
            v,
            &full,
            &p,
        );
    }
}

/// Elements of a rows parameter inside `vec![a, b, ..]` and `vec![e; n]` are differentiated (they
/// were once reads of the original rows, constants to the derivation).
#[gradient]
fn rows_in_vec_lists(ws: &[Vec<f64>], x: f64) -> f64 {
    let v = vec![0.5, ws[0][1] * x, ws[ws.len() - 1][0]];
    let w = vec![ws[0][0]; 2];
    v.iter().sum::<f64>() * w[1] + v[1] * v[2]
}

#[test]
fn rows_elements_in_vec_lists() {
    let ws = vec![vec![0.3, -0.7], vec![1.1]];
    let x = 0.6;
    let mut dws = vec![vec![0.0; 2], vec![0.0; 1]];
    let (v, [dx]) = rows_in_vec_lists_grad(&ws, x, &mut dws);
    assert_eq!(v, rows_in_vec_lists(&ws, x));
    let p = [0.3, -0.7, 1.1, x];
    let f = |p: &[f64]| rows_in_vec_lists(&[vec![p[0], p[1]], vec![p[2]]], p[3]);
    let g = [dws[0][0], dws[0][1], dws[1][0], dx];
    check("rows_in_vec_lists", &f, v, &g, &p);
}

/// Local buffers written through `iter_mut()` (plain and enumerated) and `&mut`.
#[gradient]
fn iter_mut_writes(x: f64, w: &[f64]) -> f64 {
    let mut h = vec![0.0; w.len()];
    for (k, hk) in h.iter_mut().enumerate() {
        *hk = w[k] * x + k as f64;
    }
    for v in h.iter_mut() {
        *v = v.tanh() * 2.0;
        *v += x;
    }
    for v in &mut h {
        *v *= *v;
    }
    h.iter().sum::<f64>() * x
}

#[test]
fn buffers_written_through_iter_mut() {
    let w = [0.5, -1.2, 0.8];
    for x in [-0.7, 0.4, 1.3] {
        let mut d = [f64::NAN; 3];
        let (v, g) = iter_mut_writes_grad(x, &w, &mut d);
        let mut p = vec![x];
        p.extend(w);
        let mut full = g.to_vec();
        full.extend(d);
        check(
            "iter_mut_writes",
            &|p: &[f64]| iter_mut_writes(p[0], &p[1..]),
            v,
            &full,
            &p,
        );
    }
}

/// `.chain(..)` of slices (in a `for`, in a typed and an untyped sum, after `map`, in a `fold`,
/// copied), `reduce(..).unwrap()` of copied items (a function path and a closure), and
/// `any`/`all` as conditions and as values.
#[gradient(wrt(a, b, w))]
fn chains_reduces_predicates(a: &[f64], b: &[f64], w: f64, data: &[f64]) -> f64 {
    let s: f64 = a.iter().chain(b).sum();
    let t = a.iter().chain(b.iter()).map(|v| v * v).sum::<f64>();
    let mut u = 0.0;
    for v in a.iter().copied().chain(b.iter().copied()) {
        u += (v * w).sin();
    }
    let m = a.iter().chain(data).fold(0.0, |acc: f64, v| acc.max(*v));
    let hi = a.iter().copied().reduce(f64::max).unwrap();
    let prod = b.iter().cloned().reduce(|p, q| p * q).expect("non-empty");
    let pos = data.iter().all(|v| *v > 0.0);
    let big = if a.iter().any(|&v| v > 0.5) { w * w } else { w };
    s * t + u + m + hi * prod + if pos { big } else { -big }
}

#[test]
fn chains_reductions_and_predicates() {
    let (a, b) = ([0.7, -0.2, 0.4], [1.3, 0.6]);
    for (w, data) in [(0.9, [0.5, 0.8]), (-1.1, [0.5, -0.3])] {
        let (mut da, mut db) = ([0.0; 3], [0.0; 2]);
        let (v, [dw]) = chains_reduces_predicates_grad(&a, &b, w, &data, &mut da, &mut db);
        assert_eq!(
            v.to_bits(),
            chains_reduces_predicates(&a, &b, w, &data).to_bits()
        );
        let p: Vec<f64> = a.iter().chain(&b).copied().chain([w]).collect();
        let g: Vec<f64> = da.iter().chain(&db).copied().chain([dw]).collect();
        check(
            "chains_reduces_predicates",
            &|p| chains_reduces_predicates(&p[..3], &p[3..5], p[5], &data),
            v,
            &g,
            &p,
        );
    }
}

/// `fold` with a tuple accumulator: mean and variance in one pass, after a `map`, over a range,
/// three parts, the result read by pattern and by field.
#[gradient]
fn tuple_folds(x: &[f64], w: f64) -> f64 {
    let (s, q) = x.iter().fold((0.0, 0.0), |(s, q), &v| (s + v, q + v * v));
    let n = x.len() as f64;
    let var = q / n - (s / n).powi(2);
    let scaled = x
        .iter()
        .map(|v| v * w)
        .fold((0.0, 1.0), |(a, p), v| (a + v, p * v));
    let three = (0..x.len()).fold((w, 0.0_f64, 1.0), |(a, b, c), i| {
        (a * 0.5 + x[i], b.max(x[i]), c)
    });
    var + scaled.0 * scaled.1 + three.0 + three.1 * three.2
}

#[test]
fn folds_into_tuples() {
    let x = [0.7, -0.2, 0.4, 1.3];
    for w in [0.9, -1.4] {
        let mut dx = [0.0; 4];
        let (v, [dw]) = tuple_folds_grad(&x, w, &mut dx);
        assert_eq!(v.to_bits(), tuple_folds(&x, w).to_bits());
        let p: Vec<f64> = x.iter().copied().chain([w]).collect();
        let g: Vec<f64> = dx.iter().copied().chain([dw]).collect();
        check("tuple_folds", &|p| tuple_folds(&p[..4], p[4]), v, &g, &p);
    }
}

/// A state array reassigned whole each step (`state = [x + dt * v, v + dt * a];`), every new
/// element computed from the old state before any is stored.
#[gradient]
fn oscillator(k: f64, x0: f64, v0: f64) -> f64 {
    let dt = 0.05;
    let mut state = [x0, v0];
    for _ in 0..40 {
        let a = -k * state[0];
        state = [state[0] + dt * state[1], state[1] + dt * a];
    }
    let mut pair = [k, 0.5];
    pair = [state[1] * pair[1], state[0] * pair[0]];
    state[0] * state[0] + pair[0] * pair[1]
}

#[test]
fn arrays_reassigned_whole() {
    let p = [1.3, 0.8, -0.4];
    let (v, g) = oscillator_grad(p[0], p[1], p[2]);
    assert_eq!(v.to_bits(), oscillator(p[0], p[1], p[2]).to_bits());
    check("oscillator", &|p| oscillator(p[0], p[1], p[2]), v, &g, &p);
}

/// A part of a slice bound to a name and taken apart: by `if let` slice patterns, `first`/`get`,
/// and a `match` on its shape (the part itself, and a part written in the `match`).
#[gradient]
fn named_part_patterns(xs: &[f64]) -> f64 {
    let mut s = 0.0;
    let ss = &xs[1..];
    if let [a, .., b] = ss[..] {
        s += a * b;
    }
    if let Some(&f) = ss.first() {
        s += f.sin();
    }
    if let Some(&g) = ss.get(1) {
        s += g * 3.0;
    }
    let t = match ss {
        [] => 0.0,
        [a] => a * 2.0,
        [a, .., b] => a - b,
    };
    let u = match &xs[..xs.len() - 1] {
        [a, b, ..] => a * b,
        _ => 1.0,
    };
    s + t + u
}

#[test]
fn parts_taken_apart_by_patterns() {
    for xs in [
        vec![0.3, -0.7, 1.1, 0.5],
        vec![0.3, -0.7],
        vec![0.4, 0.9, -1.3],
    ] {
        let mut d = vec![f64::NAN; xs.len()];
        let v = named_part_patterns_grad(&xs, &mut d);
        check("named_part_patterns", &named_part_patterns, v, &d, &xs);
    }
}

/// A small matrix written with rows spelled out beside a repeated row (`[0.0; 3]`), then
/// written by index: "tuples, arrays and structs are not supported here" before.
#[gradient]
fn rows_written_and_repeated(a: f64, x: f64) -> f64 {
    let mut m = [[1.0, 0.0, 0.0], [0.0; 3], [0.0, 0.0, 1.0]];
    m[1][1] = a.cos();
    m[1][2] = -a.sin() * x;
    let v = [x, 1.0, 2.0];
    let mut s = 0.0;
    for i in 0..3 {
        for j in 0..3 {
            s += m[i][j] * v[j];
        }
    }
    s
}

#[test]
fn matrices_with_repeated_rows() {
    let (v, g) = rows_written_and_repeated_grad(0.3, 0.7);
    check(
        "rows_written_and_repeated",
        &|p: &[f64]| rows_written_and_repeated(p[0], p[1]),
        v,
        &g,
        &[0.3, 0.7],
    );
}
