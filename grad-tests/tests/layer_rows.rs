//! Rows fields of the elements of a `Vec` of structs read in the loss itself (issue 9): an MLP
//! as `layers: Vec<Dense>` with `w: Vec<Vec<f64>>` written the four ways people write its forward
//! pass (by index, `self.layers[l].w[i][j]`; through `for layer in &self.layers` with rows
//! iterated, enumerated, zipped with the biases and pushed), as a method and as a free function
//! with `jvp`; fields `[[f64; 2]; 2]` and `Vec<[f64; 3]>` of the elements; rows of the elements
//! handed row by row to a plain helper; `f32`. Refused before ("not rows yet"). Each against
//! central finite differences, values bit for bit; the tangent against the gradient.

#![allow(clippy::needless_range_loop)]

mod common;

use common::check_model;
use grad::{gradient, Params};

#[derive(Clone, Debug, Params)]
struct Dense {
    w: Vec<Vec<f64>>,
    b: Vec<f64>,
}

#[derive(Clone, Debug, Params)]
struct Mlp {
    layers: Vec<Dense>,
    #[params(skip)]
    relu: bool,
}

impl Mlp {
    #[gradient(wrt(self))]
    fn by_index(&self, xs: &[Vec<f64>], ys: &[f64]) -> f64 {
        let mut total = 0.0;
        for (x, &y) in xs.iter().zip(ys) {
            let mut h = x.clone();
            for l in 0..self.layers.len() {
                let mut nh = vec![0.0; self.layers[l].b.len()];
                for i in 0..nh.len() {
                    let mut s = self.layers[l].b[i];
                    for j in 0..h.len() {
                        s += self.layers[l].w[i][j] * h[j];
                    }
                    nh[i] = if self.relu { s.max(0.0) } else { s.tanh() };
                }
                h = nh;
            }
            total += (h[0] - y).powi(2);
        }
        total
    }

    #[gradient(wrt(self))]
    fn by_layer(&self, xs: &[Vec<f64>], ys: &[f64]) -> f64 {
        let mut total = 0.0;
        for (x, &y) in xs.iter().zip(ys) {
            let mut h = x.clone();
            for layer in &self.layers {
                let mut nh = vec![0.0; layer.b.len()];
                for i in 0..nh.len() {
                    nh[i] = (layer.w[i].iter().zip(&h).map(|(a, b)| a * b).sum::<f64>()
                        + layer.b[i])
                        .tanh();
                }
                h = nh;
            }
            total += (h[0] - y).powi(2);
        }
        total
    }

    #[gradient(wrt(self))]
    fn zipped_and_pushed(&self, xs: &[Vec<f64>], ys: &[f64]) -> f64 {
        let mut total = 0.0;
        for (x, &y) in xs.iter().zip(ys) {
            let mut h = x.clone();
            for layer in self.layers.iter() {
                let mut nh = Vec::with_capacity(layer.w.len());
                for (row, b) in layer.w.iter().zip(&layer.b) {
                    nh.push((row.iter().zip(&h).map(|(a, v)| a * v).sum::<f64>() + b).tanh());
                }
                h = nh;
            }
            total += (h[0] - y).powi(2);
        }
        total
    }

    #[gradient(wrt(self))]
    fn enumerated(&self, xs: &[Vec<f64>], ys: &[f64]) -> f64 {
        let mut total = 0.0;
        for (x, &y) in xs.iter().zip(ys) {
            let mut h = x.clone();
            for layer in &self.layers {
                let mut nh = vec![0.0; layer.w.len()];
                for (i, row) in layer.w.iter().enumerate() {
                    let mut s = layer.b[i];
                    for (w, v) in row.iter().zip(&h) {
                        s += w * v;
                    }
                    nh[i] = s.tanh();
                }
                h = nh;
            }
            total += (h[0] - y).powi(2);
        }
        total
    }
}

/// A free function of the model, a layer bound by reference, with its tangent.
#[gradient(wrt(m), jvp)]
fn free_loss(m: &Mlp, x: &[f64]) -> f64 {
    let mut h = x.to_vec();
    for l in 0..m.layers.len() {
        let layer = &m.layers[l];
        let mut nh = vec![0.0; layer.w.len()];
        for i in 0..layer.w.len() {
            nh[i] =
                (layer.b[i] + layer.w[i].iter().zip(&h).map(|(a, b)| a * b).sum::<f64>()).tanh();
        }
        h = nh;
    }
    h.iter().sum::<f64>() * 1.5
}

fn net() -> Mlp {
    Mlp {
        layers: vec![
            Dense {
                w: vec![vec![0.3, -0.2], vec![0.1, 0.4], vec![-0.5, 0.2]],
                b: vec![0.0, 0.1, -0.1],
            },
            Dense {
                w: vec![vec![0.2, -0.1, 0.3], vec![0.5, 0.5, -0.3]],
                b: vec![0.05, 0.2],
            },
        ],
        relu: false,
    }
}

#[test]
fn layers_read_row_by_row_in_four_ways() {
    let m = net();
    let xs = vec![vec![0.5, -1.0], vec![1.5, 0.3], vec![-0.2, 0.8]];
    let ys = [0.2, -0.1, 0.4];
    check_model(
        "by_index",
        &m,
        |m| m.by_index(&xs, &ys),
        |m, d| m.by_index_grad(&xs, &ys, d),
    );
    check_model(
        "by_layer",
        &m,
        |m| m.by_layer(&xs, &ys),
        |m, d| m.by_layer_grad(&xs, &ys, d),
    );
    check_model(
        "zipped_and_pushed",
        &m,
        |m| m.zipped_and_pushed(&xs, &ys),
        |m, d| m.zipped_and_pushed_grad(&xs, &ys, d),
    );
    check_model(
        "enumerated",
        &m,
        |m| m.enumerated(&xs, &ys),
        |m, d| m.enumerated_grad(&xs, &ys, d),
    );
    // The flag read as data.
    let r = Mlp {
        relu: true,
        ..net()
    };
    check_model(
        "by_index relu",
        &r,
        |m| m.by_index(&xs, &ys),
        |m, d| m.by_index_grad(&xs, &ys, d),
    );
}

#[test]
fn a_free_function_of_the_layers_and_its_tangent() {
    let m = net();
    let x = [0.5, -1.0];
    check_model(
        "free_loss",
        &m,
        |m| free_loss(m, &x),
        |m, d| free_loss_grad(m, &x, d),
    );
    let mut d = m.zeros_like();
    let value = free_loss_grad(&m, &x, &mut d);
    let mut v = m.zeros_like();
    let dir: Vec<f64> = (0..v.to_flat().len())
        .map(|k| 0.25 - 0.1 * k as f64)
        .collect();
    v.read_flat(&dir);
    let (jv, tangent) = free_loss_jvp(&m, &x, &v);
    assert_eq!(jv.to_bits(), value.to_bits());
    let want: f64 = d.to_flat().iter().zip(&dir).map(|(g, v)| g * v).sum();
    assert!((tangent - want).abs() < 1e-12, "{tangent} vs {want}");
}

/// Rows of a layer under another name, mapped, summed in closures, zipped with the biases in a
/// map, of the last layer, backwards and past the first, in loops and in maps (`.skip(1).map(..)`
/// refused before: "reads the rows of `ma.ws_e[_].g` .. not this read").
#[gradient(wrt(m))]
fn rows_in_closures(m: &Mlp, x: &[f64]) -> f64 {
    let mut s = 0.0;
    for l in 0..m.layers.len() {
        let w = &m.layers[l].w;
        let mut z = vec![0.0; w.len()];
        for i in 0..w.len() {
            z[i] = w[i][0] * x[0] + w[i][w[i].len() - 1] * x[1];
        }
        s += z.iter().sum::<f64>();
    }
    for layer in &m.layers {
        let z: Vec<f64> = layer.w.iter().map(|row| dot(row, x)).collect();
        s += z.iter().sum::<f64>();
        s += layer
            .w
            .iter()
            .zip(&layer.b)
            .map(|(row, b)| (dot(row, x) + b).tanh())
            .sum::<f64>();
        s += layer
            .w
            .iter()
            .enumerate()
            .fold(0.0, |a, (i, row)| a + row[0] * i as f64);
    }
    s += m
        .layers
        .iter()
        .map(|layer| layer.w.iter().map(|row| row[0] * x[0]).sum::<f64>())
        .sum::<f64>();
    let last = &m.layers[m.layers.len() - 1];
    for (i, row) in last.w.iter().enumerate() {
        s += row[0] * x[i % 2] + last.b[i];
    }
    for layer in m.layers.iter().rev() {
        for row in layer.w.iter().rev() {
            s = s * 0.5 + row[0] * x[0];
        }
        for row in layer.w.iter().skip(1) {
            s += row[1];
        }
        // Mapped past the first, backwards, the first few, every other one.
        s += layer.w.iter().skip(1).map(|row| row[0].tanh()).sum::<f64>()
            + layer.w.iter().rev().map(|row| row[1] * x[1]).sum::<f64>()
            + layer.w.iter().take(1).map(|row| row[0]).sum::<f64>()
            + layer
                .w
                .iter()
                .step_by(2)
                .map(|row| row[0] * row[1])
                .sum::<f64>();
    }
    s + m.layers[0].w[1][1]
}

#[test]
fn rows_of_the_layers_in_closures_and_under_other_names() {
    let m = net();
    let x = [0.5, -1.0];
    check_model(
        "rows_in_closures",
        &m,
        |m| rows_in_closures(m, &x),
        |m, d| rows_in_closures_grad(m, &x, d),
    );
}

#[derive(Clone, Debug, Params)]
struct Block {
    ws: [[f64; 2]; 2],
    c: f64,
}

#[derive(Clone, Debug, Params)]
struct Blocks {
    blocks: Vec<Block>,
}

impl Blocks {
    #[gradient(wrt(self))]
    fn energy(&self, x: &[f64]) -> f64 {
        let mut s = 0.0;
        for (k, blk) in self.blocks.iter().enumerate() {
            for i in 0..2 {
                for j in 0..2 {
                    s += blk.ws[i][j] * x[(i + j + k) % x.len()] * blk.c;
                }
            }
            s += blk.ws[1].iter().map(|v| v * v).sum::<f64>();
        }
        s
    }
}

#[derive(Clone, Debug, Params)]
struct Triples {
    w: Vec<[f64; 3]>,
}

#[derive(Clone, Debug, Params)]
struct Groups {
    groups: Vec<Triples>,
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(p, q)| p * q).sum()
}

/// Rows of arrays, each row handed to a plain helper; the row count and an element read too.
#[gradient(wrt(m))]
fn triples(m: &Groups, x: &[f64]) -> f64 {
    let mut t = 0.0;
    for g in &m.groups {
        for row in &g.w {
            t += dot(row, x).sin();
        }
        t += g.w.len() as f64 * g.w[0][2];
    }
    t
}

/// The rows of one element, chosen by a constant, handed whole to a helper.
#[gradient(wrt(m))]
fn first_group(m: &Groups, x: &[f64]) -> f64 {
    let mut s = 0.0;
    for row in &m.groups[0].w {
        s += dot(row, x);
    }
    s * s
}

#[test]
fn fields_of_arrays_of_the_elements() {
    let b = Blocks {
        blocks: vec![
            Block {
                ws: [[0.1, 0.2], [0.3, 0.4]],
                c: 0.5,
            },
            Block {
                ws: [[-0.1, 0.7], [0.2, -0.4]],
                c: 1.5,
            },
        ],
    };
    let x = [0.5, -1.0];
    check_model("energy", &b, |m| m.energy(&x), |m, d| m.energy_grad(&x, d));
    let g = Groups {
        groups: vec![
            Triples {
                w: vec![[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]],
            },
            Triples {
                w: vec![[-0.3, 0.2, 0.1]],
            },
        ],
    };
    let x3 = [0.3, -0.6, 0.9];
    check_model(
        "triples",
        &g,
        |m| triples(m, &x3),
        |m, d| triples_grad(m, &x3, d),
    );
    check_model(
        "first_group",
        &g,
        |m| first_group(m, &x3),
        |m, d| first_group_grad(m, &x3, d),
    );
}

#[derive(Clone, Debug, Params)]
struct Dense32 {
    w: Vec<Vec<f32>>,
}

#[derive(Clone, Debug, Params)]
struct Net32 {
    layers: Vec<Dense32>,
}

#[gradient(wrt(m))]
fn net32(m: &Net32, x: &[f32]) -> f32 {
    let mut s = 0.0;
    for layer in &m.layers {
        for row in &layer.w {
            s += (row[0] * x[0] + row[1] * x[1]).tanh();
        }
    }
    s
}

#[test]
fn rows_of_the_elements_in_f32() {
    let m = Net32 {
        layers: vec![
            Dense32 {
                w: vec![vec![0.3, -0.2], vec![0.1, 0.4]],
            },
            Dense32 {
                w: vec![vec![0.5, 0.25]],
            },
        ],
    };
    let x = [0.5f32, -1.0];
    let mut d = m.zeros_like();
    let v = net32_grad(&m, &x, &mut d);
    assert_eq!(v.to_bits(), net32(&m, &x).to_bits());
    // d/dw_r0 = (1 - tanh²(z_r)) x0, d/dw_r1 = (1 - tanh²(z_r)) x1.
    for (layer, dl) in m.layers.iter().zip(&d.layers) {
        for (row, drow) in layer.w.iter().zip(&dl.w) {
            let z = f64::from(row[0]) * 0.5 - f64::from(row[1]);
            let s = 1.0 - z.tanh().powi(2);
            assert!((f64::from(drow[0]) - s * 0.5).abs() < 1e-5);
            assert!((f64::from(drow[1]) + s).abs() < 1e-5);
        }
    }
}

#[test]
#[should_panic(expected = "does not have the shape")]
fn a_tangent_of_another_shape_is_refused() {
    let m = net();
    let mut v = net();
    v.layers[1].w[0].pop();
    let _ = free_loss_jvp(&m, &[0.5, -1.0], &v);
}

#[test]
#[should_panic(expected = "shape")]
fn a_gradient_of_another_shape_is_refused() {
    let m = net();
    let mut d = net();
    d.layers[0].w.pop();
    let _ = free_loss_grad(&m, &[0.5, -1.0], &mut d);
}
