//! Models built from layers (issue 9): `#[gradient]` methods of a model's fields
//! (`self.hidden.forward(x)`), vector-valued methods (`fn forward(&self, x) -> Vec<T>`, with
//! `NAME_vjp` and `NAME_jacobian` over the model), methods of the model itself returning a
//! vector, nested two levels, called from methods and from free functions given the model.
//! Each gradient against central differences over the model's flat view, the value bit for bit.

#![allow(clippy::needless_range_loop)]

use grad::{gradient, Params};

#[derive(Clone, Debug, Params)]
struct Dense {
    w: Vec<f64>,
    b: Vec<f64>,
}

impl Dense {
    /// `tanh(W x + b)`, `W` row-major; its VJP also gives the cotangent of `x`.
    #[gradient(wrt(self, x))]
    fn forward(&self, x: &[f64]) -> Vec<f64> {
        let n = x.len();
        let mut out = vec![0.0; self.b.len()];
        for k in 0..self.b.len() {
            let mut a = self.b[k];
            for j in 0..n {
                a += self.w[k * n + j] * x[j];
            }
            out[k] = a.tanh();
        }
        out
    }

    /// A scalar method (forward mode too).
    #[gradient(jvp)]
    fn energy(&self, x: &[f64]) -> f64 {
        self.w
            .iter()
            .zip(x)
            .map(|(w, v)| (w * v).sin())
            .sum::<f64>()
            + self.b[0]
    }

    /// Calls between vector-valued methods of one struct.
    #[gradient]
    fn twice(&self, x: &[f64]) -> f64 {
        let h = self.forward(x);
        let h2 = self.forward(&h);
        h2.iter().sum::<f64>()
    }
}

#[derive(Clone, Debug, Params)]
struct Mlp {
    hidden: Dense,
    out: Dense,
}

impl Mlp {
    /// The model's own vector-valued method, through its layers.
    #[gradient]
    fn predict(&self, x: &[f64]) -> Vec<f64> {
        let h = self.hidden.forward(x);
        self.out.forward(&h)
    }

    /// The loss as users write it: layers called per sample.
    #[gradient]
    fn loss(&self, x: &[f64], y: &[f64]) -> f64 {
        let d = 2;
        let mut s = 0.0;
        for i in 0..y.len() {
            let h = self.hidden.forward(&x[i * d..(i + 1) * d]);
            let o = self.out.forward(&h);
            s += (o[0] - y[i]).powi(2);
        }
        s / y.len() as f64
    }
}

/// A free function given the model: its vector-valued method, a field's method, a field read.
#[gradient(wrt(m))]
fn free_loss(m: &Mlp, x: &[f64], y: f64) -> f64 {
    let p = m.predict(x);
    let q = m.hidden.forward(x);
    (p[0] - y).powi(2) + q[1] * m.out.b[0] + m.hidden.energy(x)
}

/// Two levels: the encoder's method calls its layer's.
#[derive(Clone, Debug, Params)]
struct Encoder {
    l1: Dense,
    scale: f64,
}

impl Encoder {
    #[gradient]
    fn encode(&self, x: &[f64]) -> Vec<f64> {
        let h = self.l1.forward(x);
        let mut out = vec![0.0; h.len()];
        for k in 0..h.len() {
            out[k] = h[k] * self.scale;
        }
        out
    }
}

#[derive(Clone, Debug, Params)]
struct Auto {
    enc: Encoder,
    dec: Dense,
}

impl Auto {
    #[gradient]
    fn loss(&self, x: &[f64]) -> f64 {
        let z = self.enc.encode(x);
        let r = self.dec.forward(&z);
        r.iter().zip(x).map(|(a, b)| (a - b) * (a - b)).sum::<f64>() + self.enc.l1.energy(x)
    }
}

/// Central differences of `f` over the flat view of `m`.
fn fd_model<M: Params<Scalar = f64> + Clone>(m: &M, f: impl Fn(&M) -> f64) -> Vec<f64> {
    let flat = m.to_flat();
    let h = 1e-6;
    (0..flat.len())
        .map(|k| {
            let (mut p, mut q) = (flat.clone(), flat.clone());
            p[k] += h;
            q[k] -= h;
            let (mut mp, mut mq) = (m.clone(), m.clone());
            mp.read_flat(&p);
            mq.read_flat(&q);
            (f(&mp) - f(&mq)) / (2.0 * h)
        })
        .collect()
}

fn close(what: &str, got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= 1e-6 * (1.0 + w.abs()),
            "{what}[{k}]: {g} against {w}"
        );
    }
}

fn dense(w: &[f64], b: &[f64]) -> Dense {
    Dense {
        w: w.to_vec(),
        b: b.to_vec(),
    }
}

fn mlp() -> Mlp {
    Mlp {
        hidden: dense(&[0.1, 0.2, 0.3, 0.4], &[0.3, -0.1]),
        out: dense(&[0.5, -0.7], &[0.05]),
    }
}

#[test]
fn loss_through_layer_methods() {
    let m = mlp();
    let (x, y) = ([1.0, 2.0, -0.5, 0.3], [0.2, 0.4]);
    let mut g = m.zeros_like();
    let v = m.loss_grad(&x, &y, &mut g);
    assert_eq!(v.to_bits(), m.loss(&x, &y).to_bits());
    close("mlp", &g.to_flat(), &fd_model(&m, |m| m.loss(&x, &y)));
}

#[test]
fn free_function_given_a_model_of_layers() {
    let m = mlp();
    let x = [1.0, 2.0];
    let mut g = m.zeros_like();
    let v = free_loss_grad(&m, &x, 0.3, &mut g);
    assert_eq!(v.to_bits(), free_loss(&m, &x, 0.3).to_bits());
    close(
        "free",
        &g.to_flat(),
        &fd_model(&m, |m| free_loss(m, &x, 0.3)),
    );
}

#[test]
fn vjp_and_jacobian_of_a_vector_valued_method() {
    let d = dense(&[0.1, 0.2, 0.3, 0.4], &[0.3, -0.1]);
    let x = [1.0, 2.0];
    let u = [1.0, 0.5];
    let mut dd = d.zeros_like();
    let mut dx = [0.0; 2];
    let (value, scalars) = d.forward_vjp(&x, &u, &mut dd, &mut dx);
    assert_eq!(value, d.forward(&x));
    assert!(scalars.is_empty());
    let dot = |d: &Dense, x: &[f64]| d.forward(x).iter().zip(&u).map(|(o, c)| o * c).sum::<f64>();
    close("d_self", &dd.to_flat(), &fd_model(&d, |d| dot(d, &x)));
    let h = 1e-6;
    let want_x: Vec<f64> = (0..2)
        .map(|k| {
            let (mut p, mut q) = (x, x);
            p[k] += h;
            q[k] -= h;
            (dot(&d, &p) - dot(&d, &q)) / (2.0 * h)
        })
        .collect();
    close("d_x", &dx, &want_x);
    // Rows: the model's entries (flat order); without `wrt`, `self` alone.
    let m = mlp();
    let (value, jac) = m.predict_jacobian(&x);
    assert_eq!(value, m.predict(&x));
    assert_eq!(jac.len(), 1);
    close("row 0", &jac[0], &fd_model(&m, |m| m.predict(&x)[0]));
    // With `wrt(self, x)`: then `x`'s entries.
    let (_, jac) = d.forward_jacobian(&x);
    let n = d.num_params();
    assert_eq!(jac[1].len(), n + 2);
    close("row 1", &jac[1][..n], &fd_model(&d, |d| d.forward(&x)[1]));
}

#[test]
fn calls_between_vector_valued_methods_of_one_struct() {
    let d = dense(&[0.1, 0.2, 0.3, 0.4], &[0.3, -0.1]);
    let x = [1.0, 2.0];
    let mut g = d.zeros_like();
    let v = d.twice_grad(&x, &mut g);
    assert_eq!(v.to_bits(), d.twice(&x).to_bits());
    close("twice", &g.to_flat(), &fd_model(&d, |d| d.twice(&x)));
}

#[test]
fn nested_two_levels() {
    let a = Auto {
        enc: Encoder {
            l1: dense(&[0.1, 0.2, 0.3, 0.4], &[0.3, -0.1]),
            scale: 1.3,
        },
        dec: dense(&[0.5, -0.7, 0.2, 0.9], &[0.05, -0.2]),
    };
    let x = [0.6, -0.4];
    let mut g = a.zeros_like();
    let v = a.loss_grad(&x, &mut g);
    assert_eq!(v.to_bits(), a.loss(&x).to_bits());
    close("auto", &g.to_flat(), &fd_model(&a, |a| a.loss(&x)));
}

#[derive(Clone, Debug, Params)]
struct Predicted {
    m: Mlp,
    c: f64,
}

impl Predicted {
    /// Forward mode through a field's vector-valued methods.
    #[gradient(jvp)]
    fn loss(&self, x: &[f64]) -> f64 {
        let p = self.m.predict(x);
        let h = self.m.hidden.forward(x);
        (p[0] - self.c).powi(2) + h[0] * h[1]
    }
}

#[test]
fn forward_mode_through_vector_valued_methods() {
    let m = Predicted { m: mlp(), c: 0.3 };
    let mut t = m.clone();
    let flat: Vec<f64> = (0..m.num_params())
        .map(|k| ((7 * k + 3) % 11) as f64 / 4.0 - 1.25)
        .collect();
    t.read_flat(&flat);
    let x = [1.0, 2.0];
    let (v, dv) = m.loss_jvp(&x, &t);
    assert_eq!(v.to_bits(), m.loss(&x).to_bits());
    let mut g = m.zeros_like();
    let _ = m.loss_grad(&x, &mut g);
    let want: f64 = g.to_flat().iter().zip(&flat).map(|(a, b)| a * b).sum();
    assert!((dv - want).abs() < 1e-12, "{dv} against {want}");
}

#[derive(Clone, Debug, Params)]
struct Scored {
    a: Dense,
    s: f64,
}

impl Scored {
    #[gradient(jvp)]
    fn loss(&self, x: &[f64]) -> f64 {
        self.a.energy(x) * self.s
    }
}

#[test]
fn forward_mode_through_a_field_method() {
    let m = Scored {
        a: dense(&[0.1, 0.2], &[0.3, -0.1]),
        s: 1.5,
    };
    let t = Scored {
        a: dense(&[1.0, 0.5], &[-0.3, 0.2]),
        s: 0.7,
    };
    let x = [1.0, 2.0];
    let (v, dv) = m.loss_jvp(&x, &t);
    assert_eq!(v.to_bits(), m.loss(&x).to_bits());
    let mut g = m.zeros_like();
    let _ = m.loss_grad(&x, &mut g);
    let want: f64 = g
        .to_flat()
        .iter()
        .zip(t.to_flat())
        .map(|(a, b)| a * b)
        .sum();
    assert!((dv - want).abs() < 1e-12, "{dv} against {want}");
}

/// Generic over the float type, in `f32` and `f64`.
#[derive(Clone, Debug, Params)]
struct GDense<T> {
    w: Vec<T>,
}

impl<T: grad::Real> GDense<T> {
    #[gradient]
    fn forward(&self, x: &[T]) -> Vec<T> {
        let mut out = vec![T::zero(); x.len()];
        for k in 0..x.len() {
            out[k] = (self.w[k] * x[k]).tanh();
        }
        out
    }
}

#[derive(Clone, Debug, Params)]
struct GNet<T> {
    l: GDense<T>,
}

impl<T: grad::Real> GNet<T> {
    #[gradient]
    fn loss(&self, x: &[T]) -> T {
        let h = self.l.forward(x);
        h[0] * h[1]
    }
}

#[test]
fn generic_layers_f32_and_f64() {
    let n = GNet {
        l: GDense {
            w: vec![0.5_f32, -0.25],
        },
    };
    let x = [1.0_f32, 2.0];
    let mut g = n.zeros_like();
    let v = n.loss_grad(&x, &mut g);
    assert_eq!(v.to_bits(), n.loss(&x).to_bits());
    let (h0, h1) = ((0.5_f32).tanh(), (-0.5_f32).tanh());
    let want = [(1.0 - h0 * h0) * h1, h0 * (1.0 - h1 * h1) * 2.0];
    for (a, b) in g.l.w.iter().zip(want) {
        assert!((a - b).abs() < 1e-6, "{a} against {b}");
    }
    let n = GNet {
        l: GDense {
            w: vec![0.5_f64, -0.25],
        },
    };
    let x = [1.0_f64, 2.0];
    let mut g = n.zeros_like();
    let v = n.loss_grad(&x, &mut g);
    assert_eq!(v.to_bits(), n.loss(&x).to_bits());
    close("generic", &g.to_flat(), &fd_model(&n, |n| n.loss(&x)));
}

/// A network as a `Vec` of layers: each layer's method on the element, in a loop that carries
/// the activations in a buffer of one width, and on one element by index.
#[derive(Clone, Debug, Params)]
struct Deep {
    layers: Vec<Dense>,
    head: Vec<f64>,
}

impl Deep {
    #[gradient]
    fn loss(&self, x: &[f64], y: f64) -> f64 {
        let h1 = self.layers[0].forward(x);
        let mut h = vec![0.0; 2];
        h.copy_from_slice(&h1);
        for layer in &self.layers {
            let next = layer.forward(&h);
            h.copy_from_slice(&next);
        }
        let mut o = 0.0;
        for k in 0..h.len() {
            o += self.head[k] * h[k];
        }
        (o - y).powi(2) + self.layers[1].energy(x)
    }
}

#[test]
fn methods_of_a_vec_of_layers() {
    let d = Deep {
        layers: vec![
            dense(&[0.1, 0.2, 0.3, 0.4], &[0.3, -0.1]),
            dense(&[0.5, -0.7, 0.2, 0.9], &[0.05, 0.1]),
            dense(&[-0.3, 0.6, 0.8, -0.1], &[0.0, 0.2]),
        ],
        head: vec![1.0, -0.5],
    };
    let x = [1.0, 2.0];
    let mut g = d.zeros_like();
    let v = d.loss_grad(&x, 0.3, &mut g);
    assert_eq!(v.to_bits(), d.loss(&x, 0.3).to_bits());
    close("deep", &g.to_flat(), &fd_model(&d, |d| d.loss(&x, 0.3)));
}

impl Dense {
    /// A parameter declared `mut` in a vector-valued method.
    #[gradient]
    fn shifted(&self, mut s: f64) -> Vec<f64> {
        s += self.b[0];
        vec![s * self.w[0], s]
    }

    #[gradient(wrt(self, s))]
    fn shifted_sum(&self, s: f64) -> f64 {
        let v = self.shifted(s);
        v[0] + v[1]
    }
}

#[test]
fn mut_parameter_of_a_vector_valued_method() {
    let d = dense(&[0.5, 0.25], &[1.0, 2.0]);
    let mut g = d.zeros_like();
    let (v, [ds]) = d.shifted_sum_grad(3.0, &mut g);
    assert_eq!(v, 4.0 * 0.5 + 4.0);
    assert_eq!(ds, 1.5);
    assert_eq!(g.to_flat(), [4.0, 0.0, 1.5, 0.0]);
}

/// `h = layer.forward(&h);` in the loop over the layers, as deep networks are written (layers of
/// one width: the buffer keeps its length).
#[derive(Clone, Debug, Params)]
struct Tower {
    layers: Vec<Dense>,
}

impl Tower {
    #[gradient]
    fn loss(&self, x: &[f64]) -> f64 {
        let mut h = x.to_vec();
        for layer in &self.layers {
            h = layer.forward(&h);
        }
        h = self.layers[0].forward(&h);
        h.iter().map(|v| v * v).sum::<f64>()
    }
}

#[test]
fn activations_reassigned_layer_by_layer() {
    let t = Tower {
        layers: vec![
            dense(&[0.1, 0.2, 0.3, 0.4], &[0.3, -0.1]),
            dense(&[0.5, -0.7, 0.2, 0.9], &[0.05, 0.1]),
        ],
    };
    let x = [1.0, -2.0];
    let mut g = t.zeros_like();
    let v = t.loss_grad(&x, &mut g);
    assert_eq!(v.to_bits(), t.loss(&x).to_bits());
    close("tower", &g.to_flat(), &fd_model(&t, |t| t.loss(&x)));
}

/// The layers visited backwards, past the first, all but the last (`rev`, `skip`, `take`, also
/// after `enumerate`).
#[derive(Clone, Debug, Params)]
struct Stack {
    layers: Vec<Dense>,
}

impl Stack {
    #[gradient]
    fn backwards(&self, x: &[f64]) -> f64 {
        let mut h = x.to_vec();
        for layer in self.layers.iter().rev() {
            h = layer.forward(&h);
        }
        let mut s = h.iter().sum::<f64>();
        for (l, layer) in self.layers.iter().enumerate().rev() {
            s += layer.b[0] * (l as f64 + 1.0);
        }
        for layer in self.layers.iter().skip(1) {
            s += layer.w[0] * layer.w[1];
        }
        for layer in self.layers.iter().take(self.layers.len() - 1) {
            s += layer.b[1].sin();
        }
        s
    }
}

#[test]
fn layers_backwards_and_in_part() {
    let t = Stack {
        layers: vec![
            dense(&[0.1, 0.2, 0.3, 0.4], &[0.3, -0.1]),
            dense(&[0.5, -0.7, 0.2, 0.9], &[0.05, 0.1]),
            dense(&[-0.3, 0.6, 0.8, -0.1], &[0.0, 0.2]),
        ],
    };
    let x = [1.0, -2.0];
    let mut g = t.zeros_like();
    let v = t.backwards_grad(&x, &mut g);
    assert_eq!(v.to_bits(), t.backwards(&x).to_bits());
    close(
        "backwards",
        &g.to_flat(),
        &fd_model(&t, |t| t.backwards(&x)),
    );
}

/// A `Vec` of layers read through closures: `m.layers.iter().map(|l| ..)` reading the layer's
/// fields (nested in another `map`, beside a field of the model), calling its `#[gradient]`
/// method, reduced by `sum`, `fold`, `product` or collected.
#[derive(Clone, Debug, Params)]
struct LayerList {
    layers: Vec<Dense>,
    scale: f64,
}

#[gradient(wrt(m))]
fn stack_l2(m: &LayerList) -> f64 {
    m.layers
        .iter()
        .map(|l| l.w.iter().map(|w| w * w).sum::<f64>() + l.b[0])
        .sum::<f64>()
        * m.scale
}

#[gradient(wrt(m))]
fn stack_energy(m: &LayerList, x: &[f64]) -> f64 {
    let total: f64 = m.layers.iter().map(|layer| layer.energy(x)).sum();
    let top = m
        .layers
        .iter()
        .map(|l| l.b[0])
        .fold(f64::NEG_INFINITY, f64::max);
    total + top
}

impl LayerList {
    #[gradient]
    fn reg(&self) -> f64 {
        let v: Vec<f64> = self.layers.iter().map(|l| l.b[0] * self.scale).collect();
        v.iter().sum::<f64>() + self.layers.iter().map(|l| l.w[0]).product::<f64>()
    }
}

/// Three layers of different widths.
fn three_layers() -> LayerList {
    LayerList {
        layers: vec![
            dense(&[0.1, 0.2, 0.3, 0.4], &[0.3, -0.1]),
            dense(&[0.5, -0.7], &[0.05]),
            dense(&[-0.2, 0.6, 0.9], &[-0.4]),
        ],
        scale: 1.5,
    }
}

#[test]
fn layers_read_through_closures() {
    let m = three_layers();
    let x = [0.7, -1.1, 0.4];
    let mut g = m.zeros_like();
    let v = stack_l2_grad(&m, &mut g);
    assert_eq!(v.to_bits(), stack_l2(&m).to_bits());
    close("stack_l2", &g.to_flat(), &fd_model(&m, stack_l2));
    let mut g = m.zeros_like();
    let v = stack_energy_grad(&m, &x, &mut g);
    assert_eq!(v.to_bits(), stack_energy(&m, &x).to_bits());
    close(
        "stack_energy",
        &g.to_flat(),
        &fd_model(&m, |m| stack_energy(m, &x)),
    );
    let mut g = m.zeros_like();
    let v = m.reg_grad(&mut g);
    assert_eq!(v.to_bits(), m.reg().to_bits());
    close("reg", &g.to_flat(), &fd_model(&m, LayerList::reg));
}

/// A layer's weights in a loop over the layers read as a slice: `first`/`last`/`get(j)` by
/// `if let`, a slice pattern, `chunks` rows zipped with the biases, a filtered sum, halves by
/// `split_at`, pairs wrapping around (`zip(w.iter().cycle().skip(1))`), a part passed on (`to_vec`
/// of `w[..1]`).
#[gradient(wrt(m))]
fn layer_slices(m: &LayerList, x: &[f64]) -> f64 {
    let mut s = 0.0;
    for layer in &m.layers {
        if let Some(&a) = layer.w.get(1) {
            s += a * a;
        }
        if let Some(q) = layer.w.first() {
            s += q * layer.b[0];
        }
        if let [a, .., b] = layer.w[..] {
            s += a * b;
        }
        for (row, b) in layer.w.chunks(2).zip(&layer.b) {
            s += (row.iter().zip(x).map(|(w, x)| w * x).sum::<f64>() + b).tanh();
        }
        s += layer
            .w
            .iter()
            .filter(|v| **v > 0.0)
            .map(|&v| v * v)
            .sum::<f64>();
        let (front, back) = layer.w.split_at(layer.w.len() / 2);
        s += front.iter().sum::<f64>() * back.iter().map(|v| v * v).sum::<f64>();
        // Each weight with the one after it, wrapping around.
        for (&r, q) in layer.w.iter().zip(layer.w.iter().cycle().skip(1)) {
            s += r * q.sin();
        }
    }
    for l in 0..m.layers.len() {
        let head = m.layers[l].w[..1].to_vec();
        s += head[0] * m.scale;
    }
    if let Some(&z) = m.layers[0].w.last() {
        s += z * z;
    }
    s
}

#[test]
fn layer_weights_read_as_slices() {
    let m = three_layers();
    let x = [0.7, -1.1];
    let mut g = m.zeros_like();
    let v = layer_slices_grad(&m, &x, &mut g);
    assert_eq!(v.to_bits(), layer_slices(&m, &x).to_bits());
    close(
        "layer_slices",
        &g.to_flat(),
        &fd_model(&m, |m| layer_slices(m, &x)),
    );
}

/// A `match` on the shape of a layer's weights (the whole of them, and a part), in a loop over
/// the layers and by index.
#[gradient(wrt(m))]
fn layer_shapes(m: &LayerList) -> f64 {
    let mut s = 0.0;
    for layer in &m.layers {
        s += match &layer.w[..] {
            [] => 0.0,
            [a] => a * 2.0,
            [a, .., b] => a - b,
        };
    }
    for l in 0..m.layers.len() {
        s += match &m.layers[l].w[1..] {
            [] => m.layers[l].b[0],
            [a, ..] => a * m.layers[l].b[0],
        };
    }
    s * m.scale
}

#[test]
fn layer_weights_matched_by_shape() {
    let m = LayerList {
        layers: vec![
            dense(&[0.1, 0.2, 0.3, 0.4], &[0.3, -0.1]),
            dense(&[0.5], &[0.05]),
            dense(&[-0.2, 0.6, 0.9], &[-0.4]),
        ],
        scale: 1.5,
    };
    let mut g = m.zeros_like();
    let v = layer_shapes_grad(&m, &mut g);
    assert_eq!(v.to_bits(), layer_shapes(&m).to_bits());
    close("layer_shapes", &g.to_flat(), &fd_model(&m, layer_shapes));
}

/// Lists of pieces of a layer's weights (`Vec<&[f64]>` of `chunks`, `chunks_exact`, `windows`,
/// of the whole row and of a part of it), in a loop over the layers and by index, read whole, by
/// index, by `windows` and by length.
#[gradient(wrt(m))]
fn layer_piece_lists(m: &LayerList, x: &[f64]) -> f64 {
    let mut s = 0.0;
    for layer in &m.layers {
        let ps: Vec<&[f64]> = layer.w.chunks_exact(1).collect();
        s += ps
            .windows(2)
            .map(|w| (w[1][0] - w[0][0]) * layer.b[0])
            .sum::<f64>();
        let rows: Vec<&[f64]> = layer.w.chunks(2).collect();
        for r in &rows {
            s += r.iter().zip(x).map(|(w, x)| w * x).sum::<f64>().tanh();
        }
        s += rows.len() as f64 * rows[rows.len() - 1][0];
    }
    for l in 0..m.layers.len() {
        let pairs: Vec<&[f64]> = m.layers[l].w[1..].windows(2).collect();
        for p in &pairs {
            s += p[0] * p[1] * m.scale;
        }
        let tail = m.layers[l].w[..1].chunks(1).collect::<Vec<_>>();
        s += tail[0][0].sin();
    }
    s
}

#[test]
fn a_layers_weights_cut_into_lists_of_pieces() {
    let m = three_layers();
    let x = [0.7, -1.1];
    let mut g = m.zeros_like();
    let v = layer_piece_lists_grad(&m, &x, &mut g);
    assert_eq!(v.to_bits(), layer_piece_lists(&m, &x).to_bits());
    close(
        "layer_piece_lists",
        &g.to_flat(),
        &fd_model(&m, |m| layer_piece_lists(m, &x)),
    );
}

/// A vector-valued method whose body reads a slice parameter only as data can (`chunks` copied
/// into rows, counts of its signs): derived for callers with respect to the model alone (the
/// slice a constant to them), where before no `NAME__model` was made at all and every caller
/// failed to compile (E0599 `NAME__dot__model_grad`).
#[derive(Clone, Debug, Params)]
struct Counted {
    x0: f64,
    x1: f64,
}

#[derive(Clone, Debug, Params)]
struct HoldsCounted {
    inner: Counted,
    s: f64,
}

impl Counted {
    #[gradient(wrt(self))]
    fn counted(&self, xs: &[f64]) -> Vec<f64> {
        let rows: Vec<Vec<f64>> = xs.chunks(2).map(|c| c.to_vec()).collect();
        let cnt: Vec<usize> = rows
            .iter()
            .map(|r| r.iter().filter(|q| **q > 0.0).count())
            .collect();
        let v: f64 = rows
            .iter()
            .zip(&cnt)
            .map(|(r, &c)| (r[0] * self.x0 + c as f64 * 0.1).tanh())
            .sum::<f64>();
        vec![v * self.x1, self.x0 * 2.0]
    }
}

impl HoldsCounted {
    #[gradient]
    fn loss(&self, xs: &[f64]) -> f64 {
        let hv = self.inner.counted(xs);
        hv[0] * self.s + hv[1] * hv[1]
    }
}

#[test]
fn a_vector_method_reading_a_slice_as_data_is_derived_for_the_model() {
    let m = HoldsCounted {
        inner: Counted { x0: 0.3, x1: -0.7 },
        s: 1.5,
    };
    let xs = [0.5, -1.0, 2.0, 0.25];
    let mut d = m.zeros_like();
    let v = m.loss_grad(&xs, &mut d);
    assert_eq!(v.to_bits(), m.loss(&xs).to_bits());
    close("loss", &d.to_flat(), &fd_model(&m, |m| m.loss(&xs)));
}

/// A layer written the way a Rust user writes one without `#[gradient]`: rows of weights, the
/// output started from the biases and accumulated through `iter_mut().zip(&self.w)`.
#[derive(Clone, Debug, Params)]
struct Linear {
    w: Vec<Vec<f64>>,
    b: Vec<f64>,
}

impl Linear {
    fn forward(&self, x: &[f64]) -> Vec<f64> {
        let mut out = self.b.clone();
        for (o, row) in out.iter_mut().zip(&self.w) {
            for (wi, xi) in row.iter().zip(x) {
                *o += wi * xi;
            }
        }
        out
    }
}

#[derive(Clone, Debug, Params)]
struct Net {
    l1: Linear,
    l2: Linear,
    #[params(skip)]
    decay: f64,
}

impl Net {
    fn hidden(&self, x: &[f64]) -> Vec<f64> {
        self.l1.forward(x).into_iter().map(f64::tanh).collect()
    }

    fn out(&self, x: &[f64]) -> f64 {
        self.l2.forward(&self.hidden(x))[0]
    }

    /// Plain methods calling each other, a field's plain layer, a `Vec` consumed by
    /// `into_iter().map(f64::tanh)`, the rows flattened for a penalty: each part a compile
    /// error (several inside generated code) before.
    #[gradient(wrt(self))]
    fn mse(&self, xs: &[Vec<f64>], ys: &[f64]) -> f64 {
        let mut s = 0.0;
        for (x, y) in xs.iter().zip(ys.iter()) {
            let e = self.out(x) - y;
            s += e * e;
        }
        s / xs.len() as f64 + self.decay * self.l1.w.iter().flatten().map(|w| w * w).sum::<f64>()
    }
}

/// The same layer over a rows parameter, the buffer first in the `zip`.
#[gradient(wrt(w, x))]
fn rows_layer(w: &[Vec<f64>], b: &[f64], x: &[f64]) -> f64 {
    let mut out = b.to_vec();
    for (o, row) in out.iter_mut().zip(w) {
        for (wi, xi) in row.iter().zip(x) {
            *o += wi * xi;
        }
    }
    out.iter().map(|v| v.tanh()).sum()
}

#[test]
fn plain_layers_written_with_iterators() {
    let linear = |i: usize, o: usize, s: f64| Linear {
        w: (0..o)
            .map(|r| {
                (0..i)
                    .map(|c| s * (r as f64 + 1.0) - 0.05 * c as f64)
                    .collect()
            })
            .collect(),
        b: vec![0.01; o],
    };
    let net = Net {
        l1: linear(2, 3, 0.1),
        l2: linear(3, 1, -0.2),
        decay: 1e-3,
    };
    let xs = vec![vec![0.5, -1.0], vec![1.0, 0.3]];
    let ys = [0.3, -0.5];
    let mut d = net.zeros_like();
    let v = net.mse_grad(&xs, &ys, &mut d);
    assert_eq!(v.to_bits(), net.mse(&xs, &ys).to_bits());
    close("mse", &d.to_flat(), &fd_model(&net, |m| m.mse(&xs, &ys)));
    let w = vec![vec![0.3, -0.2], vec![0.5, 0.1], vec![-0.4, 0.8]];
    let b = [0.1, -0.2, 0.05];
    let x = [0.7, -0.4];
    let mut d_w = vec![vec![0.0; 2]; 3];
    let mut d_x = [0.0; 2];
    let v = rows_layer_grad(&w, &b, &x, &mut d_w, &mut d_x);
    assert_eq!(v.to_bits(), rows_layer(&w, &b, &x).to_bits());
    let f = |p: &[f64]| {
        let w: Vec<Vec<f64>> = p[..6].chunks(2).map(<[f64]>::to_vec).collect();
        rows_layer(&w, &b, &p[6..])
    };
    let mut p: Vec<f64> = w.iter().flatten().copied().collect();
    p.extend_from_slice(&x);
    let mut g: Vec<f64> = d_w.iter().flatten().copied().collect();
    g.extend_from_slice(&d_x);
    let h = 1e-6;
    let want: Vec<f64> = (0..p.len())
        .map(|k| {
            let (mut a, mut c) = (p.clone(), p.clone());
            a[k] += h;
            c[k] -= h;
            (f(&a) - f(&c)) / (2.0 * h)
        })
        .collect();
    close("rows_layer", &g, &want);
}
