//! Forms of a third round of realistic losses and transcribed suites: a stack of layers of
//! different widths whose activations are carried in one buffer (`a = layer.forward(&a)`, the
//! buffer started as a copy of a data row, chosen by a branch for the last layer), a function
//! declared in the body that calls itself, and positions of one slice chained (a rotation); an
//! MLP whose `Vec<Vec<f64>>` weights are handed row by row to plain helpers (`dot(row, x)`).
//! Each against central finite differences, values bit for bit.

#![allow(clippy::needless_range_loop, clippy::items_after_statements)]

mod common;

use common::{check_flat, check_model};
use grad::{gradient, Params};

#[derive(Clone, Debug, Params)]
struct Layer {
    w: Vec<Vec<f64>>,
    b: Vec<f64>,
}

impl Layer {
    fn forward(&self, x: &[f64]) -> Vec<f64> {
        self.w
            .iter()
            .zip(&self.b)
            .map(|(row, b)| row.iter().zip(x).map(|(w, x)| w * x).sum::<f64>() + b)
            .collect()
    }
}

#[derive(Clone, Debug, Params)]
struct Net {
    layers: Vec<Layer>,
}

/// The activations in one buffer started from the data row, a layer's output taken whole for the
/// last layer and squashed for the others: a branch choosing a new buffer.
#[gradient(wrt(net))]
fn net_loss(net: &Net, xs: &[Vec<f64>], ys: &[f64]) -> f64 {
    let mut total = 0.0;
    for (x, &y) in xs.iter().zip(ys) {
        let mut a = x.clone();
        for (i, layer) in net.layers.iter().enumerate() {
            let z = layer.forward(&a);
            a = if i + 1 < net.layers.len() {
                z.iter().map(|&v| v.tanh()).collect()
            } else {
                z
            };
        }
        total += (a[0] - y).powi(2);
    }
    total / xs.len() as f64
}

/// The same with a `match` choosing, and with a `collect` assigned every step.
#[gradient(wrt(net))]
fn net_loss_match(net: &Net, xs: &[Vec<f64>], ys: &[f64]) -> f64 {
    let mut total = 0.0;
    for (x, &y) in xs.iter().zip(ys) {
        let mut a = x.clone();
        let last = net.layers.len() - 1;
        for (i, layer) in net.layers.iter().enumerate() {
            let z = layer.forward(&a);
            a = match i {
                k if k == last => z,
                _ => z.iter().map(|&v| v.max(0.0) + 0.1 * v).collect(),
            };
        }
        let mut h = x.to_vec();
        for layer in &net.layers[..1] {
            h = layer.forward(&h).iter().map(|v| v.sin()).collect();
        }
        total += (a[0] - y).powi(2) + 0.1 * h[0] * h[1];
    }
    total
}

/// The hidden layers as a part of the field (`&net.layers[..n - 1]`, `net.layers[1..]
/// .iter().enumerate()`), the last one apart.
#[gradient(wrt(net))]
fn net_loss_parts(net: &Net, x: &[f64], y: f64) -> f64 {
    let n = net.layers.len();
    let mut h = x.to_vec();
    for layer in &net.layers[..n - 1] {
        h = layer.forward(&h).iter().map(|v| v.tanh()).collect();
    }
    let out = net.layers[n - 1].forward(&h);
    let mut g = x.to_vec();
    g = net.layers[0].forward(&g);
    let mut s = 0.0;
    for (i, layer) in net.layers[1..].iter().enumerate() {
        s += (i as f64 + 1.0) * layer.b[0];
    }
    (out[0] - y).powi(2) + s + g[1]
}

fn layer(n: usize, m: usize, s: f64) -> Layer {
    Layer {
        w: (0..n)
            .map(|i| {
                (0..m)
                    .map(|j| ((i * m + j) as f64 * s).sin() * 0.5)
                    .collect()
            })
            .collect(),
        b: (0..n).map(|i| 0.1 * i as f64 - 0.05).collect(),
    }
}

/// The activations overwritten in place by each layer (`h = layer.forward(&h)`), then by a
/// `collect` of themselves in a branch; the rows iterated with `iter()` and `zip`, copied by
/// `clone()`. Before: "`h = ..` replaces a whole sequence" (the copy of a row of data was not
/// known to hold floats).
#[gradient(wrt(net))]
fn net_loss_in_place(net: &Net, xs: &[Vec<f64>], ys: &[f64]) -> f64 {
    let mut total = 0.0;
    for (x, y) in xs.iter().zip(ys) {
        let mut h = x.clone();
        for (k, layer) in net.layers.iter().enumerate() {
            h = layer.forward(&h);
            if k + 1 < net.layers.len() {
                h = h.iter().map(|&v| v.max(0.0) + 0.05 * v).collect();
            }
        }
        total += (h[0] - y).powi(2);
    }
    total / xs.len() as f64
}

/// The same over `for x in xs.iter()`, the squashing unconditional.
#[gradient(wrt(net))]
fn net_sum_in_place(net: &Net, xs: &[Vec<f64>]) -> f64 {
    let mut t = 0.0;
    for x in xs.iter() {
        let mut h = x.to_vec();
        for layer in &net.layers {
            h = layer.forward(&h);
            h = h.iter().map(|&v| v.tanh()).collect();
        }
        t += h[0];
    }
    t
}

#[test]
fn layers_of_different_widths_carried_in_one_buffer() {
    let net = Net {
        layers: vec![layer(4, 2, 0.7), layer(3, 4, 1.3), layer(1, 3, 0.4)],
    };
    let xs = vec![vec![0.5, -0.2], vec![0.1, 0.9], vec![-0.7, 0.3]];
    let ys = [0.3, -0.1, 0.8];
    check_model(
        "net_loss",
        &net,
        |m| net_loss(m, &xs, &ys),
        |m, d| net_loss_grad(m, &xs, &ys, d),
    );
    check_model(
        "net_loss_in_place",
        &net,
        |m| net_loss_in_place(m, &xs, &ys),
        |m, d| net_loss_in_place_grad(m, &xs, &ys, d),
    );
    check_model(
        "net_sum_in_place",
        &net,
        |m| net_sum_in_place(m, &xs),
        |m, d| net_sum_in_place_grad(m, &xs, d),
    );
    check_model(
        "net_loss_parts",
        &net,
        |m| net_loss_parts(m, &xs[1], 0.4),
        |m, d| net_loss_parts_grad(m, &xs[1], 0.4, d),
    );
    check_model(
        "net_loss_match",
        &net,
        |m| net_loss_match(m, &xs, &ys),
        |m, d| net_loss_match_grad(m, &xs, &ys, d),
    );
}

/// A function of the body calling itself: derived as an annotated one would be.
#[gradient(jvp, hvp)]
fn nested_recursion(x: f64, y: f64) -> f64 {
    fn power(x: f64, n: u32) -> f64 {
        if n == 0 {
            1.0
        } else {
            x * power(x, n - 1)
        }
    }
    let mut s = 0.0;
    for k in 0..3 {
        /// A halving series, a function of a loop body.
        fn series(t: f64, depth: u32) -> f64 {
            if depth == 0 {
                t
            } else {
                0.5 * series(t * 0.9, depth - 1) + 0.25 * t.tanh()
            }
        }
        s += series(x * y, k);
    }
    power(x, 3) * y + s
}

#[test]
fn functions_of_the_body_that_call_themselves() {
    for (x, y) in [(0.7, 1.3), (-1.1, 0.4)] {
        let (v, g) = nested_recursion_grad(x, y);
        let p = [x, y];
        check_flat(
            "nested_recursion",
            &p,
            &|p: &[f64]| nested_recursion(p[0], p[1]),
            v,
            &g,
        )
        .unwrap();
        let (vj, t) = nested_recursion_jvp(x, y, 1.0, -0.5);
        assert_eq!(vj.to_bits(), v.to_bits());
        assert!((t - (g[0] - 0.5 * g[1])).abs() < 1e-12);
        let (vh, gh, hv) = nested_recursion_hvp(x, y, 1.0, 0.0);
        assert_eq!(vh.to_bits(), v.to_bits());
        assert_eq!(gh, g);
        let h = 1e-5;
        let gp = nested_recursion_grad(x + h, y).1;
        let gm = nested_recursion_grad(x - h, y).1;
        for k in 0..2 {
            let fd = (gp[k] - gm[k]) / (2.0 * h);
            assert!(
                (hv[k] - fd).abs() < 1e-6 * (1.0 + fd.abs()),
                "hvp {k}: {} vs {fd}",
                hv[k]
            );
        }
    }
}

/// Each element with the next, wrapping around, by chaining positions of the slice.
#[gradient]
fn rotations(x: &[f64]) -> f64 {
    let a = x
        .iter()
        .skip(1)
        .chain(x.iter().take(1))
        .zip(x)
        .map(|(p, q)| p * q)
        .sum::<f64>();
    let mut b = 0.0;
    for (i, v) in x[2..].iter().chain(&x[..2]).enumerate() {
        b += (i as f64 + 1.0) * v.sin();
    }
    a + b
}

#[test]
fn positions_of_one_slice_chained() {
    let x = [0.3, -1.2, 2.0, 0.7, 0.45];
    let mut d = [f64::NAN; 5];
    let v = rotations_grad(&x, &mut d);
    check_flat("rotations", &x, &|p: &[f64]| rotations(p), v, &d).unwrap();
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn relu(x: f64) -> f64 {
    if x > 0.0 {
        x
    } else {
        0.01 * x
    }
}

#[derive(Clone, Debug, Params)]
struct Mlp {
    w1: Vec<Vec<f64>>,
    b1: Vec<f64>,
    w2: Vec<f64>,
    b2: f64,
}

impl Mlp {
    /// Rows of a declared `Vec<Vec<f64>>` handed whole to `dot`: rows, not elements.
    fn forward(&self, x: &[f64]) -> f64 {
        let h: Vec<f64> = self
            .w1
            .iter()
            .zip(&self.b1)
            .map(|(row, b)| relu(dot(row, x) + b))
            .collect();
        dot(&self.w2, &h) + self.b2
    }

    #[gradient(wrt(self))]
    fn loss(&self, data: &[(Vec<f64>, f64)]) -> f64 {
        data.iter()
            .map(|(x, y)| (self.forward(x) - y).powi(2))
            .sum::<f64>()
            / data.len() as f64
    }
}

/// The same rows by a `for`, as a free function of the model.
#[gradient(wrt(m))]
fn first_layer(m: &Mlp, x: &[f64]) -> f64 {
    let mut s = 0.0;
    for row in &m.w1 {
        s += dot(row, x).tanh();
    }
    s
}

#[test]
fn rows_fields_handed_row_by_row_to_helpers() {
    let m = Mlp {
        w1: vec![vec![0.3, -0.2], vec![0.5, 0.1], vec![-0.4, 0.6]],
        b1: vec![0.1, -0.2, 0.05],
        w2: vec![0.7, -0.3, 0.2],
        b2: 0.1,
    };
    let data = vec![
        (vec![0.5, -0.2], 0.3),
        (vec![0.1, 0.9], -0.1),
        (vec![-0.7, 0.3], 0.8),
    ];
    check_model("loss", &m, |m| m.loss(&data), |m, d| m.loss_grad(&data, d));
    check_model(
        "first_layer",
        &m,
        |m| first_layer(m, &data[1].0),
        |m, d| first_layer_grad(m, &data[1].0, d),
    );
}

#[derive(Clone, Debug, Params)]
struct Unit {
    w: Vec<f64>,
    b: f64,
}

#[derive(Clone, Debug, Params)]
struct Units {
    units: Vec<Unit>,
    x0: f64,
}

fn two_units() -> Units {
    Units {
        units: vec![
            Unit {
                w: vec![0.5, -0.2, 0.9],
                b: 0.7,
            },
            Unit {
                w: vec![1.1, 0.4],
                b: -0.3,
            },
        ],
        x0: 0.25,
    }
}

/// A layer's weights taken apart by `split_first`/`split_last`, through a layer bound by index.
#[gradient(wrt(m))]
fn split_weights(m: &Units, a: f64) -> f64 {
    let last = &m.units[m.units.len() - 1];
    let (first, rest) = last.w.split_first().expect("weights");
    let (end, _) = m.units[0].w.split_last().unwrap();
    (*first * a).tanh() + rest[0] * end + m.x0 * last.b
}

#[test]
fn weights_of_a_layer_taken_apart() {
    let m = two_units();
    check_model(
        "split_weights",
        &m,
        |m| split_weights(m, 0.8),
        |m, d| split_weights_grad(m, 0.8, d),
    );
}

/// A unit's weights copied whole (`unit.w.to_vec()`, `.clone()`, chosen by a branch), through
/// the loop over the units. Before: "reads the differentiated rows `m.units[_].w` by index".
#[gradient(wrt(m))]
fn copied_weights(m: &Units, x: &[f64], doubled: bool) -> f64 {
    let mut s = m.x0;
    for unit in &m.units {
        let w: Vec<f64> = if doubled {
            unit.w.iter().map(|v| v * 2.0).collect()
        } else {
            unit.w.to_vec()
        };
        let c = unit.w.clone();
        s += w.iter().zip(x).map(|(a, b)| a * b).sum::<f64>().tanh() + unit.b * c[0];
    }
    s
}

#[test]
fn weights_of_a_layer_copied() {
    let m = two_units();
    let x = [0.3, -0.8, 0.6];
    for doubled in [false, true] {
        check_model(
            "copied_weights",
            &m,
            |m| copied_weights(m, &x, doubled),
            |m, d| copied_weights_grad(m, &x, doubled, d),
        );
    }
}

/// A recursive function of the body generic over the float, in a generic loss.
#[gradient(jvp, hvp)]
fn generic_recursion<T: grad::Real>(x: T) -> T {
    fn series<T: grad::Real>(t: T, depth: u32) -> T {
        if depth == 0 {
            t
        } else {
            series(t * T::from(0.9).unwrap(), depth - 1) * T::from(0.5).unwrap() + t.tanh()
        }
    }
    series(x, 3) * x
}

#[test]
fn generic_functions_of_the_body_that_call_themselves() {
    for x in [0.7, -1.3] {
        let (v, [g]) = generic_recursion_grad(x);
        check_flat(
            "generic_recursion",
            &[x],
            &|p: &[f64]| generic_recursion(p[0]),
            v,
            &[g],
        )
        .unwrap();
        let (_, t) = generic_recursion_jvp(x, 1.0);
        assert!((t - g).abs() < 1e-12);
    }
}

impl Layer {
    fn bias_norm(&self) -> f64 {
        self.b.iter().map(|b| b * b).sum()
    }
}

impl Net {
    /// The layers applied by a `fold` carrying the activations.
    fn predict(&self, x: &[f64]) -> Vec<f64> {
        self.layers
            .iter()
            .fold(x.to_vec(), |a, layer| layer.forward(&a))
    }

    /// All layers but the last, folded in a method (its `self` was of no known type once the
    /// part was taken apart: "cannot follow `.bias_norm(..)`", long mode seed 4040 `g84`).
    #[gradient(wrt(self))]
    fn all_but_last(&self, x: f64) -> f64 {
        self.layers[..self.layers.len() - 1]
            .iter()
            .fold(0.0, |a, layer| a + layer.b[0] * x + layer.bias_norm() * 0.1)
    }

    #[gradient(wrt(self))]
    fn folded_loss(&self, xs: &[Vec<f64>], ys: &[f64]) -> f64 {
        let mut l = 0.0;
        for (x, y) in xs.iter().zip(ys) {
            l += (self.predict(x)[0] - y).powi(2);
        }
        l / xs.len() as f64
    }
}

/// The layers' plain method called from the closures of `fold` (also through `.rev()` and
/// `.enumerate()`), `map` and `for_each` over `net.layers.iter()` (or a part of it): "cannot
/// follow `.forward(..)`" before, then rustc's E0425 or E0308 inside the expansion (the closure's
/// element was of no known type).
#[gradient(wrt(net))]
fn layers_in_closures(net: &Net, x: &[f64]) -> f64 {
    let first = net.layers[..1]
        .iter()
        .fold(x.to_vec(), |a, layer| layer.forward(&a));
    let widths: f64 = net.layers.iter().map(|layer| layer.bias_norm()).sum();
    let mut last = 0.0;
    net.layers
        .iter()
        .enumerate()
        .for_each(|(i, layer)| last += layer.b[0] * i as f64);
    let back = net
        .layers
        .iter()
        .rev()
        .enumerate()
        .fold(0.0, |s, (i, layer)| s + layer.b[0] * (i as f64 + 1.0));
    // Each layer's input width measured on its rows (`layer.w[0].len()`): data, the layer
    // being handed whole to its method (was taken for a read of its rows).
    let mut measured = 0.0;
    for layer in &net.layers {
        let n_in = layer.w[0].len();
        measured += layer.forward(&[0.5, -0.25, 0.125, 1.0][..n_in])[0];
    }
    let mapped: f64 = net
        .layers
        .iter()
        .map(|layer| layer.forward(&[0.25, 1.0, -0.5, 0.75][..layer.w[0].len()])[0])
        .sum();
    first.iter().map(|v| v.tanh()).sum::<f64>() + widths + last + back + measured + mapped
}

#[test]
fn layers_applied_in_closures() {
    let net = Net {
        layers: vec![layer(4, 2, 0.7), layer(3, 4, 1.3), layer(1, 3, 0.4)],
    };
    let xs = vec![vec![0.5, -0.2], vec![0.1, 0.9], vec![-0.7, 0.3]];
    let ys = [0.3, -0.1, 0.8];
    check_model(
        "folded_loss",
        &net,
        |m| m.folded_loss(&xs, &ys),
        |m, d| m.folded_loss_grad(&xs, &ys, d),
    );
    check_model(
        "all_but_last",
        &net,
        |m| m.all_but_last(0.7),
        |m, d| m.all_but_last_grad(0.7, d),
    );
    check_model(
        "layers_in_closures",
        &net,
        |m| layers_in_closures(m, &xs[0]),
        |m, d| layers_in_closures_grad(m, &xs[0], d),
    );
}

#[derive(Clone, Debug, Params)]
struct Attention {
    wq: [[f64; 2]; 2],
    wk: [[f64; 2]; 2],
    wv: [[f64; 2]; 2],
}

fn matvec(m: &[[f64; 2]; 2], v: &[f64; 2]) -> [f64; 2] {
    [
        m[0][0] * v[0] + m[0][1] * v[1],
        m[1][0] * v[0] + m[1][1] * v[1],
    ]
}

/// Self-attention over tokens: the model's matrices lent whole to a plain helper in the closures
/// that collect the queries, keys and values (`Vec<[f64; 2]>`), a softmax per token.
#[gradient(wrt(a))]
fn attention(a: &Attention, toks: &[[f64; 2]]) -> f64 {
    let qs: Vec<[f64; 2]> = toks.iter().map(|t| matvec(&a.wq, t)).collect();
    let ks: Vec<[f64; 2]> = toks.iter().map(|t| matvec(&a.wk, t)).collect();
    let vs: Vec<[f64; 2]> = toks.iter().map(|t| matvec(&a.wv, t)).collect();
    let mut out = 0.0;
    for i in 0..toks.len() {
        let scores: Vec<f64> = (0..toks.len())
            .map(|j| qs[i][0] * ks[j][0] + qs[i][1] * ks[j][1])
            .collect();
        let m = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let e: Vec<f64> = scores.iter().map(|s| (s - m).exp()).collect();
        let z: f64 = e.iter().sum();
        for j in 0..toks.len() {
            out += e[j] / z * (vs[j][0] + vs[j][1]);
        }
    }
    out
}

#[test]
fn attention_with_matrices_lent_to_a_helper() {
    let a = Attention {
        wq: [[0.1, 0.2], [0.3, -0.1]],
        wk: [[0.5, -0.2], [0.1, 0.4]],
        wv: [[0.3, 0.3], [-0.2, 0.6]],
    };
    let toks = [[1.0, 0.5], [-0.3, 0.8], [0.2, -1.0]];
    check_model(
        "attention",
        &a,
        |m| attention(m, &toks),
        |m, d| attention_grad(m, &toks, d),
    );
}
