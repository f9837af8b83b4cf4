//! Functions that write their result into an output parameter (issue 9): `#[gradient]` on
//! `fn f(.., out: &mut [T])` gives `NAME_vjp` and `NAME_jacobian`, and a `#[gradient]` caller's
//! `f(.., &mut h);` carries the chain rule through it — to the inputs and to what `h` held
//! before the call. Each checked against central differences, the value bit for bit.

#![allow(clippy::needless_range_loop, clippy::useless_vec)]

mod common;

use common::{close, fd_all as fd};
use grad::gradient;

/// A dense layer written the allocation-free way: `out = tanh(W x + b)`, `W` row-major.
#[gradient]
fn dense(w: &[f64], b: &[f64], x: &[f64], out: &mut [f64]) {
    let n = x.len();
    for k in 0..out.len() {
        let mut a = b[k];
        for j in 0..n {
            a += w[k * n + j] * x[j];
        }
        out[k] = a.tanh();
    }
}

/// Adds `a · x` into `out`: the result depends on what `out` held.
#[gradient(jvp)]
fn axpy(a: f64, x: &[f64], out: &mut [f64]) {
    for (o, xi) in out.iter_mut().zip(x) {
        *o += a * xi;
    }
}

/// Overwrites, then maps in place through `iter_mut`.
#[gradient]
fn sines(b: &[f64], out: &mut [f64]) {
    out.fill(0.0);
    out.copy_from_slice(b);
    for o in out.iter_mut() {
        *o = o.sin();
    }
}

/// Two layers through a scratch buffer, the second writing into `out` passed on as it is.
#[gradient]
fn two_layers(w: &[f64], b: &[f64], x: &[f64], out: &mut [f64]) {
    let mut h = vec![0.0; b.len()];
    dense(w, b, x, &mut h);
    dense(w, b, &h, out);
}

/// Data preparation the macro does not differentiate: a plain function with an output buffer.
fn features(x: &[f64], out: &mut [f64]) {
    for (o, v) in out.iter_mut().zip(x) {
        *o = v * 2.0 - 0.5;
    }
}

/// The loss of a small network whose layers write into buffers reused for every sample.
#[gradient(wrt(w, b, a))]
fn loss(w: &[f64], b: &[f64], a: f64, x: &[f64], y: &[f64]) -> f64 {
    let d = 2;
    let n = y.len();
    let mut f = [0.0; 2];
    let mut h = vec![0.0; 2];
    let mut s = 0.0;
    for i in 0..n {
        features(&x[i * d..(i + 1) * d], &mut f);
        dense(w, b, &f, &mut h);
        axpy(a, &f, &mut h);
        let mut h2 = [0.0; 2];
        two_layers(w, b, &h, &mut h2);
        sines(&h2, &mut h);
        let r = h.iter().sum::<f64>() - y[i];
        s += r * r;
    }
    s / n as f64
}

const W: [f64; 4] = [0.1, -0.2, 0.3, 0.4];
const B: [f64; 2] = [0.5, -0.5];
const X: [f64; 6] = [1.0, 2.0, -0.5, 0.3, 0.7, -1.1];
const Y: [f64; 3] = [0.3, -0.2, 0.5];

#[test]
fn loss_through_output_parameters() {
    let a = 0.7;
    let (mut dw, mut db) = ([0.0; 4], [0.0; 2]);
    let (value, [da]) = loss_grad(&W, &B, a, &X, &Y, &mut dw, &mut db);
    assert_eq!(value.to_bits(), loss(&W, &B, a, &X, &Y).to_bits());
    close("w", &dw, &fd(&|p| loss(p, &B, a, &X, &Y), &W));
    close("b", &db, &fd(&|p| loss(&W, p, a, &X, &Y), &B));
    close("a", &[da], &fd(&|p| loss(&W, &B, p[0], &X, &Y), &[a]));
}

#[test]
fn vjp_of_a_layer_with_an_output_parameter() {
    let x = [0.7, -1.2];
    let u = [1.0, -0.5];
    let mut out = [9.0; 2];
    let mut d_out = u;
    let (mut dw, mut db, mut dx) = ([0.0; 4], [0.0; 2], [0.0; 2]);
    let scalars = dense_vjp(&W, &B, &x, &mut out, &mut d_out, &mut dw, &mut db, &mut dx);
    assert!(scalars.is_empty());
    let mut want = [0.0; 2];
    dense(&W, &B, &x, &mut want);
    assert_eq!(out, want);
    // `dense` overwrites `out`: what it held has no influence.
    assert_eq!(d_out, [0.0, 0.0]);
    let dot = |w: &[f64], b: &[f64], x: &[f64]| {
        let mut o = [0.0; 2];
        dense(w, b, x, &mut o);
        o[0] * u[0] + o[1] * u[1]
    };
    close("w", &dw, &fd(&|p| dot(p, &B, &x), &W));
    close("b", &db, &fd(&|p| dot(&W, p, &x), &B));
    close("x", &dx, &fd(&|p| dot(&W, &B, p), &x));
}

#[test]
fn vjp_reaches_what_out_held() {
    let mut out = [1.0, 2.0];
    let mut d_out = [1.0, 3.0];
    let mut dx = [0.0; 2];
    let [da] = axpy_vjp(0.5, &[3.0, 4.0], &mut out, &mut d_out, &mut dx);
    assert_eq!(out, [2.5, 4.0]);
    assert_eq!(da, 3.0 + 3.0 * 4.0);
    assert_eq!(dx, [0.5, 1.5]);
    // `out[i] += ..` passes the cotangent of the new contents on to the old ones.
    assert_eq!(d_out, [1.0, 3.0]);
}

#[test]
fn jacobian_of_a_layer_with_an_output_parameter() {
    let x = [0.7, -1.2];
    let mut out = [0.0; 2];
    let jac = two_layers_jacobian(&W, &B, &x, &mut out);
    let mut want = [0.0; 2];
    two_layers(&W, &B, &x, &mut want);
    assert_eq!(out, want);
    let flat = |p: &[f64]| -> [f64; 2] {
        let mut o = [0.0; 2];
        two_layers(&p[0..4], &p[4..6], &p[6..8], &mut o);
        o
    };
    let p: Vec<f64> = W.iter().chain(&B).chain(&x).copied().collect();
    for (i, row) in jac.iter().enumerate() {
        close(&format!("row {i}"), row, &fd(&|q| flat(q)[i], &p));
    }
}

/// Into part of a buffer: the head keeps what it held, the tail's old contents feed the call.
#[gradient]
fn squash(w: &[f64], out: &mut [f64]) {
    for k in 0..out.len() {
        out[k] = w[k] * 3.0 + out[k] * out[k];
    }
}

#[gradient]
fn into_part(w: &[f64]) -> f64 {
    let mut h = vec![0.5; 4];
    h[1] = w[3];
    squash(w, &mut h[1..3]);
    squash(&w[2..], &mut h[2..]);
    h[1] * h[2] + h[3] + h[0]
}

#[test]
fn output_into_a_sub_slice() {
    let w = [0.1, 0.2, 0.3, 0.4];
    let mut dw = [0.0; 4];
    let value = into_part_grad(&w, &mut dw);
    assert_eq!(value.to_bits(), into_part(&w).to_bits());
    close("w", &dw, &fd(&|p| into_part(p), &w));
}

/// Generic over the float type, called under a branch, in `f32` and `f64`.
#[gradient]
fn scale<T: grad::Real>(w: &[T], x: &[T], out: &mut [T]) {
    for (k, o) in out.iter_mut().enumerate() {
        *o = w[k] * x[k];
    }
}

#[gradient]
fn branchy<T: grad::Real>(w: &[T], x: &[T]) -> T {
    let mut h = [T::zero(); 2];
    if w[0] > T::zero() {
        scale(w, x, &mut h);
    } else {
        scale(x, w, &mut h);
    }
    h[0] * h[1]
}

#[test]
fn generic_output_parameter_f32_and_f64() {
    let (w, x) = ([0.5_f32, 0.25], [2.0_f32, 3.0]);
    let (mut dw, mut dx) = ([0.0_f32; 2], [0.0_f32; 2]);
    let v = branchy_grad(&w, &x, &mut dw, &mut dx);
    assert_eq!(v.to_bits(), branchy(&w, &x).to_bits());
    assert_eq!(dw, [2.0 * 0.75, 3.0 * 1.0]);
    assert_eq!(dx, [0.5 * 0.75, 0.25 * 1.0]);
    let (w, x) = ([-0.5_f64, 0.25], [2.0, 3.0]);
    let (mut dw, mut dx) = ([0.0; 2], [0.0; 2]);
    let v = branchy_grad(&w, &x, &mut dw, &mut dx);
    assert_eq!(v.to_bits(), branchy(&w, &x).to_bits());
    close("w", &dw, &fd(&|p| branchy(p, &x), &w));
    close("x", &dx, &fd(&|p| branchy(&w, p), &x));
}

#[derive(Clone, grad::Params)]
struct Mlp {
    w1: Vec<f64>,
    b1: Vec<f64>,
    w2: Vec<f64>,
}

impl Mlp {
    /// A model's loss calling the layer with its fields, once per sample.
    #[gradient]
    fn loss(&self, x: &[f64], y: &[f64]) -> f64 {
        let d = 2;
        let mut h = vec![0.0; self.b1.len()];
        let mut s = 0.0;
        for i in 0..y.len() {
            dense(&self.w1, &self.b1, &x[i * d..(i + 1) * d], &mut h);
            let mut o = 0.0;
            for k in 0..h.len() {
                o += self.w2[k] * h[k];
            }
            s += (o - y[i]).powi(2);
        }
        s
    }
}

#[test]
fn model_fields_into_an_output_parameter() {
    use grad::Params;
    let m = Mlp {
        w1: W.to_vec(),
        b1: B.to_vec(),
        w2: vec![0.3, -0.6],
    };
    let (x, y) = ([1.0, 2.0, -0.5, 0.3], [0.2, 0.4]);
    let mut g = m.zeros_like();
    let v = m.loss_grad(&x, &y, &mut g);
    assert_eq!(v.to_bits(), m.loss(&x, &y).to_bits());
    let flat = m.to_flat();
    let want = fd(
        &|p| {
            let mut q = m.clone();
            q.w1.copy_from_slice(&p[0..4]);
            q.b1.copy_from_slice(&p[4..6]);
            q.w2.copy_from_slice(&p[6..8]);
            q.loss(&x, &y)
        },
        &flat,
    );
    close("model", &g.to_flat(), &want);
}

/// Associated functions: the wrappers call what is emitted beside them whether or not the body
/// names `Self` (the macro cannot see the `impl` around a function).
struct Layers;

impl Layers {
    #[gradient]
    fn scaled(w: &[f64], x: &[f64]) -> Vec<f64> {
        vec![w[0] * x[0], w[1] * x[1]]
    }

    #[gradient]
    fn doubled(w: &[f64], out: &mut [f64]) {
        out[0] = w[0] * 2.0;
    }

    #[gradient]
    fn doubled_by_self(w: &[f64], out: &mut [f64]) {
        Self::doubled(w, out);
        out[1] = w[1];
    }

    #[gradient]
    fn loss(w: &[f64], x: &[f64]) -> f64 {
        let h = Self::scaled(w, x);
        let mut o = vec![0.0; 2];
        Self::doubled_by_self(w, &mut o);
        h[0] + h[1] * o[0] + o[1]
    }
}

#[test]
fn associated_functions_in_an_impl() {
    let (w, x) = ([1.0, 2.0], [3.0, 4.0]);
    let (v, j) = Layers::scaled_jacobian(&w, &x);
    assert_eq!(v, [3.0, 8.0]);
    assert_eq!(j, [[3.0, 0.0, 1.0, 0.0], [0.0, 4.0, 0.0, 2.0]]);
    let mut o = [0.0; 2];
    let j = Layers::doubled_by_self_jacobian(&w, &mut o);
    assert_eq!(o, [2.0, 2.0]);
    assert_eq!(j, [[2.0, 0.0], [0.0, 1.0]]);
    let mut d_o = [1.0, 1.0];
    let mut dw = [0.0; 2];
    let [] = Layers::doubled_vjp(&w, &mut o, &mut d_o, &mut dw);
    assert_eq!((o, d_o, dw), ([2.0, 2.0], [0.0, 1.0], [2.0, 0.0]));
    let (mut dw, mut dx) = ([0.0; 2], [0.0; 2]);
    let v = Layers::loss_grad(&w, &x, &mut dw, &mut dx);
    assert_eq!(v.to_bits(), Layers::loss(&w, &x).to_bits());
    close("w", &dw, &fd(&|p| Layers::loss(p, &x), &w));
    close("x", &dx, &fd(&|p| Layers::loss(&w, p), &x));
}

/// A parameter declared `mut` (changed in the body, passed on by name).
#[gradient]
fn doubled_scale(mut a: f64, x: &[f64], out: &mut [f64]) {
    a *= 2.0;
    for (o, v) in out.iter_mut().zip(x) {
        *o = a * v;
    }
}

#[test]
fn mut_parameter_of_a_function_with_an_output() {
    let mut out = [0.0; 2];
    let jac = doubled_scale_jacobian(1.5, &[1.0, -2.0], &mut out);
    assert_eq!(out, [3.0, -6.0]);
    assert_eq!(jac, [[2.0, 3.0, 0.0], [-4.0, 0.0, 3.0]]);
}

/// A vector-valued helper for forward mode's tests.
#[gradient]
fn tanh_layer(w: &[f64], s: f64, x: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; x.len()];
    for i in 0..x.len() {
        out[i] = (w[i] * x[i] + s).tanh();
    }
    out
}

/// Forward mode through calls of vector-valued functions and of functions with an output.
#[gradient(jvp)]
fn forward_through_layers(w: &[f64], s: f64, x: &[f64]) -> f64 {
    let h = tanh_layer(w, s * 2.0, x);
    let mut o = vec![0.5; 2];
    axpy(s, &h, &mut o);
    let h2 = tanh_layer(&o, s, &h);
    h2.iter().sum::<f64>() * s
}

#[test]
fn jvp_through_vector_calls_and_output_parameters() {
    let (w, x) = ([0.3, -0.5], [1.0, 2.0]);
    let (tw, tx, ts) = ([0.7, 0.2], [-0.4, 0.9], 0.6);
    let s = 0.8;
    let (v, t) = forward_through_layers_jvp(&w, s, &x, &tw, ts, &tx);
    assert_eq!(v.to_bits(), forward_through_layers(&w, s, &x).to_bits());
    let (mut dw, mut dx) = ([0.0; 2], [0.0; 2]);
    let (_, [ds]) = forward_through_layers_grad(&w, s, &x, &mut dw, &mut dx);
    let want = dw[0] * tw[0] + dw[1] * tw[1] + dx[0] * tx[0] + dx[1] * tx[1] + ds * ts;
    assert!((t - want).abs() < 1e-12, "{t} against {want}");
}

/// An output-parameter function with an array input (`p: &[f64; 2]`): its Jacobian makes the
/// input's gradient buffer an array (a `Vec` did not type-check).
#[gradient]
fn rotate(theta: f64, p: &[f64; 2], out: &mut [f64; 2]) {
    let (s, c) = theta.sin_cos();
    out[0] = c * p[0] - s * p[1];
    out[1] = s * p[0] + c * p[1];
}

#[test]
fn array_input_of_an_output_parameter_function() {
    let (theta, p) = (0.3, [1.0, 2.0]);
    let mut out = [0.0; 2];
    let jac = rotate_jacobian(theta, &p, &mut out);
    let f = |t: f64, q: [f64; 2]| {
        let mut o = [0.0; 2];
        rotate(t, &q, &mut o);
        o
    };
    assert_eq!(out, f(theta, p));
    for i in 0..2 {
        let fd_t = (f(theta + 1e-6, p)[i] - f(theta - 1e-6, p)[i]) / 2e-6;
        assert!((jac[i][0] - fd_t).abs() < 1e-8, "{jac:?}");
        for j in 0..2 {
            let (mut a, mut b) = (p, p);
            a[j] += 1e-6;
            b[j] -= 1e-6;
            let fd = (f(theta, a)[i] - f(theta, b)[i]) / 2e-6;
            assert!((jac[i][1 + j] - fd).abs() < 1e-8, "{jac:?}");
        }
    }
}

/// Forward mode of a function with an output parameter: `out` gets the value and `v_out` the
/// tangent of its new contents, from the tangent of its old ones (Enzyme's `fwddiff` with a
/// shadow of the output), equal to the Jacobian times the direction.
#[gradient(jvp, wrt(w))]
fn dense_jvp_layer(w: &[f64], x: &[f64], out: &mut [f64]) {
    for i in 0..out.len() {
        out[i] = (w[2 * i] * x[0] + w[2 * i + 1] * x[1]).tanh();
    }
}

#[test]
fn jvp_of_functions_with_an_output_parameter() {
    let (a, x) = (0.7, [0.5, -1.5, 2.0]);
    let old = [0.25, 1.0, -0.5];
    let (v_a, v_x, v_old) = (0.3, [1.0, -0.5, 0.25], [0.5, 0.0, -1.0]);
    let mut out = old;
    let mut v_out = v_old;
    axpy_jvp(a, &x, &mut out, v_a, &v_x, &mut v_out);
    let mut want = old;
    axpy(a, &x, &mut want);
    assert_eq!(out, want);
    for i in 0..3 {
        // ∂out_i = v_old_i + v_a x_i + a v_x_i
        let t = v_old[i] + v_a * x[i] + a * v_x[i];
        assert!((v_out[i] - t).abs() < 1e-15, "{i}: {} vs {t}", v_out[i]);
    }
    let (w, x) = ([0.1, 0.2, -0.3, 0.4], [1.0, 2.0]);
    let v = [0.5, -1.0, 0.25, 2.0];
    let (mut o, mut vo) = ([0.0; 2], [f64::NAN, 3.0]);
    dense_jvp_layer_jvp(&w, &x, &mut o, &v, &mut vo);
    let mut o2 = [0.0; 2];
    let jac = dense_jvp_layer_jacobian(&w, &x, &mut o2);
    assert_eq!(o, o2);
    for i in 0..2 {
        let t: f64 = jac[i].iter().zip(&v).map(|(j, v)| j * v).sum();
        assert!((vo[i] - t).abs() < 1e-14, "{i}: {} vs {t}", vo[i]);
    }
}

/// Several outputs: a step of an integrator that updates positions and velocities in place.
#[gradient(jvp)]
fn euler_step(x: &mut [f64], v: &mut [f64], dt: f64, k: f64) {
    for i in 0..x.len() {
        v[i] -= k * x[i] * dt;
        x[i] += v[i] * dt;
    }
}

/// A float output through `&mut T`, accumulated into.
#[gradient(jvp)]
fn add_sq(acc: &mut f64, v: f64) {
    *acc += v * v;
}

/// Two float outputs, the second reading the first.
#[gradient]
fn moments(x: &[f64], mean: &mut f64, var: &mut f64) {
    *mean = x.iter().sum::<f64>() / x.len() as f64;
    *var = x.iter().map(|v| (v - *mean).powi(2)).sum::<f64>() / x.len() as f64;
}

/// A buffer and a float, the float passed on to a helper that writes it.
#[gradient]
fn normalized(x: &[f64], out: &mut [f64], norm: &mut f64) {
    *norm = 0.0;
    for &v in x {
        add_sq(norm, v);
    }
    *norm = norm.sqrt();
    for (o, v) in out.iter_mut().zip(x) {
        *o = v / *norm;
    }
}

/// Plain functions on data, with several outputs: kept as written.
fn data_stats(x: &[f64], lo: &mut f64, hi: &mut f64, scaled: &mut [f64]) {
    *lo = x.iter().copied().fold(f64::INFINITY, f64::min);
    *hi = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    for (s, v) in scaled.iter_mut().zip(x) {
        *s = (v - *lo) / (*hi - *lo);
    }
}

#[gradient(wrt(k, w))]
fn simulated(k: f64, w: &[f64], x0: &[f64]) -> f64 {
    let mut x = x0.to_vec();
    let mut v = vec![0.0; x.len()];
    for _ in 0..5 {
        euler_step(&mut x, &mut v, 0.1, k);
    }
    let mut s = 0.0;
    for (xi, wi) in x.iter().zip(w) {
        add_sq(&mut s, xi * wi);
    }
    let (mut m, mut var) = (0.0, 0.0);
    moments(w, &mut m, &mut var);
    let mut buf = vec![0.25; w.len() + 2];
    let mut norm = 0.0;
    normalized(w, &mut buf[1..w.len() + 1], &mut norm);
    let (mut lo, mut hi) = (0.0, 0.0);
    let mut scaled = vec![0.0; x0.len()];
    data_stats(x0, &mut lo, &mut hi, &mut scaled);
    s + m * var + buf.iter().sum::<f64>() * norm + (hi - lo) * scaled[1] * w[0]
}

#[test]
fn several_outputs_and_float_outputs() {
    let (k, w, x0) = (2.0, [0.3, -1.2, 0.7], [1.0, 0.5, -0.25]);
    let mut dw = [0.0; 3];
    let (value, [dk]) = simulated_grad(k, &w, &x0, &mut dw);
    assert_eq!(value.to_bits(), simulated(k, &w, &x0).to_bits());
    close("k", &[dk], &fd(&|p| simulated(p[0], &w, &x0), &[k]));
    close("w", &dw, &fd(&|p| simulated(k, p, &x0), &w));
}

#[test]
fn vjp_jacobian_and_jvp_of_several_outputs() {
    let (x0, v0, dt, k) = ([1.0, 0.5], [0.0, 0.2], 0.1, 2.0);
    let step = |x: &mut [f64], v: &mut [f64], k: f64| euler_step(x, v, dt, k);
    // Packed in order: `x`'s elements, then `v`'s.
    let (mut x, mut v) = (x0, v0);
    let jac = euler_step_jacobian(&mut x, &mut v, dt, k);
    let (mut wx, mut wv) = (x0, v0);
    step(&mut wx, &mut wv, k);
    assert_eq!((x, v), (wx, wv));
    let outs = |p: &[f64]| {
        let (mut x, mut v) = (x0, v0);
        euler_step(&mut x, &mut v, p[0], p[1]);
        [x[0], x[1], v[0], v[1]]
    };
    assert_eq!(jac.len(), 4);
    for (i, row) in jac.iter().enumerate() {
        close(&format!("row {i}"), row, &fd(&|p| outs(p)[i], &[dt, k]));
    }
    // The cotangents of the new contents in, those of the old contents out.
    let (mut x, mut v) = (x0, v0);
    let (mut dx, mut dv) = ([1.0, -0.5], [0.25, 2.0]);
    let [ddt, dk] = euler_step_vjp(&mut x, &mut v, dt, k, &mut dx, &mut dv);
    assert_eq!((x, v), (wx, wv));
    let dot = |x0: &[f64], v0: &[f64], dt: f64, k: f64| {
        let (mut x, mut v) = ([x0[0], x0[1]], [v0[0], v0[1]]);
        euler_step(&mut x, &mut v, dt, k);
        x[0] - 0.5 * x[1] + 0.25 * v[0] + 2.0 * v[1]
    };
    close(
        "dt, k",
        &[ddt, dk],
        &fd(&|p| dot(&x0, &v0, p[0], p[1]), &[dt, k]),
    );
    close("x before", &dx, &fd(&|p| dot(p, &v0, dt, k), &x0));
    close("v before", &dv, &fd(&|p| dot(&x0, p, dt, k), &v0));
    // Along `dk = 1` with the old contents' tangents.
    let (mut x, mut v) = (x0, v0);
    let (mut tx, mut tv) = ([0.5, 0.0], [0.0, -1.0]);
    euler_step_jvp(&mut x, &mut v, dt, k, 0.0, 1.0, &mut tx, &mut tv);
    let h = 1e-6;
    let along = |t: f64| {
        let (mut x, mut v) = ([x0[0] + 0.5 * t, x0[1]], [v0[0], v0[1] - t]);
        euler_step(&mut x, &mut v, dt, k + t);
        [x[0], x[1], v[0], v[1]]
    };
    let (a, b) = (along(h), along(-h));
    let want: Vec<f64> = (0..4).map(|i| (a[i] - b[i]) / (2.0 * h)).collect();
    close("jvp", &[tx[0], tx[1], tv[0], tv[1]], &want);
}

#[test]
fn float_outputs_through_mut_references() {
    let mut acc = 1.5;
    let jac = add_sq_jacobian(&mut acc, 0.3);
    assert_eq!(acc, 1.5 + 0.09);
    close("add_sq", &jac[0], &[0.6]);
    let mut acc = 1.5;
    let mut d_acc = 2.0;
    let [dv] = add_sq_vjp(&mut acc, 0.3, &mut d_acc);
    close("add_sq vjp", &[dv, d_acc], &[1.2, 2.0]);
    let x = [1.0, 2.0, 4.0];
    let (mut m, mut var) = (0.0, 0.0);
    let jac = moments_jacobian(&x, &mut m, &mut var);
    assert_eq!(
        (m, var),
        (7.0 / 3.0, (16.0 / 9.0 + 1.0 / 9.0 + 25.0 / 9.0) / 3.0)
    );
    let of = |p: &[f64], i: usize| {
        let (mut m, mut v) = (0.0, 0.0);
        moments(p, &mut m, &mut v);
        [m, v][i]
    };
    close("mean", &jac[0], &fd(&|p| of(p, 0), &x));
    close("var", &jac[1], &fd(&|p| of(p, 1), &x));
}
