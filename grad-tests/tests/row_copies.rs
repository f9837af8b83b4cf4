//! A row of rows copied into a local the body then writes or keeps (issues 8 and 9): `let mut p =
//! pos[i];` of `pos: &[[f64; 3]]` (a particle's position stepped in place), `let h = ws[l].to_vec();`
//! (also `.to_owned()`, `.clone()`), a model's `[[T; N]; M]` field's row (`let mut r = m.ws[2];`)
//! and a layer's weights copied (`let cv = layer.w.to_vec();`). Each gradient against central
//! differences, the value bit for bit.

// Written as users write them (index loops over rows).
#![allow(clippy::needless_range_loop)]

mod common;

use common::{close, fd_all};
use grad::{gradient, Params};

/// One explicit Euler step of each particle, its position copied and written.
#[gradient(wrt(pos))]
fn stepped_energy(pos: &[[f64; 3]], vel: &[[f64; 3]], dt: f64) -> f64 {
    let mut e = 0.0;
    for i in 0..pos.len() {
        let mut p = pos[i];
        for k in 0..3 {
            p[k] += dt * vel[i][k] * p[k].sin();
        }
        e += p[0] * p[0] + p[1] * p[2];
    }
    e
}

#[gradient]
fn copied_rows(ws: &[Vec<f64>], x: f64) -> f64 {
    let mut acc = 0.0;
    for l in 0..ws.len() {
        let cv = ws[l].to_vec();
        let mut owned = ws[l].clone();
        owned[0] *= x;
        acc += cv[0] * cv[cv.len() - 1] + owned.iter().sum::<f64>();
    }
    acc
}

#[derive(Clone, Debug, Params)]
struct Layer {
    w: Vec<f64>,
    b: f64,
}

#[derive(Clone, Debug, Params)]
struct Model {
    ws: [[f64; 3]; 3],
    layers: Vec<Layer>,
}

#[gradient(wrt(m))]
fn model_copies(m: &Model, x: f64) -> f64 {
    let mut r = m.ws[2];
    r[0] *= r[1] + x;
    let mut acc = r[0] + r[2];
    for layer in &m.layers {
        let mut cv = layer.w.to_vec();
        cv[0] = (cv[0] * layer.b).tanh();
        acc += cv[0] * cv[cv.len() - 1];
    }
    acc
}

#[test]
fn rows_of_arrays_copied_and_stepped() {
    let pos = [[0.3, -0.7, 1.1], [0.9, 0.2, -0.4]];
    let vel = [[0.5, 0.1, -0.3], [-0.2, 0.8, 0.6]];
    let mut d = vec![[0.0; 3]; 2];
    let v = stepped_energy_grad(&pos, &vel, 0.1, &mut d);
    assert_eq!(v.to_bits(), stepped_energy(&pos, &vel, 0.1).to_bits());
    let f = |p: &[f64]| stepped_energy(&[[p[0], p[1], p[2]], [p[3], p[4], p[5]]], &vel, 0.1);
    close("stepped_energy", &d.concat(), &fd_all(&f, &pos.concat()));
}

#[test]
fn ragged_rows_copied() {
    let ws = vec![vec![0.4, -1.2, 0.7], vec![1.5, 0.3]];
    let mut d = vec![vec![0.0; 3], vec![0.0; 2]];
    let (v, [dx]) = copied_rows_grad(&ws, 0.6, &mut d);
    assert_eq!(v.to_bits(), copied_rows(&ws, 0.6).to_bits());
    let f = |p: &[f64]| copied_rows(&[p[0..3].to_vec(), p[3..5].to_vec()], p[5]);
    let mut got = d.concat();
    got.push(dx);
    close(
        "copied_rows",
        &got,
        &fd_all(&f, &[0.4, -1.2, 0.7, 1.5, 0.3, 0.6]),
    );
}

#[test]
fn a_models_rows_copied() {
    let m = Model {
        ws: [[0.2, 0.5, -0.3], [1.0, -0.6, 0.4], [0.7, 0.9, -1.1]],
        layers: vec![
            Layer {
                w: vec![0.3, -0.8],
                b: 1.2,
            },
            Layer {
                w: vec![-0.5, 0.6, 0.1],
                b: -0.4,
            },
        ],
    };
    let mut d = Params::zeros_like(&m);
    let v = model_copies_grad(&m, 0.35, &mut d);
    assert_eq!(v.to_bits(), model_copies(&m, 0.35).to_bits());
    let f = |p: &[f64]| model_copies(&Params::with_flat(&m, p), 0.35);
    close(
        "model_copies",
        &Params::to_flat(&d),
        &fd_all(&f, &Params::to_flat(&m)),
    );
}

/// Rows of data (left out by `wrt`) copied and written with a differentiated value.
#[gradient(wrt(x))]
fn data_row_copies(ws: &[[f64; 3]], vs: &[Vec<f64>], x: f64) -> f64 {
    let mut rc = ws[ws.len() - 1];
    rc[0] = rc[0] * x + rc[2];
    let mut rv = vs[0].clone();
    rv[0] *= x.sin();
    rc[0] + rc.iter().sum::<f64>() + rv.iter().sum::<f64>()
}

#[test]
fn data_rows_copied_and_written() {
    let ws = [[0.2, 0.5, -0.3], [1.0, -0.6, 0.4]];
    let vs = vec![vec![0.7, -0.2]];
    let (v, [g]) = data_row_copies_grad(&ws, &vs, 0.8);
    assert_eq!(v.to_bits(), data_row_copies(&ws, &vs, 0.8).to_bits());
    let want = fd_all(&|p: &[f64]| data_row_copies(&ws, &vs, p[0]), &[0.8]);
    close("data_row_copies", &[g], &want);
}

/// Matrix factorization: a row of one rows field zipped with a row of another by reference, and a
/// regularizer summed over the two fields chained.
#[derive(Clone, Debug, Params)]
struct Mf {
    p: Vec<Vec<f64>>,
    q: Vec<Vec<f64>>,
    mu: f64,
}

impl Mf {
    #[gradient]
    fn predict(&self, u: usize, i: usize) -> f64 {
        self.mu
            + self.p[u]
                .iter()
                .zip(&self.q[i])
                .map(|(a, b)| a * b)
                .sum::<f64>()
    }

    #[gradient]
    fn loss(&self, data: &[(usize, usize, f64)]) -> f64 {
        let mut l = 0.0;
        for &(u, i, r) in data {
            let e = self.predict(u, i) - r;
            l += e * e;
        }
        let reg: f64 = self
            .p
            .iter()
            .chain(self.q.iter())
            .map(|row| row.iter().map(|x| x * x).sum::<f64>())
            .sum();
        l + 0.01 * reg
    }
}

#[test]
fn rows_fields_zipped_by_reference_and_chained_in_a_sum() {
    let m = Mf {
        p: vec![vec![0.1, 0.2], vec![0.3, -0.4]],
        q: vec![vec![0.5, 0.6], vec![-0.7, 0.8]],
        mu: 1.0,
    };
    let data = [(0, 1, 2.0), (1, 0, 1.0)];
    let mut d = Params::zeros_like(&m);
    let v = m.loss_grad(&data, &mut d);
    assert_eq!(v.to_bits(), m.loss(&data).to_bits());
    let f = |p: &[f64]| Params::with_flat(&m, p).loss(&data);
    close(
        "mf_loss",
        &Params::to_flat(&d),
        &fd_all(&f, &Params::to_flat(&m)),
    );
}

/// Rows parameters chained in a sum, and in a `for`.
#[gradient]
fn chained_rows(ws: &[Vec<f64>], vs: &[[f64; 2]], x: f64) -> f64 {
    let s: f64 = ws
        .iter()
        .chain(ws.iter())
        .map(|row| row.iter().map(|z| (z * x).tanh()).sum::<f64>())
        .sum();
    let mut t = 0.0;
    for r in vs.iter().chain(vs.iter()) {
        t += r[0] * r[1];
    }
    s + t
}

#[test]
fn rows_chained_in_sums_and_loops() {
    let ws = vec![vec![0.4, -1.2], vec![1.5]];
    let vs = [[0.3, 0.9], [-0.6, 0.2]];
    let mut dw = vec![vec![0.0; 2], vec![0.0; 1]];
    let mut dv = vec![[0.0; 2]; 2];
    let (v, [dx]) = chained_rows_grad(&ws, &vs, 0.7, &mut dw, &mut dv);
    assert_eq!(v.to_bits(), chained_rows(&ws, &vs, 0.7).to_bits());
    let f = |p: &[f64]| {
        chained_rows(
            &[p[0..2].to_vec(), p[2..3].to_vec()],
            &[[p[3], p[4]], [p[5], p[6]]],
            p[7],
        )
    };
    let mut got = dw.concat();
    got.extend(dv.concat());
    got.push(dx);
    close(
        "chained_rows",
        &got,
        &fd_all(&f, &[0.4, -1.2, 1.5, 0.3, 0.9, -0.6, 0.2, 0.7]),
    );
}

/// Rows of a local matrix copied (`m[1].clone()`) and given whole (`m[0] = m[1].clone()`,
/// `m[i] = m[i - 1].iter().map(..).collect()`, a `Vec` local moved or cloned in, a row of an
/// array matrix copied over another, `clone_from`). Before: "does not support sub-slices" at the attribute
/// (the clone) and "not this use" (a row given whole other than as an array literal).
#[gradient]
fn rows_given_whole(x: &[f64]) -> f64 {
    let mut m: Vec<Vec<f64>> = (0..3).map(|i| vec![x[i], x[i + 3]]).collect();
    let kept = m[1].clone();
    m[0] = m[1].clone();
    for i in 1..3 {
        m[i] = m[i - 1].iter().map(|v| v * x[i + 1] + 0.5).collect();
    }
    let t = vec![x[5], x[4].sin()];
    m[2] = t.clone();
    let mut a = [[0.0; 2]; 3];
    a[0] = [x[2], x[3]];
    a[1] = a[0];
    a[1][0] += t[1];
    m[1] = t;
    let mut b = vec![0.0; 2];
    b.clone_from(&m[2]);
    m[2].clone_from(&kept);
    m.iter().map(|r| r[0] * r[1]).sum::<f64>() + kept[0] * kept[1] + a[1][0] * a[0][1] + b[1]
}

#[test]
fn rows_of_local_matrices_copied_and_given_whole() {
    for p in [
        [0.3, -0.7, 0.5, 0.9, -0.4, 0.2],
        [-1.1, 0.6, 0.25, -0.3, 0.8, 1.4],
    ] {
        let mut g = [0.0; 6];
        let v = rows_given_whole_grad(&p, &mut g);
        assert_eq!(v.to_bits(), rows_given_whole(&p).to_bits());
        close("rows_given_whole", &g, &fd_all(&rows_given_whole, &p));
    }
}
