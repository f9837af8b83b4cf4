//! Calls of vector-valued functions through `NAME__split` (the layer's forward sweep once, its
//! adjoint from a closure that adds into the caller's gradient buffers), and through the
//! fallback where a call cannot split (arguments the caller writes later, the same buffer
//! twice). Each caller's gradient against central differences, its value bit for bit.

mod common;

use common::{cat, close, fd_all as fd, split};
use grad::gradient;

/// `tanh(W x + b)`, `W` row-major.
#[gradient]
fn dense(w: &[f64], b: &[f64], x: &[f64]) -> Vec<f64> {
    let n = x.len();
    let mut out = vec![0.0; b.len()];
    for j in 0..b.len() {
        let mut z = b[j];
        for i in 0..n {
            z += w[j * n + i] * x[i];
        }
        out[j] = z.tanh();
    }
    out
}

/// A layer with a scalar parameter and an array result.
#[gradient]
fn scaled(w: &[f64], s: f64, x: &[f64]) -> [f64; 2] {
    [s * (w[0] * x[0]).sin(), (s * w[1] + x[1]).exp() * 0.1]
}

/// The layers' callers: per sample over data, data differentiated too, in a branch, in
/// nested loops, in a loop that is not a sum, with a scalar argument, chained (the second call
/// reads the first's result, a local buffer: the fallback), a parameter passed twice.
#[gradient(wrt(w, b))]
fn per_sample(w: &[f64], b: &[f64], xs: &[f64], ys: &[f64]) -> f64 {
    let d = w.len() / b.len();
    let mut loss = 0.0;
    for i in 0..ys.len() {
        let h = dense(w, b, &xs[i * d..(i + 1) * d]);
        let r = h.iter().sum::<f64>() - ys[i];
        loss += r * r;
    }
    loss / ys.len() as f64
}

#[gradient]
fn data_too(w: &[f64], b: &[f64], x: &[f64]) -> f64 {
    let h = dense(w, b, x);
    h.iter().map(|v| v * v).sum::<f64>() + x[0] * h[1]
}

#[gradient(wrt(w, b))]
fn branches_and_nests(w: &[f64], b: &[f64], xs: &[f64]) -> f64 {
    let d = w.len() / b.len();
    let mut acc = 0.0;
    for i in 0..xs.len() / d {
        if i % 2 == 0 {
            let h = dense(w, b, &xs[i * d..(i + 1) * d]);
            acc += h[0] * 2.0;
        } else {
            for k in 0..2 {
                let h = dense(w, b, &xs[i * d..(i + 1) * d]);
                acc += h[1] * (k as f64 + 0.5);
            }
        }
    }
    acc
}

#[gradient(wrt(w, b))]
fn product_loop(w: &[f64], b: &[f64], xs: &[f64]) -> f64 {
    let d = w.len() / b.len();
    let mut p = 1.0;
    let mut m = f64::NEG_INFINITY;
    for i in 0..xs.len() / d {
        let h = dense(w, b, &xs[i * d..(i + 1) * d]);
        p *= 1.0 + h[0] * h[1];
        m = m.max(h[1]);
    }
    p + m
}

#[gradient(wrt(w, s))]
fn with_scalar(w: &[f64], s: f64, xs: &[f64]) -> f64 {
    let mut acc = 0.0;
    for i in 0..xs.len() / 2 {
        let h = scaled(w, s * 1.5, &xs[2 * i..2 * i + 2]);
        acc += h[0] - h[1] * s;
    }
    acc
}

#[gradient(wrt(w, b, v))]
fn chained(w: &[f64], b: &[f64], v: &[f64], x: &[f64]) -> f64 {
    let h1 = dense(w, b, x);
    let h2 = dense(v, b, &h1);
    let h3 = dense(&w[..b.len() * x.len()], b, x);
    h2.iter().sum::<f64>() * h3[0]
}

#[gradient(wrt(w, b))]
fn twice(w: &[f64], b: &[f64]) -> f64 {
    let h = dense(w, b, b);
    let g = dense(w, b, &w[..b.len()]);
    h[0] * g[1]
}

const W: [f64; 6] = [0.3, -0.2, 0.5, 0.1, -0.4, 0.25];
const B: [f64; 3] = [0.05, -0.1, 0.2];
const XS: [f64; 8] = [0.7, -1.2, 0.4, 0.9, -0.3, 0.8, 1.1, -0.6];

#[test]
fn a_layer_per_sample_over_data() {
    let ys = [0.2, -0.4, 0.9, 0.1];
    let (mut dw, mut db) = ([9.0; 6], [9.0; 3]);
    let v = per_sample_grad(&W[..4], &B[..2], &XS, &ys, &mut dw[..4], &mut db[..2]);
    assert_eq!(
        v.to_bits(),
        per_sample(&W[..4], &B[..2], &XS, &ys).to_bits()
    );
    let p = cat(&[&W[..4], &B[..2]]);
    let want = fd(
        &|p| {
            let s = split(p, &[4, 2]);
            per_sample(s[0], s[1], &XS, &ys)
        },
        &p,
    );
    close("per_sample", &cat(&[&dw[..4], &db[..2]]), &want);
}

#[test]
fn a_layer_whose_input_is_differentiated() {
    let x = [0.7, -1.2];
    let (mut dw, mut db, mut dx) = ([0.0; 6], [0.0; 3], [0.0; 2]);
    let v = data_too_grad(&W, &B, &x, &mut dw, &mut db, &mut dx);
    assert_eq!(v.to_bits(), data_too(&W, &B, &x).to_bits());
    let p = cat(&[&W, &B, &x]);
    let want = fd(
        &|p| {
            let s = split(p, &[6, 3, 2]);
            data_too(s[0], s[1], s[2])
        },
        &p,
    );
    close("data_too", &cat(&[&dw, &db, &dx]), &want);
}

#[test]
fn layers_in_branches_nests_and_products() {
    let p = cat(&[&W[..4], &B[..2]]);
    type F = fn(&[f64], &[f64], &[f64]) -> f64;
    type G = fn(&[f64], &[f64], &[f64], &mut [f64], &mut [f64]) -> f64;
    let cases: [(&str, F, G); 2] = [
        (
            "branches_and_nests",
            branches_and_nests,
            branches_and_nests_grad,
        ),
        ("product_loop", product_loop, product_loop_grad),
    ];
    for (name, f, g) in cases {
        let (mut dw, mut db) = ([0.0; 4], [0.0; 2]);
        let v = g(&W[..4], &B[..2], &XS, &mut dw, &mut db);
        assert_eq!(v.to_bits(), f(&W[..4], &B[..2], &XS).to_bits(), "{name}");
        let want = fd(
            &|p| {
                let s = split(p, &[4, 2]);
                f(s[0], s[1], &XS)
            },
            &p,
        );
        close(name, &cat(&[&dw, &db]), &want);
    }
}

#[test]
fn a_layer_with_a_scalar_argument_and_an_array_result() {
    let w = [0.4, -0.7];
    let mut dw = [0.0; 2];
    let (v, [ds]) = with_scalar_grad(&w, 0.8, &XS, &mut dw);
    assert_eq!(v.to_bits(), with_scalar(&w, 0.8, &XS).to_bits());
    let p = [w[0], w[1], 0.8];
    let want = fd(&|p| with_scalar(&p[..2], p[2], &XS), &p);
    close("with_scalar", &[dw[0], dw[1], ds], &want);
}

#[test]
fn chained_layers_and_a_parameter_passed_twice() {
    let x = [0.7, -1.2];
    let v = [0.2, 0.1, -0.3, 0.6, 0.4, -0.5, 0.3, 0.2, 0.1];
    let (mut dw, mut db, mut dv) = ([0.0; 6], [0.0; 3], [0.0; 9]);
    let val = chained_grad(&W, &B, &v, &x, &mut dw, &mut db, &mut dv);
    assert_eq!(val.to_bits(), chained(&W, &B, &v, &x).to_bits());
    let p = cat(&[&W, &B, &v]);
    let want = fd(
        &|p| {
            let s = split(p, &[6, 3, 9]);
            chained(s[0], s[1], s[2], &x)
        },
        &p,
    );
    close("chained", &cat(&[&dw, &db, &dv]), &want);

    let w9 = [0.3, -0.2, 0.5, 0.1, -0.4, 0.25, 0.6, -0.1, 0.2];
    let (mut dw, mut db) = ([0.0; 9], [0.0; 3]);
    let val = twice_grad(&w9, &B, &mut dw, &mut db);
    assert_eq!(val.to_bits(), twice(&w9, &B).to_bits());
    let p = cat(&[&w9, &B]);
    let want = fd(
        &|p| {
            let s = split(p, &[9, 3]);
            twice(s[0], s[1])
        },
        &p,
    );
    close("twice", &cat(&[&dw, &db]), &want);
}

/// The split itself, as a caller uses it: the value first, the closure later, adding into
/// buffers that already hold other contributions.
#[test]
fn the_closure_adds_to_what_the_buffers_hold() {
    use grad::runtime::__private::{Off, On};
    let x = [0.7, -1.2];
    let mut pool = Vec::new();
    let (value, back) = dense__split(&W, &B, &x, &mut pool, On, On, Off);
    assert_eq!(value, dense(&W, &B, &x));
    let u = [1.0, -0.5, 2.0];
    let (mut dw, mut db) = ([1.0; 6], [1.0; 3]);
    let ((), []) = back(&u, &mut pool, &mut dw, &mut db, &mut []);
    let (mut ew, mut eb, mut ex) = ([0.0; 6], [0.0; 3], [0.0; 2]);
    let _ = dense_vjp(&W, &B, &x, &u, &mut ew, &mut eb, &mut ex);
    let plus1 = |v: &[f64]| v.iter().map(|e| e + 1.0).collect::<Vec<_>>();
    close("w", &dw, &plus1(&ew));
    close("b", &db, &plus1(&eb));
}

/// A layer that differentiates its weights only (`wrt(w)`), called per sample on data.
#[gradient(wrt(w))]
fn weights_only(w: &[f64], x: &[f64]) -> Vec<f64> {
    vec![(w[0] * x[0] + w[1]).tanh(), w[1] * x[1] * x[0]]
}

#[gradient(wrt(w))]
fn over_data(w: &[f64], xs: &[f64]) -> f64 {
    let mut acc = 0.0;
    for i in 0..xs.len() / 2 {
        let h = weights_only(w, &xs[2 * i..2 * i + 2]);
        acc += h[0] * h[1] + h[0];
    }
    acc
}

#[test]
fn a_layer_with_wrt_called_on_data() {
    let w = [0.6, -0.3];
    let mut dw = [0.0; 2];
    let v = over_data_grad(&w, &XS, &mut dw);
    assert_eq!(v.to_bits(), over_data(&w, &XS).to_bits());
    close("over_data", &dw, &fd(&|p| over_data(p, &XS), &w));
}
