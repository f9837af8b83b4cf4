//! A model's field that is a model itself passed to a free `#[gradient]` function of that model
//! (issue 9: "passing `&m.hidden` to helpers"): `dense(&self.l1, x)` with `fn dense(l: &Dense,
//! x: &[f64]) -> Vec<f64>` (vector-valued, its `NAME_vjp`, `NAME_jacobian` and `NAME_jvp` over the
//! layer), a scalar function of a layer, an element of a `Vec` of layers (`&self.layers[l]`), from
//! a method and from a free function given the model (forward mode too). The helpers come before
//! their callers: their signatures tell the callers which fields are models. Also forms a probe
//! found in models: layers composed without naming the inner output, a state copied from an
//! array field, data rows passed on to another method. Each gradient against central
//! differences over the model's flat view, the value bit for bit.

#![allow(clippy::needless_range_loop)]

mod common;

use common::{close, fd_all};
use grad::{gradient, Params};

#[derive(Clone, Debug, Params)]
struct Dense {
    w: Vec<f64>,
    b: Vec<f64>,
    n_in: usize,
}

#[derive(Clone, Debug, Params)]
struct Mlp {
    l1: Dense,
    l2: Dense,
    layers: Vec<Dense>,
    scale: f64,
}

/// `tanh(W x + b)`, `W` row-major, a free function of the layer.
#[gradient(wrt(l), jvp)]
fn dense(l: &Dense, x: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; l.b.len()];
    for o in 0..l.b.len() {
        let mut s = l.b[o];
        for i in 0..l.n_in {
            s += l.w[o * l.n_in + i] * x[i];
        }
        out[o] = s.tanh();
    }
    out
}

/// A scalar function of a layer, calling the vector-valued one on the whole layer.
#[gradient(wrt(l))]
fn energy(l: &Dense, x: &[f64]) -> f64 {
    let h = dense(l, x);
    h.iter().map(|v| v * v).sum::<f64>() + l.b[0]
}

impl Mlp {
    #[gradient]
    fn loss(&self, x: &[f64], y: f64) -> f64 {
        let h = dense(&self.l1, x);
        let o = dense(&self.l2, &h);
        let mut z = o[0] * self.scale;
        for l in 0..self.layers.len() {
            let q = dense(&self.layers[l], &h);
            z += q[q.len() - 1] * 0.5;
        }
        (z - y).powi(2) + 0.1 * energy(&self.l1, x)
    }
}

#[gradient(wrt(m), jvp)]
fn free_loss(m: &Mlp, x: &[f64]) -> f64 {
    let h = dense(&m.l1, x);
    energy(&m.l2, &h) * m.scale + h[0]
}

fn layer(n_in: usize, n_out: usize, s: f64) -> Dense {
    Dense {
        w: (0..n_in * n_out)
            .map(|k| ((k as f64 + s) * 0.7).sin() * 0.5)
            .collect(),
        b: (0..n_out)
            .map(|k| ((k as f64 - s) * 1.3).cos() * 0.2)
            .collect(),
        n_in,
    }
}

fn mlp() -> Mlp {
    Mlp {
        l1: layer(3, 2, 0.1),
        l2: layer(2, 1, 0.7),
        layers: vec![layer(2, 1, 1.1), layer(2, 2, 2.0)],
        scale: 1.3,
    }
}

/// Central differences of `f` over the model's flat view.
fn fd_model<M: Params<Scalar = f64>>(m: &M, f: impl Fn(&M) -> f64) -> Vec<f64> {
    fd_all(&|p: &[f64]| f(&m.with_flat(p)), &m.to_flat())
}

#[test]
fn fields_that_are_layers_passed_to_free_functions() {
    let m = mlp();
    let x = [0.3, -0.8, 1.1];
    let mut d = m.zeros_like();
    let v = m.loss_grad(&x, 0.4, &mut d);
    assert_eq!(v.to_bits(), m.loss(&x, 0.4).to_bits());
    close("loss", &d.to_flat(), &fd_model(&m, |m| m.loss(&x, 0.4)));
    // Data fields keep what they hold.
    assert_eq!(d.l1.n_in, 3);

    let mut d = m.zeros_like();
    let v = free_loss_grad(&m, &x, &mut d);
    assert_eq!(v.to_bits(), free_loss(&m, &x).to_bits());
    let g = d.to_flat();
    close("free_loss", &g, &fd_model(&m, |m| free_loss(m, &x)));
    // Forward mode: ∇f · v.
    let dir = m.with_flat(
        &(0..g.len())
            .map(|k| ((k * 7 + 3) % 11) as f64 / 4.0 - 1.25)
            .collect::<Vec<_>>(),
    );
    let (jv, t) = free_loss_jvp(&m, &x, &dir);
    assert_eq!(jv.to_bits(), v.to_bits());
    let want: f64 = g.iter().zip(dir.to_flat()).map(|(a, b)| a * b).sum();
    assert!(
        (t - want).abs() <= 1e-9 * (1.0 + want.abs()),
        "{t} against {want}"
    );
}

#[test]
fn vjp_jacobian_and_jvp_of_a_vector_valued_function_of_a_layer() {
    let l = layer(3, 2, 0.4);
    let x = [0.5, -0.25, 0.75];
    let (jac_value, jac) = dense_jacobian(&l, &x);
    assert_eq!(jac_value, dense(&l, &x));
    for (o, row) in jac.iter().enumerate() {
        close(
            &format!("jacobian row {o}"),
            row,
            &fd_model(&l, |l| dense(l, &x)[o]),
        );
        // The VJP with a unit cotangent is that row.
        let mut unit = vec![0.0; 2];
        unit[o] = 1.0;
        let mut d_l = l.zeros_like();
        let (value, []) = dense_vjp(&l, &x, &unit, &mut d_l);
        assert_eq!(value, jac_value);
        close(&format!("vjp {o}"), &d_l.to_flat(), row);
    }
    let dir = l.with_flat(&vec![0.5; l.num_params()]);
    let (value, t) = dense_jvp(&l, &x, &dir);
    assert_eq!(value, jac_value);
    for (o, row) in jac.iter().enumerate() {
        let want: f64 = row.iter().map(|r| r * 0.5).sum();
        assert!(
            (t[o] - want).abs() <= 1e-12,
            "jvp {o}: {} against {want}",
            t[o]
        );
    }
}

#[derive(Clone, Debug, Params)]
struct Scale {
    w: Vec<f64>,
}

impl Scale {
    #[gradient]
    fn forward(&self, x: &[f64]) -> Vec<f64> {
        vec![self.w[0] * x[0], (self.w[1] * x[1]).tanh()]
    }
}

/// Forms a probe found: layers composed without naming the inner output (and returned from an
/// `if`), a learned initial state copied from an array field (written by index, reassigned
/// whole), data rows passed on to another method and measured in `vec![..; x.len()]`, a field
/// read into `_`.
#[derive(Clone, Debug, Params)]
struct Rnn {
    l1: Scale,
    l2: Scale,
    h0: [f64; 2],
    s: f64,
    depth: usize,
}

impl Rnn {
    #[gradient]
    fn composed(&self, x: &[f64]) -> f64 {
        let _ = self.depth;
        if x[0] > 5.0 {
            return self.l1.forward(x).iter().sum::<f64>();
        }
        let h = self.l2.forward(&self.l1.forward(x));
        let twice = self.l1.forward(&self.l1.forward(&h));
        h[0] + h[1] * twice[1]
    }

    #[gradient]
    fn run(&self, xs: &[Vec<f64>]) -> f64 {
        let mut h = self.h0;
        let mut total = 0.0;
        for x in xs {
            let mut z = vec![0.0; x.len()];
            for j in 0..x.len() {
                z[j] = x[j] * h[j % 2];
            }
            h[0] = (h[1] * self.s + z[0]).tanh();
            h = [h[1], h[0] + z[z.len() - 1]];
            total += h[0] * h[1];
        }
        total + self.fit(xs)
    }

    #[gradient]
    fn fit(&self, xs: &[Vec<f64>]) -> f64 {
        let mut s = 0.0;
        for x in xs {
            s += (x[0] * self.h0[0] + x[1] * self.s).powi(2);
        }
        s
    }
}

#[test]
fn layers_composed_and_states_from_array_fields() {
    let m = Rnn {
        l1: Scale { w: vec![0.7, -0.4] },
        l2: Scale { w: vec![1.3, 0.6] },
        h0: [0.5, -0.25],
        s: 0.8,
        depth: 3,
    };
    for x in [[0.3, -0.9], [6.0, 0.2]] {
        let mut d = m.zeros_like();
        let v = m.composed_grad(&x, &mut d);
        assert_eq!(v.to_bits(), m.composed(&x).to_bits());
        close("composed", &d.to_flat(), &fd_model(&m, |m| m.composed(&x)));
    }
    let xs = vec![vec![0.3, -0.9, 0.4], vec![1.1, 0.2], vec![-0.5, 0.7, 0.1]];
    let mut d = m.zeros_like();
    let v = m.run_grad(&xs, &mut d);
    assert_eq!(v.to_bits(), m.run(&xs).to_bits());
    close("run", &d.to_flat(), &fd_model(&m, |m| m.run(&xs)));
    assert_eq!(d.depth, 3);
}

#[derive(Clone, Debug, Params)]
struct Block {
    ln: Scale,
    gain: f64,
}

#[derive(Clone, Debug, Params)]
struct Deep {
    blocks: Vec<Block>,
    head: Dense,
}

impl Deep {
    /// A method of a field of each element (`blk.ln.forward(..)`), and a layer taken apart by a
    /// struct pattern.
    #[gradient]
    fn loss(&self, x: &[f64]) -> f64 {
        let mut h = vec![0.0; 2];
        h.copy_from_slice(x);
        for blk in &self.blocks {
            let o = blk.ln.forward(&h);
            h[0] = o[0] * blk.gain;
            h[1] = o[1];
        }
        let Dense { w, b, .. } = &self.head;
        let z: f64 = w[0] * h[0] + w[1] * h[1] + b[0];
        z * z + h[1]
    }
}

#[test]
fn methods_of_fields_of_elements_and_destructured_layers() {
    let m = Deep {
        blocks: vec![
            Block {
                ln: Scale { w: vec![0.7, -0.4] },
                gain: 1.2,
            },
            Block {
                ln: Scale { w: vec![1.1, 0.3] },
                gain: -0.6,
            },
        ],
        head: layer(2, 1, 0.3),
    };
    let x = [0.4, -0.9];
    let mut d = m.zeros_like();
    let v = m.loss_grad(&x, &mut d);
    assert_eq!(v.to_bits(), m.loss(&x).to_bits());
    close("deep", &d.to_flat(), &fd_model(&m, |m| m.loss(&x)));
}

#[derive(Clone, Debug, Params)]
struct Two {
    a: Vec<Vec<f64>>,
    b: Vec<Vec<f64>>,
    c: f64,
}

impl Two {
    /// Two rows fields iterated as one chain (a penalty over every weight).
    #[gradient]
    fn l2(&self) -> f64 {
        let mut s = 0.0;
        for row in self.a.iter().chain(self.b.iter()) {
            s += row.iter().map(|w| w * w * self.c).sum::<f64>();
        }
        s
    }
}

#[test]
fn rows_fields_chained() {
    let m = Two {
        a: vec![vec![1.0, 2.0], vec![0.5]],
        b: vec![vec![3.0, -1.0, 0.25]],
        c: 0.7,
    };
    let mut d = m.zeros_like();
    let v = m.l2_grad(&mut d);
    assert_eq!(v.to_bits(), m.l2().to_bits());
    close("l2", &d.to_flat(), &fd_model(&m, Two::l2));
}

/// `w × p + p` (a first-order rotation), an array helper returning an array.
#[gradient]
fn rotate(w: [f64; 3], p: [f64; 3]) -> [f64; 3] {
    [
        w[1] * p[2] - w[2] * p[1] + p[0],
        w[2] * p[0] - w[0] * p[2] + p[1],
        w[0] * p[1] - w[1] * p[0] + p[2],
    ]
}

#[gradient]
fn dot3(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

#[derive(Clone, Debug, Params)]
struct Cam {
    w: [f64; 3],
    t: [f64; 3],
    f: f64,
}

/// Bundle adjustment as people write it: cameras and points in one model, array parts of it
/// passed by value to `[f64; 3]` helpers.
#[derive(Clone, Debug, Params)]
struct Scene {
    cams: Vec<Cam>,
    pts: Vec<[f64; 3]>,
    axis: [f64; 3],
}

impl Scene {
    /// Reprojection error: an array field of an element (`cam.w`), a row of a rows field copied
    /// (`let p = self.pts[j];`), typed (`let t: [f64; 3] = cam.t;`) and passed by index.
    #[gradient]
    fn reprojection(&self, obs: &[(usize, usize, f64, f64)]) -> f64 {
        let mut s = 0.0;
        for &(i, j, u, v) in obs {
            let cam = &self.cams[i];
            let p = self.pts[j];
            let q = rotate(cam.w, p);
            let t: [f64; 3] = cam.t;
            let z = q[2] + t[2];
            let du = cam.f * (q[0] + t[0]) / z - u;
            let dv = cam.f * (q[1] + t[1]) / z - v;
            s += du * du + dv * dv + 0.01 * dot3(self.pts[j], self.axis);
        }
        s
    }

    /// The array field itself, and a row by `*row` of the rows iterated (by `for` and by a
    /// mapped closure).
    #[gradient]
    fn alignment(&self) -> f64 {
        let mut s = dot3(self.axis, self.axis);
        for row in self.pts.iter() {
            s += dot3(*row, self.axis).powi(2);
        }
        s + self.pts.iter().map(|r| dot3(*r, *r)).sum::<f64>() * 0.1
    }
}

/// A helper taking the array by reference.
#[gradient]
fn reach(th: f64, l: &[f64; 3]) -> f64 {
    l[0] * th.cos() + l[1] * (2.0 * th).cos() + l[2]
}

/// The same from a free function given the model, and by reference (`&m.axis`).
#[gradient(wrt(m))]
fn scene_energy(m: &Scene) -> f64 {
    let r = rotate(m.axis, m.pts[0]);
    dot3(r, m.cams[1].t) + dot3(m.cams[0].w, m.pts[1]) + reach(0.3, &m.axis).powi(2)
}

/// Array rows of a parameter: a typed copy of a row and `*row`, by value to the helpers.
#[gradient(wrt(ps))]
fn rows_by_value(ps: &[[f64; 3]], axis: [f64; 3]) -> f64 {
    let first: [f64; 3] = ps[0];
    let mut s = dot3(first, axis);
    for row in ps.iter() {
        s += rotate(*row, axis)[1].sin();
    }
    s
}

#[test]
fn array_parts_of_models_passed_by_value() {
    let cam = |k: f64| Cam {
        w: [0.1 * k, -0.05, 0.02 * k],
        t: [0.3, -0.1 * k, 4.0 + k],
        f: 1.2 + 0.1 * k,
    };
    let m = Scene {
        cams: vec![cam(1.0), cam(2.0)],
        pts: vec![[0.5, -0.2, 1.0], [-0.3, 0.4, 0.8], [0.1, 0.1, -0.5]],
        axis: [0.2, 0.7, -0.4],
    };
    let obs = [
        (0, 0, 0.1, -0.05),
        (1, 0, 0.12, -0.02),
        (0, 1, -0.07, 0.1),
        (1, 2, 0.02, 0.03),
    ];
    let mut d = m.zeros_like();
    let v = m.reprojection_grad(&obs, &mut d);
    assert_eq!(v.to_bits(), m.reprojection(&obs).to_bits());
    close(
        "reprojection",
        &d.to_flat(),
        &fd_model(&m, |m| m.reprojection(&obs)),
    );
    let mut d = m.zeros_like();
    let v = m.alignment_grad(&mut d);
    assert_eq!(v.to_bits(), m.alignment().to_bits());
    close("alignment", &d.to_flat(), &fd_model(&m, Scene::alignment));
    let mut d = m.zeros_like();
    let v = scene_energy_grad(&m, &mut d);
    assert_eq!(v.to_bits(), scene_energy(&m).to_bits());
    close("scene_energy", &d.to_flat(), &fd_model(&m, scene_energy));

    let axis = [0.2, 0.7, -0.4];
    let mut dp = [[f64::NAN; 3]; 3];
    let v = rows_by_value_grad(&m.pts, axis, &mut dp);
    assert_eq!(v.to_bits(), rows_by_value(&m.pts, axis).to_bits());
    let flat: Vec<f64> = m.pts.iter().flatten().copied().collect();
    let f = |p: &[f64]| {
        let rows: Vec<[f64; 3]> = p.chunks(3).map(|c| [c[0], c[1], c[2]]).collect();
        rows_by_value(&rows, axis)
    };
    let got: Vec<f64> = dp.iter().flatten().copied().collect();
    close("rows_by_value", &got, &fd_all(&f, &flat));
}

#[derive(Clone, Debug, Params)]
struct Series {
    xs: Vec<f64>,
}

impl Series {
    /// A `once` chain with the windows of a field (split into loops by the fields' pass), in a
    /// `loop` with a `break`, the closure's parameter named as a parameter of the method.
    #[gradient]
    fn emphasis(&self, x: f64) -> f64 {
        let mut acc = 0.0;
        let mut j = 0;
        loop {
            j += 1;
            if j > 2 {
                break;
            }
            let v: f64 = std::iter::once(self.xs[0])
                .chain(self.xs.windows(2).map(|x| x[1] - 0.5 * x[0]))
                .map(|a| a * x)
                .sum::<f64>();
            acc += v * v;
        }
        acc
    }
}

#[test]
fn once_chains_of_field_windows() {
    let m = Series {
        xs: vec![0.5, -1.0, 2.0, 0.25],
    };
    let mut d = m.zeros_like();
    let v = m.emphasis_grad(0.7, &mut d);
    assert_eq!(v.to_bits(), m.emphasis(0.7).to_bits());
    close("emphasis", &d.to_flat(), &fd_model(&m, |m| m.emphasis(0.7)));
}

#[derive(Clone, Params)]
struct Gain {
    g: f64,
    w: Vec<f64>,
}

/// A model's function whose data slice is read the way only data is (its chunks collected as
/// rows), with a scalar its `wrt` names: callers differentiate that scalar through it (it was a
/// constant to them, and a differentiated argument a compile error, "`scaled` is called with a
/// differentiated value for a parameter that it passes on .."; long mode seed 4160 `g6`).
#[gradient(wrt(m, x0))]
fn scaled(m: Gain, x0: f64, xs: &[f64]) -> f64 {
    let rows: Vec<Vec<f64>> = xs.chunks(2).map(|c| c.to_vec()).collect();
    let mut s = m.g * x0.sin();
    for (r, w) in rows.iter().zip(&m.w) {
        s += w * r[0] * x0;
    }
    s
}

#[gradient(wrt(m, x0))]
fn scaled_twice(m: &Gain, x0: f64, xs: &[f64]) -> f64 {
    scaled(m.clone(), x0, xs) + 0.5 * scaled(Clone::clone(m), x0 * x0, xs) * m.g
}

#[test]
fn a_scalar_beside_data_read_as_rows() {
    let m = Gain {
        g: 1.5,
        w: vec![0.5, -0.25],
    };
    let xs = [1.0, 2.0, -0.5, 0.25];
    for x0 in [0.3, -1.2] {
        let mut d = m.zeros_like();
        let (v, [dx]) = scaled_twice_grad(&m, x0, &xs, &mut d);
        assert_eq!(v.to_bits(), scaled_twice(&m, x0, &xs).to_bits());
        let mut p = m.to_flat();
        p.push(x0);
        let n = p.len() - 1;
        let f = |q: &[f64]| scaled_twice(&m.with_flat(&q[..n]), q[n], &xs);
        let mut g = d.to_flat();
        g.push(dx);
        close("scaled_twice", &g, &fd_all(&f, &p));
        assert!(dx.abs() > 0.1, "x0 is differentiated: {dx}");
    }
}
