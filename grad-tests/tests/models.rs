//! Models as structs (issue 9): `#[derive(Params)]`, `#[gradient(wrt(m))]` on `m: &Model` and on a
//! method's `&self`, with the gradient in a model of the same type. Each against central finite
//! differences over the model's flat view, values bit for bit, gradients starting dirty (NaN) so
//! that a field the loss never reads must come back zero.

#![allow(
    clippy::needless_range_loop,
    clippy::nonminimal_bool,
    clippy::useless_vec,
    clippy::needless_borrow
)]

mod common;

use common::{check_flat, check_model};
use grad::runtime::prelude::*;
use grad::{gradient, Params};

/// Value and gradient of a model loss against finite differences over its flat view.
#[derive(Clone, Debug, PartialEq, Params)]
struct Mlp {
    w1: Vec<f64>,
    b1: Vec<f64>,
    w2: Vec<f64>,
    b2: f64,
    n_in: usize,
    n_hidden: usize,
}

impl Mlp {
    fn new(n_in: usize, n_hidden: usize) -> Self {
        let wave = |k: usize| ((k as f64) * 0.7).sin() * 0.5;
        Mlp {
            w1: (0..n_in * n_hidden).map(wave).collect(),
            b1: (0..n_hidden).map(|k| wave(k + 50)).collect(),
            w2: (0..n_hidden).map(|k| wave(k + 90)).collect(),
            b2: 0.1,
            n_in,
            n_hidden,
        }
    }

    /// The loss as a method: `self` is differentiated by default.
    #[gradient]
    fn loss(&self, x: &[f64], y: &[f64]) -> f64 {
        let mut total = 0.0;
        for (s, &target) in y.iter().enumerate() {
            let mut out = self.b2;
            for k in 0..self.n_hidden {
                let mut z = self.b1[k];
                for j in 0..self.n_in {
                    z += self.w1[k * self.n_in + j] * x[s * self.n_in + j];
                }
                out += self.w2[k] * z.tanh();
            }
            total += (out - target).powi(2);
        }
        total / y.len() as f64
    }
}

/// A free function over the model, the way a user writes it: sizes read from the model, a
/// scratch buffer for the hidden layer.
#[gradient(wrt(m))]
fn mlp_loss(m: &Mlp, x: &[f64], y: &[f64]) -> f64 {
    let n = m.n_in;
    let mut hidden = vec![0.0; m.n_hidden];
    let mut total = 0.0;
    for (s, &target) in y.iter().enumerate() {
        for k in 0..m.n_hidden {
            let mut z = m.b1[k];
            for j in 0..n {
                z += m.w1[k * n + j] * x[s * n + j];
            }
            hidden[k] = z.tanh();
        }
        let out: f64 = m.b2 + m.w2.iter().zip(&hidden).map(|(w, h)| w * h).sum::<f64>();
        total += (out - target).powi(2);
    }
    total / y.len() as f64
}

#[test]
fn mlp_as_free_function_and_as_method() {
    let m = Mlp::new(2, 3);
    let x = [0.5, -1.0, 1.5, 2.0, -0.3, 0.8];
    let y = [0.3, -0.2, 0.9];
    check_model(
        "mlp_loss",
        &m,
        |m| mlp_loss(m, &x, &y),
        |m, d| mlp_loss_grad(m, &x, &y, d),
    );
    check_model(
        "Mlp::loss",
        &m,
        |m| m.loss(&x, &y),
        |m, d| m.loss_grad(&x, &y, d),
    );
    // Both forms are the same loss.
    let (mut d1, mut d2) = (m.zeros_like(), m.zeros_like());
    assert_eq!(
        mlp_loss_grad(&m, &x, &y, &mut d1),
        m.loss_grad(&x, &y, &mut d2)
    );
    // Sizes are data, kept as they were.
    assert_eq!((d1.n_in, d1.n_hidden), (2, 3));
}

#[derive(Clone, Debug, Params)]
struct Inner {
    w: [f64; 3],
    scale: f64,
}

#[derive(Clone, Debug, Params)]
struct Outer {
    enc: Inner,
    dec: Inner,
    bias: f64,
    unused: Vec<f64>,
    #[params(skip)]
    label: &'static str,
    steps: usize,
    use_bias: bool,
}

fn outer() -> Outer {
    Outer {
        enc: Inner {
            w: [0.5, -0.25, 0.75],
            scale: 1.5,
        },
        dec: Inner {
            w: [-0.1, 0.2, 0.3],
            scale: 0.5,
        },
        bias: 0.4,
        unused: vec![1.0, 2.0],
        label: "outer",
        steps: 3,
        use_bias: true,
    }
}

#[gradient]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Nested fields read every way a sequence is read, flags and counts as data, helpers called
/// with fields, closures capturing fields.
#[gradient(wrt(m))]
fn nested(m: &Outer, x: &[f64]) -> f64 {
    let s = m.enc.scale;
    let mut acc = vec![m.bias; 2];
    let mut t = 0.0;
    for i in 0..m.steps {
        t += m.enc.w[i] * x[i] * s;
    }
    for w in &m.dec.w {
        t += w * m.dec.scale;
    }
    acc[1] += t;
    let d = dot(&m.enc.w, x);
    let squares: f64 = m.dec.w.iter().map(|w| w * w).sum();
    let shifted = |z: f64| z * m.bias;
    let r = if m.use_bias { acc[0] * acc[1] } else { acc[1] };
    let zipped = m.enc.w.iter().zip(x).map(|(a, b)| a * b).sum::<f64>();
    r + d + squares + shifted(2.0) + zipped + (m.steps as f64) * m.dec.scale
}

#[test]
fn nested_structs_unread_fields_and_data_fields() {
    let m = outer();
    let x = [1.0, 2.0, -1.0];
    check_model(
        "nested",
        &m,
        |m| nested(m, &x),
        |m, d| nested_grad(m, &x, d),
    );
    let mut d = m.zeros_like();
    d.unused = vec![9.0, 9.0];
    let _ = nested_grad(&m, &x, &mut d);
    assert_eq!(d.unused, [0.0, 0.0], "a field the loss never reads is zero");
    assert_eq!((d.label, d.steps, d.use_bias), ("outer", 3, true));
    let mut off = outer();
    off.use_bias = false;
    check_model(
        "nested, flag off",
        &off,
        |m| nested(m, &x),
        |m, d| nested_grad(m, &x, d),
    );
}

#[derive(Clone, Debug, Params)]
struct Grid {
    cells: Vec<Vec<f64>>,
    fixed: [[f64; 2]; 3],
    gain: f64,
}

/// Rows fields, ragged and fixed, read by two indices and row by row.
#[gradient(wrt(g))]
fn grid_energy(g: &Grid) -> f64 {
    let mut e = 0.0;
    for r in 0..g.cells.len() {
        for c in 0..g.cells[r].len() {
            e += g.cells[r][c] * g.cells[r][c] * (c as f64 + 1.0);
        }
    }
    for r in 0..3 {
        e += g.gain * g.fixed[r][0] * g.fixed[r][1];
    }
    e
}

#[test]
fn rows_fields() {
    let g = Grid {
        cells: vec![vec![0.1, 0.2, 0.3], vec![], vec![-0.4]],
        fixed: [[1.0, 2.0], [-0.5, 0.25], [0.0, 3.0]],
        gain: 0.7,
    };
    check_model("grid_energy", &g, grid_energy, grid_energy_grad);
}

#[derive(Clone, Debug, Params)]
struct Line {
    a: f64,
    b: f64,
}

impl Line {
    /// A method that differentiates `self` and a parameter.
    #[gradient(wrt(self, shift))]
    fn shifted_loss(&self, shift: f64, x: &[f64], y: &[f64]) -> f64 {
        let mut s = 0.0;
        for (xi, yi) in x.iter().zip(y) {
            let r = self.a * xi + self.b + shift - yi;
            s += r * r;
        }
        s
    }
}

#[test]
fn method_with_self_and_a_scalar() {
    let l = Line { a: 2.0, b: 1.0 };
    let (x, y) = ([1.0, 2.0], [3.5, 4.0]);
    let mut d = l.zeros_like();
    let (v, [ds]) = l.shifted_loss_grad(0.25, &x, &y, &mut d);
    assert_eq!(v, l.shifted_loss(0.25, &x, &y));
    // r = (-0.25, 1.25): d/da = 2 Σ r x, d/db = d/dshift = 2 Σ r.
    assert_eq!((d.a, d.b, ds), (4.5, 2.0, 2.0));
}

#[derive(Clone, Debug, Params)]
struct Small32 {
    w: Vec<f32>,
    c: f32,
}

#[gradient(wrt(m))]
fn small32(m: &Small32, x: &[f32]) -> f32 {
    let mut s = m.c * m.c;
    for (w, xi) in m.w.iter().zip(x) {
        s += (w * xi).sin();
    }
    s
}

#[test]
fn f32_models() {
    let m = Small32 {
        w: vec![0.5, -1.0],
        c: 0.25,
    };
    let x = [1.0f32, 2.0];
    let mut d = m.zeros_like();
    let v = small32_grad(&m, &x, &mut d);
    assert_eq!(v, small32(&m, &x));
    let want = [(0.5f32).cos(), 2.0 * (-2.0f32).cos()];
    assert!((d.w[0] - want[0]).abs() < 1e-6 && (d.w[1] - want[1]).abs() < 1e-6);
    assert_eq!(d.c, 0.5);
}

#[test]
#[should_panic(expected = "the gradient `d_m.w1` has length 2 but `m.w1` has length 6")]
fn a_gradient_of_another_shape_is_named() {
    let m = Mlp::new(2, 3);
    let mut d = m.zeros_like();
    d.w1.truncate(2);
    let _ = mlp_loss_grad(&m, &[0.0; 2], &[0.0], &mut d);
}

#[test]
fn minimize_takes_a_model() {
    let x = [0.0, 1.0, 2.0, 3.0];
    let y = [1.0, 3.0, 5.0, 7.0];
    let start = Line { a: 0.0, b: 0.0 };
    let objective = |l: &Line, d: &mut Line| l.shifted_loss_grad(0.0, &x, &y, d).0;
    let report = minimize(objective, &start, Lbfgs::default(), Options::new()).unwrap();
    let fit = start.with_flat(&report.x);
    assert!(
        (fit.a - 2.0).abs() < 1e-6 && (fit.b - 1.0).abs() < 1e-6,
        "{fit:?}"
    );
    // By value, with a first-order optimizer.
    let adam = Adam::new(0.05).unwrap();
    let options = Options::new().max_iters(4000).grad_tol(1e-7);
    let report = minimize(objective, start.clone(), adam, options).unwrap();
    assert!((report.x[0] - 2.0).abs() < 1e-3, "{report}");
}

/// Parameter groups named by fields: the weights train with weight decay at one rate, the
/// biases without at another; each group moves exactly as its optimizer alone on its share of
/// the flat view would (checked on the first step, where Adam's move is ±lr per entry).
#[test]
fn groups_by_field() {
    let m = Mlp::new(2, 3);
    let (x, y) = ([0.5, -1.0, 1.5, 0.25], [0.3, -0.2]);
    let weights = m.flat_indices(|g| {
        g.w1.fill_params(1.0);
        g.w2.fill_params(1.0);
    });
    let biases = m.flat_indices(|g| {
        g.b1.fill_params(1.0);
        g.b2 = 1.0;
    });
    assert_eq!(weights, [0, 1, 2, 3, 4, 5, 9, 10, 11]);
    assert_eq!(biases, [6, 7, 8, 12]);
    let groups = Groups::new()
        .group(
            weights.clone(),
            Adam::builder().lr(0.01).weight_decay(1e-3).build().unwrap(),
        )
        .group(biases.clone(), Adam::new(0.1).unwrap());
    let objective = |m: &Mlp, d: &mut Mlp| m.loss_grad(&x, &y, d);
    let report = minimize(objective, &m, groups, Options::new().max_iters(1)).unwrap();
    let (start, moved) = (m.to_flat(), &report.x);
    for (indices, lr) in [(&weights, 0.01), (&biases, 0.1)] {
        for &i in indices {
            let step = (moved[i] - start[i]).abs();
            assert!(
                (step - lr).abs() < 1e-4 * lr,
                "parameter {i} moved {step}, not {lr}"
            );
        }
    }
    let trained = m.with_flat(
        &minimize(
            objective,
            &m,
            Groups::new()
                .group(weights, Adam::new(0.02).unwrap())
                .group(biases, Adam::new(0.05).unwrap()),
            Options::new().max_iters(300),
        )
        .unwrap()
        .x,
    );
    let mut d = m.zeros_like();
    assert!(trained.loss_grad(&x, &y, &mut d) < 0.1 * m.loss_grad(&x, &y, &mut d));
}

#[derive(Clone, Debug, Params)]
struct Layer {
    w: Vec<f64>,
    b: Vec<f64>,
    gain: f64,
    n_in: usize,
    n_out: usize,
}

#[derive(Clone, Debug, Params)]
struct Net {
    layers: Vec<Layer>,
    head: Vec<f64>,
}

impl Net {
    fn new(widths: &[usize]) -> Self {
        let layers = widths
            .windows(2)
            .enumerate()
            .map(|(l, w)| Layer {
                w: (0..w[0] * w[1])
                    .map(|k| ((k + 7 * l) as f64 * 0.37).sin() * 0.6)
                    .collect(),
                b: (0..w[1])
                    .map(|k| ((k + l) as f64 * 0.91).cos() * 0.1)
                    .collect(),
                gain: 0.9 + 0.05 * l as f64,
                n_in: w[0],
                n_out: w[1],
            })
            .collect();
        let last = widths[widths.len() - 1];
        Net {
            layers,
            head: (0..last).map(|k| 0.5 - 0.3 * k as f64).collect(),
        }
    }

    /// Layers iterated by reference, a hidden vector carried from layer to layer (`act = next`).
    #[gradient]
    fn loss(&self, x: &[f64], y: &[f64]) -> f64 {
        let width = self.head.len();
        let mut total = 0.0;
        for (s, &target) in y.iter().enumerate() {
            let mut act = x[s * width..(s + 1) * width].to_vec();
            for layer in &self.layers {
                let mut next = vec![0.0; layer.n_out];
                for o in 0..layer.n_out {
                    let mut z = layer.b[o];
                    for i in 0..layer.n_in {
                        z += layer.w[o * layer.n_in + i] * act[i];
                    }
                    next[o] = (layer.gain * z).tanh();
                }
                act = next;
            }
            let out: f64 = self.head.iter().zip(&act).map(|(h, a)| h * a).sum();
            total += (out - target).powi(2);
        }
        total
    }
}

/// Layers indexed, bound by `let`, and enumerated.
#[gradient(wrt(net))]
fn layer_terms(net: &Net, x: &[f64]) -> f64 {
    let mut s = 0.0;
    for l in 0..net.layers.len() {
        let layer = &net.layers[l];
        for j in 0..layer.w.len() {
            s += layer.w[j] * x[j % 2] * net.layers[l].gain;
        }
    }
    for (l, layer) in net.layers.iter().enumerate() {
        s += layer.b.iter().map(|b| b * b).sum::<f64>() * (l as f64 + 1.0);
    }
    s
}

#[test]
fn sequences_of_layers() {
    let net = Net::new(&[3, 3, 3, 3]);
    let x = [0.5, -1.0, 1.5, 2.0, -0.25, 0.75];
    let y = [0.3, -0.2];
    check_model(
        "Net::loss",
        &net,
        |n| n.loss(&x, &y),
        |n, d| n.loss_grad(&x, &y, d),
    );
    check_model(
        "layer_terms",
        &net,
        |n| layer_terms(n, &x),
        |n, d| layer_terms_grad(n, &x, d),
    );
}

/// The hidden vector takes each layer's width (`act = next;` between buffers of different
/// lengths).
#[test]
fn a_hidden_vector_that_changes_length() {
    let net = Net::new(&[2, 3, 2]);
    let x = [0.5, 1.0];
    let y = [0.0];
    check_model(
        "Net::loss, widths 2, 3, 2",
        &net,
        |n| n.loss(&x, &y),
        |n, d| n.loss_grad(&x, &y, d),
    );
}

/// A loss that reads only data fields of the model: its gradient is zero, the value the loss's.
#[gradient(wrt(m))]
fn reads_no_parameter(m: &Outer, x: f64) -> f64 {
    let mut s = x;
    for _ in 0..m.steps {
        s = s * 0.5 + 1.0;
    }
    if m.use_bias {
        s
    } else {
        -s
    }
}

#[test]
fn a_model_read_only_for_data_has_a_zero_gradient() {
    let m = outer();
    let mut d = m.zeros_like();
    d.fill_params(f64::NAN);
    assert_eq!(
        reads_no_parameter_grad(&m, 2.0, &mut d),
        reads_no_parameter(&m, 2.0)
    );
    assert!(d.to_flat().iter().all(|&g| g == 0.0));
}

#[derive(Clone, Debug, Params)]
struct Thresholds {
    cut: f64,
    scale: f64,
    n: usize,
    k: i32,
    w: Vec<f64>,
}

/// Fields in conditions, comparisons, conversions and references: floats compared are
/// parameters; integers compared, converted and counted are data.
#[gradient(wrt(t))]
fn thresholds(t: &Thresholds, x: &[f64]) -> f64 {
    let r = &t.scale;
    let w = &t.w;
    let mut s = 0.0;
    for (i, xi) in x.iter().enumerate() {
        if *xi > t.cut && t.k != -1 && i < t.n {
            s += *r * w[i] * xi;
        } else if !(t.n == 0) {
            s += f64::from(t.k) * t.cut * xi;
        }
    }
    match &t.w[..] {
        [] => s,
        [a, .., b] => s + a * b,
        [a] => s + a,
    }
}

#[test]
fn fields_in_conditions_conversions_and_references() {
    let t = Thresholds {
        cut: 0.25,
        scale: 1.5,
        n: 2,
        k: 3,
        w: vec![0.5, -1.0, 2.0],
    };
    let x = [0.5, 1.0, -0.5];
    check_model(
        "thresholds",
        &t,
        |t| thresholds(t, &x),
        |t, d| thresholds_grad(t, &x, d),
    );
}

#[derive(Clone, Debug, Params)]
struct Pair {
    b: f64,
    c: f64,
    w: Vec<f64>,
}

/// Names that once were integers and are bound again as floats, and a field reached through a
/// reference passed on to a `#[gradient]` helper: all differentiated.
#[gradient(wrt(m))]
fn rebound_names(m: &Pair, x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..2 {
        s += x[i];
    }
    let i = 0.5 * m.b;
    s += i * m.c;
    let r = &m.w;
    s + dot(r, x) + x.iter().map(|&i| i * m.b).sum::<f64>()
}

#[test]
fn names_bound_again_and_references_passed_on() {
    let m = Pair {
        b: 0.75,
        c: -1.25,
        w: vec![0.5, 2.0],
    };
    let x = [1.5, -0.5];
    check_model(
        "rebound_names",
        &m,
        |m| rebound_names(m, &x),
        |m, d| rebound_names_grad(m, &x, d),
    );
}

#[derive(Clone, Debug, Params)]
struct Chain {
    a: f64,
    b: f64,
    w: Vec<f64>,
}

impl Chain {
    /// A layer: differentiated with respect to `self` (and, when a caller needs it, `h`).
    #[gradient]
    fn layer(&self, h: &[f64]) -> f64 {
        self.a * h[0] + self.b * h[1] * h[1] + self.w.iter().zip(h).map(|(w, v)| w * v).sum::<f64>()
    }

    /// Calls of `#[gradient]` methods on `self`, with data and with a differentiated buffer.
    #[gradient]
    fn loss(&self, x: &[f64]) -> f64 {
        let h = vec![self.a * x[0], (self.b * x[1]).sin()];
        self.layer(&h) * self.layer(x) + self.w[1]
    }
}

/// A free function given the whole model, and one that passes it on.
#[gradient(wrt(c))]
fn chain_once(c: &Chain, x: &[f64]) -> f64 {
    c.layer(x).tanh() + c.b
}

#[gradient(wrt(c, t))]
fn chain_twice(c: &Chain, t: f64, x: &[f64]) -> f64 {
    chain_once(c, x) * t + chain_once(&c, &x[..2]) + c.loss(x)
}

#[test]
fn calls_that_take_the_whole_model() {
    let c = Chain {
        a: 0.5,
        b: -0.75,
        w: vec![0.25, 1.5],
    };
    let x = [1.25, -0.5];
    check_model("Chain::loss", &c, |c| c.loss(&x), |c, d| c.loss_grad(&x, d));
    check_model(
        "chain_once",
        &c,
        |c| chain_once(c, &x),
        |c, d| chain_once_grad(c, &x, d),
    );
    check_model(
        "chain_twice",
        &c,
        |c| chain_twice(c, 0.7, &x),
        |c, d| chain_twice_grad(c, 0.7, &x, d).0,
    );
    let mut d = c.zeros_like();
    let (_, [dt]) = chain_twice_grad(&c, 0.7, &x, &mut d);
    assert!((dt - chain_once(&c, &x)).abs() < 1e-15);
}

#[derive(Clone, Debug, Params)]
struct Enc<T> {
    w: Vec<T>,
    s: T,
}

/// A model generic over its float with rows (`Vec<Vec<T>>`), its rows iterated and handed to a
/// plain helper taking a slice (never indexed twice: the declared type alone says they are
/// rows), in a function and in a method of `RowGrid<f64>` (the rows were read as one flat
/// sequence before: rustc errors inside the expansion).
#[derive(Clone, Debug, Params)]
struct RowGrid<T> {
    ws: Vec<Vec<T>>,
    c: T,
}

fn row_sum(r: &[f64], s: f64) -> f64 {
    r.iter().map(|v| v * s).sum::<f64>()
}

impl RowGrid<f64> {
    #[gradient(wrt(self))]
    fn rows_loss(&self, k: f64) -> f64 {
        let mut acc = self.c;
        for row in self.ws.iter() {
            acc += f64::tanh(row_sum(row, k));
        }
        acc * self.c
    }
}

#[gradient(wrt(g))]
fn row_grid_loss(g: &RowGrid<f64>, k: f64) -> f64 {
    let mut acc = g.c;
    for row in &g.ws {
        acc += f64::tanh(row_sum(row, k));
    }
    acc
}

#[test]
fn generic_models_with_rows() {
    let g = RowGrid {
        ws: vec![vec![0.5, -0.3], vec![0.2, 0.9], vec![-0.4, 0.1]],
        c: 0.7,
    };
    check_model(
        "rows_loss",
        &g,
        |m| m.rows_loss(1.3),
        |m, d| m.rows_loss_grad(1.3, d),
    );
    check_model(
        "row_grid_loss",
        &g,
        |m| row_grid_loss(m, 1.3),
        |m, d| row_grid_loss_grad(m, 1.3, d),
    );
}

#[derive(Clone, Debug, Params)]
struct Dec {
    v: [f64; 2],
}

/// Two models and a scalar differentiated together; a model generic over its float type.
#[gradient(wrt(enc, dec, t))]
fn two_models(enc: &Enc<f64>, dec: &Dec, t: f64, x: &[f64]) -> f64 {
    let mut z = enc.s * t;
    for i in 0..enc.w.len() {
        z += enc.w[i] * x[i] * dec.v[i % 2];
    }
    z.tanh() + dec.v[1] * t
}

#[test]
fn two_models_and_a_scalar() {
    let enc = Enc {
        w: vec![0.5, -0.3, 0.2],
        s: 0.7,
    };
    let dec = Dec { v: [0.4, -1.1] };
    let x = [1.0, 2.0, 3.0];
    check_model(
        "two_models (enc)",
        &enc,
        |e| two_models(e, &dec, 0.3, &x),
        |e, d| two_models_grad(e, &dec, 0.3, &x, d, &mut dec.zeros_like()).0,
    );
    check_model(
        "two_models (dec)",
        &dec,
        |dd| two_models(&enc, dd, 0.3, &x),
        |dd, d| two_models_grad(&enc, dd, 0.3, &x, &mut enc.zeros_like(), d).0,
    );
    let (_, [dt]) = two_models_grad(
        &enc,
        &dec,
        0.3,
        &x,
        &mut enc.zeros_like(),
        &mut dec.zeros_like(),
    );
    let h = 1e-6;
    let fd =
        (two_models(&enc, &dec, 0.3 + h, &x) - two_models(&enc, &dec, 0.3 - h, &x)) / (2.0 * h);
    assert!((dt - fd).abs() < 1e-8, "{dt} {fd}");
}

/// A field copied (`clone`, `to_vec`) and a scalar field's `sin_cos`.
#[gradient(wrt(m))]
fn copies(m: &Pair, d: &[f64]) -> f64 {
    let w = m.w.clone();
    let v = m.w.to_vec();
    let (s, c) = m.b.sin_cos();
    w[0] * s + c * w.iter().zip(d).map(|(a, b)| a * b).sum::<f64>() + v[1] * m.c
}

#[test]
fn fields_copied() {
    let m = Pair {
        b: 0.3,
        c: -0.6,
        w: vec![0.5, 1.5],
    };
    let d = [1.0, 2.0];
    check_model(
        "copies",
        &m,
        |m| copies(m, &d),
        |m, g| copies_grad(m, &d, g),
    );
}

impl Pair {
    fn len(&self) -> usize {
        self.w.len()
    }

    fn has_weights(&self) -> bool {
        !self.w.is_empty()
    }

    /// Plain methods of the model read as data: a loop bound, a condition, a typed `let`.
    #[gradient]
    fn data_methods(&self, x: &[f64]) -> f64 {
        let n: usize = self.len();
        let mut s = 0.0;
        for i in 0..self.len() {
            s += self.w[i] * x[i % n];
        }
        if self.has_weights() {
            s * self.b
        } else {
            self.c
        }
    }
}

#[test]
fn plain_methods_read_as_data() {
    let m = Pair {
        b: 0.3,
        c: -0.6,
        w: vec![0.5, 1.5],
    };
    let x = [1.0, 2.0];
    check_model(
        "data_methods",
        &m,
        |m| m.data_methods(&x),
        |m, g| m.data_methods_grad(&x, g),
    );
}

#[derive(Clone, Debug, Params)]
struct Casts {
    x: f64,
    w: Vec<f64>,
    n: usize,
}

/// A float field cast to a float is the float (read as a number elsewhere, so a parameter; read
/// only so it would be a compile error), an integer one is data; a `match` that binds its
/// scrutinee reads it.
#[gradient(wrt(m))]
fn casts_and_bindings(m: &Casts, d: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..m.n {
        s += m.w[i] * d[i];
    }
    #[allow(clippy::unnecessary_cast)]
    let c = m.x as f64;
    let v = match m.w[0] {
        v if v > 0.0 => v * 2.0,
        _ => 0.0,
    };
    s * c + v + (m.n as f64) + 0.25 * m.x
}

#[test]
fn float_casts_and_match_bindings() {
    let m = Casts {
        x: 0.5,
        w: vec![1.0, 2.0],
        n: 2,
    };
    let d = [1.0, 3.0];
    check_model(
        "casts",
        &m,
        |m| casts_and_bindings(m, &d),
        |m, g| casts_and_bindings_grad(m, &d, g),
    );
}

#[derive(Clone, Debug, Params)]
struct RowsInLists {
    fixed: [[f64; 2]; 3],
    ragged: Vec<Vec<f64>>,
    x: f64,
}

/// Elements of rows fields inside `vec![a, b, ..]` and `vec![e; n]`: differentiated like any
/// other read (they once stayed reads of the original rows, with a zero gradient).
#[gradient(wrt(m))]
fn rows_in_lists(m: &RowsInLists) -> f64 {
    let v = vec![0.5, m.fixed[0][1] * m.x, m.ragged[1][0]];
    let w = vec![m.ragged[0][m.ragged[0].len() - 1]; 2];
    let s: f64 = v.iter().sum();
    s * w[1] + v[1] * v[2] + (w[0] * m.fixed[2][0]).sin()
}

#[test]
fn rows_elements_in_vec_lists() {
    let m = RowsInLists {
        fixed: [[0.3, -0.7], [1.1, 0.2], [-0.4, 0.9]],
        ragged: vec![vec![0.25, -1.5], vec![0.75]],
        x: 1.3,
    };
    check_model("rows_in_lists", &m, rows_in_lists, rows_in_lists_grad);
}

/// Rows fields read row by row: in a method (`self.w1.iter().zip(&self.b1).map(|(row, b)| ..)`)
/// and in free functions over `Vec<Vec<T>>`, `[[T; N]; M]` and `Vec<[T; N]>` fields (`for row in
/// &m.rs`, `.iter().enumerate()`, `.map(|row| ..)`).
#[derive(Clone, Debug, Params)]
struct RowNet {
    w1: Vec<Vec<f64>>,
    b1: Vec<f64>,
    w2: Vec<f64>,
    b2: f64,
}

impl RowNet {
    #[gradient]
    fn loss(&self, xs: &[Vec<f64>], ys: &[f64]) -> f64 {
        let mut l = 0.0;
        for (x, y) in xs.iter().zip(ys) {
            let h: Vec<f64> = self
                .w1
                .iter()
                .zip(&self.b1)
                .map(|(row, b)| (row.iter().zip(x).map(|(w, xi)| w * xi).sum::<f64>() + b).tanh())
                .collect();
            let out = h.iter().zip(&self.w2).map(|(a, w)| a * w).sum::<f64>() + self.b2;
            l += (out - y).powi(2);
        }
        l / xs.len() as f64
    }
}

#[derive(Clone, Debug, Params)]
struct Grids {
    ragged: Vec<Vec<f64>>,
    fixed: [[f64; 2]; 3],
    rows: Vec<[f64; 2]>,
    s: f64,
}

#[gradient(wrt(m))]
fn rows_by_row(m: &Grids) -> f64 {
    let mut t = 0.0;
    for row in &m.ragged {
        for v in row {
            t += (v * m.s).sin();
        }
    }
    for (i, row) in m.fixed.iter().enumerate() {
        t += row[0] * row[1] * (i as f64 + 1.0);
    }
    t + m.rows.iter().map(|row| row[1] * m.s).sum::<f64>()
}

#[test]
fn rows_fields_row_by_row() {
    let net = RowNet {
        w1: vec![vec![0.5, -0.2], vec![0.3, 0.8], vec![-0.6, 0.1]],
        b1: vec![0.1, -0.2, 0.05],
        w2: vec![0.7, -0.4, 0.9],
        b2: 0.05,
    };
    let (xs, ys) = (vec![vec![1.0, 2.0], vec![-0.5, 0.3]], [0.4, -0.2]);
    let mut d = net.zeros_like();
    let v = net.loss_grad(&xs, &ys, &mut d);
    assert_eq!(v.to_bits(), net.loss(&xs, &ys).to_bits());
    check_model(
        "RowNet::loss",
        &net,
        |m| m.loss(&xs, &ys),
        |m, d| m.loss_grad(&xs, &ys, d),
    );
    let g = Grids {
        ragged: vec![vec![0.5, -0.2], vec![0.3, 0.8, 0.1]],
        fixed: [[0.5, -0.2], [0.3, 0.8], [0.1, 0.9]],
        rows: vec![[0.5, -0.2], [0.3, 0.8]],
        s: 1.5,
    };
    let mut d = g.zeros_like();
    let v = rows_by_row_grad(&g, &mut d);
    assert_eq!(v.to_bits(), rows_by_row(&g).to_bits());
    check_model("rows_by_row", &g, rows_by_row, rows_by_row_grad);
}

/// A row of a rows field bound by `let` and read as a sequence.
#[gradient(wrt(m))]
fn row_bound_by_let(m: &Grids) -> f64 {
    let first = &m.ragged[0];
    let last = &m.fixed[m.fixed.len() - 1];
    first[0] * m.s + first[first.len() - 1] + last.iter().sum::<f64>() * last[0]
}

#[test]
fn rows_field_row_bound_by_let() {
    let g = Grids {
        ragged: vec![vec![0.5, -0.2, 0.7], vec![0.3]],
        fixed: [[0.5, -0.2], [0.3, 0.8], [0.1, 0.9]],
        rows: vec![[0.5, -0.2]],
        s: 1.5,
    };
    let mut d = g.zeros_like();
    let v = row_bound_by_let_grad(&g, &mut d);
    assert_eq!(v.to_bits(), row_bound_by_let(&g).to_bits());
    check_model(
        "row_bound_by_let",
        &g,
        row_bound_by_let,
        row_bound_by_let_grad,
    );
}

#[gradient(wrt(m))]
fn rows_as_full_range(m: &Grids) -> f64 {
    let mut t = 0.0;
    for row in &m.ragged[..] {
        for v in row {
            t += v * m.s;
        }
    }
    t
}

#[test]
fn rows_field_iterated_as_full_range() {
    let g = Grids {
        ragged: vec![vec![0.5, -0.2, 0.7], vec![0.3]],
        fixed: [[0.5, -0.2], [0.3, 0.8], [0.1, 0.9]],
        rows: vec![[0.5, -0.2]],
        s: 1.5,
    };
    check_model(
        "rows_as_full_range",
        &g,
        rows_as_full_range,
        rows_as_full_range_grad,
    );
}

#[derive(Clone, Debug, Params)]
struct Unit3 {
    w: Vec<f64>,
    b: f64,
}

#[derive(Clone, Debug, Params)]
struct Stack3 {
    layers: Vec<Unit3>,
}

impl Stack3 {
    /// The last layer bound by a computed position (`&self.layers[n - 1]`), the count read by
    /// `len()`.
    #[gradient]
    fn last_layer_loss(&self, x: f64) -> f64 {
        let count = self.layers.len();
        let mut h = x;
        for l in 0..count - 1 {
            let layer = &self.layers[l];
            h = (layer.w[0] * h + layer.b).tanh();
        }
        let last = &self.layers[count - 1];
        last.w[0] * h + last.b
    }
}

#[test]
fn a_layer_at_a_computed_position() {
    let m = Stack3 {
        layers: vec![
            Unit3 {
                w: vec![0.5],
                b: 0.1,
            },
            Unit3 {
                w: vec![-0.3],
                b: 0.2,
            },
            Unit3 {
                w: vec![0.8],
                b: -0.1,
            },
        ],
    };
    check_model(
        "last_layer_loss",
        &m,
        |m| m.last_layer_loss(0.7),
        |m, d| m.last_layer_loss_grad(0.7, d),
    );
}

#[derive(Clone, Debug, Params)]
struct Sized3 {
    w: Vec<f64>,
    n: usize,
}

#[derive(Clone, Debug, Params)]
struct SizedNet {
    layers: Vec<Sized3>,
}

impl SizedNet {
    /// An integer field of each layer given to an integer local (`width = layer.n;`).
    #[gradient]
    fn widths_loss(&self) -> f64 {
        let mut s = 0.0;
        let mut width = 3;
        for l in 0..self.layers.len() {
            let layer = &self.layers[l];
            s += layer.w[0] * layer.w[1] * (width as f64);
            width = layer.n;
        }
        s + width as f64
    }
}

#[test]
fn integer_fields_of_layers_given_to_integer_locals() {
    let m = SizedNet {
        layers: vec![
            Sized3 {
                w: vec![1.0, 2.0],
                n: 2,
            },
            Sized3 {
                w: vec![-0.5, 0.3],
                n: 5,
            },
        ],
    };
    check_model("widths_loss", &m, SizedNet::widths_loss, |m, d| {
        m.widths_loss_grad(d)
    });
}

impl Outer {
    /// A flag of the model matched in a tuple with a comparison, beside a part that binds.
    #[gradient]
    fn flagged(&self, x: f64) -> f64 {
        let s = self.enc.w[0] * x + self.bias;
        let by_flag = match (self.use_bias, x > 1.0) {
            (true, true) => s * s,
            (false, _) => s,
            _ => -s,
        };
        let by_count = match (self.steps, self.dec.scale) {
            (3, k) => k * s,
            (_, k) => k,
        };
        by_flag + by_count
    }
}

#[test]
fn a_flag_matched_in_a_tuple() {
    let mut m = outer();
    for (flag, x) in [(true, 2.0), (true, 0.5), (false, 2.0)] {
        m.use_bias = flag;
        check_model("flagged", &m, |m| m.flagged(x), |m, d| m.flagged_grad(x, d));
    }
}

/// A model holding a reference to data (`data: &'a [f64]`, skipped or not): the loss reads it,
/// and its gradient, which cannot be written into a reference, goes to a scratch buffer (the
/// expansion wrote into the field, E0596).
#[derive(Clone, Debug, Params)]
struct Anchored<'a> {
    w: Vec<f64>,
    #[params(skip)]
    data: &'a [f64],
    scale: f64,
}

impl Anchored<'_> {
    #[gradient(jvp, hvp)]
    fn loss(&self) -> f64 {
        let mut s = 0.0;
        for i in 0..self.w.len() {
            s += (self.w[i] * self.scale - self.data[i]).powi(2);
        }
        s
    }
}

#[test]
fn a_reference_field_is_data() {
    let data = [1.0, 2.0, -0.5];
    let m = Anchored {
        w: vec![0.3, -0.2, 0.9],
        data: &data,
        scale: 1.5,
    };
    let mut d = m.zeros_like();
    let v = m.loss_grad(&mut d);
    assert_eq!(v.to_bits(), m.loss().to_bits());
    let mut p = m.w.clone();
    p.push(m.scale);
    let mut g = d.w.clone();
    g.push(d.scale);
    let f = |p: &[f64]| {
        Anchored {
            w: p[..3].to_vec(),
            data: &data,
            scale: p[3],
        }
        .loss()
    };
    check_flat("anchored", &p, &f, v, &g).unwrap();
    let dir = Anchored {
        w: vec![0.5, -1.0, 0.25],
        data: &data,
        scale: 0.75,
    };
    let (v1, jv) = m.loss_jvp(&dir);
    assert_eq!(v1.to_bits(), v.to_bits());
    let dot: f64 = d.w.iter().zip(&dir.w).map(|(a, b)| a * b).sum::<f64>() + d.scale * dir.scale;
    assert!((jv - dot).abs() < 1e-12 * (1.0 + dot.abs()), "{jv} {dot}");
    let (mut d2, mut hv) = (m.zeros_like(), m.zeros_like());
    let v2 = m.loss_hvp(&dir, &mut d2, &mut hv);
    assert_eq!(v2.to_bits(), v.to_bits());
    assert_eq!(d2.w, d.w);
    let h = 1e-5;
    let at = |t: f64| {
        let q = Anchored {
            w: m.w.iter().zip(&dir.w).map(|(a, b)| a + t * b).collect(),
            data: &data,
            scale: m.scale + t * dir.scale,
        };
        let mut g = q.zeros_like();
        q.loss_grad(&mut g);
        g
    };
    let (gp, gm) = (at(h), at(-h));
    for k in 0..3 {
        let fd = (gp.w[k] - gm.w[k]) / (2.0 * h);
        assert!(
            (hv.w[k] - fd).abs() < 1e-5 * (1.0 + fd.abs()),
            "{hv:?} {fd}"
        );
    }
    let fd = (gp.scale - gm.scale) / (2.0 * h);
    assert!(
        (hv.scale - fd).abs() < 1e-5 * (1.0 + fd.abs()),
        "{hv:?} {fd}"
    );
}

/// A method taking an array (`x: &[f64; 3]`) called by another with a row of data rows
/// (`&xs[i]` of `xs: &[[f64; 3]]`): the rows' flattened part is passed as the array (it was
/// passed as `&[f64]`, E0308).
#[derive(Clone, Debug, Params)]
struct Head3 {
    w: [f64; 3],
}

impl Head3 {
    #[gradient]
    fn score(&self, x: &[f64; 3]) -> f64 {
        self.w[0] * x[0] + self.w[1] * x[1] + self.w[2] * x[2]
    }

    #[gradient]
    fn loss(&self, xs: &[[f64; 3]]) -> f64 {
        let mut l = 0.0;
        for i in 0..xs.len() {
            l += self.score(&xs[i]).tanh().powi(2);
        }
        l
    }
}

#[test]
fn an_array_method_given_rows() {
    let xs = [[1.0, 2.0, 3.0], [0.5, -0.5, 0.25]];
    let m = Head3 {
        w: [0.1, 0.2, -0.3],
    };
    let mut d = m.zeros_like();
    let v = m.loss_grad(&xs, &mut d);
    let f = |p: &[f64]| {
        Head3 {
            w: [p[0], p[1], p[2]],
        }
        .loss(&xs)
    };
    check_flat("head3", &m.w, &f, v, &d.w).unwrap();
}

/// A model's rows field iterated in windows (`for w in self.pos.windows(2)`, each `w[k][j]`):
/// refused before ("cannot follow a differentiated slice").
#[derive(Clone, Debug, Params)]
struct Polyline {
    pos: Vec<[f64; 2]>,
}

impl Polyline {
    #[gradient]
    fn length(&self) -> f64 {
        let mut s = 0.0;
        for w in self.pos.windows(2) {
            s += ((w[1][0] - w[0][0]).powi(2) + (w[1][1] - w[0][1]).powi(2)).sqrt();
        }
        s
    }
}

#[test]
fn a_rows_field_in_windows() {
    let m = Polyline {
        pos: vec![[0.0, 0.0], [1.0, 0.5], [2.0, 2.0], [2.5, 1.0]],
    };
    let mut d = m.zeros_like();
    let v = m.length_grad(&mut d);
    let flat: Vec<f64> = m.pos.iter().flatten().copied().collect();
    let g: Vec<f64> = d.pos.iter().flatten().copied().collect();
    let f = |p: &[f64]| {
        Polyline {
            pos: p.chunks(2).map(|c| [c[0], c[1]]).collect(),
        }
        .length()
    };
    check_flat("polyline", &flat, &f, v, &g).unwrap();
}

/// A model's enum of configuration (skipped), matched with a variant binding a float
/// (`Act::Leaky(s) => s * z`): the field is data (it was taken for a differentiated float).
#[derive(Clone, Copy, Debug)]
enum Act {
    Tanh,
    Leaky(f64),
}

#[derive(Clone, Debug, Params)]
struct Unit {
    w: f64,
    #[params(skip)]
    act: Act,
}

impl Unit {
    #[gradient]
    fn out(&self, x: f64) -> f64 {
        let z = self.w * x;
        match self.act {
            Act::Tanh => z.tanh(),
            Act::Leaky(s) => {
                if z > 0.0 {
                    z
                } else {
                    s * z
                }
            }
        }
    }
}

#[test]
fn an_enum_field_of_data() {
    for act in [Act::Tanh, Act::Leaky(0.1)] {
        for x in [-2.0, 1.5] {
            let u = Unit { w: 0.5, act };
            let mut d = u.zeros_like();
            let v = u.out_grad(x, &mut d);
            let f = |p: &[f64]| Unit { w: p[0], act }.out(x);
            check_flat("unit", &[u.w], &f, v, &[d.w]).unwrap();
        }
    }
}

/// A model method that hands its data on to a helper whose `wrt` leaves it out (`mse(&pred, y)`
/// with `wrt(pred)`, the usual way to write a loss), called from other `#[gradient]` functions;
/// and one whose helper differentiates what it is given, called by a function that
/// differentiates that data too.
#[derive(Clone, Debug, Params)]
struct Affine {
    w: f64,
    b: f64,
}

#[gradient(wrt(pred))]
fn mse_of(pred: &[f64], y: &[f64]) -> f64 {
    pred.iter()
        .zip(y)
        .map(|(p, t)| (p - t) * (p - t))
        .sum::<f64>()
        / pred.len() as f64
}

#[gradient(wrt(p))]
fn huber_of(p: f64, t: f64) -> f64 {
    let r = p - t;
    if r.abs() < 1.0 {
        0.5 * r * r
    } else {
        r.abs() - 0.5
    }
}

#[gradient]
fn gap(pred: &[f64], y: &[f64]) -> f64 {
    pred.iter()
        .zip(y)
        .map(|(p, t)| (p - t).powi(2))
        .sum::<f64>()
}

impl Affine {
    #[gradient]
    fn loss(&self, x: &[f64], y: &[f64], t: f64) -> f64 {
        let pred: Vec<f64> = x.iter().map(|v| self.w * v + self.b).collect();
        mse_of(&pred, y) + huber_of(self.b, t) + mse_of(&pred[1..], &y[1..])
    }

    #[gradient]
    fn fit(&self, x: &[f64], y: &[f64]) -> f64 {
        let pred: Vec<f64> = x.iter().map(|v| self.w * v + self.b).collect();
        gap(&pred, y)
    }
}

#[gradient(wrt(m))]
fn line_total(m: &Affine, x: &[f64], y: &[f64]) -> f64 {
    2.0 * m.loss(x, y, 0.25) + m.b * m.b
}

#[gradient(wrt(m, y))]
fn line_fit_data(m: &Affine, x: &[f64], y: &[f64]) -> f64 {
    m.fit(x, y) * 0.5
}

#[test]
fn model_methods_hand_data_to_helpers_that_leave_it_out() {
    let (x, y) = ([1.0, 2.0, 3.0, -0.5], [1.0, 1.5, 2.0, 0.3]);
    let m = Affine { w: 0.5, b: 0.1 };
    check_model(
        "Affine::loss",
        &m,
        |m| m.loss(&x, &y, 0.25),
        |m, d| m.loss_grad(&x, &y, 0.25, d),
    );
    check_model(
        "line_total",
        &m,
        |m| line_total(m, &x, &y),
        |m, d| line_total_grad(m, &x, &y, d),
    );
    let mut d = m.zeros_like();
    let mut d_y = [f64::NAN; 4];
    let value = line_fit_data_grad(&m, &x, &y, &mut d, &mut d_y);
    assert_eq!(value.to_bits(), line_fit_data(&m, &x, &y).to_bits());
    for k in 0..4 {
        let pred = m.w * x[k] + m.b;
        let want = 0.5 * -2.0 * (pred - y[k]);
        assert!(
            (d_y[k] - want).abs() < 1e-12,
            "d_y[{k}]: {} vs {want}",
            d_y[k]
        );
    }
    check_model(
        "line_fit_data",
        &m,
        |m| line_fit_data(m, &x, &y),
        |m, d| line_fit_data_grad(m, &x, &y, d, &mut [0.0; 4]),
    );
}

/// References to fields bound with their type written out (`let p: &f64 = &m.x0;`).
#[derive(Clone, Debug, Params)]
struct Refs {
    x0: f64,
    xs: Vec<f64>,
}

#[gradient(wrt(m), jvp, hvp)]
fn typed_field_refs(m: &Refs, n: usize) -> f64 {
    let p: &f64 = &m.x0;
    let r: &[f64] = &m.xs;
    let v: &Vec<f64> = &m.xs;
    *p * 0.5 + p.tanh() + r.iter().map(|x| x * x).sum::<f64>() * n as f64 + v[0] * *p
}

#[test]
fn typed_references_to_fields() {
    let m = Refs {
        x0: 0.5,
        xs: vec![1.0, -0.25],
    };
    check_model(
        "typed_field_refs",
        &m,
        |m| typed_field_refs(m, 2),
        |m, d| typed_field_refs_grad(m, 2, d),
    );
}

/// Found by the differential tester's long mode (seed 61002, pre-existing): a model method that
/// passes a differentiated slice on to a `#[gradient]` method of a struct-literal local, called
/// whole by another model method. Its derivation for callers left the slice out, and the caller
/// took no derivative for it, silently (the gradient of `xs` was all zeros).
pub struct Scorer {
    k: f64,
}

impl Scorer {
    #[gradient(wrt(dx, dys))]
    fn score(&self, dx: f64, dys: &[f64]) -> f64 {
        self.k * dx.tanh() + dys[0].tanh()
    }
}

#[derive(Clone, Params)]
pub struct PassInner {
    x0: f64,
}

#[derive(Clone, Params)]
pub struct PassOuter {
    inner: PassInner,
}

impl PassInner {
    #[gradient(wrt(self, xs))]
    fn body(&self, xs: &[f64]) -> f64 {
        let a = xs[0] * xs[1] * self.x0;
        let scorer = Scorer { k: 1.25 };
        let v = scorer.score(a * 0.5, xs);
        a + v
    }

    /// The same with `xs` left out of its own `wrt`: a caller that differentiates `xs` is told.
    #[gradient(wrt(self))]
    fn body_of_self(&self, xs: &[f64]) -> f64 {
        let scorer = Scorer { k: 1.25 };
        self.x0 * scorer.score(self.x0, xs)
    }
}

impl PassOuter {
    #[gradient(wrt(self, xs))]
    fn top(&self, xs: &[f64]) -> f64 {
        self.inner.body(xs) * 0.75 + self.inner.x0
    }

    #[gradient(wrt(self, xs))]
    fn top_of_self(&self, xs: &[f64]) -> f64 {
        self.inner.body_of_self(xs) * 0.75
    }
}

#[test]
fn slices_passed_on_to_methods_of_data_by_model_methods() {
    let m = PassOuter {
        inner: PassInner { x0: 1.5 },
    };
    let xs = [0.7, -1.3];
    let mut dm = PassOuter {
        inner: PassInner { x0: f64::NAN },
    };
    let mut dxs = [f64::NAN; 2];
    let v = m.top_grad(&xs, &mut dm, &mut dxs);
    assert_eq!(v.to_bits(), m.top(&xs).to_bits());
    let all = [1.5, xs[0], xs[1]];
    let f = |p: &[f64]| {
        PassOuter {
            inner: PassInner { x0: p[0] },
        }
        .top(&p[1..])
    };
    check_flat("top", &all, &f, v, &[dm.inner.x0, dxs[0], dxs[1]]).unwrap();
    // Not silently zero: a run-time message naming the method.
    let caught = std::panic::catch_unwind(|| {
        let mut dm = PassOuter {
            inner: PassInner { x0: 0.0 },
        };
        let mut dxs = [0.0; 2];
        m.top_of_self_grad(&xs, &mut dm, &mut dxs)
    });
    let message = caught.expect_err("a derivative that is not there must not be zero");
    let text = message
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| message.downcast_ref::<&str>().map(ToString::to_string))
        .unwrap_or_default();
    assert!(
        text.contains("`body_of_self` is called with a differentiated value"),
        "{text}"
    );
}

/// A model method calling another whose body passes a field to a helper's parameter left out
/// of its `wrt` beside a float it does not differentiate: the callee's table zeroes that float
/// (it cannot be differentiated), but its slot is still in the `__model` derivation's gradient,
/// so the caller's slot for a later float counts it (seed 81001's g105 read the wrong slot).
#[derive(Clone, grad::Params)]
struct Passing {
    x0: f64,
}

#[gradient(wrt(a))]
fn passing_helper(a: f64, s: f64) -> f64 {
    a * (0.5 + 0.125 * s.sin())
}

impl Passing {
    #[gradient(wrt(self, x2))]
    fn inner(&self, x1: f64, x2: f64) -> f64 {
        x2 * x2 + passing_helper(self.x0, x1)
    }

    #[gradient(wrt(self, x2))]
    fn outer(&self, x1: f64, x2: f64) -> f64 {
        self.inner(x1, x2) * 0.75 + Self::inner(self, x1, x2) + self.x0
    }
}

#[test]
fn slots_of_a_model_call_past_a_float_left_out() {
    let m = Passing { x0: 0.7 };
    let mut g = m.zeros_like();
    let (v, [dx2]) = m.outer_grad(0.3, 0.8, &mut g);
    assert_eq!(v.to_bits(), m.outer(0.3, 0.8).to_bits());
    let h = 1e-6;
    let fx2 = (m.outer(0.3, 0.8 + h) - m.outer(0.3, 0.8 - h)) / (2.0 * h);
    let fx0 = (Passing { x0: 0.7 + h }.outer(0.3, 0.8) - Passing { x0: 0.7 - h }.outer(0.3, 0.8))
        / (2.0 * h);
    assert!((dx2 - fx2).abs() < 1e-6, "{dx2} vs {fx2}");
    assert!((g.x0 - fx0).abs() < 1e-6, "{} vs {fx0}", g.x0);
}

/// Layer sizes, an order and a mask stored in the model as sequences of integers and flags.
#[derive(Clone, Debug, Params)]
struct Sized {
    layers: Vec<SizedLayer>,
    #[params(skip)]
    sizes: Vec<usize>,
    // Data without `#[params(skip)]`: sequences of integers and flags.
    order: Vec<usize>,
    mask: Vec<bool>,
}

#[derive(Clone, Debug, Params)]
struct SizedLayer {
    w: Vec<f64>,
    b: Vec<f64>,
}

impl Sized {
    fn new() -> Self {
        let wave = |k: usize| ((k as f64) * 0.9).sin() * 0.6;
        Sized {
            layers: vec![
                SizedLayer {
                    w: (0..6).map(wave).collect(),
                    b: (0..3).map(|k| wave(k + 20)).collect(),
                },
                SizedLayer {
                    w: (0..3).map(|k| wave(k + 40)).collect(),
                    b: vec![0.05],
                },
            ],
            sizes: vec![2, 3, 1],
            order: vec![1, 0],
            mask: vec![true, false, true],
        }
    }

    /// The sizes bound to locals first, the way an MLP's forward pass is usually written.
    #[gradient(jvp)]
    fn bound(&self, x: &[f64], y: f64) -> f64 {
        let mut a = x.to_vec();
        for (l, layer) in self.layers.iter().enumerate() {
            let n_out = self.sizes[l + 1];
            let n_in = self.sizes[l];
            let mut z = vec![0.0; n_out];
            for o in 0..n_out {
                z[o] = layer.b[o];
                for i in 0..n_in {
                    z[o] += layer.w[o * n_in + i] * a[i];
                }
                if l + 1 < self.layers.len() {
                    z[o] = z[o].tanh();
                }
            }
            a = z;
        }
        (a[0] - y).powi(2)
    }

    /// The same entries read where they are used: a bound, an index, a flag, a cast.
    #[gradient]
    fn inline(&self, x: &[f64]) -> f64 {
        let mut s = 0.0;
        for o in 0..self.sizes[1] {
            let mut z = self.layers[0].b[o];
            for i in 0..self.sizes[0] {
                z += self.layers[0].w[o * self.sizes[0] + i] * x[self.order[i]];
            }
            if self.mask[o] {
                s += z.tanh() * self.sizes[o] as f64;
            } else {
                s -= z * z;
            }
        }
        let k = self.order[0];
        s + self.layers[1].w[k] * 0.5
    }
}

#[test]
fn integer_and_flag_sequences_of_a_model_are_data() {
    let m = Sized::new();
    let x = [0.4, -1.1];
    check_model(
        "bound",
        &m,
        |m| m.bound(&x, 0.3),
        |m, d| m.bound_grad(&x, 0.3, d),
    );
    check_model("inline", &m, |m| m.inline(&x), |m, d| m.inline_grad(&x, d));
    // Forward mode along the gradient gives its squared norm.
    let mut d = m.zeros_like();
    let v = m.bound_grad(&x, 0.3, &mut d);
    let (vj, dir) = m.bound_jvp(&x, 0.3, &d);
    assert_eq!(v.to_bits(), vj.to_bits());
    let norm2: f64 = d.to_flat().iter().map(|g| g * g).sum();
    assert!(
        (dir - norm2).abs() <= 1e-12 * (1.0 + norm2),
        "{dir} vs {norm2}"
    );
}

/// `Model::zeros_like(&m)` where the trait is not imported: the derive's own method.
mod without_the_trait {
    #[derive(Clone, grad::Params)]
    pub struct Tiny {
        pub w: Vec<f64>,
        pub b: f64,
    }

    #[grad::gradient(wrt(m))]
    pub fn loss(m: &Tiny, x: f64) -> f64 {
        m.w[0] * x + m.b
    }

    #[test]
    fn zeros_like_needs_no_import() {
        let m = Tiny {
            w: vec![2.0],
            b: 1.0,
        };
        let mut d = Tiny::zeros_like(&m);
        let also = m.zeros_like();
        assert_eq!((also.w, also.b), (vec![0.0], 0.0));
        let v = loss_grad(&m, 3.0, &mut d);
        assert_eq!(v.to_bits(), loss(&m, 3.0).to_bits());
        assert_eq!((d.w[0], d.b), (3.0, 1.0));
    }
}

/// A model generic over its float (`Linear<T: Float>`), differentiated by a generic free function
/// and by a method of a generic impl, in f32 and f64, with the forward and second-order modes:
/// the bounds `T: Float` alone do not say the model is `Params` of `T`, which the generated
/// functions supply.
mod generic_models {
    use grad::gradient;
    use grad::runtime::Params;
    use num_traits::Float;

    #[derive(Clone, Debug, PartialEq, grad::Params)]
    pub struct Linear<T: Float> {
        pub w: Vec<T>,
        pub b: T,
    }

    #[gradient(wrt(m), jvp, hvp)]
    pub fn loss<T: Float>(m: &Linear<T>, x: &[T], y: T) -> T {
        let mut z = m.b;
        for (w, x) in m.w.iter().zip(x) {
            z = z + *w * *x;
        }
        (z - y).powi(2) + T::from(0.5).unwrap() * m.b * m.b
    }

    impl<T: Float> Linear<T> {
        #[gradient(wrt(self), jvp, hvp)]
        pub fn cost(&self, x: &[T], y: T) -> T {
            let z = self
                .w
                .iter()
                .zip(x)
                .fold(self.b, |acc, (w, x)| acc + *w * *x);
            (z - y).powi(2) + T::from(0.5).unwrap() * self.b * self.b
        }
    }

    // r = w·x + b − y; ∂/∂w_i = 2r·x_i, ∂/∂b = 2r + b.
    fn expected(m: &Linear<f64>, x: &[f64], y: f64) -> Linear<f64> {
        let r = m.w.iter().zip(x).map(|(w, x)| w * x).sum::<f64>() + m.b - y;
        Linear {
            w: x.iter().map(|x| 2.0 * r * x).collect(),
            b: 2.0 * r + m.b,
        }
    }

    #[test]
    fn free_function_and_method_in_f64() {
        let m = Linear {
            w: vec![0.3, -0.2],
            b: 0.1,
        };
        let x = [1.5, 2.0];
        let want = expected(&m, &x, 0.5);
        let mut d = Linear::zeros_like(&m);
        let v = loss_grad(&m, &x, 0.5, &mut d);
        assert_eq!(v.to_bits(), loss(&m, &x, 0.5).to_bits());
        assert_eq!(d, want);
        let mut e = Linear::zeros_like(&m);
        let v = m.cost_grad(&x, 0.5, &mut e);
        assert_eq!(v.to_bits(), m.cost(&x, 0.5).to_bits());
        assert_eq!(e, want);
        // The JVP is the gradient along v; H·v of (w·x + b − y)² + b²/2 is 2(v·(x, 1))·(x, 1) + (0, v_b).
        let dir = Linear {
            w: vec![1.0, -1.0],
            b: 0.5,
        };
        let (jv, dv) = loss_jvp(&m, &x, 0.5, &dir);
        assert_eq!(jv.to_bits(), v.to_bits());
        let along = want.w[0] - want.w[1] + 0.5 * want.b;
        assert!((dv - along).abs() < 1e-12, "{dv} vs {along}");
        let (mut dh, mut hv) = (Linear::zeros_like(&m), Linear::zeros_like(&m));
        let hv_value = m.cost_hvp(&x, 0.5, &dir, &mut dh, &mut hv);
        assert_eq!(hv_value.to_bits(), v.to_bits());
        let s = 2.0 * (1.0 * 1.5 - 1.0 * 2.0 + 0.5);
        let h = Linear {
            w: vec![s * 1.5, s * 2.0],
            b: s + 0.5,
        };
        assert!(
            hv.w.iter().zip(&h.w).all(|(a, b)| (a - b).abs() < 1e-12),
            "{hv:?}"
        );
        assert!((hv.b - h.b).abs() < 1e-12, "{hv:?}");
        assert_eq!(dh, want);
    }

    #[test]
    fn the_same_code_in_f32() {
        let m = Linear {
            w: vec![0.5_f32, 0.25],
            b: 0.5,
        };
        let mut d = Linear::zeros_like(&m);
        let v = loss_grad(&m, &[2.0, 4.0], 1.0, &mut d);
        assert_eq!(v.to_bits(), loss(&m, &[2.0, 4.0], 1.0).to_bits());
        // r = 1 + 1 + 0.5 − 1 = 1.5: exact in f32.
        assert_eq!(
            d,
            Linear {
                w: vec![6.0, 12.0],
                b: 3.5
            }
        );
        let mut e = Linear::zeros_like(&m);
        m.cost_grad(&[2.0, 4.0], 1.0, &mut e);
        assert_eq!(e, d);
        assert_eq!(d.num_params(), 3);
    }
}

/// A model's rows fields (`[[T; 2]; 3]`, `Vec<[T; 2]>`) taken apart by slice patterns: in a
/// `for`, after `.enumerate()`, in a closure's parameter.
mod rows_taken_apart {
    use grad::gradient;
    use grad::runtime::Params;

    #[derive(Clone, grad::Params)]
    pub struct Points {
        pub rs: [[f64; 2]; 3],
        pub vs: Vec<[f64; 2]>,
        pub b: f64,
    }

    #[gradient(wrt(m))]
    pub fn energy(m: &Points) -> f64 {
        let mut s = 0.0;
        for &[a, b] in m.rs.iter() {
            s += a * b;
        }
        for (i, [a, b]) in m.vs.iter().enumerate() {
            s += a * b * i as f64;
        }

        s + m.rs.iter().map(|&[a, b]| a - b * b).sum::<f64>() + m.b
    }

    /// The rows fields end to end (`concat()`, `iter().flatten()`, `as_flattened()`) and in
    /// reverse (`.rev().skip(1)` in a `for` and a reduction).
    #[gradient(wrt(m))]
    pub fn flat_energy(m: &Points) -> f64 {
        let all = m.vs.concat();
        let mut s = 0.0;
        for row in m.rs.iter().rev().skip(1) {
            s = s * 0.5 + row[0] * row[1];
        }
        s + all[0] * m.rs.iter().flatten().map(|v| v.sin()).sum::<f64>()
            + m.rs.as_flattened().iter().product::<f64>()
            + m.vs.iter().rev().map(|r| r[1]).sum::<f64>()
    }

    #[test]
    fn by_slice_patterns() {
        let m = Points {
            rs: [[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]],
            vs: vec![[0.7, 0.8], [-0.9, 1.0]],
            b: 0.5,
        };
        let mut d = Points::zeros_like(&m);
        let v = energy_grad(&m, &mut d);
        assert_eq!(v.to_bits(), energy(&m).to_bits());
        // ∂/∂rs[i] = (b + 1, a − 2b); ∂/∂vs[i] = i·(b, a); ∂/∂b = 1.
        let want = [
            1.2, -0.3, 0.6, 1.1, 1.6, -0.7, // rs
            0.0, 0.0, 1.0, -0.9, // vs
            1.0,
        ];
        let got = d.to_flat();
        assert!(
            got.iter().zip(want).all(|(g, w)| (g - w).abs() < 1e-12),
            "{got:?}"
        );
    }

    #[test]
    fn end_to_end() {
        let m = Points {
            rs: [[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]],
            vs: vec![[0.7, 0.8], [-0.9, 1.0]],
            b: 0.5,
        };
        let mut d = Points::zeros_like(&m);
        let v = flat_energy_grad(&m, &mut d);
        assert_eq!(v.to_bits(), flat_energy(&m).to_bits());
        let p = m.to_flat();
        let got = d.to_flat();
        for k in 0..p.len() {
            let h = 1e-6;
            let at = |dx: f64| {
                let mut q = p.clone();
                q[k] += dx;
                flat_energy(&m.with_flat(&q))
            };
            let fd = (at(h) - at(-h)) / (2.0 * h);
            assert!((got[k] - fd).abs() < 1e-6, "{k}: {} vs {fd}", got[k]);
        }
    }
}

/// Models passed by value (`fn f(i: Input) -> f64` with `wrt(i)`, as Enzyme's and
/// `std::autodiff`'s tests pass small structs): `NAME_grad` takes the model by value too, the
/// gradient is a model of its type; with a `Copy` struct and with one holding a `Vec`, beside
/// other parameters, in every mode, and called from another such function.
mod by_value {
    use super::check_model;
    use grad::{gradient, Params};

    #[derive(Clone, Copy, Debug, Params)]
    struct Input {
        x: f64,
        y: f64,
    }

    #[derive(Clone, Debug, Params)]
    struct Poly {
        c: Vec<f64>,
        shift: f64,
        #[params(skip)]
        label: &'static str,
    }

    #[gradient(jvp, hvp, wrt(i))]
    fn pair(i: Input, k: f64) -> f64 {
        i.x * i.y.sin() + k * i.x * i.x
    }

    #[gradient(wrt(p, t))]
    fn poly(p: Poly, t: f64) -> f64 {
        assert!(!p.label.is_empty());
        p.c.iter()
            .rev()
            .fold(0.0, |acc, &c| acc * (t - p.shift) + c)
    }

    #[gradient(wrt(i))]
    fn twice(i: Input) -> f64 {
        2.0 * pair(i, 0.5) + i.y
    }

    /// A method whose `self` is data, differentiating a model parameter (by reference and by
    /// value), in every mode.
    struct Spring {
        k: f64,
    }

    #[gradient]
    impl Spring {
        #[gradient(jvp, hvp, wrt(p))]
        fn energy(&self, p: &Input) -> f64 {
            self.k * (p.x * p.x + p.y.sin())
        }

        #[gradient(jvp, hvp, wrt(p))]
        fn energy_of(&self, p: Input) -> f64 {
            self.k * (p.x * p.x + p.y.sin())
        }
    }

    #[test]
    fn methods_of_data_with_a_model() {
        let s = Spring { k: 1.5 };
        let p = Input { x: 0.5, y: 1.25 };
        check_model("energy", &p, |m| s.energy(m), |m, d| s.energy_grad(m, d));
        check_model(
            "energy_of",
            &p,
            |m| s.energy_of(*m),
            |m, d| s.energy_of_grad(*m, d),
        );
        let v = Input { x: 1.0, y: -0.5 };
        let (a, da) = s.energy_jvp(&p, &v);
        let (b, db) = s.energy_of_jvp(p, &v);
        let want = 1.5 * (2.0 * p.x * v.x + p.y.cos() * v.y);
        assert_eq!(a.to_bits(), s.energy(&p).to_bits());
        assert_eq!(b.to_bits(), a.to_bits());
        assert!((da - want).abs() < 1e-12 && (db - want).abs() < 1e-12);
        let (mut g, mut hv) = (p, p);
        let c = s.energy_of_hvp(p, &v, &mut g, &mut hv);
        assert_eq!(c.to_bits(), a.to_bits());
        assert!((hv.x - 3.0 * v.x).abs() < 1e-12);
        assert!((hv.y + 1.5 * p.y.sin() * v.y).abs() < 1e-12);
        let mut hess = [0.0; 4];
        s.energy_hessian(&p, &mut g, &mut hess);
        assert!((hess[0] - 3.0).abs() < 1e-12 && hess[1] == 0.0);
    }

    #[test]
    fn models_by_value() {
        let i = Input { x: 0.7, y: -1.3 };
        check_model(
            "pair",
            &i,
            |m| pair(*m, 0.25),
            |m, d| pair_grad(*m, 0.25, d),
        );
        check_model("twice", &i, |m| twice(*m), |m, d| twice_grad(*m, d));
        // Forward and second order: the tangent and products are models too.
        let v = Input { x: 0.5, y: 2.0 };
        let mut d = Input { x: 0.0, y: 0.0 };
        let value = pair_grad(i, 0.25, &mut d);
        let (jv, dot) = pair_jvp(i, 0.25, &v);
        assert_eq!(jv.to_bits(), value.to_bits());
        let want = d.x * v.x + d.y * v.y;
        assert!((dot - want).abs() < 1e-12, "{dot} {want}");
        let mut hv = Input { x: 0.0, y: 0.0 };
        let mut d2 = Input { x: 0.0, y: 0.0 };
        let hv_value = pair_hvp(i, 0.25, &v, &mut d2, &mut hv);
        assert_eq!(hv_value.to_bits(), value.to_bits());
        assert!((d2.x - d.x).abs() < 1e-15 && (d2.y - d.y).abs() < 1e-15);
        // H = [[2k, cos y], [cos y, -x sin y]]
        let (hxx, hxy, hyy) = (0.5, i.y.cos(), -i.x * i.y.sin());
        assert!((hv.x - (hxx * v.x + hxy * v.y)).abs() < 1e-12, "{hv:?}");
        assert!((hv.y - (hxy * v.x + hyy * v.y)).abs() < 1e-12, "{hv:?}");
        let mut hess = [0.0; 4];
        let mut d3 = Input { x: 0.0, y: 0.0 };
        pair_hessian(i, 0.25, &mut d3, &mut hess);
        assert!((hess[1] - hxy).abs() < 1e-12 && (hess[3] - hyy).abs() < 1e-12);

        let p = Poly {
            c: vec![0.5, -1.0, 0.25],
            shift: 0.3,
            label: "quadratic",
        };
        let mut dp = Poly {
            c: vec![f64::NAN; 3],
            shift: f64::NAN,
            label: "",
        };
        let (value, [dt]) = poly_grad(p.clone(), 1.1, &mut dp);
        assert_eq!(value.to_bits(), poly(p.clone(), 1.1).to_bits());
        check_model(
            "poly",
            &p,
            |m| poly(m.clone(), 1.1),
            |m, d| poly_grad(m.clone(), 1.1, d).0,
        );
        let h = 1e-6;
        let fd = (poly(p.clone(), 1.1 + h) - poly(p.clone(), 1.1 - h)) / (2.0 * h);
        assert!((dt - fd).abs() < 1e-8, "{dt} {fd}");
    }
}

#[derive(Clone, Debug, Params)]
struct Cell {
    ws: [[f64; 2]; 3],
    h0: [f64; 2],
}

impl Cell {
    /// The matrix field copied whole into a local state that is then written.
    #[gradient(wrt(self))]
    fn stepped(&self, x: f64) -> f64 {
        let mut h = self.ws;
        for _ in 0..2 {
            h[1][0] = h[0][0] * 0.5 + h[2][1] * x;
            h[2][1] += (h[1][0] * self.h0[1]).tanh();
        }
        h[1][0] + h[2][1] * h[0][1]
    }
}

/// A model's matrix field `[[T; N]; M]` (and a matrix parameter) copied whole into a local that
/// is then written, `let mut h = m.ws;`: "reads the differentiated rows by index" before.
#[gradient(wrt(m, g))]
fn matrix_copied(m: &Cell, g: &[[f64; 2]; 2], x: f64) -> f64 {
    let mut h = m.ws;
    let mut k = *g;
    h[1][0] = h[0][0] * 0.5 + h[2][1] * x;
    k[0][1] *= h[1][0];
    h[1][0] * h[2][0] + k[0][1] + k[1][1] * x
}

#[test]
fn matrices_copied_whole_from_fields_and_parameters() {
    let m = Cell {
        ws: [[0.5, 0.2], [0.1, -0.3], [0.7, -0.4]],
        h0: [0.2, 0.9],
    };
    check_model(
        "stepped",
        &m,
        |m| m.stepped(0.6),
        |m, d| m.stepped_grad(0.6, d),
    );
    let g = [[0.3, -0.8], [1.1, 0.4]];
    let mut d_g = [[0.0; 2]; 2];
    let mut d_m = m.zeros_like();
    let v = matrix_copied_grad(&m, &g, 0.6, &mut d_m, &mut d_g);
    assert_eq!(v.to_bits(), matrix_copied(&m, &g, 0.6).to_bits());
    check_model(
        "matrix_copied",
        &m,
        |m| matrix_copied(m, &g, 0.6),
        |m, d| matrix_copied_grad(m, &g, 0.6, d, &mut [[0.0; 2]; 2]),
    );
    // ∂/∂g[0][1] = h[1][0], ∂/∂g[1][1] = x, nothing else reads `g`.
    let h10 = m.ws[0][0] * 0.5 + m.ws[2][1] * 0.6;
    assert_eq!(d_g, [[0.0, h10], [0.0, 0.6]]);
}
