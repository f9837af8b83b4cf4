//! Iterator chains and body forms as everyday losses write them (issue 8): `filter` and
//! `take_while` among `enumerate`, `zip`, ranges and `map`s, in `for` loops and in reductions;
//! `unwrap_or` on elements and reductions that may be absent; the iterator's `next`/`last`/`nth`;
//! the part of a tuple fold read by field; functions declared in the body, closures that
//! `return`; `println!`/`dbg!` in the body; `split_at`; struct patterns on data and struct
//! locals (a simulation's state). Each against central finite differences,
//! values bit for bit; and the effects run once per call. Then the forms of a second round of
//! realistic losses and transcribed test suites: references bound to locals, parameters named
//! again, block statements that return, variables given their value in a loop, blocks as `&&`
//! operands, parts of parts, helpers whose parameters are named like the caller's arguments,
//! destructuring assignment, array parameters, matrices of names, argmax, searches on data.

#![allow(
    clippy::needless_range_loop,
    clippy::unnecessary_fold,
    clippy::items_after_statements,
    clippy::iter_nth_zero,
    clippy::iter_next_slice,
    clippy::double_ended_iterator_last,
    clippy::unnecessary_lazy_evaluations,
    clippy::iter_nth,
    clippy::useless_vec,
    clippy::iter_cloned_collect,
    clippy::nonminimal_bool,
    clippy::manual_memcpy,
    clippy::map_flatten,
    clippy::blocks_in_conditions,
    clippy::match_same_arms,
    clippy::unnecessary_cast,
    clippy::match_overlapping_arm,
    clippy::manual_range_contains,
    clippy::no_effect,
    clippy::short_circuit_statement,
    clippy::assign_op_pattern,
    clippy::redundant_closure_call,
    clippy::match_single_binding,
    clippy::needless_return,
    clippy::clone_on_copy
)]

mod common;

use common::check_flat;
use grad::gradient;

fn check(what: &str, f: &dyn Fn(&[f64]) -> f64, v: f64, g: &[f64], p: &[f64]) {
    check_flat(what, p, f, v, g).unwrap();
}

const XS: [f64; 5] = [0.3, -1.2, 2.0, 0.7, 0.45];
const YS: [f64; 5] = [1.0, 0.5, -0.3, 2.2, -0.8];

#[gradient(wrt(x))]
fn filters_in_reductions(x: &[f64], y: &[f64]) -> f64 {
    let even: f64 = x
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 2 == 0)
        .map(|(_, v)| v * v)
        .sum();
    let big = x.iter().map(|v| v * v).filter(|v| *v > 0.5).sum::<f64>();
    let odd = (0..x.len())
        .filter(|i| i % 2 == 1)
        .map(|i| x[i].exp())
        .sum::<f64>();
    let head = x
        .iter()
        .copied()
        .take_while(|&v| v < 1.5)
        .map(f64::cos)
        .product::<f64>();
    let pairs = x
        .iter()
        .zip(y)
        .enumerate()
        .filter(|&(i, (_, b))| i != 1 && *b > 0.0)
        .map(|(i, (a, b))| a * b + i as f64)
        .sum::<f64>();
    even + big + odd + head + pairs
}

#[gradient(wrt(x))]
fn filters_in_loops(x: &[f64], y: &[f64]) -> f64 {
    let mut s = 0.0;
    for (i, (&a, b)) in x
        .iter()
        .zip(y)
        .enumerate()
        .filter(|&(i, (_, b))| i != 1 && *b > 0.0)
    {
        s += a * b + (i as f64) * a.sin();
    }
    for &v in x.iter().filter(|v| **v < 1.0) {
        s += v.tanh();
    }
    for (i, v) in x.iter().enumerate().take_while(|(_, v)| **v < 1.9) {
        s += v * i as f64;
    }
    s
}

#[test]
fn filter_chains() {
    let (x, y) = (XS.to_vec(), YS.to_vec());
    let mut d = vec![0.0; 5];
    let v = filters_in_reductions_grad(&x, &y, &mut d);
    check(
        "filters_in_reductions",
        &|p| filters_in_reductions(p, &y),
        v,
        &d,
        &x,
    );
    let v = filters_in_loops_grad(&x, &y, &mut d);
    check("filters_in_loops", &|p| filters_in_loops(p, &y), v, &d, &x);
}

#[gradient(wrt(x))]
fn defaults(x: &[f64], e: &[f64], i: usize) -> f64 {
    let a = x.iter().copied().reduce(f64::min).unwrap_or_default();
    let b = e.iter().copied().reduce(f64::max).unwrap_or(-1.0);
    let c = *x.get(i).unwrap_or(&0.5);
    let d = x.get(i + 100).copied().unwrap_or(0.25);
    let f = x
        .iter()
        .map(|v| v * v)
        .max_by(|a, b| a.total_cmp(b))
        .unwrap_or(0.0);
    let g = x.iter().next().copied().unwrap_or_else(|| 3.0)
        + x.iter().nth(1).unwrap() * x.iter().copied().last().unwrap();
    let h = e.last().copied().unwrap_or(x[0]) + x.iter().map(|v| v.sin()).fold(0.0, f64::max);
    a + b + c * d + f + g + h
}

#[gradient(wrt(x))]
fn tuple_fold_parts(x: &[f64]) -> f64 {
    let s = x
        .iter()
        .fold((0.0, 1.0), |acc, &v| (acc.0 + v, acc.1 * v))
        .1;
    let (m, q) = x.iter().fold((0.0, 0.0), |(a, b), &v| (a + v, b + v * v));
    let n = x.len() as f64;
    let zs = vec![x.iter().fold((0.5, 0.0), |(a, b), &v| (a * v, b + v)).0; 2];
    s + q / n - (m / n).powi(2) + zs[1]
}

#[test]
fn absent_values_and_tuple_folds() {
    let x = XS.to_vec();
    let mut d = vec![0.0; 5];
    for (e, i) in [(&[][..], 2), (&YS[..], 9)] {
        let v = defaults_grad(&x, e, i, &mut d);
        check("defaults", &|p| defaults(p, e, i), v, &d, &x);
    }
    let v = tuple_fold_parts_grad(&x, &mut d);
    check("tuple_fold_parts", &tuple_fold_parts, v, &d, &x);
}

#[gradient]
fn fn_items_and_returning_closures(x: f64, y: f64) -> f64 {
    let s = helper(x) * helper(y);
    fn helper(v: f64) -> f64 {
        if v < 0.0 {
            return -v;
        }
        let t = v.sin();
        t * t + scale(v)
    }
    fn scale(v: f64) -> f64 {
        2.0 * v
    }
    fn idx(i: usize, n: usize) -> usize {
        i * n + 1
    }
    let clamp = |v: f64| {
        if v > 2.0 {
            return 2.0;
        }
        for k in 0..3 {
            if v < -1.0 - f64::from(k) {
                return v * 0.5;
            }
        }
        v * v
    };
    let a = [x, y];
    s + a[idx(0, 0)] + clamp(x * 3.0) + clamp(y - 2.0)
}

#[test]
fn items_and_closures_that_return() {
    for p in [[0.4, 0.7], [-0.5, 1.3], [1.1, -2.5], [-1.5, -0.2]] {
        let (v, g) = fn_items_and_returning_closures_grad(p[0], p[1]);
        check(
            "fn_items_and_returning_closures",
            &|q| fn_items_and_returning_closures(q[0], q[1]),
            v,
            &g,
            &p,
        );
    }
}

#[gradient(wrt(params))]
fn split_mlp(params: &[f64], x: &[f64]) -> f64 {
    let (w1, rest) = params.split_at(4);
    let (b1, w2) = rest.split_at(2);
    let mut out = 0.0;
    for j in 0..2 {
        let z = w1[2 * j] * x[0] + w1[2 * j + 1] * x[1] + b1[j];
        out += w2[j] * z.tanh();
    }
    out * out
}

#[test]
fn split_at_gives_sub_slices() {
    let p = [0.2, -0.3, 0.5, 0.1, 0.05, -0.1, 0.7, -0.4];
    let mut d = [0.0; 8];
    let v = split_mlp_grad(&p, &[1.0, 0.5], &mut d);
    check("split_mlp", &|q| split_mlp(q, &[1.0, 0.5]), v, &d, &p);
}

thread_local! {
    static LOGGED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

fn counted(t: f64) -> bool {
    LOGGED.with(|c| c.set(c.get() + 1));
    t.is_finite()
}

#[gradient(wrt(x))]
fn with_output(x: &[f64], verbose: bool) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        let t = x[i].sin() * s + x[i];
        if verbose {
            println!("step {i}: t = {t:.3}, s = {}", s);
        }
        assert!(counted(t), "a finite step");
        s += t * t;
    }
    for v in x {
        let e = v.exp();
        if verbose {
            dbg!(e);
        }
        s += e * e;
    }
    s
}

#[test]
fn output_runs_once_per_call() {
    let x = XS.to_vec();
    let mut d = vec![0.0; 5];
    LOGGED.with(|c| c.set(0));
    let v = with_output_grad(&x, true, &mut d);
    // The reverse sweep recomputes the loop; its effects ran in the forward sweep only.
    assert_eq!(LOGGED.with(std::cell::Cell::get), x.len());
    check("with_output", &|p| with_output(p, false), v, &d, &x);
}

#[derive(Clone, Copy)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

#[gradient(wrt(w))]
fn struct_patterns(w: &[f64], pts: &[Point]) -> f64 {
    let mut l = 0.0;
    for &Point { x, y } in pts {
        l += (w[0] * x + w[1] - y).powi(2);
    }
    let Point { x, y: first_y } = pts[0];
    l += w.iter().map(|v| v * x).sum::<f64>() * first_y;
    l + pts
        .iter()
        .map(|&Point { x, y }| (w[0] * x - y).abs())
        .sum::<f64>()
}

#[test]
fn shorthand_struct_patterns_on_data() {
    let pts = [
        Point { x: 1.0, y: 2.0 },
        Point { x: -0.5, y: 0.3 },
        Point { x: 2.0, y: 3.5 },
    ];
    let w = [0.4, 0.1];
    let mut d = [0.0; 2];
    let v = struct_patterns_grad(&w, &pts, &mut d);
    check("struct_patterns", &|p| struct_patterns(p, &pts), v, &d, &w);
}

#[gradient(wrt(x))]
fn elements_of_parts(x: &[f64], k: usize) -> f64 {
    let (head, tail) = x.split_at(2);
    let part = &x[1..];
    tail.iter().nth(1).copied().unwrap_or(0.5) * head.iter().copied().last().unwrap_or(2.0)
        + part.iter().nth(k).copied().unwrap_or(-1.0)
        + x.iter().take(10).last().unwrap() * part.first().copied().unwrap_or(0.0)
        + part.iter().copied().reduce(f64::max).unwrap_or(0.25)
}

#[test]
fn elements_of_parts_by_position() {
    let x = XS.to_vec();
    let mut d = vec![0.0; 5];
    for k in [0, 2, 7] {
        let v = elements_of_parts_grad(&x, k, &mut d);
        check("elements_of_parts", &|p| elements_of_parts(p, k), v, &d, &x);
    }
}

#[derive(Clone, Copy)]
struct State {
    pos: f64,
    vel: f64,
}

#[derive(Clone, Copy)]
struct Body {
    x: f64,
    y: f64,
    m: f64,
}

#[gradient]
fn spring(k: f64, c: f64) -> f64 {
    let mut s = State { pos: 1.0, vel: 0.0 };
    let dt = 0.01;
    for _ in 0..100 {
        let a = -k * s.pos - c * s.vel;
        s.vel += a * dt;
        s.pos += s.vel * dt;
    }
    let target = State { pos: 0.2, vel: 0.0 };
    (s.pos - target.pos).powi(2) + (s.vel - target.vel).powi(2)
}

#[gradient(wrt(g))]
fn orbit(g: f64, steps: usize) -> f64 {
    let mut b = Body {
        x: 1.0,
        y: 0.0,
        m: 1.0,
    };
    let (mut vx, mut vy) = (0.0, 1.0);
    for _ in 0..steps {
        let r2 = b.x * b.x + b.y * b.y;
        let f = g * b.m / (r2 * r2.sqrt());
        vx -= f * b.x * 0.01;
        vy -= f * b.y * 0.01;
        b = Body {
            x: b.x + vx * 0.01,
            y: b.y + vy * 0.01,
            m: b.m,
        };
    }
    b.x * b.x + b.y
}

#[test]
fn struct_locals_as_their_fields() {
    let p = [2.0, 0.3];
    let (v, g) = spring_grad(p[0], p[1]);
    check("spring", &|q| spring(q[0], q[1]), v, &g, &p);
    let (v, g) = orbit_grad(1.0, 50);
    check("orbit", &|q| orbit(q[0], 50), v, &g, &[1.0]);
}

#[gradient(wrt(w, b))]
fn dense_by_chunks(w: &[f64], b: &[f64], x: &[f64], y: f64) -> f64 {
    let n_in = x.len();
    let mut out = 0.0;
    for (row, bias) in w.chunks(n_in).zip(b) {
        let z = row.iter().zip(x).map(|(a, c)| a * c).sum::<f64>() + bias;
        out += z.tanh();
    }
    for (i, pair) in w.windows(2).enumerate() {
        out += (pair[1] - pair[0]) * i as f64 * 0.1;
    }
    let paired: f64 = w
        .chunks(3)
        .zip(x.chunks(1))
        .map(|(a, c)| a.iter().sum::<f64>() * c[0])
        .sum();
    (out - y).powi(2) + paired
}

#[test]
fn pieces_paired() {
    let w = [0.1, 0.2, 0.3, 0.4, -0.5, 0.6];
    let b = [0.1, -0.1, 0.2];
    let x = [1.0, 0.5];
    let (mut dw, mut db) = ([0.0; 6], [0.0; 3]);
    let v = dense_by_chunks_grad(&w, &b, &x, 0.3, &mut dw, &mut db);
    check(
        "dense_by_chunks w",
        &|p| dense_by_chunks(p, &b, &x, 0.3),
        v,
        &dw,
        &w,
    );
    check(
        "dense_by_chunks b",
        &|p| dense_by_chunks(&w, p, &x, 0.3),
        v,
        &db,
        &b,
    );
}

#[gradient]
fn norm2(v: &[f64]) -> f64 {
    v.iter().map(|a| a * a).sum::<f64>().sqrt()
}

#[gradient]
fn arrays_in_place(x: f64, y: f64) -> f64 {
    let mut s = norm2(&[x, y]);
    for k in 0..3 {
        s += norm2(&vec![x * f64::from(k), 1.0, y]) * 0.5;
    }
    s
}

#[test]
fn arrays_listed_as_call_arguments() {
    let (v, g) = arrays_in_place_grad(3.0, 4.0);
    check(
        "arrays_in_place",
        &|p| arrays_in_place(p[0], p[1]),
        v,
        &g,
        &[3.0, 4.0],
    );
}

pub trait Loss {
    fn loss(&self, w: &[f64]) -> f64;
    fn name(&self) -> &'static str {
        "loss"
    }
}

pub struct Squares {
    pub y: Vec<f64>,
}

#[gradient]
impl Loss for Squares {
    #[gradient(wrt(w))]
    fn loss(&self, w: &[f64]) -> f64 {
        w.iter().zip(&self.y).map(|(a, b)| (a - b).powi(2)).sum()
    }
}

#[test]
fn methods_of_trait_impls() {
    let s = Squares { y: vec![1.0, 2.0] };
    let w = [0.5, 0.25];
    let mut d = [0.0; 2];
    let v = s.loss_grad(&w, &mut d);
    check("trait impl", &|p| s.loss(p), v, &d, &w);
    assert_eq!(s.name(), "loss");
}

#[gradient(wrt(x))]
fn copies_and_for_each(x: &[f64]) -> f64 {
    let mut v = x.to_owned();
    v.iter_mut().for_each(|p| *p *= 2.0);
    let w = Vec::from(x);
    let c = x.iter().copied().collect::<Vec<f64>>();
    let mut s = v.iter().sum::<f64>() + w[0] * c[1];
    x.iter().for_each(|v| s += v * v);
    (0..x.len()).for_each(|i| {
        if i == 1 {
            return;
        }
        s += x[i].sin();
    });
    s + f64::ln(x.iter().map(|v| v.exp()).sum())
}

#[test]
fn copies_and_closures_for_each() {
    let x = XS.to_vec();
    let mut d = vec![0.0; 5];
    let v = copies_and_for_each_grad(&x, &mut d);
    check("copies_and_for_each", &copies_and_for_each, v, &d, &x);
}

#[gradient]
fn shadowing_copies(a: &[f64]) -> f64 {
    let a = a.to_vec();
    if a[0] > 100.0 {
        println!("{a:?} {}", a[1]);
    }
    let s = {
        let a = &a[1..];
        a[0] * 2.0
    };
    let v: f64 = {
        let a = a.iter().map(|t| t * 0.5).collect::<Vec<f64>>();
        a[0] * 0.5 + a[a.len() - 1]
    };
    a[0] * a[1] + s + v
}

#[gradient]
fn shadowing_parts(a: &[f64]) -> f64 {
    let a = &a[1..];
    let mut b = a.to_vec();
    b[0] *= 3.0;
    let b: Vec<f64> = b.iter().map(|v| v * 2.0).collect();
    a[0] * a[1] + b[0] + b.iter().sum::<f64>()
}

#[test]
fn names_declared_again_for_copies_of_themselves() {
    // Once silently wrong: the copy was read from the new, still empty buffer.
    let x = [3.0, 4.0, 5.0];
    let mut d = [0.0; 3];
    let v = shadowing_copies_grad(&x, &mut d);
    check("shadowing_copies", &shadowing_copies, v, &d, &x);
    let v = shadowing_parts_grad(&x, &mut d);
    check("shadowing_parts", &shadowing_parts, v, &d, &x);
}

#[gradient(wrt(w))]
fn predict(w: &[f64], x: &[f64]) -> f64 {
    w[0] * x[0] + w[1] * x[1]
}

#[gradient]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(p, q)| p * q).sum()
}

#[gradient(wrt(w))]
fn loss_with_helpers(w: &[f64], x: &[f64], y: f64) -> f64 {
    (predict(w, x) - y).powi(2) + predict(w, &x[..2]) * 0.1 + dot(w, x) * predict(w, &[x[0], 1.0])
}

#[test]
fn helpers_whose_wrt_leaves_out_the_data() {
    let (w, x) = ([0.5, 0.2], [1.0, 2.0]);
    let mut d = [0.0; 2];
    let v = loss_with_helpers_grad(&w, &x, 0.3, &mut d);
    check(
        "loss_with_helpers",
        &|p| loss_with_helpers(p, &x, 0.3),
        v,
        &d,
        &w,
    );
}

#[gradient]
fn sq_ref(x: &f64) -> f64 {
    x * x
}

#[gradient]
fn bigger(a: &f64, b: &f64) -> f64 {
    a.max(*b)
}

#[gradient]
fn squared<T: num_traits::Float>(x: T) -> T {
    x * x
}

#[gradient]
fn references_to_computed_values(a: f64, y: f64) -> f64 {
    let v = vec![a * 2.0, 1.0];
    sq_ref(&(2.0 * a)) + sq_ref(&v[0]) + bigger(&(a * y), &y) + sq_ref(&a.sin()) + squared::<f64>(a)
}

#[gradient(wrt(x))]
fn interpolated(t: &[f64], x: f64) -> f64 {
    let i = x.floor() as usize;
    let w = x - i as f64;
    let k = f64::round(x * 2.0) as i64;
    let s = if k % 2 == 0 { 1.0 } else { -1.0 };
    (t[i] * (1.0 - w) + t[i + 1] * w) * s
}

#[test]
fn references_turbofish_and_table_lookups() {
    let p = [0.7, 1.3];
    let (v, g) = references_to_computed_values_grad(p[0], p[1]);
    check(
        "references_to_computed_values",
        &|q| references_to_computed_values(q[0], q[1]),
        v,
        &g,
        &p,
    );
    let t = [0.0, 1.0, 4.0, 9.0];
    for x in [0.4, 1.3, 2.1] {
        let (v, g) = interpolated_grad(&t, x);
        check("interpolated", &|q| interpolated(&t, q[0]), v, &g, &[x]);
    }
}

#[gradient(wrt(a))]
fn weighted(a: f64, s: &[f64]) -> f64 {
    a * s[0] + s[1]
}

#[gradient(wrt(x, w))]
fn arrays_in_branches(x: f64, w: &[f64], n: usize) -> f64 {
    let m = match n % 3 {
        0 => norm2(&[x, 1.0]),
        1 => norm2(&[1.0, 2.0]) * x,
        _ => weighted(x, &[0.5, 1.5]),
    };
    let listed = vec![
        w.iter().fold((0.5, 0.0), |(p, q), &v| (p * v, q + v)).1,
        1.0,
        x * 2.0,
    ];
    m + if x > 0.0 {
        weighted(x, &[2.0, 3.0])
    } else {
        0.0
    } + listed[0] * listed[2]
}

#[test]
fn arrays_listed_in_branches_and_lists() {
    let w = [0.3, -0.7];
    for n in 0..3 {
        let mut dw = [0.0; 2];
        let (v, [dx]) = arrays_in_branches_grad(0.7, &w, n, &mut dw);
        check(
            "arrays_in_branches",
            &|p| arrays_in_branches(p[0], &p[1..], n),
            v,
            &[dx, dw[0], dw[1]],
            &[0.7, w[0], w[1]],
        );
    }
}

#[gradient]
fn references_to_locals(a: f64, b: f64) -> f64 {
    let p = &a;
    let q = &(a * b);
    let r: &f64 = &b;
    sq_ref(p) + sq_ref(q) * *p + r.sin() * sq_ref(r)
}

#[derive(Clone, grad::Params)]
struct Complex {
    re: f64,
    im: f64,
}

#[gradient(wrt(c))]
fn named_again(c: &Complex, k: f64) -> f64 {
    let mut c = Complex {
        re: c.re * k,
        im: c.im,
    };
    c.re = 2.0 * c.im + c.re;
    for _ in 0..3 {
        let c = Complex { re: c.im, im: 0.5 };
        if c.re > 10.0 {
            return c.im;
        }
    }
    c.re * c.im
}

#[test]
fn references_and_parameters_named_again() {
    for p in [[0.4, 0.7], [-1.5, 2.0]] {
        let (v, g) = references_to_locals_grad(p[0], p[1]);
        check(
            "references_to_locals",
            &|q| references_to_locals(q[0], q[1]),
            v,
            &g,
            &p,
        );
        let c = Complex { re: p[0], im: p[1] };
        let mut d = Complex { re: 0.0, im: 0.0 };
        let v = named_again_grad(&c, 1.5, &mut d);
        check(
            "named_again",
            &|q| named_again(&Complex { re: q[0], im: q[1] }, 1.5),
            v,
            &[d.re, d.im],
            &p,
        );
    }
}

#[gradient]
fn block_statements(x: f64, w: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..w.len() {
        {
            let t = w[i] * x;
            if t > 10.0 {
                return s + t;
            }
            s += t * t;
        }
    }
    {
        let a = s.sqrt();
        if a > 10.0 {
            return a;
        }
    };
    let base = match w.len() {
        0 => return x,
        1 => x.exp(),
        _ => x * s,
    };
    base * 2.0
}

#[gradient]
fn assigned_in_loops(x: f64, w: &[f64]) -> f64 {
    let mut t: f64;
    let mut k;
    let mut s = 0.0;
    for i in 0..w.len() {
        t = w[i] * x;
        if t > 1.0 {
            t = t.sqrt();
        }
        k = 2;
        while k > 0 {
            k -= 1;
            s += t * 0.5;
        }
    }
    let mut j = 0;
    while j < 2 {
        t = x * f64::from(j);
        s += t;
        j += 1;
    }
    s
}

#[gradient]
fn blocks_as_operands(x: f64) -> f64 {
    let mut res = 0.0;
    for i in 0..3 {
        let fi = f64::from(i);
        if {
            res += 2.0 * fi * x;
            res > 1.0
        } && {
            res *= x;
            res < 50.0
        } || {
            res -= 0.5 * x;
            false
        } {
            res += x * x;
        }
        let c = i == 1 && {
            res = res.sin() + res;
            res > 0.0
        };
        if c {
            res += 1.0;
        }
    }
    res
}

#[test]
fn blocks_that_return_and_late_values() {
    for (x, w) in [
        (1.5, vec![1.0, 2.0, 30.0]),
        (1.5, vec![1.0, 2.0, 3.0]),
        (0.3, vec![0.5]),
        (2.5, vec![40.0, 1.0]),
    ] {
        let mut d = vec![0.0; w.len()];
        let (v, [dx]) = block_statements_grad(x, &w, &mut d);
        let mut p = vec![x];
        p.extend(&w);
        let mut g = vec![dx];
        g.extend(&d);
        check(
            "block_statements",
            &|q| block_statements(q[0], &q[1..]),
            v,
            &g,
            &p,
        );
        let (v, [dx]) = assigned_in_loops_grad(x, &w, &mut d);
        let mut g = vec![dx];
        g.extend(&d);
        check(
            "assigned_in_loops",
            &|q| assigned_in_loops(q[0], &q[1..]),
            v,
            &g,
            &p,
        );
    }
    for x in [0.3, 1.2, 2.0, -0.7] {
        let (v, g) = blocks_as_operands_grad(x);
        check(
            "blocks_as_operands",
            &|q| blocks_as_operands(q[0]),
            v,
            &g,
            &[x],
        );
    }
}

#[gradient]
fn sumsq(x: &[f64]) -> f64 {
    x.iter().map(|v| v * v).sum()
}

#[gradient]
fn parts_and_ranges(q: &[f64], k: usize) -> f64 {
    let s: f64 = q[1..][..2].iter().sum();
    let ramp: Vec<f64> = (0..=3).map(|i| q[0] * i as f64).collect();
    let mut t = 0.0;
    for i in (0..=q.len() - 1).step_by(2) {
        t += q[i].sin();
    }
    sumsq(&q[k..][..2]) + s * sumsq(&q[1..4][1..]) + ramp[3] + t
}

#[gradient]
fn steps(x: &[f64], out: &mut [f64]) {
    for i in (0..=4).step_by(2) {
        out[i] = x[i] * x[i];
    }
    for i in (1..=3).rev() {
        out[i] = x[i].sin() + x[i - 1];
    }
}

#[test]
fn parts_of_parts_and_inclusive_ranges() {
    let q = [0.5, 1.0, 1.5, 2.0, 2.5];
    let mut d = [0.0; 5];
    let v = parts_and_ranges_grad(&q, 2, &mut d);
    check("parts_and_ranges", &|p| parts_and_ranges(p, 2), v, &d, &q);
    // The output function's Jacobian against finite differences of each output.
    let mut out = [0.0; 5];
    let j = steps_jacobian(&q, &mut out);
    let h = 1e-6;
    for row in 0..5 {
        for col in 0..5 {
            let (mut a, mut b) = (q, q);
            a[col] += h;
            b[col] -= h;
            let (mut oa, mut ob) = ([0.0; 5], [0.0; 5]);
            steps(&a, &mut oa);
            steps(&b, &mut ob);
            let fd = (oa[row] - ob[row]) / (2.0 * h);
            let got = j[row][col];
            assert!(
                (fd - got).abs() < 1e-6,
                "steps J[{row}][{col}] = {got} vs {fd}"
            );
        }
    }
}

#[gradient]
fn helpers_with_callers_names(a: f64, b: f64) -> f64 {
    fn sub(a: f64, b: f64) -> f64 {
        a - b
    }
    let div = |b: f64, a: f64| b / (a * a + 1.0);
    let t = a.sin();
    fn h(t: f64, a: f64) -> f64 {
        t * a + t
    }
    sub(b, a) + div(a, b) + h(a, t) + t
}

#[gradient]
fn destructuring(a: f64, b: f64) -> f64 {
    let (a, b) = (b, a * 2.0);
    let (x, y) = (a + b, a - b);
    let (y, x) = (x, y * x);
    let (mut s, mut t) = (a, b);
    for _ in 0..3 {
        (s, t) = (t, s * 0.5 + t);
    }
    let mut m = [0.0; 2];
    [m[0], _, m[1]] = [s, 1.0, t];
    a * 10.0 + b + x * 0.1 + y * 0.01 + m[0] * m[1]
}

#[test]
fn parameters_bound_before_arguments_are_read() {
    for p in [[1.0, 2.0], [0.3, -0.8], [-1.2, 0.5]] {
        let (v, g) = helpers_with_callers_names_grad(p[0], p[1]);
        check(
            "helpers_with_callers_names",
            &|q| helpers_with_callers_names(q[0], q[1]),
            v,
            &g,
            &p,
        );
        let (v, g) = destructuring_grad(p[0], p[1]);
        check("destructuring", &|q| destructuring(q[0], q[1]), v, &g, &p);
    }
}

#[gradient]
fn h3(s: &[f64; 3]) -> f64 {
    s[1] * s[0].sin() + s[2]
}

#[gradient]
fn h2(s: [f64; 2]) -> f64 {
    s[1] * s[0].sin()
}

#[gradient]
fn array_parameters(p: &[f64; 3], x: f64, y: f64) -> f64 {
    let s = [x, y * 1.5];
    h3(p) * 2.0 + h2(s) + h2([x * 2.0, y]) + h3(&[x, 2.0 * x, 1.0])
}

#[gradient]
fn matrices_of_names(x: f64, y: f64) -> f64 {
    let m = [[x, y], [y, x]];
    let (s, c) = x.sin_cos();
    let r = [[c, -s], [s, c]];
    let t: [[f64; 2]; 2] = [[x, y], [y + x, x]];
    m[0][0] * m[1][1] - m[0][1] * m[1][0] + r[0][0] * t[1][1] - r[0][1] * t[1][0]
}

#[test]
fn arrays_by_type_and_matrices_of_names() {
    let p = [0.4, -1.1, 2.0];
    let mut d = [0.0; 3];
    let (v, [dx, dy]) = array_parameters_grad(&p, 0.7, -0.3, &mut d);
    check(
        "array_parameters",
        &|q| array_parameters(&[q[0], q[1], q[2]], q[3], q[4]),
        v,
        &[d[0], d[1], d[2], dx, dy],
        &[p[0], p[1], p[2], 0.7, -0.3],
    );
    for q in [[1.0, 2.0], [-0.4, 0.9]] {
        let (v, g) = matrices_of_names_grad(q[0], q[1]);
        check(
            "matrices_of_names",
            &|r| matrices_of_names(r[0], r[1]),
            v,
            &g,
            &q,
        );
    }
}

#[gradient]
fn conversions<T: num_traits::Float>(x: T, n: usize) -> T {
    let d = T::from(n as f64 * 0.5).unwrap();
    let two_pi = T::from(2.0 * std::f64::consts::PI).unwrap();
    d * x + (two_pi * x).cos()
}

#[test]
fn generic_conversions_of_data() {
    let (v, g) = conversions_grad(0.3f64, 3);
    check("conversions", &|q| conversions(q[0], 3), v, &g, &[0.3]);
    let (v32, g32) = conversions_grad(0.3f32, 3);
    assert_eq!(v32, conversions(0.3f32, 3));
    assert!((f64::from(g32[0]) - g[0]).abs() < 1e-4);
}

#[gradient]
fn closures_and_stages(x: &[f64], y: f64) -> f64 {
    let f = |v: f64| v * y;
    let g = |y: f64| y * 3.0;
    let mut acc = 1.0;
    for i in 0..3 {
        let step = |v: f64| v * acc + i as f64;
        acc = step(y);
    }
    let staged = x.iter().map(|v| v * 2.0).map(|v| v * v).sum::<f64>()
        + x.iter()
            .map(|&v| v.sin())
            .map(|s: f64| s.exp())
            .map(f64::ln)
            .sum::<f64>();
    f(x[0]) + g(x[1]) + acc + staged
}

#[test]
fn closures_after_other_closures_and_map_stages() {
    let x = [0.5, 1.0, -0.4];
    let mut d = [0.0; 3];
    let (v, [dy]) = closures_and_stages_grad(&x, 0.7, &mut d);
    check(
        "closures_and_stages",
        &|q| closures_and_stages(&q[..3], q[3]),
        v,
        &[d[0], d[1], d[2], dy],
        &[x[0], x[1], x[2], 0.7],
    );
}

const KNOTS: [f64; 4] = [0.0, 1.0, 2.0, 3.0];

#[gradient]
fn argmax_and_searches(x: &[f64], c: &[f64], t: f64) -> f64 {
    let mut s = 0.0;
    for &p in x {
        let k = c
            .iter()
            .enumerate()
            .min_by(|(_, a), (_, b)| (*a - p).abs().total_cmp(&(*b - p).abs()))
            .map(|(i, _)| i)
            .unwrap();
        s += (p - c[k]).powi(2);
    }
    let j = x
        .iter()
        .enumerate()
        .max_by(|&(_, a), &(_, b)| a.total_cmp(b))
        .unwrap()
        .0;
    let (imax, &vmax) = x
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.partial_cmp(b.1).unwrap())
        .unwrap();
    let (i2, v2) = c
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(b.1))
        .unwrap();
    let i = KNOTS.partition_point(|&k| k <= t).clamp(1, 3);
    let at = KNOTS
        .iter()
        .position(|&k| k > t)
        .unwrap_or(KNOTS.len())
        .clamp(1, 3);
    let below = KNOTS.iter().filter(|&&k| k <= t).count().clamp(1, 3);
    let found = match KNOTS.binary_search_by(|k| k.total_cmp(&t)) {
        Ok(i) | Err(i) => i,
    }
    .clamp(1, 3);
    let w = (t - KNOTS[i - 1]) / (KNOTS[i] - KNOTS[i - 1]);
    s + x[j] * 0.5
        + vmax * imax as f64
        + *v2 * i2 as f64
        + w * c[at - 1]
        + c[below - 1] * t
        + c[found - 1]
}

#[test]
fn argmax_and_searches_on_data() {
    let x = [0.1, 0.9, 2.2, 1.4];
    let c = [0.0, 1.0, 2.0];
    for t in [0.4, 1.5, 2.7] {
        let (mut dx, mut dc) = ([0.0; 4], [0.0; 3]);
        let (v, [dt]) = argmax_and_searches_grad(&x, &c, t, &mut dx, &mut dc);
        let mut p = x.to_vec();
        p.extend(c);
        p.push(t);
        let mut g = dx.to_vec();
        g.extend(dc);
        g.push(dt);
        check(
            "argmax_and_searches",
            &|q| argmax_and_searches(&q[..4], &q[4..7], q[7]),
            v,
            &g,
            &p,
        );
    }
}

pub struct Dataset {
    pub x: Vec<f64>,
    pub y: Vec<f64>,
}

impl Dataset {
    #[gradient(wrt(w))]
    pub fn predict(&self, w: &[f64], i: usize) -> f64 {
        w[0] * self.x[i] + w[1]
    }

    #[gradient(wrt(w))]
    pub fn loss(&self, w: &[f64]) -> f64 {
        let mut s = 0.0;
        for i in 0..self.y.len() {
            s += (self.predict(w, i) - self.y[i]).powi(2);
        }
        s
    }
}

#[gradient(wrt(x))]
fn writes_into_parts(x: &[f64], w: f64) -> f64 {
    let mut lap = vec![0.0; x.len()];
    for (i, l) in lap.iter_mut().enumerate().skip(1) {
        *l = x[i] - x[i - 1];
    }
    for l in lap.iter_mut().skip(1).step_by(2) {
        *l *= 2.0;
    }
    let mut h = vec![0.0; 5];
    let mut g = [1.0; 3];
    g[1..].copy_from_slice(&x[..2]);
    h[1..4].clone_from_slice(&g);
    h[3..].copy_from_slice(&[w, w * x[3]]);
    lap.iter().map(|v| v * v).sum::<f64>() + h.iter().sum::<f64>() * w
}

#[test]
fn methods_of_data_and_writes_into_parts() {
    let d = Dataset {
        x: vec![1.0, 2.0, -0.5],
        y: vec![3.0, 4.0, 0.2],
    };
    let w = [0.5, 1.0];
    let mut g = [0.0; 2];
    let v = d.loss_grad(&w, &mut g);
    check("Dataset::loss", &|q| d.loss(q), v, &g, &w);
    let x = [1.0, 2.0, 4.0, 7.0];
    let mut dx = [0.0; 4];
    let v = writes_into_parts_grad(&x, 1.5, &mut dx);
    check(
        "writes_into_parts",
        &|q| writes_into_parts(q, 1.5),
        v,
        &dx,
        &x,
    );
}

#[gradient(wrt(pos))]
fn pair_energies(pos: &[[f64; 2]], w: &[f64]) -> f64 {
    let mut e = 0.0;
    for (i, a) in pos.iter().enumerate() {
        for b in &pos[i + 1..] {
            let r2 = (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2);
            e += 1.0 / r2;
        }
        for b in pos.iter().skip(i + 1) {
            e += (a[0] - b[0]).powi(2) * 0.1;
        }
    }
    for (i, a) in pos.iter().enumerate().skip(1) {
        for b in pos[..i].iter() {
            e += (a[0] * b[1]).sin() * w[i];
        }
    }
    e
}

#[test]
fn parts_of_differentiated_rows() {
    let p = [[0.1, 0.5], [1.0, -0.3], [0.7, 2.0], [-1.0, 0.2]];
    let w = [1.0, 2.0, 0.5, -1.0];
    let mut d = [[0.0; 2]; 4];
    let v = pair_energies_grad(&p, &w, &mut d);
    let flat: Vec<f64> = p.iter().flatten().copied().collect();
    let g: Vec<f64> = d.iter().flatten().copied().collect();
    check(
        "pair_energies",
        &|q| {
            let rows: Vec<[f64; 2]> = q.chunks(2).map(|c| [c[0], c[1]]).collect();
            pair_energies(&rows, &w)
        },
        v,
        &g,
        &flat,
    );
}

#[gradient(wrt(w))]
fn while_lets(w: &[f64], idx: &[usize]) -> f64 {
    let mut i = 0;
    let mut s = 0.0;
    while let Some(&v) = w.get(i) {
        s += v * v;
        i += 1;
    }
    let mut k = 0;
    'outer: while let Some(&j) = idx.get(k) {
        k += 1;
        if j >= w.len() {
            continue 'outer;
        }
        s += w[j].sin();
    }
    s
}

#[test]
fn while_let_loops() {
    let w = [1.0, 2.0, -0.5];
    let idx = [0, 2, 7, 2];
    let mut d = [0.0; 3];
    let v = while_lets_grad(&w, &idx, &mut d);
    check("while_lets", &|q| while_lets(q, &idx), v, &d, &w);
}

#[gradient]
fn closure_names_like_outer(xs: &[f64], b: f64) -> f64 {
    let s: f64 = xs
        .iter()
        .zip(xs.iter().skip(1))
        .filter(|(a, b)| **a + **b < 1.4)
        .map(|(&a, &b)| a * b)
        .sum::<f64>();
    let t: f64 = xs.iter().filter(|b| **b > 0.3).map(|b| b * 2.0).sum();
    let mut u = 0.0;
    for (i, v) in xs.iter().enumerate().filter(|&(b, _)| b % 2 == 0) {
        u += v * i as f64;
    }
    s + t + u + b
}

#[gradient]
fn reductions_in_block_conditions(mut x1: f64, xs: &[f64]) -> f64 {
    let b: bool = {
        x1 += f64::tanh(
            xs.iter()
                .copied()
                .map(|v| v * 2.0)
                .take_while(|&t| t < 1.5)
                .sum::<f64>(),
        );
        x1 > -0.77
    } && x1 < 3.0;
    let mut acc = 0.5;
    if x1 > 5.0 || {
        acc += f64::tanh(
            xs.iter()
                .zip(xs.iter().skip(1))
                .filter(|&(a, b)| *a + *b < 1.4)
                .map(|(&a, &b)| a * b)
                .sum::<f64>(),
        );
        acc > 0.83
    } {
        acc -= 0.1 * x1;
    }
    if b {
        x1 * acc
    } else {
        x1
    }
}

#[test]
fn closure_parameters_and_block_conditions() {
    let xs = [0.2, 0.4, 0.9];
    let mut d = [0.0; 3];
    let (v, [db]) = closure_names_like_outer_grad(&xs, 10.0, &mut d);
    check(
        "closure_names_like_outer",
        &|q| closure_names_like_outer(&q[..3], q[3]),
        v,
        &[d[0], d[1], d[2], db],
        &[xs[0], xs[1], xs[2], 10.0],
    );
    for x1 in [0.5, -2.0, 1.3] {
        let (v, [dx]) = reductions_in_block_conditions_grad(x1, &xs, &mut d);
        check(
            "reductions_in_block_conditions",
            &|q| reductions_in_block_conditions(q[0], &q[1..]),
            v,
            &[dx, d[0], d[1], d[2]],
            &[x1, xs[0], xs[1], xs[2]],
        );
    }
}

#[gradient]
fn tuple_matches(x: f64, y: f64) -> f64 {
    let q = match (x > 0.0, y > 0.0) {
        (true, true) => x * y,
        (true, false) => x - y,
        (false, true) => y.exp() * x,
        (false, false) => -(x + y),
    };
    q + match (x > 1.0, 3 % 2) {
        (true, 1) => x,
        (_, n) => y * f64::from(n),
    }
}

#[gradient(wrt(x))]
fn free_zip(x: &[f64], y: &[f64]) -> f64 {
    std::iter::zip(x, y)
        .map(|(a, b)| (a - b).powi(2))
        .sum::<f64>()
}

#[test]
fn tuples_matched_and_free_zip() {
    for p in [[1.5, 2.0], [0.7, -2.0], [-1.0, 2.0], [-1.0, -2.0]] {
        let (v, g) = tuple_matches_grad(p[0], p[1]);
        check("tuple_matches", &|q| tuple_matches(q[0], q[1]), v, &g, &p);
    }
    let (x, y) = ([0.5, -1.0, 2.0], [1.0, 0.2]);
    let mut d = [0.0; 3];
    let v = free_zip_grad(&x, &y, &mut d);
    check("free_zip", &|q| free_zip(q, &y), v, &d, &x);
}

#[gradient]
fn sum_sq(x: &[f64]) -> f64 {
    x.iter().map(|v| v * v).sum()
}

// ADBench's bundle adjustment: the output buffer read by a scalar helper before it is written.
#[gradient]
fn radial_distort(rad: &[f64], proj: &mut [f64]) {
    let rsq = sum_sq(proj);
    let l = 1.0 + rad[0] * rsq + rad[1] * rsq * rsq;
    proj[0] *= l;
    proj[1] *= l;
}

#[gradient]
fn camera(x: &[f64], rad: &[f64]) -> f64 {
    let mut p = vec![x[0], x[1]];
    radial_distort(rad, &mut p);
    p[0] * p[0] + p[1]
}

#[test]
fn output_buffer_read_by_a_helper() {
    let (x, rad) = ([0.5, -0.3], [0.1, 0.02]);
    let (mut dx, mut dr) = ([0.0; 2], [0.0; 2]);
    let v = camera_grad(&x, &rad, &mut dx, &mut dr);
    check(
        "camera",
        &|q| camera(&q[..2], &q[2..]),
        v,
        &[dx[0], dx[1], dr[0], dr[1]],
        &[x[0], x[1], rad[0], rad[1]],
    );
}

#[gradient(hvp, wrt(w))]
fn predict_hvp(w: &[f64], x: &[f64]) -> f64 {
    (w[0] * x[0] + w[1] * x[1]).tanh()
}

#[gradient(hvp, wrt(w))]
fn loss_hvp_helper(w: &[f64], x: &[f64], y: f64) -> f64 {
    (predict_hvp(w, x) - y).powi(2) + predict_hvp(w, &[0.5, x[1]])
}

#[test]
fn second_order_through_helpers_with_data() {
    let (w, x) = ([0.3, -0.5], [1.0, 2.0]);
    let (mut g, mut hv) = ([0.0; 2], [0.0; 2]);
    let v = loss_hvp_helper_hvp(&w, &x, 0.2, &[1.0, -0.5], &mut g, &mut hv);
    assert_eq!(v, loss_hvp_helper(&w, &x, 0.2));
    // H·t against finite differences of the gradient along t.
    let h = 1e-6;
    let (mut gp, mut gm) = ([0.0; 2], [0.0; 2]);
    let _ = loss_hvp_helper_grad(&[w[0] + h, w[1] - 0.5 * h], &x, 0.2, &mut gp);
    let _ = loss_hvp_helper_grad(&[w[0] - h, w[1] + 0.5 * h], &x, 0.2, &mut gm);
    for k in 0..2 {
        let fd = (gp[k] - gm[k]) / (2.0 * h);
        assert!(
            (fd - hv[k]).abs() < 1e-6 * (1.0 + fd.abs()),
            "H·t[{k}] = {} vs {fd}",
            hv[k]
        );
    }
}

#[allow(non_snake_case)]
#[derive(Clone, Copy)]
pub enum Screening {
    Coulomb { za: f64, zb: f64 },
    Morse { D: f64 },
    Free,
}

// Physics code names charges and constants in uppercase; a pattern that binds such a name again
// binds it (the parameter `Z1` is not what the arm reads).
#[allow(non_snake_case)]
#[gradient]
fn uppercase_bindings(Z1: f64, D: f64, x: f64, s: Screening) -> f64 {
    match s {
        Screening::Coulomb { za: Z1, zb } => Z1 * x + zb,
        Screening::Morse { D } => D * x * x,
        Screening::Free => x * Z1 + D,
    }
}

#[test]
fn uppercase_names_bound_by_patterns() {
    for s in [
        Screening::Coulomb { za: 4.0, zb: 1.0 },
        Screening::Morse { D: 0.5 },
        Screening::Free,
    ] {
        let (v, g) = uppercase_bindings_grad(2.0, 1.5, 3.0, s);
        check(
            "uppercase_bindings",
            &|q| uppercase_bindings(q[0], q[1], q[2], s),
            v,
            &g,
            &[2.0, 1.5, 3.0],
        );
    }
}

#[gradient]
fn nested_fns_in_order(x: f64) -> f64 {
    fn g(v: f64) -> f64 {
        v.sin()
    }
    fn f(v: f64) -> f64 {
        g(v) * 2.0 + g(v * v)
    }
    f(x)
}

pub enum Either {
    A(f64),
    B(f64),
}

#[gradient]
fn single_returning_arm(x: f64, k: u32) -> f64 {
    match k {
        _ => {
            return x.sin();
        }
    }
}

#[gradient(wrt(x))]
fn single_returning_or_arm(e: &Either, x: f64) -> f64 {
    match e {
        Either::A(c) | Either::B(c) => {
            return x * c;
        }
    }
}

#[test]
fn nested_fns_and_returning_arms() {
    for x in [0.3, -1.2] {
        let (v, g) = nested_fns_in_order_grad(x);
        check(
            "nested_fns_in_order",
            &|q| nested_fns_in_order(q[0]),
            v,
            &g,
            &[x],
        );
        let (v, g) = single_returning_arm_grad(x, 0);
        check(
            "single_returning_arm",
            &|q| single_returning_arm(q[0], 0),
            v,
            &g,
            &[x],
        );
        let e = Either::B(2.5);
        let (v, g) = single_returning_or_arm_grad(&e, x);
        check(
            "single_returning_or_arm",
            &|q| single_returning_or_arm(&e, q[0]),
            v,
            &g,
            &[x],
        );
    }
}

#[gradient]
fn dot2(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[gradient]
fn scaled_by(r: &f64, x: f64) -> f64 {
    r * x
}

pub struct Layer {
    pub w: Vec<f64>,
    pub b: f64,
}

impl Layer {
    #[gradient(wrt(x))]
    pub fn out(&self, x: &[f64]) -> f64 {
        dot2(x, &self.w) + self.b
    }
}

#[gradient(wrt(x))]
fn data_fields_lent(x: &[f64], l: &Layer) -> f64 {
    let w = &l.w;
    dot2(x, l.w.as_slice()) + dot2(x, w) + scaled_by(&l.b, x[0]) + l.b * x[1] + l.out(x)
}

#[test]
fn fields_of_data_lent_as_slices() {
    let l = Layer {
        w: vec![3.0, -4.0],
        b: 0.5,
    };
    let x = [1.0, 2.0];
    let mut d = [0.0; 2];
    let v = data_fields_lent_grad(&x, &l, &mut d);
    check("data_fields_lent", &|q| data_fields_lent(q, &l), v, &d, &x);
    let v = l.out_grad(&x, &mut d);
    check("Layer::out", &|q| l.out(q), v, &d, &x);
}

#[gradient]
fn rates(s: [f64; 2], k: f64) -> [f64; 2] {
    [s[0] * (1.0 - s[1]) * k, s[0].sin() - s[1]]
}

// An ODE step as people write it: the right-hand side wrapped in a closure.
#[gradient]
fn euler_with_closure(s0: f64, k: f64) -> f64 {
    let f = |s: [f64; 2], kk: f64| rates(s, kk);
    let mut s = [s0, 0.5];
    for _ in 0..3 {
        let d = f(s, k);
        s = [s[0] + 0.1 * d[0], s[1] + 0.1 * d[1]];
    }
    s[0] * s[1]
}

#[test]
fn closures_around_vector_calls() {
    for p in [[0.4, 1.5], [-0.3, 0.7]] {
        let (v, g) = euler_with_closure_grad(p[0], p[1]);
        check(
            "euler_with_closure",
            &|q| euler_with_closure(q[0], q[1]),
            v,
            &g,
            &p,
        );
    }
}

// argmin's test functions rescale their parameter array with `map`.
#[gradient]
fn picheny_like(param: &[f64; 2]) -> f64 {
    let [x1, x2] = param.map(|x| 4.0 * x - 2.0);
    let s = param.map(f64::sin);
    x1 * x2 + s[0] * s[1]
}

#[test]
fn maps_of_array_parameters() {
    let p = [0.3, 0.8];
    let mut d = [0.0; 2];
    let v = picheny_like_grad(&p, &mut d);
    check("picheny_like", &|q| picheny_like(&[q[0], q[1]]), v, &d, &p);
}

// The first `map`'s parameter is named like a parameter the second reads.
#[gradient]
fn stages_reading_outer_names(w: &[f64], x: f64) -> f64 {
    w.iter().map(|x| x * 2.0).map(|y| y + x).sum::<f64>()
        + w.iter().map(|&x| x.sin()).map(|s: f64| s * x).sum::<f64>()
}

#[test]
fn map_stages_keep_outer_names() {
    let w = [1.0, 2.0, -0.5];
    let mut d = [0.0; 3];
    let (v, [dx]) = stages_reading_outer_names_grad(&w, 0.7, &mut d);
    check(
        "stages_reading_outer_names",
        &|q| stages_reading_outer_names(&q[..3], q[3]),
        v,
        &[d[0], d[1], d[2], dx],
        &[w[0], w[1], w[2], 0.7],
    );
}

#[gradient]
fn mut_ref_helpers(x: &[f64], w: f64) -> f64 {
    fn add_sq(s: &mut f64, v: f64) {
        *s += v * v;
    }
    let scale = |s: &mut f64, k: f64| *s *= k;
    let mut s = 0.0;
    let mut t = 1.0;
    for v in x {
        add_sq(&mut s, *v * w);
        // The argument named like the parameter it is not passed to.
        add_sq(&mut t, s);
        scale(&mut t, 0.5);
    }
    s + t
}

#[test]
fn helpers_that_write_through_mut_references() {
    let x = [0.3, -1.2, 0.8];
    let mut d = [f64::NAN; 3];
    let (v, dw) = mut_ref_helpers_grad(&x, 0.7, &mut d);
    let f = |p: &[f64]| mut_ref_helpers(&p[..3], p[3]);
    check(
        "mut_ref_helpers",
        &f,
        v,
        &[d[0], d[1], d[2], dw[0]],
        &[x[0], x[1], x[2], 0.7],
    );
}

#[gradient]
fn row_of(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(p, q)| p * q).sum()
}

/// A local matrix as a `Vec` of rows, read and written by row: `for row in &m`, `iter_mut`,
/// `enumerate`, `zip` with another sequence, `m.iter().map(..)`, a row passed on, `fill`.
#[gradient]
fn matrix_rows(x: &[f64]) -> f64 {
    let n = x.len();
    let mut m = vec![vec![0.0; n]; 3];
    for (k, row) in m.iter_mut().enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            *v = x[j] * (k as f64 + 1.0);
        }
    }
    m[1].fill(0.5);
    let mut s = row_of(&m[0], x) + m[2].iter().zip(x).map(|(a, b)| a * b.sin()).sum::<f64>();
    s += m.len() as f64 * m[0].len() as f64;
    for row in m.iter_mut() {
        for v in row.iter_mut() {
            *v *= 0.5;
        }
    }
    for row in &m {
        s += row.iter().map(|v| v * v).sum::<f64>();
    }
    s + m.iter().map(|row| row[0] * row[n - 1]).sum::<f64>()
}

/// Particles as a `Vec` of `[f64; 2]`, stepped with rows zipped, and a table of constant rows.
#[gradient]
fn particles(x: &[f64]) -> f64 {
    let n = x.len();
    let mut pos = vec![[0.0; 2]; n];
    let mut vel = vec![[0.0; 2]; n];
    for i in 0..n {
        pos[i] = [x[i], 0.5 * x[i]];
    }
    for _ in 0..3 {
        for i in 0..n {
            vel[i][0] -= 0.1 * pos[i][0];
            vel[i][1] -= 0.1 * pos[i][1].sin();
        }
        for (p, v) in pos.iter_mut().zip(&vel) {
            p[0] += 0.1 * v[0];
            p[1] += 0.1 * v[1];
        }
    }
    let table: Vec<[f64; 2]> = vec![[0.0, 1.0], [1.0, 2.0], [2.0, 2.5]];
    let mut fit = 0.0;
    for p in &table {
        let [px, py] = *p;
        let r = x[0] * px + x[1] - py;
        fit += r * r;
    }
    fit + pos.iter().map(|p| p[0] * p[0] + p[1] * p[1]).sum::<f64>()
}

/// A local matrix read end to end: `iter().flatten()`, `into_iter().flatten()`, `concat()` (a
/// copy the later writes leave as it was, and indexed inline), `as_flattened()` of rows that
/// are arrays; its product with itself written element by element first.
#[gradient]
fn matrix_end_to_end(x: &[f64]) -> f64 {
    let n = 2;
    let mut c = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..n {
            for k in 0..n {
                c[i][j] += x[i * n + k] * x[k * n + j];
            }
        }
    }
    let norm = c.iter().flatten().map(|v| v * v).sum::<f64>().sqrt();
    let copy = c.concat();
    c[0][0] = x[4];
    let mut a = vec![[0.0; 3]; 2];
    for (i, row) in a.iter_mut().enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            *v = (x[i + j] * 0.5).sin();
        }
    }
    let s = a.as_flattened().iter().sum::<f64>() + a.concat()[4] * copy[3];
    norm + copy.iter().map(|v| v.tanh()).sum::<f64>()
        + s
        + c.into_iter().flatten().fold(0.0, |acc, v| acc + v * 0.25)
}

/// Rows collected from the parameters and then written: particles as `Vec<[f64; 2]>` from
/// `chunks(2)` stepped in place (their velocities a matrix as long, `vec![[0.0; 2]; pos.len()]`),
/// rows copied by `chunks_exact(2).map(|c| c.to_vec())` and by `windows(2)`, changed through
/// `iter_mut`, `swap` and by index, and rows made by `(0..n).map(|i| vec![..])`.
#[gradient]
fn collected_rows_written(x: &[f64]) -> f64 {
    let mut pos: Vec<[f64; 2]> = x.chunks(2).map(|c| [c[0], c[1]]).collect();
    let mut vel = vec![[0.0; 2]; pos.len()];
    for _ in 0..3 {
        for i in 0..pos.len() {
            vel[i][0] -= 0.1 * pos[i][0];
            vel[i][1] -= 0.1 * pos[i][1].sin();
            pos[i][0] += 0.1 * vel[i][0];
            pos[i][1] += 0.1 * vel[i][1];
        }
    }
    let mut rows: Vec<Vec<f64>> = x.chunks_exact(2).map(|c| c.to_vec()).collect();
    for r in rows.iter_mut() {
        r[0] *= 2.0;
    }
    rows.swap(0, 1);
    rows[1][1] += rows[0][0].sin();
    let mut w: Vec<Vec<f64>> = x.windows(2).map(|c| c.to_vec()).collect();
    w[0][1] = w[0][0] * w[0][1];
    let mut made = (0..3)
        .map(|i| vec![x[0] * i as f64, 0.5])
        .collect::<Vec<Vec<f64>>>();
    made[1][0] += x[1];
    pos.iter().map(|p| p[0] * p[0] + p[1] * p[1]).sum::<f64>()
        + rows
            .iter()
            .map(|r| r.iter().sum::<f64>() * r[1])
            .sum::<f64>()
        + w.iter().flatten().map(|v| v.tanh()).sum::<f64>()
        + made.iter().map(|p| p[0] * p[1]).sum::<f64>()
}

#[test]
fn local_matrices_by_row() {
    let x = [0.3, -1.2, 2.0, 0.7, 0.45];
    type Case = (
        &'static str,
        fn(&[f64]) -> f64,
        fn(&[f64], &mut [f64]) -> f64,
    );
    let cases: [Case; 3] = [
        ("matrix_rows", matrix_rows, matrix_rows_grad),
        ("particles", particles, particles_grad),
        (
            "matrix_end_to_end",
            matrix_end_to_end,
            matrix_end_to_end_grad,
        ),
    ];
    for (what, f, g) in cases {
        let mut d = [f64::NAN; 5];
        let v = g(&x, &mut d);
        check(what, &f, v, &d, &x);
    }
    let x = [0.3, -1.2, 2.0, 0.7];
    let mut d = [f64::NAN; 4];
    let v = collected_rows_written_grad(&x, &mut d);
    check("collected_rows_written", &collected_rows_written, v, &d, &x);
}

/// Two `map` stages, the first over pairs (`zip`, `enumerate`) with a tuple pattern whose names
/// the second stage does not see.
#[gradient(wrt(a))]
fn maps_after_pairs(a: &[f64], b: &[f64]) -> f64 {
    let x = 0.25;
    let zipped: f64 = a.iter().zip(b).map(|(x, y)| x * y).map(|r| r * r + x).sum();
    let counted: f64 = a
        .iter()
        .enumerate()
        .map(|(i, v)| v * i as f64)
        .map(|t| (t + x).sin())
        .sum();
    zipped + counted
}

#[test]
fn maps_after_pairs_of_elements() {
    let (a, b) = ([0.3, -1.2, 2.0], [1.0, 0.5, -0.3]);
    let mut d = [f64::NAN; 3];
    let v = maps_after_pairs_grad(&a, &b, &mut d);
    check("maps_after_pairs", &|p| maps_after_pairs(p, &b), v, &d, &a);
}

/// Angle wrapping with `rem_euclid` (and its turns, `div_euclid`) and a signed square root with
/// `copysign`, in every mode.
#[gradient(jvp, hvp)]
fn wrapped_angle(a: f64, b: f64) -> f64 {
    let d = (a - b + std::f64::consts::PI).rem_euclid(2.0 * std::f64::consts::PI)
        - std::f64::consts::PI;
    // (`div_euclid`: the number of whole turns, constant between its jumps.)
    let turns = (a * 3.0).div_euclid(b.abs() + 0.5);
    d * d
        + (a * b).abs().sqrt().copysign(a - 0.1 * b)
        + 0.5_f64.rem_euclid(b.abs() + 1.0) * b
        + turns * a
}

#[test]
fn rem_euclid_and_copysign() {
    for (a, b) in [(3.0, -3.0), (-0.7, 0.4), (1.3, 2.2)] {
        let (v, g) = wrapped_angle_grad(a, b);
        check(
            "wrapped_angle",
            &|p| wrapped_angle(p[0], p[1]),
            v,
            &g,
            &[a, b],
        );
        // Along the first axis the JVP is the first partial.
        let (_, tangent) = wrapped_angle_jvp(a, b, 1.0, 0.0);
        assert!((tangent - g[0]).abs() < 1e-12);
        // H·v against central differences of the gradient.
        let (_, _, hv) = wrapped_angle_hvp(a, b, 0.0, 1.0);
        let h = 1e-6;
        let (_, gp) = wrapped_angle_grad(a, b + h);
        let (_, gm) = wrapped_angle_grad(a, b - h);
        for k in 0..2 {
            let fd = (gp[k] - gm[k]) / (2.0 * h);
            assert!(
                (hv[k] - fd).abs() < 1e-5 * (1.0 + fd.abs()),
                "{k}: {hv:?} vs {fd}"
            );
        }
    }
}

/// A pendulum stepped by a nested `fn` returning a tuple, a dynamic-programming table started at
/// infinity, and a `fold` over `windows`.
#[gradient]
fn pendulum_table_windows(u: &[f64]) -> f64 {
    fn deriv(th: f64, om: f64) -> (f64, f64) {
        (om, -th.sin())
    }
    let (mut th, mut om) = (u[0], u[1]);
    for _ in 0..4 {
        let (a, b) = deriv(th, om);
        th += 0.1 * a;
        om += 0.1 * b;
    }
    let n = u.len();
    let mut r = vec![vec![f64::INFINITY; n + 1]; 2];
    r[0][0] = 0.0;
    for j in 1..=n {
        r[1][j] = u[j - 1] * u[j - 1] + r[0][j - 1].min(r[1][j - 1]);
    }
    let rough = u.windows(2).fold(0.0, |acc, w| acc + (w[1] - w[0]).powi(2));
    th * om + r[1][n] + rough
}

#[test]
fn tuple_helpers_infinite_tables_and_window_folds() {
    let u = [0.3, -1.2, 2.0, 0.7];
    let mut d = [f64::NAN; 4];
    let v = pendulum_table_windows_grad(&u, &mut d);
    check("pendulum_table_windows", &pendulum_table_windows, v, &d, &u);
}

/// An accumulator chosen by a condition through `&mut` (`let slot = if c { &mut a } else { &mut b
/// };`), written and read through.
#[gradient]
fn chosen_accumulator(x: &[f64]) -> f64 {
    let mut pos = 0.0;
    let mut neg = 0.0;
    for &v in x {
        let slot = if v > 0.0 { &mut pos } else { &mut neg };
        *slot += v * v;
        *slot *= 1.0 + 0.1 * v;
        let seen = *slot;
        if seen > 10.0 {
            *slot = seen.sqrt();
        }
    }
    pos - 2.0 * neg
}

#[test]
fn accumulators_chosen_by_mut_reference() {
    let x = [0.3, -0.9, 1.7, -0.2];
    let mut d = [f64::NAN; 4];
    let v = chosen_accumulator_grad(&x, &mut d);
    check("chosen_accumulator", &chosen_accumulator, v, &d, &x);
}

/// A state of two floats stepped by RK4 with a closure returning an array, and a rotation as a
/// nested function of arrays called with `*q` of an array parameter and of a data row.
#[gradient(wrt(p, q))]
fn arrays_from_helpers(p: &[f64], q: &[f64; 2], v: &[[f64; 2]]) -> f64 {
    fn rot(q: [f64; 2], v: [f64; 2]) -> [f64; 2] {
        [q[0] * v[0] - q[1] * v[1], q[1] * v[0] + q[0] * v[1]]
    }
    let f = |s: [f64; 2]| -> [f64; 2] { [s[1], -p[0] * s[0]] };
    let mut s = [p[1], 0.0];
    let dt = 0.1;
    for _ in 0..5 {
        let k1 = f(s);
        let k2 = f([s[0] + 0.5 * dt * k1[0], s[1] + 0.5 * dt * k1[1]]);
        let k3 = f([s[0] + 0.5 * dt * k2[0], s[1] + 0.5 * dt * k2[1]]);
        let k4 = f([s[0] + dt * k3[0], s[1] + dt * k3[1]]);
        for j in 0..2 {
            s[j] += dt / 6.0 * (k1[j] + 2.0 * k2[j] + 2.0 * k3[j] + k4[j]);
        }
    }
    let mut e = s[0] * s[0] + s[1];
    for a in v {
        let r = rot(*q, *a);
        e += r[0] * r[0] + r[1];
    }
    e
}

#[gradient]
fn array_closure_f32(x: f32, y: f32) -> f32 {
    let swap = |s: [f32; 2]| -> [f32; 2] { [s[1] * 0.5, s[0] * s[1]] };
    let t = swap([x, y]);
    let u = swap(t);
    u[0] + u[1] * x
}

#[test]
fn arrays_returned_by_closures_and_nested_functions() {
    let (p, q, v) = ([0.7, 1.3], [0.6, 0.8], [[1.0, 2.0], [-0.5, 0.3]]);
    let (mut dp, mut dq) = ([f64::NAN; 2], [f64::NAN; 2]);
    let value = arrays_from_helpers_grad(&p, &q, &v, &mut dp, &mut dq);
    let f = |w: &[f64]| arrays_from_helpers(&w[..2], &[w[2], w[3]], &v);
    check(
        "arrays_from_helpers",
        &f,
        value,
        &[dp[0], dp[1], dq[0], dq[1]],
        &[p[0], p[1], q[0], q[1]],
    );
    // Hand-derived: t = (y/2, xy), u = (xy/2, x·y²/2), f = xy/2 + x²y²/2.
    let (x, y) = (1.5_f32, -0.5_f32);
    let (value, g) = array_closure_f32_grad(x, y);
    assert_eq!(value, array_closure_f32(x, y));
    assert!((g[0] - (y / 2.0 + x * y * y)).abs() < 1e-5, "{g:?}");
    assert!((g[1] - (x / 2.0 + x * x * y)).abs() < 1e-5, "{g:?}");
}

/// Untyped integer locals whose type comes from their use (`let p = 1;` compared with a `usize`),
/// beside integer literals of another type (`1` and `-1` as `i32`).
#[gradient]
fn untyped_integers(x: f64, m: usize) -> f64 {
    let p = 1;
    let s: i32 = if m == 7 { 1 } else { -1 };
    let mut sign = 1;
    let mut acc = if m >= p && s < 0 { x } else { -x };
    for i in 0..m {
        if i >= p {
            acc += f64::from(sign) * x * i as f64;
        }
        sign = -sign;
    }
    acc
}

#[test]
fn integer_literals_keep_the_type_of_their_use() {
    for m in [3, 4, 7] {
        let (v, g) = untyped_integers_grad(0.7, m);
        check(
            "untyped_integers",
            &|p| untyped_integers(p[0], m),
            v,
            &g,
            &[0.7],
        );
    }
}

/// Helpers that write into a local buffer through `&mut [f64]`, and a `&mut` reference to a
/// buffer indexed through.
#[gradient]
fn mut_slice_helpers(x: &[f64]) -> f64 {
    fn scale(v: &mut [f64], k: f64) {
        for e in v.iter_mut() {
            *e *= k;
        }
    }
    fn bump_sum(v: &mut [f64], n: usize) -> f64 {
        let mut s = 0.0;
        for i in 0..n {
            v[i] += 1.0;
            s += v[i];
        }
        s
    }
    let mut buf = vec![0.0; x.len()];
    for i in 0..x.len() {
        buf[i] = x[i] * x[i];
    }
    scale(&mut buf, x[0]);
    let t = bump_sum(&mut buf, 2);
    let r = &mut buf;
    r[1] = r[0] * t;
    buf.iter().sum::<f64>() + t
}

#[test]
fn helpers_that_write_into_buffers() {
    let x = [0.7, -1.2, 0.4];
    let mut d = [f64::NAN; 3];
    let v = mut_slice_helpers_grad(&x, &mut d);
    check("mut_slice_helpers", &mut_slice_helpers, v, &d, &x);
}

/// Conditions that are blocks with statements, on an `if` that returns or breaks.
#[gradient]
fn block_conditions_that_jump(mut x: f64, y: f64) -> f64 {
    let mut s = 0.0;
    for _ in 0..4 {
        if {
            s += y;
            s > 5.0
        } {
            break;
        }
    }
    if {
        x += s;
        x > 10.0
    } {
        return x * 0.5;
    }
    x * s
}

#[test]
fn block_conditions_before_jumps() {
    for (x, y) in [(1.0, 2.0), (9.0, 2.0), (0.5, 0.3)] {
        let (v, g) = block_conditions_that_jump_grad(x, y);
        let f = |p: &[f64]| block_conditions_that_jump(p[0], p[1]);
        check("block_conditions_that_jump", &f, v, &g, &[x, y]);
    }
}

/// `return` in the `if`s of a function writing an output parameter and of one returning a tuple:
/// the body as branches.
#[gradient]
fn guarded_normalize(v: &[f64], n: &mut [f64]) {
    let len = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
    if len <= 1e-12 {
        n[0] = 1.0;
        n[1] = 0.0;
        n[2] = 0.0;
        return;
    }
    let inv = 1.0 / len;
    n[0] = v[0] * inv;
    n[1] = v[1] * inv;
    n[2] = v[2] * inv;
}

#[gradient(jvp)]
fn split_at_three(x: f64) -> (f64, f64) {
    if x < 3.0 {
        return (x, x);
    } else {
        let y = 2.0 * x;
        return (y, 2.0 * y);
    }
}

#[gradient]
fn uses_returning_helpers(x: &[f64]) -> f64 {
    let mut n = [0.0; 3];
    guarded_normalize(x, &mut n);
    let (a, b) = split_at_three(x[0] * 5.0);
    n[0] * a + n[2] * b
}

#[test]
fn returns_in_vector_and_output_functions() {
    for x in [[0.7, -1.2, 0.4], [0.5, 0.1, -0.3]] {
        let mut d = [f64::NAN; 3];
        let v = uses_returning_helpers_grad(&x, &mut d);
        check("uses_returning_helpers", &uses_returning_helpers, v, &d, &x);
    }
    // Hand-derived: above 3 the pair is (2x, 4x).
    assert_eq!(split_at_three_jvp(3.5, 1.0), ((7.0, 14.0), (2.0, 4.0)));
    assert_eq!(split_at_three_jvp(1.5, 1.0), ((1.5, 1.5), (1.0, 1.0)));
}

/// Functions returning arrays from the branches of an `if` (after a `return`) and of a `match`.
#[gradient]
fn branch_array(s: &[f64], a: f64) -> [f64; 2] {
    if a > 0.5 {
        return [a * 2.0, s[0]];
    }
    [s[0] * a, (s[s.len() - 1] - a).tanh()]
}

#[gradient]
fn match_array(a: f64, b: f64) -> [f64; 3] {
    let t = a * b;
    match (a > 0.0, b > 0.0) {
        (true, true) => [t, a, b],
        (true, false) => [b, t, a],
        _ => [a, b, t * 2.0],
    }
}

#[gradient]
fn uses_branch_arrays(x: &[f64]) -> f64 {
    let r = branch_array(x, x[1]);
    let p = match_array(x[0], x[1] - 0.5);
    r[0] * r[1] + p[0] + p[2] * p[1]
}

#[test]
fn arrays_from_branches() {
    for x in [[0.7, 1.2, 0.4], [0.7, 0.2, -0.4], [-0.3, 0.9, 0.1]] {
        let mut d = [f64::NAN; 3];
        let v = uses_branch_arrays_grad(&x, &mut d);
        check("uses_branch_arrays", &uses_branch_arrays, v, &d, &x);
    }
}

/// A view read inside `vec![..]` by a chain of pieces (`ss.chunks(2).zip(ss)`). Found by the
/// differential tester.
#[gradient]
fn view_in_vec_literal(xs: &[f64]) -> f64 {
    let ss = &xs[xs.len() / 2..];
    let v = vec![
        ss.chunks(2)
            .zip(ss)
            .map(|(p, y)| p.iter().sum::<f64>() * y.tanh())
            .sum::<f64>(),
        ss.len() as f64,
        ss[0],
    ];
    v[0] + v[1] * v[2]
}

#[test]
fn views_inside_vec_literals() {
    let x = [0.3, -1.2, 2.0, 0.7, 0.45];
    let mut d = [f64::NAN; 5];
    let v = view_in_vec_literal_grad(&x, &mut d);
    check("view_in_vec_literal", &view_in_vec_literal, v, &d, &x);
}

/// A `match` on a tuple whose float part the arms bind: by name, `mut`, read by a guard, beside
/// parts tested by literals and by `Some(i)`.
#[gradient]
fn match_binding_a_float_part(x: f64, n: usize) -> f64 {
    let s = x * 2.0;
    let a = match (n, x) {
        (3, k) if k > 1.0 => k * s,
        (3, mut k) => {
            k *= 3.0;
            k
        }
        (_, k) => k.sin(),
    };
    let o = if n > 2 { Some(n) } else { None };
    let b = match (o, x * x, n.is_multiple_of(2)) {
        (Some(i), v, true) => v * i as f64,
        (Some(_), v, false) => v - s,
        (None, v, _) => v.cos(),
    };
    a + b
}

#[test]
fn a_match_binding_a_float_part_of_a_tuple() {
    for (x, n) in [(1.5, 3), (0.5, 3), (1.5, 1), (0.7, 4), (-0.3, 3)] {
        let (v, [g]) = match_binding_a_float_part_grad(x, n);
        check(
            "match_binding_a_float_part",
            &|p| match_binding_a_float_part(p[0], n),
            v,
            &[g],
            &[x],
        );
    }
}

/// Concatenation: a copy of a slice grown by `extend_from_slice` and `push`.
#[gradient]
fn concatenated(a: &[f64], b: &[f64]) -> f64 {
    let mut v = a.to_vec();
    v.extend_from_slice(b);
    let mut u = a.to_owned();
    u.extend_from_slice(&b[1..]);
    u.push(a[0] * b[0]);
    v.iter()
        .enumerate()
        .map(|(i, x)| x * (i as f64 + 1.0))
        .sum::<f64>()
        + u.iter().map(|x| x * x).sum::<f64>()
        + v.len() as f64
}

#[test]
fn a_copy_grown_by_extend_and_push() {
    let p = [0.3, 0.8, 1.5, -0.5, 0.25];
    let f = |p: &[f64]| concatenated(&p[..2], &p[2..]);
    let (mut da, mut db) = ([f64::NAN; 2], [f64::NAN; 3]);
    let v = concatenated_grad(&p[..2], &p[2..], &mut da, &mut db);
    let d: Vec<f64> = da.iter().chain(&db).copied().collect();
    check("concatenated", &f, v, &d, &p);
}

/// `let mut t;` before a `loop` that gives it a value in every iteration, read after it (a float
/// and an integer).
#[gradient]
fn declared_before_loop(x: f64) -> f64 {
    let mut t;
    let mut k = 0;
    loop {
        t = (x * f64::from(k)).sin();
        k += 1;
        if k > 3 {
            break;
        }
    }
    let mut n;
    let mut i = 0;
    loop {
        n = i * 2;
        i += 1;
        if i > 2 {
            break;
        }
    }
    t * t + f64::from(n) * x
}

#[test]
fn a_name_declared_before_a_loop_that_assigns_it() {
    for x in [0.7, -1.3] {
        let (v, [g]) = declared_before_loop_grad(x);
        check(
            "declared_before_loop",
            &|p| declared_before_loop(p[0]),
            v,
            &[g],
            &[x],
        );
    }
}

fn settled(a: f64) -> f64 {
    let mut t;
    let mut i: usize = 0;
    loop {
        t = a * 0.3 + i as f64 * 0.25;
        i += 1;
        if i > 2 {
            break;
        }
    }
    t.tanh()
}

/// The same in a plain helper called in a condition and in the value: the condition keeps the
/// helper as written, where the `loop` must stay a `loop` (E0381 "`t` isn't initialized" before).
#[gradient]
fn settled_in_condition(x: f64, y: f64) -> f64 {
    let mut acc = 1.0;
    if x <= settled(y) {
        acc *= 2.0;
    }
    acc * settled(x) * y
}

/// The late name assigned in a `while` (and in a `for`): declared again in the loop's body, the
/// declaration before it is nobody's (E0282 "type annotations needed" where the condition wrote
/// it back as it was, long mode seed 4130 `g147`).
fn swept(a: f64, b: f64) -> f64 {
    let mut acc = a;
    let mut t;
    let mut i: usize = 0;
    while i < 3 {
        t = b + i as f64 * 0.25;
        if a > 5.0 {
            t *= 0.5;
        }
        acc += t.tanh() * 0.5;
        i += 1;
    }
    let mut u;
    for k in 0..2 {
        u = a * k as f64;
        acc += u * 0.1;
    }
    acc
}

#[gradient]
fn swept_in_condition(x: f64, y: f64) -> f64 {
    if y > swept(x, 1.13) {
        x * swept(y, x)
    } else {
        y * y
    }
}

#[test]
fn a_helper_with_a_late_name_in_a_condition() {
    for (x, y) in [(0.2, 2.9), (0.1, 0.3), (-1.0, -0.2)] {
        let (v, [gx, gy]) = swept_in_condition_grad(x, y);
        assert_eq!(v.to_bits(), swept_in_condition(x, y).to_bits());
        check(
            "swept_in_condition",
            &|p| swept_in_condition(p[0], p[1]),
            v,
            &[gx, gy],
            &[x, y],
        );
    }
    for (x, y) in [(0.2, 0.9), (1.5, -0.4)] {
        let (v, [gx, gy]) = settled_in_condition_grad(x, y);
        assert_eq!(v.to_bits(), settled_in_condition(x, y).to_bits());
        check(
            "settled_in_condition",
            &|p| settled_in_condition(p[0], p[1]),
            v,
            &[gx, gy],
            &[x, y],
        );
    }
}

/// A loop bound cast from a differentiated value's whole part, written inline.
#[gradient]
fn cast_bound(x: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..(x * 3.0).floor() as usize {
        s += x * (i as f64 + 1.0);
    }
    for j in (x.abs().trunc() as usize)..3 {
        s += x * j as f64;
    }
    s
}

#[test]
fn a_loop_bound_cast_inline() {
    for x in [1.9, 0.4, 2.6] {
        let (v, [g]) = cast_bound_grad(x);
        check("cast_bound", &|p| cast_bound(p[0]), v, &[g], &[x]);
    }
}

/// Nested fns and closures returning `vec![..]` lists: an RK4 step with a `Vec` state.
#[gradient]
fn listed_helpers(a: f64, b: f64) -> f64 {
    fn pair(a: f64, b: f64) -> Vec<f64> {
        vec![a * b, a + b]
    }
    let twice = |a: f64, b: f64| vec![a * b, a + b];
    let k = pair(a, b);
    let t = twice(b, a);
    k[0] + 2.0 * k[1] + t[0] * t[1]
}

#[gradient]
fn rk4_vec_state(k: f64, c: f64, y0: f64) -> f64 {
    let f = |y: &[f64]| -> Vec<f64> { vec![y[1], -k * y[0] - c * y[1]] };
    let mut y = vec![y0, 0.0];
    let h = 0.1;
    for _ in 0..10 {
        let k1 = f(&y);
        let y2: Vec<f64> = y.iter().zip(&k1).map(|(a, b)| a + 0.5 * h * b).collect();
        let k2 = f(&y2);
        let y3: Vec<f64> = y.iter().zip(&k2).map(|(a, b)| a + 0.5 * h * b).collect();
        let k3 = f(&y3);
        let y4: Vec<f64> = y.iter().zip(&k3).map(|(a, b)| a + h * b).collect();
        let k4 = f(&y4);
        for i in 0..2 {
            y[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
        }
    }
    y[0] * y[0] + y[1]
}

#[test]
fn helpers_returning_lists() {
    let (v, g) = listed_helpers_grad(1.5, 2.0);
    check(
        "listed_helpers",
        &|p| listed_helpers(p[0], p[1]),
        v,
        &g,
        &[1.5, 2.0],
    );
    let p = [2.0, 0.3, 1.0];
    let (v, g) = rk4_vec_state_grad(p[0], p[1], p[2]);
    check(
        "rk4_vec_state",
        &|p| rk4_vec_state(p[0], p[1], p[2]),
        v,
        &g,
        &p,
    );
}

/// A nested fn with a slice parameter given a list (`af(&[x.tanh(), y * x])`), a `Vec` out, and
/// again given that `Vec`.
#[gradient]
fn slice_helper_given_lists(x: f64, y: f64) -> f64 {
    fn af(s: &[f64]) -> Vec<f64> {
        vec![s[1] * 0.5, f64::tanh(s[0]) * 0.75]
    }
    fn total(s: &[f64]) -> f64 {
        s[1] * 0.5 + f64::tanh(s[0]) * 0.75
    }
    let k = af(&[x.tanh(), y * x]);
    let k2 = af(&k);
    k2[0] + k[1] * k2[1] + total(&[y, x * x])
}

#[test]
fn a_slice_helper_given_lists() {
    let (v, g) = slice_helper_given_lists_grad(0.4, -1.3);
    check(
        "slice_helper_given_lists",
        &|p| slice_helper_given_lists(p[0], p[1]),
        v,
        &g,
        &[0.4, -1.3],
    );
}

/// Parts of the fields of constant data bound to names: `&self.x[a..b]` in a method whose
/// `self` is data, `&ds.x[a..b]` of a data parameter.
struct Samples {
    x: Vec<f64>,
    y: Vec<f64>,
    d: usize,
}

impl Samples {
    #[gradient(wrt(w))]
    fn mse(&self, w: &[f64]) -> f64 {
        let mut s = 0.0;
        for i in 0..self.y.len() {
            let row = &self.x[i * self.d..(i + 1) * self.d];
            let p: f64 = row.iter().zip(w).map(|(a, b)| a * b).sum();
            s += (p - self.y[i]).powi(2);
        }
        s
    }
}

#[gradient(wrt(w))]
fn mse_of_parts(ds: &Samples, w: &[f64]) -> f64 {
    let d = w.len();
    let mut s = 0.0;
    for i in 0..ds.y.len() {
        let row = &ds.x[i * d..(i + 1) * d];
        s += (row[0] * w[0] + row[d - 1] * w[d - 1] - ds.y[i]).powi(2);
    }
    s
}

#[test]
fn parts_of_constant_fields() {
    let ds = Samples {
        x: vec![0.1, -0.4, 0.7, 0.3, 0.9, -0.2],
        y: vec![0.2, -0.5],
        d: 3,
    };
    let w = [0.1, 0.2, 0.3];
    let mut d = [f64::NAN; 3];
    let v = ds.mse_grad(&w, &mut d);
    check("Samples::mse", &|w| ds.mse(w), v, &d, &w);
    let v = mse_of_parts_grad(&ds, &w, &mut d);
    check("mse_of_parts", &|w| mse_of_parts(&ds, w), v, &d, &w);
}

/// `min_by`/`max_by` comparing a key of each side (the nearest centre, the greatest sine): the
/// derivative of the element chosen.
#[gradient]
fn keyed_extrema(centers: &[f64], pts: &[f64]) -> f64 {
    let mut loss = 0.0;
    for &p in pts {
        let c = centers
            .iter()
            .min_by(|a, b| (p - **a).abs().total_cmp(&(p - **b).abs()))
            .unwrap();
        loss += (p - c).powi(2);
    }
    let m = centers
        .iter()
        .max_by(|a, b| (*a * 0.8).sin().partial_cmp(&(*b * 0.8).sin()).unwrap())
        .unwrap();
    loss + m * m
}

#[test]
fn extrema_by_a_key() {
    let p = [-0.6, 0.05, 0.7, 0.1, -0.5, 0.8];
    let f = |p: &[f64]| keyed_extrema(&p[..3], &p[3..]);
    let (mut dc, mut dp) = ([f64::NAN; 3], [f64::NAN; 3]);
    let v = keyed_extrema_grad(&p[..3], &p[3..], &mut dc, &mut dp);
    let d: Vec<f64> = dc.iter().chain(&dp).copied().collect();
    check("keyed_extrema", &f, v, &d, &p);
}

/// A loop over two slices one after the other, counted across both (`chain(..).enumerate()`),
/// with a `continue` and an inner loop's `break`.
#[gradient]
fn chained_counted(a: &[f64], b: &[f64]) -> f64 {
    let mut s = 0.0;
    for (k, v) in a.iter().chain(b).enumerate() {
        if k == 1 {
            continue;
        }
        s += (k as f64 + 1.0) * v.sin();
        for j in 0..3 {
            if j as f64 > *v {
                break;
            }
            s += v * 0.1;
        }
    }
    for &v in a.iter().chain(b.iter()) {
        s += v * v;
    }
    s
}

#[test]
fn loops_over_chains() {
    let p = [0.2, 0.9, 0.4, 0.3, 1.8];
    let f = |p: &[f64]| chained_counted(&p[..3], &p[3..]);
    let (mut da, mut db) = ([f64::NAN; 3], [f64::NAN; 2]);
    let v = chained_counted_grad(&p[..3], &p[3..], &mut da, &mut db);
    let d: Vec<f64> = da.iter().chain(&db).copied().collect();
    check("chained_counted", &f, v, &d, &p);
}

/// A `match` on the `Ordering` of two differentiated values (`partial_cmp`, `total_cmp`).
#[gradient]
fn ordering_match(x: f64, y: f64) -> f64 {
    let a = match x.partial_cmp(&y) {
        Some(std::cmp::Ordering::Less) => y - x,
        Some(std::cmp::Ordering::Greater) => (x - y).powi(2),
        _ => 0.0,
    };
    let b = match (x * y).total_cmp(&0.1) {
        std::cmp::Ordering::Less => x.sin(),
        _ => y.cos() * x,
    };
    let w = [x, y * 2.0];
    let c = match w[0].partial_cmp(&(if x > 0.0 { w[1] } else { 0.5 })) {
        Some(std::cmp::Ordering::Greater) => w[0] * w[1],
        _ => w[1],
    };
    a + b + c
}

#[test]
fn a_match_on_an_ordering() {
    for (x, y) in [(0.7, 0.3), (0.2, 0.9), (-0.4, 0.5)] {
        let (v, g) = ordering_match_grad(x, y);
        check(
            "ordering_match",
            &|p| ordering_match(p[0], p[1]),
            v,
            &g,
            &[x, y],
        );
    }
}

/// Extensions inside a loop (of a whole slice and of a fixed part) beside a push.
#[gradient]
fn extended_in_a_loop(x: &[f64], y: &[f64]) -> f64 {
    let mut h = Vec::new();
    for k in 0..3 {
        h.extend_from_slice(&x[0..2]);
        h.extend_from_slice(y);
        h.push(x[k % 2] * k as f64);
    }
    h.iter()
        .enumerate()
        .map(|(i, v)| v * (i as f64 + 1.0))
        .sum()
}

#[test]
fn extensions_inside_a_loop() {
    let p = [0.1, 0.2, 0.3, 0.5, -0.4];
    let f = |p: &[f64]| extended_in_a_loop(&p[..3], &p[3..]);
    let (mut dx, mut dy) = ([f64::NAN; 3], [f64::NAN; 2]);
    let v = extended_in_a_loop_grad(&p[..3], &p[3..], &mut dx, &mut dy);
    let d: Vec<f64> = dx.iter().chain(&dy).copied().collect();
    check("extended_in_a_loop", &f, v, &d, &p);
}

/// A sample of data as a tuple or a struct, destructured by reference (`let (x, y) =
/// &batch[i];`, `let Sample { x, y } = &data[i];`): the names are references (`*y`), the vector
/// part read by index. The expansion destructured by value (E0614 on `*y`, E0507 moving the
/// `Vec`), and refused the struct pattern.
pub struct Sample {
    x: Vec<f64>,
    y: f64,
}

#[gradient(wrt(w))]
fn tuple_rows_by_reference(w: &[f64], batch: &[(Vec<f64>, f64)]) -> f64 {
    let mut s = 0.0;
    for i in 0..batch.len() {
        let (x, y) = &batch[i];
        let mut p = w[0];
        for j in 0..x.len() {
            p += w[j + 1] * x[j];
        }
        s += (p - *y).powi(2) + (p - y).abs();
    }
    s
}

#[gradient(wrt(w))]
fn struct_rows_by_reference(w: &[f64], data: &[Sample]) -> f64 {
    let mut s = 0.0;
    for i in 0..data.len() {
        let Sample { x, y } = &data[i];
        let p: f64 = x.iter().zip(&w[1..]).map(|(a, b)| a * b).sum::<f64>() + w[0];
        s += (p - *y).powi(2);
    }
    s
}

/// Differentiated pairs bound by reference.
#[gradient]
fn pairs_by_reference(pts: &[(f64, f64)]) -> f64 {
    let mut s = 0.0;
    for i in 0..pts.len() {
        let (a, b) = &pts[i];
        s += *a * b.sin() + a;
    }
    s
}

#[test]
fn samples_destructured_by_reference() {
    let batch = vec![(vec![1.0, 2.0], 0.5), (vec![-0.5, 0.25], -1.5)];
    let data: Vec<Sample> = batch
        .iter()
        .map(|(x, y)| Sample {
            x: x.clone(),
            y: *y,
        })
        .collect();
    let w = [0.1, -0.3, 0.7];
    let mut d = [0.0; 3];
    let v = tuple_rows_by_reference_grad(&w, &batch, &mut d);
    check(
        "tuple_rows",
        &|p| tuple_rows_by_reference(p, &batch),
        v,
        &d,
        &w,
    );
    let v = struct_rows_by_reference_grad(&w, &data, &mut d);
    check(
        "struct_rows",
        &|p| struct_rows_by_reference(p, &data),
        v,
        &d,
        &w,
    );
    let pts = [(0.3, 1.2), (-0.7, 0.4)];
    let mut dp = [(0.0, 0.0); 2];
    let v = pairs_by_reference_grad(&pts, &mut dp);
    let flat = [pts[0].0, pts[0].1, pts[1].0, pts[1].1];
    let g = [dp[0].0, dp[0].1, dp[1].0, dp[1].1];
    check(
        "pairs",
        &|p| pairs_by_reference(&[(p[0], p[1]), (p[2], p[3])]),
        v,
        &g,
        &flat,
    );
}

/// A copy of an array parameter written in place (`let mut o = *b;`): refused before
/// ("unsupported unary operation").
#[gradient]
fn copied_array(w: &[f64; 2], b: &[f64; 2], x: f64) -> f64 {
    let mut o = *b;
    o[0] += w[0] * x;
    o[1] += w[1] * x.sin();
    o[0] * o[1] + b[0]
}

#[test]
fn a_copied_array_parameter() {
    let (w, b, x) = ([0.1, 0.2], [1.0, -1.0], 2.0);
    let (mut dw, mut db) = ([0.0; 2], [0.0; 2]);
    let (v, [dx]) = copied_array_grad(&w, &b, x, &mut dw, &mut db);
    let p = [w[0], w[1], b[0], b[1], x];
    let g = [dw[0], dw[1], db[0], db[1], dx];
    check(
        "copied_array",
        &|p| copied_array(&[p[0], p[1]], &[p[2], p[3]], p[4]),
        v,
        &g,
        &p,
    );
}

/// `max_by`/`min_by` with comparators that are not one key of each side (keys written
/// differently, a tolerance): the comparator itself decides, as `max_by` calls it (found by the
/// differential tester's long run, seed 42001, with a key's constant converted two ways).
#[gradient]
fn compared_extrema(xs: &[f64], t: f64) -> f64 {
    let a = xs
        .iter()
        .copied()
        .max_by(|a, b| (a - t).abs().partial_cmp(&(t - b).abs()).unwrap())
        .unwrap();
    let b = xs
        .iter()
        .max_by(|p, q| (**p * t).sin().total_cmp(&(**q * t).sin()))
        .unwrap();
    let c = xs
        .iter()
        .copied()
        .min_by(|p, q| {
            if (p - q).abs() < 0.1 {
                std::cmp::Ordering::Equal
            } else {
                p.partial_cmp(q).unwrap()
            }
        })
        .unwrap();
    a * t + b + c * c
}

#[test]
fn extrema_by_any_comparator() {
    for xs in [vec![0.3, -1.2, 0.9, 2.0], vec![-0.5, 1.5, 0.25]] {
        let mut d = vec![0.0; xs.len()];
        let (v, [dt]) = compared_extrema_grad(&xs, 0.7, &mut d);
        let mut p = xs.clone();
        p.push(0.7);
        let mut g = d.clone();
        g.push(dt);
        let n = xs.len();
        check(
            "compared_extrema",
            &|p| compared_extrema(&p[..n], p[n]),
            v,
            &g,
            &p,
        );
    }
}

/// Buffers collected through a `filter` or an adapter that picks positions (`step_by`), a piece
/// of `chunks_exact` copied by `to_vec()`, and a collected `map` whose items are untyped sums
/// (typed by the turbofish): refused before, or (the piece's copy) generated code that did not
/// compile.
#[gradient(wrt(x))]
fn collected_forms(x: &[f64], thr: f64) -> f64 {
    let loud: Vec<f64> = x.iter().copied().filter(|v| v.abs() > thr).collect();
    let every_other: Vec<f64> = x.iter().step_by(2).copied().collect();
    let mut pieces = 0.0;
    for xi in x.chunks_exact(2) {
        let copy = xi.to_vec();
        pieces += copy[0] * copy[1];
    }
    let rows = (0..2)
        .map(|c| (0..2).map(|j| x[c + j] * x[j]).sum())
        .collect::<Vec<f64>>();
    loud.iter().map(|v| v * v).sum::<f64>() / (loud.len() as f64 + 1.0)
        + every_other.iter().map(|v| v.sin()).sum::<f64>()
        + pieces
        + rows[0] * rows[1]
}

#[test]
fn filtered_and_picked_collections() {
    for x in [vec![0.1, -0.9, 0.5, 0.7], vec![1.2, -0.3, 0.8, -1.1, 0.45]] {
        let mut d = vec![0.0; x.len()];
        let v = collected_forms_grad(&x, 0.4, &mut d);
        check("collected_forms", &|p| collected_forms(p, 0.4), v, &d, &x);
    }
}

/// A matrix of rows filled with a named constant (`vec![vec![BIG; 3]; 3]`), then written with
/// floats: refused before ("cannot differentiate through the macro `vec!`").
const BIG: f64 = 1e10;

#[gradient]
fn table_of_named_fill(a: &[f64]) -> f64 {
    let mut r = vec![vec![BIG; 3]; 3];
    let far = -BIG;
    let mut s = vec![vec![far; 2]; 2];
    r[0][0] = 0.0;
    r[1][1] = a[0] + r[0][0];
    s[1][0] = a[1] * 2.0;
    r[1][1] * s[1][0] + r[2][2].min(a[1]) + s[0][1].max(a[0])
}

#[test]
fn a_matrix_filled_with_a_named_constant() {
    let a = [1.5, -0.75];
    let mut d = [0.0; 2];
    let v = table_of_named_fill_grad(&a, &mut d);
    check(
        "table_of_named_fill",
        &|p| table_of_named_fill(p),
        v,
        &d,
        &a,
    );
}

/// The nearest center of each point by `map(..).enumerate().min_by(..)` (k-means' assignment):
/// refused before (`enumerate` after a `map`).
#[gradient(wrt(centers))]
fn kmeans_cost(centers: &[f64], x: &[f64]) -> f64 {
    let mut cost = 0.0;
    for &v in x {
        let (k, d) = centers
            .iter()
            .map(|c| (v - c).powi(2))
            .enumerate()
            .min_by(|a, b| a.1.partial_cmp(&b.1).unwrap())
            .unwrap();
        cost += d * (1.0 + 0.25 * k as f64);
    }
    cost
}

#[test]
fn nearest_centers() {
    let x = [0.1, -0.7, 0.9, 0.35];
    for centers in [vec![-0.5, 0.5], vec![-1.0, 0.2, 1.1]] {
        let mut d = vec![0.0; centers.len()];
        let v = kmeans_cost_grad(&centers, &x, &mut d);
        check("kmeans_cost", &|p| kmeans_cost(p, &x), v, &d, &centers);
    }
}

/// `.clone()` of floats (clippy's `clone_on_copy`, but written): the value itself. Before, `let c
/// = x.clone();` was taken for a `Vec`'s copy ("the method `len`"). A buffer's clone in the
/// same body stays a copy.
#[gradient(wrt(x, y, w))]
#[allow(clippy::clone_on_copy)]
fn float_clones(x: f64, y: f64, w: &[f64]) -> f64 {
    let a = x * y;
    let b = a.clone();
    let c = x.clone();
    let v = w.to_vec();
    let u = v.clone();
    let s: f64 = u.iter().map(|t| t * b.clone()).sum();
    if y.clone() > 0.0 {
        b * c + y.clone().sin() + s
    } else {
        s - c.clone()
    }
}

#[test]
fn clones_of_floats() {
    for (x, y) in [(0.7, 1.3), (-0.4, -0.9)] {
        let w = [0.5, -1.5, 2.0];
        let mut d = [0.0; 3];
        let (v, [dx, dy]) = float_clones_grad(x, y, &w, &mut d);
        let mut all = vec![x, y];
        all.extend_from_slice(&w);
        let mut g = vec![dx, dy];
        g.extend_from_slice(&d);
        check(
            "float_clones",
            &|p| float_clones(p[0], p[1], &p[2..]),
            v,
            &g,
            &all,
        );
    }
}

/// Clones of floats bound by loops, closures and references.
#[gradient(wrt(x, w))]
#[allow(clippy::clone_on_copy)]
fn bound_float_clones(x: f64, w: &[f64]) -> f64 {
    let mut s = 0.0;
    for &v in w {
        s += v.clone() * x;
    }
    for v in w.iter() {
        s += v.clone().sin() * x.clone();
    }
    let g = |t: f64| t.clone() * 2.0;
    let r = &x;
    s + g(x) + r.clone() * (*r).clone() + w[1].clone()
}

#[test]
fn clones_of_bound_floats() {
    let w = [0.5, -1.5, 2.0];
    let mut d = [0.0; 3];
    let (v, [dx]) = bound_float_clones_grad(0.8, &w, &mut d);
    let mut all = vec![0.8];
    all.extend_from_slice(&w);
    let mut g = vec![dx];
    g.extend_from_slice(&d);
    check(
        "bound_float_clones",
        &|p| bound_float_clones(p[0], &p[1..]),
        v,
        &g,
        &all,
    );
}

/// Clones of a model's fields: a float field's clone is the float (where the body also reads
/// the field as a number: a field only ever cloned is taken for a sequence), a `Vec` field's a
/// copy; and clones of floats read through references and out of elements.
#[derive(Clone, grad::Params)]
struct Clonable {
    w: Vec<f64>,
    b: f64,
}

#[gradient(wrt(m))]
#[allow(clippy::clone_on_copy)]
fn clonable_loss(m: &Clonable, x: &[f64]) -> f64 {
    let w = m.w.clone();
    let b = m.b.clone();
    let first = w[0];
    let mut s = first.clone() * b;
    for (wi, xi) in w.iter().zip(x) {
        s += wi * xi + m.b.clone() * (*xi).clone();
    }
    s + 0.1 * m.b
}

#[test]
fn clones_of_fields() {
    let m = Clonable {
        w: vec![0.5, -1.25, 2.0],
        b: 0.75,
    };
    let x = [0.3, -0.6, 1.1];
    let mut d = Clonable {
        w: vec![0.0; 3],
        b: 0.0,
    };
    let v = clonable_loss_grad(&m, &x, &mut d);
    let p = [&m.w[..], &[m.b]].concat();
    let g = [&d.w[..], &[d.b]].concat();
    check(
        "clonable_loss",
        &|p| {
            clonable_loss(
                &Clonable {
                    w: p[..3].to_vec(),
                    b: p[3],
                },
                &x,
            )
        },
        v,
        &g,
        &p,
    );
}

/// Lifetimes named `'a` on the function and on the `impl` (the expansion's own bounds used `'a`
/// too, which shadowed them: E0496 at the attribute).
#[gradient(wrt(w), hvp)]
fn with_lifetime<'a>(w: &'a [f64], x: &'a [f64]) -> f64 {
    w.iter().zip(x).map(|(a, b)| (a * b).sin()).sum()
}

struct Borrowed<'a> {
    x: &'a [f64],
}

impl<'a> Borrowed<'a> {
    #[gradient(wrt(w), hvp)]
    fn loss(&self, w: &'a [f64]) -> f64 {
        w.iter().zip(self.x).map(|(a, b)| (a - b).powi(2)).sum()
    }
}

#[test]
fn lifetimes_named_a() {
    let (w, x) = ([0.3, -0.7], [1.5, 0.25]);
    let mut d = [0.0; 2];
    let v = with_lifetime_grad(&w, &x, &mut d);
    check("with_lifetime", &|p| with_lifetime(p, &x), v, &d, &w);
    let data = Borrowed { x: &x };
    let v = data.loss_grad(&w, &mut d);
    check("Borrowed::loss", &|p| data.loss(p), v, &d, &w);
}

/// Functions held in locals, loop variables and closure parameters, called on data (a basis of
/// functions): kept as written. Before: E0425 inside the expansion (the local's name was lost).
const BASIS: [fn(f64) -> f64; 3] = [f64::sin, f64::cos, f64::exp];

#[gradient(wrt(c, w))]
fn basis_fit(c: &[f64], w: f64, x: f64) -> f64 {
    let f: fn(f64) -> f64 = f64::tanh;
    let mut s = w * f(x);
    for (k, g) in BASIS.iter().enumerate() {
        s += c[k] * g(x);
    }
    s + BASIS
        .iter()
        .zip(c)
        .map(|(g, ci)| ci * g(0.5 * x))
        .sum::<f64>()
}

#[test]
fn functions_held_in_values() {
    let c = [0.4, -1.2, 0.7];
    let mut d = [0.0; 3];
    let (v, [dw]) = basis_fit_grad(&c, 0.9, 0.35, &mut d);
    let p = [&c[..], &[0.9]].concat();
    let g = [&d[..], &[dw]].concat();
    check("basis_fit", &|p| basis_fit(&p[..3], p[3], 0.35), v, &g, &p);
}

/// Sequences taken by value and written (`mut v: Vec<f64>`, `mut a: [f64; 3]`): refused before
/// ("a parameter cannot be written").
#[gradient]
fn doubled_in_place(mut v: Vec<f64>, mut a: [f64; 3], mut s: f64) -> f64 {
    for x in v.iter_mut() {
        *x *= 2.0;
    }
    a[1] = a[0] * a[2];
    for i in 1..3 {
        a[i] = a[i - 1] * 2.0 + a[i];
    }
    s = s.sin();
    v.iter().map(|x| x * x).sum::<f64>() + a.iter().sum::<f64>() * s
}

#[test]
fn sequences_by_value_written() {
    let (v, a, s) = (vec![0.5, -1.0], [1.5, 0.2, -0.4], 0.3);
    let (mut dv, mut da) = (vec![0.0; 2], [0.0; 3]);
    let (val, [ds]) = doubled_in_place_grad(v.clone(), a, s, &mut dv, &mut da);
    let p = [&v[..], &a, &[s]].concat();
    let g = [&dv[..], &da, &[ds]].concat();
    check(
        "doubled_in_place",
        &|p| doubled_in_place(p[..2].to_vec(), [p[2], p[3], p[4]], p[5]),
        val,
        &g,
        &p,
    );
}

/// Gaussian elimination with partial pivoting on a 3×3 matrix: rows swapped with `a.swap(i, p)`
/// (refused before), for an array matrix and a `Vec` of rows.
#[gradient]
fn solve3(m: &[f64], rhs: &[f64]) -> f64 {
    let mut a = [[0.0; 3]; 3];
    let mut b = [0.0; 3];
    for i in 0..3 {
        for j in 0..3 {
            a[i][j] = m[i * 3 + j];
        }
        b[i] = rhs[i];
    }
    for col in 0..3 {
        let mut p = col;
        for r in col + 1..3 {
            if a[r][col].abs() > a[p][col].abs() {
                p = r;
            }
        }
        a.swap(col, p);
        b.swap(col, p);
        for r in col + 1..3 {
            let f = a[r][col] / a[col][col];
            for j in col..3 {
                a[r][j] -= f * a[col][j];
            }
            b[r] -= f * b[col];
        }
    }
    let mut x = [0.0; 3];
    for i in (0..3).rev() {
        let mut s = b[i];
        for j in i + 1..3 {
            s -= a[i][j] * x[j];
        }
        x[i] = s / a[i][i];
    }
    x[0] + 2.0 * x[1] - x[2]
}

#[gradient]
fn swap_rows_of_vecs(p: &[f64]) -> f64 {
    let mut a = vec![vec![0.0; 2]; 3];
    for i in 0..3 {
        a[i][0] = p[i];
        a[i][1] = p[i] * p[(i + 1) % 3];
    }
    a.swap(0, 2);
    a[0][1] * 3.0 + a[2][0] - a[1][1]
}

#[test]
fn rows_swapped() {
    let m = [0.5, 2.0, -1.0, 3.0, 0.25, 1.0, -1.5, 1.0, 2.5];
    let rhs = [1.0, -2.0, 0.5];
    let (mut dm, mut db) = ([0.0; 9], [0.0; 3]);
    let v = solve3_grad(&m, &rhs, &mut dm, &mut db);
    let p = [&m[..], &rhs].concat();
    let g = [&dm[..], &db].concat();
    check("solve3", &|p| solve3(&p[..9], &p[9..]), v, &g, &p);
    let p = [0.3, -1.2, 0.8];
    let mut d = [0.0; 3];
    let v = swap_rows_of_vecs_grad(&p, &mut d);
    check("swap_rows_of_vecs", &|p| swap_rows_of_vecs(p), v, &d, &p);
}

/// A held iterator's first item taken in a `let` beside another reduction of the same slice
/// (`it.next().unwrap_or(0.0) * xs.iter().map(..).min_by(..).unwrap_or(0.0)`): the other
/// reduction's loop does not read the iterator. Refused before (found by the tester, seed 28).
#[gradient]
fn first_beside_reduction(xs: &[f64]) -> f64 {
    let mut v = 0.0;
    let mut it = xs.iter().copied();
    let mut st: f64 = it.next().unwrap_or(0.0)
        * xs.iter()
            .map(|&q| q * 2.0)
            .min_by(|a, b| a.total_cmp(b))
            .unwrap_or(0.0);
    for r in it {
        v += (r - st) * 0.5;
        st = r * st.tanh();
    }
    v + st
}

#[test]
fn held_first_item_beside_a_reduction() {
    let xs = [1.0, 2.5, -0.75, 0.4];
    let mut d = [0.0; 4];
    let v = first_beside_reduction_grad(&xs, &mut d);
    check(
        "first_beside_reduction",
        &|p| first_beside_reduction(p),
        v,
        &d,
        &xs,
    );
}

/// A list built by `once(..).chain(..)` of a layer's weights in a model's `Vec` of structs (the
/// rewrite reads such a row as `flat.iter().skip(a).take(b)`), and of a user's `skip`/`take`
/// window (tester seed 30, refused before: "the method `chain`").
#[derive(Clone, grad::Params)]
struct ChainLayer {
    w: Vec<f64>,
}

#[derive(Clone, grad::Params)]
struct ChainNet {
    layers: Vec<ChainLayer>,
}

#[gradient(wrt(net, x0))]
fn chained_rows(net: &ChainNet, xs: &[f64], x0: f64) -> f64 {
    let mut s = 0.0;
    for l in 0..net.layers.len() {
        let ob: Vec<f64> = std::iter::once(x0)
            .chain(net.layers[l].w.iter().copied())
            .collect();
        let win: Vec<f64> = std::iter::once(x0 * 0.5)
            .chain(xs.iter().skip(1).take(5).copied())
            .collect();
        s += ob[1] * ob[0] + ob[ob.len() - 1] * win[win.len() - 1];
    }
    s
}

#[test]
fn chains_of_rows() {
    let net = ChainNet {
        layers: vec![
            ChainLayer { w: vec![0.5, -1.0] },
            ChainLayer {
                w: vec![0.25, 2.0, -0.75],
            },
        ],
    };
    let xs = [0.3, -0.4, 0.8];
    let mut d = ChainNet {
        layers: vec![
            ChainLayer { w: vec![0.0; 2] },
            ChainLayer { w: vec![0.0; 3] },
        ],
    };
    let (v, [dx0]) = chained_rows_grad(&net, &xs, 0.7, &mut d);
    let p = [0.5, -1.0, 0.25, 2.0, -0.75, 0.7];
    let g = [&d.layers[0].w[..], &d.layers[1].w, &[dx0]].concat();
    check(
        "chained_rows",
        &|p| {
            let net = ChainNet {
                layers: vec![
                    ChainLayer { w: p[..2].to_vec() },
                    ChainLayer {
                        w: p[2..5].to_vec(),
                    },
                ],
            };
            chained_rows(&net, &xs, p[5])
        },
        v,
        &g,
        &p,
    );
}

/// An argsort that keeps the values beside the indices (`Vec<(usize, f64)>` from `enumerate`,
/// sorted by the values with any comparator), read by index, in loops with either pattern, in a
/// reduction after `take`/`skip`, and by a name's fields; of a parameter and of a local buffer.
#[gradient]
fn sorted_pairs(w: &[f64]) -> f64 {
    let mut v: Vec<(usize, f64)> = w.iter().copied().enumerate().collect();
    v.sort_by(|a, b| a.1.partial_cmp(&b.1).unwrap());
    // The sequence read in a `vec!` and its name bound again before the pairs are read.
    let tail = vec![w[1], 0.5];
    let mut s = tail[0] * tail[1];
    for w in 0..2 {
        s += w as f64 * 0.25;
    }
    s += v[0].1 * 3.0 + v[1].1 + v[0].0 as f64;
    let mut d: Vec<_> = w.iter().enumerate().map(|(i, &x)| (i, x)).collect();
    d.sort_by(|a, b| b.1.total_cmp(&a.1));
    for &(i, x) in d.iter().take(2) {
        s += x * (i as f64 + 1.0);
    }
    for (i, x) in &d {
        s += x.sin() * *i as f64;
    }
    s += d.iter().skip(1).map(|&(_, x)| x * x).sum::<f64>();
    s += d.iter().map(|p| p.1 * p.0 as f64).sum::<f64>();
    let sq: Vec<f64> = w.iter().map(|x| x * x - x).collect();
    let mut e: Vec<(usize, f64)> = sq.iter().cloned().enumerate().collect();
    e.sort_unstable_by(|&(_, a), &(_, b)| a.partial_cmp(&b).unwrap());
    s + e[e.len() - 1].1 - e[0].1
}

/// The same with the value first (`Vec<(f64, usize)>` of `zip(0..)` or a turned `map`), and
/// the pairs numbered by rank (`for (r, &(x, i)) in v.iter().enumerate()`, a ranking loss).
#[gradient]
fn ranked_pairs(w: &[f64]) -> f64 {
    let mut v: Vec<(f64, usize)> = w.iter().copied().zip(0..).collect();
    v.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap());
    let by_rank: f64 = v
        .iter()
        .enumerate()
        .map(|(rank, (x, _))| x * rank as f64)
        .sum();
    let mut d: Vec<(f64, usize)> = w.iter().enumerate().map(|(i, &x)| (x, i)).collect();
    d.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut s = d[0].0 * d[d.len() - 1].1 as f64;
    for (r, &(x, i)) in d.iter().enumerate() {
        s += x * (r as f64 + 0.5) / (i as f64 + 1.0);
    }
    by_rank + s
}

/// Pairs of positions and values computed from the items (`(i, w * w)`), collected from a
/// `map` over `enumerate()` or a range from 0, or pushed in a loop (a top-k), the value first
/// or second; one pair taken apart whole (`let (i, e) = v[0];`).
#[gradient]
fn computed_pairs(w: &[f64]) -> f64 {
    let mut top = Vec::new();
    for (i, &x) in w.iter().enumerate() {
        top.push((i, x * x - 0.1 * x));
    }
    top.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap());
    let best: f64 = top.iter().take(2).map(|&(i, v)| v * (i as f64 + 1.0)).sum();
    let mut by_range: Vec<(usize, f64)> = (0..w.len()).map(|i| (i, w[i].sin() * 2.0)).collect();
    by_range.sort_by(|a, b| a.1.total_cmp(&b.1));
    let (at, low) = by_range[0];
    let mut scored: Vec<(f64, usize)> = w
        .iter()
        .enumerate()
        .map(|(i, &x)| (x * (i as f64 + 0.5), i))
        .collect();
    scored.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap());
    let (least, where_) = scored[0];
    best + low * w[at] + least * w[where_] + by_range[by_range.len() - 1].1
}

#[test]
fn argsort_with_values() {
    let x = [0.3, -0.5, 0.9, 1.2, -0.1];
    let mut d = [f64::NAN; 5];
    let v = computed_pairs_grad(&x, &mut d);
    check("computed_pairs", &computed_pairs, v, &d, &x);
    let v = sorted_pairs_grad(&x, &mut d);
    check("sorted_pairs", &sorted_pairs, v, &d, &x);
    let v = ranked_pairs_grad(&x, &mut d);
    check("ranked_pairs", &ranked_pairs, v, &d, &x);
}

/// Pairs of floats sorted by one component (`Vec<(f64, f64)>` collected from a `zip` or a
/// `map`, and rows `Vec<[f64; 2]>`), by any comparator of two of them, then read by windows (a
/// trapezoid rule), by rank, by index and end to end; a buffer sorted by a key other than its
/// values (`a.abs()`, a square reversed). Each derivative follows the values to where the
/// sort puts them; the permutation is the one the user's sort finds.
#[gradient(wrt(w))]
fn sorted_by_component(w: &[f64], xs: &[f64]) -> f64 {
    let mut pts: Vec<(f64, f64)> = xs
        .iter()
        .map(|&x| (x + w[2], w[0] * x * x + w[1]))
        .collect();
    pts.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap());
    let mut area = 0.0;
    for win in pts.windows(2) {
        area += (win[1].0 - win[0].0) * (win[1].1 + win[0].1) / 2.0;
    }
    let rough: f64 = pts.windows(2).map(|p| (p[1].1 - p[0].1).powi(2)).sum();
    let mut pairs: Vec<(f64, f64)> = w.iter().zip(xs).map(|(&a, &b)| (a * b, a)).collect();
    pairs.sort_unstable_by(|&(a, _), &(b, _)| b.partial_cmp(&a).unwrap());
    let mut ranked = 0.0;
    for (i, &(p, t)) in pairs.iter().enumerate() {
        ranked += p * t.sin() * (i as f64 + 1.0);
    }
    let mut rows: Vec<[f64; 2]> = w.chunks_exact(2).map(|c| [c[0], c[1].sin()]).collect();
    rows.sort_by(|a, b| (a[1] * a[0]).total_cmp(&(b[1] * b[0])));
    let ends = rows[0][1] * 2.0 - rows[rows.len() - 1][0];
    let by_rank: f64 = rows
        .iter()
        .enumerate()
        .map(|(i, r)| r[0] * i as f64 + r[1])
        .sum();
    let zipped: f64 = rows.iter().zip(xs).map(|(r, x)| r[0] * x).sum();
    let mut v: Vec<f64> = w.iter().map(|x| x * 2.0 - 0.5).collect();
    v.sort_by(|a, b| a.abs().partial_cmp(&b.abs()).unwrap());
    let mut u = w.to_vec();
    u.sort_unstable_by(|&a, &b| (a * a).total_cmp(&(b * b)).reverse());
    area + rough + ranked + ends + by_rank + zipped + v[0] * 3.0 + v[v.len() - 1] + u[0] * u[1]
}

#[test]
fn sorted_by_a_component() {
    // (No two keys of a sort equal: reading another component than the key jumps there.)
    let w = [0.3, -0.2, 0.9, 0.15, -0.7];
    let xs = [1.0, -2.0, 0.5, 2.5, 0.25];
    let mut d = [f64::NAN; 5];
    let v = sorted_by_component_grad(&w, &xs, &mut d);
    check(
        "sorted_by_component",
        &|w: &[f64]| sorted_by_component(w, &xs),
        v,
        &d,
        &w,
    );
}

/// Rows read through `rev()`, `skip(k)`, `take(k)`, `step_by(k)` (then `enumerate()`, whose
/// count is then not the row's number), in loops and in reductions; a range reduced after
/// `skip(..).enumerate()` and folded after `rev().enumerate()` with a pattern of the pairs.
#[gradient]
fn rows_adapted(w: &[f64]) -> f64 {
    let mut pts: Vec<(f64, f64)> = w.iter().map(|&x| (x, x * x)).collect();
    pts.sort_by(|a, b| {
        a.0.partial_cmp(&b.0)
            .unwrap()
            .then(a.1.partial_cmp(&b.1).unwrap())
    });
    let mut s = pts.iter().rev().map(|p| p.0 * p.1).sum::<f64>()
        + pts
            .iter()
            .skip(1)
            .enumerate()
            .map(|(i, p)| p.1 * i as f64)
            .sum::<f64>();
    let mut m = vec![[0.0; 2]; w.len()];
    for i in 0..w.len() {
        m[i][0] = w[i];
        m[i][1] = w[i] * 2.0;
    }
    for (k, row) in m.iter().rev().take(2).enumerate() {
        s += row[0] * (k as f64 + 1.0) + row[1].sin();
    }
    for &[a, b] in m.iter().step_by(2) {
        s += a * b;
    }
    s += (0..w.len())
        .skip(1)
        .enumerate()
        .map(|(i, r)| w[r] * i as f64)
        .sum::<f64>();
    s + (0..w.len())
        .rev()
        .enumerate()
        .fold(0.0, |acc, (i, r)| acc * 0.5 + w[r].sin() * i as f64)
}

#[test]
fn rows_through_adaptors() {
    let w = [0.3, -0.2, 0.9, 0.1, -0.45];
    let mut d = [f64::NAN; 5];
    let v = rows_adapted_grad(&w, &mut d);
    check("rows_adapted", &rows_adapted, v, &d, &w);
}

/// A particle of a simulation, data of the caller.
#[derive(Clone, Copy)]
struct Particle {
    x: f64,
    v: f64,
    m: f64,
}

/// A `Vec` of the user's structs as a simulation keeps its state: copied from data
/// (`to_vec()`, `iter().copied().collect()`) or made by `vec![P { .. }; n]` with a
/// differentiated field, moved by loops over `iter_mut()` (with `enumerate`), by index with
/// neighbours and through `let p = &mut ps[i];`, read by a `map` summed with and without a
/// turbofish, by a loop and by index.
#[gradient(jvp, hvp, wrt(k, c))]
fn springs(k: f64, c: f64, init: &[Particle]) -> f64 {
    let mut ps: Vec<Particle> = init.to_vec();
    let n = ps.len();
    for _ in 0..5 {
        for i in 1..n {
            let f = k * (ps[i].x - ps[i - 1].x - 1.0);
            ps[i].v -= f * 0.1;
            ps[i - 1].v += f * 0.1;
        }
        for (j, p) in ps.iter_mut().enumerate() {
            p.v *= 1.0 - c * 0.01 * (j as f64 + 1.0);
            p.x += p.v * 0.1 / p.m;
        }
        let p = &mut ps[0];
        p.v += -k * p.x * 0.05;
    }
    // Forces collected, then zipped with the particles.
    let forces: Vec<f64> = ps.iter().map(|p| -k * p.x).collect();
    for (p, &f) in ps.iter_mut().zip(&forces) {
        p.v += f * 0.1;
    }
    // A copy keeps the values it had; an element given anew, whole.
    for i in 0..ps.len() {
        let p = ps[i];
        ps[i].x = p.x + c * p.v;
        ps[i].v = p.x * 0.5 + p.v;
    }
    ps[1] = Particle {
        x: ps[0].x * k,
        v: ps[1].v + ps[0].x,
        m: 2.0,
    };
    // Reordered: two swapped, then sorted by position.
    ps.swap(0, n - 1);
    ps.sort_by(|a, b| a.x.partial_cmp(&b.x).unwrap());
    let mut first = ps[0];
    first.x *= 2.0;
    let mut energy = first.x;
    for p in &ps {
        energy += 0.5 * p.m * p.v * p.v;
    }
    let mut qs = init.iter().copied().collect::<Vec<_>>();
    for p in qs.iter_mut() {
        p.x += c * p.v;
    }
    let spread: f64 = qs.iter().map(|p| p.x * p.x).sum();
    let mut grid = vec![
        Particle {
            x: 0.0,
            v: k,
            m: 1.0
        };
        3
    ];
    for (i, p) in grid.iter_mut().enumerate() {
        p.x = i as f64 + p.v * c;
    }
    energy + spread + grid.iter().map(|p| p.x.sin() * p.m).sum::<f64>() + ps[ps.len() - 1].x
}

/// A body of an n-body simulation: its number is no float.
#[derive(Clone, Copy)]
struct Mass {
    pos: f64,
    vel: f64,
    mass: f64,
    id: usize,
}

/// Structs made from the parameters by `(0..n).map(|i| Mass { .. }).collect()` (a field of
/// integers among them, computed again where it is read) and from a slice's items.
#[gradient]
fn bodies(x0: &[f64], masses: &[f64]) -> f64 {
    let mut bodies: Vec<Mass> = (0..x0.len())
        .map(|i| Mass {
            pos: x0[i],
            vel: 0.0,
            mass: masses[i],
            id: i,
        })
        .collect();
    for _ in 0..4 {
        for i in 0..bodies.len() {
            let mut f = 0.0;
            for j in 0..bodies.len() {
                if i != j {
                    let d = bodies[j].pos - bodies[i].pos;
                    f += bodies[j].mass * d / (d * d + 0.1).powf(1.5);
                }
            }
            bodies[i].vel += f * 0.05;
        }
        for b in bodies.iter_mut() {
            b.pos += b.vel * 0.05;
        }
    }
    let mut ps: Vec<Mass> = masses
        .iter()
        .map(|&m| Mass {
            pos: m,
            vel: m * 0.5,
            mass: 2.0,
            id: 0,
        })
        .collect();
    for p in &mut ps {
        p.pos += p.vel / p.mass;
    }
    let last = &ps[ps.len() - 1];
    // Grown by `push` in a loop.
    let mut grown = Vec::new();
    for &m in masses {
        grown.push(Particle {
            x: m,
            v: m.sin(),
            m: 1.0,
        });
    }
    for g in &mut grown {
        g.x -= g.v * 0.5 * g.m;
    }
    let spread = grown.iter().map(|g| g.x * g.x).sum::<f64>() / grown.len() as f64;
    spread
        + bodies
            .iter()
            .map(|b| b.pos * (b.id as f64 + 1.0))
            .sum::<f64>()
        + last.pos * ps[0].vel
        + ps.iter().map(|p| p.pos.powi(2)).sum::<f64>()
}

/// A point of a curve.
#[derive(Clone, Copy)]
struct Knot {
    x: f64,
    y: f64,
}

/// Structs built from a differentiated slice's chunks (refused before, as the UI case
/// `err_struct_collection` showed).
#[gradient]
fn chunked_points(c: &[f64]) -> f64 {
    let pts: Vec<Knot> = c.chunks(2).map(|c| Knot { x: c[0], y: c[1] }).collect();
    pts[0].x * pts[1].y + pts.iter().map(|p| p.x.sin() * p.y).sum::<f64>()
}

#[test]
fn structs_in_a_vec() {
    let c = [1.0, 2.0, 3.0, 4.0];
    let mut dc = [f64::NAN; 4];
    let v = chunked_points_grad(&c, &mut dc);
    check("chunked_points", &chunked_points, v, &dc, &c);
    let x0 = [0.0, 1.0, 2.5];
    let ms = [1.0, 2.0, 0.5];
    let (mut dx, mut dm) = ([f64::NAN; 3], [f64::NAN; 3]);
    let v = bodies_grad(&x0, &ms, &mut dx, &mut dm);
    check("bodies", &|x: &[f64]| bodies(x, &ms), v, &dx, &x0);
    check("bodies", &|m: &[f64]| bodies(&x0, m), v, &dm, &ms);
    let init: Vec<Particle> = (0..4)
        .map(|i| Particle {
            x: f64::from(i) * 0.5 - 0.7,
            v: 0.1 * f64::from(i),
            m: 1.0 + f64::from(i),
        })
        .collect();
    let (v, g) = springs_grad(1.3, 0.7, &init);
    check(
        "springs",
        &|p: &[f64]| springs(p[0], p[1], &init),
        v,
        &g,
        &[1.3, 0.7],
    );
    // Forward mode and the Hessian read the same buffers.
    let (vj, dj) = springs_jvp(1.3, 0.7, &init, 0.5, -1.0);
    assert_eq!(vj.to_bits(), v.to_bits());
    assert!((dj - (0.5 * g[0] - g[1])).abs() < 1e-12 * (1.0 + dj.abs()));
    let (_, _, h) = springs_hessian(1.3, 0.7, &init);
    let e = 1e-5;
    for a in 0..2 {
        let mut up = [1.3, 0.7];
        let mut down = up;
        up[a] += e;
        down[a] -= e;
        let gu = springs_grad(up[0], up[1], &init).1;
        let gd = springs_grad(down[0], down[1], &init).1;
        for b in 0..2 {
            let fd = (gu[b] - gd[b]) / (2.0 * e);
            assert!(
                (h[a][b] - fd).abs() < 1e-6 * (1.0 + fd.abs()),
                "h[{a}][{b}] = {} vs {fd}",
                h[a][b]
            );
        }
    }
}

#[gradient]
fn weigh(a: f64, b: f64, s: &[f64]) -> f64 {
    a * s[0] + s[1] * b
}

/// A range reduction whose closure passes an array it lists (`&[ws[0][0], ws[0][1]]`, of data)
/// to a helper, where the reduction is assigned (`r = ..`, `r += ..`) or one term of a larger
/// value: the array is hoisted in the loop the reduction becomes, as in a `let` of its own
/// (the call was given data of a type the macro could not see before, E0061).
#[allow(clippy::ptr_arg, unused_assignments)]
#[gradient(wrt(x))]
fn listed_in_reductions(x: f64, ws: &Vec<Vec<f64>>) -> f64 {
    let mut r: f64 = 0.0;
    r = (0..3)
        .map(|i| i as f64 * weigh(x, x, &[ws[0][0], ws[0][1]]))
        .sum::<f64>();
    r += (0..2)
        .map(|i| weigh(x * i as f64, 0.5, &[ws[1][0], x]))
        .sum::<f64>();
    let s: f64 = 1.0
        + (0..3)
            .map(|i| i as f64 * weigh(x, x, &[ws[0][1], 2.0]))
            .sum::<f64>();
    r * s
}

#[test]
fn arrays_listed_in_reductions() {
    let ws = vec![vec![0.5, -1.5], vec![2.0, 0.25]];
    let (v, [d]) = listed_in_reductions_grad(0.7, &ws);
    check(
        "listed_in_reductions",
        &|p: &[f64]| listed_in_reductions(p[0], &ws),
        v,
        &[d],
        &[0.7],
    );
}

/// Every k-th item across two chained slices (`chain(..).step_by(k)`), in a reduction with and
/// without a `map`, and in a loop.
#[gradient]
fn chained_steps(a: &[f64], b: &[f64]) -> f64 {
    let s1: f64 = a.iter().chain(b.iter()).step_by(2).map(|v| v * v).sum();
    let mut s2 = 0.0;
    for &v in a.iter().chain(b).step_by(3) {
        s2 += v.sin();
    }
    let s3: f64 = a
        .iter()
        .copied()
        .chain(b.iter().copied())
        .step_by(2)
        .sum::<f64>()
        + a.iter().chain(b).step_by(2).sum::<f64>();
    s1 + s2 * s3
}

#[test]
fn chains_stepped() {
    let a = [0.3, -0.2, 0.9];
    let b = [1.5, 0.7, -0.4, 0.25];
    let (mut da, mut db) = ([f64::NAN; 3], [f64::NAN; 4]);
    let v = chained_steps_grad(&a, &b, &mut da, &mut db);
    check(
        "chained_steps",
        &|a: &[f64]| chained_steps(a, &b),
        v,
        &da,
        &a,
    );
    check(
        "chained_steps",
        &|b: &[f64]| chained_steps(&a, b),
        v,
        &db,
        &b,
    );
}

/// A particle in the plane: its position and velocity are arrays.
#[derive(Clone, Copy)]
struct Planar {
    pos: [f64; 2],
    vel: [f64; 2],
    m: f64,
}

/// Structs with fields of arrays, copied from data or made by `vec![P { .. }; n]`, stepped
/// component by component (`p.pos[d] += ..`), read by index, by `iter()` and `len()`.
#[gradient(wrt(k))]
fn planar(k: f64, init: &[Planar]) -> f64 {
    let mut ps = init.to_vec();
    for _ in 0..3 {
        for p in ps.iter_mut() {
            for d in 0..2 {
                p.vel[d] -= k * p.pos[d] / p.m * 0.1;
                p.pos[d] += p.vel[d] * 0.1;
            }
        }
    }
    let mut grid = vec![
        Planar {
            pos: [1.0, -0.5],
            vel: [0.0; 2],
            m: 2.0
        };
        3
    ];
    for (i, g) in grid.iter_mut().enumerate() {
        g.pos[0] += i as f64 * k;
        g.vel[1] = g.pos[0] * k / g.m;
    }
    ps.iter()
        .map(|p| p.pos.iter().map(|x| x * x).sum::<f64>())
        .sum::<f64>()
        + ps[0].vel[1]
        + grid
            .iter()
            .map(|g| g.pos[0] * g.vel[1] + g.pos[1] * g.pos.len() as f64)
            .sum::<f64>()
}

#[test]
fn structs_with_arrays() {
    let init = [
        Planar {
            pos: [0.5, 1.0],
            vel: [-0.25, 0.0],
            m: 1.0,
        },
        Planar {
            pos: [1.5, -0.5],
            vel: [0.75, 0.1],
            m: 2.0,
        },
    ];
    let (v, g) = planar_grad(1.3, &init);
    check("planar", &|p: &[f64]| planar(p[0], &init), v, &g, &[1.3]);
}

/// `%` on floats (the truncated remainder, as in C's `fmod`), in every position: operands
/// differentiated on either side or both, a constant divisor with and without a suffix, a
/// `const`, compound `%=` on a local and an element, in a loop body, a condition, a closure, a
/// reduction, a call argument and a receiver; integers' `%` beside it stays an index.
const PERIOD: f64 = 2.5;

#[gradient(jvp, hvp)]
fn remainders(x: f64, y: f64, w: &[f64]) -> f64 {
    let wrap = |t: f64| t % PERIOD;
    let mut acc = (x * 3.0) % 2.0_f64 + 5.0 % (y + 3.0) + (x * y) % (y + 2.0);
    acc %= 4.0;
    let mut buf = w.to_vec();
    for (i, v) in buf.iter_mut().enumerate() {
        *v %= 1.5 + i as f64 % 2.0;
    }
    for i in 0..w.len() {
        if w[i] % 1.0 > 0.5 {
            acc += (w[i] % 0.75).sin();
        } else {
            acc -= wrap(w[i] * x);
        }
    }
    let s: f64 = buf.iter().map(|v| (v % 0.9) * v).sum();
    acc + s + (x % 0.7).exp() + f64::sqrt(y % 1.1 + 1.0)
}

#[test]
fn float_remainders() {
    let w = [0.3, -1.7, 2.45, 3.1];
    let (x, y) = (1.3, 0.6);
    let mut dw = [f64::NAN; 4];
    let (v, [dx, dy]) = remainders_grad(x, y, &w, &mut dw);
    assert_eq!(v.to_bits(), remainders(x, y, &w).to_bits());
    check(
        "remainders x y",
        &|p: &[f64]| remainders(p[0], p[1], &w),
        v,
        &[dx, dy],
        &[x, y],
    );
    check("remainders w", &|w: &[f64]| remainders(x, y, w), v, &dw, &w);
    // The directional derivative is the gradient along the direction.
    let vw = [0.5, -0.25, 1.0, 0.125];
    let (jv, dd) = remainders_jvp(x, y, &w, 0.3, -0.7, &vw);
    let expect = 0.3 * dx - 0.7 * dy + dw.iter().zip(&vw).map(|(a, b)| a * b).sum::<f64>();
    assert_eq!(jv.to_bits(), v.to_bits());
    assert!(
        (dd - expect).abs() < 1e-12 * (1.0 + expect.abs()),
        "{dd} {expect}"
    );
}

/// Tuples of floats as parameters (`p: (f64, f64)`, `&(f64, f64)`, as Enzyme's tests pass them),
/// read by field and destructured; parameters given as patterns, `(a, b): (f64, f64)` and
/// `&(lo, hi): &(usize, usize)`; the gradient in a tuple, `d_p: &mut (f64, f64)`, in every mode;
/// a vector-valued function of tuples.
#[gradient(jvp, hvp)]
fn tuple_params(p: (f64, f64), q: &(f64, f64, f64), s: f64) -> f64 {
    if q.0 > 1.0e30 {
        eprintln!("{:.3} is large", q.0);
    }
    let (px, py) = p;
    px * q.0 + (py - q.1).powi(2) * s + q.2.sin() * p.1
}

#[gradient(wrt(w))]
fn pattern_params(w: &[f64], (a, b): (f64, f64), &(lo, hi): &(usize, usize)) -> f64 {
    w[lo..hi].iter().map(|v| (a * v - b).powi(2)).sum()
}

#[gradient]
fn pattern_floats((a, b): (f64, f64), [c, d]: [f64; 2]) -> f64 {
    a * b.exp() + c / (1.0 + d * d)
}

/// A matrix taken by value, `[[f64; 2]; 2]`, beside a vector by value.
#[gradient(jvp, hvp)]
fn matrix_by_value(m: [[f64; 2]; 2], v: [f64; 2]) -> f64 {
    let mv = [
        m[0][0] * v[0] + m[0][1] * v[1],
        m[1][0] * v[0] + m[1][1] * v[1],
    ];
    mv.iter().map(|x| x * x).sum::<f64>() + (m[0][0] * m[1][1] - m[0][1] * m[1][0]).powi(2)
}

#[gradient]
fn lerp_pair(a: (f64, f64), b: (f64, f64), t: f64) -> (f64, f64) {
    (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t)
}

#[test]
fn tuples_as_parameters() {
    let (p, q, s) = ((0.7, -0.3), (1.5, 0.25, 2.0), 1.25);
    let (mut dp, mut dq) = ((f64::NAN, f64::NAN), (f64::NAN, f64::NAN, f64::NAN));
    let (v, [ds]) = tuple_params_grad(p, &q, s, &mut dp, &mut dq);
    let flat = [p.0, p.1, q.0, q.1, q.2, s];
    let at = |x: &[f64]| tuple_params((x[0], x[1]), &(x[2], x[3], x[4]), x[5]);
    check(
        "tuple_params",
        &at,
        v,
        &[dp.0, dp.1, dq.0, dq.1, dq.2, ds],
        &flat,
    );
    let (jv, dot) = tuple_params_jvp(p, &q, s, &(1.0, 0.5), &(-1.0, 0.0, 2.0), 0.25);
    let want = dp.0 - dq.0 + 0.5 * dp.1 + 2.0 * dq.2 + 0.25 * ds;
    assert_eq!(jv.to_bits(), v.to_bits());
    assert!((dot - want).abs() < 1e-12, "{dot} {want}");
    let mut hess = [0.0; 36];
    let (mut d1, mut d2) = ((0.0, 0.0), (0.0, 0.0, 0.0));
    let (hv, [hs]) = tuple_params_hessian(p, &q, s, &mut d1, &mut d2, &mut hess);
    assert_eq!((hv.to_bits(), hs.to_bits()), (v.to_bits(), ds.to_bits()));
    // ∂²/∂py² = 2s (entries: s, then p's two, then q's three), ∂²/∂py∂q2 = cos(q2).
    assert!((hess[2 * 6 + 2] - 2.0 * s).abs() < 1e-12, "{hess:?}");
    assert!((hess[2 * 6 + 5] - q.2.cos()).abs() < 1e-12, "{hess:?}");

    let w = [0.5, -1.0, 2.0, 0.25];
    let mut dw = [f64::NAN; 4];
    let v = pattern_params_grad(&w, (1.5, 0.5), &(1, 3), &mut dw);
    check(
        "pattern_params",
        &|w: &[f64]| pattern_params(w, (1.5, 0.5), &(1, 3)),
        v,
        &dw,
        &w,
    );
    let (mut dab, mut dcd) = ((f64::NAN, f64::NAN), [f64::NAN; 2]);
    let v = pattern_floats_grad((0.5, -0.25), [2.0, 0.75], &mut dab, &mut dcd);
    check(
        "pattern_floats",
        &|x: &[f64]| pattern_floats((x[0], x[1]), [x[2], x[3]]),
        v,
        &[dab.0, dab.1, dcd[0], dcd[1]],
        &[0.5, -0.25, 2.0, 0.75],
    );

    let (m, v) = ([[1.0, 0.5], [0.25, -0.75]], [0.3, 0.7]);
    let (mut dm, mut dv) = ([[f64::NAN; 2]; 2], [f64::NAN; 2]);
    let value = matrix_by_value_grad(m, v, &mut dm, &mut dv);
    let at = |x: &[f64]| matrix_by_value([[x[0], x[1]], [x[2], x[3]]], [x[4], x[5]]);
    let grad: Vec<f64> = dm.iter().flatten().chain(&dv).copied().collect();
    check(
        "matrix_by_value",
        &at,
        value,
        &grad,
        &[1.0, 0.5, 0.25, -0.75, 0.3, 0.7],
    );
    let (jv, dot) = matrix_by_value_jvp(m, v, &[[1.0, 0.0], [0.0, 0.0]], &[0.0, 1.0]);
    assert_eq!(jv.to_bits(), value.to_bits());
    assert!((dot - dm[0][0] - dv[1]).abs() < 1e-12, "{dot}");

    // The vector–Jacobian product of a function of tuples: (1 − t, t) on each component.
    let (mut da, mut db) = ((0.0, 0.0), (0.0, 0.0));
    let (r, [dt]) = lerp_pair_vjp((1.0, 2.0), (3.0, 5.0), 0.25, &[1.0, 10.0], &mut da, &mut db);
    assert_eq!(r, lerp_pair((1.0, 2.0), (3.0, 5.0), 0.25));
    assert_eq!((da, db, dt), ((0.75, 7.5), (0.25, 2.5), 32.0));
}

/// Slice patterns that bind the rest (`[x, y, rest @ ..]`, `[first, mid @ .., last]`) over a
/// differentiated slice, in `if let`, `match` and `let .. else`, the rest read as a part of the
/// slice; and a `Vec` row picked by `max_by` and `.cloned()`, from data and from differentiated
/// rows.
#[gradient(wrt(w))]
fn rest_patterns(w: &[f64], k: &[usize]) -> f64 {
    let a = if let [x, y, rest @ ..] = w {
        x * y + rest.iter().map(|v| v * v).sum::<f64>()
    } else {
        0.0
    };
    let b = match w {
        [] => 0.0,
        [only] => only.sin(),
        [first, mid @ .., last] => first * last + mid.iter().sum::<f64>().powi(2),
    };
    let [head, tail @ ..] = w else {
        return a + b;
    };
    let [k0, ks @ ..] = k else { return 1.0 };
    let c = tail.iter().zip(ks).map(|(t, &j)| t * j as f64).sum::<f64>();
    // `k0` is a `&usize` there, as in any `let .. else` over a borrowed slice.
    a + b + head.exp() * c * (*k0 * *k0) as f64
}

#[gradient(wrt(ws, s))]
fn picked_rows(ws: &[Vec<f64>], data: &[Vec<f64>], s: f64) -> f64 {
    let best = ws
        .iter()
        .max_by(|a, b| (a[0] * s).total_cmp(&(b[0] * s)))
        .cloned()
        .unwrap();
    let near = data
        .iter()
        .min_by(|a, b| a[1].total_cmp(&b[1]))
        .cloned()
        .unwrap();
    best[0] * best[1] * s + near[0] * s
}

#[test]
fn rest_of_slices_and_picked_rows() {
    let w = [0.5, -1.0, 2.0, 0.25, 0.75];
    let k = [2, 1, 3];
    let mut dw = [f64::NAN; 5];
    let v = rest_patterns_grad(&w, &k, &mut dw);
    check(
        "rest_patterns",
        &|w: &[f64]| rest_patterns(w, &k),
        v,
        &dw,
        &w,
    );
    let ws = vec![vec![1.0, 2.0], vec![3.0, 4.0], vec![-1.0, 0.5]];
    let data = vec![vec![0.5, 3.0], vec![2.0, -1.0]];
    let mut dws = vec![vec![f64::NAN; 2]; 3];
    let (v, [ds]) = picked_rows_grad(&ws, &data, 0.5, &mut dws);
    let flat: Vec<f64> = ws.iter().flatten().copied().chain([0.5]).collect();
    let at = |p: &[f64]| {
        let rows: Vec<Vec<f64>> = p[..6].chunks(2).map(<[f64]>::to_vec).collect();
        picked_rows(&rows, &data, p[6])
    };
    let grad: Vec<f64> = dws.iter().flatten().copied().chain([ds]).collect();
    check("picked_rows", &at, v, &grad, &flat);
}

/// A fold whose accumulator is a vector, the forward pass through layers written the functional
/// way: `layers.iter().fold(x.to_vec(), |h, layer| layer.forward(&h))`, over a model's `Vec` of
/// layers (a `#[gradient]` method returning the activations).
#[derive(Clone, grad::Params)]
struct FoldLayer {
    w: Vec<f64>,
    b: Vec<f64>,
}

#[gradient]
impl FoldLayer {
    #[gradient]
    fn forward(&self, x: &[f64]) -> Vec<f64> {
        let n_in = x.len();
        (0..self.b.len())
            .map(|o| {
                let z: f64 = (0..n_in).map(|i| self.w[o * n_in + i] * x[i]).sum::<f64>();
                (z + self.b[o]).tanh()
            })
            .collect()
    }
}

#[derive(Clone, grad::Params)]
struct FoldNet {
    layers: Vec<FoldLayer>,
}

#[gradient]
impl FoldNet {
    #[gradient]
    fn loss(&self, x: &[f64], y: f64) -> f64 {
        let out = self
            .layers
            .iter()
            .fold(x.to_vec(), |h, layer| layer.forward(&h));
        (out[0] - y).powi(2)
    }
}

#[test]
fn folds_over_layers() {
    use grad::Params;
    let net = FoldNet {
        layers: vec![
            FoldLayer {
                w: vec![0.1, -0.2, 0.3, 0.4],
                b: vec![0.0, 0.1],
            },
            FoldLayer {
                w: vec![0.5, -0.5],
                b: vec![0.2],
            },
        ],
    };
    let x = [1.0, 2.0];
    let mut d = net.zeros_like();
    let v = net.loss_grad(&x, 0.5, &mut d);
    check(
        "fold over layers",
        &|p: &[f64]| net.with_flat(p).loss(&x, 0.5),
        v,
        &d.to_flat(),
        &net.to_flat(),
    );
}

/// A simulation's state copied from a struct given as data (`let mut s = s0;`, also
/// `s0.clone()`), then stepped by whole-struct assignments; and `*r` of an array taken by
/// reference handed by value to a `#[gradient]` helper.
#[gradient(wrt(c))]
fn damped_from(c: f64, s0: State, s1: &State, dt: f64) -> f64 {
    let mut s = s0;
    for _ in 0..20 {
        let a = -s.pos - c * s.vel;
        s = State {
            pos: s.pos + dt * s.vel,
            vel: s.vel + dt * a,
        };
    }
    let mut t = s1.clone();
    t = State {
        pos: t.pos * c,
        vel: t.vel,
    };
    s.pos * s.pos + t.pos
}

#[gradient]
fn cross3(a: [f64; 3], b: [f64; 3]) -> (f64, f64, f64) {
    (
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    )
}

#[gradient(wrt(r))]
fn torque_norm(r: &[f64; 3], f: [f64; 3]) -> f64 {
    let (tx, ty, tz) = cross3(*r, f);
    (tx * tx + ty * ty + tz * tz).sqrt()
}

#[test]
fn states_copied_and_arrays_dereferenced() {
    let (s0, s1) = (State { pos: 1.0, vel: 0.0 }, State { pos: 0.5, vel: 2.0 });
    let (v, [dc]) = damped_from_grad(0.3, s0, &s1, 0.1);
    check(
        "damped_from",
        &|p: &[f64]| damped_from(p[0], s0, &s1, 0.1),
        v,
        &[dc],
        &[0.3],
    );
    let (r, f) = ([1.0, 0.5, -0.2], [0.3, 0.1, 0.9]);
    let mut dr = [f64::NAN; 3];
    let v = torque_norm_grad(&r, f, &mut dr);
    check(
        "torque_norm",
        &|p: &[f64]| torque_norm(&[p[0], p[1], p[2]], f),
        v,
        &dr,
        &r,
    );
}

/// A three-dimensional array `&[[[T; N]; M]; K]` (a volume, `std::autodiff`'s `array3d` test):
/// read as `x[i][j][k]` and `x.len()`, its gradient, tangent and product of its own shape.
#[gradient(jvp, hvp)]
fn volume(x: &[[[f64; 2]; 2]; 2], w: f64) -> f64 {
    let mut sum = 0.0;
    for i in 0..x.len() {
        for j in 0..2 {
            for k in 0..2 {
                sum += x[i][j][k] * x[i][j][k] * w;
            }
        }
        sum += (x[i][1][1] - x[i][0][0]).powi(2);
    }
    sum
}

#[test]
fn three_dimensional_arrays() {
    let x = [[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]];
    let mut dx = [[[f64::NAN; 2]; 2]; 2];
    let (v, [dw]) = volume_grad(&x, 0.5, &mut dx);
    let flat: Vec<f64> = x.iter().flatten().flatten().copied().chain([0.5]).collect();
    let at = |p: &[f64]| {
        let mut c = [[[0.0; 2]; 2]; 2];
        for (k, v) in p[..8].iter().enumerate() {
            c[k / 4][(k / 2) % 2][k % 2] = *v;
        }
        volume(&c, p[8])
    };
    let grad: Vec<f64> = dx.iter().flatten().flatten().copied().chain([dw]).collect();
    check("volume", &at, v, &grad, &flat);
    let t = [[[1.0, 0.0], [0.0, 0.0]], [[0.0, 0.0], [0.0, 1.0]]];
    let (jv, dot) = volume_jvp(&x, 0.5, &t, 0.0);
    assert_eq!(jv.to_bits(), v.to_bits());
    assert!((dot - dx[0][0][0] - dx[1][1][1]).abs() < 1e-12, "{dot}");
}

/// A helper of floats given a local made by a float method of a constant (`let v = C.log(2.0);`):
/// a float by value, so the call goes to the helper's `NAME_grad` (there is no `NAME__dyn_grad`
/// for a function of floats; E0425 before).
const LOG_BASE: f64 = 1.75;

#[gradient]
fn shifted(a: f64, b: f64) -> f64 {
    let a = a * 0.5 + 1.0;
    (a * b).tanh()
}

#[gradient]
fn calls_with_constant_method(xs: &[f64], x: f64) -> f64 {
    let v = LOG_BASE.log(2.0);
    let mut stack: Vec<usize> = (0..xs.len()).collect();
    let mut acc = 0.0;
    loop {
        match stack.pop() {
            Some(i) if i % 2 == 0 => acc += xs[i] * 0.5,
            Some(i) => acc -= xs[i] * shifted(xs[0], v) * x,
            None => break,
        }
    }
    acc + shifted(x, v)
}

#[test]
fn helpers_given_a_constant_methods_value() {
    let xs = [0.5, -1.0, 2.0, 0.25];
    let mut dxs = [f64::NAN; 4];
    let (v, [dx]) = calls_with_constant_method_grad(&xs, 0.75, &mut dxs);
    let flat: Vec<f64> = xs.iter().copied().chain([0.75]).collect();
    let grad: Vec<f64> = dxs.iter().copied().chain([dx]).collect();
    check(
        "calls_with_constant_method",
        &|p: &[f64]| calls_with_constant_method(&p[..4], p[4]),
        v,
        &grad,
        &flat,
    );
}

/// Elements lent by `last_mut`, `first_mut` and `get_mut` in an `if let` (with an `else`).
#[gradient]
fn lent_by_accessors(x: &[f64]) -> f64 {
    let mut b = x.to_vec();
    if let Some(last) = b.last_mut() {
        *last *= 3.0;
    }
    if let Some(first) = b.first_mut() {
        *first = first.exp();
    }
    if let Some(v) = b.get_mut(7) {
        *v = 0.0;
    } else if let Some(v) = b.get_mut(2) {
        *v += x[1] * 1.5;
    }
    b[0] * b[1] + b[2] * b[b.len() - 1]
}

#[test]
fn elements_lent_by_accessors() {
    let x = [0.3, -1.2, 2.0, 0.7];
    let mut d = [f64::NAN; 4];
    let v = lent_by_accessors_grad(&x, &mut d);
    check("lent_by_accessors", &|p| lent_by_accessors(p), v, &d, &x);
}

/// A `let` given its value by a block whose statements return (`let norm = { .. if s == 0.0 {
/// return 0.0; } s.sqrt() };`): "`return` is supported as a statement" before.
#[gradient(jvp, hvp)]
fn block_value_that_returns(x: &[f64]) -> f64 {
    let norm = {
        let s: f64 = x.iter().map(|v| v * v).sum();
        if s > 50.0 {
            return s.ln();
        }
        s.sqrt()
    };
    x[0] / norm + norm
}

/// A name declared before a block statement that returns, assigned inside it: "`norm` is used
/// before it is assigned" before (the block's `else`, never taken, was read).
#[gradient(jvp, hvp)]
fn block_assigning_after_return(x: &[f64]) -> f64 {
    let norm;
    {
        let s: f64 = x.iter().map(|v| v * v).sum();
        if s > 50.0 {
            return s.ln();
        }
        norm = s.sqrt();
    }
    x[0] / norm + norm
}

/// The same with `continue` and `break` in a loop: a block statement assigning a name declared
/// before it, and blocks giving a `let` its value.
#[gradient(jvp, hvp)]
fn blocks_that_leave_loops(xs: &[f64]) -> f64 {
    let mut s = 0.0;
    for &x in xs {
        let v;
        {
            if x < 0.0 {
                continue;
            }
            v = (x + 0.5).sqrt();
        }
        let w: f64 = {
            let t = x * 2.0;
            if t > 3.0 {
                break;
            }
            t.sin()
        };
        let u = {
            if x < 0.1 {
                continue;
            }
            x.ln()
        };
        s += v * x + w + u;
    }
    s
}

#[test]
fn blocks_that_return_break_or_continue() {
    type Grad = fn(&[f64], &mut [f64]) -> f64;
    type Hvp = fn(&[f64], &[f64], &mut [f64], &mut [f64]) -> f64;
    type Case<'a> = (&'a str, fn(&[f64]) -> f64, Grad, Hvp, &'a [f64]);
    let cases: [Case; 6] = [
        (
            "block_value_that_returns",
            block_value_that_returns,
            block_value_that_returns_grad,
            block_value_that_returns_hvp,
            &[0.5, -1.5, 2.0],
        ),
        (
            "block_value_that_returns (returning)",
            block_value_that_returns,
            block_value_that_returns_grad,
            block_value_that_returns_hvp,
            &[5.0, -4.5, 3.0],
        ),
        (
            "block_assigning_after_return",
            block_assigning_after_return,
            block_assigning_after_return_grad,
            block_assigning_after_return_hvp,
            &[0.5, -1.5, 2.0],
        ),
        (
            "block_assigning_after_return (returning)",
            block_assigning_after_return,
            block_assigning_after_return_grad,
            block_assigning_after_return_hvp,
            &[5.0, -4.5, 3.0],
        ),
        (
            "blocks_that_leave_loops",
            blocks_that_leave_loops,
            blocks_that_leave_loops_grad,
            blocks_that_leave_loops_hvp,
            &[0.3, -0.4, 0.05, 1.2, 0.9],
        ),
        (
            "blocks_that_leave_loops (breaking)",
            blocks_that_leave_loops,
            blocks_that_leave_loops_grad,
            blocks_that_leave_loops_hvp,
            &[0.3, 1.7, 0.8],
        ),
    ];
    for (what, f, g, h, x) in cases {
        let mut d = vec![0.0; x.len()];
        let v = g(x, &mut d);
        assert_eq!(v.to_bits(), f(x).to_bits(), "{what}");
        check(what, &|p| f(p), v, &d, x);
        // H·v against central differences of the gradient along v.
        let dir: Vec<f64> = (0..x.len()).map(|k| 0.3 + 0.1 * k as f64).collect();
        let (mut d2, mut hv) = (vec![0.0; x.len()], vec![0.0; x.len()]);
        let v2 = h(x, &dir, &mut d2, &mut hv);
        assert_eq!(v2.to_bits(), v.to_bits(), "{what}: hvp value");
        let e = 1e-5;
        let at = |s: f64| {
            let p: Vec<f64> = x.iter().zip(&dir).map(|(a, b)| a + s * b).collect();
            let mut gd = vec![0.0; x.len()];
            g(&p, &mut gd);
            gd
        };
        let (gp, gm) = (at(e), at(-e));
        let want: Vec<f64> = gp
            .iter()
            .zip(&gm)
            .map(|(a, b)| (a - b) / (2.0 * e))
            .collect();
        common::close_tol(what, &hv, &want, 1e-5);
    }
}

/// A block statement whose only jumps are an inner loop's own (`break`, `break 'a`), assigning a
/// name declared before it, and a `let` given its value by such a block: "`n` is used before it
/// is assigned" in the first form the tester's long mode met.
#[gradient(jvp, hvp)]
fn blocks_with_inner_breaks(x: f64) -> f64 {
    let n;
    {
        let mut s = 0.0;
        for i in 0..3 {
            if i == 2 {
                break;
            }
            s += x * x;
        }
        n = s;
    }
    let g: f64 = {
        let mut s = 0.0;
        'a: for i in 0..4 {
            if i == 3 {
                break 'a;
            }
            s += (x * f64::from(i)).sin();
        }
        let mut k = 0;
        let v = loop {
            k += 1;
            if k > 1 {
                break 2.0 * x;
            }
        };
        s + v
    };
    n * x + g
}

#[test]
fn blocks_whose_loops_break_inside() {
    for x in [0.4, -1.1] {
        let (v, [g]) = blocks_with_inner_breaks_grad(x);
        assert_eq!(v.to_bits(), blocks_with_inner_breaks(x).to_bits());
        check(
            "blocks_with_inner_breaks",
            &|p| blocks_with_inner_breaks(p[0]),
            v,
            &[g],
            &[x],
        );
    }
}

/// Reductions over a range zipped with a sequence, `(0..n).zip(ws).map(|(i, w)| ..).sum()`
/// (also `fold`, with `ws.iter()` and `&w`), the indices reading differentiated buffers and
/// parameters ("cannot follow a differentiated slice through" the closure before).
#[gradient(wrt(x))]
fn range_zips(x: &[f64], ws: &[f64]) -> f64 {
    let h: Vec<f64> = x.iter().map(|v| v * 2.0).collect();
    let a: f64 = (0..h.len()).zip(ws).map(|(i, w)| h[i] * w).sum();
    let b = (0..x.len())
        .zip(ws.iter())
        .map(|(i, &w)| x[i].sin() * w)
        .sum::<f64>();
    let c = (1..x.len())
        .zip(ws)
        .fold(0.0, |acc, (i, w)| acc + x[i] * x[i - 1] * w);
    a + b + c
}

#[test]
fn reductions_over_zipped_ranges() {
    let ws = [0.5, 0.25, 2.0];
    for x in [[1.0, 2.0, 3.0], [-0.5, 0.7, 1.1]] {
        let mut d = [0.0; 3];
        let v = range_zips_grad(&x, &ws, &mut d);
        assert_eq!(v.to_bits(), range_zips(&x, &ws).to_bits());
        check("range_zips", &|p| range_zips(p, &ws), v, &d, &x);
    }
}

/// A body with array fields, as n-body codes write it.
#[derive(Clone, Copy)]
struct NBody {
    pos: [f64; 3],
    vel: [f64; 3],
    mass: f64,
}

/// Bodies and particles listed by struct literals in the body (`[NBody { .. }, NBody { .. }]`,
/// typed or not, `vec![Particle { .. }, ..]` with fields in any order and the shorthand `x`),
/// read by index, by a loop over references, through array fields, and moved in place.
#[gradient(jvp)]
fn listed_bodies(x: f64, v: f64) -> f64 {
    let bodies: [NBody; 2] = [
        NBody {
            pos: [x, 0.0, 0.0],
            vel: [0.0, v, 0.0],
            mass: 1.0,
        },
        NBody {
            pos: [0.0, 1.0, x * 0.5],
            vel: [v, 0.0, 0.0],
            mass: 2.0,
        },
    ];
    let mut e = 0.0;
    for b in &bodies {
        e += 0.5 * b.mass * b.vel.iter().map(|u| u * u).sum::<f64>();
    }
    for i in 0..bodies.len() {
        for j in (i + 1)..bodies.len() {
            let mut d2 = 0.0;
            for k in 0..3 {
                let d = bodies[i].pos[k] - bodies[j].pos[k];
                d2 += d * d;
            }
            e -= bodies[i].mass * bodies[j].mass / d2.sqrt();
        }
    }
    let mut ps = vec![
        Particle { x, v, m: 1.0 },
        Particle {
            x: 1.0,
            v: 0.0,
            m: 2.0,
        },
        Particle {
            m: 0.5,
            x: 2.0 * x,
            v: -v,
        },
    ];
    for _ in 0..3 {
        for p in ps.iter_mut() {
            p.x += 0.1 * p.v;
            p.v -= 0.1 * p.x / p.m;
        }
    }
    e + ps.iter().map(|p| p.m * p.v * p.v + p.x).sum::<f64>() + ps[2].x
}

#[test]
fn structs_listed_in_the_body() {
    for (x, v) in [(0.5, 2.0), (-0.7, 0.3)] {
        let (val, [dx, dv]) = listed_bodies_grad(x, v);
        check(
            "listed_bodies",
            &|p| listed_bodies(p[0], p[1]),
            val,
            &[dx, dv],
            &[x, v],
        );
        let (vj, t) = listed_bodies_jvp(x, v, 0.3, -0.4);
        assert_eq!(vj.to_bits(), val.to_bits());
        assert!((t - (0.3 * dx - 0.4 * dv)).abs() < 1e-9, "{t}");
    }
}

/// `let` of a block with statements whose value leaves the loop on some paths (`continue`,
/// `break`) or the function (`return`), in `for`, `while` and `loop` bodies and in a branch.
#[gradient(jvp)]
fn blocks_that_leave(xs: &[f64], w: f64) -> f64 {
    let mut s = 0.0;
    for &x in xs {
        let m = {
            let t = x * w;
            if t > 0.0 {
                t.ln()
            } else {
                continue;
            }
        };
        s += m;
    }
    let mut k = 0;
    while k < xs.len() {
        let u = xs[k];
        k += 1;
        let r: f64 = {
            let mut ok = false;
            let z = u * 2.0 - w;
            if z < 1.5 {
                ok = true;
            }
            if ok {
                z * z
            } else {
                break;
            }
        };
        s += 0.5 * r;
    }
    for (i, &x) in xs.iter().enumerate() {
        if i % 2 == 0 {
            let q = {
                let a = x + w;
                if a < -3.0 {
                    return s;
                }
                a.sin()
            };
            s += q * w;
        }
    }
    s
}

#[test]
fn lets_of_blocks_that_leave_the_loop() {
    for (xs, w) in [
        (vec![0.5, -0.3, 1.2, 0.8], 0.7),
        (vec![1.5, 0.2, -0.9], -0.4),
        (vec![-2.0, 0.4, 3.0, 0.1, 0.6], 1.3),
        (vec![-6.0, 0.4], 1.0),
    ] {
        let mut dxs = vec![0.0; xs.len()];
        let (v, [dw]) = blocks_that_leave_grad(&xs, w, &mut dxs);
        let f = |p: &[f64]| blocks_that_leave(&p[1..], p[0]);
        let mut p = vec![w];
        p.extend(&xs);
        let mut g = vec![dw];
        g.extend(&dxs);
        check("blocks_that_leave", &f, v, &g, &p);
        let dir: Vec<f64> = (0..p.len()).map(|i| 0.3 - 0.1 * i as f64).collect();
        let (vj, t) = blocks_that_leave_jvp(&xs, w, &dir[1..], dir[0]);
        assert_eq!(vj.to_bits(), v.to_bits());
        let want: f64 = g.iter().zip(&dir).map(|(a, b)| a * b).sum();
        assert!((t - want).abs() < 1e-9 * (1.0 + want.abs()), "{t} {want}");
    }
}

/// A function of a slice and a scalar, its gradient (`NAME_grad`) and its JVP (`NAME_jvp`).
type SliceAndScalar = (
    fn(&[f64], f64) -> f64,
    fn(&[f64], f64, &mut [f64]) -> (f64, [f64; 1]),
    fn(&[f64], f64, &[f64], f64) -> (f64, f64),
);

/// `f(xs, w)`'s gradient against central differences, its value bit for bit, and its JVP along
/// a fixed direction against the gradient's dot product.
fn check_with_jvp(name: &str, xs: &[f64], w: f64, (f, grad, jvp): SliceAndScalar) {
    let mut dxs = vec![0.0; xs.len()];
    let (v, [dw]) = grad(xs, w, &mut dxs);
    let flat = |p: &[f64]| f(&p[1..], p[0]);
    let mut p = vec![w];
    p.extend(xs);
    let mut g = vec![dw];
    g.extend(&dxs);
    check(name, &flat, v, &g, &p);
    let dir: Vec<f64> = (0..p.len()).map(|i| 0.3 - 0.1 * i as f64).collect();
    let (vj, t) = jvp(xs, w, &dir[1..], dir[0]);
    assert_eq!(vj.to_bits(), v.to_bits(), "{name}");
    let want: f64 = g.iter().zip(&dir).map(|(a, b)| a * b).sum();
    assert!(
        (t - want).abs() < 1e-9 * (1.0 + want.abs()),
        "{name}: {t} {want}"
    );
}

/// Searches of a differentiated slice that give an `Option`: `get`, `find`, `find_map`,
/// `filter(..).next()`, `map(..).find(..)`, `position` then `map_or`, read by `copied`,
/// `unwrap_or`, `map_or` (`|v|` and `|&v|`), `match` (`Some(&v)` and `Some(v) => *v`), `if let`
/// and `let .. else`. (Written as users write them, which clippy would shorten.)
#[allow(clippy::get_first, clippy::filter_next)]
#[gradient]
fn searches(xs: &[f64], w: f64) -> f64 {
    let a = match xs.get(1) {
        Some(v) => *v * w,
        None => 0.0,
    };
    let b = match xs.get(7) {
        Some(&v) => v * w,
        None => -0.5 * w,
    };
    let c = xs.get(3).map_or(0.0, |v| v * w) + xs.get(0).map_or(1.0, |&v| v * w * w);
    let d = *xs.get(2).unwrap_or(&0.5) * w + xs.get(9).copied().unwrap_or(0.25);
    let e = if let Some(v) = xs.iter().find(|&&v| v * w > 0.5) {
        *v * 2.0
    } else {
        w
    };
    let f = xs
        .iter()
        .rev()
        .find(|v| **v * w < 0.2)
        .copied()
        .unwrap_or(-1.0)
        * w;
    let g = xs
        .iter()
        .skip(1)
        .find_map(|&v| (v > 0.0).then(|| v.sqrt() * w))
        .unwrap_or(0.0);
    let h = xs.iter().filter(|&&v| v < w).next().map_or(0.0, |v| v * v);
    let i = xs.iter().map(|&v| v * w).find(|&v| v > 0.3).unwrap_or(0.0);
    let j = xs
        .iter()
        .rposition(|&v| v < 0.0)
        .map_or(0.0, |k| xs[k] * w * w);
    let Some(&l) = xs.get(2) else {
        return a + b;
    };
    a + b + c + d + e + f + g + h + i + j + l * w
}

/// Searches copied (`.copied()`, `.cloned()`) in conditions (`if let`, `while let`, `match`), a
/// search's `is_some()` as a test, a loop bound from a `position`, the index a `position` finds
/// (over items, `windows`, `chunks`) read by `if let`, `match` and `unwrap_or`, and a closure holding a search called after a
/// `match` with a `None` arm.
#[gradient(jvp)]
fn searches_in_conditions(xs: &[f64], w: f64) -> f64 {
    let mut s = 0.0;
    if let Some(v) = xs.get(1).copied() {
        s += v * w;
    }
    let mut i = 0;
    while let Some(v) = xs.get(i).cloned() {
        s += (v * w).sin();
        i += 2;
    }
    let m = match xs.iter().find(|v| **v > w).copied() {
        Some(v) if v > 1.0 => v * 2.0,
        Some(v) => v * w,
        None => w,
    };
    if xs.iter().find(|&&v| v * w > 0.5).is_some() {
        s += w * w;
    }
    for k in 0..xs.iter().position(|&v| v < 0.0).unwrap_or(xs.len()) {
        s += xs[k] * w;
    }
    if let Some(i) = xs.iter().position(|&v| v * w > 0.3) {
        s += xs[i] * w;
    }
    match xs.iter().rposition(|&v| v < 0.0) {
        Some(i) => s += xs[i],
        None => s -= w,
    }
    let at = xs.iter().position(|&v: &f64| v > 0.5).unwrap_or(0);
    s += xs[at] * w;
    if let Some(i) = xs.windows(2).position(|p| p[1] * w < p[0]) {
        s += xs[i] * w + xs[i + 1];
    }
    let k = xs.chunks(2).rposition(|c| c[0] > 0.0).unwrap_or(0);
    s += xs[2 * k] * w;
    let f = |k: usize| xs.get(k).copied().unwrap_or(0.5) * w;
    let o = match xs.get(2) {
        None => 0.0,
        Some(&q) => q * q,
    };
    s + m + o + f(1) + f(8)
}

/// Searches read as the `Option` they are: `is_some()`, `is_none()`, `is_some_and(..)`,
/// `matches!`, `if let Some(_)`, `unwrap()`, `expect(..)`, bound to a name first.
#[allow(
    clippy::redundant_pattern_matching,
    clippy::search_is_some,
    clippy::filter_next
)]
#[gradient(jvp)]
fn searches_read_as_options(xs: &[f64], w: f64) -> f64 {
    let mut s = 0.0;
    if xs.iter().find(|&&v| v * w > 0.5).is_some() {
        s += w * w;
    }
    if xs.iter().rev().find(|&&v| v * w > 0.5).is_none() {
        s += w;
    }
    if xs.iter().find(|&&v| v > 0.1).is_some_and(|v| *v * w > 0.2) {
        s += w.sin();
    }
    if xs
        .iter()
        .filter(|&&v| v > 0.1)
        .next()
        .is_some_and(|&v| v * w > 0.2)
    {
        s += 2.0 * w;
    }
    let o = xs.iter().find(|&&v| v * w > 0.5);
    if o.is_some() {
        s += w;
    }
    if let Some(_) = xs.iter().find(|&&v| v > 0.3) {
        s += w * 3.0;
    }
    if matches!(xs.iter().find(|&&v| v > 0.3), Some(_)) {
        s -= w * w * w;
    }
    let e = xs.iter().find(|&&v| v > -10.0).expect("an element");
    s + *xs.iter().find(|&&v| v > -10.0).unwrap() * w + e * e
}

/// Searches of local vectors of floats: collected (`: Vec<f64>`, `collect::<Vec<f64>>()`),
/// `vec![0.0; n]` filled later, a copy of a parameter (`to_vec()`), parts of one (`&xs[a..]`,
/// `split_at`, a part of a part), an
/// array typed `[f64; 3]`; a search inside a `match` arm's value.
#[allow(clippy::get_first)]
#[gradient(jvp)]
fn searches_of_locals(xs: &[f64], w: f64) -> f64 {
    let pred: Vec<f64> = xs.iter().map(|&x| x * w).collect();
    let first = pred.first().copied().unwrap_or(0.0);
    let big = pred.iter().find(|&&p| p > 0.5).copied().unwrap_or(w);
    let g = pred.get(2).map_or(0.0, |v| v * v);
    let mut s = first + big + g;
    if let Some(&v) = pred.iter().rev().find(|v| **v < 0.0) {
        s += v;
    }
    let mut buf = vec![0.0; xs.len()];
    for i in 0..xs.len() {
        buf[i] = (xs[i] * w).sin();
    }
    let copy = xs.to_vec();
    let k = buf
        .iter()
        .position(|&b| b > 0.3)
        .map_or(0.0, |i| buf[i] * 2.0);
    s += buf.get(1).copied().unwrap_or(0.0) + k;
    s += copy.iter().find(|&&c| c > 0.0).map_or(0.0, |c| c * w);
    let (lo, hi) = xs.split_at(xs.len() / 2);
    let rest = &hi[1..];
    s += lo.get(0).copied().unwrap_or(w) + hi.iter().find(|&&v| v > 0.1).map_or(0.0, |v| v * w);
    s += rest.get(0).map_or(w, |v| v * 2.0);
    let half = &xs[xs.len() / 2..];
    let all: &[f64] = &xs[1..];
    s += half.get(1).copied().unwrap_or(w) * w
        + all.iter().find(|&&v| v > 0.2).map_or(0.0, |v| v * w);
    let scores = xs.iter().map(|&x| x * w).collect::<Vec<f64>>();
    let arr: [f64; 3] = [w, w * 2.0, xs[0]];
    s + match scores.iter().find(|s| **s > 0.2) {
        Some(v) => *v + arr.get(1).copied().unwrap_or(0.0),
        None => arr.iter().find(|a| **a > 0.0).copied().unwrap_or(0.0),
    }
}

/// Searches of a parameter whose name is bound again elsewhere (in a block, as a loop's
/// variable), and of a local vector that takes the parameter's name.
#[allow(clippy::get_first)]
#[gradient(jvp)]
fn searches_where_names_are_bound_again(xs: &[f64], w: f64) -> f64 {
    let a = xs.get(1).copied().unwrap_or(0.0) * w;
    let v = {
        let xs: f64 = w.tanh();
        xs * 2.0
    };
    let mut s = 0.0;
    for xs in 0..3 {
        s += f64::from(xs) * w;
    }
    let b = xs.iter().find(|&&q| q > 0.2).copied().unwrap_or(w);
    let xs: Vec<f64> = xs.iter().map(|v| v * w).collect();
    let c =
        xs.get(0).copied().unwrap_or(1.0) + xs.iter().find(|&&q| q > 0.2).map_or(0.0, |q| q * q);
    a + v + s + b + c
}

/// Searches of local vectors in a function generic over its float, filled from `T::from(..)`.
#[allow(clippy::get_first)]
#[gradient]
fn searches_of_generic_locals<T: num_traits::Float>(xs: &[T], w: T) -> T {
    let mut a = vec![T::from(0.0).unwrap(); xs.len()];
    let c = vec![<T as num_traits::NumCast>::from(0.5).unwrap(); 2];
    for i in 0..xs.len() {
        a[i] = xs[i] * w;
    }
    let found = a.iter().rev().find(|v| **v < w).copied().unwrap_or(w);
    found * w + c.get(0).copied().unwrap_or(w) * w
}

/// A `position` whose closure changes a local of the function: the loop it stands for runs the
/// change for each item it tests, up to the one found.
#[gradient]
fn position_changing_a_local(x: &[f64]) -> f64 {
    let mut s = 0.0;
    let k = x.iter().position(|v| {
        s += v;
        s > 0.6
    });
    s * k.map_or(1.0, |k| k as f64)
}

#[test]
fn searches_of_a_slice_giving_options() {
    for xs in [
        vec![0.3, 0.8, 1.5, -0.2],
        vec![-0.5, 0.1],
        vec![0.2, 0.1, 0.2, 0.4],
    ] {
        let mut d = vec![0.0; xs.len()];
        let v = position_changing_a_local_grad(&xs, &mut d);
        check(
            "position_changing_a_local",
            &position_changing_a_local,
            v,
            &d,
            &xs,
        );
    }
    for (xs, w) in [(vec![0.3, 0.8, 1.5, -0.2], 0.9), (vec![2.0, 3.0], 0.5)] {
        let mut dxs = vec![0.0; xs.len()];
        let (v, [dw]) = searches_of_generic_locals_grad(&xs, w, &mut dxs);
        let f = |p: &[f64]| searches_of_generic_locals(&p[1..], p[0]);
        let mut p = vec![w];
        p.extend(&xs);
        let mut g = vec![dw];
        g.extend(&dxs);
        check("searches_of_generic_locals", &f, v, &g, &p);
        let xs32: Vec<f32> = xs.iter().map(|&x| x as f32).collect();
        let mut d32 = vec![0.0f32; xs.len()];
        let (v32, [dw32]) = searches_of_generic_locals_grad(&xs32, w as f32, &mut d32);
        assert_eq!(
            v32.to_bits(),
            searches_of_generic_locals(&xs32, w as f32).to_bits()
        );
        assert!((f64::from(dw32) - dw).abs() < 1e-4, "{dw32} {dw}");
    }
    for (xs, w) in [
        (vec![0.3, 0.8, 1.5, -0.2, 2.5], 0.9),
        (vec![-0.5, 0.1], 0.9),
        (vec![0.9, -1.0, 0.05], -0.7),
    ] {
        check_with_jvp(
            "searches_where_names_are_bound_again",
            &xs,
            w,
            (
                searches_where_names_are_bound_again,
                searches_where_names_are_bound_again_grad,
                searches_where_names_are_bound_again_jvp,
            ),
        );
    }
    for (xs, w) in [
        (vec![0.3, 0.8, 1.5, -0.2, 2.5], 0.9),
        (vec![-0.5, 0.1], 0.9),
        (vec![0.9, -1.0, 0.05], -0.7),
    ] {
        check_with_jvp(
            "searches_of_locals",
            &xs,
            w,
            (
                searches_of_locals,
                searches_of_locals_grad,
                searches_of_locals_jvp,
            ),
        );
    }
    for (xs, w) in [
        (vec![0.5, -0.3, 1.2, 0.8], 0.7),
        (vec![1.5, 0.2, -0.9], -0.4),
        (vec![0.1, 0.2], 0.4),
        (vec![-2.0, 0.4, 3.0, 0.1], 1.3),
    ] {
        check_with_jvp(
            "searches_read_as_options",
            &xs,
            w,
            (
                searches_read_as_options,
                searches_read_as_options_grad,
                searches_read_as_options_jvp,
            ),
        );
    }
    for (xs, w) in [
        (vec![0.5, -0.3, 1.2, 0.8], 0.7),
        (vec![1.5, 0.2, -0.9], -0.4),
        (vec![0.1, 0.2], 0.4),
        (vec![-2.0, 0.4, 3.0, 0.1, 0.6, 0.9, 1.1, 0.35, 2.0], 1.3),
    ] {
        check_with_jvp(
            "searches_in_conditions",
            &xs,
            w,
            (
                searches_in_conditions,
                searches_in_conditions_grad,
                searches_in_conditions_jvp,
            ),
        );
    }
    for (xs, w) in [
        (vec![0.5, -0.3, 1.2, 0.8], 0.7),
        (vec![1.5, 0.2, -0.9], -0.4),
        (
            vec![-2.0, 0.4, 3.0, 0.1, 0.6, 0.9, 1.1, 0.35, 2.0, 0.45],
            1.3,
        ),
        (vec![0.1, 0.2], 0.4),
        (vec![0.1], 0.9),
    ] {
        let mut dxs = vec![0.0; xs.len()];
        let (v, [dw]) = searches_grad(&xs, w, &mut dxs);
        let f = |p: &[f64]| searches(&p[1..], p[0]);
        let mut p = vec![w];
        p.extend(&xs);
        let mut g = vec![dw];
        g.extend(&dxs);
        check("searches", &f, v, &g, &p);
    }
}

/// Searches of a model's fields, in a method on `&self` and in a free function of the model.
#[derive(Clone, grad::Params)]
struct Searched {
    w: Vec<f64>,
    b: f64,
}

impl Searched {
    #[gradient]
    fn loss(&self, x: &[f64]) -> f64 {
        let big = self.w.iter().find(|&&v| v > 0.1).copied().unwrap_or(self.b);
        let second = self.w.get(1).map_or(0.0, |v| v * self.b);
        let mut s = big * big + second;
        if let Some(v) = self.w.last().copied() {
            s += v * x[0];
        }
        if self.w.iter().find(|&&v| v > 0.5).is_some() {
            s += self.b;
        }
        s
    }
}

#[gradient(wrt(m))]
fn searched_loss(m: &Searched, x: &[f64]) -> f64 {
    let k = m.w.iter().position(|&v| v * m.b > 0.1).unwrap_or(0);
    match m.w.iter().rev().find(|v| **v < 0.0) {
        Some(v) => v * m.b + m.w[k] * x[0],
        None => m.b,
    }
}

#[test]
fn searches_of_a_models_fields() {
    let x = [2.0];
    for (w, b) in [(vec![0.05, -0.3, 0.7], 0.4), (vec![0.6, 0.2], -0.5)] {
        let m = Searched { w, b };
        let n = m.w.len();
        let rebuilt = |p: &[f64]| Searched {
            w: p[..n].to_vec(),
            b: p[n],
        };
        let p = [&m.w[..], &[m.b]].concat();
        let mut d = Searched {
            w: vec![0.0; n],
            b: 0.0,
        };
        let v = m.loss_grad(&x, &mut d);
        let g = [&d.w[..], &[d.b]].concat();
        check("Searched::loss", &|p| rebuilt(p).loss(&x), v, &g, &p);
        let v = searched_loss_grad(&m, &x, &mut d);
        let g = [&d.w[..], &[d.b]].concat();
        check(
            "searched_loss",
            &|p| searched_loss(&rebuilt(p), &x),
            v,
            &g,
            &p,
        );
    }
}

/// Options of data held in locals read through closures that give a differentiated value: the
/// index a `position` finds then `map_or`, `map(..).unwrap_or(..)`, `is_some_and`; `checked_sub`
/// then `map(..).unwrap_or_else(..)`, `map_or_else`, `map(..).expect(..)`; an `Option<usize>` of
/// an `if` in a loop, its name then bound again to a float; a `position` over a range.
/// (Written as users write them, which clippy would shorten.)
#[allow(clippy::unnecessary_map_or, clippy::map_unwrap_or)]
#[gradient(jvp, hvp)]
fn options_of_data(xs: &[f64], w: f64) -> f64 {
    let i = xs.iter().position(|&v| v > 0.5);
    let j = i.map(|k| k + 1);
    let a = i.map_or(w, |k| w * xs[k])
        + j.map_or(0.0, |k: usize| xs[k.min(xs.len() - 1)] * w)
        + if i.is_some_and(|k| xs[k] > w) {
            1.0
        } else {
            0.5
        };
    let n = xs.len().checked_sub(2);
    let b = n.map(|k| xs[k] * w).unwrap_or_else(|| w * w)
        + n.map_or_else(|| 0.0, |k| (xs[k] * w).sin())
        + n.map(|k| xs[k] + w).expect("two items");
    let mut s = 0.0;
    for t in 0..xs.len() {
        let i = if w * xs[t] > 0.1 { Some(t) } else { None };
        s += i.map_or(w, |k| xs[k] * w);
        let i = 2.0 * xs[t];
        s += i * w;
    }
    let r = (0..xs.len()).position(|k| xs[k] > w);
    let c = r.map_or(w, |k| {
        let u = xs[k] * w;
        u * u
    });
    let d = xs
        .iter()
        .position(|&v| v > 0.5)
        .map(|k| xs[k] * w)
        .unwrap_or(w)
        + xs.len().checked_sub(1).map_or(0.0, |k| xs[k] * w * w);
    let later = xs.iter().position(|&v| v > 0.5).filter(|&i| i > 0);
    let d = d + later.map_or(0.0, |k| xs[k - 1] * w);
    a + b + s + c + d
}

#[test]
fn options_of_data_read_through_closures() {
    for (xs, w) in [
        (vec![0.3, 0.8, 1.5, -0.2], 0.9),
        (vec![0.2, 0.1, 0.4], 0.3),
        (vec![2.0, 3.0], -0.5),
    ] {
        check_with_jvp(
            "options_of_data",
            &xs,
            w,
            (options_of_data, options_of_data_grad, options_of_data_jvp),
        );
        let mut dxs = vec![0.0; xs.len()];
        let (_, [dw]) = options_of_data_grad(&xs, w, &mut dxs);
        let v_xs = vec![0.0; xs.len()];
        let mut g_xs = vec![0.0; xs.len()];
        let mut h_xs = vec![0.0; xs.len()];
        let (_, [gw], [hw]) = options_of_data_hvp(&xs, w, &v_xs, 1.0, &mut g_xs, &mut h_xs);
        assert!((gw - dw).abs() < 1e-12);
        let e = 1e-5;
        let gp = options_of_data_grad(&xs, w + e, &mut dxs.clone()).1[0];
        let gm = options_of_data_grad(&xs, w - e, &mut dxs.clone()).1[0];
        let fd = (gp - gm) / (2.0 * e);
        assert!((hw - fd).abs() < 1e-5 * (1.0 + fd.abs()), "{hw} {fd}");
    }
}

/// A test of differentiated values turned into a number in place: a count (`(v * w > 0.2) as
/// usize`), `f64::from(a && b)`, `f64::from(u8::from(..))` in a closure, a cast compared in a
/// condition; the number carries no derivative, the path it selects does.
/// (Written as users write them, which clippy would shorten.)
#[allow(clippy::cast_lossless, clippy::bool_to_int_with_if)]
#[gradient(jvp, hvp)]
fn tests_as_numbers(xs: &[f64], w: f64) -> f64 {
    let mut count = 0usize;
    let mut s = 0.0;
    for &v in xs {
        count += (v * w > 0.2) as usize;
        s += f64::from(v > w && v * w < 1.0) * v * w;
    }
    let m = xs
        .iter()
        .map(|&v| f64::from(u8::from(v * w > 0.1)) * v)
        .sum::<f64>();
    let k = i64::from(w > 0.0) + i64::from(w.is_nan());
    let last = if (w > 0.5) as i32 == 1 { w * w } else { w };
    s + m * w + count as f64 * w + k as f64 * w + last
}

/// The same in a function generic over its float: `T::from(u8::from(..)).unwrap()`.
#[gradient]
fn tests_as_numbers_generic<T: num_traits::Float>(xs: &[T], w: T) -> T {
    let mut s = T::zero();
    for &v in xs {
        s = s
            + T::from(u8::from(v > w)).unwrap() * v * w
            + T::from(i32::from(v * w < T::one())).unwrap() * w;
    }
    s
}

#[test]
fn tests_turned_into_numbers() {
    for (xs, w) in [
        (vec![0.3, 0.8, 1.5, -0.2], 0.9),
        (vec![0.2, 0.1, 0.4], 0.3),
        (vec![2.0, 3.0], -0.5),
    ] {
        check_with_jvp(
            "tests_as_numbers",
            &xs,
            w,
            (
                tests_as_numbers,
                tests_as_numbers_grad,
                tests_as_numbers_jvp,
            ),
        );
        let mut dxs = vec![0.0; xs.len()];
        let (v, [dw]) = tests_as_numbers_generic_grad(&xs, w, &mut dxs);
        let f = |p: &[f64]| tests_as_numbers_generic(&p[1..], p[0]);
        let mut p = vec![w];
        p.extend(&xs);
        let mut g = vec![dw];
        g.extend(&dxs);
        check("tests_as_numbers_generic", &f, v, &g, &p);
        let xs32: Vec<f32> = xs.iter().map(|&x| x as f32).collect();
        let mut d32 = vec![0.0f32; xs.len()];
        let (v32, _) = tests_as_numbers_generic_grad(&xs32, w as f32, &mut d32);
        assert_eq!(
            v32.to_bits(),
            tests_as_numbers_generic(&xs32, w as f32).to_bits()
        );
    }
}

/// `xs.iter().enumerate().find(..)`: the index and the element found, bound by `let (k, v) =
/// ..unwrap()`, `expect`, `match` (`Some((k, &v))`), `if let Some((i, v))` (`v` a reference),
/// `let Some((j, _)) = .. else`, `map_or(d, |(_, &v)| ..)`; over a parameter and a local vector.
#[gradient(jvp)]
fn enumerated_finds(xs: &[f64], w: f64) -> f64 {
    let (k, v) = xs.iter().enumerate().find(|(_, &v)| v > 0.0).unwrap();
    let a = w * v + k as f64;
    let b = match xs.iter().enumerate().find(|&(_, &v)| v * w > 0.5) {
        Some((k, &v)) => w * v + k as f64,
        None => w,
    };
    let c = if let Some((i, v)) = xs.iter().enumerate().find(|(i, v)| **v > w && *i > 0) {
        *v * w + i as f64
    } else {
        0.25
    };
    let d = xs
        .iter()
        .enumerate()
        .find(|&(i, _)| i == 1)
        .map_or(w, |(_, &v)| v * v * w);
    let p: Vec<f64> = xs.iter().map(|v| v * w).collect();
    let (m, u) = p
        .iter()
        .enumerate()
        .find(|(_, &u)| u < 0.3)
        .expect("one below");
    let Some((j, _)) = xs.iter().enumerate().find(|(_, v)| **v < w) else {
        return a + b + c + d + u;
    };
    a + b + c + d + u * m as f64 + xs[j] * w
}

#[test]
fn enumerated_finds_give_the_index_and_the_element() {
    for (xs, w) in [
        (vec![0.3, 0.8, 1.5, -0.2], 0.9),
        (vec![0.2, 0.1, 0.4], 0.3),
        (vec![2.0, 3.0, -1.0], -0.5),
    ] {
        check_with_jvp(
            "enumerated_finds",
            &xs,
            w,
            (
                enumerated_finds,
                enumerated_finds_grad,
                enumerated_finds_jvp,
            ),
        );
    }
}

/// The element `max_by`/`min_by` choose, taken apart by reference (`Some(&m)`) in `if let`,
/// `match` and `let .. else`; and the chosen pair of an `enumerate` (an argmax with its index)
/// in the same three, by reference and by name, over a part of the slice too.
#[gradient(wrt(xs, w), jvp)]
fn chosen_by_reference(xs: &[f64], w: f64) -> f64 {
    let a = if let Some(&m) = xs.iter().max_by(|a, b| a.total_cmp(b)) {
        m * w
    } else {
        0.0
    };
    let b = match xs.iter().min_by(|a, b| a.partial_cmp(b).unwrap()) {
        Some(&m) => (m * w).sin(),
        None => w,
    };
    let Some(&c) = xs.iter().max_by(|a, b| a.total_cmp(b)) else {
        return a + b;
    };
    let mut d = 0.0;
    if let Some((i, &m)) = xs.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)) {
        d += m * w * (i as f64 + 1.0);
    }
    let e = match xs.iter().enumerate().min_by(|a, b| a.1.total_cmp(b.1)) {
        Some((i, m)) => *m * i as f64 + w,
        None => 0.0,
    };
    let f = if let Some((_, &m)) = xs[1..].iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)) {
        (m * w).tanh()
    } else {
        w
    };
    let Some((k, &g)) = xs.iter().enumerate().min_by(|a, b| a.1.total_cmp(b.1)) else {
        return a + b + c + d + e + f;
    };
    a + b + c * w + d + e + f + g * xs[k] * w
}

#[test]
fn elements_chosen_taken_apart_by_reference() {
    for (xs, w) in [
        (vec![0.3, 0.8, 1.5, -0.2], 0.9),
        (vec![0.2, 0.1, 0.4], 0.3),
        (vec![2.0, 3.0, -1.0], -0.5),
        (vec![0.7], 1.1),
    ] {
        check_with_jvp(
            "chosen_by_reference",
            &xs,
            w,
            (
                chosen_by_reference,
                chosen_by_reference_grad,
                chosen_by_reference_jvp,
            ),
        );
    }
}

/// Lists whose elements are reductions with closures (an argmax by a fold over pairs, a sum of
/// a map), in `vec![..]` and in an array, typed or not. Before: "this pattern does not match what
/// the iterator yields" (the fold inside a list's element was not taken apart).
#[gradient(jvp)]
fn reductions_listed(xs: &[f64], w: f64) -> f64 {
    let v: Vec<f64> = vec![
        xs.iter()
            .copied()
            .enumerate()
            .fold((0, f64::MIN), |acc, p| if p.1 > acc.1 { p } else { acc })
            .1,
        -0.5,
        xs.iter().map(|x| x * w).sum::<f64>(),
    ];
    let a = [xs.iter().fold(0.0, |s, x| s + x.sin()), w];
    v[0] * v[2] + v[1] + a[0] * a[1]
}

#[test]
fn reductions_as_elements_of_lists() {
    for (xs, w) in [(vec![0.3, 0.8, -0.2], 0.9), (vec![-0.4, 0.1], -1.2)] {
        check_with_jvp(
            "reductions_listed",
            &xs,
            w,
            (
                reductions_listed,
                reductions_listed_grad,
                reductions_listed_jvp,
            ),
        );
    }
}
