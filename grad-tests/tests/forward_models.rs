//! Forward mode on models: `#[gradient(jvp, wrt(m))]` and `#[gradient(jvp)]` on a method emit
//! `NAME_jvp(params.., v_m: &Model, ..) -> (value, ∇f · v)`, where the tangent model has the
//! model's type. Checked against the gradient model dotted with the tangent (both flattened by
//! `Params::to_flat`; 1e-10, rounding only) and against a central difference along it.

// The losses are written the way users write them (index loops over layers and buffers).
#![allow(clippy::needless_range_loop, clippy::useless_vec)]

use grad::{gradient, Params};

#[derive(Clone, Debug, Params)]
struct Dense {
    w: Vec<f64>,
    b: [f64; 2],
    gain: f64,
    n_in: usize,
}

#[derive(Clone, Debug, Params)]
struct Net {
    hidden: Dense,
    head: [f64; 2],
    scale: f64,
    penalty: Vec<f64>,
}

impl Net {
    fn new() -> Self {
        Net {
            hidden: Dense {
                w: (0..4).map(|k| (k as f64 * 0.37).sin() * 0.6).collect(),
                b: [0.1, -0.05],
                gain: 0.9,
                n_in: 2,
            },
            head: [0.5, -0.25],
            scale: 1.2,
            penalty: vec![0.1, 0.2, -0.3],
        }
    }

    /// A nested struct's fields, an array field, a scalar field, a slice field, a hidden buffer.
    #[gradient(jvp)]
    fn loss(&self, x: &[f64], target: f64) -> f64 {
        let n_in = self.hidden.n_in;
        let mut act = vec![0.0; 2];
        for o in 0..2 {
            let mut z = self.hidden.b[o];
            for i in 0..n_in {
                z += self.hidden.w[o * n_in + i] * x[i];
            }
            act[o] = (self.hidden.gain * z).tanh();
        }
        let out = self.head[0] * act[0] + self.head[1] * act[1];
        let reg: f64 = self.penalty.iter().map(|v| v * v).sum();
        (self.scale * out - target).powi(2) + 0.01 * reg
    }
}

/// A free function of a model and a scalar, calling the model's method whole.
#[gradient(jvp, wrt(net, t))]
fn outer(net: &Net, x: &[f64], t: f64) -> f64 {
    net.loss(x, t) * t + net.hidden.gain * net.scale
}

fn direction(n: usize) -> Vec<f64> {
    (0..n)
        .map(|k| ((k * 7 + 3) % 11) as f64 / 4.0 - 1.25)
        .collect()
}

#[test]
fn method_jvp_is_the_gradient_along_a_tangent_model() {
    let net = Net::new();
    let x = [0.5, -1.0];
    let mut d = net.zeros_like();
    let value = net.loss_grad(&x, 0.3, &mut d);
    let v = net.with_flat(&direction(net.num_params()));
    let (vj, t) = net.loss_jvp(&x, 0.3, &v);
    assert_eq!(vj.to_bits(), value.to_bits());
    let dot: f64 = d
        .to_flat()
        .iter()
        .zip(v.to_flat())
        .map(|(a, b)| a * b)
        .sum();
    assert!((t - dot).abs() <= 1e-10 * (1.0 + dot.abs()), "{t} vs {dot}");
    // A central difference along the tangent model.
    let p = net.to_flat();
    let dir = v.to_flat();
    let h = 1e-6;
    let at = |s: f64| {
        let q: Vec<f64> = p.iter().zip(&dir).map(|(a, b)| a + s * b).collect();
        net.with_flat(&q).loss(&x, 0.3)
    };
    let fd = (at(h) - at(-h)) / (2.0 * h);
    assert!((t - fd).abs() <= 1e-6 * (1.0 + fd.abs()), "{t} vs {fd}");
}

#[test]
fn free_function_jvp_with_a_model_and_a_scalar() {
    let net = Net::new();
    let x = [0.25, 0.75];
    let mut d = net.zeros_like();
    let (value, [dt]) = outer_grad(&net, &x, 0.4, &mut d);
    let v = net.with_flat(&direction(net.num_params()));
    let (vj, t) = outer_jvp(&net, &x, 0.4, &v, -0.5);
    assert_eq!(vj.to_bits(), value.to_bits());
    let dot: f64 = d
        .to_flat()
        .iter()
        .zip(v.to_flat())
        .map(|(a, b)| a * b)
        .sum::<f64>()
        - 0.5 * dt;
    assert!((t - dot).abs() <= 1e-10 * (1.0 + dot.abs()), "{t} vs {dot}");
}

#[test]
#[should_panic(expected = "does not have the shape of")]
fn a_tangent_model_of_another_shape_is_refused() {
    let net = Net::new();
    let mut v = net.zeros_like();
    v.penalty.pop();
    let _ = net.loss_jvp(&[0.5, -1.0], 0.3, &v);
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
struct Stack {
    layers: Vec<Layer>,
    head: Vec<f64>,
}

/// A `Vec` of layers iterated by reference, a hidden vector carried from layer to layer.
#[gradient(jvp, wrt(net))]
fn stack_loss(net: &Stack, x: &[f64], target: f64) -> f64 {
    let mut act = x.to_vec();
    for layer in &net.layers {
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
    let out: f64 = net.head.iter().zip(&act).map(|(h, a)| h * a).sum();
    (out - target).powi(2)
}

/// Rows of any lengths and rows of one length as parameters.
#[gradient(jvp)]
fn rows_loss(grid: &[Vec<f64>], pts: &[[f64; 2]], s: f64) -> f64 {
    let mut total = 0.0;
    for (i, row) in grid.iter().enumerate() {
        for &v in row {
            total += (v * s - pts[i % pts.len()][0]).powi(2);
        }
    }
    total + pts.iter().map(|p| p[0] * p[1]).sum::<f64>() * s
}

#[test]
fn jvp_through_a_vec_of_layers() {
    let layer = |l: usize| Layer {
        w: (0..4)
            .map(|k| ((k + 3 * l) as f64 * 0.37).sin() * 0.6)
            .collect(),
        b: (0..2)
            .map(|k| ((k + l) as f64 * 0.91).cos() * 0.1)
            .collect(),
        gain: 0.9 + 0.05 * l as f64,
        n_in: 2,
        n_out: 2,
    };
    let net = Stack {
        layers: vec![layer(0), layer(1)],
        head: vec![0.5, -0.25],
    };
    let x = [0.5, -1.0];
    let mut d = net.zeros_like();
    let value = stack_loss_grad(&net, &x, 0.3, &mut d);
    let v = net.with_flat(&direction(net.num_params()));
    let (vj, t) = stack_loss_jvp(&net, &x, 0.3, &v);
    assert_eq!(vj.to_bits(), value.to_bits());
    let dot: f64 = d
        .to_flat()
        .iter()
        .zip(v.to_flat())
        .map(|(a, b)| a * b)
        .sum();
    assert!((t - dot).abs() <= 1e-10 * (1.0 + dot.abs()), "{t} vs {dot}");
}

#[test]
fn jvp_of_rows_parameters() {
    let grid = vec![vec![0.5, -0.25], vec![1.5], vec![0.1, 0.2, 0.3]];
    let pts = [[0.3, 0.7], [-0.4, 1.1]];
    let s = 0.8;
    let mut d_grid = vec![vec![0.0; 2], vec![0.0; 1], vec![0.0; 3]];
    let mut d_pts = [[0.0; 2]; 2];
    let (value, [ds]) = rows_loss_grad(&grid, &pts, s, &mut d_grid, &mut d_pts);
    let v_grid = vec![vec![1.0, -0.5], vec![0.25], vec![0.5, 0.0, -1.0]];
    let v_pts = [[0.5, -0.75], [1.0, 0.25]];
    let (vj, t) = rows_loss_jvp(&grid, &pts, s, &v_grid, &v_pts, 0.5);
    assert_eq!(vj.to_bits(), value.to_bits());
    let mut dot = 0.5 * ds;
    for (dr, vr) in d_grid.iter().zip(&v_grid) {
        dot += dr.iter().zip(vr).map(|(a, b)| a * b).sum::<f64>();
    }
    for (dr, vr) in d_pts.iter().zip(&v_pts) {
        dot += dr.iter().zip(vr).map(|(a, b)| a * b).sum::<f64>();
    }
    assert!((t - dot).abs() <= 1e-10 * (1.0 + dot.abs()), "{t} vs {dot}");
}
