//! Closures passed to `#[gradient]` helpers that take them (quadrature, ODE steps, root
//! finding): `integrate(|t| (k * t).sin(), 0.0, 1.0, n)`, `rk4_step(&f, t, y, h)`. Each call is
//! differentiated as the helper with that closure in place, through the closure's captures.
//! Checked against central differences, the value bit for bit (and second order against
//! differences of the gradient).

#![allow(clippy::float_cmp)]

mod common;

use common::{check_flat, fd_all};
use grad::gradient;

fn check(what: &str, f: &dyn Fn(&[f64]) -> f64, v: f64, g: &[f64], p: &[f64]) {
    check_flat(what, p, f, v, g).unwrap();
}

/// `f` of three floats and its gradient `g` at two points: the value bit for bit, the gradient
/// against differences.
fn check_at_two_points(what: &str, f: fn(&[f64]) -> f64, g: fn(&[f64], &mut [f64]) -> f64) {
    for p in [[0.4, -0.3, 0.8], [1.2, 0.5, -0.6]] {
        let mut d = [f64::NAN; 3];
        let v = g(&p, &mut d);
        assert_eq!(v.to_bits(), f(&p).to_bits(), "{what}");
        check(what, &|q| f(q), v, &d, &p);
    }
}

/// Midpoint quadrature, the closure taken by value through a generic bound.
#[gradient]
fn integrate<F: Fn(f64) -> f64>(f: F, a: f64, b: f64, n: usize) -> f64 {
    let h = (b - a) / n as f64;
    (0..n).map(|i| f(a + (i as f64 + 0.5) * h)).sum::<f64>() * h
}

/// One Runge–Kutta step, the closure by reference, its bound in a `where` clause.
#[gradient]
fn rk4_step<F>(f: &F, t: f64, y: f64, h: f64) -> f64
where
    F: Fn(f64, f64) -> f64,
{
    let k1 = f(t, y);
    let k2 = f(t + h / 2.0, y + h / 2.0 * k1);
    let k3 = f(t + h / 2.0, y + h / 2.0 * k2);
    let k4 = f(t + h, y + h * k3);
    y + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
}

/// Newton's method on `g(x) = 0` with its derivative given, `impl Fn` parameters, a loop that
/// stops early.
#[gradient]
fn newton(g: impl Fn(f64) -> f64, dg: impl Fn(f64) -> f64, x0: f64) -> f64 {
    let mut x = x0;
    for _ in 0..20 {
        let step = g(x) / dg(x);
        x -= step;
        if step.abs() < 1e-14 {
            break;
        }
    }
    x
}

/// Simpson's rule through `&dyn Fn`, calling `integrate`'s shape of helper in turn (the closure
/// passed on).
#[gradient]
fn simpson(f: &dyn Fn(f64) -> f64, a: f64, b: f64, n: usize) -> f64 {
    let h = (b - a) / n as f64;
    let mut s = f(a) + f(b);
    for i in 1..n {
        let w = if i % 2 == 1 { 4.0 } else { 2.0 };
        s += w * f(a + i as f64 * h);
    }
    s * h / 3.0 + 0.0 * integrate(f, a, b, 2)
}

/// A generic float helper.
#[gradient]
fn trapezoid<T: num_traits::Float, F: Fn(T) -> T>(f: F, a: T, b: T, n: usize) -> T {
    let h = (b - a) / T::from(n).unwrap();
    let mut s = (f(a) + f(b)) / T::from(2.0).unwrap();
    for i in 1..n {
        s = s + f(a + T::from(i).unwrap() * h);
    }
    s * h
}

#[gradient]
fn moment(k: f64) -> f64 {
    integrate(|t| (k * t).sin(), 0.0, 1.0, 32)
}

#[gradient(hvp, jvp)]
fn decay_loss(k: f64, y0: f64) -> f64 {
    let f = |_t: f64, y: f64| -k * y;
    let mut y = y0;
    let mut t = 0.0;
    for _ in 0..10 {
        y = rk4_step(&f, t, y, 0.1);
        t += 0.1;
    }
    (y - 0.5).powi(2)
}

#[gradient]
fn captured(w: &[f64], s: f64, n: usize) -> f64 {
    let scale = 2.0 * s;
    let offset: f64 = w[1] * 0.5;
    let a = integrate(|t| w[0] * t * t * scale + offset * t, 0.0, s, n);
    let b = integrate(&|t: f64| t.exp() * w[1], 0.0, 1.0, 8);
    let root = newton(|x| x * x - w[0] * w[0] - 1.0, |x| 2.0 * x, 1.0);
    a + b * root + simpson(&|x| (w[1] * x).cos(), 0.0, s, 6)
}

/// A capture bound to an element of a slice parameter, without a written type.
#[gradient]
fn element_capture(w: &[f64]) -> f64 {
    let rate = w[0];
    let shifted = w[1] * 2.0 - 0.5;
    integrate(|t| (rate * t).exp() * shifted, 0.0, 1.0, 8)
}

#[gradient]
fn generic_caller(k: f64, v: &[f64]) -> f64 {
    trapezoid(|t: f64| (k * t).tanh() * v[0], 0.0, 1.0, 10)
}

#[test]
fn quadrature_of_a_closure() {
    let (v, g) = moment_grad(0.5);
    check("moment", &|p| moment(p[0]), v, &g, &[0.5]);
    let w = [0.3, -0.8];
    let mut d = [0.0; 2];
    let (v, [ds]) = captured_grad(&w, 0.9, 12, &mut d);
    let p = [0.3, -0.8, 0.9];
    check(
        "captured",
        &|p| captured(&p[..2], p[2], 12),
        v,
        &[d[0], d[1], ds],
        &p,
    );
    let mut dw = [0.0; 2];
    let v = element_capture_grad(&[0.4, -0.6], &mut dw);
    check(
        "element_capture",
        &|p| element_capture(p),
        v,
        &dw,
        &[0.4, -0.6],
    );
    let mut dv = [0.0; 1];
    let (v, [dk]) = generic_caller_grad(0.7, &[1.5], &mut dv);
    check(
        "generic_caller",
        &|p| generic_caller(p[0], &p[1..]),
        v,
        &[dk, dv[0]],
        &[0.7, 1.5],
    );
}

#[test]
fn an_ode_through_a_closure() {
    let (v, g) = decay_loss_grad(0.7, 1.2);
    check(
        "decay_loss",
        &|p| decay_loss(p[0], p[1]),
        v,
        &g,
        &[0.7, 1.2],
    );
    let (vj, dot) = decay_loss_jvp(0.7, 1.2, 0.25, -1.0);
    assert_eq!(vj, v);
    assert!((dot - (0.25 * g[0] - g[1])).abs() < 1e-12);
    let (_, _, h) = decay_loss_hessian(0.7, 1.2);
    for (k, row) in h.iter().enumerate() {
        let want = fd_all(&|p: &[f64]| decay_loss_grad(p[0], p[1]).1[k], &[0.7, 1.2]);
        assert!((row[0] - want[0]).abs() < 1e-6 && (row[1] - want[1]).abs() < 1e-6);
    }
}

/// Methods of a model and associated functions calling helpers with closures (the specialized
/// functions made beside them in the `impl`, called as `Self::..`).
#[derive(Clone, grad::Params)]
struct Oscillator {
    k: f64,
    c: f64,
}

#[gradient]
impl Oscillator {
    #[gradient(wrt(self, y0))]
    fn final_state(&self, y0: f64) -> f64 {
        let k: f64 = self.k;
        let damping: f64 = self.c * 0.5;
        let f = |_t: f64, y: f64| -k * y - damping * y * y;
        let mut y = y0;
        for i in 0..5 {
            y = rk4_step(&f, f64::from(i) * 0.1, y, 0.1);
        }
        y + Self::energy(k, y)
    }

    #[gradient]
    fn energy(k: f64, y: f64) -> f64 {
        integrate(|t| k * (t * y).powi(2), 0.0, 1.0, 8) + Self::unit()
    }

    fn unit() -> f64 {
        0.0
    }
}

#[test]
fn methods_calling_helpers_with_closures() {
    let m = Oscillator { k: 0.8, c: 0.3 };
    let mut d = Oscillator { k: 0.0, c: 0.0 };
    let (v, [dy]) = m.final_state_grad(1.1, &mut d);
    check(
        "final_state",
        &|p| Oscillator { k: p[0], c: p[1] }.final_state(p[2]),
        v,
        &[d.k, d.c, dy],
        &[0.8, 0.3, 1.1],
    );
    let (v, g) = Oscillator::energy_grad(0.8, 1.1);
    check(
        "energy",
        &|p| Oscillator::energy(p[0], p[1]),
        v,
        &g,
        &[0.8, 1.1],
    );
}

/// A closure reading `self` of a method whose `wrt(..)` leaves `self` out (data): `self` is
/// passed to the specialized function as `&Self`.
struct Spectrum {
    scale: f64,
    freqs: Vec<f64>,
}

impl Spectrum {
    #[gradient(wrt(w))]
    fn power(&self, w: &[f64]) -> f64 {
        integrate(
            |t| self.scale * (w[0] * t + self.freqs[0]).sin().powi(2) + w[1] * t,
            0.0,
            1.0,
            16,
        )
    }
}

#[test]
fn closures_reading_self_as_data() {
    let s = Spectrum {
        scale: 1.5,
        freqs: vec![0.3, 0.9],
    };
    let w = [0.8, -0.4];
    let mut d = [0.0; 2];
    let v = s.power_grad(&w, &mut d);
    check("power", &|p| s.power(p), v, &d, &w);
}

/// A closure reading the fields of a differentiated model (`self` of a method, or `m` named in
/// `wrt`): specialized where the fields are floats and slices of their own. And captures of
/// locals without a written type, floats by what they compute (`xs[0] * 2.0`, `.sum::<f64>()`).
#[derive(Clone, Debug, grad::Params)]
struct Decay {
    k: f64,
    amp: f64,
    shape: Vec<f64>,
}

impl Decay {
    #[gradient]
    fn area(&self, t1: f64) -> f64 {
        integrate(
            |t| self.amp * (-self.k * t).exp() + self.shape[0] * t,
            0.0,
            t1,
            20,
        )
    }
}

#[gradient(wrt(m))]
fn decay_area(m: &Decay, t1: f64) -> f64 {
    let tail = m.shape[1] * 0.5;
    integrate(|t| m.amp * (-m.k * t).exp() * tail, 0.0, t1, 12)
}

#[gradient]
fn untyped_captures(k: f64, xs: &[f64]) -> f64 {
    let s = xs[0] * 2.0;
    let m = xs.iter().sum::<f64>();
    let r = (s * k).tanh();
    integrate(|t| (s * t).sin() + m * t * k + r, 0.0, 1.0, 10)
}

#[test]
fn closures_reading_a_differentiated_model_and_untyped_locals() {
    use grad::runtime::Params;
    let d = Decay {
        k: 0.5,
        amp: 2.0,
        shape: vec![0.3, -0.7],
    };
    let flat = d.to_flat();
    let mut g = d.zeros_like();
    let v = d.area_grad(1.3, &mut g);
    check(
        "area",
        &|p| d.with_flat(p).area(1.3),
        v,
        &g.to_flat(),
        &flat,
    );
    let mut g = d.zeros_like();
    let v = decay_area_grad(&d, 0.9, &mut g);
    check(
        "decay_area",
        &|p| decay_area(&d.with_flat(p), 0.9),
        v,
        &g.to_flat(),
        &flat,
    );
    let xs = [0.5, 1.0, -0.25];
    let mut dx = [0.0; 3];
    let (v, [dk]) = untyped_captures_grad(0.3, &xs, &mut dx);
    let mut p = vec![0.3];
    p.extend_from_slice(&xs);
    let mut gr = vec![dk];
    gr.extend_from_slice(&dx);
    check(
        "untyped_captures",
        &|p| untyped_captures(p[0], &p[1..]),
        v,
        &gr,
        &p,
    );
    let _ = fd_all;
}

/// A plain helper taking a closure by `&CF`.
fn averaged<CF>(f: &CF, a: f64, n: usize) -> f64
where
    CF: Fn(f64) -> f64,
{
    let mut s: f64 = 0.0;
    for i in 0..n {
        s += f(a + i as f64 * 0.25) * 0.5;
    }
    s
}

/// Closures reading names a tuple pattern binds: parts of a tuple parameter, of a typed `let`,
/// of `sin_cos()` (their types were unknown to the specialization before: the closure was
/// refused).
#[gradient]
fn captures_of_tuple_parts(p: (f64, f64), q: f64) -> f64 {
    let (x0, x1) = p;
    let (s, c) = q.sin_cos();
    let (u, v): (f64, f64) = (x0 * q, 0.5);
    let a = averaged(&|t: f64| f64::tanh(t * x1 * 0.5), x0, 3);
    let b = averaged(&|t: f64| t * s + c * u * v, x1, 2);
    a * x0 + b
}

#[test]
fn closures_capturing_parts_of_tuples() {
    let (p, q) = ((0.4, -0.7), 0.3);
    let mut dp = (0.0, 0.0);
    let (v, [dq]) = captures_of_tuple_parts_grad(p, q, &mut dp);
    let (dp0, dp1) = dp;
    assert_eq!(v.to_bits(), captures_of_tuple_parts(p, q).to_bits());
    check(
        "captures_of_tuple_parts",
        &|z| captures_of_tuple_parts((z[0], z[1]), z[2]),
        v,
        &[dp0, dp1, dq],
        &[p.0, p.1, q],
    );
}

/// A closure passed to a helper, capturing a part of a tuple taken apart in the signature
/// (`(a, b): (f64, f64)`): E0425 "cannot find value `a`" in the specialized copy before (long
/// mode seed 4240 `g125`).
#[gradient]
fn summed_over(f: impl Fn(f64) -> f64, a: f64, n: usize) -> f64 {
    let mut s = 0.0;
    for i in 0..n {
        s += f(a + i as f64 * 0.25) * 0.5;
    }
    s
}

#[gradient]
fn tuple_parts_captured((a, b): (f64, f64), x: f64) -> f64 {
    let g = |t: f64| (t * a * 0.5).tanh() + b;
    summed_over(g, x, 3) * b
}

#[test]
fn closures_capturing_parts_of_a_tuple_parameter() {
    for (a, b, x) in [(0.3, 0.7, 0.5), (-1.1, 0.4, 1.5)] {
        let mut dt = (f64::NAN, f64::NAN);
        let (v, [dx]) = tuple_parts_captured_grad((a, b), x, &mut dt);
        assert_eq!(v.to_bits(), tuple_parts_captured((a, b), x).to_bits());
        check(
            "tuple_parts_captured",
            &|p| tuple_parts_captured((p[0], p[1]), p[2]),
            v,
            &[dt.0, dt.1, dx],
            &[a, b, x],
        );
    }
}

/// A plain RK4 helper over a state array, given a closure whose captures come from a tuple
/// `let` (`let (k, c) = (x[0], x[1]);`): refused before (their types unseen), found by a probe.
fn rk4_pair<F: Fn(f64, [f64; 2]) -> [f64; 2]>(f: F, t: f64, y: [f64; 2], h: f64) -> [f64; 2] {
    let k1 = f(t, y);
    let k2 = f(
        t + h / 2.0,
        [y[0] + h / 2.0 * k1[0], y[1] + h / 2.0 * k1[1]],
    );
    let k3 = f(
        t + h / 2.0,
        [y[0] + h / 2.0 * k2[0], y[1] + h / 2.0 * k2[1]],
    );
    let k4 = f(t + h, [y[0] + h * k3[0], y[1] + h * k3[1]]);
    [
        y[0] + h / 6.0 * (k1[0] + 2.0 * k2[0] + 2.0 * k3[0] + k4[0]),
        y[1] + h / 6.0 * (k1[1] + 2.0 * k2[1] + 2.0 * k3[1] + k4[1]),
    ]
}

#[allow(clippy::needless_borrows_for_generic_args)]
#[gradient]
fn oscillator(x: &[f64]) -> f64 {
    let (k, c) = (x[0], x[1]);
    let f = |_t: f64, y: [f64; 2]| [y[1], -k * y[0] - c * y[1]];
    let mut y = [1.0, 0.0];
    let mut t = 0.0;
    for _ in 0..10 {
        y = rk4_pair(&f, t, y, 0.1);
        t += 0.1;
    }
    y[0] * y[0] + y[1]
}

#[test]
fn captures_from_a_tuple_let() {
    let p = [1.5, 0.3];
    let mut g = [0.0; 2];
    let v = oscillator_grad(&p, &mut g);
    check("oscillator", &|q| oscillator(q), v, &g, &p);
}

/// Closures given to helpers that read what the caller binds in other ways than `let`s and
/// parameters: a tuple parameter or local read by its fields, a `for` loop's items (floats,
/// references, chunks, positions, rows of a `Vec` grown by pushes or written out), an
/// adapter's item (`map(|&v| ..)`, `fold`), the body's own `const` and `fn`. Each was a
/// compile error inside the expansion before (E0425 "cannot find value `v`", the closure moved
/// into a function that does not see it), or refused: found by probing, and by long mode
/// (seed 5309 `g135`, a tuple parameter's field read by a closure).
#[gradient]
fn tuple_parameter_read_by_field(p: (f64, f64), x: f64) -> f64 {
    summed_over(|t| (t * p.0 * 0.5).tanh() + p.1, x, 3) * p.1
}

#[gradient]
fn tuple_locals_read_by_field(x: &[f64]) -> f64 {
    let p = (x[0], (x[1], 2.0));
    let (a, b) = (x[1], x[2]);
    let q = (a * b, a + b);
    integrate(|t| (t * p.0).sin() + p.1 .0 * p.1 .1, 0.0, x[2], 4)
        + integrate(move |t| q.0 * t * t + q.1, 0.0, 1.0, 4)
}

#[gradient]
fn loop_items_read(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for &v in x {
        s += summed_over(|t| v * t, 0.5, 2);
    }
    for v in x.iter() {
        s += summed_over(|t| *v * t * t, 0.25, 2);
    }
    for (i, &v) in x.iter().enumerate() {
        s += summed_over(|t| (t * v).sin() * i as f64, 0.1, 2);
    }
    for c in x.chunks(2) {
        s += summed_over(|t| c[0] * t - c[c.len() - 1], 0.5, 2);
    }
    for i in 0..x.len() - 1 {
        s += summed_over(|t| x[i] * t + x[i + 1], 0.3, 2);
    }
    for (a, b) in x.iter().zip(x.iter().skip(1)) {
        s += summed_over(|t| a * t * b, 0.2, 2);
    }
    let n = x.len();
    for j in 0..n {
        s += summed_over(|t| t * j as f64 * x[0], 0.1, 2);
    }
    for j in 0..3 {
        s += summed_over(|t| t * j as f64 * x[1], 0.1, 2);
    }
    s
}

#[gradient]
fn adapter_items_read(x: &[f64]) -> f64 {
    let a: f64 = x.iter().map(|&v| summed_over(|t| v * t, 0.5, 2)).sum();
    let b = x
        .iter()
        .fold(0.0, |acc, v| acc + summed_over(|t| (v * t).cos(), 0.2, 2));
    a + b
}

#[gradient]
fn own_items_read(x: &[f64]) -> f64 {
    const K: f64 = 2.0;
    const K2: f64 = K * 1.5;
    fn sq(v: f64) -> f64 {
        v * v
    }
    let mut s = summed_over(|t| K2 * sq(t) * x[0] + K, x[1], 3);
    for v in x.iter().skip(1) {
        s += summed_over(|t| sq(*v * t) - K, 0.5, 2);
    }
    s
}

#[allow(clippy::vec_init_then_push)]
#[gradient]
fn rows_read(x: &[f64]) -> f64 {
    let mut pushed = Vec::new();
    pushed.push((x[0], x[1]));
    pushed.push((x[1], x[2]));
    let mut arrays = Vec::new();
    arrays.push([x[0], x[2]]);
    arrays.push([x[2], x[1]]);
    let written = vec![(x[0], x[1]), (x[1], x[2])];
    let fixed = [(x[2], x[0]), (x[1], x[1])];
    let mut s = 0.0;
    for p in &pushed {
        s += summed_over(|t| p.0 * t - p.1, 0.5, 2);
    }
    for p in &arrays {
        s += summed_over(|t| p[0] * t - p[1], 0.5, 2);
    }
    for p in &written {
        s += summed_over(|t| p.0 * t * p.1, 0.5, 2);
    }
    for (a, b) in fixed {
        s += summed_over(|t| a * t - b, 0.5, 2);
    }
    for p in fixed {
        s += p.0 * 0.5 - p.1;
    }
    s
}

#[test]
fn closures_reading_fields_loop_items_and_own_items() {
    for (a, b, x) in [(0.3, 0.7, 0.5), (-1.1, 0.4, 1.5)] {
        let mut dp = (f64::NAN, f64::NAN);
        let (v, [dx]) = tuple_parameter_read_by_field_grad((a, b), x, &mut dp);
        assert_eq!(
            v.to_bits(),
            tuple_parameter_read_by_field((a, b), x).to_bits()
        );
        check(
            "tuple_parameter_read_by_field",
            &|p| tuple_parameter_read_by_field((p[0], p[1]), p[2]),
            v,
            &[dp.0, dp.1, dx],
            &[a, b, x],
        );
    }
    type F = fn(&[f64]) -> f64;
    type G = fn(&[f64], &mut [f64]) -> f64;
    let cases: [(&str, F, G); 5] = [
        (
            "tuple_locals_read_by_field",
            tuple_locals_read_by_field,
            tuple_locals_read_by_field_grad,
        ),
        ("loop_items_read", loop_items_read, loop_items_read_grad),
        (
            "adapter_items_read",
            adapter_items_read,
            adapter_items_read_grad,
        ),
        ("own_items_read", own_items_read, own_items_read_grad),
        ("rows_read", rows_read, rows_read_grad),
    ];
    for (name, f, g) in cases {
        check_at_two_points(name, f, g);
    }
}

/// A table of data of the module, read in a loop and by an adapter whose items a closure given
/// to a helper reads; a slice parameter copied to a name; the element an `if let` takes and a
/// `match` arm's count. Refused before (the items' types unseen), found by probing.
const OBSERVED: [(f64, f64); 3] = [(0.5, 1.2), (1.0, 2.1), (1.5, 2.9)];

#[gradient]
fn fitted_through_helpers(x: &[f64]) -> f64 {
    let w = x;
    let by_map: f64 = OBSERVED
        .iter()
        .map(|&(xi, yi)| (integrate(|t| (w[0] * t + w[1]).exp() * xi, 0.0, 1.0, 4) - yi).powi(2))
        .sum();
    let mut by_loop = 0.0;
    for (i, &(t_obs, y_obs)) in OBSERVED.iter().enumerate() {
        let decay = |_t: f64, y: f64| -w[0] * y * (1.0 + 0.1 * i as f64);
        let y = rk4_step(&decay, 0.0, w[1], t_obs);
        by_loop += (y - y_obs) * (y - y_obs);
    }
    let mut ends = 0.0;
    if let Some(&v) = w.last() {
        ends += integrate(|t| v * t, 0.0, 1.0, 3);
    }
    match w.len() {
        n if n > 1 => ends += integrate(|t| w[n - 1] * w[0] * t, 0.0, 1.0, 3),
        _ => {}
    }
    by_map + by_loop + ends
}

#[test]
fn closures_reading_data_tables_copies_and_matched_names() {
    check_at_two_points(
        "fitted_through_helpers",
        fitted_through_helpers,
        fitted_through_helpers_grad,
    );
}

/// Helpers without `#[gradient]` calling a helper without it that takes a closure, the closure
/// reading the items of an adapter or a loop: "cannot find macro `summed_plain__inline`" in the
/// expansion before (the helper, derived in an expansion of its own, did not find the helper
/// taking closures of its module), long mode seed 5403 `g50`.
fn summed_plain<CF: Fn(f64) -> f64>(f: CF, a: f64, n: usize) -> f64 {
    let mut s = 0.0;
    for i in 0..n {
        s += f(a + i as f64 * 0.25) * 0.5;
    }
    s
}

fn by_items(r0: &f64, s0: &[f64]) -> f64 {
    let a0 = *r0;
    s0.iter()
        .take(2)
        .map(|&lv| summed_plain(|t: f64| f64::tanh(t * lv * 0.5), a0, 3))
        .sum::<f64>()
}

fn by_loop(a0: f64, s0: &[f64]) -> f64 {
    let mut s = 0.0;
    for &lv in s0.iter().take(2) {
        s += summed_plain(|t: f64| f64::tanh(t * lv * 0.5), a0, 3);
    }
    s + summed_plain(|t: f64| t * a0, a0, 2)
}

#[gradient]
fn through_plain_helpers(x: &[f64]) -> f64 {
    by_items(&(x[0] * 1.0), &x[1..]) + by_loop(x[0], x) * x[1]
}

#[derive(Clone, grad::Params)]
struct Held {
    xs: Vec<f64>,
    x1: f64,
}

#[gradient(wrt(model, x2))]
fn through_plain_helpers_of_a_model(model: &Held, x2: f64) -> f64 {
    by_items(&(x2 * 1.0), &model.xs) + model.x1 * by_loop(x2, &model.xs)
}

#[test]
fn plain_helpers_calling_plain_helpers_with_closures() {
    for p in [[0.4, -0.3, 0.8], [1.2, 0.5, -0.6]] {
        let mut d = [f64::NAN; 3];
        let v = through_plain_helpers_grad(&p, &mut d);
        assert_eq!(v.to_bits(), through_plain_helpers(&p).to_bits());
        check(
            "through_plain_helpers",
            &|q| through_plain_helpers(q),
            v,
            &d,
            &p,
        );
        let m = Held {
            xs: vec![p[0], p[1]],
            x1: p[2],
        };
        let mut dm = Held {
            xs: vec![f64::NAN; 2],
            x1: f64::NAN,
        };
        let (v, [dx2]) = through_plain_helpers_of_a_model_grad(&m, 0.3, &mut dm);
        assert_eq!(
            v.to_bits(),
            through_plain_helpers_of_a_model(&m, 0.3).to_bits()
        );
        let at = |q: &[f64]| {
            let m = Held {
                xs: vec![q[0], q[1]],
                x1: q[2],
            };
            through_plain_helpers_of_a_model(&m, q[3])
        };
        check(
            "through_plain_helpers_of_a_model",
            &at,
            v,
            &[dm.xs[0], dm.xs[1], dm.x1, dx2],
            &[p[0], p[1], p[2], 0.3],
        );
    }
}

/// A slice parameter with a named lifetime read by a closure given to a helper at positions
/// of a loop (`0..xs.len().min(2)`), and a tuple `let` of a tuple parameter's fields: refused
/// before (the lifetime is the caller's; a field's type unseen), long mode seed 5404 `g56`,
/// `g117`.
#[allow(clippy::needless_lifetimes)]
#[gradient]
fn lifetimes_and_fields<'a>(xs: &'a [f64], p: (f64, f64)) -> f64 {
    let mut s = 0.0;
    for i in 0..xs.len().min(2) {
        s += summed_over(|t| (t * xs[i] * 0.5).tanh(), 0.25, 2);
    }
    let tp = (p.1 * 0.5, p.1);
    s + summed_over(|t| (t * tp.0 + tp.1 * 0.25).tanh(), p.0, 1)
}

#[test]
fn closures_reading_slices_with_lifetimes_and_tuple_fields() {
    let xs = [0.4, -0.3, 0.8];
    let mut dxs = [f64::NAN; 3];
    let mut dp = (f64::NAN, f64::NAN);
    let v = lifetimes_and_fields_grad(&xs, (0.2, -0.7), &mut dxs, &mut dp);
    assert_eq!(
        v.to_bits(),
        lifetimes_and_fields(&xs, (0.2, -0.7)).to_bits()
    );
    check(
        "lifetimes_and_fields",
        &|q| lifetimes_and_fields(&q[..3], (q[3], q[4])),
        v,
        &[dxs[0], dxs[1], dxs[2], dp.0, dp.1],
        &[0.4, -0.3, 0.8, 0.2, -0.7],
    );
}

/// A closure given to a helper that calls closures of the body (`model(t)`, a closure calling
/// another): refused before (the closures' type unseen), found by probing.
#[gradient]
fn closures_calling_closures(x: &[f64]) -> f64 {
    let (a, b) = (x[0], x[1]);
    let model = |t: f64| a * t + b;
    let sq = |v: f64| v * v;
    let both = |t: f64| sq(model(t)) * x[2];
    integrate(|t| model(t).powi(2), 0.0, 1.0, 8) + integrate(|t| both(t) - sq(t), 0.0, 0.5, 4)
}

#[test]
fn closures_given_to_helpers_calling_closures() {
    check_at_two_points(
        "closures_calling_closures",
        closures_calling_closures,
        closures_calling_closures_grad,
    );
}

/// A closure local called twice, its captures unchanged between: the same values at both
/// calls (a closure local reading a name declared again before its call is refused: UI test
/// `err_closure_capture_untyped`).
#[gradient]
fn closure_local_twice(x: &[f64]) -> f64 {
    let a = x[0];
    let f = |t: f64| a * t;
    let b = x[1] * 5.0;
    integrate(f, 0.0, 1.0, 4) + b + integrate(&f, 0.0, 2.0, 2) * x[2]
}

#[test]
fn closure_locals_called_twice() {
    for p in [[0.4, -0.3, 0.8], [1.2, 0.5, -0.6]] {
        let mut d = [f64::NAN; 3];
        let v = closure_local_twice_grad(&p, &mut d);
        assert_eq!(v.to_bits(), closure_local_twice(&p).to_bits());
        let want = p[0] * 0.5 + p[1] * 5.0 + p[0] * 2.0 * p[2];
        assert!((v - want).abs() < 1e-12, "{v} vs {want}");
        check(
            "closure_local_twice",
            &|q| closure_local_twice(q),
            v,
            &d,
            &p,
        );
    }
}

/// Helpers declared inside the body (generic, `impl Fn`, `&dyn Fn`), one reading the body's own
/// `const`: before, "cannot find macro `trap__inline`" (the call was written for a
/// `#[gradient]` helper of the module) and "cannot find value `N`" (the helper's body copied
/// where the body's items are not seen).
#[gradient]
fn nested_helpers(x: &[f64]) -> f64 {
    const N: usize = 6;
    fn trap(f: impl Fn(f64) -> f64) -> f64 {
        let mut s = 0.5 * (f(0.0) + f(1.0));
        for i in 1..N {
            s += f(i as f64 / N as f64);
        }
        s / N as f64
    }
    fn simpson(f: &dyn Fn(f64) -> f64, a: f64, b: f64, n: usize) -> f64 {
        let h = (b - a) / n as f64;
        let mut s = f(a) + f(b);
        for i in 1..n {
            s += if i % 2 == 1 { 4.0 } else { 2.0 } * f(a + i as f64 * h);
        }
        s * h / 3.0
    }
    fn newton<F: Fn(f64) -> f64>(f: F, a: f64) -> f64 {
        let mut r = a;
        for _ in 0..4 {
            r = 0.5 * (r + f(r));
        }
        r
    }
    let k = x[0] * 2.0;
    let mut s = trap(|t| k * t * t + x[1]) + simpson(&|t| (x[0] * t).sin() * x[2], 0.0, 1.0, 8);
    for &v in x {
        s += newton(|r| (v * v + 1.0) / r, v.abs() + 1.0);
    }
    s
}

#[test]
fn helpers_declared_in_the_body() {
    check_at_two_points("nested_helpers", nested_helpers, nested_helpers_grad);
}

/// Closures taking functions and closures: a function by its path (`&f64::tanh`, `&square`, a
/// `fn(f64) -> f64`), a closure literal lent (`&|t| ..`), a closure local of the body (`&sq`,
/// and `&c` of `let c = &cube;`; `let sq2 = sq;` called);
/// and closures held as `Box<dyn Fn>`, `&dyn Fn` and `fn(f64) -> f64` locals.
fn square(v: f64) -> f64 {
    v * v
}

#[gradient]
fn closures_taking_functions(x: &[f64]) -> f64 {
    let sq = |v: f64| v * v * x[2];
    let apply = |g: &dyn Fn(f64) -> f64, v: f64| g(v) + g(2.0 * v);
    let twice = |g: fn(f64) -> f64, v: f64| g(g(v));
    let simpson = |f: &dyn Fn(f64) -> f64| -> f64 {
        let mut s = f(0.0) + f(1.0);
        for i in 1..8 {
            s += if i % 2 == 1 { 4.0 } else { 2.0 } * f(f64::from(i) / 8.0);
        }
        s / 24.0
    };
    let act: Box<dyn Fn(f64) -> f64> = Box::new(|z| z.max(0.0) + 0.01 * z.min(0.0));
    let lin: &dyn Fn(f64) -> f64 = &|t| t * x[1];
    let sig: fn(f64) -> f64 = |z| 1.0 / (1.0 + (-z).exp());
    // (A closure through a second name, handed on by it: long mode.)
    let cube = |t: f64| t * t * t * x[0];
    let c = &cube;
    let sq2 = sq;
    apply(&c, x[1])
        + c(x[2])
        + sq2(x[1])
        + apply(&sq, x[0])
        + apply(&square, x[1])
        + apply(&f64::tanh, x[2])
        + twice(f64::sin, x[0])
        + simpson(&|t| (x[0] * t).sin() * x[1])
        + act(x[0] - 0.5)
        + lin(x[2])
        + sig(x[0] * x[1])
}

#[test]
fn closures_given_functions_and_closures() {
    check_at_two_points(
        "closures_taking_functions",
        closures_taking_functions,
        closures_taking_functions_grad,
    );
}

/// A closure chosen by a condition (`let loss: &dyn Fn(f64, f64) -> f64 = if c { &|p, y| .. }
/// else { &|p, y| .. };`, closures that capture nothing in an `if`/`else if` chain): one closure
/// whose body tests the condition (computed once, where it is written: a call in it too), each
/// call inlined.
#[gradient]
fn chosen_by_a_condition(x: &[f64]) -> f64 {
    let loss: &dyn Fn(f64, f64) -> f64 = if x[0].abs() > 0.5 {
        &|p, y| (p - y).powi(2)
    } else {
        &|p, y| (p - y).abs() * x[2]
    };
    let huber = x[2] > 0.0;
    let f = if huber {
        |r: f64| {
            if r.abs() < 1.0 {
                0.5 * r * r
            } else {
                r.abs() - 0.5
            }
        }
    } else if x[1] > 0.0 {
        |r: f64| r * r
    } else {
        |r: f64| r.abs()
    };
    loss(x[1], 0.5) + loss(x[2], -0.5) + x.iter().map(|&v| f(v - 0.3)).sum::<f64>()
}

#[test]
fn closures_chosen_by_conditions() {
    // Each closure of each choice at one of the points.
    for p in [
        [0.4, -0.3, 0.8],
        [1.2, 0.5, -0.6],
        [0.9, 0.7, -0.2],
        [0.1, -0.4, -0.9],
    ] {
        let mut d = [f64::NAN; 3];
        let v = chosen_by_a_condition_grad(&p, &mut d);
        assert_eq!(v.to_bits(), chosen_by_a_condition(&p).to_bits());
        check(
            "chosen_by_a_condition",
            &|q| chosen_by_a_condition(q),
            v,
            &d,
            &p,
        );
    }
}
