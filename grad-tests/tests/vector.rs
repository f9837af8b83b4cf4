//! Vector-valued functions (issue 9): `#[gradient]` on a function that returns `Vec<T>` or
//! `[T; N]` gives `NAME_vjp` (value and `Jᵀ · d_out`) and `NAME_jacobian`. Each checked against
//! central differences of the function, output by output.

mod common;

use common::{close, fd_all as fd};
use grad::gradient;

/// A dense layer, `tanh(W x + b)` with `W` row-major, `n_out × n_in`.
#[gradient]
fn dense(w: &[f64], b: &[f64], x: &[f64]) -> Vec<f64> {
    let n_in = x.len();
    let mut out = vec![0.0; b.len()];
    for j in 0..b.len() {
        let mut z = b[j];
        for i in 0..n_in {
            z += w[j * n_in + i] * x[i];
        }
        out[j] = z.tanh();
    }
    out
}

#[test]
fn vjp_of_a_layer() {
    let (w, b, x) = (
        [0.1, -0.2, 0.3, 0.4, -0.5, 0.6],
        [0.05, -0.1, 0.2],
        [0.7, -1.2],
    );
    let u = [1.0, 0.5, -2.0];
    let (mut dw, mut db, mut dx) = ([0.0; 6], [0.0; 3], [0.0; 2]);
    let (value, scalars) = dense_vjp(&w, &b, &x, &u, &mut dw, &mut db, &mut dx);
    assert_eq!(value, dense(&w, &b, &x));
    assert!(scalars.is_empty());
    let dot = |out: Vec<f64>| out.iter().zip(&u).map(|(o, c)| o * c).sum::<f64>();
    close("w", &dw, &fd(&|p| dot(dense(p, &b, &x)), &w));
    close("b", &db, &fd(&|p| dot(dense(&w, p, &x)), &b));
    close("x", &dx, &fd(&|p| dot(dense(&w, &b, p)), &x));
}

/// Residuals of an exponential decay `a e^(-k t)` against data: the Jacobian a Gauss–Newton
/// step needs, with respect to the two parameters only.
#[gradient(wrt(a, k))]
fn residuals(a: f64, k: f64, ts: &[f64], ys: &[f64]) -> Vec<f64> {
    let mut r = Vec::new();
    for (t, y) in ts.iter().zip(ys) {
        r.push(a * (-k * t).exp() - y);
    }
    r
}

#[test]
fn jacobian_of_residuals() {
    let (ts, ys) = ([0.0, 1.0, 2.0, 3.5], [2.0, 1.2, 0.8, 0.3]);
    let (value, jac) = residuals_jacobian(2.0, 0.5, &ts, &ys);
    assert_eq!(value, residuals(2.0, 0.5, &ts, &ys));
    assert_eq!(jac.len(), 4);
    for (i, row) in jac.iter().enumerate() {
        let want = fd(&|p| residuals(p[0], p[1], &ts, &ys)[i], &[2.0, 0.5]);
        close(&format!("row {i}"), row, &want);
    }
    // The VJP returns the scalars' cotangents.
    let (_, [da, dk]) = residuals_vjp(2.0, 0.5, &ts, &ys, &[1.0, 1.0, 1.0, 1.0]);
    let col = |c: usize| jac.iter().map(|r| r[c]).sum::<f64>();
    assert!((da - col(0)).abs() < 1e-12 && (dk - col(1)).abs() < 1e-12);
}

/// An array result over a generic float type, in `f32` and `f64`.
#[gradient]
fn polar<T: grad::Real>(r: T, theta: T) -> [T; 2] {
    [r * theta.cos(), r * theta.sin()]
}

#[test]
fn generic_array_result() {
    let (value, jac) = polar_jacobian(2.0_f64, 0.5);
    assert_eq!(value, polar(2.0, 0.5));
    for (i, row) in jac.iter().enumerate() {
        close(
            &format!("row {i}"),
            row,
            &fd(&|p| polar(p[0], p[1])[i], &[2.0, 0.5]),
        );
    }
    let (v32, jac32) = polar_jacobian(2.0_f32, 0.5);
    assert_eq!(v32, polar(2.0_f32, 0.5));
    for (r32, r) in jac32.iter().zip(&jac) {
        let r32: Vec<f64> = r32.iter().map(|&v| f64::from(v)).collect();
        for (a, b) in r32.iter().zip(r) {
            assert!((a - b).abs() < 1e-5);
        }
    }
}

#[test]
#[should_panic(expected = "the cotangent `d_out` has length 1 but `dense` returns 3 values")]
fn cotangent_length_is_checked() {
    let (mut dw, mut db, mut dx) = ([0.0; 6], [0.0; 3], [0.0; 2]);
    let _ = dense_vjp(
        &[0.0; 6],
        &[0.0; 3],
        &[1.0, 2.0],
        &[1.0],
        &mut dw,
        &mut db,
        &mut dx,
    );
}

/// A network whose layers are calls of the vector-valued `dense`: per sample in a loop (on a
/// sub-slice of the data), and chained (`dense(.., &h)`). The reverse sweep goes through each
/// layer's VJP.
#[gradient]
fn mlp_loss(w1: &[f64], b1: &[f64], w2: &[f64], b2: &[f64], xs: &[f64], ys: &[f64]) -> f64 {
    let mut loss = 0.0;
    for s in 0..ys.len() {
        let h = dense(w1, b1, &xs[2 * s..2 * s + 2]);
        let o = dense(w2, b2, &h);
        loss += (o[0] - ys[s]).powi(2);
    }
    loss / ys.len() as f64
}

#[test]
fn layers_called_from_a_loss() {
    let (w1, b1) = ([0.1, -0.2, 0.3, 0.4, -0.5, 0.6], [0.05, -0.1, 0.2]);
    let (w2, b2) = ([0.7, -0.3, 0.2], [0.1]);
    let (xs, ys) = ([0.5, -1.0, 1.5, 0.2, -0.7, 0.9], [0.3, -0.4, 0.8]);
    let mut d = ([0.0; 6], [0.0; 3], [0.0; 3], [0.0; 1], [0.0; 6], [0.0; 3]);
    let v = mlp_loss_grad(
        &w1, &b1, &w2, &b2, &xs, &ys, &mut d.0, &mut d.1, &mut d.2, &mut d.3, &mut d.4, &mut d.5,
    );
    assert_eq!(
        v.to_bits(),
        mlp_loss(&w1, &b1, &w2, &b2, &xs, &ys).to_bits()
    );
    close(
        "w1",
        &d.0,
        &fd(&|p| mlp_loss(p, &b1, &w2, &b2, &xs, &ys), &w1),
    );
    close(
        "b1",
        &d.1,
        &fd(&|p| mlp_loss(&w1, p, &w2, &b2, &xs, &ys), &b1),
    );
    close(
        "w2",
        &d.2,
        &fd(&|p| mlp_loss(&w1, &b1, p, &b2, &xs, &ys), &w2),
    );
    close(
        "b2",
        &d.3,
        &fd(&|p| mlp_loss(&w1, &b1, &w2, p, &xs, &ys), &b2),
    );
    close(
        "xs",
        &d.4,
        &fd(&|p| mlp_loss(&w1, &b1, &w2, &b2, p, &ys), &xs),
    );
}

/// Scalar arguments of a vector-valued function, its result typed, iterated and summed.
#[gradient]
fn scaled<T: grad::Real>(x: &[T], s: T, t: T) -> Vec<T> {
    let mut out = Vec::new();
    for &v in x {
        out.push((v * s).sin() + t);
    }
    out
}

#[gradient]
fn uses_scaled<T: grad::Real>(x: &[T], s: T) -> T {
    let y: Vec<T> = scaled(x, s, s * s);
    let mut acc = T::zero();
    for v in y.iter() {
        acc = acc + *v * *v;
    }
    acc + y[y.len() - 1]
}

#[test]
fn scalar_arguments_and_generic_floats() {
    let x = [0.3_f64, -0.2, 0.9];
    let mut dx = [0.0; 3];
    let (v, [ds]) = uses_scaled_grad(&x, 0.7, &mut dx);
    assert_eq!(v.to_bits(), uses_scaled(&x, 0.7).to_bits());
    close("x", &dx, &fd(&|p| uses_scaled(p, 0.7), &x));
    close("s", &[ds], &fd(&|p| uses_scaled(&x, p[0]), &[0.7]));
    let mut dx32 = [0.0_f32; 3];
    let (v32, _) = uses_scaled_grad(&[0.3_f32, -0.2, 0.9], 0.7, &mut dx32);
    assert_eq!(
        v32.to_bits(),
        uses_scaled(&[0.3_f32, -0.2, 0.9], 0.7).to_bits()
    );
}

/// Calls whose result is used without a name: passed on (`dense(.., &dense(..))`), iterated,
/// indexed, measured; beside a plain function that returns data (indices), which stays data.
fn reversed(n: usize) -> Vec<usize> {
    (0..n).rev().collect()
}

#[gradient]
fn nested_layers(w1: &[f64], b1: &[f64], w2: &[f64], b2: &[f64], x: &[f64]) -> f64 {
    let o = dense(w2, b2, &dense(w1, b1, x));
    let s: f64 = dense(w1, b1, x).iter().sum();
    let idx = reversed(x.len());
    o[0] + dense(w2, b2, &dense(w1, b1, x))[0] * s + x[idx[0]] + dense(w1, b1, x).len() as f64
}

#[test]
fn results_used_without_a_name() {
    let (w1, b1) = ([0.1, -0.2, 0.3, 0.4, -0.5, 0.6], [0.05, -0.1, 0.2]);
    let (w2, b2, x) = ([0.7, -0.3, 0.2], [0.1], [0.5, -1.0]);
    let mut d = ([0.0; 6], [0.0; 3], [0.0; 3], [0.0; 1], [0.0; 2]);
    let v = nested_layers_grad(
        &w1, &b1, &w2, &b2, &x, &mut d.0, &mut d.1, &mut d.2, &mut d.3, &mut d.4,
    );
    assert_eq!(v.to_bits(), nested_layers(&w1, &b1, &w2, &b2, &x).to_bits());
    close(
        "w1",
        &d.0,
        &fd(&|p| nested_layers(p, &b1, &w2, &b2, &x), &w1),
    );
    close(
        "w2",
        &d.2,
        &fd(&|p| nested_layers(&w1, &b1, p, &b2, &x), &w2),
    );
    close(
        "x",
        &d.4,
        &fd(&|p| nested_layers(&w1, &b1, &w2, &b2, p), &x),
    );
}

/// Parameters named like the locals of `NAME_vjp` and `NAME_jacobian` (hygiene: the generated
/// code once shadowed them).
#[gradient]
fn named_like_locals(value: &[f64], unit: f64, rows: f64, row: f64, i: f64) -> Vec<f64> {
    vec![value[0] * unit + rows, row * i - value[1], unit * row]
}

#[test]
fn parameters_named_like_generated_locals() {
    let value = [0.5, -1.5];
    let args = (0.7, 1.1, -0.4, 2.0);
    let f = |v: &[f64], a: (f64, f64, f64, f64)| named_like_locals(v, a.0, a.1, a.2, a.3);
    let (out, jac) = named_like_locals_jacobian(&value, args.0, args.1, args.2, args.3);
    assert_eq!(out, f(&value, args));
    // Columns: unit, rows, row, i (scalars in order), then value[0], value[1].
    let flat = [args.0, args.1, args.2, args.3, value[0], value[1]];
    for (k, r) in jac.iter().enumerate() {
        let want = fd(&|p: &[f64]| f(&p[4..], (p[0], p[1], p[2], p[3]))[k], &flat);
        close(&format!("row {k}"), r, &want);
    }
    let mut d_value = [0.0; 2];
    let (out, scalars) = named_like_locals_vjp(
        &value,
        args.0,
        args.1,
        args.2,
        args.3,
        &[1.0, 0.5, -2.0],
        &mut d_value,
    );
    assert_eq!(out, f(&value, args));
    let dot = |p: &[f64]| {
        let o = f(&p[4..], (p[0], p[1], p[2], p[3]));
        o[0] + 0.5 * o[1] - 2.0 * o[2]
    };
    let want = fd(&dot, &flat);
    close("vjp scalars", &scalars, &want[..4]);
    close("vjp value", &d_value, &want[4..]);
}

/// Forward mode of vector-valued functions: `NAME_jvp` gives `J · v` of the value's own type.
#[gradient(jvp)]
fn tanh_layer(w: &[f64], s: f64, x: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; x.len()];
    for i in 0..x.len() {
        out[i] = (w[i] * x[i] + s).tanh();
    }
    out
}

#[gradient(jvp)]
fn polar_jvp_fn(r: f64, t: f64) -> [f64; 2] {
    [r * t.cos(), r * t.sin()]
}

#[gradient(jvp, wrt(a))]
fn pair_of(a: f64, b: f64) -> (f64, f64) {
    (a * b, a.sin())
}

#[test]
fn jvp_of_vector_valued_functions() {
    let (w, x) = ([0.3, -0.5], [1.0, 2.0]);
    let (v, t) = tanh_layer_jvp(&w, 0.8, &x, &[0.7, 0.2], 0.6, &[-0.4, 0.9]);
    assert_eq!(v, tanh_layer(&w, 0.8, &x));
    // The Jacobian's columns: the scalar, then `w`, then `x`.
    let (_, j) = tanh_layer_jacobian(&w, 0.8, &x);
    let dir = [0.6, 0.7, 0.2, -0.4, 0.9];
    for (row, ti) in j.iter().zip(&t) {
        let want: f64 = row.iter().zip(&dir).map(|(a, b)| a * b).sum();
        assert!((ti - want).abs() < 1e-14, "{ti} against {want}");
    }
    let (v, t) = polar_jvp_fn_jvp(2.0, 0.5, 1.0, 0.0);
    assert_eq!(v, polar_jvp_fn(2.0, 0.5));
    assert_eq!(t, [0.5_f64.cos(), 0.5_f64.sin()]);
    let (v, t) = pair_of_jvp(2.0, 0.5, 1.0);
    assert_eq!(v, pair_of(2.0, 0.5));
    assert_eq!(t, (0.5, 2.0_f64.cos()));
}

/// `vec![..]` lists of one length as the values of an `if`'s branches.
#[gradient]
fn branch_lists(x: f64, c: bool) -> Vec<f64> {
    if c {
        vec![x, 2.0 * x]
    } else {
        vec![x * x, 1.0]
    }
}

#[gradient]
fn through_branch_lists(x: f64) -> f64 {
    let a = branch_lists(x, true);
    let b = branch_lists(x * 0.5, false);
    a[0] * b[0] + a[1] * b[1]
}

#[test]
fn lists_from_branches() {
    let (v, [g]) = through_branch_lists_grad(0.7);
    assert_eq!(v.to_bits(), through_branch_lists(0.7).to_bits());
    close(
        "through_branch_lists",
        &[g],
        &fd(&|p| through_branch_lists(p[0]), &[0.7]),
    );
    for c in [true, false] {
        let (value, jac) = branch_lists_jacobian(0.7, c);
        assert_eq!(value, branch_lists(0.7, c));
        for (k, row) in jac.iter().enumerate() {
            close(
                "branch_lists",
                row,
                &fd(&|p| branch_lists(p[0], c)[k], &[0.7]),
            );
        }
    }
}

/// An array parameter (`&[f64; 3]`) of a vector-valued function with `jvp`: the forward wrapper
/// and the Jacobian make gradient buffers of the parameter's own type (a `Vec` did not
/// type-check).
#[gradient(jvp)]
fn normalized(v: &[f64; 3]) -> [f64; 3] {
    let n = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
    [v[0] / n, v[1] / n, v[2] / n]
}

#[test]
fn array_parameter_jvp_and_jacobian() {
    let v = [1.0, -2.0, 0.5];
    let (value, jac) = normalized_jacobian(&v);
    assert_eq!(value, normalized(&v));
    for (i, row) in jac.iter().enumerate() {
        for j in 0..3 {
            let (mut a, mut b) = (v, v);
            a[j] += 1e-6;
            b[j] -= 1e-6;
            let fd = (normalized(&a)[i] - normalized(&b)[i]) / 2e-6;
            assert!((row[j] - fd).abs() < 1e-8, "J[{i}][{j}] {} vs {fd}", row[j]);
        }
    }
    let dir = [0.3, 0.1, -0.7];
    let (value, tangent) = normalized_jvp(&v, &dir);
    assert_eq!(value, normalized(&v));
    for i in 0..3 {
        let jv: f64 = (0..3).map(|j| jac[i][j] * dir[j]).sum();
        assert!((tangent[i] - jv).abs() < 1e-12, "{tangent:?}");
    }
}

/// A generic vector-valued function with `f64` data beside its generic floats, without `wrt`:
/// the data is not differentiated (it was refused as a parameter `wrt` cannot name).
#[gradient]
fn decay<T: num_traits::Float>(a: T, k: T, ts: &[f64]) -> Vec<T> {
    let mut r = Vec::with_capacity(ts.len());
    for &t in ts {
        r.push(a * T::exp(-k * T::from(t).unwrap()));
    }
    r
}

#[test]
fn generic_function_with_data() {
    let ts = [0.0, 0.5, 1.0];
    let (value, jac) = decay_jacobian(2.0_f64, 0.5, &ts);
    assert_eq!(value, decay(2.0_f64, 0.5, &ts));
    for (i, t) in ts.iter().enumerate() {
        let e = (-0.5 * t).exp();
        assert!((jac[i][0] - e).abs() < 1e-12 && (jac[i][1] + 2.0 * t * e).abs() < 1e-12);
    }
    let (v32, jac32) = decay_jacobian(2.0_f32, 0.5, &ts);
    assert_eq!(v32, decay(2.0_f32, 0.5, &ts));
    assert!((f64::from(jac32[2][1]) - jac[2][1]).abs() < 1e-5);
}

/// A vector-valued function that returns its buffer early (`if x[0] <= 0.0 { out[0] = 1.0;
/// return out; }`): every path gives the same buffer (refused before as "an `if` that chooses
/// between slices").
#[gradient]
fn guarded(x: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; 2];
    if x[0] <= 0.0 {
        out[0] = x[1].exp();
        return out;
    } else if x[1] > 5.0 {
        out[1] = x[0];
        return out;
    }
    out[0] = x[0] * x[1];
    out[1] = x[1].sin();
    out
}

#[test]
#[allow(clippy::needless_range_loop)]
fn a_buffer_returned_early() {
    for x in [[1.0, 2.0], [-0.5, 0.3], [0.7, 6.0]] {
        let (value, jac) = guarded_jacobian(&x);
        assert_eq!(value, guarded(&x));
        for i in 0..2 {
            for j in 0..2 {
                let (mut a, mut b) = (x, x);
                a[j] += 1e-6;
                b[j] -= 1e-6;
                let fd = (guarded(&a)[i] - guarded(&b)[i]) / 2e-6;
                assert!(
                    (jac[i][j] - fd).abs() < 1e-6,
                    "{x:?}: J[{i}][{j}] {} vs {fd}",
                    jac[i][j]
                );
            }
        }
    }
}

/// A rotation built from angles, returned as a matrix `[[T; 3]; 3]` (filled by index, or as a
/// literal of rows, or by an early `return`), read by callers as `r[i][j]` — in loops, in a
/// closure, under a type written for it.
#[gradient]
fn rotation(a: f64, b: f64) -> [[f64; 3]; 3] {
    let (sa, ca) = a.sin_cos();
    let (sb, cb) = b.sin_cos();
    if a.abs() > 100.0 {
        return [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
    }
    let mut m = [[0.0; 3]; 3];
    m[0][0] = ca * cb;
    m[0][1] = -sa;
    m[0][2] = ca * sb;
    m[1][0] = sa * cb;
    m[1][1] = ca;
    m[1][2] = sa * sb;
    m[2][0] = -sb;
    m[2][2] = cb;
    m
}

#[gradient]
fn planar(a: f64, s: f64) -> [[f64; 2]; 2] {
    let (sn, c) = a.sin_cos();
    [[s * c, -sn], [sn, s * c]]
}

/// Squared reprojection residuals of points rotated by `ang` (both differentiated).
#[gradient]
#[allow(clippy::needless_range_loop)]
fn reprojection(ang: &[f64], pts: &[f64]) -> f64 {
    let r = rotation(ang[0], ang[1]);
    let mut s = 0.0;
    for k in 0..pts.len() / 3 {
        for i in 0..3 {
            let mut v = 0.0;
            for j in 0..3 {
                v += r[i][j] * pts[3 * k + j];
            }
            s += (v - 1.0).powi(2);
        }
    }
    s
}

#[gradient]
fn planar_reads(a: f64, p: &[f64]) -> f64 {
    let r: [[f64; 2]; 2] = planar(a, p[2]);
    let trace = (0..2).map(|i| r[i][i]).sum::<f64>();
    r[0][0] * p[0] + r[0][1] * p[1] + trace * r[1][0]
}

#[test]
fn helpers_returning_a_matrix() {
    let ang = [0.3, -0.7];
    let pts = [1.0, 2.0, 0.5, -1.0, 0.3, 0.9];
    let (mut da, mut dp) = ([0.0; 2], [0.0; 6]);
    let v = reprojection_grad(&ang, &pts, &mut da, &mut dp);
    assert_eq!(v.to_bits(), reprojection(&ang, &pts).to_bits());
    let mut all = ang.to_vec();
    all.extend_from_slice(&pts);
    let mut got = da.to_vec();
    got.extend_from_slice(&dp);
    let f = |p: &[f64]| reprojection(&p[..2], &p[2..]);
    close("reprojection", &got, &fd(&f, &all));
    for a in [0.4, -1.3] {
        let p = [1.0, -2.0, 0.7];
        let mut dp = [0.0; 3];
        let (v, [d_a]) = planar_reads_grad(a, &p, &mut dp);
        assert_eq!(v.to_bits(), planar_reads(a, &p).to_bits());
        let mut got = vec![d_a];
        got.extend_from_slice(&dp);
        let f = |q: &[f64]| planar_reads(q[0], &q[1..]);
        close("planar_reads", &got, &fd(&f, &[a, p[0], p[1], p[2]]));
    }
    // The matrix function itself is as written.
    assert_eq!(rotation(0.0, 0.0)[1][1], 1.0);
}

/// A vector-valued helper through its own version taking a `Vec` by value.
#[gradient]
fn shifted_owned(s: Vec<f64>, a: f64) -> Vec<f64> {
    s.into_iter().map(|v| v * a + 0.5 * v.tanh()).collect()
}

#[gradient]
fn shifted(s: &[f64], a: f64) -> Vec<f64> {
    shifted_owned(s.to_vec(), a)
}

#[gradient]
fn rotated(p: [f64; 2], t: f64) -> [f64; 2] {
    [
        p[0] * t.cos() - p[1] * t.sin(),
        p[0] * t.sin() + p[1] * t.cos(),
    ]
}

#[gradient]
fn weighted(s: &[f64], a: f64) -> f64 {
    s.iter().map(|v| (v * a).sin()).sum()
}

/// A helper's result made of data only (its arguments constants), then given to calls that
/// differentiate it: to a vector-valued helper, to a scalar one, by value as an array, in a
/// loop and in a branch.
#[gradient(wrt(x))]
fn constant_results_passed_on(x: f64, xs: &[f64], flip: bool) -> f64 {
    let mut acc = 0.0;
    for &e in xs.iter().step_by(2) {
        let fixed = shifted(xs, e);
        let moved = shifted(&fixed, x);
        acc += moved[0] + moved[moved.len() - 1] + weighted(&fixed, x);
    }
    let turned = rotated([1.0, 2.0], 0.5);
    let again = rotated(turned, x);
    if flip {
        let c = shifted(&[0.5, 1.5], 2.0);
        acc += weighted(&c, x * x);
    }
    acc + again[0] * again[1]
}

#[test]
fn constant_results_given_to_differentiated_calls() {
    let xs = [0.3, -0.8, 1.1, 0.4, -0.2];
    for flip in [false, true] {
        for x in [0.7, -1.3] {
            let (v, [g]) = constant_results_passed_on_grad(x, &xs, flip);
            assert_eq!(
                v.to_bits(),
                constant_results_passed_on(x, &xs, flip).to_bits()
            );
            close(
                "x",
                &[g],
                &fd(&|p| constant_results_passed_on(p[0], &xs, flip), &[x]),
            );
        }
    }
}
