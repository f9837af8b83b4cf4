//! Second order: `#[gradient(hvp)]` emits `NAME_hvp` (value, gradient and `H · v` from one
//! forward-over-reverse sweep) and `NAME_hessian` (the whole Hessian, one sweep per entry).
//!
//! Checked at random points along random directions: the value bit for bit against the
//! function; the gradient against `NAME_grad`'s (1e-12: the same derivatives, arranged
//! differently); `H · v` against central differences of `NAME_grad` along `v` (step
//! h = cbrt(eps)·max(1, |p|); the gradient's own rounding of ~1e-14 relative becomes ~1e-9 after
//! dividing by h, so 1e-6 on the scale `1 + |difference| + max|∂f|` leaves a factor 1000, while a
//! wrong second-order rule errs by O(1); near a kink or where the gradient is steep,
//! `common::derivative_agrees` also weighs one-sided and extrapolated differences); the Hessian
//! against `H · eₖ` column by column and against second differences of the function; its
//! symmetry.

mod common;

use grad::gradient;
use proptest::prelude::*;

type GradFn<'a> = &'a dyn Fn(&[f64]) -> Vec<f64>;

/// Central difference of the gradient along `v`.
fn fd_grad_dir(g: GradFn<'_>, p: &[f64], v: &[f64]) -> Vec<f64> {
    let scale = p.iter().fold(1.0f64, |m, x| m.max(x.abs()));
    let h = f64::EPSILON.cbrt() * scale;
    let plus: Vec<f64> = p.iter().zip(v).map(|(x, d)| x + h * d).collect();
    let minus: Vec<f64> = p.iter().zip(v).map(|(x, d)| x - h * d).collect();
    g(&plus)
        .iter()
        .zip(g(&minus))
        .map(|(a, b)| (a - b) / (2.0 * h))
        .collect()
}

fn check_hv(
    what: &str,
    p: &[f64],
    v: &[f64],
    g: GradFn<'_>,
    hv: &[f64],
) -> Result<(), TestCaseError> {
    let grad = g(p);
    let size = 1.0 + grad.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    let d = fd_grad_dir(g, p, v);
    let h = f64::EPSILON.cbrt() * p.iter().fold(1.0f64, |m, x| m.max(x.abs()));
    for k in 0..hv.len() {
        let along = |t: f64| {
            let q: Vec<f64> = p.iter().zip(v).map(|(x, d)| x + t * d).collect();
            g(&q)[k]
        };
        prop_assert!(
            common::derivative_agrees(&along, h, hv[k], size),
            "{what} at {p:?} along {v:?}: (H·v)[{k}] = {:e}, difference of the gradient {:e}",
            hv[k],
            d[k]
        );
    }
    Ok(())
}

fn same(what: &str, a: &[f64], b: &[f64]) -> Result<(), TestCaseError> {
    for (k, (x, y)) in a.iter().zip(b).enumerate() {
        prop_assert!(
            (x - y).abs() <= 1e-12 * (1.0 + x.abs()),
            "{what}: component {k}: {x:e} vs {y:e}"
        );
    }
    Ok(())
}

#[gradient(hvp)]
fn rosenbrock(x: f64, y: f64) -> f64 {
    (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2)
}

/// A taped loop (the carried state's adjoint changes every iteration), a buffer, a branch.
#[gradient(hvp)]
fn rnn(a: f64, w: &[f64]) -> f64 {
    let mut h = 0.5;
    let mut squares = vec![0.0; w.len()];
    for i in 0..w.len() {
        h = (h * a + w[i]).tanh();
        squares[i] = h * h;
    }
    let m = if a > 0.5 { a.sqrt() } else { a * a.exp() };
    squares.iter().sum::<f64>() * m + h.powi(3) / (1.0 + w[0].abs())
}

/// Data, `wrt`, a scalar by reference, a reduction, `match`, `powi` with a run-time exponent,
/// `powf`, `hypot`, `atan2`, `max`: every second-order rule the table has on the way.
#[gradient(hvp, wrt(w, b))]
fn model(w: &[f64], b: &f64, xs: &[f64], k: i32, mode: usize) -> f64 {
    let d = w.len();
    let mut loss = 0.0;
    for (i, row) in xs.chunks(d).enumerate() {
        let z: f64 = (0..d).map(|j| w[j] * row[j]).sum::<f64>() + b;
        loss += match mode {
            0 => (1.0 + (-z).exp()).ln(),
            1 => z.powi(k) * 0.1 + z.hypot(w[0]),
            _ => (z * z + 1.0).powf(w[d - 1].atan2(1.5)) + z.max(0.3 * i as f64),
        };
    }
    loss + 0.01 * w.iter().map(|v| v * v).sum::<f64>()
}

/// Early return from a loop, a `while` loop carrying state, an array local, `f64` only.
#[gradient(hvp)]
fn control(x: f64, y: f64, zs: [f64; 3]) -> f64 {
    let mut acc = [x * y, y, 0.0];
    let mut i = 0;
    while i < 3 {
        acc[i % 3] += zs[i] * (x - acc[(i + 1) % 3]).sin();
        if acc[0] > 30.0 {
            return acc[0].ln();
        }
        i += 1;
    }
    acc[0] * acc[1] + acc[2].cosh() / (1.0 + y * y)
}

fn vec_in(n: usize) -> impl Strategy<Value = Vec<f64>> {
    proptest::collection::vec(-1.2f64..1.2, n)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn rosenbrock_second_order(p in vec_in(2), v in vec_in(2)) {
        let g = |p: &[f64]| rosenbrock_grad(p[0], p[1]).1.to_vec();
        let (value, grad, hv) = rosenbrock_hvp(p[0], p[1], v[0], v[1]);
        prop_assert_eq!(value.to_bits(), rosenbrock(p[0], p[1]).to_bits());
        same("rosenbrock gradient", &grad, &g(&p))?;
        check_hv("rosenbrock", &p, &v, &g, &hv)?;
        // The Hessian by hand: [[2 - 400(y - 3x²), -400x], [-400x, 200]].
        let (x, y) = (p[0], p[1]);
        let (_, _, h) = rosenbrock_hessian(x, y);
        let want = [[2.0 - 400.0 * (y - 3.0 * x * x), -400.0 * x], [-400.0 * x, 200.0]];
        for i in 0..2 {
            same("rosenbrock Hessian", &h[i], &want[i])?;
        }
    }

    #[test]
    fn rnn_second_order(p in vec_in(5), v in vec_in(5)) {
        let g = |p: &[f64]| {
            let mut d = vec![0.0; 4];
            let (_, [da]) = rnn_grad(p[0], &p[1..], &mut d);
            common::cat(&[&[da], &d])
        };
        let mut d = vec![f64::NAN; 4];
        let mut hv = vec![f64::NAN; 4];
        let (value, [da], [ha]) = rnn_hvp(p[0], &p[1..], v[0], &v[1..], &mut d, &mut hv);
        prop_assert_eq!(value.to_bits(), rnn(p[0], &p[1..]).to_bits());
        same("rnn gradient", &common::cat(&[&[da], &d]), &g(&p))?;
        check_hv("rnn", &p, &v, &g, &common::cat(&[&[ha], &hv]))?;
    }

    #[test]
    fn model_second_order(p in vec_in(3), v in vec_in(3), k in 0i32..4, mode in 0usize..3) {
        let xs = [0.5, -1.0, 0.3, 2.0, -0.7, 0.1];
        let g = |p: &[f64]| {
            let mut d = vec![0.0; 2];
            let (_, [db]) = model_grad(&p[1..], &p[0], &xs, k, mode, &mut d);
            common::cat(&[&[db], &d])
        };
        let mut d = vec![0.0; 2];
        let mut hv = vec![0.0; 2];
        let (value, [db], [hb]) = model_hvp(&p[1..], &p[0], &xs, k, mode, &v[1..], v[0], &mut d, &mut hv);
        prop_assert_eq!(value.to_bits(), model(&p[1..], &p[0], &xs, k, mode).to_bits());
        same("model gradient", &common::cat(&[&[db], &d]), &g(&p))?;
        check_hv("model", &p, &v, &g, &common::cat(&[&[hb], &hv]))?;
    }

    #[test]
    fn control_second_order(p in vec_in(5), v in vec_in(5)) {
        let zs = |p: &[f64]| [p[2], p[3], p[4]];
        let g = |p: &[f64]| {
            let mut d = [0.0; 3];
            let (_, [dx, dy]) = control_grad(p[0], p[1], zs(p), &mut d);
            common::cat(&[&[dx, dy], &d])
        };
        let mut d = [0.0; 3];
        let mut hv = [0.0; 3];
        let (value, gr, h) = control_hvp(p[0], p[1], zs(&p), v[0], v[1], &zs(&v), &mut d, &mut hv);
        prop_assert_eq!(value.to_bits(), control(p[0], p[1], zs(&p)).to_bits());
        same("control gradient", &common::cat(&[&gr, &d]), &g(&p))?;
        check_hv("control", &p, &v, &g, &common::cat(&[&h, &hv]))?;
    }
}

/// A point the random check once failed at (CI): `z.hypot(w[0])` with `w[0] = 0` and `z` near 0,
/// where `H · v` is 0 but the central difference's truncation error was 4e-6. The check weighs
/// the extrapolated difference there; a wrong `H · v` still fails it.
#[test]
fn second_order_near_a_steep_point() {
    let xs = [0.5, -1.0, 0.3, 2.0, -0.7, 0.1];
    let p = [-0.063_350_447_842_747_28, 0.0, -0.071_581_392_481_950_82];
    let v = [0.0, 0.503_470_231_139_739_8, 0.0];
    let g = |p: &[f64]| {
        let mut d = vec![0.0; 2];
        let (_, [db]) = model_grad(&p[1..], &p[0], &xs, 0, 1, &mut d);
        common::cat(&[&[db], &d])
    };
    let mut d = vec![0.0; 2];
    let mut hv = vec![0.0; 2];
    let (_, [db], [hb]) = model_hvp(&p[1..], &p[0], &xs, 0, 1, &v[1..], v[0], &mut d, &mut hv);
    let hv = common::cat(&[&[hb], &hv]);
    check_hv("model", &p, &v, &g, &hv).unwrap();
    let mut off = hv.clone();
    off[0] += 1e-3;
    assert!(check_hv("model", &p, &v, &g, &off).is_err());
    assert_eq!(common::cat(&[&[db], &d]), g(&p));
}

/// The whole Hessian of a function of a slice: symmetric, each column `H · eₖ`, and close to
/// the second differences of the function.
#[test]
fn hessian_of_a_sequence_function() {
    let p = [0.7, 0.5, 1.2, -0.3, 0.8];
    let n = p.len();
    let mut d = [0.0; 4];
    let mut hess = vec![f64::NAN; n * n];
    let (value, [da]) = rnn_hessian(p[0], &p[1..], &mut d, &mut hess);
    assert_eq!(value.to_bits(), rnn(p[0], &p[1..]).to_bits());
    let mut dg = [0.0; 4];
    let (_, [dag]) = rnn_grad(p[0], &p[1..], &mut dg);
    assert!((da - dag).abs() < 1e-12 && d.iter().zip(&dg).all(|(a, b)| (a - b).abs() < 1e-12));
    for i in 0..n {
        for j in 0..n {
            let (a, b) = (hess[i * n + j], hess[j * n + i]);
            assert!(
                (a - b).abs() <= 1e-12 * (1.0 + a.abs()),
                "H[{i}][{j}] = {a} but H[{j}][{i}] = {b}"
            );
        }
        let mut e = vec![0.0; n];
        e[i] = 1.0;
        let (mut dd, mut hv) = ([0.0; 4], [0.0; 4]);
        let (_, _, [ha]) = rnn_hvp(p[0], &p[1..], e[0], &e[1..], &mut dd, &mut hv);
        let column = common::cat(&[&[ha], &hv]);
        // The same sweep, compiled in a loop: equal up to the last bits.
        for j in 0..n {
            let (a, b) = (hess[j * n + i], column[j]);
            assert!(
                (a - b).abs() <= 1e-12 * (1.0 + b.abs()),
                "column {i}, row {j}: {a} vs {b}"
            );
        }
    }
    let f = |q: &[f64]| rnn(q[0], &q[1..]);
    common::close_tol("rnn hessian", &hess, &common::fd_hessian(&f, &p), 1e-5);
}

#[test]
#[should_panic(expected = "`hess` has length 24 but the function has 5 differentiated entries")]
fn hessian_buffer_length_is_checked() {
    let mut d = [0.0; 4];
    let mut hess = vec![0.0; 24];
    let _ = rnn_hessian(0.7, &[0.5, 1.2, -0.3, 0.8], &mut d, &mut hess);
}

/// A saddle: f = x² − y² has the Hessian diag(2, −2) everywhere; a minimum: x² + y².
#[gradient(hvp)]
fn saddle(x: f64, y: f64) -> f64 {
    x * x - y * y
}

#[test]
fn hessian_tells_a_saddle() {
    let (_, g, h) = saddle_hessian(0.0, 0.0);
    assert_eq!(g, [0.0, 0.0]);
    assert_eq!(h, [[2.0, 0.0], [0.0, -2.0]]);
}

/// Helpers called with scalar arguments, with and without `wrt`: each has `hvp` too, and the
/// caller's second order goes through their Hessian–vector products.
#[gradient(hvp)]
fn logistic(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

#[gradient(hvp, wrt(a))]
fn poly(a: f64, b: f64) -> f64 {
    a * a * b + a.sin()
}

#[gradient(hvp)]
fn with_calls(x: f64, w: &[f64]) -> f64 {
    let mut s = 0.0;
    for &wi in w {
        s += logistic(wi * x) * poly(wi, 2.0) + poly(x * wi, 0.5);
    }
    s * logistic(x)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn calls_second_order(p in vec_in(4), v in vec_in(4)) {
        let g = |p: &[f64]| {
            let mut d = vec![0.0; 3];
            let (_, [dx]) = with_calls_grad(p[0], &p[1..], &mut d);
            common::cat(&[&[dx], &d])
        };
        let mut d = vec![0.0; 3];
        let mut hv = vec![0.0; 3];
        let (value, [dx], [hx]) = with_calls_hvp(p[0], &p[1..], v[0], &v[1..], &mut d, &mut hv);
        prop_assert_eq!(value.to_bits(), with_calls(p[0], &p[1..]).to_bits());
        same("with_calls gradient", &common::cat(&[&[dx], &d]), &g(&p))?;
        check_hv("with_calls", &p, &v, &g, &common::cat(&[&[hx], &hv]))?;
    }
}

/// Helpers taking slices and sub-slices, called from a loop and with a local buffer: their
/// second order comes from their own `NAME__hvp_call` with the slices' tangents.
#[gradient(hvp)]
fn dot_tanh(a: &[f64], b: &[f64], gain: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..a.len() {
        s += (gain * a[i] * b[i]).tanh();
    }
    s
}

#[gradient(hvp, wrt(w))]
fn sq_norm(w: &[f64], scale: f64) -> f64 {
    w.iter().map(|v| v * v).sum::<f64>() * scale
}

#[gradient(hvp)]
fn slice_calls(x: f64, w: &[f64]) -> f64 {
    let mut h = vec![0.0; w.len()];
    for i in 0..w.len() {
        h[i] = (w[i] * x).sin();
    }
    let data = [0.5, -1.0, 2.0, 0.25];
    dot_tanh(&h, w, x) + sq_norm(&w[1..3], 0.5) * x + dot_tanh(&data[..w.len()], &h, 1.5)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn slice_calls_second_order(p in vec_in(4), v in vec_in(4)) {
        let g = |p: &[f64]| {
            let mut d = vec![0.0; 3];
            let (_, [dx]) = slice_calls_grad(p[0], &p[1..], &mut d);
            common::cat(&[&[dx], &d])
        };
        let mut d = vec![0.0; 3];
        let mut hv = vec![0.0; 3];
        let (value, [dx], [hx]) = slice_calls_hvp(p[0], &p[1..], v[0], &v[1..], &mut d, &mut hv);
        prop_assert_eq!(value.to_bits(), slice_calls(p[0], &p[1..]).to_bits());
        same("slice_calls gradient", &common::cat(&[&[dx], &d]), &g(&p))?;
        check_hv("slice_calls", &p, &v, &g, &common::cat(&[&[hx], &hv]))?;
    }
}

/// Helpers whose parameters are arrays (by value and by reference), called with an array
/// literal of differentiated values, a local array, a parameter array and a part of a slice: the
/// callee's `NAME__hvp_call` takes its tangents and buffers as arrays too.
#[gradient(hvp)]
fn rotate(ua: [f64; 2], uk: f64) -> f64 {
    let mut s = ua;
    for _ in 0..3 {
        s[0] += 0.25 * uk * s[1];
        s[1] -= 0.25 * uk * s[0];
    }
    s[0] * 0.5 + s[1] * s[0]
}

#[gradient(hvp)]
fn weigh(ua: &[f64; 2], us: f64) -> f64 {
    us * (ua[0] - 0.5 * ua[1]) * ua[0]
}

#[gradient(hvp)]
fn array_calls(x: f64, w: &[f64], z: [f64; 2]) -> f64 {
    let local = [x * w[0], w[1].sin()];
    rotate([x, w[0]], w[1]) + weigh(&local, x) + rotate(z, x) + weigh(&z, w[2]) + rotate(local, 0.5)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn array_calls_second_order(p in vec_in(6), v in vec_in(6)) {
        let g = |p: &[f64]| {
            let (mut d, mut dz) = (vec![0.0; 3], [0.0; 2]);
            let (_, [dx]) = array_calls_grad(p[0], &p[1..4], [p[4], p[5]], &mut d, &mut dz);
            common::cat(&[&[dx], &d, &dz])
        };
        let (mut d, mut hv, mut dz, mut hz) = (vec![0.0; 3], vec![0.0; 3], [0.0; 2], [0.0; 2]);
        let (value, [dx], [hx]) = array_calls_hvp(
            p[0], &p[1..4], [p[4], p[5]], v[0], &v[1..4], &[v[4], v[5]], &mut d, &mut dz, &mut hv, &mut hz,
        );
        prop_assert_eq!(value.to_bits(), array_calls(p[0], &p[1..4], [p[4], p[5]]).to_bits());
        same("array_calls gradient", &common::cat(&[&[dx], &d, &dz]), &g(&p))?;
        check_hv("array_calls", &p, &v, &g, &common::cat(&[&[hx], &hv, &hz]))?;
    }
}

/// B2's chained Rosenbrock: its Hessian is tridiagonal, so three HVP sweeps with columns probed
/// together give all of it (`grad::runtime::hessian::sparse_hessian`), equal to the dense
/// `NAME_hessian` that takes one sweep per entry.
#[gradient(hvp)]
fn chained_rosenbrock(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        s += (1.0 - x[i]).powi(2) + 100.0 * (x[i + 1] - x[i] * x[i]).powi(2);
    }
    s
}

#[test]
fn a_banded_hessian_from_three_sweeps() {
    use grad::runtime::hessian::{banded_pattern, sparse_hessian};
    let x: Vec<f64> = (0..12).map(|k| (k as f64 * 0.7).sin()).collect();
    let n = x.len();
    let mut d = vec![0.0; n];
    let mut dense = vec![0.0; n * n];
    let _ = chained_rosenbrock_hessian(&x, &mut d, &mut dense);
    let h = sparse_hessian(n, &banded_pattern(n, 1), |v: &[f64], out: &mut [f64]| {
        let _ = chained_rosenbrock_hvp(&x, v, &mut d, out);
    })
    .unwrap();
    assert_eq!(h.products, 3);
    let sparse = h.to_dense();
    for (k, (a, b)) in sparse.iter().zip(&dense).enumerate() {
        assert!(
            (a - b).abs() <= 1e-12 * (1.0 + b.abs()),
            "entry {k}: {a} vs {b}"
        );
    }
}

/// Found by the differential tester (seed 1200602, `g58`): a call inside a branch inside a loop
/// whose adjoint recomputes the loop's values. The recomputed call carries no gradient slots; its
/// tangent was once taken from the first computation's, out of scope (a compile error inside the
/// generated code), and would have been 0 in scope. Kept as generated.
#[allow(clippy::all, unused, non_upper_case_globals)]
mod recomputed {
    use grad::gradient;

    const CG58_0_f64: f64 = 1.62;
    const CG58_1_f64: f64 = -0.99;
    #[gradient(hvp)]
    fn g58_h0_f64(a0: f64, a1: f64) -> f64 {
        let v1 = a1;
        let mut acc2 = CG58_0_f64;
        match 3_usize % 4 {
            0 => {
                acc2 *= 1.0 + 0.1 * f64::tanh(((-0.45) + a0));
            }
            1 | 2 => {
                acc2 *= 1.0
                    + 0.1
                        * f64::tanh(
                            (({
                                let t3 = acc2;
                                t3 * (-0.07f64) + (-0.07f64)
                            }) * ({
                                let t3 = acc2;
                                t3 * (-0.07f64) + (-0.07f64)
                            }) + 0.4)
                                .log(CG58_0_f64),
                        );
            }
            3 => acc2 *= 0.5,
            _ => {}
        }
        let v1 = v1 * 0.5 + (1.0f64 + (1.0 + f64::EPSILON));
        return ({
            let t4: f64 = (-1.32);
            t4 * (1.1 - CG58_1_f64) + (1.1 - CG58_1_f64)
        }) + f64::tanh(acc2)
            + v1;
    }
    const CG58_2_f64: f64 = -1.84;
    const CG58_3_f64: f64 = 1.14;
    const CG58_4_f64: f64 = 0.97;
    #[gradient(hvp, wrt(xs, x1))]
    pub fn g58_f64(n: usize, x1: f64, xs: &[f64], ys: &[f64], x0: f64) -> f64 {
        let mut h5: Vec<f64> = vec![
            (0.0 + 1.9 * f64::tanh(((xs[0] + (-1.36)) / 1.9))),
            0.5,
            (if CG58_2_f64
                >= (xs
                    .iter()
                    .zip(ys.iter())
                    .map(|(&v9, &w10)| v9 * (xs[xs.len() - 1]))
                    .sum::<f64>())
            {
                xs[0]
            } else {
                (1.0 + f64::EPSILON)
            }),
        ];
        for t7 in 0..2 {
            let mut hn6 = vec![0.0; h5.len()];
            for q8 in 0..h5.len() {
                hn6[q8] = f64::tanh(
                    h5[q8] * (0.0 + 1.9 * f64::tanh(((g58_h0_f64(CG58_3_f64, x1)) / 1.9)))
                        + h5[(q8 + 1) % h5.len()] * 0.5
                        + (0.0 + 1.9 * f64::tanh(((g58_h0_f64(0.87_f64, x1)) / 1.9))),
                );
            }
            h5 = hn6.clone();
        }
        let hr11: f64 = h5.iter().sum::<f64>();
        let mut acc15 = xs.iter().sum::<f64>();
        for i12 in 0..n {
            if ((-2.51f64).exp_m1()) >= (CG58_4_f64 * acc15) {
                return (hr11);
            }
            acc15 /= hr11 * hr11 + 1.0;
        }
        for &e19 in xs.iter().rev() {
            if n > 0 {
                return (((1.0 + f64::EPSILON) * x0) + ((-1.91_f64) * x1));
            }
            let mut acc22 = (if true {
                g58_h0_f64((-1.31), CG58_4_f64)
            } else {
                g58_h0_f64(x1, xs[xs.len() - 1])
            });
            for i20 in (0..xs.len()).rev() {
                {
                    let rv24: f64 = <f64>::round((-1.41));
                    let r23 = &mut acc15;
                    *r23 += rv24;
                }
                acc22 -= (x1.signum() + (xs[0] * (-0.69)));
            }
            acc15 += (n as f64);
        }
        ((0.84_f64 + x1) - (x0 - x0)) + hr11 + hr11
    }
}

#[test]
fn a_recomputed_call_has_its_own_tangent() {
    use recomputed::{g58_f64, g58_f64_grad, g58_f64_hvp};
    let _ = g58_f64;
    for (x1, xs, n) in [
        (0.3f64, vec![0.5, -1.2, 0.8], 2usize),
        (-0.7, vec![1.5, 0.2], 0),
        (1.1, vec![-0.4, 0.9, 0.1, 0.6], 1),
    ] {
        let ys = vec![0.2; xs.len()];
        let x0 = 0.4;
        let g = |x1: f64, xs: &[f64]| {
            let mut d = vec![0.0; xs.len()];
            let (_, [a]) = g58_f64_grad(n, x1, xs, &ys, x0, &mut d);
            common::cat(&[&[a], &d])
        };
        let vx1 = 0.7;
        let vxs: Vec<f64> = (0..xs.len()).map(|k| 0.3 - 0.2 * k as f64).collect();
        let mut d = vec![0.0; xs.len()];
        let mut hv = vec![0.0; xs.len()];
        let (_, _, [h1]) = g58_f64_hvp(n, x1, &xs, &ys, x0, vx1, &vxs, &mut d, &mut hv);
        let h = 1e-6;
        let xp: Vec<f64> = xs.iter().zip(&vxs).map(|(a, b)| a + h * b).collect();
        let xm: Vec<f64> = xs.iter().zip(&vxs).map(|(a, b)| a - h * b).collect();
        let fd: Vec<f64> = g(x1 + h * vx1, &xp)
            .iter()
            .zip(g(x1 - h * vx1, &xm))
            .map(|(a, b)| (a - b) / (2.0 * h))
            .collect();
        let got = common::cat(&[&[h1], &hv]);
        for (a, b) in got.iter().zip(&fd) {
            assert!((a - b).abs() < 1e-5 * (1.0 + b.abs()), "{got:?} vs {fd:?}");
        }
    }
}

/// `NAME_hessian_diag` is the diagonal of `NAME_hessian`, with the same value and gradient, for
/// scalars and for sequences (Clad's `diagonal_only` Hessian of `h(arr, weights, multiplier)`).
#[gradient(hvp)]
fn clad_arrays(arr: &[f64], weights: &[f64], multiplier: f64) -> f64 {
    let s = (arr[0] * weights[0] + arr[1] * weights[1] + arr[2] * weights[2]) * multiplier;
    s * s
}

#[test]
fn hessian_diagonals() {
    for (x, y) in [(-1.2, 1.0), (0.3, 0.4)] {
        let (v, g, h) = rosenbrock_hessian(x, y);
        let (vd, gd, diag) = rosenbrock_hessian_diag(x, y);
        assert_eq!((v.to_bits(), g), (vd.to_bits(), gd));
        assert_eq!(diag, [h[0][0], h[1][1]]);
    }
    let p = [0.7, 0.5, 1.2, -0.3, 0.8];
    let n = p.len();
    let (mut d, mut dd) = ([0.0; 4], [f64::NAN; 4]);
    let mut hess = vec![0.0; n * n];
    let mut diag = vec![f64::NAN; n];
    let full = rnn_hessian(p[0], &p[1..], &mut d, &mut hess);
    let only = rnn_hessian_diag(p[0], &p[1..], &mut dd, &mut diag);
    assert_eq!(full.0.to_bits(), only.0.to_bits());
    assert_eq!(full.1, only.1);
    assert_eq!(d, dd);
    for i in 0..n {
        assert_eq!(diag[i].to_bits(), hess[i * n + i].to_bits(), "entry {i}");
    }
    let (mut da, mut dw, mut diag) = ([0.0; 3], [0.0; 3], [0.0; 7]);
    let (value, [dm]) = clad_arrays_hessian_diag(
        &[1.0, 2.0, 3.0],
        &[4.0, 5.0, 6.0],
        2.0,
        &mut da,
        &mut dw,
        &mut diag,
    );
    assert_eq!((value, dm), (4096.0, 4096.0));
    // The scalar first, then `arr`, then `weights` (Clad lists the multiplier last).
    assert_eq!(diag, [2048.0, 128.0, 200.0, 288.0, 8.0, 32.0, 72.0]);
}

#[test]
#[should_panic(expected = "`diag` has length 2 but the function has 7 differentiated entries")]
fn hessian_diagonal_length_is_checked() {
    let (mut da, mut dw, mut diag) = ([0.0; 3], [0.0; 3], [0.0; 2]);
    let _ = clad_arrays_hessian_diag(&[1.0; 3], &[1.0; 3], 1.0, &mut da, &mut dw, &mut diag);
}

/// Parameters named like the Hessian's buffers (`diag`, `hess`): the buffers take `diag_` and
/// `hess_` (refused before as a clash of names).
#[gradient(hvp, wrt(x))]
fn named_like_buffers(x: &[f64], diag: &[f64], hess: f64) -> f64 {
    x.iter().zip(diag).map(|(v, d)| d * v * v * v).sum::<f64>() * hess
}

#[test]
fn buffers_named_apart_from_parameters() {
    let (x, diag) = ([0.5, -1.5], [2.0, 0.25]);
    let mut d_x = [0.0; 2];
    let mut h = [0.0; 4];
    let (v, _) = named_like_buffers_hessian(&x, &diag, 1.5, &mut d_x, &mut h);
    assert_eq!(v, named_like_buffers(&x, &diag, 1.5));
    // ∂²f/∂xᵢ² = 6 dᵢ xᵢ hess, diagonal.
    for i in 0..2 {
        assert!((h[i * 2 + i] - 6.0 * diag[i] * x[i] * 1.5).abs() < 1e-12);
    }
    assert_eq!((h[1], h[2]), (0.0, 0.0));
    let mut dg = [0.0; 2];
    let _ = named_like_buffers_hessian_diag(&x, &diag, 1.5, &mut d_x, &mut dg);
    assert_eq!(dg, [h[0], h[3]]);
}

/// A square root on a path not taken at its infinite-derivative point (`x = 0`), and a factor
/// or an exponent known only at run time that is 0: the second order keeps the first order's
/// strong zero (no NaN from 0 · ∞).
#[gradient(hvp)]
fn guarded_sqrt(x: f64) -> f64 {
    let s = x.sqrt();
    if x > 0.0 {
        s
    } else {
        x * x + x
    }
}

#[gradient(hvp, wrt(x))]
fn zero_factor(x: f64, c: f64, n: i32) -> f64 {
    c * x.sqrt() + x.powi(n) + c * x.acosh().max(0.0) + x * x
}

#[gradient(hvp, wrt(x))]
fn guarded_slice(x: &[f64]) -> f64 {
    let mut acc = 0.0;
    for &v in x {
        let s = v.sqrt();
        acc += if v > 0.0 { s } else { v * v };
    }
    acc
}

#[test]
fn strong_zeros_hold_in_second_order() {
    assert_eq!(guarded_sqrt_hvp(0.0, 1.0), (0.0, [1.0], [2.0]));
    assert_eq!(guarded_sqrt_hessian(0.0), (0.0, [1.0], [[2.0]]));
    // At x = 0 with c = 0 and n = 0: x.powi(0) ≡ 1, so f = 1 + x², f'' = 2.
    let (v, [g], [h]) = zero_factor_hvp(0.0, 0.0, 0, 1.0);
    assert_eq!((v, g, h), (1.0, 0.0, 2.0));
    let (_, _, [[hh]]) = zero_factor_hessian(0.0, 0.0, 0);
    assert_eq!(hh, 2.0);
    let (_, _, [hd]) = zero_factor_hessian_diag(0.0, 0.0, 0);
    assert_eq!(hd, 2.0);
    let x = [0.0, 4.0];
    let (mut d, mut hv) = ([f64::NAN; 2], [f64::NAN; 2]);
    let v = guarded_slice_hvp(&x, &[1.0, 1.0], &mut d, &mut hv);
    assert_eq!(v.to_bits(), guarded_slice(&x).to_bits());
    assert_eq!(d, [0.0, 0.25]);
    assert_eq!(hv, [2.0, -0.031_25]);
}
