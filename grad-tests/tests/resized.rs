//! Buffers whose length changes: the activations of layers of different widths carried by
//! `h = next;` (flat weights, a model's `Vec` of layers, a vector-valued `#[gradient]` call, rows
//! of weights), a pairwise reduction in a `while` that halves its buffer, `h.resize(n, c)` and
//! `h.truncate(n)`, a buffer given another length at top level and in one branch of an `if`, in
//! f64, f32 and generic `T: Real`. Each gradient against central differences, the value bit for
//! bit; the directional derivative and the Hessian–vector product against the gradient and a
//! second difference along the direction.

#![allow(clippy::needless_range_loop, clippy::cast_precision_loss)]

mod common;

use common::check_flat;
use grad::{gradient, Params, Real};

fn check(what: &str, f: &dyn Fn(&[f64]) -> f64, v: f64, g: &[f64], p: &[f64]) {
    check_flat(what, p, f, v, g).unwrap();
}

/// `v · H · v` from the Hessian–vector product against a second central difference along `v`,
/// and the JVP against `∇f · v`.
fn check_second(
    what: &str,
    f: &dyn Fn(&[f64]) -> f64,
    p: &[f64],
    v: &[f64],
    g: &[f64],
    jvp: f64,
    hv: &[f64],
) {
    let dot: f64 = g.iter().zip(v).map(|(a, b)| a * b).sum();
    assert!(
        (jvp - dot).abs() <= 1e-12 * (1.0 + dot.abs()),
        "{what}: jvp {jvp} != ∇f·v {dot}"
    );
    let along = |t: f64| {
        let q: Vec<f64> = p.iter().zip(v).map(|(x, d)| x + t * d).collect();
        f(&q)
    };
    let e = 1e-4;
    let fd = (along(e) - 2.0 * along(0.0) + along(-e)) / (e * e);
    let vhv: f64 = hv.iter().zip(v).map(|(a, b)| a * b).sum();
    assert!(
        (vhv - fd).abs() <= 1e-5 * (1.0 + fd.abs()),
        "{what}: v·H·v {vhv} != second difference {fd}"
    );
}

/// The forward pass of an MLP as it is written for layers of any widths: the activations `h`
/// become the next layer's (`h = next;`), a buffer of another length at every layer.
#[gradient(jvp, hvp, wrt(w))]
fn mlp(w: &[f64], x: &[f64], widths: &[usize]) -> f64 {
    let mut h = x.to_vec();
    let mut off = 0;
    for l in 0..widths.len() {
        let n_out = widths[l];
        let mut next = vec![0.0; n_out];
        for j in 0..n_out {
            let mut s = 0.0;
            for i in 0..h.len() {
                s += w[off + j * h.len() + i] * h[i];
            }
            next[j] = s.tanh();
        }
        off += n_out * h.len();
        h = next;
    }
    h.iter().map(|v| v * v).sum()
}

fn direction(n: usize) -> Vec<f64> {
    (0..n).map(|i| ((i * 3 % 5) as f64 - 2.0) * 0.3).collect()
}

#[test]
fn activations_of_layers_of_different_widths() {
    let x = [0.3, -0.7];
    for widths in [vec![3usize, 5, 2, 1], vec![4, 1, 3], vec![1]] {
        let mut n = 0;
        let mut prev = x.len();
        for &w in &widths {
            n += w * prev;
            prev = w;
        }
        let w: Vec<f64> = (0..n).map(|i| ((i * 7 % 11) as f64 - 5.0) * 0.1).collect();
        let mut g = vec![f64::NAN; n];
        let v = mlp_grad(&w, &x, &widths, &mut g);
        let f = |w: &[f64]| mlp(w, &x, &widths);
        check("mlp", &f, v, &g, &w);
        let d = direction(n);
        let (jv, jd) = mlp_jvp(&w, &x, &widths, &d);
        assert_eq!(jv.to_bits(), v.to_bits());
        let (mut g2, mut hv) = (vec![0.0; n], vec![0.0; n]);
        let hval = mlp_hvp(&w, &x, &widths, &d, &mut g2, &mut hv);
        assert_eq!(hval.to_bits(), v.to_bits());
        check_second("mlp", &f, &w, &d, &g2, jd, &hv);
    }
}

/// A pairwise reduction: the buffer halves until one element is left.
#[gradient(jvp, hvp)]
fn halving(w: &[f64]) -> f64 {
    let mut h = w.to_vec();
    while h.len() > 1 {
        let m = h.len() / 2;
        let mut next = vec![0.0; m];
        for i in 0..m {
            next[i] = (h[2 * i] * h[2 * i + 1]).sin() + h[2 * i];
        }
        h = next;
    }
    h[0]
}

#[test]
fn a_buffer_halved_until_one_element_is_left() {
    for len in [1usize, 2, 5, 8, 13] {
        let w: Vec<f64> = (0..len).map(|i| 0.3 + 0.1 * i as f64).collect();
        let mut g = vec![f64::NAN; len];
        let v = halving_grad(&w, &mut g);
        check("halving", &halving, v, &g, &w);
        let d = direction(len);
        let (_, jd) = halving_jvp(&w, &d);
        let (mut g2, mut hv) = (vec![0.0; len], vec![0.0; len]);
        let _ = halving_hvp(&w, &d, &mut g2, &mut hv);
        check_second("halving", &halving, &w, &d, &g2, jd, &hv);
    }
}

/// `resize` (new elements a constant) and `truncate` on a buffer, two buffers trading their
/// contents through a copy (`t = a.clone(); a = b.clone(); b = t;`) when their lengths differ.
#[gradient(jvp, hvp)]
fn in_place(w: &[f64]) -> f64 {
    let mut a = vec![0.0; 3];
    let mut b = vec![0.0; 5];
    for i in 0..3 {
        a[i] = w[i] * w[i + 1];
    }
    for i in 0..5 {
        b[i] = w[i].cos();
    }
    let mut total = 0.0;
    for _ in 0..3 {
        let t = a.clone();
        a = b.clone();
        b = t;
        for i in 0..a.len() {
            total += a[i] * (i as f64 + 1.0);
            a[i] = a[i] * 0.5 + w[0];
        }
    }
    a.resize(7, 0.5);
    for v in &a {
        total += v * v;
    }
    a.truncate(2);
    a.truncate(9);
    total + a.iter().sum::<f64>() * a.len() as f64
}

#[test]
fn resize_truncate_and_trading_buffers_of_different_lengths() {
    let w: Vec<f64> = (0..6).map(|i| 0.3 + 0.1 * i as f64).collect();
    let mut g = vec![f64::NAN; 6];
    let v = in_place_grad(&w, &mut g);
    check("in_place", &in_place, v, &g, &w);
    let d = direction(6);
    let (_, jd) = in_place_jvp(&w, &d);
    let (mut g2, mut hv) = (vec![0.0; 6], vec![0.0; 6]);
    let _ = in_place_hvp(&w, &d, &mut g2, &mut hv);
    check_second("in_place", &in_place, &w, &d, &g2, jd, &hv);
}

/// Another length at top level and in one branch, with loops whose bound is the buffer's
/// length and which do not read it.
#[gradient(hvp)]
fn branches(w: &[f64], k: usize) -> f64 {
    let mut h = vec![0.0; 2];
    h[0] = w[0];
    h[1] = w[1] * w[0];
    let mut t = vec![0.0; 4];
    for i in 0..4 {
        t[i] = w[i % 2] + i as f64;
    }
    h = t;
    let mut s = 0.0;
    for rep in 0..3 {
        if rep == k {
            let mut u = vec![0.0; rep + 1];
            for i in 0..u.len() {
                u[i] = h[i] * 2.0;
            }
            h = u;
        }
        for i in 0..h.len() {
            s += w[i % 2] * (rep as f64 + 1.0);
        }
        s += h[0] * h[h.len() - 1];
    }
    s + h.len() as f64
}

#[test]
fn another_length_at_top_level_and_in_a_branch() {
    let w = [0.7, -0.4];
    for k in 0..4 {
        let mut g = [f64::NAN; 2];
        let v = branches_grad(&w, k, &mut g);
        let f = |w: &[f64]| branches(w, k);
        check("branches", &f, v, &g, &w);
        let d = [0.6, -0.3];
        let jd = g[0] * d[0] + g[1] * d[1];
        let (mut g2, mut hv) = ([0.0; 2], [0.0; 2]);
        let _ = branches_hvp(&w, k, &d, &mut g2, &mut hv);
        check_second("branches", &f, &w, &d, &g2, jd, &hv);
    }
}

#[derive(Clone, Debug, Params)]
struct Dense {
    w: Vec<f64>,
    b: Vec<f64>,
}

impl Dense {
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
}

#[derive(Clone, Debug, Params)]
struct Tower {
    layers: Vec<Dense>,
}

impl Tower {
    /// `h = layer.forward(&h);` over layers of different widths.
    #[gradient]
    fn loss(&self, x: &[f64]) -> f64 {
        let mut h = x.to_vec();
        for layer in &self.layers {
            h = layer.forward(&h);
        }
        h.iter().map(|v| v * v).sum::<f64>()
    }
}

fn layer(n_in: usize, n_out: usize, s: f64) -> Dense {
    Dense {
        w: (0..n_in * n_out)
            .map(|i| ((i * 7 % 11) as f64 - 5.0) * 0.1 * s)
            .collect(),
        b: (0..n_out).map(|i| i as f64 * 0.05 - 0.1).collect(),
    }
}

#[test]
fn a_model_whose_layers_have_different_widths() {
    let t = Tower {
        layers: vec![
            layer(2, 3, 1.0),
            layer(3, 5, 0.8),
            layer(5, 2, 1.1),
            layer(2, 1, 0.9),
        ],
    };
    let x = [0.4, -0.3];
    let mut g = t.zeros_like();
    let v = t.loss_grad(&x, &mut g);
    let f = |p: &[f64]| {
        let mut m = t.clone();
        m.read_flat(p);
        m.loss(&x)
    };
    check("tower", &f, v, &g.to_flat(), &t.to_flat());
}

#[gradient]
fn dense(w: &[f64], b: &[f64], x: &[f64]) -> Vec<f64> {
    let n = x.len();
    let mut out = vec![0.0; b.len()];
    for k in 0..b.len() {
        let mut a = b[k];
        for j in 0..n {
            a += w[k * n + j] * x[j];
        }
        out[k] = a.tanh();
    }
    out
}

/// Rows of weights, one per layer, through a vector-valued helper.
#[gradient(wrt(ws, bs))]
fn rows_net(ws: &[Vec<f64>], bs: &[Vec<f64>], x: &[f64]) -> f64 {
    let mut h = x.to_vec();
    for l in 0..ws.len() {
        h = dense(&ws[l], &bs[l], &h);
    }
    h.iter().sum()
}

#[test]
fn rows_of_weights_through_a_vector_valued_helper() {
    let t = [layer(2, 3, 1.0), layer(3, 4, 0.7), layer(4, 2, 1.2)];
    let ws: Vec<Vec<f64>> = t.iter().map(|l| l.w.clone()).collect();
    let bs: Vec<Vec<f64>> = t.iter().map(|l| l.b.clone()).collect();
    let x = [0.4, -0.3];
    let mut dws: Vec<Vec<f64>> = ws.iter().map(|r| vec![f64::NAN; r.len()]).collect();
    let mut dbs: Vec<Vec<f64>> = bs.iter().map(|r| vec![f64::NAN; r.len()]).collect();
    let v = rows_net_grad(&ws, &bs, &x, &mut dws, &mut dbs);
    let flat: Vec<f64> = ws.iter().chain(&bs).flatten().copied().collect();
    let rebuild = |p: &[f64]| {
        let mut rest = p;
        let mut take = |rows: &[Vec<f64>]| -> Vec<Vec<f64>> {
            rows.iter()
                .map(|r| {
                    let (a, b) = rest.split_at(r.len());
                    rest = b;
                    a.to_vec()
                })
                .collect()
        };
        (take(&ws), take(&bs))
    };
    let f = |p: &[f64]| {
        let (w, b) = rebuild(p);
        rows_net(&w, &b, &x)
    };
    let g: Vec<f64> = dws.iter().chain(&dbs).flatten().copied().collect();
    check("rows_net", &f, v, &g, &flat);
}

#[gradient(wrt(w))]
fn mlp32(w: &[f32], x: &[f32], widths: &[usize]) -> f32 {
    let mut h = x.to_vec();
    let mut off = 0;
    for &n_out in widths {
        let mut next = vec![0.0; n_out];
        for j in 0..n_out {
            next[j] = h
                .iter()
                .enumerate()
                .map(|(i, v)| w[off + j * h.len() + i] * v)
                .sum::<f32>()
                .tanh();
        }
        off += n_out * h.len();
        h = next;
    }
    h.iter().sum()
}

#[gradient(wrt(w))]
fn mlp_generic<T: Real>(w: &[T], x: &[T], widths: &[usize]) -> T {
    let mut h = x.to_vec();
    let mut off = 0;
    for &n_out in widths {
        let mut next = vec![T::zero(); n_out];
        for j in 0..n_out {
            let mut s = T::zero();
            for i in 0..h.len() {
                s = s + w[off + j * h.len() + i] * h[i];
            }
            next[j] = s.tanh();
        }
        off += n_out * h.len();
        h = next;
    }
    h.iter().fold(T::zero(), |a, v| a + *v)
}

#[test]
fn layers_of_different_widths_in_f32_and_generic() {
    let widths = [3usize, 1, 2];
    let n = 2 * 3 + 3 + 2;
    let w: Vec<f64> = (0..n).map(|i| ((i * 7 % 11) as f64 - 5.0) * 0.1).collect();
    let x = [0.3, -0.7];
    let w32: Vec<f32> = w.iter().map(|v| *v as f32).collect();
    let x32 = [0.3f32, -0.7];
    let mut g32 = vec![0.0f32; n];
    let v32 = mlp32_grad(&w32, &x32, &widths, &mut g32);
    assert_eq!(v32.to_bits(), mlp32(&w32, &x32, &widths).to_bits());
    let mut g = vec![f64::NAN; n];
    let v = mlp_generic_grad(&w, &x, &widths, &mut g);
    check("mlp_generic", &|w| mlp_generic(w, &x, &widths), v, &g, &w);
    for (a, b) in g32.iter().zip(&g) {
        assert!((f64::from(*a) - b).abs() < 1e-4, "f32 {a} against f64 {b}");
    }
    let mut g32b = vec![0.0f32; n];
    let vb = mlp_generic_grad(&w32, &x32, &widths, &mut g32b);
    assert_eq!(vb.to_bits(), mlp_generic(&w32, &x32, &widths).to_bits());
    assert_eq!(g32b, g32);
}

/// The activations given a new buffer at every layer (`h = vec![0.0; n_out];` after keeping the
/// old one), and a buffer that starts empty (`Vec::new()`), given a slice's copy, a list, and
/// cleared.
#[gradient(wrt(w))]
fn reassigned(w: &[f64], x: &[f64], widths: &[usize]) -> f64 {
    let mut h = x.to_vec();
    let mut off = 0;
    for &n_out in widths {
        let prev = h.clone();
        h = vec![0.0; n_out];
        for j in 0..n_out {
            let mut s = 0.0;
            for i in 0..prev.len() {
                s += w[off + j * prev.len() + i] * prev[i];
            }
            h[j] = s.tanh();
        }
        off += n_out * prev.len();
    }
    let mut e: Vec<f64> = Vec::new();
    let none = e.len() as f64;
    if h[0] > 0.0 {
        e = w.to_vec();
    } else {
        e = vec![w[0], 0.5, w[1]];
    }
    let spread = e.iter().map(|v| v * v).sum::<f64>();
    e.clear();
    h.iter().sum::<f64>() + spread + e.len() as f64 + none
}

#[test]
fn buffers_given_new_contents_and_starting_empty() {
    let x = [0.3, -0.7];
    let widths = [3usize, 1, 2];
    let n = 2 * 3 + 3 + 2;
    for sign in [1.0, -1.0] {
        let w: Vec<f64> = (0..n)
            .map(|i| sign * ((i * 7 % 11) as f64 - 5.0) * 0.1)
            .collect();
        let mut g = vec![f64::NAN; n];
        let v = reassigned_grad(&w, &x, &widths, &mut g);
        check("reassigned", &|w| reassigned(w, &x, &widths), v, &g, &w);
    }
}

/// A buffer given what a chain collects: halved by `chunks(2)` until one element is left, shrunk
/// by `windows(2)`, mapped whole.
#[gradient]
fn collected_chunks(x: &[f64]) -> f64 {
    let mut h = x.to_vec();
    while h.len() > 1 {
        h = h
            .chunks(2)
            .map(|c| {
                if c.len() == 2 {
                    c[0] * c[1] + c[0]
                } else {
                    c[0]
                }
            })
            .collect();
    }
    h[0]
}

#[gradient]
fn collected_windows(x: &[f64]) -> f64 {
    let mut h = x.to_vec();
    for _ in 0..3 {
        h = h.windows(2).map(|w| (w[0] - w[1]).tanh()).collect();
    }
    h = h.iter().map(|w| w.tanh()).collect();
    h.iter().sum()
}

#[test]
fn buffers_given_what_a_chain_collects() {
    let x = [0.9, 1.1, 0.7, 1.3, 0.8, 0.5];
    for (what, f, g) in [
        (
            "collected_chunks",
            collected_chunks as fn(&[f64]) -> f64,
            collected_chunks_grad as fn(&[f64], &mut [f64]) -> f64,
        ),
        (
            "collected_windows",
            collected_windows,
            collected_windows_grad,
        ),
    ] {
        let mut d = [f64::NAN; 6];
        let v = g(&x, &mut d);
        check(what, &f, v, &d, &x);
    }
}

/// Vectors filled by pushes that may not all run, then used whole: sorted, and carried as a
/// halving reduction's next state (`h = next;` in a `while`).
#[gradient]
fn pushed_then_sorted(x: &[f64], y: &[f64]) -> f64 {
    let mut h = Vec::new();
    for &v in x {
        if v > -0.8 {
            h.push(v * v);
        }
    }
    h.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let mut c = x.to_vec();
    c.extend_from_slice(y);
    c.sort_by(|a, b| a.partial_cmp(b).unwrap());
    h[0] + 2.0 * h[h.len() - 1] + c[1] * c[c.len() - 2]
}

#[gradient]
fn pushed_halving(x: &[f64]) -> f64 {
    let mut h = x.to_vec();
    while h.len() > 1 {
        let mut next = Vec::new();
        let mut i = 0;
        for _ in 0..h.len().div_ceil(2) {
            if i + 1 < h.len() {
                next.push(h[i] * h[i + 1] + 0.1 * h[i]);
            } else {
                next.push(h[i]);
            }
            i += 2;
        }
        h = next;
    }
    h[0]
}

#[test]
fn pushed_vectors_used_whole() {
    let p = [0.9, -1.1, 0.7, 1.3, 0.2];
    let f = |p: &[f64]| pushed_then_sorted(&p[..3], &p[3..]);
    let (mut dx, mut dy) = ([f64::NAN; 3], [f64::NAN; 2]);
    let v = pushed_then_sorted_grad(&p[..3], &p[3..], &mut dx, &mut dy);
    let d: Vec<f64> = dx.iter().chain(&dy).copied().collect();
    check("pushed_then_sorted", &f, v, &d, &p);
    for n in [1, 2, 5] {
        let mut d = vec![f64::NAN; n];
        let v = pushed_halving_grad(&p[..n], &mut d);
        check("pushed_halving", &pushed_halving, v, &d, &p[..n]);
    }
}

/// `retain` of a buffer of floats (filled by `push`, copied from a parameter, collected), at top
/// level and in a loop whose iterations read what the previous one kept; `extend_from_slice` in
/// a loop. Before: "`retain` on a slice is not supported yet", and a refusal of the pushes.
#[gradient]
fn retained(x: &[f64]) -> f64 {
    let mut v: Vec<f64> = Vec::with_capacity(x.len());
    for &a in x {
        if a > 0.0 {
            v.push(a.ln());
        } else {
            v.push(a.exp());
        }
    }
    v.retain(|&t| t > -1.0);
    let mut u = x.to_vec();
    u.retain(|t| *t > -0.5);
    let mut w: Vec<f64> = x.iter().map(|a| a * 2.0).collect();
    for _ in 0..2 {
        w.retain(|&t| t.abs() < 2.5);
        if !w.is_empty() {
            w[0] *= 0.5;
        }
    }
    let mut grown: Vec<f64> = vec![0.5];
    let pair = [x.last().copied().unwrap_or(0.0), 3.0];
    for _ in 0..2 {
        grown.extend_from_slice(&pair);
        grown.extend_from_slice(x);
    }
    // In a block whose value is read (lifted, its locals renamed).
    let kept = {
        let mut pa: Vec<f64> = x.iter().map(|&a| a * 2.0).collect();
        pa.retain(|&t| t > 0.3);
        pa.extend_from_slice(&[0.25, 0.5]);
        pa.iter().sum::<f64>()
    };
    kept * x.first().copied().unwrap_or(1.0)
        + v.iter().sum::<f64>()
        + u.iter().map(|a| a * a).sum::<f64>()
        + w.iter().sum::<f64>()
        + grown
            .iter()
            .enumerate()
            .map(|(i, a)| a * i as f64)
            .sum::<f64>()
}

#[test]
fn buffers_retained() {
    for p in [
        &[0.7, -0.4, 1.3, 0.2, -0.9][..],
        &[0.3, 1.1, -0.6, 0.8, 0.5, -1.2],
        &[-2.0, 3.0],
        &[],
    ] {
        let mut g = vec![0.0; p.len()];
        let v = retained_grad(p, &mut g);
        check("retained", &|q| retained(q), v, &g, p);
    }
}
