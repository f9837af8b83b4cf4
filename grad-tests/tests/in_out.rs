//! Functions that return a float and also write through `&mut` floats (Clad's reference
//! arguments, a scratch buffer reused between calls): `NAME_grad` differentiates the value with
//! respect to the inputs — the references' contents on entry among them — and leaves the
//! references as the function leaves them. `#[gradient]` callers use the value and what the call
//! writes. Each against central differences, the value bit for bit, the references compared with
//! the function's.

#![allow(
    clippy::needless_range_loop,
    clippy::float_cmp,
    clippy::ptr_arg,
    clippy::useless_vec
)]

mod common;

use common::{cat, check_flat, close_tol, fd_all as fd, fd_hessian};
use grad::gradient;

fn check(what: &str, f: &dyn Fn(&[f64]) -> f64, v: f64, g: &[f64], p: &[f64]) {
    check_flat(what, p, f, v, g).unwrap();
}

/// Clad's reference arguments: both read and written.
#[gradient(jvp, hvp)]
fn swap_scale(i: &mut f64, j: &mut f64) -> f64 {
    *i *= *j;
    *j = *i + 1.0;
    *i * *j
}

#[test]
fn float_references() {
    let (i0, j0) = (0.5, 1.5);
    let (mut i, mut j) = (i0, j0);
    let (v, [di, dj]) = swap_scale_grad(&mut i, &mut j);
    let (mut i2, mut j2) = (i0, j0);
    assert_eq!(v, swap_scale(&mut i2, &mut j2));
    assert_eq!(
        (i, j),
        (i2, j2),
        "the references as the function leaves them"
    );
    check(
        "swap_scale",
        &|p| swap_scale(&mut p[0].clone(), &mut p[1].clone()),
        v,
        &[di, dj],
        &[i0, j0],
    );
    // Forward mode and second order: ∇f·v and H·v against the gradient's differences.
    let (mut i, mut j) = (i0, j0);
    let (vj, dot) = swap_scale_jvp(&mut i, &mut j, 0.3, -0.7);
    assert_eq!(vj, v);
    assert!((dot - (0.3 * di - 0.7 * dj)).abs() < 1e-12);
    assert_eq!((i, j), (i2, j2));
    let (mut i, mut j) = (i0, j0);
    let (_, _, hv) = swap_scale_hvp(&mut i, &mut j, 1.0, 0.0);
    let col = fd(
        &|p: &[f64]| swap_scale_grad(&mut p[0].clone(), &mut p[1].clone()).1[0],
        &[i0, j0],
    );
    assert!((hv[0] - col[0]).abs() < 1e-6 && (hv[1] - col[1]).abs() < 1e-6);
}

/// A scratch buffer for the hidden activations, reused between calls.
#[gradient(wrt(w))]
fn layer_loss(w: &[f64], x: &[f64], hidden: &mut [f64]) -> f64 {
    for j in 0..hidden.len() {
        hidden[j] = (w[j] * x[j]).tanh();
    }
    hidden.iter().map(|h| h * h).sum::<f64>()
}

#[test]
fn a_scratch_buffer() {
    let w = [0.3, -0.8, 1.1];
    let x = [1.0, 2.0, -0.5];
    let mut hidden = vec![f64::NAN; 3];
    let mut dw = [0.0; 3];
    let v = layer_loss_grad(&w, &x, &mut hidden, &mut dw);
    let mut h2 = vec![0.0; 3];
    assert_eq!(v, layer_loss(&w, &x, &mut h2));
    assert_eq!(hidden, h2);
    check(
        "layer_loss",
        &|p| layer_loss(p, &x, &mut [0.0; 3]),
        v,
        &dw,
        &w,
    );
}

/// A scratch `Vec` cleared, then grown by pushes, on every call ("`to_vec` on a slice is not
/// supported", at the attribute, before).
#[gradient(wrt(w))]
fn cleared_scratch(w: &[f64], scratch: &mut Vec<f64>) -> f64 {
    scratch.clear();
    for &v in w {
        scratch.push((v * v).sin());
    }
    scratch.iter().sum::<f64>() * w[0]
}

#[test]
fn a_scratch_vec_cleared_and_pushed() {
    let w = [0.3, -0.8, 1.1];
    let mut scratch = vec![5.0; 7];
    let mut dw = [0.0; 3];
    let v = cleared_scratch_grad(&w, &mut scratch, &mut dw);
    let mut s2 = Vec::new();
    assert_eq!(v.to_bits(), cleared_scratch(&w, &mut s2).to_bits());
    assert_eq!(scratch, s2);
    check(
        "cleared_scratch",
        &|p| cleared_scratch(p, &mut Vec::new()),
        v,
        &dw,
        &w,
    );
}

/// Everything differentiated: a `Vec`, an array and a float, read before written, an early
/// return, the buffer passed on to a helper that writes it.
#[gradient]
fn fill(w: &[f64], out: &mut [f64]) {
    for k in 0..out.len() {
        out[k] += w[k % w.len()].sin();
    }
}

#[gradient]
fn mixed(w: &[f64], buf: &mut Vec<f64>, arr: &mut [f64; 2], s: &mut f64) -> f64 {
    buf[0] += w[0] * w[1];
    arr[1] = buf[0] + arr[0];
    fill(w, buf);
    *s += arr[1] * buf[1];
    if *s > 10.0 {
        return *s;
    }
    buf[0] * arr[1] + buf[1] + *s
}

#[test]
fn buffers_arrays_and_floats() {
    let w = [0.3, -0.8];
    let (buf0, arr0, s0) = (vec![0.1, 0.25], [0.5, -0.2], 0.4);
    let (mut buf, mut arr, mut s) = (buf0.clone(), arr0, s0);
    let (mut dw, mut dbuf, mut darr) = ([0.0; 2], [0.0; 2], [0.0; 2]);
    let (v, [ds]) = mixed_grad(
        &w, &mut buf, &mut arr, &mut s, &mut dw, &mut dbuf, &mut darr,
    );
    let (mut buf2, mut arr2, mut s2) = (buf0.clone(), arr0, s0);
    assert_eq!(v, mixed(&w, &mut buf2, &mut arr2, &mut s2));
    assert_eq!((buf, arr, s), (buf2, arr2, s2));
    let g = [&dw[..], &dbuf, &darr, &[ds]].concat();
    let p = [&w[..], &buf0, &arr0, &[s0]].concat();
    check(
        "mixed",
        &|p| {
            let mut arr = [p[4], p[5]];
            mixed(&p[..2], &mut p[2..4].to_vec(), &mut arr, &mut p[6].clone())
        },
        v,
        &g,
        &p,
    );
}

/// Generic floats, in f32 and f64.
#[gradient]
fn generic_acc<T: num_traits::Float>(x: T, acc: &mut T) -> T {
    *acc = *acc + x * x;
    x * *acc
}

#[test]
fn generic_float_references() {
    let mut acc = 0.5;
    let (v, [dx, dacc]) = generic_acc_grad(1.5f64, &mut acc);
    assert_eq!(acc, 2.75);
    check(
        "generic_acc",
        &|p| generic_acc(p[0], &mut p[1].clone()),
        v,
        &[dx, dacc],
        &[1.5, 0.5],
    );
    let mut acc32 = 0.5f32;
    let (v32, [dx32, _]) = generic_acc_grad(1.5f32, &mut acc32);
    assert_eq!(v32, generic_acc(1.5f32, &mut 0.5f32));
    assert!((f64::from(dx32) - dx).abs() < 1e-4);
}

/// An associated function and a method (`Self::` calls between them).
struct Cell {
    k: f64,
}

#[gradient]
impl Cell {
    #[gradient(wrt(x, h))]
    fn step(&self, x: f64, h: &mut f64) -> f64 {
        *h = (self.k * *h + x).tanh();
        *h * 2.0
    }

    #[gradient(wrt(x))]
    fn run(&self, x: f64, hs: &mut [f64]) -> f64 {
        let mut total = 0.0;
        for t in 0..hs.len() {
            let prev = if t == 0 { 0.0 } else { hs[t - 1] };
            hs[t] = (self.k * prev + x * t as f64).sin();
            total += hs[t];
        }
        total
    }
}

#[test]
fn methods() {
    let c = Cell { k: 0.7 };
    let mut h = 0.2;
    let (v, [dx, dh]) = c.step_grad(0.4, &mut h);
    assert_eq!(h, (0.7f64 * 0.2 + 0.4).tanh());
    check(
        "step",
        &|p| c.step(p[0], &mut p[1].clone()),
        v,
        &[dx, dh],
        &[0.4, 0.2],
    );
    let mut hs = [0.0; 4];
    let (v, [dx]) = c.run_grad(0.3, &mut hs);
    let mut hs2 = [0.0; 4];
    assert_eq!(v, c.run(0.3, &mut hs2));
    assert_eq!(hs, hs2);
    check("run", &|p| c.run(p[0], &mut [0.0; 4]), v, &[dx], &[0.3]);
}

/// `#[gradient]` callers: the value in a `let`, in `+=`, as the tail; the call as a statement;
/// buffers and parts of them, float locals, in loops.
#[gradient]
fn acc_step(x: f64, s: &mut f64) -> f64 {
    *s = *s * 0.5 + x.sin();
    *s * x
}

/// The layer of `layer_loss` with its buffer differentiated, as callers that differentiate the
/// buffer they lend need (a buffer is differentiated from its first write on, as far as calls
/// that read it can tell).
#[gradient]
fn layer(w: &[f64], x: &[f64], hidden: &mut [f64]) -> f64 {
    for j in 0..hidden.len() {
        hidden[j] = (w[j] * x[j]).tanh() + 0.5 * hidden[j];
    }
    hidden.iter().map(|h| h * h).sum::<f64>()
}

#[gradient]
fn callers(x: f64, w: &[f64]) -> f64 {
    let mut s = 0.25;
    let a = acc_step(x, &mut s);
    let mut total = a * s;
    for k in 0..3 {
        total += acc_step(x * f64::from(k), &mut s);
    }
    acc_step(w[0], &mut s);
    let mut hidden = vec![0.0; 3];
    let l = layer(w, &[1.0, -1.0, 0.5], &mut hidden);
    let mut part = vec![0.5; 5];
    let m = layer(w, &[0.2, 0.3, 0.4], &mut part[1..4]);
    let mut t = s;
    total + l * hidden[1] + m * part[2] + part[4] + acc_step(s, &mut t) * t
}

#[test]
fn called_from_gradient_code() {
    let (x, w) = (0.6, [0.3, -0.8, 1.1]);
    let mut dw = [0.0; 3];
    let (v, [dx]) = callers_grad(x, &w, &mut dw);
    let g = [&[dx][..], &dw].concat();
    let p = [&[x][..], &w].concat();
    check("callers", &|p| callers(p[0], &p[1..]), v, &g, &p);
}

/// A count kept through `&mut` beside the floats (data: a local copy in the derivative).
#[gradient]
fn counted(x: f64, s: &mut f64, calls: &mut usize) -> f64 {
    *calls += 1;
    *s += x * *calls as f64;
    *s * x
}

#[test]
fn a_count_through_mut() {
    let (mut s, mut calls) = (0.5, 2usize);
    let (v, [dx, ds]) = counted_grad(1.5, &mut s, &mut calls);
    assert_eq!((s, calls), (0.5 + 1.5 * 3.0, 3));
    check(
        "counted",
        &|p| counted(p[0], &mut p[1].clone(), &mut 2),
        v,
        &[dx, ds],
        &[1.5, 0.5],
    );
}

/// A function of data only keeps its calls as written.
#[gradient(wrt(x))]
fn data_calls(x: f64, data: &[f64]) -> f64 {
    let mut lo = 0.0;
    let first = acc_step(data[0], &mut lo);
    let mut part = vec![0.5; 4];
    let second = 0.5 * layer(&[0.5, -0.25], &[1.0, 2.0], &mut part[1..3]);
    x * first + lo * x * x + second * part[2] * x
}

#[test]
fn calls_on_data() {
    let data = [0.4, 0.9];
    let (v, [dx]) = data_calls_grad(1.3, &data);
    check("data_calls", &|p| data_calls(p[0], &data), v, &[dx], &[1.3]);
}

/// A callee whose `wrt` leaves a slice out, called with data there and a differentiated buffer
/// lent (its hidden `__dyn_grad` path).
#[gradient(wrt(w, hidden))]
fn partial_layer(w: &[f64], x: &[f64], hidden: &mut [f64]) -> f64 {
    for (h, (a, b)) in hidden.iter_mut().zip(w.iter().zip(x)) {
        *h = (a * b).tanh() + 0.25 * *h;
    }
    hidden.iter().map(|h| h * h).sum::<f64>()
}

#[gradient]
fn partial_caller(w: &[f64]) -> f64 {
    let mut hidden = vec![0.0; w.len()];
    hidden[0] = w[1];
    let a = partial_layer(w, &[0.5, -0.25, 1.0], &mut hidden);
    a * hidden[2] + partial_layer(w, &[1.0, 1.0, 1.0], &mut hidden)
}

#[test]
fn callee_with_data_slices() {
    let w = [0.4, -0.9, 1.3];
    let mut d = [0.0; 3];
    let v = partial_caller_grad(&w, &mut d);
    check("partial_caller", &|p| partial_caller(p), v, &d, &w);
}

/// A buffer smoothed in place, its sum of squares returned early from inside a loop, called on
/// a part of a caller's buffer; a generic state relaxed in a `while` loop, called in a loop.
#[gradient]
fn smooth(x: &mut [f64], n: usize) -> f64 {
    for _ in 0..n {
        for i in 1..x.len() {
            x[i] = 0.5 * (x[i] + x[i - 1]);
        }
    }
    let mut s = 0.0;
    for v in x.iter() {
        if *v > 10.0 {
            return s;
        }
        s += v * v;
    }
    s
}

#[gradient]
fn relax<T: num_traits::Float>(k: T, st: &mut [T; 2]) -> T {
    let mut it = 0;
    while it < 3 {
        let t = st[0];
        st[0] = st[0] - k * st[1];
        st[1] = st[1] + k * t;
        it += 1;
    }
    st[0] * st[0] + st[1]
}

#[gradient]
fn driver(w: &[f64]) -> f64 {
    let mut state = [w[0], w[1]];
    let mut total = 0.0;
    for i in 0..3 {
        total += relax(w[2] * f64::from(i), &mut state) * 0.1;
    }
    let mut buf = vec![w[0], w[1], w[2], 0.5];
    let s = smooth(&mut buf[1..], 2);
    total + s + buf[3] * state[0]
}

#[test]
fn early_returns_and_loops() {
    let x0 = [0.5, -1.0, 2.0, 0.25];
    let (mut x, mut d) = (x0, [0.0; 4]);
    let v = smooth_grad(&mut x, 2, &mut d);
    let mut x2 = x0;
    assert_eq!(v, smooth(&mut x2, 2));
    assert_eq!(x, x2);
    check("smooth", &|p| smooth(&mut p.to_vec(), 2), v, &d, &x0);
    let w = [0.4, 0.9, -0.3];
    let mut dw = [0.0; 3];
    let v = driver_grad(&w, &mut dw);
    check("driver", &|p| driver(p), v, &dw, &w);
}

/// Clad's `FunctionCalls` tests transcribed: reference arguments modified and returned from
/// (`modify1`), updated without a value (`update1`), an element lent to a function doubling it
/// (`twice(&mut arr[i])`), an array modified by a function that returns a constant.
#[gradient]
fn modify1(i: &mut f64, j: &mut f64) -> f64 {
    *i += *j;
    *j += *j;
    *i + *j
}

#[gradient]
fn clad_fn2(mut i: f64, mut j: f64) -> f64 {
    let mut temp = modify1(&mut i, &mut j);
    temp += modify1(&mut i, &mut j);
    i * temp
}

#[gradient]
fn twice(d: &mut f64) {
    *d *= 2.0;
}

#[gradient]
fn sum_and_scale(arr: &mut [f64], n: usize) -> f64 {
    let mut res = 0.0;
    for i in 0..n {
        res += arr[i];
    }
    arr[0] += 10.0 * arr[0];
    res
}

#[gradient]
fn clad_fn4(arr: &mut [f64], n: usize) -> f64 {
    let mut copy = arr.to_vec();
    let mut res = sum_and_scale(&mut copy, n) * copy[0];
    for i in 0..n {
        twice(&mut arr[i]);
        res += arr[i];
    }
    let mut m = [[arr[0], arr[1]], [arr[2], 0.5]];
    twice(&mut m[1][0]);
    let t = sum_and_scale(&mut arr[1..], 2) + modify1(&mut m[0][1], &mut copy[2]);
    res + t * m[1][0] + copy[2]
}

#[test]
fn clad_function_calls() {
    let (v, g) = clad_fn2_grad(3.0, 5.0);
    check("clad_fn2", &|p| clad_fn2(p[0], p[1]), v, &g, &[3.0, 5.0]);
    let a0 = [1.0, 2.0, -3.0, 0.5];
    let (mut a, mut d) = (a0, [0.0; 4]);
    let v = clad_fn4_grad(&mut a, 4, &mut d);
    let mut a2 = a0;
    assert_eq!(v, clad_fn4(&mut a2, 4));
    assert_eq!(a, a2);
    check("clad_fn4", &|p| clad_fn4(&mut p.to_vec(), 4), v, &d, &a0);
}

/// `wrt(..)` naming a `&mut` array (taken by the twin under a name of its own).
#[gradient(wrt(st))]
fn rotate_named(k: f64, st: &mut [f64; 2]) -> f64 {
    let t = st[0];
    st[0] = t * k.cos() - st[1] * k.sin();
    st[1] = t * k.sin() + st[1] * k.cos();
    st[0] * st[1]
}

#[test]
fn an_array_named_in_wrt() {
    let (mut st, mut d) = ([0.5, -1.5], [0.0; 2]);
    let v = rotate_named_grad(0.3, &mut st, &mut d);
    let mut st2 = [0.5, -1.5];
    assert_eq!(v, rotate_named(0.3, &mut st2));
    assert_eq!(st, st2);
    check(
        "rotate_named",
        &|p| rotate_named(0.3, &mut [p[0], p[1]]),
        v,
        &d,
        &[0.5, -1.5],
    );
}

/// A `&mut` parameter moved into another name (`let s = scratch;`) and written through it.
#[gradient]
fn moved_scratch(x: &[f64], scratch: &mut [f64]) -> f64 {
    let s = scratch;
    s[0] = x[0] * 3.0;
    s[0] + x[1] * s[0]
}

#[gradient]
fn moved_output(x: &[f64], out: &mut [f64]) {
    let o = out;
    for i in 0..o.len() {
        o[i] = (x[i] * 2.0).tanh();
    }
}

#[gradient]
fn through_moved_output(x: &[f64]) -> f64 {
    let mut h = vec![0.0; x.len()];
    moved_output(x, &mut h);
    h.iter().map(|v| v * v).sum::<f64>()
}

#[test]
fn references_moved_into_other_names() {
    let x = [0.3, -0.2];
    let (mut sc, mut dsc, mut d) = ([0.0; 1], [0.0; 1], [0.0; 2]);
    let v = moved_scratch_grad(&x, &mut sc, &mut d, &mut dsc);
    assert_eq!(v.to_bits(), moved_scratch(&x, &mut [0.0]).to_bits());
    assert_eq!(sc[0].to_bits(), (0.3f64 * 3.0).to_bits());
    // ∂/∂x0 = 3 + 3 x1, ∂/∂x1 = 3 x0.
    assert!((d[0] - (3.0 + 3.0 * x[1])).abs() < 1e-12 && (d[1] - 3.0 * x[0]).abs() < 1e-12);
    let mut d = [0.0; 2];
    let v = through_moved_output_grad(&x, &mut d);
    assert_eq!(v.to_bits(), through_moved_output(&x).to_bits());
    for i in 0..2 {
        let t = (2.0 * x[i]).tanh();
        assert!((d[i] - 4.0 * t * (1.0 - t * t)).abs() < 1e-12, "{d:?}");
    }
}

/// A `#[gradient]` helper clearing the `Vec` it is lent and pushing into it, called from other
/// `#[gradient]` functions (rustc errors inside the callers' expansions before: the twins that
/// callers call keep their outputs' lengths). Callers inline it.
#[gradient]
fn refill(s: &[f64], a: f64, acc: &mut f64, buf: &mut Vec<f64>) -> f64 {
    buf.clear();
    *acc = *acc * 0.5 + a * s[0] * 0.5;
    for &v in s {
        buf.push((v * 0.5 + a).tanh());
    }
    *acc * 0.25 + buf[0] * a
}

/// Called three times on one buffer (in a sum, scaled, as a statement), the buffer read after.
#[gradient(jvp, hvp)]
fn refilled_thrice(x: &[f64], a: f64) -> f64 {
    let mut acc: f64 = 0.3;
    let mut b = vec![0.1; 2];
    let r = 0.5 * refill(x, a, &mut acc, &mut b);
    let r2 = refill(x, a * r, &mut acc, &mut b);
    refill(x, a, &mut acc, &mut b);
    r + r2 + acc * b[1] + b.iter().sum::<f64>()
}

/// A plain helper taking a slice, given a `Vec` listed in place (`&vec![a, b]`).
fn weighted(c: f64, s: &[f64]) -> f64 {
    c * s[0] + s[s.len() - 1]
}

/// The refilling helper called inside expressions: an assignment's right side in a loop, a
/// compound assignment whose right side reads what it lent after it, a call's argument, beside
/// a helper given `&vec![..]`.
#[gradient]
fn refilled_in_expressions(x: &[f64], a: f64) -> f64 {
    let mut acc: f64 = 0.3;
    let mut b = vec![0.1; 2];
    let mut y = 0.0;
    for k in 0..2 {
        y = 0.5 * refill(x, a + f64::from(k), &mut acc, &mut b) + weighted(a, &vec![x[0], a]);
    }
    y += a * refill(x, y, &mut acc, &mut b) + b[0] * acc;
    let z = f64::tanh(refill(x, 0.5 * a, &mut acc, &mut b) * y);
    y + z + acc * b[1]
}

/// The hidden layer of a small network, written into a scratch `Vec` by `push` (a helper without
/// `#[gradient]`).
fn hidden_of(w: &[f64], x: &[f64], h: &mut Vec<f64>) -> f64 {
    h.clear();
    for j in 0..2 {
        let z = w[2 * j] * x[0] + w[2 * j + 1] * x[1];
        h.push(z.tanh());
    }
    h.iter().sum::<f64>()
}

/// One scratch vector for every sample, declared before the sample loop, refilled by the helper
/// on every trip.
#[gradient(wrt(w), jvp)]
fn scratch_per_sample(w: &[f64], data: &[(f64, f64, f64)]) -> f64 {
    let mut h = Vec::new();
    let mut loss = 0.0;
    for &(x0, x1, y) in data {
        let s = hidden_of(w, &[x0, x1], &mut h);
        let p = s + h[0] * w[4];
        loss += (p - y) * (p - y);
    }
    loss
}

/// The same written in the loss itself, the scratch cleared two loops deep.
#[gradient(wrt(w))]
fn scratch_cleared_in_place(w: &[f64], data: &[(f64, f64, f64)]) -> f64 {
    let mut h: Vec<f64> = Vec::with_capacity(2);
    let mut loss = 0.0;
    for epoch in 0..2 {
        for &(x0, x1, y) in data {
            h.clear();
            for j in 0..2 {
                h.push((w[2 * j] * x0 + w[2 * j + 1] * x1 + f64::from(epoch)).tanh());
            }
            let p = h[0] * w[4] + h[1];
            loss += (p - y) * (p - y);
        }
    }
    loss
}

/// Resized and extended buffers lent to helpers, one of them in a loop.
#[gradient]
fn resized_to_fit(s: &[f64], a: f64, buf: &mut Vec<f64>) -> f64 {
    buf.resize(s.len() + 1, 0.0);
    for i in 0..s.len() {
        buf[i + 1] = (s[i] * a).sin();
    }
    buf[0] = a;
    buf.iter().sum::<f64>() * a
}

#[gradient]
fn extended_by(s: &[f64], a: f64, buf: &mut Vec<f64>) -> f64 {
    buf.clear();
    buf.extend_from_slice(s);
    buf.push(a * a);
    buf.iter().map(|v| v * a).sum::<f64>()
}

#[gradient]
fn resized_and_extended(x: &[f64], a: f64) -> f64 {
    let mut b: Vec<f64> = Vec::new();
    let mut t = 0.0;
    for k in 0..3 {
        t += resized_to_fit(x, a + f64::from(k), &mut b) + b[1];
    }
    let mut c = vec![1.0; 4];
    let e = extended_by(x, a, &mut c);
    t + e * c[3] + c.len() as f64
}

#[test]
fn vecs_cleared_or_resized_by_helpers() {
    let x = [0.3, -0.7, 1.2];
    let p = [0.3, -0.7, 1.2, 0.4];
    let mut dx = [0.0; 3];
    let (v, [da]) = refilled_thrice_grad(&x, 0.4, &mut dx);
    assert_eq!(v.to_bits(), refilled_thrice(&x, 0.4).to_bits());
    let g = cat(&[&dx, &[da]]);
    check(
        "refilled_thrice",
        &|p| refilled_thrice(&p[..3], p[3]),
        v,
        &g,
        &p,
    );
    let v_dir = [0.2, -0.1, 0.5];
    let (vj, t) = refilled_thrice_jvp(&x, 0.4, &v_dir, 0.3);
    assert_eq!(vj.to_bits(), v.to_bits());
    let want = g
        .iter()
        .zip([0.2, -0.1, 0.5, 0.3])
        .map(|(a, b)| a * b)
        .sum::<f64>();
    assert!((t - want).abs() < 1e-9, "{t} {want}");
    let (mut d2, mut hv) = ([0.0; 3], [0.0; 3]);
    let (_, _, [hva]) = refilled_thrice_hvp(&x, 0.4, &v_dir, 0.3, &mut d2, &mut hv);
    let h = fd_hessian(&|p| refilled_thrice(&p[..3], p[3]), &p);
    let dir = [0.2, -0.1, 0.5, 0.3];
    let want: Vec<f64> = (0..4)
        .map(|i| (0..4).map(|j| h[i * 4 + j] * dir[j]).sum())
        .collect();
    close_tol("refilled_thrice hvp", &cat(&[&hv, &[hva]]), &want, 1e-4);

    let mut dx = [0.0; 3];
    let (v, [da]) = refilled_in_expressions_grad(&x, 0.4, &mut dx);
    assert_eq!(v.to_bits(), refilled_in_expressions(&x, 0.4).to_bits());
    let g = cat(&[&dx, &[da]]);
    let f = |p: &[f64]| refilled_in_expressions(&p[..3], p[3]);
    check("refilled_in_expressions", &f, v, &g, &p);

    let w = [0.1, -0.3, 0.5, 0.2, 0.7];
    let data = [(0.1, 0.2, 0.3), (-0.5, 0.4, 0.1), (0.9, -0.2, -0.4)];
    let mut dw = [0.0; 5];
    let v = scratch_per_sample_grad(&w, &data, &mut dw);
    assert_eq!(v.to_bits(), scratch_per_sample(&w, &data).to_bits());
    check(
        "scratch_per_sample",
        &|p| scratch_per_sample(p, &data),
        v,
        &dw,
        &w,
    );
    let mut dw = [0.0; 5];
    let v = scratch_cleared_in_place_grad(&w, &data, &mut dw);
    assert_eq!(v.to_bits(), scratch_cleared_in_place(&w, &data).to_bits());
    check(
        "scratch_cleared_in_place",
        &|p| scratch_cleared_in_place(p, &data),
        v,
        &dw,
        &w,
    );

    let mut dx = [0.0; 3];
    let (v, [da]) = resized_and_extended_grad(&x, 0.4, &mut dx);
    assert_eq!(v.to_bits(), resized_and_extended(&x, 0.4).to_bits());
    let g = cat(&[&dx, &[da]]);
    check(
        "resized_and_extended",
        &|p| resized_and_extended(&p[..3], p[3]),
        v,
        &g,
        &p,
    );
}

/// The helper's value assigned to a local again (`r = refill(..);`), in `f32`.
#[gradient(wrt(x))]
fn refilled_again(x: &[f32], a: f32) -> f32 {
    let mut acc: f32 = 0.5;
    let mut b: Vec<f32> = Vec::new();
    let mut r = refill32(x, a * 1.5, &mut acc, &mut b);
    r = refill32(x, a * r, &mut acc, &mut b);
    r + b[1] * acc
}

#[gradient]
fn refill32(s: &[f32], a: f32, acc: &mut f32, buf: &mut Vec<f32>) -> f32 {
    buf.clear();
    *acc = *acc * 0.5 + a * s[0] * 0.5;
    for &v in s {
        buf.push((v * 0.5 + a).tanh());
    }
    *acc * 0.25 + buf[0] * a
}

#[test]
fn a_refilled_vec_assigned_again() {
    let x = [0.3f32, -0.7, 1.2];
    let mut dx = [0.0f32; 3];
    let v = refilled_again_grad(&x, 0.4, &mut dx);
    assert_eq!(v.to_bits(), refilled_again(&x, 0.4).to_bits());
    let h = 1e-3f32;
    for i in 0..3 {
        let (mut p, mut m) = (x, x);
        p[i] += h;
        m[i] -= h;
        let fd = (refilled_again(&p, 0.4) - refilled_again(&m, 0.4)) / (2.0 * h);
        assert!((dx[i] - fd).abs() < 2e-3, "{i}: {} {fd}", dx[i]);
    }
}

/// Generic over `T: Float`: a helper refilling the `Vec<T>` it is lent, from a generic caller.
#[gradient]
fn refill_t<T: num_traits::Float>(s: &[T], a: T, buf: &mut Vec<T>) -> T {
    buf.clear();
    for &v in s {
        buf.push((v * a).tanh());
    }
    buf[0] * a
}

#[gradient(wrt(x))]
fn refilled_t<T: num_traits::Float>(x: &[T], a: T) -> T {
    let mut b: Vec<T> = Vec::new();
    let r = refill_t(x, a, &mut b);
    r + b[1] * b[2]
}

#[test]
fn a_generic_helper_refilling_a_vec() {
    let x = [0.3f64, -0.7, 1.2];
    let mut dx = [0.0; 3];
    let v = refilled_t_grad(&x, 0.4, &mut dx);
    assert_eq!(v.to_bits(), refilled_t(&x, 0.4).to_bits());
    check("refilled_t", &|p| refilled_t(p, 0.4), v, &dx, &x);
}

/// The refilled `Vec` where callers keep it across code: lent with an element of an array
/// (`&mut ia[1]`), refilled in a loop whose trips read it before the call and whose result is
/// read after the loop (a trip left early by `continue` or `break` too), two loops deep, in an
/// `if` statement and in an `if` giving a value
/// (rustc errors inside the expansion before; long mode seed 4260 `g94`).
#[gradient(jvp)]
fn refilled_across(x0: f64, x1: f64, xs: &[f64]) -> f64 {
    let mut ia = [0.5; 2];
    let mut ib = vec![0.1; 2];
    let r = 0.5 * refill(xs, x0 * x1, &mut ia[1], &mut ib);
    let mut r2 = 0.0;
    for _ in 0..2 {
        r2 = refill(xs, x0 + ib[1], &mut ia[0], &mut ib)
    }
    let mut r3 = 0.0;
    for k in 0..3 {
        if k == 1 {
            continue;
        }
        for _ in 0..k {
            r3 += refill(xs, x1, &mut ia[0], &mut ib);
        }
    }
    for k in 0..4 {
        r3 += refill(xs, x0 + ib[1], &mut ia[0], &mut ib);
        if k == 1 {
            continue;
        }
        if k == 3 && x1 > 10.0 {
            break;
        }
        r3 += ib[0] * x1;
    }
    for _ in 0..2 {
        r3 = refill(xs, x0 + r3 * 0.1, &mut ia[1], &mut ib);
        continue;
    }
    let mut trips = 0;
    loop {
        r3 += refill(xs, x1 + ib[0], &mut ia[0], &mut ib);
        trips += 1;
        if trips == 2 {
            break;
        }
    }
    if x1 > 0.0 {
        r3 += refill(xs, x1 * 2.0, &mut ia[0], &mut ib);
    } else {
        r3 -= 1.0;
    }
    let r4 = if x1 < 5.0 {
        refill(xs, x1 - x0, &mut ia[1], &mut ib)
    } else {
        0.0
    };
    ia[1] * ib[1] + x0 + r + r2 * ia[0] + ib.iter().sum::<f64>() + r3 + r4
}

#[derive(Clone, grad::Params)]
struct Refilled {
    x0: f64,
    w: Vec<f64>,
}

/// The same from a model's function.
#[gradient(wrt(model))]
fn refilled_by_model(model: &Refilled, x1: f64, xs: &[f64]) -> f64 {
    let mut ia = [0.5; 2];
    let mut ib = vec![0.1; 2];
    let mut r2 = 0.0;
    for k in 0..2 {
        r2 = refill(xs, model.x0 * x1 + model.w[k], &mut ia[1], &mut ib);
    }
    ia[1] * ib[1] + model.x0 + r2
}

#[test]
fn a_refilled_vec_kept_across_loops_and_branches() {
    let xs = [0.3, -0.2, 0.5];
    for (x0, x1) in [(0.7, 1.3), (-0.4, -0.6), (0.2, 11.0)] {
        let mut dxs = [0.0; 3];
        let (v, [d0, d1]) = refilled_across_grad(x0, x1, &xs, &mut dxs);
        assert_eq!(v.to_bits(), refilled_across(x0, x1, &xs).to_bits());
        let p = cat(&[&[x0, x1], &xs]);
        let g = cat(&[&[d0, d1], &dxs]);
        let f = |p: &[f64]| refilled_across(p[0], p[1], &p[2..]);
        check("refilled_across", &f, v, &g, &p);
        let dir = [0.3, -0.2, 0.1, 0.5, -0.4];
        let (vj, t) = refilled_across_jvp(x0, x1, &xs, dir[0], dir[1], &dir[2..]);
        assert_eq!(vj.to_bits(), v.to_bits());
        let want: f64 = g.iter().zip(dir).map(|(a, b)| a * b).sum();
        assert!((t - want).abs() < 1e-9, "{t} {want}");
    }
    let m = Refilled {
        x0: 0.7,
        w: vec![0.2, -0.3],
    };
    let mut dm = Refilled {
        x0: 0.0,
        w: vec![0.0; 2],
    };
    let v = refilled_by_model_grad(&m, 1.3, &xs, &mut dm);
    assert_eq!(v.to_bits(), refilled_by_model(&m, 1.3, &xs).to_bits());
    let p = [m.x0, m.w[0], m.w[1]];
    let f = |p: &[f64]| {
        let m = Refilled {
            x0: p[0],
            w: p[1..].to_vec(),
        };
        refilled_by_model(&m, 1.3, &xs)
    };
    check("refilled_by_model", &f, v, &[dm.x0, dm.w[0], dm.w[1]], &p);
}
