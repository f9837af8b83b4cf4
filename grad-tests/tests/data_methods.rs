//! `#[gradient]` methods of data: a layer, a term, a network given as constant data (not a
//! model), its methods called with differentiated arguments — on a parameter, on a field, on an
//! element of a `Vec` field, on the element of a loop over one — scalar-valued and
//! vector-valued (`h = layer.forward(&h)` through layers of different widths), with `wrt`
//! leaving a slice out. Each gradient against central differences, the value bit for bit.

#![allow(clippy::needless_range_loop)]

mod common;

use common::check_flat;
use grad::gradient;

fn check(what: &str, f: &dyn Fn(&[f64]) -> f64, v: f64, g: &[f64], p: &[f64]) {
    check_flat(what, p, f, v, g).unwrap();
}

#[derive(Clone)]
pub struct Layer {
    w: Vec<f64>,
    n_in: usize,
    n_out: usize,
}

impl Layer {
    /// The activations of the layer for the input `x`.
    #[gradient(wrt(x))]
    pub fn forward(&self, x: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; self.n_out];
        for o in 0..self.n_out {
            let mut z = 0.0;
            for i in 0..self.n_in {
                z += self.w[o * self.n_in + i] * x[i];
            }
            out[o] = z.tanh();
        }
        out
    }

    /// A score of the input: the first row of weights dotted with it.
    #[gradient(wrt(x))]
    pub fn score(&self, x: &[f64]) -> f64 {
        self.w.iter().zip(x).map(|(a, b)| a * b).sum()
    }

    /// A score with a weighting given as data, which `wrt` leaves out.
    #[gradient(wrt(x))]
    pub fn weighted(&self, x: &[f64], weights: &[f64]) -> f64 {
        let mut s = 0.0;
        for i in 0..x.len() {
            s += weights[i] * x[i] * self.w[i];
        }
        s
    }
}

/// A term of a potential, its parameters data.
pub struct Term {
    k: f64,
    r0: f64,
}

impl Term {
    /// `k (r − r0)²` at `r = |a − b|`: differentiated with respect to `b` only.
    #[gradient(wrt(b))]
    pub fn energy(&self, a: f64, b: f64) -> f64 {
        let r = (a - b).abs();
        self.k * (r - self.r0).powi(2)
    }

    /// The same with respect to both ends.
    #[gradient(wrt(a, b))]
    pub fn both(&self, a: f64, b: f64) -> f64 {
        self.k * (a - b - self.r0).powi(2)
    }
}

pub struct Net {
    layers: Vec<Layer>,
    head: Layer,
}

/// Saliency: the vector-valued method on a parameter, by method and by path.
#[gradient(wrt(x))]
fn saliency(layer: &Layer, x: &[f64]) -> f64 {
    let h = layer.forward(x);
    let g = Layer::forward(layer, x);
    h.iter().map(|v| v * v).sum::<f64>() + g[0] * g[1]
}

/// Through every layer of a data network (`h = layer.forward(&h)`, widths 3 → 2 → 3), then the
/// head's score.
#[gradient(wrt(x))]
fn through_net(net: &Net, x: &[f64]) -> f64 {
    let mut h = x.to_vec();
    for layer in &net.layers {
        h = layer.forward(&h);
    }
    net.head.score(&h) + h.iter().map(|v| v * v).sum::<f64>()
}

/// Scalar methods on elements of a `Vec` field, by index and in a loop, one given data.
#[gradient(wrt(x))]
fn scores(net: &Net, x: &[f64], weights: &[f64]) -> f64 {
    let mut s = net.layers[0].score(x) * net.head.score(x);
    for layer in &net.layers {
        s += layer.score(x).tanh();
    }
    s + net.head.weighted(x, weights)
}

/// A vector-valued method given a local array built from differentiated values.
#[gradient(wrt(x))]
fn twice(layer: &Layer, x: &[f64]) -> f64 {
    let h = layer.forward(x);
    let g = layer.forward(&[h[1], h[0], x[2]]);
    g[0] * h[1] + g[1]
}

/// Scalar methods whose `wrt` leaves a parameter out, given data there and a differentiated
/// value in the other (the derivative lands in the right slot).
#[gradient]
fn chain(terms: &[Term], x: f64, y: f64) -> f64 {
    let mut e = 0.0;
    for t in terms {
        e += t.energy(1.5, x) + t.both(x, y);
    }
    e + terms[0].energy(0.25, y * y)
}

/// A differentiated value given to a parameter the method's `wrt` leaves out, on an element of
/// data (on a parameter, `layer.weighted(..)`, it is a compile error).
#[gradient(wrt(x))]
fn misuse(net: &Net, x: &[f64]) -> f64 {
    net.layers[0].weighted(&[0.5, 0.5, 0.5], x)
}

fn net() -> Net {
    Net {
        layers: vec![
            Layer {
                w: vec![0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
                n_in: 3,
                n_out: 2,
            },
            Layer {
                w: vec![0.7, -0.2, 0.3, 0.9, 0.5, -0.6],
                n_in: 2,
                n_out: 3,
            },
        ],
        head: Layer {
            w: vec![-0.3, 0.8, 0.25],
            n_in: 3,
            n_out: 1,
        },
    }
}

#[test]
fn methods_of_data() {
    let net = net();
    let weights = [0.5, -1.5, 2.0];
    for x in [[0.3, -0.5, 0.8], [-1.1, 0.4, 0.05]] {
        let mut d = vec![0.0; 3];
        let l = &net.layers[0];
        let v = saliency_grad(l, &x, &mut d);
        check("saliency", &|p| saliency(l, p), v, &d, &x);
        let v = through_net_grad(&net, &x, &mut d);
        check("through_net", &|p| through_net(&net, p), v, &d, &x);
        let v = scores_grad(&net, &x, &weights, &mut d);
        check("scores", &|p| scores(&net, p, &weights), v, &d, &x);
        let v = twice_grad(l, &x, &mut d);
        check("twice", &|p| twice(l, p), v, &d, &x);
    }
    let terms = [Term { k: 2.0, r0: 0.5 }, Term { k: 0.7, r0: -0.3 }];
    for (x, y) in [(0.3, -0.4), (2.1, 0.9)] {
        let (v, g) = chain_grad(&terms, x, y);
        check("chain", &|p| chain(&terms, p[0], p[1]), v, &g, &[x, y]);
    }
}

#[test]
#[should_panic(expected = "leaves that parameter out")]
fn differentiated_argument_left_out_by_the_methods_wrt() {
    let mut d = [0.0; 3];
    let _ = misuse_grad(&net(), &[0.1, 0.2, 0.3], &mut d);
}

/// Data held in `self`'s fields read through iterator chains that collect (`x.iter().zip(&self.a)
/// ..collect()`, `self.a.iter().zip(x)..collect()` as a vector-valued method's value): refused
/// before ("`iter` on a slice is not supported yet").
pub struct Weights {
    a: Vec<f64>,
}

impl Weights {
    #[gradient(wrt(x))]
    pub fn collected(&self, x: &[f64]) -> f64 {
        let v: Vec<f64> = x
            .iter()
            .zip(&self.a)
            .map(|(v, a)| a * v * v - 1.0)
            .collect();
        v[0] * v[1] + v.iter().sum::<f64>()
    }

    #[gradient(wrt(x))]
    pub fn residuals(&self, x: &[f64]) -> Vec<f64> {
        self.a.iter().zip(x).map(|(a, v)| a * v.sin()).collect()
    }
}

#[test]
fn fields_of_data_self_in_chains() {
    let wts = Weights {
        a: vec![1.5, -0.5, 2.0],
    };
    let x = [0.3, -0.8, 1.1];
    let mut d = [0.0; 3];
    let v = wts.collected_grad(&x, &mut d);
    check("collected", &|p| wts.collected(p), v, &d, &x);
    let (value, jac) = wts.residuals_jacobian(&x);
    assert_eq!(value, wts.residuals(&x));
    for (i, row) in jac.iter().enumerate() {
        for (j, g) in row.iter().enumerate() {
            let want = if i == j { wts.a[i] * x[i].cos() } else { 0.0 };
            assert!((g - want).abs() < 1e-12, "{jac:?}");
        }
    }
}

/// A struct of constants built in the body (`let t = Term { k: 2.0, r0: 0.5 };`), its methods
/// called on it: refused before ("tuples, arrays and structs are not supported here").
#[gradient]
fn literal_term(x: f64, y: f64) -> f64 {
    let t = Term { k: 2.0, r0: 0.5 };
    let u = Term { k: -0.5, r0: 1.5 };
    t.energy(0.25, x) + u.both(x, y) * t.k
}

#[test]
fn a_struct_literal_of_constants() {
    for (x, y) in [(0.3, -0.4), (2.1, 0.9)] {
        let (v, g) = literal_term_grad(x, y);
        check(
            "literal_term",
            &|p| literal_term(p[0], p[1]),
            v,
            &g,
            &[x, y],
        );
    }
}

/// A trait's default method under `#[gradient(wrt(w))]` (its table's accessor is a plain
/// method: a trait's methods may not be `const`), called on a value of a type implementing it.
pub trait Fit {
    fn target(&self) -> f64;

    #[gradient(wrt(w))]
    fn misfit(&self, w: &[f64]) -> f64 {
        let mut s = 0.0;
        for v in w {
            s += (v - 0.5).powi(2);
        }
        s
    }
}

impl Fit for Term {
    fn target(&self) -> f64 {
        self.r0
    }
}

#[test]
fn a_trait_default_method() {
    let t = Term { k: 1.0, r0: 0.5 };
    let w = [0.25, 1.5];
    let mut d = [0.0; 2];
    let v = t.misfit_grad(&w, &mut d);
    check("misfit", &|p| t.misfit(p), v, &d, &w);
    assert!((t.target() - 0.5).abs() < 1e-15);
}
