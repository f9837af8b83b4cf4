//! Second order on models: `#[gradient(hvp, wrt(m))]` and `#[gradient(hvp)]` on a method emit
//! `NAME_hvp(params.., v_m: &Model, d_m: &mut Model, hv_m: &mut Model) -> value`: the gradient
//! and `H · v` in models of the model's own type. Checked against the gradient (bit for bit)
//! and against central differences of the gradient along `v`.

mod common;

use common::fd_hessian;
use grad::{gradient, Params};

#[derive(Clone, Debug, Params)]
struct Inner {
    gain: f64,
    w: [f64; 2],
}

#[derive(Clone, Debug, Params)]
struct Model {
    a: f64,
    b: f64,
    c: Vec<f64>,
    inner: Inner,
    n: usize,
}

impl Model {
    fn new() -> Self {
        Model {
            a: 0.5,
            b: -0.3,
            c: vec![0.2, 0.7, -0.4],
            inner: Inner {
                gain: 1.3,
                w: [0.25, -0.6],
            },
            n: 2,
        }
    }

    /// A method: `self` differentiated, `xs` and `ys` data.
    #[gradient(hvp, jvp)]
    fn loss(&self, xs: &[f64], ys: &[f64]) -> f64 {
        let mut total = 0.0;
        for i in 0..xs.len() {
            let p = self.a * xs[i] * xs[i] + (self.b * xs[i]).sin() + self.c[i % self.n] * self.a;
            total += (p - ys[i]).powi(2);
        }
        let w = self.inner.w[0] * self.inner.w[1] * self.inner.gain;
        total + self.c.iter().map(|v| v * v * v).sum::<f64>() + w.tanh()
    }
}

/// A free function of the model, with a helper call and a scalar data argument.
#[gradient(hvp)]
fn cubic(x: f64, y: f64) -> f64 {
    x * x * y + y.powi(3)
}

#[gradient(wrt(m), hvp)]
fn free(m: &Model, x: f64) -> f64 {
    (m.a * x).exp() * m.b + m.c[0] * m.c[1] * m.b + cubic(m.inner.gain, m.c[2])
}

/// `H · v` against central differences of the gradient model along `v`, and the gradient the
/// sweep gives against `NAME_grad`.
fn check(
    what: &str,
    m: &Model,
    v: &Model,
    grad: impl Fn(&Model, &mut Model) -> f64,
    hvp: impl Fn(&Model, &Model, &mut Model, &mut Model) -> f64,
) {
    let (mut d, mut dd, mut hv) = (m.zeros_like(), m.zeros_like(), m.zeros_like());
    dd.fill_params(f64::NAN);
    hv.fill_params(f64::NAN);
    let value = hvp(m, v, &mut dd, &mut hv);
    assert_eq!(value.to_bits(), grad(m, &mut d).to_bits(), "{what}: value");
    assert_eq!(dd.to_flat(), d.to_flat(), "{what}: gradient");
    let (x, dir) = (m.to_flat(), v.to_flat());
    let at = |h: f64| {
        let p: Vec<f64> = x.iter().zip(&dir).map(|(a, b)| a + h * b).collect();
        let mut g = m.zeros_like();
        let _ = grad(&m.with_flat(&p), &mut g);
        g.to_flat()
    };
    let h = 1e-5;
    let (gp, gm) = (at(h), at(-h));
    for (k, (got, (a, b))) in hv.to_flat().iter().zip(gp.iter().zip(&gm)).enumerate() {
        let want = (a - b) / (2.0 * h);
        assert!(
            (got - want).abs() <= 1e-6 * want.abs().max(1.0),
            "{what}: (H v)[{k}] = {got}, differences give {want}"
        );
    }
}

#[test]
fn hvp_of_a_method_and_of_a_free_function() {
    let m = Model::new();
    let mut v = m.zeros_like();
    v.read_flat(&[1.0, 0.5, -0.5, 0.25, 0.75, -1.0, 0.3, 0.6]);
    let (xs, ys) = ([1.0, 2.0, -0.5], [0.3, 0.1, 0.2]);
    check(
        "Model::loss",
        &m,
        &v,
        |m, d| m.loss_grad(&xs, &ys, d),
        |m, v, d, h| m.loss_hvp(&xs, &ys, v, d, h),
    );
    check(
        "free",
        &m,
        &v,
        |m, d| free_grad(m, 0.7, d),
        |m, v, d, h| free_hvp(m, 0.7, v, d, h),
    );
}

#[test]
#[should_panic(expected = "does not have the shape of")]
fn a_direction_of_another_shape_is_named() {
    let m = Model::new();
    let mut v = m.zeros_like();
    v.c.truncate(1);
    let (mut d, mut h) = (m.zeros_like(), m.zeros_like());
    let _ = free_hvp(&m, 0.7, &v, &mut d, &mut h);
}

#[test]
fn hessian_of_a_model_over_its_flat_view() {
    let m = Model::new();
    let n = m.num_params();
    let (xs, ys) = ([1.0, 2.0, -0.5], [0.3, 0.1, 0.2]);
    let mut hess = vec![0.0; n * n];
    let (mut d, mut g) = (m.zeros_like(), m.zeros_like());
    let value = m.loss_hessian(&xs, &ys, &mut d, &mut hess);
    assert_eq!(value.to_bits(), m.loss_grad(&xs, &ys, &mut g).to_bits());
    assert_eq!(d.to_flat(), g.to_flat());
    // Column j is H · e_j, and H is symmetric.
    for j in 0..n {
        let mut e = vec![0.0; n];
        e[j] = 1.0;
        let dir = m.with_flat(&e);
        let (mut dd, mut hv) = (m.zeros_like(), m.zeros_like());
        let _ = m.loss_hvp(&xs, &ys, &dir, &mut dd, &mut hv);
        for (i, h) in hv.to_flat().iter().enumerate() {
            assert_eq!(hess[i * n + j].to_bits(), h.to_bits());
            assert!((hess[i * n + j] - hess[j * n + i]).abs() < 1e-12);
        }
    }
    let mut hess = vec![0.0; n * n];
    let value = free_hessian(&m, 0.7, &mut d, &mut hess);
    assert_eq!(value.to_bits(), free(&m, 0.7).to_bits());
}

#[derive(Clone, Debug, Params)]
struct Unread {
    flag: bool,
    x0: f64,
}

impl Unread {
    /// A loss that reads none of the model's differentiated fields (found by the differential
    /// tester: `NAME_hvp` was an `unreachable!()`).
    #[gradient(wrt(self), hvp)]
    fn constant(&self, n: usize) -> f64 {
        (n as f64).sqrt() + 0.5
    }
}

#[test]
fn hvp_of_a_loss_that_reads_no_field() {
    let m = Unread {
        flag: true,
        x0: 1.5,
    };
    let (mut d, mut hv) = (m.zeros_like(), m.zeros_like());
    d.x0 = f64::NAN;
    hv.x0 = f64::NAN;
    let v = m.constant_hvp(4, &m.zeros_like(), &mut d, &mut hv);
    assert_eq!(v.to_bits(), m.constant(4).to_bits());
    assert_eq!((d.x0, hv.x0), (0.0, 0.0));
    let mut hess = vec![f64::NAN; 1];
    let v = m.constant_hessian(4, &mut d, &mut hess);
    assert_eq!((v, hess[0]), (m.constant(4), 0.0));
}

/// A model with rows fields (`Vec<Vec<T>>`, `[[T; 2]; 2]`) read by index, row by row, taken
/// apart and end to end.
#[derive(Clone, Debug, Params)]
struct Grid {
    rows: Vec<Vec<f64>>,
    pts: [[f64; 2]; 2],
    s: f64,
}

#[gradient(wrt(g), hvp)]
fn grid_energy(g: &Grid, x: f64) -> f64 {
    let mut e = g.s * g.s * x;
    for r in &g.rows {
        e += r[0] * r[r.len() - 1] * g.s;
    }
    for &[a, b] in g.pts.iter() {
        e += (a * b).sin();
    }
    e + g.rows[1].iter().map(|v| v * v * v).sum::<f64>()
}

impl Grid {
    #[gradient(hvp)]
    fn cost(&self) -> f64 {
        self.rows.iter().flatten().map(|v| v.exp()).sum::<f64>() * self.s + self.pts[0][1].powi(3)
    }
}

/// `hv` is the Hessian `hess` (row-major) times `dir`, up to the last bits.
fn h_times_v(hess: &[f64], dir: &[f64], hv: &[f64]) {
    let want: Vec<f64> = hess
        .chunks(dir.len())
        .map(|row| row.iter().zip(dir).map(|(a, b)| a * b).sum())
        .collect();
    common::close_tol("H · v", hv, &want, 1e-12);
}

#[test]
fn second_order_over_rows_fields() {
    let g = Grid {
        rows: vec![vec![0.3, -0.7], vec![1.1, 0.5, 0.2]],
        pts: [[0.4, 0.9], [-0.3, 0.6]],
        s: 0.8,
    };
    let n = g.num_params();
    let mut d = g.zeros_like();
    let mut hess = vec![f64::NAN; n * n];
    let v = grid_energy_hessian(&g, 0.7, &mut d, &mut hess);
    assert_eq!(v.to_bits(), grid_energy(&g, 0.7).to_bits());
    let want = fd_hessian(&|p| grid_energy(&g.with_flat(p), 0.7), &g.to_flat());
    common::close_tol("hessian", &hess, &want, 1e-5);
    // `H · v` is the Hessian times `v`, in a model of the model's shape.
    let dir = g.with_flat(&(0..n).map(|k| (k as f64 * 0.37).sin()).collect::<Vec<_>>());
    let mut hv = g.zeros_like();
    let vh = grid_energy_hvp(&g, 0.7, &dir, &mut d, &mut hv);
    assert_eq!(vh.to_bits(), v.to_bits());
    h_times_v(&hess, &dir.to_flat(), &hv.to_flat());
    let v = g.cost_hessian(&mut d, &mut hess);
    assert_eq!(v.to_bits(), g.cost().to_bits());
    let want = fd_hessian(&|p| g.with_flat(p).cost(), &g.to_flat());
    common::close_tol("hessian", &hess, &want, 1e-5);
}

#[test]
#[should_panic(expected = "v_g.rows")]
fn a_direction_of_rows_of_another_shape_is_named() {
    let g = Grid {
        rows: vec![vec![0.3, -0.7], vec![1.1, 0.5, 0.2]],
        pts: [[0.4, 0.9], [-0.3, 0.6]],
        s: 0.8,
    };
    let mut dir = g.zeros_like();
    dir.rows[1].pop();
    let (mut d, mut hv) = (g.zeros_like(), g.zeros_like());
    let _ = grid_energy_hvp(&g, 0.7, &dir, &mut d, &mut hv);
}

/// An MLP as a `Vec` of layers: the fields of every element (`layers[_].w`, `layers[_].b`)
/// take part in the second order as the model's own fields do.
#[derive(Clone, Debug, Params)]
struct Dense {
    w: Vec<f64>,
    b: f64,
}

#[derive(Clone, Debug, Params)]
struct Mlp {
    layers: Vec<Dense>,
    out: Vec<f64>,
}

#[gradient(wrt(m), hvp)]
fn mlp_loss(m: &Mlp, x: &[f64], y: f64) -> f64 {
    let mut h = x.to_vec();
    for layer in &m.layers {
        let z: f64 = layer.w.iter().zip(&h).map(|(w, x)| w * x).sum::<f64>() + layer.b;
        h = vec![z.tanh(); 2];
    }
    let o: f64 = m.out.iter().zip(&h).map(|(a, b)| a * b).sum();
    (o - y).powi(2)
}

impl Mlp {
    #[gradient(hvp)]
    fn reg(&self) -> f64 {
        self.layers
            .iter()
            .map(|l| l.w.iter().map(|v| v * v * v).sum::<f64>() + l.b.powi(3))
            .sum::<f64>()
    }
}

#[test]
fn second_order_over_layers() {
    let m = Mlp {
        layers: vec![
            Dense {
                w: vec![0.3, -0.7],
                b: 0.1,
            },
            Dense {
                w: vec![0.5, 0.4],
                b: -0.2,
            },
        ],
        out: vec![0.6, -0.9],
    };
    let x = [0.5, -1.0];
    let n = m.num_params();
    let mut d = m.zeros_like();
    let mut hess = vec![f64::NAN; n * n];
    let v = mlp_loss_hessian(&m, &x, 0.3, &mut d, &mut hess);
    assert_eq!(v.to_bits(), mlp_loss(&m, &x, 0.3).to_bits());
    let want = fd_hessian(&|p| mlp_loss(&m.with_flat(p), &x, 0.3), &m.to_flat());
    common::close_tol("hessian", &hess, &want, 1e-5);
    let dir = m.with_flat(&(0..n).map(|k| (k as f64 * 0.37).sin()).collect::<Vec<_>>());
    let mut hv = m.zeros_like();
    let _ = mlp_loss_hvp(&m, &x, 0.3, &dir, &mut d, &mut hv);
    h_times_v(&hess, &dir.to_flat(), &hv.to_flat());
    let v = m.reg_hessian(&mut d, &mut hess);
    assert_eq!(v.to_bits(), m.reg().to_bits());
    let want = fd_hessian(&|p| m.with_flat(p).reg(), &m.to_flat());
    common::close_tol("hessian", &hess, &want, 1e-5);
}

#[test]
#[should_panic(expected = "hv_m.layers[_].w")]
fn a_product_of_layers_of_another_shape_is_named() {
    let m = Mlp {
        layers: vec![Dense {
            w: vec![0.3, -0.7],
            b: 0.1,
        }],
        out: vec![0.6, -0.9],
    };
    let (mut d, mut hv) = (m.zeros_like(), m.zeros_like());
    hv.layers[0].w.push(0.0);
    let _ = mlp_loss_hvp(&m, &[0.5, -1.0], 0.3, &m, &mut d, &mut hv);
}

/// A model beside other differentiated parameters (`wrt(m, x, z)`, `wrt(self, x)`): their
/// directions and buffers come after the model's, their scalars' gradient and product are
/// returned; `H · v` against central differences of the gradient along the direction.
#[derive(Clone, Debug, Params)]
struct Pair {
    w: Vec<f64>,
    b: f64,
}

#[gradient(wrt(m, x, z), hvp)]
fn beside(m: &Pair, x: f64, z: &[f64], k: usize) -> f64 {
    let s: f64 = m.w.iter().zip(z).map(|(a, b)| a * b).sum::<f64>() + m.b * x;
    (s * x).sin() + z[k] * z[k] * m.b
}

impl Pair {
    #[gradient(wrt(self, x), hvp)]
    fn at(&self, x: f64) -> f64 {
        (self.w[0] * x).tanh() * self.b + x * x * self.w[1]
    }
}

#[test]
fn a_model_beside_other_parameters() {
    let m = Pair {
        w: vec![0.3, -0.2],
        b: 0.5,
    };
    let (x, z) = (0.7, [0.4, 1.1]);
    let v = Pair {
        w: vec![1.0, 0.5],
        b: -0.3,
    };
    let (vx, vz) = (0.2, [0.1, -0.4]);
    let (mut d, mut hv) = (m.zeros_like(), m.zeros_like());
    let (mut dz, mut hz) = ([0.0; 2], [0.0; 2]);
    let (value, [gx], [hx]) =
        beside_hvp(&m, x, &z, 1, &v, vx, &vz, &mut d, &mut dz, &mut hv, &mut hz);
    assert_eq!(value.to_bits(), beside(&m, x, &z, 1).to_bits());
    // The gradient, and its central difference along the direction.
    let grad_at = |s: f64| {
        let at = m.with_flat(
            &m.to_flat()
                .iter()
                .zip(v.to_flat())
                .map(|(a, b)| a + s * b)
                .collect::<Vec<_>>(),
        );
        let zz = [z[0] + s * vz[0], z[1] + s * vz[1]];
        let (mut dm, mut dzz) = (at.zeros_like(), [0.0; 2]);
        let (_, [g]) = beside_grad(&at, x + s * vx, &zz, 1, &mut dm, &mut dzz);
        let mut all = dm.to_flat();
        all.push(g);
        all.extend(dzz);
        all
    };
    let at0 = grad_at(0.0);
    let mut got_grad = d.to_flat();
    got_grad.push(gx);
    got_grad.extend(dz);
    common::close_tol("gradient", &got_grad, &at0, 1e-12);
    let h = 1e-6;
    let fd: Vec<f64> = grad_at(h)
        .iter()
        .zip(grad_at(-h))
        .map(|(a, b)| (a - b) / (2.0 * h))
        .collect();
    let mut got = hv.to_flat();
    got.push(hx);
    got.extend(hz);
    common::close_tol("H · v", &got, &fd, 1e-6);

    // A method with `self` and a scalar.
    let (mut d, mut hv) = (m.zeros_like(), m.zeros_like());
    let (value, [_], [hx]) = m.at_hvp(x, &v, vx, &mut d, &mut hv);
    assert_eq!(value.to_bits(), m.at(x).to_bits());
    let grad_at = |s: f64| {
        let at = m.with_flat(
            &m.to_flat()
                .iter()
                .zip(v.to_flat())
                .map(|(a, b)| a + s * b)
                .collect::<Vec<_>>(),
        );
        let mut dm = at.zeros_like();
        let (_, [g]) = at.at_grad(x + s * vx, &mut dm);
        let mut all = dm.to_flat();
        all.push(g);
        all
    };
    let fd: Vec<f64> = grad_at(h)
        .iter()
        .zip(grad_at(-h))
        .map(|(a, b)| (a - b) / (2.0 * h))
        .collect();
    let mut got = hv.to_flat();
    got.push(hx);
    common::close_tol("method H · v", &got, &fd, 1e-6);
}

/// `NAME_hessian` for a model beside other parameters: the model's flat view first, then each
/// other parameter's entries in order (here `x`, then `z`), against second differences of the
/// function over that joint flat view; the gradient as `NAME_grad`'s.
#[test]
fn hessian_of_a_model_beside_other_parameters() {
    let m = Pair {
        w: vec![0.3, -0.2],
        b: 0.5,
    };
    let (x, z) = (0.7, [0.4, 1.1]);
    let n = m.num_params() + 1 + z.len();
    let mut hess = vec![f64::NAN; n * n];
    let (mut d, mut dz) = (m.zeros_like(), [f64::NAN; 2]);
    let (value, [gx]) = beside_hessian(&m, x, &z, 1, &mut d, &mut dz, &mut hess);
    assert_eq!(value.to_bits(), beside(&m, x, &z, 1).to_bits());
    let (mut dm, mut dz2) = (m.zeros_like(), [0.0; 2]);
    let (_, [g2]) = beside_grad(&m, x, &z, 1, &mut dm, &mut dz2);
    assert_eq!((d.to_flat(), gx, dz), (dm.to_flat(), g2, dz2));
    let joint = |p: &[f64]| {
        let at = m.with_flat(&p[..3]);
        beside(&at, p[3], &p[4..], 1)
    };
    let mut p = m.to_flat();
    p.push(x);
    p.extend(z);
    common::close_tol("hessian", &hess, &fd_hessian(&joint, &p), 1e-5);
    // Symmetric, as a Hessian is.
    for i in 0..n {
        for j in 0..n {
            assert!((hess[i * n + j] - hess[j * n + i]).abs() < 1e-12);
        }
    }

    // A method with `self` and a scalar.
    let mut hess = vec![f64::NAN; 16];
    let mut d = m.zeros_like();
    let (value, [_]) = m.at_hessian(x, &mut d, &mut hess);
    assert_eq!(value.to_bits(), m.at(x).to_bits());
    let joint = |p: &[f64]| m.with_flat(&p[..3]).at(p[3]);
    let mut p = m.to_flat();
    p.push(x);
    common::close_tol("method hessian", &hess, &fd_hessian(&joint, &p), 1e-5);
}

/// A layer with a plain method, parts of a model.
#[derive(Clone, Debug, Params)]
struct Unit {
    w: Vec<f64>,
    b: f64,
}

impl Unit {
    fn squash(&self, x: &[f64]) -> f64 {
        (self.w.iter().zip(x).map(|(a, b)| a * b).sum::<f64>() + self.b).tanh()
    }

    fn spread(&self, x: &[f64]) -> Vec<f64> {
        self.w.iter().zip(x).map(|(a, b)| a * b + self.b).collect()
    }
}

/// Two parts and a weight that is no parameter (`#[params(skip)]`).
#[derive(Clone, Debug, Params)]
struct Halves {
    a: Unit,
    b: Unit,
    #[params(skip)]
    beta: f64,
}

impl Halves {
    /// The parts' plain methods (`self.a.squash(x)`, vector-valued `self.b.spread(x)`) and the
    /// skipped weight: `hvp` refused ("a model passed whole"), and the weight's field of the
    /// direction taken for a tangent (a wrong `H · v` and JVP wherever it was not 0).
    #[gradient(wrt(self), jvp, hvp)]
    fn loss(&self, xs: &[Vec<f64>]) -> f64 {
        let mut total = 0.0;
        for x in xs {
            let h = self.b.spread(x);
            total += self.a.squash(&h) * self.a.squash(x)
                + self.beta * h.iter().map(|v| v * v).sum::<f64>();
        }
        total
    }
}

/// The same of a model parameter, its parts in a `Vec`.
#[derive(Clone, Debug, Params)]
struct Units {
    parts: Vec<Unit>,
    #[params(skip)]
    scale: f64,
}

#[gradient(wrt(m), jvp, hvp)]
fn units_loss(m: &Units, x: &[f64]) -> f64 {
    m.parts.iter().map(|u| u.squash(x)).sum::<f64>().powi(2) * m.scale
}

#[test]
fn parts_with_plain_methods_and_skipped_weights() {
    let unit = |s: f64| Unit {
        w: vec![0.3 * s, -0.2, 0.5],
        b: 0.1 * s,
    };
    let m = Halves {
        a: unit(1.0),
        b: unit(-0.7),
        beta: 0.35,
    };
    let xs = vec![vec![1.0, 0.5, -0.25], vec![-0.5, 0.75, 1.5]];
    let flat = m.to_flat();
    let dir: Vec<f64> = (0..flat.len())
        .map(|k| 0.4 - 0.15 * (k % 4) as f64)
        .collect();
    // (The direction keeps the model's `beta`, as `with_flat` does: not a tangent.)
    let v = m.with_flat(&dir);
    assert!(v.beta != 0.0);
    let (mut d, mut dd, mut hv) = (m.zeros_like(), m.zeros_like(), m.zeros_like());
    let value = m.loss_grad(&xs, &mut d);
    assert_eq!(value.to_bits(), m.loss(&xs).to_bits());
    let fd = common::fd_all(&|p: &[f64]| m.with_flat(p).loss(&xs), &flat);
    common::close_tol("Halves::loss", &d.to_flat(), &fd, 1e-6);
    let (vj, tj) = m.loss_jvp(&xs, &v);
    let gd: f64 = d.to_flat().iter().zip(&dir).map(|(a, b)| a * b).sum();
    assert_eq!(vj.to_bits(), value.to_bits());
    assert!(
        (tj - gd).abs() <= 1e-12 * gd.abs().max(1.0),
        "jvp {tj} against {gd}"
    );
    let vh = m.loss_hvp(&xs, &v, &mut dd, &mut hv);
    assert_eq!(vh.to_bits(), value.to_bits());
    let at = |h: f64| {
        let p: Vec<f64> = flat.iter().zip(&dir).map(|(a, b)| a + h * b).collect();
        let mut g = m.zeros_like();
        let _ = m.with_flat(&p).loss_grad(&xs, &mut g);
        g.to_flat()
    };
    let (gp, gm) = (at(1e-5), at(-1e-5));
    let want: Vec<f64> = gp.iter().zip(&gm).map(|(a, b)| (a - b) / 2e-5).collect();
    common::close_tol("Halves::loss H v", &hv.to_flat(), &want, 1e-6);

    let u = Units {
        parts: vec![unit(1.0), unit(0.5), unit(-1.2)],
        scale: 1.5,
    };
    let mut uv = u.with_flat(
        &(0..12)
            .map(|k| 0.1 * f64::from(k) - 0.5)
            .collect::<Vec<_>>(),
    );
    uv.scale = 3.0;
    let x = [0.5, -1.0, 0.25];
    let check_units = |v: &Units| {
        let (mut d, mut dd, mut hv) = (u.zeros_like(), u.zeros_like(), u.zeros_like());
        let value = units_loss_grad(&u, &x, &mut d);
        let (_, tj) = units_loss_jvp(&u, &x, v);
        let gd: f64 = d
            .to_flat()
            .iter()
            .zip(v.to_flat())
            .map(|(a, b)| a * b)
            .sum();
        assert!(
            (tj - gd).abs() <= 1e-12 * gd.abs().max(1.0),
            "jvp {tj} against {gd}"
        );
        assert_eq!(
            units_loss_hvp(&u, &x, v, &mut dd, &mut hv).to_bits(),
            value.to_bits()
        );
        let (flat, dir) = (u.to_flat(), v.to_flat());
        let at = |h: f64| {
            let p: Vec<f64> = flat.iter().zip(&dir).map(|(a, b)| a + h * b).collect();
            let mut g = u.zeros_like();
            let _ = units_loss_grad(&u.with_flat(&p), &x, &mut g);
            g.to_flat()
        };
        let (gp, gm) = (at(1e-5), at(-1e-5));
        let want: Vec<f64> = gp.iter().zip(&gm).map(|(a, b)| (a - b) / 2e-5).collect();
        common::close_tol("units_loss H v", &hv.to_flat(), &want, 1e-6);
    };
    check_units(&uv);
}
