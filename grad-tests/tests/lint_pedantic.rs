//! The code `#[gradient]` generates is warning-free under `clippy::pedantic` as under `clippy::all`:
//! CI runs clippy with `-D warnings` on this file, so it compiles only if the expansion of every
//! function below is clean. The functions are themselves pedantic-clean, so any lint comes from
//! generated code.
#![deny(warnings, clippy::all, clippy::pedantic)]

use grad::gradient;

const SCALE: f64 = 0.25;

/// `max`, `min`, `clamp` and `abs`, whose derivatives compare floats (and forward mode, second
/// order).
#[gradient(jvp, hvp)]
fn kinks(x: f64, y: f64) -> f64 {
    x.max(y) + f64::min(x, 0.0) + x.clamp(-1.0, 1.0) + (x - y).abs() + f64::max(0.0, y)
}

/// Only a differentiated slice: the gradient returns the value alone.
#[gradient]
fn sum_of_squares(w: &[f64]) -> f64 {
    w.iter().map(|v| v * v).sum::<f64>()
}

/// Loops, a buffer, a cast, a constant and a call (and forward mode).
#[gradient(jvp, wrt(w, b))]
fn model(w: &[f64], b: f64, data: &[f64], n: usize, m: u32) -> f64 {
    let mut hidden = vec![0.0; n];
    for (i, h) in (0..n).zip(0..n) {
        hidden[h] = (w[i] * data[i] + b).tanh();
    }
    let mut loss = 0.0;
    for (i, &d) in data.iter().enumerate().take(n) {
        loss += (hidden[i] - d).powi(2) * SCALE;
    }
    for k in 0..m {
        loss += f64::from(k) * 1e-3 * b;
    }
    loss + sum_of_squares(w) * 1e-2
}

/// Branches, early return, and a long chain of literals the emitter prints (and forward mode,
/// second order).
#[gradient(jvp, hvp)]
fn branches(x: f32) -> f32 {
    if x > 10.0 {
        return x.ln();
    }
    let y = if x < 0.0 { -x } else { x * 0.7 };
    y.mul_add(2.0, std::f32::consts::LN_2) + f32::sin(1.25) * x
}

#[test]
fn every_function_runs() {
    let (v, [dx, dy]) = kinks_grad(0.5, -0.25);
    assert!(v.is_finite() && dx.is_finite() && dy.is_finite());
    let mut dw = [0.0; 2];
    sum_of_squares_grad(&[1.0, 2.0], &mut dw);
    assert!((dw[0] - 2.0).abs() < 1e-12 && (dw[1] - 4.0).abs() < 1e-12);
    let (v, [db]) = model_grad(&[0.5, -0.5], 0.1, &[1.0, 2.0], 2, 3, &mut dw);
    assert!(v.is_finite() && db.is_finite());
    let (v, [d]) = branches_grad(2.0);
    assert!(v.is_finite() && d.is_finite());
    let (v, t) = kinks_jvp(0.5, -0.25, 1.0, 0.0);
    assert!(v.is_finite() && (t - dx).abs() < 1e-12);
    let (v, t) = model_jvp(&[0.5, -0.5], 0.1, &[1.0, 2.0], 2, 3, &[0.0, 0.0], 1.0);
    assert!(v.is_finite() && (t - db).abs() < 1e-12);
    let (v, t) = branches_jvp(2.0, 1.0);
    assert!(v.is_finite() && (t - d).abs() < 1e-6);
    let (value, grad, hessian) = kinks_hessian(0.5, -0.25);
    assert!(value.is_finite() && (grad[0] - dx).abs() < 1e-12 && (grad[1] - dy).abs() < 1e-12);
    assert!(hessian.iter().flatten().all(|h| h.abs() < 1e-12));
    let (value, [grad], [hv]) = branches_hvp(2.0, 1.0);
    assert!(value.is_finite() && (grad - d).abs() < 1e-6 && hv.is_finite());
}

/// The constructs `#[gradient]` rewrites before lowering: `match`, `loop` with a value, tuple
/// `let`s, a local closure, a range reduction, `if let`, an item in the body, a reference.
#[gradient(wrt(x), jvp, hvp)]
fn rewritten(x: f64, count: usize, weight: Option<f64>) -> f64 {
    const HALF: f64 = 0.5;
    let square = |z: f64| z * z;
    let (half, sine) = (x * HALF, x.sin());
    let (sin_x, cos_x) = x.sin_cos();
    let half_ref = &half;
    let picked = match count % 3 {
        0 => square(*half_ref),
        1 | 2 => sine,
        _ => cos_x,
    };
    let mut steps = 0;
    let looped = loop {
        steps += 1;
        if steps > 2 {
            break picked * sin_x;
        }
    };
    let total = (0..count)
        .map(|j| x * f64::from(u32::try_from(j).unwrap_or(0)))
        .sum::<f64>();
    if let Some(scale) = weight {
        return looped + scale * total;
    }
    looped + total
}

#[test]
fn rewritten_constructs_run() {
    let (v, [d]) = rewritten_grad(0.3, 2, Some(2.0));
    assert!(v.is_finite() && d.is_finite());
    let (_, [g], [[h]]) = rewritten_hessian(0.3, 2, Some(2.0));
    assert!((g - d).abs() < 1e-12 && h.is_finite());
}

/// Rows of one length and of any lengths, differentiated.
#[gradient]
fn rows(pos: &[[f64; 2]], w: &[Vec<f64>]) -> f64 {
    let mut e = 0.0;
    for (i, p) in pos.iter().enumerate() {
        e += p[0] * p[1] * w[i % w.len()][0];
    }
    let [x0, y0] = pos[0];
    e + w.iter().map(|r| r.iter().sum::<f64>()).sum::<f64>() + x0 * y0
}

/// Tuples from branches, guards that bind, `panic!` on a path not taken, `std::mem::swap`,
/// `&mut` locals, and a labeled `break` with a value.
#[gradient(wrt(x))]
fn values(x: f64, k: usize) -> f64 {
    let (first, second) = if x > 0.0 { (x, 2.0 * x) } else { (x * x, 1.0) };
    let mut pair = (first, second);
    pair.0 += x.sin_cos().1;
    let chosen = match k {
        n if n > 3 => pair.0 * 2.0,
        0 => pair.1,
        _ => unreachable!("k = {k}"),
    };
    let checked = if chosen.is_nan() {
        panic!("not a number")
    } else {
        chosen
    };
    let (mut left, mut right) = (checked, pair.1);
    std::mem::swap(&mut left, &mut right);
    let slot = &mut left;
    *slot += 1.0;
    let mut round = 0;
    let found = 'search: loop {
        round += 1;
        for j in 0..3 {
            if j + round == k + 2 {
                break 'search left * right;
            }
        }
        if round > 2 {
            break right;
        }
    };
    found + left
}

#[test]
fn rows_and_values_run() {
    let mut dp = [[0.0; 2]; 2];
    let mut dw = vec![vec![0.0; 2], vec![0.0]];
    let v = rows_grad(
        &[[1.0, 2.0], [3.0, 4.0]],
        &[vec![0.5, 1.0], vec![2.0]],
        &mut dp,
        &mut dw,
    );
    assert!(v.is_finite() && dw[1][0].is_finite());
    let (v, [d]) = values_grad(0.3, 0);
    assert!(v.is_finite() && d.is_finite());
}

/// Data read through `&self`.
pub struct Samples {
    xs: Vec<f64>,
}

impl Samples {
    /// The squared error of a line through the samples.
    #[gradient(wrt(slope))]
    fn error(&self, slope: f64) -> f64 {
        self.xs
            .iter()
            .map(|x| (slope * x - 1.0).powi(2))
            .sum::<f64>()
    }
}

#[test]
fn methods_run() {
    let s = Samples { xs: vec![1.0, 2.0] };
    let (v, [d]) = s.error_grad(0.5);
    assert!(v.is_finite() && d.is_finite());
}

/// A model as a struct, differentiated as a parameter and as `self`.
#[derive(Clone, grad::Params)]
pub struct Layer {
    w: Vec<f64>,
    grid: Vec<Vec<f64>>,
    b: f64,
    n: usize,
}

/// Fields as numbers, sequences and rows, and a count that is data.
#[gradient(wrt(layer))]
fn layer_loss(layer: &Layer, x: &[f64]) -> f64 {
    let mut s = layer.b;
    for (j, xj) in x.iter().enumerate().take(layer.n) {
        s += layer.w[j] * xj;
    }
    for row in 0..layer.grid.len() {
        s += layer.grid[row][0] * layer.b;
    }
    s.tanh()
}

impl Layer {
    /// The same loss as a method, with second order.
    #[gradient(hvp)]
    fn loss(&self, x: &[f64]) -> f64 {
        let mut s = self.b;
        for (w, xi) in self.w.iter().zip(x) {
            s += w * xi;
        }
        s.tanh()
    }
}

#[test]
fn models_run() {
    let layer = Layer {
        w: vec![0.5, -0.5],
        grid: vec![vec![1.0]],
        b: 0.1,
        n: 2,
    };
    let mut d = layer.zeros_like();
    let v = layer_loss_grad(&layer, &[1.0, 2.0], &mut d);
    assert!(v.is_finite() && d.b.is_finite());
    let v = layer.loss_grad(&[1.0, 2.0], &mut d);
    assert!(v.is_finite() && d.w[0].is_finite());
    let (dir, mut hv) = (layer.zeros_like(), layer.zeros_like());
    let v = layer.loss_hvp(&[1.0, 2.0], &dir, &mut d, &mut hv);
    assert!(v.is_finite() && hv.w[0].is_finite());
}

/// Calls that take the whole model: a method on `self` and a free function.
#[derive(Clone, grad::Params)]
pub struct Stack {
    a: f64,
    w: Vec<f64>,
}

impl Stack {
    /// A layer.
    #[gradient]
    fn layer(&self, h: &[f64]) -> f64 {
        self.a * h[0] + self.w.iter().zip(h).map(|(w, v)| w * v).sum::<f64>()
    }

    /// The loss, through the layer.
    #[gradient]
    fn loss(&self, x: &[f64]) -> f64 {
        let h = vec![self.a * x[0], x[1]];
        self.layer(&h).tanh()
    }
}

/// The whole model passed on.
#[gradient(wrt(s))]
fn stack_loss(s: &Stack, x: &[f64]) -> f64 {
    s.loss(x) + s.layer(x)
}

#[test]
fn model_calls_run() {
    let s = Stack {
        a: 0.5,
        w: vec![1.0, -1.0],
    };
    let mut d = s.zeros_like();
    let v = stack_loss_grad(&s, &[1.0, 2.0], &mut d);
    assert!(v.is_finite() && d.a.is_finite());
}

/// A hand-written rule and the tests `check(at(..))` generates.
fn half_square(x: f64) -> f64 {
    0.5 * x * x
}

#[grad::custom_gradient(check(at(1.5)))]
fn half_square_grad(x: f64) -> (f64, [f64; 1]) {
    (half_square(x), [x])
}

#[gradient(check(at(0.5, 2)), jvp)]
fn uses_rule(x: f64, n: u32) -> f64 {
    half_square(x) * f64::from(n)
}

#[test]
fn rule_runs() {
    let (value, [d]) = uses_rule_grad(2.0, 3);
    assert!((value - 6.0).abs() < 1e-12 && (d - 6.0).abs() < 1e-12);
}

/// A generic float type: literals through `T::from`, compound assignment (the bound allows it,
/// the generated code must not trip `assign_op_pattern`), forward mode and second order.
#[gradient(jvp, hvp)]
fn generic_loss<T: grad::Real + core::ops::AddAssign>(w: &[T], b: T, data: &[f64]) -> T {
    let mut acc = T::zero();
    for (i, &x) in data.iter().enumerate() {
        let p = w[i % w.len()] * T::from(x).unwrap_or_else(T::nan) + b;
        acc += p.tanh().powi(2);
    }
    acc / T::from(data.len()).unwrap_or_else(T::one)
}

/// A generic model's method.
#[derive(Clone, grad::Params)]
struct GenericLine<T> {
    w: T,
    b: T,
}

impl<T: grad::Real> GenericLine<T> {
    #[gradient]
    fn loss(&self, xs: &[T]) -> T {
        xs.iter()
            .fold(T::zero(), |acc, &x| acc + (self.w * x + self.b).powi(2))
    }
}

#[test]
fn generic_runs() {
    let mut d = [0.0_f32; 2];
    let (v, [db]) = generic_loss_grad(&[0.5_f32, -0.25], 0.1, &[1.0, 2.0, 3.0], &mut d);
    assert!(v.is_finite() && db.is_finite() && d.iter().all(|g| g.is_finite()));
    let m = GenericLine {
        w: 0.5_f64,
        b: 0.25,
    };
    let mut g = GenericLine { w: 0.0, b: 0.0 };
    let value = m.loss_grad(&[1.0, 2.0], &mut g);
    assert!(
        (value - m.loss(&[1.0, 2.0])).abs() < 1e-15 && (g.b - 2.0 * (0.75 + 1.25)).abs() < 1e-12
    );
}

/// Pushes into a vector over ranges of `usize` and `i32` and over a slice (the trip counts the
/// generated code computes must not trip casts or conversion lints).
#[gradient]
fn pushed(weights: &[f64], count: usize, last: i32) -> f64 {
    let mut doubled = Vec::with_capacity(count);
    for i in 0..count {
        doubled.push(weights[i % weights.len()] * 2.0);
    }
    let mut ramp: Vec<f64> = Vec::new();
    for k in -1..=last {
        ramp.push(f64::from(k) * weights[0]);
    }
    let mut squashed = Vec::new();
    for &x in weights {
        squashed.push(x.tanh());
    }
    doubled.iter().sum::<f64>() + ramp.iter().sum::<f64>() + squashed.iter().sum::<f64>()
}

#[test]
fn pushed_runs() {
    let mut d = [0.0; 2];
    let v = pushed_grad(&[0.5, 1.0], 3, 2, &mut d);
    assert!(v.is_finite() && d.iter().all(|g| g.is_finite()));
}

/// A vector-valued layer (`NAME_vjp`, `NAME_jacobian`) and a loss that calls it in a loop.
#[gradient]
fn layer(weights: &[f64], input: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; weights.len()];
    for (k, w) in weights.iter().enumerate() {
        out[k] = (w * input[k % input.len()]).tanh();
    }
    out
}

#[gradient]
fn layered(weights: &[f64], inputs: &[f64]) -> f64 {
    let mut total = 0.0;
    for s in 0..inputs.len() / 2 {
        let hidden = layer(weights, &inputs[2 * s..2 * s + 2]);
        total += hidden.iter().sum::<f64>();
    }
    total
}

#[test]
fn layered_runs() {
    let (mut dw, mut dx) = ([0.0; 3], [0.0; 4]);
    let v = layered_grad(&[0.5, -0.2, 0.1], &[1.0, 2.0, -1.0, 0.5], &mut dw, &mut dx);
    assert!(v.is_finite() && dw.iter().all(|g| g.is_finite()));
    let (_, jac) = layer_jacobian(&[0.5, -0.2], &[1.0, 2.0]);
    assert_eq!(jac.len(), 2);
}

/// A generic layer (its bound in a `where` clause) called per sample with data: the call goes
/// through the layer's split, whose flags leave the data's adjoint out.
#[gradient]
fn generic_layer<T>(w: &[T], x: &[T]) -> Vec<T>
where
    T: grad::Real,
{
    let mut out = vec![T::zero(); w.len()];
    for k in 0..w.len() {
        out[k] = (w[k] * x[k]).tanh();
    }
    out
}

#[gradient(wrt(w))]
fn generic_layered<T>(w: &[T], xs: &[T]) -> T
where
    T: grad::Real,
{
    let mut total = T::zero();
    for s in 0..xs.len() / 2 {
        let h = generic_layer(w, &xs[2 * s..2 * s + 2]);
        total = total + h[0] * h[1];
    }
    total
}

#[test]
fn generic_layered_runs() {
    let mut dw = [0.0_f32; 2];
    let v = generic_layered_grad(&[0.5_f32, -0.2], &[1.0, 2.0, -1.0, 0.5], &mut dw);
    assert!(v.is_finite() && dw.iter().all(|g| g.is_finite()));
}

/// A tuple of floats as the result, its parts read by a pattern and by field.
#[gradient]
fn to_cartesian(r: f64, theta: f64) -> (f64, f64) {
    (r * theta.cos(), r * theta.sin())
}

#[gradient]
fn uses_cartesian(r: f64, theta: f64) -> f64 {
    let (x, y) = to_cartesian(r, theta);
    x * y + to_cartesian(theta, r).0
}

#[test]
fn tuples_run() {
    let (v, g) = uses_cartesian_grad(1.5, 0.25);
    assert!(v.is_finite() && g.iter().all(|d| d.is_finite()));
    let ((x, _), jac) = to_cartesian_jacobian(1.5, 0.25);
    assert!(x.is_finite() && jac.len() == 2);
}

/// Pushes that may not run, an `extend`, a read through an open range, a sort.
#[gradient]
fn conditional_pushes(x: &[f64], s: f64) -> f64 {
    let mut kept = Vec::new();
    for &a in x {
        if a > 0.0 {
            kept.push(a * s);
        }
    }
    kept.extend_from_slice(x);
    let mut sorted = x.to_vec();
    sorted.sort_by(f64::total_cmp);
    kept[1..].iter().map(|t| t.cos()).sum::<f64>() + sorted[0] * s
}

/// Rows as borrowed slices and rows of a fixed count.
#[gradient]
fn slice_and_matrix_rows(xs: &[&[f64]], m: &[[f64; 2]; 2]) -> f64 {
    let mut t = 0.0;
    for row in xs {
        t += row.iter().sum::<f64>() * m[0][1];
    }
    t + m[1][0] * m[1][1]
}

/// A data row passed to a helper that differentiates its slice.
#[gradient(wrt(w))]
fn rows_to_sum_of_squares(w: &[f64], xs: &[Vec<f64>]) -> f64 {
    let mut t = 0.0;
    for x in xs {
        t += sum_of_squares(w) * sum_of_squares(x);
    }
    t
}

/// A model's rows field read row by row.
#[derive(Clone, grad::Params)]
pub struct Rowwise {
    w: Vec<Vec<f64>>,
    b: Vec<f64>,
}

impl Rowwise {
    #[gradient]
    fn loss(&self, x: &[f64]) -> f64 {
        self.w
            .iter()
            .zip(&self.b)
            .map(|(row, b)| (row.iter().zip(x).map(|(w, v)| w * v).sum::<f64>() + b).tanh())
            .sum()
    }
}

#[test]
fn added_constructs_run() {
    let mut dx = [0.0; 3];
    let (value, [ds]) = conditional_pushes_grad(&[0.5, -1.0, 2.0], 0.3, &mut dx);
    assert!(value.is_finite() && ds.is_finite());
    let (first, second) = ([0.5, 1.0], [2.0]);
    let xs: Vec<&[f64]> = vec![&first, &second];
    let (mut da, mut db) = ([0.0; 2], [0.0; 1]);
    let mut dm = [[0.0; 2]; 2];
    let value = {
        let mut views: Vec<&mut [f64]> = vec![&mut da, &mut db];
        slice_and_matrix_rows_grad(&xs, &[[1.0, 2.0], [3.0, 4.0]], &mut views, &mut dm)
    };
    assert!(value.is_finite() && da[0].is_finite());
    let mut dw = [0.0; 2];
    let value = rows_to_sum_of_squares_grad(&[0.5, 1.0], &[vec![1.0, 2.0]], &mut dw);
    assert!(value.is_finite() && dw[0].is_finite());
    let model = Rowwise {
        w: vec![vec![0.5, -0.5]],
        b: vec![0.1],
    };
    let mut grad = model.zeros_like();
    assert!(model.loss_grad(&[1.0, 2.0], &mut grad).is_finite());
}

/// A layer writing into an output parameter (by index, through `iter_mut().zip`), and a loss
/// calling it and a plain data helper on buffers reused per sample, into a buffer's tail too.
#[gradient]
fn layer_into(weights: &[f64], input: &[f64], out: &mut [f64]) {
    for (k, o) in out.iter_mut().enumerate() {
        *o = (weights[k] * input[k % input.len()]).tanh();
    }
    for (o, w) in out.iter_mut().zip(weights) {
        *o += w * 0.5;
    }
}

fn prepare(input: &[f64], out: &mut [f64]) {
    out.copy_from_slice(input);
}

#[gradient(wrt(weights))]
fn layered_into(weights: &[f64], inputs: &[f64]) -> f64 {
    let mut x = [0.0; 2];
    let mut h = vec![0.0; 3];
    let mut loss = 0.0;
    for row in inputs.chunks_exact(2) {
        prepare(row, &mut x);
        layer_into(weights, &x, &mut h);
        layer_into(weights, &x, &mut h[1..]);
        loss += h.iter().sum::<f64>();
    }
    loss
}

#[test]
fn output_parameters_run() {
    let mut dw = [0.0; 3];
    let v = layered_into_grad(&[0.1, 0.2, 0.3], &[1.0, 2.0, 3.0, 4.0], &mut dw);
    assert!(v.is_finite() && dw.iter().all(|d| d.is_finite()));
    let (mut out, mut d_out, mut dwi, mut dx) = ([0.0; 3], [1.0; 3], [0.0; 3], [0.0; 2]);
    let [] = layer_into_vjp(
        &[0.1, 0.2, 0.3],
        &[1.0, 2.0],
        &mut out,
        &mut d_out,
        &mut dwi,
        &mut dx,
    );
    let jac = layer_into_jacobian(&[0.1, 0.2, 0.3], &[1.0, 2.0], &mut out);
    assert_eq!(jac.len(), 3);
}

/// A model of layers: a vector-valued method, called on a field and on the elements of a `Vec`
/// of layers, and a scalar method called on a field.
#[derive(Clone, grad::Params)]
struct Linear {
    w: Vec<f64>,
    b: Vec<f64>,
}

impl Linear {
    #[gradient(wrt(self, x))]
    fn forward(&self, x: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; self.b.len()];
        for (k, o) in out.iter_mut().enumerate() {
            *o = (self.w[k] * x[k % x.len()] + self.b[k]).tanh();
        }
        out
    }

    #[gradient]
    fn penalty(&self) -> f64 {
        self.w.iter().map(|w| w * w).sum::<f64>()
    }
}

#[derive(Clone, grad::Params)]
struct LayerStack {
    first: Linear,
    rest: Vec<Linear>,
}

impl LayerStack {
    #[gradient]
    fn loss(&self, x: &[f64]) -> f64 {
        let h = self.first.forward(x);
        let mut acc = vec![0.0; h.len()];
        acc.copy_from_slice(&h);
        for layer in &self.rest {
            let next = layer.forward(&acc);
            acc.copy_from_slice(&next);
        }
        acc.iter().sum::<f64>() + self.first.penalty() * SCALE
    }
}

#[test]
fn model_of_layers_runs() {
    use grad::Params;
    let layer = Linear {
        w: vec![0.1, 0.2],
        b: vec![0.0, 0.1],
    };
    let m = LayerStack {
        first: layer.clone(),
        rest: vec![layer.clone(), layer],
    };
    let mut g = m.zeros_like();
    let v = m.loss_grad(&[1.0, 2.0], &mut g);
    assert!(v.is_finite() && g.to_flat().iter().all(|d| d.is_finite()));
}

/// `parallel`: the serial gradient under a hidden name, the hidden pieces (range, chunk, partial
/// sums, what follows the loop) nested in `NAME_grad`, and the wrapper; two accumulators, rows
/// zipped with labels, a scalar.
#[gradient(wrt(weights, bias), parallel(min_len = 4))]
fn split_sum(weights: &[f64], bias: f64, rows: &[f64], labels: &[f64]) -> f64 {
    let dim = weights.len();
    let mut loss = 0.0;
    let mut total = 0.0;
    for (row, &label) in rows.chunks_exact(dim).zip(labels) {
        let pred = row.iter().zip(weights).map(|(a, c)| a * c).sum::<f64>() + bias;
        loss += (pred - label).powi(2) * label.abs();
        total += label.abs();
    }
    (loss / total).sqrt()
}

/// `parallel` with the estimated threshold, one accumulator; a method reading `&self` as data
/// (the hidden pieces are its siblings); a generic float type.
#[gradient(wrt(w), parallel)]
fn split_range(w: &[f64], x: &[f64], y: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += (w[0] * x[i] - y[i]).tanh();
    }
    s
}

struct Points {
    x: Vec<f64>,
}

impl Points {
    #[gradient(wrt(w), parallel(min_len = 2))]
    fn loss(&self, w: &[f64]) -> f64 {
        let mut s = 0.0;
        for v in &self.x {
            s += (w[0] * v - 1.0).powi(2);
        }
        s
    }
}

#[gradient(parallel(min_len = 2))]
fn split_generic<T: grad::Real>(w: &[T], x: &[T]) -> T {
    let mut s = T::zero();
    for v in x {
        s = s + (w[0] * *v).sin();
    }
    s
}

#[test]
fn parallel_runs() {
    let mut dw = [0.0; 2];
    let (value, [db]) = split_sum_grad(
        &[0.5, -0.5],
        0.1,
        &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        &[1.0, 0.5, 2.0],
        &mut dw,
    );
    assert!(value.is_finite() && db.is_finite() && dw[0].is_finite());
    let mut dw = [0.0; 1];
    assert!(split_range_grad(&[0.5], &[1.0, 2.0], &[0.0, 1.0], &mut dw).is_finite());
    let points = Points {
        x: vec![1.0, 2.0, 3.0],
    };
    assert!(points.loss_grad(&[0.5], &mut dw).is_finite());
    let (mut dw, mut dx) = ([0.0_f32; 1], [0.0_f32; 3]);
    assert!(split_generic_grad(&[0.5_f32], &[1.0, 2.0, 3.0], &mut dw, &mut dx).is_finite());
}

/// The iterator forms of session 10: a collect of a zip, a chain in a loop and a sum, `reduce`,
/// `any`/`all` bound to names, a tuple fold, an array reassigned whole.
#[gradient]
fn iterator_forms(xs: &[f64], ys: &[f64], scale: f64) -> f64 {
    let products: Vec<f64> = xs.iter().zip(ys).map(|(p, q)| p * q).collect();
    let mut chained = 0.0;
    for v in xs.iter().chain(ys.iter()) {
        chained += v * scale;
    }
    let total: f64 = xs.iter().chain(ys).sum();
    let high = xs.iter().copied().reduce(f64::max).unwrap();
    let positive = ys.iter().all(|v| *v > 0.0);
    let (mean, square) = xs.iter().fold((0.0, 0.0), |(m, q), &v| (m + v, q + v * v));
    let mut state = [scale, mean];
    state = [state[0] * 0.5 + square, state[1] - state[0]];
    let sign = if positive { 1.0 } else { -1.0 };
    products.iter().sum::<f64>() + chained + total * high * sign + state[0] * state[1]
}

#[test]
fn iterator_forms_run() {
    let (mut da, mut db) = ([0.0; 2], [0.0; 2]);
    let (v, [dw]) = iterator_forms_grad(&[0.5, -0.2], &[1.0, 0.3], 0.7, &mut da, &mut db);
    assert!(v.is_finite() && dw.is_finite() && da.iter().chain(&db).all(|g| g.is_finite()));
}

/// This session's forms: filters among other stages, in loops and reductions; defaults of what
/// may be absent; a tuple fold's part; a function item and a closure that return; output
/// macros; `split_at`.
#[gradient(wrt(xs), jvp, hvp)]
fn everyday_forms(xs: &[f64], ys: &[f64], verbose: bool) -> f64 {
    fn bump(v: f64) -> f64 {
        if v < 0.0 {
            return -v;
        }
        v * v
    }
    let soft = |v: f64| {
        if v > 2.0 {
            return 2.0;
        }
        v.tanh()
    };
    let (head, tail) = xs.split_at(1);
    let even: f64 = xs
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 2 == 0)
        .map(|(_, v)| v * v)
        .sum();
    let mut looped = 0.0;
    for (&a, b) in tail.iter().zip(ys).filter(|&(_, b)| *b > 0.0) {
        looped += a * b;
    }
    let top = ys.iter().copied().reduce(f64::max).unwrap_or_default();
    let last = xs.iter().copied().last().unwrap_or(0.5);
    let part = xs
        .iter()
        .fold((0.0, 1.0), |acc, &v| (acc.0 + v, acc.1 * v))
        .1;
    if verbose {
        println!("even = {even}, looped = {looped}");
    }
    bump(head[0]) + soft(even) + looped * top + last + part
}

#[test]
fn everyday_forms_run() {
    let mut dx = [0.0; 3];
    let v = everyday_forms_grad(&[0.5, -0.2, 0.9], &[1.0, 0.3], false, &mut dx);
    assert!(v.is_finite() && dx.iter().all(|g| g.is_finite()));
    let (v, t) = everyday_forms_jvp(&[0.5, -0.2, 0.9], &[1.0, 0.3], false, &[1.0, 0.0, 0.0]);
    assert!(v.is_finite() && (t - dx[0]).abs() < 1e-12);
}

/// A helper whose `wrt` leaves its slice out, given data (through `NAME__all_grad`).
#[gradient(wrt(a))]
fn weighted_sum(a: f64, s: &[f64]) -> f64 {
    a * s[0] + s[s.len() - 1]
}

/// A helper taking `&f64` (as the user wrote it; that lint is the user's).
#[allow(clippy::trivially_copy_pass_by_ref)]
#[gradient]
fn squared_ref(x: &f64) -> f64 {
    x * x
}

#[derive(Clone, Copy)]
struct Motion {
    pos: f64,
    vel: f64,
}

/// The later forms: a struct local, a copy shadowing its source, data given to a `wrt` helper
/// (also as an array in a `match` arm), a computed `&f64`, a whole-number index, `for_each`,
/// pieces zipped with a slice.
/// (The cast is the user's, and so are its lints.)
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::needless_for_each
)]
#[gradient(wrt(x, w))]
fn later_forms(x: f64, w: &[f64], data: &[f64], k: usize) -> f64 {
    let mut state = Motion { pos: x, vel: 0.0 };
    for _ in 0..3 {
        state.vel -= 0.1 * state.pos;
        state.pos += 0.1 * state.vel;
    }
    let w = w.to_vec();
    let lookup = match k % 2 {
        0 => weighted_sum(state.pos, data),
        _ => weighted_sum(state.vel, &[0.5, 1.5]),
    };
    let index = x.abs().floor() as usize;
    let cell = w[index.min(w.len() - 1)];
    let mut acc = 0.0;
    w.iter().for_each(|v| acc += v * v);
    for (pair, d) in w.chunks(2).zip(data) {
        acc += pair[0] * d;
    }
    lookup + squared_ref(&(2.0 * state.pos)) + cell + acc
}

#[test]
fn later_forms_run() {
    let mut dw = [0.0; 3];
    let (v, [dx]) = later_forms_grad(0.7, &[0.5, -0.2, 0.9], &[1.0, 0.3], 0, &mut dw);
    assert!(v.is_finite() && dx.is_finite() && dw.iter().all(|g| g.is_finite()));
    let (v, [dx]) = later_forms_grad(1.4, &[0.5, -0.2, 0.9], &[1.0, 0.3], 1, &mut dw);
    assert!(v.is_finite() && dx.is_finite() && dw.iter().all(|g| g.is_finite()));
}

#[gradient]
fn array_norm(s: &[f64; 2]) -> f64 {
    s[0] * s[0] + s[1]
}

const KNOTS: [f64; 3] = [-0.5, 0.25, 1.0];

/// The forms of the second round: a reference bound to a local, a block statement that returns,
/// a variable given its value in a loop, a block as an operand of `&&`, a part of a part, a
/// helper whose parameters are named like the caller's variables, destructuring assignment, an
/// array parameter, a matrix of names, an argmax, a search in constant data, writes into parts,
/// a struct declared in the body.
#[allow(clippy::cast_precision_loss, clippy::items_after_statements)]
#[gradient(wrt(x, w))]
fn second_round_forms(x: f64, w: &[f64], k: usize) -> f64 {
    struct Pair {
        first: f64,
        second: f64,
    }
    let point = &x;
    let mut total = squared_ref(point);
    {
        let scaled = w[0] * x;
        if scaled > 100.0 {
            return scaled;
        }
    }
    let mut term: f64;
    for weight in w {
        term = weight * x;
        total += term.tanh();
    }
    let mut doubled = 0.0;
    if x > 0.0 && {
        doubled = 2.0 * x;
        doubled > 1.0
    } {
        total += doubled;
    }
    let part: f64 = w[k..][..2].iter().sum();
    let sub = |second: f64, first: f64| first - 0.5 * second;
    let (mut first, mut second) = (x, total);
    (first, second) = (second, first * 0.5);
    let matrix = [[first, second], [second, first]];
    let (imax, &vmax) = w
        .iter()
        .enumerate()
        .max_by(|left, right| left.1.total_cmp(right.1))
        .unwrap();
    let cell = KNOTS.partition_point(|&knot| knot <= x).min(w.len() - 1);
    let mut copies = [0.0; 3];
    copies[1..].copy_from_slice(&w[..2]);
    let pair = Pair {
        first: copies[1],
        second: copies[2],
    };
    total
        + part
        + sub(first, second)
        + matrix[0][1] * matrix[1][0]
        + vmax * imax as f64
        + w[cell]
        + array_norm(&[x, doubled])
        + pair.first * pair.second
}

#[test]
fn second_round_forms_run() {
    let mut dw = [0.0; 4];
    for k in 0..2 {
        let (v, [dx]) = second_round_forms_grad(0.7, &[0.5, -0.2, 0.9, 0.1], k, &mut dw);
        assert!(v.is_finite() && dx.is_finite() && dw.iter().all(|g| g.is_finite()));
    }
}

#[gradient]
fn pair_rates(state: [f64; 2], rate: f64) -> [f64; 2] {
    [state[0] * rate, state[1].sin()]
}

/// Data with a method, lent by field.
struct Weights {
    values: Vec<f64>,
}

impl Weights {
    #[gradient(wrt(x))]
    fn apply(&self, x: &[f64]) -> f64 {
        weighted_sum(x[0], &self.values)
    }
}

/// The later forms: `while let`, a `match` on a tuple, `std::iter::zip`, a data field lent as a
/// slice, a data parameter's method, a closure around a vector-valued call, `map` of an array
/// parameter.
#[gradient(wrt(x, point))]
fn third_round_forms(x: &[f64], point: &[f64; 2], weights: &Weights) -> f64 {
    let mut index = 0;
    let mut total = 0.0;
    while let Some(&value) = x.get(index) {
        total += value * value;
        index += 1;
    }
    total += match (total > 1.0, index % 2) {
        (true, 0) => total.sqrt(),
        (true, _) => total * 0.5,
        (false, _) => total,
    };
    let paired: f64 = std::iter::zip(x, &weights.values)
        .map(|(left, right)| left * right)
        .sum();
    let step = |state: [f64; 2], rate: f64| pair_rates(state, rate);
    let scaled = point.map(|coordinate| 2.0 * coordinate);
    let rates = step(scaled, x[0]);
    total + paired + weights.apply(x) + rates[0] * rates[1]
}

#[test]
fn third_round_forms_run() {
    let weights = Weights {
        values: vec![0.5, -1.0, 2.0],
    };
    let (mut dx, mut dp) = ([0.0; 3], [0.0; 2]);
    let value = third_round_forms_grad(&[0.3, 0.7, -0.2], &[0.4, 0.9], &weights, &mut dx, &mut dp);
    assert!(value.is_finite() && dx.iter().chain(&dp).all(|g| g.is_finite()));
}

/// Scopes: items of one name in inner blocks, a closure and a nested function; a view read where
/// its slice's name is declared again; a helper writing through `&mut`; an uppercase name bound by
/// an arm.
#[gradient(wrt(x, w))]
fn scoped_forms(x: f64, w: &[f64], count: Option<usize>) -> f64 {
    const RATE: f64 = 0.5;
    fn add_square(total: &mut f64, value: f64) {
        *total += value * value;
    }
    let inner = {
        const RATE: f64 = 2.0;
        RATE * x
    };
    let scale = |value: f64| {
        const RATE: f64 = 3.0;
        RATE * value
    };
    let tail = &w[1..];
    let viewed = {
        let w = x * 0.5;
        tail[0] * w
    };
    let mut total = inner + scale(x) + viewed + RATE * x;
    add_square(&mut total, x);
    for pair in w.windows(2) {
        let w = pair[0] * pair[1];
        total += w;
    }
    #[allow(non_snake_case)]
    let counted = match count {
        Some(N) => f64::from(u32::try_from(N).unwrap_or(0)) * x,
        None => x,
    };
    total + counted
}

#[test]
fn scoped_forms_run() {
    let mut dw = [0.0; 3];
    for count in [Some(2), None] {
        let (value, [dx]) = scoped_forms_grad(0.7, &[0.5, -0.2, 0.9], count, &mut dw);
        assert!(value.is_finite() && dx.is_finite() && dw.iter().all(|g| g.is_finite()));
    }
}

/// Later forms: a matrix of rows, an accumulator chosen through `&mut`, a nested function
/// returning a tuple, a closure named again, a fold over windows, maps after pairs, `copysign`
/// and `rem_euclid`, pairs of differentiated rows.
#[gradient(wrt(x, points))]
fn fourth_round_forms(x: &[f64], points: &[[f64; 2]]) -> f64 {
    fn split(value: f64) -> (f64, f64) {
        (value * 0.5, value.sin())
    }
    let count = x.len();
    let mut table = vec![vec![f64::INFINITY; count]; 2];
    for (row_index, row) in table.iter_mut().enumerate() {
        for (column, cell) in row.iter_mut().enumerate() {
            *cell = x[column] * (f64::from(u32::try_from(row_index).unwrap_or(0)) + 1.0);
        }
    }
    let mut above = 0.0;
    let mut below = 0.0;
    for &value in x {
        let slot = if value > 0.0 { &mut above } else { &mut below };
        *slot += value * value;
    }
    let (half, sine) = split(x[0]);
    let scale = |value: f64| value * 2.0;
    let first = scale(half);
    let scale = |value: f64| value + sine;
    let rough = x
        .windows(2)
        .fold(0.0, |total, pair| total + (pair[1] - pair[0]).powi(2));
    let paired: f64 = x
        .iter()
        .zip(&table[1])
        .map(|(left, right)| left * right)
        .map(|product| product.tanh() * 0.5)
        .sum();
    let mut energy = 0.0;
    for (index, point) in points.iter().enumerate() {
        for other in points.iter().skip(index + 1) {
            energy += (point[0] - other[0]).hypot(point[1] - other[1]);
        }
    }
    above - below
        + first
        + scale(rough)
        + paired
        + energy
        + x[0].copysign(x[1])
        + x[1].rem_euclid(2.0)
}

#[test]
fn fourth_round_forms_run() {
    let (mut dx, mut dp) = ([0.0; 3], [[0.0; 2]; 3]);
    let points = [[0.0, 0.1], [1.0, 0.3], [0.4, 1.2]];
    let value = fourth_round_forms_grad(&[0.3, -0.7, 1.1], &points, &mut dx, &mut dp);
    assert!(value.is_finite() && dx.iter().chain(dp.iter().flatten()).all(|g| g.is_finite()));
}

/// A vector-valued helper returning from an `if` and from a `match`.
#[gradient]
fn branch_pair(values: &[f64], scale: f64) -> [f64; 2] {
    if scale > 0.5 {
        return [scale * 2.0, values[0]];
    }
    match values.len() % 2 {
        0 => [values[0] * scale, scale],
        _ => [scale, values[0].tanh()],
    }
}

/// The fifth round: helpers writing into buffers through `&mut [f64]`, a block condition that
/// breaks, an untyped integer local, a reference to a computed constant, a view inside `vec!`,
/// a vector-valued helper with `return`.
#[allow(clippy::blocks_in_conditions, clippy::useless_vec)]
#[gradient(wrt(x))]
fn fifth_round_forms(x: &[f64], count: usize) -> f64 {
    fn scale(values: &mut [f64], factor: f64) {
        for value in values.iter_mut() {
            *value *= factor;
        }
    }
    let mut buffer = vec![0.0; x.len()];
    for (slot, value) in buffer.iter_mut().zip(x) {
        *slot = value * value;
    }
    scale(&mut buffer, x[0]);
    let mut total = 0.0;
    for value in &buffer {
        if {
            total += value;
            total > 5.0
        } {
            break;
        }
    }
    let first = 1;
    let reference: &f64 = &(SCALE.sqrt());
    let tail = &x[1..];
    let listed = vec![tail.iter().sum::<f64>(), tail[0] * *reference];
    let pair = branch_pair(x, x[1]);
    let counted = if count >= first { listed[0] } else { listed[1] };
    total + counted + pair[0] * pair[1]
}

#[test]
fn fifth_round_forms_run() {
    let mut dx = [0.0; 3];
    for count in [0, 2] {
        let value = fifth_round_forms_grad(&[0.3, 0.7, -1.1], count, &mut dx);
        assert!(value.is_finite() && dx.iter().all(|g| g.is_finite()));
    }
}

/// The sixth round: buffers whose length changes (`h = next;` between layers of different
/// widths, `resize`, `truncate`, a `while` that halves its buffer), with forward mode and
/// second order.
#[gradient(jvp, hvp, wrt(weights))]
fn resized_buffers(weights: &[f64], input: &[f64], widths: &[usize]) -> f64 {
    let mut activations = input.to_vec();
    let mut offset = 0;
    for &width in widths {
        let mut next = vec![0.0; width];
        for (row, slot) in next.iter_mut().enumerate() {
            let mut sum = 0.0;
            for (column, value) in activations.iter().enumerate() {
                sum += weights[offset + row * activations.len() + column] * value;
            }
            *slot = sum.tanh();
        }
        offset += width * activations.len();
        activations = next;
    }
    activations.resize(4, 0.5);
    while activations.len() > 1 {
        let half = activations.len() / 2;
        let mut pairs = vec![0.0; half];
        for (index, slot) in pairs.iter_mut().enumerate() {
            *slot = activations[2 * index] * activations[2 * index + 1];
        }
        activations = pairs;
    }
    activations.truncate(1);
    activations[0]
}

#[test]
fn resized_buffers_run() {
    let weights = [0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.7];
    let mut gradient = [0.0; 7];
    let value = resized_buffers_grad(&weights, &[0.5, -0.25], &[2, 1, 1], &mut gradient);
    assert!(value.is_finite() && gradient.iter().all(|g| g.is_finite()));
}

/// A helper taking a slice, given a list and an empty one.
#[gradient(hvp)]
fn listed_total(values: &[f64], extra: &[f64]) -> f64 {
    values.iter().sum::<f64>() + extra.iter().sum::<f64>()
}

/// The seventh round: a tuple match binding a float part, a match on an `Ordering`, a name
/// declared before a `loop`, a loop over a chain counted across it, an extremum by a key, a loop
/// bound cast from a whole number, helpers returning lists, empty and listed slices, a buffer
/// given what a chain collects, a concatenation sorted (and forward mode, second order).
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
#[gradient(jvp, hvp)]
fn seventh_round_forms(x: f64, y: f64, data: &[f64]) -> f64 {
    fn pair(a: f64, b: f64) -> Vec<f64> {
        vec![a * b, a + b]
    }
    let count = data.len();
    let tupled = match (count, x) {
        (3, value) if value > 1.0 => value * y,
        (_, mut value) => {
            value *= 0.5;
            value
        }
    };
    let ordered = match x.partial_cmp(&y) {
        Some(std::cmp::Ordering::Less) => y - x,
        _ => x * y,
    };
    let mut last;
    let mut step = 0;
    loop {
        last = x * f64::from(step);
        step += 1;
        if step > 2 {
            break;
        }
    }
    let mut chained = 0.0;
    for (position, value) in data.iter().chain(data).enumerate() {
        chained += value * f64::from(u32::try_from(position).unwrap_or(0));
    }
    let nearest = data
        .iter()
        .copied()
        .min_by(|a, b| (x - *a).abs().total_cmp(&(x - *b).abs()))
        .unwrap_or(0.0);
    let mut bounded = 0.0;
    for index in 0..(x.abs() * 2.0).floor() as usize {
        bounded += y * f64::from(u32::try_from(index).unwrap_or(0));
    }
    let listed = pair(x, y);
    let summed = listed_total(&[x, y], &[]);
    let mut halves = data.to_vec();
    halves = halves.chunks(2).map(|chunk| chunk[0] * x).collect();
    let mut joined = data.to_vec();
    joined.extend_from_slice(&listed);
    joined.sort_by(f64::total_cmp);
    tupled
        + ordered
        + last
        + chained
        + nearest
        + bounded
        + listed[0]
        + summed
        + halves[0]
        + joined[0]
}

#[test]
fn seventh_round_forms_run() {
    let data = [0.3, -0.7, 1.1];
    let mut gradient = [0.0; 3];
    let (value, scalars) = seventh_round_forms_grad(0.6, -0.4, &data, &mut gradient);
    assert!(value.is_finite() && scalars.iter().chain(&gradient).all(|g| g.is_finite()));
}

/// A term of data whose methods are differentiated with respect to their arguments, and a
/// vector-valued one.
pub struct Term {
    weights: [f64; 2],
    offset: f64,
}

impl Term {
    #[gradient(jvp, wrt(x, ys))]
    fn score(&self, x: f64, ys: &[f64]) -> f64 {
        self.offset * (x * self.weights[0]).tanh() + self.weights[1] * ys[0].tanh()
    }

    #[gradient(jvp, wrt(ys))]
    fn lift(&self, ys: &[f64]) -> Vec<f64> {
        ys.iter()
            .map(|y| (self.weights[0] * y + self.offset).tanh())
            .collect()
    }

    #[gradient(jvp, wrt(ys))]
    fn collected(&self, ys: &[f64]) -> f64 {
        let parts: Vec<f64> = ys.iter().zip(&self.weights).map(|(y, w)| y * w).collect();
        parts.iter().sum::<f64>()
    }
}

const TERMS: [Term; 2] = [
    Term {
        weights: [0.5, -1.0],
        offset: 0.25,
    },
    Term {
        weights: [1.5, 0.5],
        offset: -0.75,
    },
];

/// A model holding a reference to data, with forward mode and second order.
#[derive(Clone, grad::Params)]
struct Anchored<'a> {
    weights: Vec<f64>,
    #[params(skip)]
    targets: &'a [f64],
}

impl Anchored<'_> {
    #[gradient(jvp, hvp)]
    fn loss(&self) -> f64 {
        let mut total = 0.0;
        for index in 0..self.weights.len() {
            total += (self.weights[index] - self.targets[index]).powi(2);
        }
        total
    }
}

/// A generic model passed as a parameter.
#[derive(Clone, grad::Params)]
struct Scorer<T> {
    weights: Vec<T>,
}

impl<T: grad::Real> Scorer<T> {
    #[gradient]
    fn score(&self, x: &[T]) -> T {
        self.weights[0] * x[0]
    }
}

#[gradient(wrt(model))]
fn scored<T: grad::Real>(model: &Scorer<T>, x: &[T]) -> T {
    model.score(x) * Scorer::score(model, x)
}

/// A sample of data taken apart by reference.
pub struct Sample {
    inputs: Vec<f64>,
    target: f64,
}

/// The eighth round: options of differentiated floats (a running best, a value on some paths),
/// methods of data (on a parameter, a struct literal, the elements of a `const` array, a
/// vector-valued one), samples taken apart by reference, a copied array, a buffer returned
/// early (and forward mode).
#[gradient(jvp, wrt(x, y, w))]
fn eighth_round_forms(x: f64, y: f64, w: &[f64], term: &Term, samples: &[Sample]) -> f64 {
    let mut best: Option<f64> = None;
    for &value in w {
        best = match best {
            Some(b) if b >= value => Some(b),
            _ => Some(value),
        };
    }
    let chosen = if x > y { Some(x - y) } else { None };
    let optional = chosen.map_or(0.5, |d| d * d) + best.unwrap_or(0.0);
    let literal = Term {
        weights: [0.75, -0.5],
        offset: 1.25,
    };
    let mut methods = term.score(x, w) + literal.score(y, w) + term.collected(w);
    for t in &TERMS {
        methods += t.score(x, w);
    }
    let lifted = term.lift(w);
    let mut fitted = 0.0;
    for index in 0..samples.len() {
        let Sample { inputs, target } = &samples[index];
        fitted += (inputs[0] * x - *target).powi(2) + w[index % 2];
    }
    let halves = early(w, x);
    optional + methods + lifted[0] + fitted + halves[1]
}

#[gradient(jvp)]
fn early(w: &[f64], a: f64) -> Vec<f64> {
    let mut out = vec![0.0; 2];
    if a > 0.5 {
        out[0] = a * 2.0;
        return out;
    }
    out[0] = w[0] * a;
    out[1] = (w[w.len() - 1] - a).tanh();
    out
}

#[gradient]
fn copied_array(w: &[f64; 2], x: f64) -> f64 {
    let mut copy = *w;
    copy[0] += x;
    copy[0] * copy[1]
}

#[test]
fn eighth_round_forms_run() {
    let w = [0.3, -0.7, 1.1];
    let samples = [Sample {
        inputs: vec![0.5, 1.0],
        target: 0.25,
    }];
    let mut gradient = [0.0; 3];
    let (value, scalars) =
        eighth_round_forms_grad(0.6, -0.4, &w, &TERMS[0], &samples, &mut gradient);
    assert!(value.is_finite() && scalars.iter().chain(&gradient).all(|g| g.is_finite()));
    let targets = [1.0, 2.0];
    let anchored = Anchored {
        weights: vec![0.5, 0.5],
        targets: &targets,
    };
    let mut d = grad::Params::zeros_like(&anchored);
    assert!(anchored.loss_grad(&mut d).is_finite());
    let scorer = Scorer {
        weights: vec![0.5_f64],
    };
    let mut ds = grad::Params::zeros_like(&scorer);
    assert!(scored_grad(&scorer, &[2.0], &mut ds).is_finite());
    let mut dw = [0.0; 2];
    assert!(copied_array_grad(&[0.5, 1.5], 0.25, &mut dw).0.is_finite());
}

/// log(1 + eˣ) with its derivative by hand and its second order derived from it.
fn soft(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

#[grad::custom_gradient(hvp, check(at(0.5)))]
fn soft_grad(x: f64) -> (f64, [f64; 1]) {
    (soft(x), [1.0 / (1.0 + (-x).exp())])
}

/// A product with its second order given by hand.
fn prod2(a: f64, b: f64) -> f64 {
    a * b
}

#[grad::custom_gradient(hvp = prod2_hvp)]
fn prod2_grad(a: f64, b: f64) -> (f64, [f64; 2]) {
    (prod2(a, b), [b, a])
}

fn prod2_hvp(a: f64, b: f64, v_a: f64, v_b: f64) -> (f64, [f64; 2], [f64; 2]) {
    (a * b, [b, a], [v_b, v_a])
}

/// Squared error of predictions against data, differentiated in the predictions only.
#[gradient(wrt(pred))]
fn squared_error(pred: &[f64], y: &[f64]) -> f64 {
    pred.iter()
        .zip(y)
        .map(|(p, t)| (p - t) * (p - t))
        .sum::<f64>()
}

/// A model whose loss hands its data to a helper that leaves it out.
#[derive(Clone, grad::Params)]
pub struct Affine {
    slope: f64,
    offset: f64,
}

impl Affine {
    #[gradient]
    fn loss(&self, x: &[f64], y: &[f64]) -> f64 {
        let pred: Vec<f64> = x.iter().map(|v| self.slope * v + self.offset).collect();
        squared_error(&pred, y)
    }
}

#[gradient(wrt(m))]
fn affine_total(m: &Affine, x: &[f64], y: &[f64]) -> f64 {
    m.loss(x, y) + m.offset * m.offset
}

/// The ninth round: rules under second order (derived and given), data locals (an argsort, rows
/// of data, counts), a `move` closure, `flat_map` in a sum and a loop, `check` at a slice point.
#[allow(clippy::cast_precision_loss)]
#[gradient(hvp, wrt(weights, scale), check(at(&[0.3, -0.7, 1.1], 0.4, &[1.0, 2.0, 3.0, 4.0])))]
fn ninth_round_forms(weights: &[f64], scale: f64, data: &[f64]) -> f64 {
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| weights[a].total_cmp(&weights[b]));
    order.reverse();
    let rows: Vec<Vec<f64>> = data.chunks(2).map(<[f64]>::to_vec).collect();
    let counts: Vec<usize> = rows
        .iter()
        .map(|r| r.iter().filter(|v| **v > 1.5).count())
        .collect();
    let half = 0.5;
    let halve = move |value: f64| value * half;
    let mut total = soft(scale) + prod2(weights[0], scale);
    for (rank, &index) in order.iter().enumerate() {
        total += halve(weights[index]) * (rank as f64 + 1.0);
    }
    for (row, &count) in rows.iter().zip(&counts) {
        total += row[0] * scale * count as f64;
    }
    let len = weights.len();
    let pairs = (0..len)
        .flat_map(|i| (0..len).map(move |j| weights[i] * weights[j]))
        .sum::<f64>();
    for term in (0..len).flat_map(|i| (0..2).map(move |k| weights[i] * f64::from(k))) {
        total += term.sin();
    }
    total + pairs
}

#[test]
fn ninth_round_forms_run() {
    let (weights, data) = ([0.3, -0.7, 1.1], [1.0, 2.0, 3.0, 4.0]);
    let (mut grad, mut hv) = ([0.0; 3], [0.0; 3]);
    let (value, [slope], [curvature]) = ninth_round_forms_hvp(
        &weights,
        0.4,
        &data,
        &[1.0, 0.0, 0.0],
        0.0,
        &mut grad,
        &mut hv,
    );
    assert!(value.is_finite() && slope.is_finite() && curvature.is_finite());
    let model = Affine {
        slope: 0.5,
        offset: 0.1,
    };
    let mut gradient = model.clone();
    let total = affine_total_grad(&model, &[1.0, 2.0], &[1.0, 1.5], &mut gradient);
    assert!(total.is_finite() && gradient.slope.is_finite());
}

/// The tenth round: data filled in place inside `for` and `while` loops (an index vector typed
/// and untyped, counts, a mask, a map entry), `split_first`, integer chains over ranges, an
/// untyped reduction assigned to a buffer's element, a state made by a closure, a matrix assigned
/// whole, pieces last first, `matches!` bound by a `let`, a `Vec` taken by value.
#[gradient(jvp, hvp)]
#[allow(clippy::needless_pass_by_value)]
fn tenth_round_forms(weights: Vec<f64>, labels: &[usize], scale: f64) -> f64 {
    let (&head, rest) = weights.split_first().expect("weights");
    let mut active: Vec<usize> = Vec::new();
    let mut counts = vec![0usize; 4];
    let mut mask = Vec::new();
    let mut first: std::collections::BTreeMap<usize, usize> = std::collections::BTreeMap::new();
    for (i, &label) in labels.iter().enumerate() {
        if label % 2 == 0 {
            active.push(i % weights.len());
        }
        counts[label % 4] += 1;
        mask.push(label > 1);
        first.entry(label).or_insert(i);
    }
    let mut odd = Vec::new();
    let mut k = 0usize;
    while k < weights.len() {
        if k % 2 == 1 {
            odd.push(k);
        }
        k += 1;
    }
    let small = matches!(odd.len(), 1 | 3);
    let steps = (0..labels.len()).filter(|i| i % 2 == 0).count() + (1..=3).product::<usize>();
    let mut column = [0.0; 2];
    column[1] = (0..rest.len()).map(|j| rest[j] * scale).sum();
    let step = |state: &[f64], s: f64| -> Vec<f64> { vec![state[0] * s, state[1] + s * state[0]] };
    let mut state = vec![head, scale];
    for _ in 0..2 {
        state = step(&state, 0.5 * scale);
    }
    let mut m = [[scale, 0.5], [-0.5, scale]];
    let mut r = [[0.0; 2]; 2];
    for i in 0..2 {
        for j in 0..2 {
            r[i][j] = m[i][0] * m[0][j] + m[i][1] * m[1][j];
        }
    }
    m = r;
    let mut back = 0.0;
    for piece in weights.windows(2).rev() {
        back = back * 0.5 + piece[0] * piece[1];
    }
    let picked = active.iter().map(|&i| weights[i]).sum::<f64>()
        + odd.iter().map(|&i| weights[i].sin()).sum::<f64>();
    let counted = counts
        .iter()
        .map(|&c| f64::from(u32::try_from(c).unwrap_or(0)))
        .sum::<f64>();
    let masked = mask.iter().filter(|&&b| b).count();
    let weight = if small { 0.5 } else { 0.25 };
    picked * weight
        + counted * head
        + f64::from(u32::try_from(masked + steps + first.len()).unwrap_or(0)) * 1e-3
        + column[1]
        + state[0]
        + state[1]
        + m[0][0]
        + m[1][0] * back
}

#[test]
fn tenth_round_forms_run() {
    let mut grad = vec![0.0; 3];
    let (value, [dscale]) =
        tenth_round_forms_grad(vec![0.3, -0.7, 1.1], &[0, 1, 2, 3, 2], 0.4, &mut grad);
    assert!(value.is_finite() && dscale.is_finite() && grad.iter().all(|g| g.is_finite()));
}

/// The eleventh round: worklists (`while let Some(u) = stack.pop()`, `q.pop_front()`, `if
/// seen.insert(u)` in an `else if`, `map.remove(&k)`), values taken out (`split_off`,
/// `drain(..).collect()`, `pop().unwrap()` of a buffer), a running state in a `map` closure, a
/// closure with a tuple pattern, `try_into` of a whole slice, a matrix of a constant size
/// assigned from a literal of rows, a search of a data slice, and a `fold` after a `filter`.
#[gradient(jvp, hvp, wrt(w))]
fn eleventh_round_forms(w: &[f64], knots: &[f64], adj: &[Vec<usize>]) -> f64 {
    const N: usize = 2;
    let mut seen = std::collections::HashSet::new();
    let mut stack = vec![0usize];
    let mut walked = 0.0;
    while let Some(u) = stack.pop() {
        if u == 0 && w.len() > 5 {
            walked += 1.0;
        } else if seen.insert(u) {
            walked = walked * 0.5 + w[u].sin();
            for &v in &adj[u] {
                stack.push(v);
            }
        }
    }
    let mut queue = std::collections::VecDeque::from(vec![0usize, 1]);
    let mut front = 0.0;
    while let Some(i) = queue.pop_front() {
        front += w[i % w.len()];
    }
    let mut last = std::collections::HashMap::new();
    for (i, &k) in [1usize, 0, 1].iter().enumerate() {
        last.insert(k, i);
    }
    let removed = if let Some(i) = last.remove(&1) {
        w[i]
    } else {
        0.0
    };
    let mut idx: Vec<usize> = (0..w.len()).collect();
    let tail = idx.split_off(1);
    let head: Vec<usize> = idx.drain(..1).collect();
    let mut b = vec![0.0; w.len()];
    for i in 0..w.len() {
        b[i] = w[i] * w[i];
    }
    let popped = b.pop().unwrap();
    let mut state = 0.0;
    let filtered = w
        .iter()
        .map(|&x| {
            state = 0.5 * state + x;
            state
        })
        .sum::<f64>();
    let resid = |(x, y): (f64, f64)| x * w[0] - y;
    let q: [f64; 3] = w.try_into().unwrap();
    let mut p = [[0.0; N]; N];
    p[0][0] = q[1];
    p = [[p[0][0] * q[2], p[0][1]], [p[1][0], p[1][1] + q[0]]];
    let cell = knots.partition_point(|&k| k <= w[0]);
    let best = w
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != 1)
        .map(|(_, &v)| v)
        .fold(f64::NEG_INFINITY, f64::max);
    walked
        + front
        + removed
        + tail.iter().map(|&i| w[i]).sum::<f64>()
        + head.iter().map(|&i| w[i]).sum::<f64>()
        + popped
        + filtered
        + resid((0.5, 0.25))
        + p[0][0]
        + p[1][1]
        + f64::from(u32::try_from(cell).unwrap_or(0)) * w[2]
        + best
        + b.iter().sum::<f64>()
}

#[test]
fn eleventh_round_forms_run() {
    let adj = vec![vec![1, 2], vec![2], vec![0]];
    let mut grad = [0.0; 3];
    let value = eleventh_round_forms_grad(&[0.3, -0.7, 1.1], &[0.0, 0.5], &adj, &mut grad);
    assert!(value.is_finite() && grad.iter().all(|g| g.is_finite()));
}

/// Twelfth round: data whose type the macro cannot see passed to helpers (`NAME__dyn_grad`),
/// from a free function and from a method of data, and the largest of a row (`unwrap_or`).
pub struct Batch {
    pub rows: Vec<Vec<f64>>,
    pub arrays: Vec<[f64; 2]>,
    pub scale: Scale,
}

pub struct Scale {
    pub k: f64,
}

#[gradient]
fn batch_dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[gradient]
fn batch_pair(a: &[f64; 2], s: f64) -> f64 {
    s * (a[0] - a[1])
}

#[gradient]
fn batch_scaled(x: f64, s: &Scale) -> f64 {
    x * s.k
}

#[gradient(wrt(w, peaks), jvp)]
fn twelfth_round_forms(w: &[f64], b: &Batch, peaks: &[Vec<f64>]) -> f64 {
    let mut s = batch_dot(w, &b.rows[0]);
    for (i, row) in b.rows.iter().enumerate() {
        s += batch_scaled(batch_dot(row, w), &b.scale) * batch_pair(&b.arrays[i % 2], w[0]);
    }
    let fit: f64 = b.rows.iter().map(|r| batch_dot(w, r).tanh()).sum();
    let top = peaks[0]
        .iter()
        .map(|&v| v * v)
        .max_by(f64::total_cmp)
        .unwrap_or(0.0);
    s + fit + top + b.fit(w)
}

impl Batch {
    #[gradient(wrt(w))]
    fn fit(&self, w: &[f64]) -> f64 {
        let mut s = 0.0;
        for row in &self.rows {
            s += batch_dot(row, w);
        }
        s + batch_scaled(batch_dot(&self.arrays[0], &w[..2]), &self.scale)
    }
}

#[test]
fn twelfth_round_forms_run() {
    let b = Batch {
        rows: vec![vec![1.0, 0.5, -0.25], vec![0.5, -1.0, 2.0]],
        arrays: vec![[0.5, 0.25], [-1.0, 1.5]],
        scale: Scale { k: 1.5 },
    };
    let w = [0.3, -0.7, 1.1];
    let peaks = vec![vec![0.5, 2.0], vec![1.0]];
    let mut grad = [0.0; 3];
    let mut d_peaks = vec![vec![0.0; 2], vec![0.0]];
    let value = twelfth_round_forms_grad(&w, &b, &peaks, &mut grad, &mut d_peaks);
    assert_eq!(
        value.to_bits(),
        twelfth_round_forms(&w, &b, &peaks).to_bits()
    );
    assert!(grad.iter().all(|g| g.is_finite()));
    assert!((d_peaks[0][1] - 4.0).abs() < 1e-12, "{d_peaks:?}");
    let still = vec![vec![0.0; 2], vec![0.0]];
    let (v, dv) = twelfth_round_forms_jvp(&w, &b, &peaks, &[1.0, 0.0, 0.0], &still);
    assert_eq!(v.to_bits(), value.to_bits());
    assert!((dv - grad[0]).abs() <= 1e-12 * (1.0 + grad[0].abs()));
}

/// Thirteenth round: iterator stages that drop, stop or carry state (`filter_map`, `scan`,
/// `map_while`, `skip_while`), an `Option` of data with a differentiated default, accessor
/// closures returning a part and an array, a block's `Vec`, arrays iterated where they are
/// written, `into_iter` of an owned buffer, iterators held in locals, a value of a branch that
/// `continue`s, rows bound through a tuple and a state vector started from data.
#[gradient(jvp, wrt(w, fill))]
fn thirteenth_round_forms(w: &[f64], fill: f64, mask: &[Option<f64>], dim: usize) -> f64 {
    let masked: f64 = w
        .iter()
        .enumerate()
        .filter_map(|(i, wi)| mask[i].map(|s| s * wi))
        .sum();
    let running: f64 = w
        .iter()
        .scan(0.0, |acc, &v| {
            *acc += v;
            Some(*acc)
        })
        .map(|r| r * r)
        .sum();
    let head: f64 = w.iter().map_while(|&v| (v > -2.0).then_some(v.sin())).sum();
    let tail: f64 = w.iter().skip_while(|v| **v > 0.0).map(|v| v * 2.0).sum();
    let filled: f64 = mask.iter().map(|m| m.unwrap_or(fill)).sum();
    let row = |i: usize| &w[i * dim..(i + 1) * dim];
    let pair = |i: usize| [w[i], w[i + 1] * fill];
    let rows: f64 = row(0).iter().zip(row(1)).map(|(a, b)| a * b).sum();
    let p = pair(1);
    let pooled: Vec<f64> = {
        let mut acc = vec![0.0; dim];
        for (k, a) in acc.iter_mut().enumerate() {
            *a = w[k] + w[k + dim];
        }
        acc.iter().map(|a| a * 0.5).collect()
    };
    let listed = [fill, fill * 2.0].into_iter().map(f64::exp).sum::<f64>();
    let owned: Vec<f64> = w.iter().map(|v| v * fill).collect();
    let total: f64 = owned.into_iter().sum();
    let stored = w.iter().map(|v| v - fill);
    let mut kept = 0.0;
    for &v in w {
        let t = if v > 0.0 { v * fill } else { continue };
        kept += t;
    }
    masked
        + running
        + head
        + tail
        + filled
        + rows
        + p[0] * p[1]
        + pooled.iter().sum::<f64>()
        + listed
        + total
        + stored.map(|s| s * s).sum::<f64>()
        + kept
}

#[gradient(wrt(path, rate))]
fn thirteenth_round_rows(path: &[[f64; 2]], rate: f64, obs: &[[f64; 2]]) -> f64 {
    let mut state = path[0];
    for _ in 0..3 {
        let [a, b] = state;
        state = [a + rate * b, b - rate * a];
    }
    let mut start = obs[0];
    for _ in 0..2 {
        let [a, b] = start;
        start = [a * rate, b + a * rate];
    }
    let edges: f64 = obs
        .iter()
        .zip(obs.iter().cycle().skip(1))
        .map(|(p, q)| p[0] * q[1])
        .sum();
    let turns: f64 = path
        .windows(3)
        .map(|w| {
            let (a, b, c) = (w[0], w[1], w[2]);
            (b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0])
        })
        .sum();
    turns + state[0] * state[1] + start[0] * start[1] + edges * rate
}

#[test]
fn thirteenth_round_forms_run() {
    let w = [0.3, -0.7, 1.1, 0.4];
    let mask = [Some(1.0), None, Some(-0.5), None];
    let mut grad = [0.0; 4];
    let (value, [d_fill]) = thirteenth_round_forms_grad(&w, 0.6, &mask, 2, &mut grad);
    assert_eq!(
        value.to_bits(),
        thirteenth_round_forms(&w, 0.6, &mask, 2).to_bits()
    );
    assert!(grad.iter().all(|g| g.is_finite()) && d_fill.is_finite());
    let (v, dv) = thirteenth_round_forms_jvp(&w, 0.6, &mask, 2, &[1.0, 0.0, 0.0, 0.0], 0.0);
    assert_eq!(v.to_bits(), value.to_bits());
    assert!((dv - grad[0]).abs() <= 1e-9 * (1.0 + grad[0].abs()));
    let path = [[0.0, 0.1], [1.1, 0.3], [1.9, 1.2], [2.2, 2.5]];
    let obs = [[1.0, 0.5], [0.25, -1.0]];
    let mut d_path = [[0.0; 2]; 4];
    let (value, [d_rate]) = thirteenth_round_rows_grad(&path, 0.2, &obs, &mut d_path);
    assert_eq!(
        value.to_bits(),
        thirteenth_round_rows(&path, 0.2, &obs).to_bits()
    );
    assert!(d_path.iter().flatten().all(|g| g.is_finite()) && d_rate.is_finite());
}

/// The forms of the fourteenth round: a list of pieces read by its `windows`, its length and an
/// index; a range held in a local and in a parameter; a table of constant tuples; a `Vec` chosen
/// by a branch whose arms `collect`; data by value to a `[f64; N]` parameter (and forward mode).
#[gradient(jvp, wrt(w))]
fn fourteenth_round_forms(
    w: &[f64],
    span: std::ops::Range<usize>,
    flag: bool,
    shape: &Shape,
) -> f64 {
    let pts: Vec<&[f64]> = w.chunks_exact(2).collect();
    let mut length = 0.0;
    for pair in pts.windows(2) {
        length += (pair[1][0] - pair[0][0]).hypot(pair[1][1] - pair[0][1]);
    }
    let near = 0..2;
    let local: f64 = w[near.clone()].iter().sum();
    let held: f64 = w[span.clone()].iter().map(|v| v * v).sum::<f64>()
        + if w[span].is_empty() { 0.0 } else { 1.0 };
    let terms = [(1.5, 1), (0.5, 0)];
    let mut table = 0.0;
    for &(c, k) in &terms {
        table += c * w[k];
    }
    let chosen: Vec<f64> = if flag {
        w.iter().map(|v| v * 2.0).collect()
    } else {
        w.iter().map(|v| v.sin()).collect()
    };
    length
        + pts[pts.len() - 1][1] * pts[0][1]
        + local
        + held
        + table
        + chosen.iter().sum::<f64>()
        + corner_dot(shape.corner, w)
}

/// Data whose type `fourteenth_round_forms` cannot see.
pub struct Shape {
    corner: [f64; 2],
}

#[gradient]
fn corner_dot(c: [f64; 2], w: &[f64]) -> f64 {
    c[0] * w[0] + c[1] * w[1]
}

#[test]
fn fourteenth_round_forms_run() {
    let w = [0.3, -0.7, 1.1, 0.4, 0.9, -0.2];
    let shape = Shape { corner: [0.5, 2.0] };
    let mut grad = [0.0; 6];
    let value = fourteenth_round_forms_grad(&w, 1..4, true, &shape, &mut grad);
    assert_eq!(
        value.to_bits(),
        fourteenth_round_forms(&w, 1..4, true, &shape).to_bits()
    );
    assert!(grad.iter().all(|g| g.is_finite()));
    let (v, dv) =
        fourteenth_round_forms_jvp(&w, 1..4, true, &shape, &[1.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
    assert_eq!(v.to_bits(), value.to_bits());
    assert!((dv - grad[0]).abs() <= 1e-9 * (1.0 + grad[0].abs()));
}

/// The forms of the fifteenth round: names read inside `vec![0.0; ..]` (a view's length, a list
/// of pieces'), a copy of a part carried by `h = next;`, ranges passed to a helper, a
/// typed copy of unseen data passed to an array parameter, a row of data by value, an iterator
/// drained by hand, a state started from an array parameter (and forward mode).
#[gradient(jvp, wrt(w))]
fn fifteenth_round_forms(w: &[f64], start: [f64; 2], shape: &Shape, rows: &[[f64; 2]]) -> f64 {
    let tail = &w[1..];
    let mut scaled = vec![0.0; tail.len()];
    for (i, s) in scaled.iter_mut().enumerate() {
        *s = tail[i] * 0.5;
    }
    let pts: Vec<&[f64]> = w.chunks_exact(2).collect();
    let mut areas = vec![0.0; pts.len()];
    for (k, p) in pts.iter().enumerate() {
        areas[k] = p[0] * p[1];
    }
    let mut h: Vec<f64> = w[w.len() / 2..].to_owned();
    for _ in 0..2 {
        let next: Vec<f64> = h.iter().map(|v| v.tanh()).collect();
        h = next;
    }
    let corner: [f64; 2] = shape.corner;
    let mut it = w.iter();
    let mut prev = *it.next().unwrap_or(&0.0);
    let mut steps = 0.0;
    for &v in it {
        steps += (v - prev).abs();
        prev = v;
    }
    let mut state = start;
    for _ in 0..3 {
        state[0] += 0.1 * state[1] * w[0];
        state[1] -= 0.1 * state[0];
    }
    scaled.iter().sum::<f64>()
        + areas.iter().sum::<f64>()
        + h.iter().sum::<f64>()
        + range_sum(w, 0..2, &(1..=2))
        + corner_dot(corner, w)
        + corner_dot(rows[0], w)
        + steps
        + state[0] * state[1]
}

#[gradient(wrt(x))]
fn range_sum(x: &[f64], r: std::ops::Range<usize>, q: &std::ops::RangeInclusive<usize>) -> f64 {
    x[r].iter().sum::<f64>() + x[q.clone()].iter().map(|v| v * v).sum::<f64>()
}

#[test]
fn fifteenth_round_forms_run() {
    let w = [0.3, -0.7, 1.1, 0.4, 0.9, -0.2];
    let shape = Shape { corner: [0.5, 2.0] };
    let rows = [[0.25, -1.0]];
    let mut grad = [0.0; 6];
    let value = fifteenth_round_forms_grad(&w, [1.0, 0.5], &shape, &rows, &mut grad);
    assert_eq!(
        value.to_bits(),
        fifteenth_round_forms(&w, [1.0, 0.5], &shape, &rows).to_bits()
    );
    assert!(grad.iter().all(|g| g.is_finite()));
    let (v, dv) = fifteenth_round_forms_jvp(
        &w,
        [1.0, 0.5],
        &shape,
        &rows,
        &[1.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    );
    assert_eq!(v.to_bits(), value.to_bits());
    assert!((dv - grad[0]).abs() <= 1e-9 * (1.0 + grad[0].abs()));
}

/// The forms of the sixteenth round: pieces zipped with a buffer's `iter_mut` and with a range,
/// numbered pieces with `take` and a `break`, slice patterns on pieces and a rebound piece name,
/// pieces of a row of rows, a `Vec` of tuples of floats and a local matrix's rows bound by slice
/// patterns (and forward mode).
#[allow(clippy::cast_precision_loss, clippy::needless_range_loop)]
#[gradient(jvp, wrt(w, img))]
fn sixteenth_round_forms(w: &[f64], img: &[Vec<f64>], n: usize) -> f64 {
    let mut out = vec![0.0; w.len() / 2 + 1];
    for (o, p) in out.iter_mut().zip(w.chunks(2)) {
        *o = p[0] * p[p.len() - 1];
    }
    let mut acc = 0.0;
    for (p, i) in w.windows(2).zip(0..n) {
        acc += (i as f64 + 1.0) * p[1];
    }
    for (i, c) in w.chunks(2).enumerate() {
        if i >= n {
            break;
        }
        acc += c[0];
    }
    for c in w.chunks(2) {
        if let [a, b] = c {
            acc += a * b;
        }
    }
    for p in w.windows(2) {
        let p = p[1] - p[0];
        acc += p * p;
    }
    for i in 0..img.len() {
        acc += img[i].windows(2).map(|q| q[1] - q[0]).sum::<f64>();
    }
    let pairs: Vec<(f64, f64)> = w.chunks(2).map(|c| (c[0], c[c.len() - 1])).collect();
    for &(a, b) in &pairs {
        acc += a * b;
    }
    let pts: Vec<[f64; 2]> = w.chunks_exact(2).map(|c| [c[0], c[1]]).collect();
    for &[a, b] in &pts {
        acc += a - b;
    }
    acc + out.iter().sum::<f64>() + pairs[0].1
}

#[test]
fn sixteenth_round_forms_run() {
    let w = [0.3, -0.7, 1.1, 0.4, 0.9, -0.2];
    let img = vec![vec![0.5, 1.0, -0.5], vec![0.25, 2.0]];
    let mut grad = [0.0; 6];
    let mut d_img = vec![vec![0.0; 3], vec![0.0; 2]];
    let value = sixteenth_round_forms_grad(&w, &img, 2, &mut grad, &mut d_img);
    assert_eq!(
        value.to_bits(),
        sixteenth_round_forms(&w, &img, 2).to_bits()
    );
    assert!(grad.iter().all(|g| g.is_finite()));
    let tangent_img = vec![vec![0.0; 3], vec![0.0; 2]];
    let (v, dv) =
        sixteenth_round_forms_jvp(&w, &img, 2, &[1.0, 0.0, 0.0, 0.0, 0.0, 0.0], &tangent_img);
    assert_eq!(v.to_bits(), value.to_bits());
    assert!((dv - grad[0]).abs() <= 1e-9 * (1.0 + grad[0].abs()));
}

/// The seventeenth round: several outputs and floats written through `&mut f64` (their
/// wrappers and their callers), items copied after a `filter`, pushes in a `for` over a filtered
/// chain, a collect typed by its turbofish, second order through a helper taking an array.
#[gradient(jvp)]
fn step_in_place(x: &mut [f64], v: &mut [f64], energy: &mut f64, dt: f64) {
    *energy = 0.0;
    for i in 0..x.len() {
        v[i] -= x[i] * dt;
        x[i] += v[i] * dt;
        *energy += 0.5 * (v[i] * v[i] + x[i] * x[i]);
    }
}

#[gradient(hvp)]
fn rotated(a: [f64; 2], k: f64) -> f64 {
    a[0] * k.cos() - a[1] * k.sin()
}

#[gradient(hvp)]
fn seventeenth_helper(w: &[f64]) -> f64 {
    rotated([w[0], w[1]], w[2])
}

/// A plain function with several outputs, called on data.
fn bounds_of(x: &[f64], lo: &mut f64, hi: &mut f64, spread: &mut [f64]) {
    *lo = x.iter().copied().fold(f64::INFINITY, f64::min);
    *hi = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    for (s, v) in spread.iter_mut().zip(x) {
        *s = v - *lo;
    }
}

#[gradient(wrt(w, dt))]
fn seventeenth_round_forms(w: &[f64], dt: f64, data: &[f64]) -> f64 {
    let (mut lo, mut hi) = (0.0, 0.0);
    let mut spread = vec![0.0; data.len()];
    bounds_of(data, &mut lo, &mut hi, &mut spread);
    let mut x = w.to_vec();
    let mut v = vec![0.0; w.len()];
    let mut energy = 0.0;
    step_in_place(&mut x, &mut v, &mut energy, dt);
    let kept: Vec<f64> = w.iter().filter(|a| **a > 0.0).copied().collect();
    let mut doubled: Vec<f64> = Vec::new();
    for a in w.iter().map(|a| a * 2.0).filter(|a| *a > -1.0) {
        doubled.push(a);
    }
    let pairs = w.iter().map(|&a| (a, 2.0 * a)).collect::<Vec<(f64, f64)>>();
    energy
        + x.iter().sum::<f64>()
        + kept.iter().sum::<f64>()
        + doubled.iter().sum::<f64>()
        + pairs.iter().map(|&(a, b)| a * b).sum::<f64>()
        + seventeenth_helper(w)
        + (hi - lo) * spread[0] * w[0]
}

#[test]
fn seventeenth_round_forms_run() {
    let w = [0.3, -0.7, 1.1];
    let mut grad = [0.0; 3];
    let data = [0.5, -1.5, 2.0];
    let (value, [ddt]) = seventeenth_round_forms_grad(&w, 0.1, &data, &mut grad);
    assert!(ddt.is_finite());
    assert_eq!(
        value.to_bits(),
        seventeenth_round_forms(&w, 0.1, &data).to_bits()
    );
    assert!(grad.iter().all(|g| g.is_finite()));
    let (mut d, mut h) = ([0.0; 3], [0.0; 3]);
    let v = seventeenth_helper_hvp(&w, &[1.0, 0.0, 0.0], &mut d, &mut h);
    assert_eq!(v.to_bits(), seventeenth_helper(&w).to_bits());
}

/// The eighteenth round: pushes in a `while` loop (its trips counted first), a list of first
/// items grown by pushes, an iterator of `map`s held in a local and unwrapped.
#[gradient]
fn eighteenth_round_forms(k: f64, w: &[f64]) -> f64 {
    let mut t = 0.0;
    let mut y = 1.0;
    let mut ys = Vec::new();
    while t < 0.5 {
        y -= k * y * 0.1;
        ys.push(y);
        t += 0.1;
    }
    let mut zs = vec![y, 2.0 * k];
    for v in w {
        zs.push(v * k);
    }
    let mut it = w.iter().map(|v| v * 2.0);
    let first = it.next().unwrap();
    ys.iter().sum::<f64>() + zs.iter().sum::<f64>() + first + it.sum::<f64>()
}

#[test]
fn eighteenth_round_forms_run() {
    let w = [0.3, -0.7, 1.1];
    let mut grad = [0.0; 3];
    let (value, [dk]) = eighteenth_round_forms_grad(0.5, &w, &mut grad);
    assert!(dk.is_finite());
    assert_eq!(value.to_bits(), eighteenth_round_forms(0.5, &w).to_bits());
}

/// The nineteenth round: references to elements collected (`Vec<&f64>`), an array made by
/// `std::array::from_fn`, a float output passed on to a helper that writes it.
#[gradient]
fn add_square(acc: &mut f64, v: f64) {
    *acc += v * v;
}

#[gradient]
fn normalized_into(x: &[f64], out: &mut [f64], norm: &mut f64) {
    *norm = 0.0;
    for &v in x {
        add_square(norm, v);
    }
    *norm = norm.sqrt();
    for (o, v) in out.iter_mut().zip(x) {
        *o = v / *norm;
    }
}

#[gradient]
fn nineteenth_round_forms(w: &[f64]) -> f64 {
    let big: Vec<&f64> = w.iter().filter(|v| **v > 0.0).collect();
    let a: [f64; 3] = std::array::from_fn(|i| w[i] * 2.0);
    let mut out = vec![0.0; w.len()];
    let mut norm = 0.0;
    normalized_into(w, &mut out, &mut norm);
    big.iter().map(|v| **v).sum::<f64>() + a.iter().sum::<f64>() + out[0] * norm
}

#[test]
fn nineteenth_round_forms_run() {
    let w = [0.3, -0.7, 1.1];
    let mut grad = [0.0; 3];
    let value = nineteenth_round_forms_grad(&w, &mut grad);
    assert_eq!(value.to_bits(), nineteenth_round_forms(&w).to_bits());
    assert!(grad.iter().all(|g| g.is_finite()));
}

/// The twentieth round: functions that return a float and write through `&mut` (a float, a
/// buffer, a count), called by another; `std::mem::replace`; rows of a matrix swapped; a
/// sequence taken by value and written; a function held in a local called on data.
#[gradient(jvp, hvp)]
fn carry_step(x: f64, h: &mut f64, calls: &mut usize) -> f64 {
    *calls += 1;
    *h = (0.5 * *h + x).tanh();
    *h * x
}

#[gradient(wrt(w, hidden))]
fn scratch_loss(w: &[f64], x: &[f64], hidden: &mut [f64]) -> f64 {
    for (h, (a, b)) in hidden.iter_mut().zip(w.iter().zip(x)) {
        *h = (a * b).tanh();
    }
    hidden.iter().map(|h| h * h).sum()
}

#[gradient]
fn hidden_step(x: f64, h: &mut f64) -> f64 {
    *h = (0.5 * *h + x).tanh();
    *h * x
}

#[gradient]
fn twentieth_round_forms(weights: &[f64], mut values: Vec<f64>) -> f64 {
    let mut state = 0.25;
    let mut total = hidden_step(weights[0], &mut state);
    hidden_step(weights[1], &mut state);
    let mut hidden = vec![0.0; weights.len()];
    total += scratch_loss(weights, &[0.5, -0.25, 1.0], &mut hidden) * state;
    let mut prev = 0.0;
    for &weight in weights {
        let old = std::mem::replace(&mut prev, weight);
        total += old * weight;
    }
    let mut matrix = [[0.0; 2]; 2];
    matrix[0][0] = weights[0];
    matrix[1][1] = weights[1];
    matrix.swap(0, 1);
    for value in &mut values {
        *value *= 2.0;
    }
    let sine: fn(f64) -> f64 = f64::sin;
    total + matrix[0][1] * sine(0.5) + values.iter().sum::<f64>()
}

#[test]
fn twentieth_round_forms_run() {
    let mut h = 0.2;
    let mut calls = 0;
    let (value, [dx, dh]) = carry_step_grad(0.5, &mut h, &mut calls);
    assert_eq!(calls, 1);
    assert!(value.is_finite() && dx.is_finite() && dh.is_finite());
    let w = [0.3, -0.7, 1.1];
    let (mut grad, mut dv) = ([0.0; 3], [0.0; 2]);
    let value = twentieth_round_forms_grad(&w, vec![1.0, 2.0], &mut grad, &mut dv);
    assert_eq!(
        value.to_bits(),
        twentieth_round_forms(&w, vec![1.0, 2.0]).to_bits()
    );
    assert!(dv.iter().all(|d| (d - 2.0).abs() < 1e-12));
}

/// Helpers taking closures (by value, by reference with a `where` clause, `impl Fn`), called
/// with closures capturing a parameter and a typed local.
#[gradient]
fn midpoint<F: Fn(f64) -> f64>(f: F, a: f64, b: f64, n: usize) -> f64 {
    let width = (b - a) / f64::from(u32::try_from(n).unwrap_or(1));
    (0..n)
        .map(|i| f(a + (f64::from(u32::try_from(i).unwrap_or(0)) + 0.5) * width))
        .sum::<f64>()
        * width
}

#[gradient]
fn euler_step<F>(f: &F, y: f64, step: f64) -> f64
where
    F: Fn(f64) -> f64,
{
    y + step * f(y)
}

#[gradient(jvp, hvp)]
fn closure_caller(rate: f64, start: f64) -> f64 {
    let scale: f64 = 0.5 * rate;
    let decay = |y: f64| -rate * y;
    let mut state = start;
    for _ in 0..3 {
        state = euler_step(&decay, state, 0.1);
    }
    state + midpoint(|t| (scale * t).sin(), 0.0, 1.0, 4)
}

#[test]
fn closure_helpers_run() {
    let (value, [dr, ds]) = closure_caller_grad(0.7, 1.2);
    assert_eq!(value.to_bits(), closure_caller(0.7, 1.2).to_bits());
    assert!(dr.is_finite() && ds.is_finite());
}

/// A helper returning a small matrix, read by element; copies of an array and of a struct local
/// written after the copy; options of reductions; a model's layers read through a closure.
#[gradient]
fn turn(angle: f64) -> [[f64; 2]; 2] {
    let (sn, cs) = angle.sin_cos();
    [[cs, -sn], [sn, cs]]
}

#[derive(Clone, Copy)]
struct Pair {
    first: f64,
    second: f64,
}

#[gradient]
fn copies_and_options(angle: f64, xs: &[f64]) -> f64 {
    let rot = turn(angle);
    let mut state = [xs[0], xs[1]];
    let prev = state;
    state[0] = rot[0][0] * state[0] + rot[0][1] * state[1];
    let mut pair = Pair {
        first: state[0],
        second: prev[1],
    };
    let kept = pair;
    pair.first *= 2.0;
    let smallest = xs.iter().copied().min_by(f64::total_cmp);
    let low = if let Some(v) = smallest { v * v } else { 0.0 };
    prev[0] + state[0] + kept.first * pair.first + kept.second + low
}

#[derive(Clone, grad::Params)]
struct Stacked {
    layers: Vec<Unit>,
}

#[derive(Clone, grad::Params)]
struct Unit {
    w: Vec<f64>,
    b: f64,
}

#[gradient(wrt(net))]
fn stacked_l2(net: &Stacked) -> f64 {
    net.layers
        .iter()
        .map(|layer| layer.w.iter().map(|w| w * w).sum::<f64>() + layer.b)
        .sum::<f64>()
}

#[test]
fn copies_matrices_options_layers_run() {
    let mut d = [0.0; 3];
    let (value, [da]) = copies_and_options_grad(0.3, &[1.0, -0.5, 2.0], &mut d);
    assert_eq!(
        value.to_bits(),
        copies_and_options(0.3, &[1.0, -0.5, 2.0]).to_bits()
    );
    assert!(da.is_finite() && d.iter().all(|v| v.is_finite()));
    let net = Stacked {
        layers: vec![Unit {
            w: vec![1.0, 2.0],
            b: 0.5,
        }],
    };
    let mut g = grad::runtime::Params::zeros_like(&net);
    assert!((stacked_l2_grad(&net, &mut g) - 5.5).abs() < 1e-12);
    assert_eq!(g.layers[0].w, [2.0, 4.0]);
}

/// A closure passed to a helper reading the fields of a differentiated model (`self.rate`),
/// an untyped local that computes a float, and a moved `&mut` output.
#[derive(Clone, grad::Params)]
struct Decaying {
    rate: f64,
    amp: f64,
}

impl Decaying {
    #[gradient]
    fn area(&self, until: f64) -> f64 {
        let half = until * 0.5;
        midpoint(|t| self.amp * (-self.rate * t).exp() + half, 0.0, until, 8)
    }
}

#[gradient]
fn scaled_into(x: &[f64], out: &mut [f64]) {
    let target = out;
    for (o, v) in target.iter_mut().zip(x) {
        *o = v * 2.0;
    }
}

#[test]
fn model_closures_and_moved_outputs_run() {
    let d = Decaying {
        rate: 0.5,
        amp: 2.0,
    };
    let mut g = grad::runtime::Params::zeros_like(&d);
    let value = d.area_grad(1.0, &mut g);
    assert_eq!(value.to_bits(), d.area(1.0).to_bits());
    assert!(g.rate.is_finite() && g.amp.is_finite());
    let mut out = [0.0; 2];
    scaled_into(&[1.0, 2.0], &mut out);
    assert!((out[1] - 4.0).abs() < 1e-12);
}

#[gradient]
fn sub2(a: [f64; 2], b: [f64; 2]) -> [f64; 2] {
    [a[0] - b[0], a[1] - b[1]]
}

#[gradient]
fn dot2(a: [f64; 2], b: [f64; 2]) -> f64 {
    a[0] * b[0] + a[1] * b[1]
}

/// `[T; N]` results passed on by value, rows by value, views written in place, an iterator's
/// last mapped element, reassociated sums.
#[gradient(fast, wrt(x, pts))]
#[allow(
    clippy::needless_range_loop,
    clippy::double_ended_iterator_last,
    clippy::useless_vec
)]
fn value_forms(x: f64, pts: &[[f64; 2]], ws: &[Vec<f64>]) -> f64 {
    let diff = sub2([x, 1.0], [0.5, x]);
    let mut total = dot2(diff, diff) + dot2(sub2(pts[0], [x, x]), pts[pts.len() - 1]);
    let mut buf = vec![x, 2.0 * x, 0.5];
    for el in buf.iter_mut().rev() {
        *el *= 1.5;
    }
    for piece in buf.chunks_mut(2) {
        piece[0] += piece[piece.len() - 1];
    }
    let (head, rest) = buf.split_at_mut(1);
    head[0] += rest[0];
    buf.rotate_left(1);
    let deg = 2;
    let powers: Vec<f64> = (0..=deg).map(|j| x.powi(deg - j)).collect();
    for k in 0..ws.len() {
        total += ws[k].iter().map(|w| w * x).sum::<f64>();
    }
    total + buf[0] + powers[0] + buf.iter().map(|w| w * w).last().unwrap_or(0.0)
}

#[derive(Clone, grad::Params)]
struct Lyr {
    w: Vec<f64>,
    b: f64,
}

#[derive(Clone, grad::Params)]
struct LayerNet {
    l1: Lyr,
    h0: [f64; 2],
}

#[gradient(wrt(l))]
fn layer_out(l: &Lyr, x: &[f64]) -> Vec<f64> {
    vec![l.w[0] * x[0] + l.b, l.w[1] * x[1]]
}

impl LayerNet {
    /// A layer passed to a free function, a struct pattern, a state copied from an array field.
    #[gradient]
    fn loss(&self, x: &[f64]) -> f64 {
        let _ = self.h0.len();
        let h = layer_out(&self.l1, x);
        let Lyr { w, b } = &self.l1;
        let mut st = self.h0;
        st[0] += w[0] * h[1] + b;
        st[0] * st[1]
    }
}

#[test]
fn value_forms_and_layers_run() {
    let (v, [dx]) = value_forms_grad(0.7, &[[1.0, 2.0]], &[vec![1.0]], &mut [[0.0; 2]]);
    assert!(v.is_finite() && dx.is_finite());
    let n = LayerNet {
        l1: Lyr {
            w: vec![0.5, -0.25],
            b: 0.1,
        },
        h0: [1.0, 2.0],
    };
    let mut g = grad::runtime::Params::zeros_like(&n);
    let value = n.loss_grad(&[1.0, 2.0], &mut g);
    assert_eq!(value.to_bits(), n.loss(&[1.0, 2.0]).to_bits());
}

/// The forms of session 28: a caller above its helpers (a model field and a `[T; 3]` result
/// passed on), rows copied and written, a local matrix copied whole and by row, rows zipped and
/// chained in sums, a `once` chain reduced, index pairs by `flat_map`, a count moved by a plain
/// helper through `&mut`, a local changed inside a comparison, a copy of an index list.
#[gradient(wrt(m))]
fn s28_caller(m: &S28Net, x: &[f64]) -> f64 {
    let h = s28_dense(&m.l1, x);
    let d = s28_sub(
        s28_sub([h[0], h[1], 1.0], [0.5, 0.5, 0.5]),
        [x[0], x[1], 0.0],
    );
    d[0] * d[1] + d[2]
}

#[gradient(wrt(l))]
fn s28_dense(l: &Lyr, x: &[f64]) -> Vec<f64> {
    vec![(l.w[0] * x[0]).tanh(), l.w[1] * x[1] + l.b]
}

#[gradient]
fn s28_sub(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

#[derive(Clone, grad::Params)]
struct S28Net {
    l1: Lyr,
}

fn s28_advance(i: &mut usize) {
    *i += 1;
}

#[gradient(jvp, wrt(pos, ws, x))]
fn s28_forms(pos: &[[f64; 2]], ws: &[Vec<f64>], x: f64, idx: &[usize]) -> f64 {
    let mut pt = pos[0];
    pt[0] += x * pt[1];
    let cv = ws[0].clone();
    let mut grid = vec![vec![0.0; 2]; 2];
    grid[0][0] = pt[0];
    grid[1][1] = cv[0] * x;
    let mut next = grid.clone();
    next[0][1] = grid[0][0] * grid[1][1];
    grid = next;
    let mut rows = vec![[0.0; 2]; 2];
    rows[0] = [x, pt[1]];
    let mut prev = rows.clone();
    prev[1] = rows[0];
    let zipped = ws[0]
        .iter()
        .zip(&ws[ws.len() - 1])
        .map(|(a, b)| a * b)
        .sum::<f64>();
    let chained: f64 = ws
        .iter()
        .chain(ws.iter())
        .map(|row| row.iter().map(|v| v * x).sum::<f64>())
        .sum();
    let head: f64 = std::iter::once(cv[0])
        .chain(cv.iter().copied())
        .map(|v| v * x)
        .sum();
    let len = cv.len();
    let pairs: f64 = (0..len)
        .flat_map(|i| (i + 1..len).map(move |j| (i, j)))
        .map(|(i, j)| (cv[i] - cv[j]) * x)
        .sum();
    let mut step = 0;
    let mut counted = 0.0;
    while step < len {
        counted += cv[step] * x;
        s28_advance(&mut step);
    }
    let mut acc = 0.0;
    let big = {
        acc += x * x;
        acc
    } > 1.0;
    let mut order = idx.to_vec();
    order[0] = order[order.len() - 1];
    let picked = cv[order[0] % len];
    let extra = if big { acc } else { acc * 0.5 };
    grid[0][1] + prev[1][0] + zipped + chained + head + pairs + counted + extra + picked
}

#[test]
fn session_28_forms_run() {
    let net = S28Net {
        l1: Lyr {
            w: vec![0.5, -0.25],
            b: 0.1,
        },
    };
    let mut g = grad::runtime::Params::zeros_like(&net);
    let v = s28_caller_grad(&net, &[1.0, 2.0], &mut g);
    assert_eq!(v.to_bits(), s28_caller(&net, &[1.0, 2.0]).to_bits());
    let (pos, ws) = ([[0.5, 1.0]], vec![vec![1.0, 2.0], vec![0.5, -1.0]]);
    let (mut dp, mut dw) = (vec![[0.0; 2]], vec![vec![0.0; 2]; 2]);
    let (v, [dx]) = s28_forms_grad(&pos, &ws, 0.7, &[1, 0], &mut dp, &mut dw);
    assert_eq!(v.to_bits(), s28_forms(&pos, &ws, 0.7, &[1, 0]).to_bits());
    assert!(dx.is_finite());
}

/// The forms of session 29: a reference to data after an early return, an extremum over rows,
/// a constant table and an index range, a running maximum by `scan`, a compound assignment whose
/// right side changes its place, `any` with state, draws from a generator lent mutably, a work
/// queue, a model's array field and rows passed to array helpers by value and by reference.
#[derive(Clone, grad::Params)]
struct S29Scene {
    pts: Vec<[f64; 3]>,
    axis: [f64; 3],
}

#[gradient]
fn s29_dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

#[gradient]
fn s29_norm(a: &[f64; 3]) -> f64 {
    a[0] * a[0] + a[1] * a[1] + a[2] * a[2]
}

impl S29Scene {
    #[gradient]
    fn loss(&self) -> f64 {
        let p = self.pts[0];
        s29_dot(p, self.axis)
            + s29_norm(&self.axis)
            + self.pts.iter().map(|r| s29_dot(*r, *r)).sum::<f64>()
    }
}

/// A generator lent to the loss.
pub struct S29Lcg(u64);

impl S29Lcg {
    fn next_unit(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        f64::from(u32::try_from(self.0 >> 32).unwrap_or(0)) / 4_294_967_296.0
    }
}

const S29_TABLE: [[f64; 2]; 2] = [[0.0, 1.0], [1.0, 0.5]];

#[gradient(wrt(xs, centroids))]
fn s29_forms(
    ws: &[Vec<f64>],
    centroids: &[[f64; 2]],
    xs: &[f64],
    count: usize,
    rng: &mut S29Lcg,
    queue: &mut Vec<usize>,
) -> f64 {
    if count == 9 {
        return xs[0];
    }
    let near = centroids
        .iter()
        .min_by(|a, b| (a[0] - xs[0]).abs().total_cmp(&(b[0] - xs[0]).abs()))
        .unwrap();
    let entry = S29_TABLE
        .iter()
        .max_by(|a, b| (a[0] * xs[1]).total_cmp(&(b[0] * xs[1])))
        .copied()
        .unwrap();
    let pivot = (0..xs.len())
        .max_by(|&i, &j| xs[i].abs().total_cmp(&xs[j].abs()))
        .unwrap();
    let peaks: Vec<f64> = xs
        .iter()
        .scan(f64::NEG_INFINITY, |m, &v| {
            *m = m.max(v);
            Some(*m)
        })
        .collect();
    let mut sum: f64 = ws[0].iter().map(|v| v * xs[0]).sum();
    sum += {
        sum *= 0.5;
        sum * xs[1]
    };
    let mut total = 0.0;
    let hit = xs.iter().any(|v| {
        total += v;
        total > 1.0
    });
    let mut drawn = 0.0;
    for v in xs {
        drawn += v * rng.next_unit();
    }
    let slot = queue.pop().unwrap_or(0) % xs.len();
    let bonus = if hit { total } else { -total };
    sum + near[1] * entry[1] + xs[pivot] + peaks[peaks.len() - 1] + bonus + drawn + xs[slot]
}

#[test]
fn session_29_forms_run() {
    let scene = S29Scene {
        pts: vec![[0.5, 1.0, -0.5], [0.25, 0.0, 1.0]],
        axis: [0.2, 0.7, -0.4],
    };
    let mut grads = grad::runtime::Params::zeros_like(&scene);
    let value = scene.loss_grad(&mut grads);
    assert_eq!(value.to_bits(), scene.loss().to_bits());
    let ws = vec![vec![1.0, 2.0]];
    let centroids = [[0.1, 0.2], [0.9, -0.3]];
    let xs = [0.7, -1.2];
    let plain = s29_forms(&ws, &centroids, &xs, 1, &mut S29Lcg(3), &mut vec![1]);
    let (mut d_centroids, mut d_xs) = ([[0.0; 2]; 2], [0.0; 2]);
    let value = s29_forms_grad(
        &ws,
        &centroids,
        &xs,
        1,
        &mut S29Lcg(3),
        &mut vec![1],
        &mut d_centroids,
        &mut d_xs,
    );
    assert_eq!(value.to_bits(), plain.to_bits());
    assert!(d_xs.iter().all(|d| d.is_finite()));
}

/// Session 30: sequences of integers and flags in a model, read as data (bound to a local, in a
/// range bound, an index, a condition).
#[derive(Clone, grad::Params)]
pub struct S30Sized {
    pub w: Vec<f64>,
    pub sizes: Vec<usize>,
    pub mask: [bool; 2],
}

impl S30Sized {
    #[gradient(jvp)]
    #[must_use]
    #[allow(clippy::needless_range_loop)]
    pub fn loss(&self, x: &[f64]) -> f64 {
        let n = self.sizes[0];
        let mut s = 0.0;
        for i in 0..n {
            if self.mask[i % 2] {
                s += self.w[self.sizes[1] * i] * x[i];
            }
        }
        s * s
    }
}

#[test]
fn session_30_forms_run() {
    let m = S30Sized {
        w: vec![0.5, -0.25, 1.0, 0.75],
        sizes: vec![2, 2],
        mask: [true, true],
    };
    let mut d = grad::runtime::Params::zeros_like(&m);
    let x = [1.5, -2.0];
    let value = m.loss_grad(&x, &mut d);
    assert_eq!(value.to_bits(), m.loss(&x).to_bits());
    // s = 0.5·1.5 + 1.0·(−2.0) = −1.25; ∂(s²)/∂w[2i] = 2s·x[i].
    assert_eq!(d.w, vec![-3.75, 0.0, 5.0, 0.0]);
}

/// Session 31: a generator made in the body and lent on, collected references read in a
/// condition and a `while` condition, a loop bound that counts, a tuple part dropped, a model
/// function beside a slice.
#[gradient(wrt(xs), jvp, hvp)]
#[must_use]
pub fn s31_forms(xs: &[f64], seed: u64) -> f64 {
    let mut rng = S29Lcg(seed);
    let kept: Vec<&f64> = xs.iter().filter(|q| **q > -0.5).collect();
    let mut s = 0.0;
    if kept.iter().map(|q| **q * 2.0).sum::<f64>() > 0.1 {
        s += kept.iter().map(|q| **q * **q).sum::<f64>();
    }
    let mut n = 0;
    while n < kept.len() && *kept[n] < 1.5 {
        s += kept[n].sin() * rng.next_unit();
        n += 1;
    }
    for k in 0..xs.iter().filter(|q| **q > 0.5).count() {
        s += xs[k] * 0.5 + xs[(k + 1) % xs.len()];
    }
    let (a, _) = (xs[0] * 2.0, s31_helper(xs[1], &mut rng));
    s + a + s31_helper(xs[0], &mut rng)
}

#[gradient(wrt(z), jvp, hvp)]
fn s31_helper(z: f64, rng: &mut S29Lcg) -> f64 {
    (z * (1.0 + 0.1 * rng.next_unit())).tanh()
}

#[derive(Clone, grad::Params)]
pub struct S31Line {
    pub w: Vec<f64>,
    pub b: f64,
}

#[gradient(wrt(m, xs))]
#[must_use]
pub fn s31_model(m: &S31Line, xs: &[f64], k: i32) -> f64 {
    let (a, (b, _)): (f64, (f64, f64)) =
        (m.b * xs[0], (m.w[0] * 0.5, s31_helper(m.b, &mut S29Lcg(1))));
    a + b + f64::from(k)
}

#[test]
fn session_31_forms_run() {
    let xs = [0.7, -1.2, 0.3];
    let mut d = [0.0; 3];
    let value = s31_forms_grad(&xs, 5, &mut d);
    assert_eq!(value.to_bits(), s31_forms(&xs, 5).to_bits());
    assert!(d.iter().all(|v| v.is_finite()));
    let m = S31Line {
        w: vec![0.5],
        b: 2.0,
    };
    let mut dm = grad::runtime::Params::zeros_like(&m);
    let mut dx = [0.0; 3];
    let value = s31_model_grad(&m, &xs, 3, &mut dm, &mut dx);
    assert_eq!(value.to_bits(), s31_model(&m, &xs, 3).to_bits());
    assert_eq!((dm.b, dm.w[0], dx[0]), (0.7, 0.5, 2.0));
}

/// Session 32: second order over rows (ragged, fixed, tuples) and a model's rows fields, rows
/// read end to end and in reverse, a row's options, a generic model under `T: Float` alone.
#[gradient(hvp, jvp)]
#[must_use]
pub fn s32_rows(ws: &[Vec<f64>], pts: &[[f64; 2]], pairs: &[(f64, f64)], x: f64) -> f64 {
    let mut state = x;
    for row in ws.iter().rev() {
        state = (row[0] * state + row[row.len() - 1]).tanh();
    }
    if let Some(&second) = ws[0].get(1) {
        state += second * second;
    }
    let all = ws.concat();
    let (front, _) = ws[1].split_at(1);
    state * all[0]
        + front[0]
        + pts.iter().flatten().map(|v| v.sin()).sum::<f64>()
        + pairs.iter().map(|&(a, b)| a * b).sum::<f64>()
}

#[derive(Clone, grad::Params)]
pub struct S32Grid {
    pub rows: Vec<Vec<f64>>,
    pub pts: [[f64; 2]; 2],
    pub s: f64,
}

#[gradient(wrt(g), hvp, jvp)]
#[must_use]
pub fn s32_grid(g: &S32Grid, x: f64) -> f64 {
    let mut e = g.s * x;
    for &[a, b] in &g.pts {
        e += a * b;
    }
    e + g.rows.iter().flatten().map(|v| v * v).sum::<f64>()
}

#[gradient(wrt(g, x, z), hvp)]
#[must_use]
pub fn s32_grid_beside(g: &S32Grid, x: f64, z: &[f64]) -> f64 {
    (g.s * x).sin() + z.iter().map(|v| v * g.rows[0][0]).sum::<f64>()
}

#[derive(Clone, grad::Params)]
pub struct S32Linear<T: num_traits::Float> {
    pub w: Vec<T>,
    pub b: T,
}

#[gradient(wrt(m), jvp, hvp)]
#[must_use]
pub fn s32_linear<T: num_traits::Float>(m: &S32Linear<T>, x: &[T]) -> T {
    let mut z = m.b;
    for (w, x) in m.w.iter().zip(x) {
        z = z + *w * *x;
    }
    z * z
}

#[test]
fn session_32_forms_run() {
    let ws = vec![vec![0.3, -0.7], vec![1.1, 0.5, 0.2]];
    let pts = [[0.4, 0.9]];
    let pairs = [(0.5, 0.25)];
    let mut hess = vec![0.0; 100];
    let mut d_ws = vec![vec![0.0; 2], vec![0.0; 3]];
    let (mut d_pts, mut d_pairs) = ([[0.0; 2]], [(0.0, 0.0)]);
    let (value, _) = s32_rows_hessian(
        &ws,
        &pts,
        &pairs,
        0.4,
        &mut d_ws,
        &mut d_pts,
        &mut d_pairs,
        &mut hess,
    );
    assert_eq!(value.to_bits(), s32_rows(&ws, &pts, &pairs, 0.4).to_bits());
    let g = S32Grid {
        rows: ws.clone(),
        pts: [[0.4, 0.9], [0.1, 0.2]],
        s: 0.5,
    };
    let (mut d, mut hv) = (S32Grid::zeros_like(&g), S32Grid::zeros_like(&g));
    let value = s32_grid_hvp(&g, 0.3, &g, &mut d, &mut hv);
    assert_eq!(value.to_bits(), s32_grid(&g, 0.3).to_bits());
    let (mut dz, mut hz) = ([0.0; 2], [0.0; 2]);
    let (value, [_], [_]) = s32_grid_beside_hvp(
        &g,
        0.3,
        &[0.5, 0.25],
        &g,
        1.0,
        &[0.0, 1.0],
        &mut d,
        &mut dz,
        &mut hv,
        &mut hz,
    );
    assert_eq!(
        value.to_bits(),
        s32_grid_beside(&g, 0.3, &[0.5, 0.25]).to_bits()
    );
    let m = S32Linear {
        w: vec![0.5_f32],
        b: 0.25,
    };
    let mut dm = S32Linear::zeros_like(&m);
    let value = s32_linear_grad(&m, &[2.0], &mut dm);
    assert_eq!(value.to_bits(), s32_linear(&m, &[2.0]).to_bits());
    assert_eq!((dm.w[0], dm.b), (5.0, 2.5));
}

/// Session 33: a float through `f32` and back (and forward mode, second order).
#[gradient(jvp, hvp)]
#[allow(clippy::cast_possible_truncation)]
fn s33_narrow(x: f64) -> f64 {
    let y = f64::from(x as f32);
    y * y + x
}

/// Session 33: a local matrix read end to end; a list of pieces of a part.
#[gradient]
fn s33_matrix(x: &[f64]) -> f64 {
    let mut c = vec![vec![0.0; 2]; 2];
    for (i, row) in c.iter_mut().enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            *v = x[i] * x[j];
        }
    }
    let pieces: Vec<&[f64]> = x[1..].chunks(2).collect();
    let copy = c.concat();
    copy[3] + c.iter().flatten().sum::<f64>() + pieces[0][0]
}

/// Session 33: `check(at(..))` on rows and on a model; the Hessian of a model beside a slice.
#[gradient(check(at(&[[0.5, -1.0], [2.0, 0.25]], 1.5)))]
fn s33_rows(ws: &[[f64; 2]], s: f64) -> f64 {
    ws.iter().map(|&[a, b]| (a * s).sin() * b).sum::<f64>()
}

#[derive(Clone, grad::Params)]
pub struct S33Line {
    pub w: Vec<f64>,
    pub b: f64,
}

fn s33_line() -> S33Line {
    S33Line {
        w: vec![0.5, -0.25],
        b: 0.1,
    }
}

#[gradient(wrt(m, z), hvp, check(at(&s33_line(), &[0.3, 0.7])))]
fn s33_model(m: &S33Line, z: &[f64]) -> f64 {
    m.w.iter().zip(z).map(|(w, v)| (w * v).tanh()).sum::<f64>() + m.b * z[0]
}

/// Session 33: rows collected then written; an argsort keeping the values.
#[gradient]
fn s33_collected(x: &[f64]) -> f64 {
    let mut pos: Vec<[f64; 2]> = x.chunks(2).map(|c| [c[0], c[1]]).collect();
    let mut vel = vec![[0.0; 2]; pos.len()];
    for i in 0..pos.len() {
        vel[i][0] -= 0.1 * pos[i][0];
        pos[i][0] += 0.1 * vel[i][0];
    }
    let mut v: Vec<(usize, f64)> = x.iter().copied().enumerate().collect();
    v.sort_by(|a, b| a.1.total_cmp(&b.1));
    pos.iter().map(|p| p[0] * p[1]).sum::<f64>() + v[0].1
}

#[test]
fn session_33_forms_run() {
    let x = [0.5, -0.25, 1.5, 2.0];
    let mut d = [0.0; 4];
    assert_eq!(
        s33_collected_grad(&x, &mut d).to_bits(),
        s33_collected(&x).to_bits()
    );
    let (value, [g]) = s33_narrow_grad(0.3);
    assert_eq!(value.to_bits(), s33_narrow(0.3).to_bits());
    assert!((g - (2.0 * f64::from(0.3_f32) + 1.0)).abs() < 1e-15);
    let x = [0.5, -0.25, 1.5];
    let mut d = [0.0; 3];
    assert_eq!(
        s33_matrix_grad(&x, &mut d).to_bits(),
        s33_matrix(&x).to_bits()
    );
    let m = s33_line();
    let (mut dm, mut dz) = (m.zeros_like(), [0.0; 2]);
    let mut hess = vec![0.0; 25];
    let value = s33_model_hessian(&m, &[0.3, 0.7], &mut dm, &mut dz, &mut hess);
    assert_eq!(value.to_bits(), s33_model(&m, &[0.3, 0.7]).to_bits());
    s33_rows_grad_check_0();
    s33_model_grad_check_0();
}

/// Pairs sorted by a component and read by windows, rows through `rev`, a buffer sorted by a
/// key, a range counted after `skip` (and forward mode, second order).
#[gradient(jvp, hvp)]
fn s34_sorted(w: &[f64]) -> f64 {
    let mut pts: Vec<(f64, f64)> = w.iter().map(|&x| (x * 0.5, x * x)).collect();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut area = 0.0;
    for win in pts.windows(2) {
        area += (win[1].0 - win[0].0) * (win[1].1 + win[0].1);
    }
    let back: f64 = pts.iter().rev().map(|p| p.0 * p.1).sum();
    let mut v = w.to_vec();
    v.sort_by(|a, b| a.abs().total_cmp(&b.abs()));
    let counted: f64 = (0..w.len())
        .skip(1)
        .enumerate()
        .map(|(i, r)| w[r] * f64::from(u32::try_from(i).unwrap_or(0)))
        .sum();
    area + back + v[0] + counted
}

/// A particle of a simulation.
#[derive(Clone, Copy)]
struct S34Particle {
    x: f64,
    v: f64,
    m: f64,
}

/// A `Vec` of structs copied from data, moved by loops over `iter_mut()` and by index.
#[gradient(jvp, hvp, wrt(k))]
fn s34_particles(k: f64, init: &[S34Particle]) -> f64 {
    let mut ps: Vec<S34Particle> = init.to_vec();
    for _ in 0..3 {
        for p in &mut ps {
            p.v -= k * p.x / p.m * 0.1;
            p.x += p.v * 0.1;
        }
        for i in 1..ps.len() {
            let f = k * (ps[i].x - ps[i - 1].x);
            ps[i].v -= f * 0.1;
        }
    }
    ps.iter().map(|p| p.x * p.x).sum()
}

/// A particle in the plane, its position an array.
#[derive(Clone, Copy)]
struct S34Planar {
    pos: [f64; 2],
    m: f64,
}

/// Structs with a field of arrays stepped component by component.
#[gradient(jvp, hvp, wrt(k))]
fn s34_planar(k: f64, init: &[S34Planar]) -> f64 {
    let mut ps = init.to_vec();
    for p in &mut ps {
        for d in 0..2 {
            p.pos[d] += k * p.m;
        }
    }
    ps.iter().map(|p| p.pos[0] * p.pos[1]).sum()
}

#[test]
fn session_34_forms_run() {
    let planar = [S34Planar {
        pos: [0.5, -1.0],
        m: 2.0,
    }];
    let (value, _) = s34_planar_grad(0.5, &planar);
    assert_eq!(value.to_bits(), s34_planar(0.5, &planar).to_bits());
    let w = [0.5, -0.25, 1.5, 2.0];
    let mut d = [0.0; 4];
    assert_eq!(
        s34_sorted_grad(&w, &mut d).to_bits(),
        s34_sorted(&w).to_bits()
    );
    let init = [
        S34Particle {
            x: 0.5,
            v: 0.0,
            m: 1.0,
        },
        S34Particle {
            x: -0.5,
            v: 0.25,
            m: 2.0,
        },
    ];
    let (value, _) = s34_particles_grad(1.5, &init);
    assert_eq!(value.to_bits(), s34_particles(1.5, &init).to_bits());
}

/// A model passed by value (a `Copy` one and one holding a `Vec`), in every mode, and handed
/// whole to another function from a reference (`pair(*m, ..)`); the remainder `%` on floats.
#[derive(Clone, Copy, grad::Params)]
struct S35Pair {
    x: f64,
    y: f64,
}

#[derive(Clone, grad::Params)]
struct S35Line {
    w: Vec<f64>,
    b: f64,
}

#[gradient(jvp, hvp, wrt(p))]
fn s35_pair(p: S35Pair, k: f64) -> f64 {
    p.x * p.y.sin() + k * (p.x % 1.5)
}

#[gradient(wrt(m))]
fn s35_outer(m: &S35Pair) -> f64 {
    s35_pair(*m, 0.5) * m.y
}

// The user's own function takes it by value (the lint is about that function, not the
// expansion).
#[allow(clippy::needless_pass_by_value)]
#[gradient(wrt(line))]
fn s35_line(line: S35Line, x: &[f64]) -> f64 {
    line.w.iter().zip(x).fold(line.b, |acc, (w, v)| acc + w * v)
}

/// Tuples of floats as parameters and parameters given as patterns, in every mode.
#[gradient(jvp, hvp)]
fn s35_tuples(point: (f64, f64), scale: &(f64, f64), (lo, hi): (f64, f64)) -> f64 {
    let (px, py) = point;
    px * scale.0 + py.sin() * scale.1 + lo * hi
}

/// A matrix by value.
#[gradient(jvp, hvp)]
fn s35_matrix(m: [[f64; 2]; 2], scale: f64) -> f64 {
    (m[0][0] * m[1][1] - m[0][1] * m[1][0]) * scale
}

#[gradient]
fn s35_lerp(a: (f64, f64), b: (f64, f64), t: f64) -> (f64, f64) {
    (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t)
}

#[test]
fn session_35_forms_run() {
    let (mut dp, mut dq, mut dlh) = ((0.0_f64, 0.0), (0.0, 0.0), (0.0_f64, 0.0));
    assert_eq!(
        s35_tuples_grad(
            (0.5, 1.0),
            &(2.0, 0.25),
            (1.5, -1.0),
            &mut dp,
            &mut dq,
            &mut dlh
        )
        .to_bits(),
        s35_tuples((0.5, 1.0), &(2.0, 0.25), (1.5, -1.0)).to_bits()
    );
    assert!((dp.0 - 2.0).abs() < 1e-15 && (dlh.1 - 1.5).abs() < 1e-15);
    let mut dm = [[0.0; 2]; 2];
    let (det, [ds]) = s35_matrix_grad([[1.0, 2.0], [3.0, 4.0]], 0.5, &mut dm);
    assert_eq!((det, ds, dm[0][1]), (-1.0, -2.0, -1.5));
    let (mut da, mut db) = ((0.0, 0.0), (0.0, 0.0));
    let (r, [dt]) = s35_lerp_vjp((1.0, 2.0), (3.0, 5.0), 0.5, &[1.0, 1.0], &mut da, &mut db);
    assert_eq!((r, dt), ((2.0, 3.5), 5.0));
    let p = S35Pair { x: 0.5, y: -1.0 };
    let mut d = S35Pair { x: 0.0, y: 0.0 };
    assert_eq!(
        s35_pair_grad(p, 0.25, &mut d).to_bits(),
        s35_pair(p, 0.25).to_bits()
    );
    assert_eq!(
        s35_outer_grad(&p, &mut d).to_bits(),
        s35_outer(&p).to_bits()
    );
    let line = S35Line {
        w: vec![0.5, 2.0],
        b: 0.25,
    };
    let mut dl = S35Line {
        w: vec![0.0; 2],
        b: 0.0,
    };
    let x = [1.0, -1.0];
    assert_eq!(
        s35_line_grad(line.clone(), &x, &mut dl).to_bits(),
        s35_line(line, &x).to_bits()
    );
    assert!((dl.w[1] + 1.0).abs() < 1e-15);
}

/// Helpers without `#[gradient]`: inlined, derived (recursive, generic), specialized with a
/// closure; plain methods of a model; the model under another name.
fn s36_sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

fn s36_dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(p, q)| p * q).sum()
}

fn s36_power(x: f64, n: u32) -> f64 {
    if n == 0 {
        1.0
    } else {
        x * s36_power(x, n - 1)
    }
}

fn s36_twice<T: num_traits::Float>(x: T) -> T {
    x + x.sin()
}

fn s36_integrate<F: Fn(f64) -> f64>(f: F, n: u32) -> f64 {
    let h = 1.0 / f64::from(n);
    (0..n).map(|i| f((f64::from(i) + 0.5) * h)).sum::<f64>() * h
}

#[gradient(jvp, hvp, wrt(w))]
fn s36_helpers(w: &[f64], x: &[f64]) -> f64 {
    let act = s36_sigmoid;
    let a = x.iter().copied().map(s36_sigmoid).sum::<f64>();
    act(s36_dot(w, x)) + s36_power(w[0], 3) + s36_twice(w[1]) + a
}

#[gradient(hvp)]
fn s36_closure(k: f64) -> f64 {
    s36_integrate(|t| (k * t).sin(), 8)
}

#[derive(Clone, Debug, grad::Params)]
struct S36Model {
    w: Vec<f64>,
    b: f64,
}

impl S36Model {
    fn predict(&self, x: &[f64]) -> f64 {
        s36_dot(&self.w, x) + self.b
    }

    #[gradient]
    fn loss(&self, x: &[f64], y: f64) -> f64 {
        let me = self;
        (self.predict(x) - y).powi(2) + 0.1 * me.b
    }
}

#[test]
fn session_36_forms_run() {
    let (weights, inputs) = ([0.5, -0.25], [1.0, 2.0]);
    let mut dw = [0.0; 2];
    assert_eq!(
        s36_helpers_grad(&weights, &inputs, &mut dw).to_bits(),
        s36_helpers(&weights, &inputs).to_bits()
    );
    assert!(dw.iter().all(|d| d.is_finite()));
    let (value, [dk]) = s36_closure_grad(1.5);
    assert_eq!(value.to_bits(), s36_closure(1.5).to_bits());
    assert!(dk.is_finite());
    let model = S36Model {
        w: vec![0.5, 1.0],
        b: 0.25,
    };
    let mut dm = model.zeros_like();
    assert_eq!(
        model.loss_grad(&inputs, 1.0, &mut dm).to_bits(),
        model.loss(&inputs, 1.0).to_bits()
    );
    // d/db = 2 (predict − y) + 0.1, predict = 0.5 + 2 + 0.25
    assert!((dm.b - (2.0 * 1.75 + 0.1)).abs() < 1e-12);
}

/// Arrays mapped element by element; helpers of other modules by path and by `use`; a trait's
/// method and default of the model; a `Copy` enum's method; a helper's name taken by a function
/// of an inner block.
mod s37_act {
    pub fn softplus(z: f64) -> f64 {
        z.exp().ln_1p()
    }
}

use s37_act::softplus as s37_sp;

#[derive(Clone, Copy)]
enum S37Act {
    Tanh,
    Softplus,
}

impl S37Act {
    fn apply(self, z: f64) -> f64 {
        match self {
            S37Act::Tanh => z.tanh(),
            S37Act::Softplus => s37_act::softplus(z),
        }
    }
}

trait S37Predict {
    fn predict(&self, x: &[f64]) -> f64;
    fn score(&self, x: &[f64]) -> f64 {
        self.predict(x) * 0.5
    }
}

#[derive(Clone, Debug, grad::Params)]
struct S37Model {
    w: Vec<f64>,
    b: f64,
}

impl S37Predict for S37Model {
    fn predict(&self, x: &[f64]) -> f64 {
        self.w.iter().zip(x).map(|(p, q)| p * q).sum::<f64>() + self.b
    }
}

#[gradient(jvp, hvp)]
fn s37_arrays(a: f64, b: f64) -> f64 {
    let sq = [a, b].map(|t| t * t);
    let inner = {
        fn s37_sp(t: f64) -> f64 {
            t * 2.0
        }
        s37_sp(a)
    };
    sq[0]
        + [a, b].map(f64::exp).iter().sum::<f64>()
        + s37_sp(b)
        + inner
        + [a; 2].map(s37_act::softplus)[1]
}

#[gradient(wrt(m))]
fn s37_model(m: &S37Model, x: &[f64], act: S37Act) -> f64 {
    act.apply(m.predict(x)) + m.score(x)
}

#[test]
fn session_37_forms_run() {
    let (value, [da, db]) = s37_arrays_grad(0.5, -0.25);
    assert_eq!(value.to_bits(), s37_arrays(0.5, -0.25).to_bits());
    assert!(da.is_finite() && db.is_finite());
    let m = S37Model {
        w: vec![0.5, -1.0],
        b: 0.25,
    };
    let x = [1.0, 0.5];
    for act in [S37Act::Tanh, S37Act::Softplus] {
        let mut dm = m.zeros_like();
        assert_eq!(
            s37_model_grad(&m, &x, act, &mut dm).to_bits(),
            s37_model(&m, &x, act).to_bits()
        );
        assert!(dm.b.is_finite() && dm.b > 0.5);
    }
}

// Session 38: tuples lent to helpers and to `#[gradient]` functions, a rule for a function
// called by its path, generic arithmetic helpers, `Vec`s taken by value and consumed, matrices
// copied whole, a buffer written beside a model's rows.
mod s38_special {
    pub fn erf(x: f64) -> f64 {
        (x * std::f64::consts::FRAC_2_SQRT_PI).tanh()
    }
}

#[grad::custom_gradient]
fn erf_grad(x: f64) -> (f64, [f64; 1]) {
    let t = (x * std::f64::consts::FRAC_2_SQRT_PI).tanh();
    (t, [std::f64::consts::FRAC_2_SQRT_PI * (1.0 - t * t)])
}

fn s38_norm(p: &(f64, f64)) -> f64 {
    (p.0 * p.0 + p.1 * p.1).sqrt()
}

#[gradient]
fn s38_pair(p: (f64, f64)) -> f64 {
    p.0 * p.1.sin()
}

fn s38_sq<T>(x: T) -> T
where
    T: std::ops::Mul<Output = T> + Copy,
{
    x * x
}

fn s38_relu(v: Vec<f64>) -> Vec<f64> {
    v.into_iter().map(|z| z.max(0.0)).collect()
}

#[gradient(jvp)]
fn s38_forms(x: f64, y: f64) -> f64 {
    let pair = (x, y * 2.0);
    let lent = &pair;
    let act = s38_relu(vec![x, -y, x * y]);
    s38_norm(lent) + s38_pair(pair) + s38_sq(x - y) + s38_special::erf(y) + act[0] + act[2]
}

#[derive(Clone, grad::Params)]
struct S38Cell {
    ws: [[f64; 2]; 2],
    rows: Vec<Vec<f64>>,
}

#[gradient(wrt(m))]
fn s38_cell(m: &S38Cell, x: f64) -> f64 {
    let mut h = m.ws;
    h[1][0] = h[0][0] * 0.5 + x;
    let mut out = vec![0.25; m.rows.len()];
    for (o, row) in out.iter_mut().zip(&m.rows) {
        *o += row[0] * x;
    }
    h[1][0] * h[1][1] + out[0]
}

#[test]
fn session_38_forms_run() {
    let (value, [dx, dy]) = s38_forms_grad(0.5, -0.25);
    assert_eq!(value.to_bits(), s38_forms(0.5, -0.25).to_bits());
    assert!(dx.is_finite() && dy.is_finite());
    let (_, t) = s38_forms_jvp(0.5, -0.25, 1.0, 0.0);
    assert!((t - dx).abs() < 1e-12);
    let m = S38Cell {
        ws: [[0.5, 0.2], [0.1, -0.3]],
        rows: vec![vec![1.0, 2.0], vec![0.5]],
    };
    let mut d = grad::runtime::Params::zeros_like(&m);
    assert_eq!(
        s38_cell_grad(&m, 0.75, &mut d).to_bits(),
        s38_cell(&m, 0.75).to_bits()
    );
    assert!((d.rows[0][0] - 0.75).abs() < 1e-15);
}

// Session 39: layers of different widths carried in one buffer chosen by a branch, parts of a
// field of layers, rows fields handed to helpers, matrices collected, a recursive function of
// the body, positions of one slice chained, generators made by helpers.
#[derive(Clone, grad::Params)]
struct S39Layer {
    w: Vec<Vec<f64>>,
    b: Vec<f64>,
}

impl S39Layer {
    fn forward(&self, x: &[f64]) -> Vec<f64> {
        self.w
            .iter()
            .zip(&self.b)
            .map(|(row, b)| s39_dot(row, x) + b)
            .collect()
    }
}

#[derive(Clone, grad::Params)]
struct S39Net {
    layers: Vec<S39Layer>,
}

fn s39_dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(p, q)| p * q).sum()
}

#[gradient(wrt(net))]
fn s39_net(net: &S39Net, x: &[f64]) -> f64 {
    let mut a = x.to_vec();
    let n = net.layers.len();
    for (i, layer) in net.layers.iter().enumerate() {
        let z = layer.forward(&a);
        a = if i + 1 < n {
            z.iter().map(|v| v.tanh()).collect()
        } else {
            z
        };
    }
    let mut h = x.to_vec();
    for layer in &net.layers[..1] {
        h = layer.forward(&h);
    }
    a[0] + h[0]
}

struct S39Lcg(u64);

impl S39Lcg {
    fn next_f64(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        f64::from(u32::try_from(self.0 >> 40).unwrap_or(0)) / f64::from(1u32 << 24)
    }
}

fn s39_noisy(x: f64) -> f64 {
    let mut g = S39Lcg(7);
    x * g.next_f64() + x * g.next_f64()
}

#[gradient(jvp)]
fn s39_forms(x: &[f64], y: f64) -> f64 {
    fn power(x: f64, n: u32) -> f64 {
        if n == 0 {
            1.0
        } else {
            x * power(x, n - 1)
        }
    }
    let k: Vec<Vec<f64>> = (0..x.len())
        .map(|i| (0..x.len()).map(|j| (x[i] - x[j]).powi(2)).collect())
        .collect();
    let rot = x
        .iter()
        .skip(1)
        .chain(x.iter().take(1))
        .zip(x)
        .map(|(p, q)| p * q)
        .sum::<f64>();
    power(y, 3) + k[0][1] + rot + s39_noisy(y) * 2.0 + s39_noisy(y * 0.5)
}

#[test]
fn session_39_forms_run() {
    let net = S39Net {
        layers: vec![
            S39Layer {
                w: vec![vec![0.5, -0.25], vec![0.1, 0.2], vec![0.3, 0.4]],
                b: vec![0.0, 0.1, -0.1],
            },
            S39Layer {
                w: vec![vec![0.2, -0.3, 0.5]],
                b: vec![0.05],
            },
        ],
    };
    let x = [1.0, 0.5];
    let mut d = grad::runtime::Params::zeros_like(&net);
    assert_eq!(
        s39_net_grad(&net, &x, &mut d).to_bits(),
        s39_net(&net, &x).to_bits()
    );
    assert!(d.layers[1].b[0] > 0.5);
    let xs = [0.5, -0.25, 1.0];
    let mut dx = [0.0; 3];
    let (v, [dy]) = s39_forms_grad(&xs, 0.75, &mut dx);
    assert_eq!(v.to_bits(), s39_forms(&xs, 0.75).to_bits());
    let (_, t) = s39_forms_jvp(&xs, 0.75, &[0.0; 3], 1.0);
    assert!((t - dy).abs() < 1e-12);
}

// Session 40: plain methods of a generic `impl`, blocks that return or jump giving values, layers
// in closures, methods of local structs, a cleared scratch `Vec`, parts of a model read in place
// under `hvp` beside a skipped weight, a helper with a late name in a condition.
#[derive(Clone, grad::Params)]
struct S40Lin<T> {
    w: Vec<T>,
    b: T,
}

impl<T: num_traits::Float> S40Lin<T> {
    fn predict(&self, x: &[T]) -> T {
        self.w
            .iter()
            .zip(x)
            .fold(self.b, |acc, (&w, &xi)| acc + w * xi)
    }

    #[gradient(wrt(self))]
    fn mse(&self, xs: &[Vec<T>], ys: &[T]) -> T {
        let mut s = T::zero();
        for (x, &y) in xs.iter().zip(ys) {
            let r = self.predict(x) - y;
            s = s + r * r;
        }
        s
    }
}

#[derive(Clone, Copy)]
struct S40Vec {
    x: f64,
    y: f64,
}

impl S40Vec {
    fn dot(&self, o: &S40Vec) -> f64 {
        self.x * o.x + self.y * o.y
    }

    fn norm(&self) -> f64 {
        self.dot(self).sqrt()
    }
}

fn s40_settled(a: f64) -> f64 {
    let mut t;
    let mut i = 0;
    loop {
        t = a * 0.5 + f64::from(i);
        i += 1;
        if i > 2 {
            break;
        }
    }
    t.tanh()
}

#[gradient(wrt(w), jvp, hessian)]
fn s40_forms(w: &[f64], scratch: &mut Vec<f64>) -> f64 {
    scratch.clear();
    for &v in w {
        scratch.push(v * v);
    }
    let norm = {
        let s: f64 = scratch.iter().sum();
        if s > 100.0 {
            return s.ln();
        }
        s.sqrt()
    };
    let first = S40Vec { x: w[0], y: w[1] };
    let second = S40Vec { x: 0.5, ..first };
    let mut acc = norm + first.norm() + first.dot(&second);
    for &v in w {
        let grown;
        {
            if v < 0.0 {
                continue;
            }
            grown = v.exp();
        }
        acc += grown;
    }
    if acc > s40_settled(w[0]) {
        acc *= 0.5;
    }
    acc
}

#[derive(Clone, grad::Params)]
struct S40Unit {
    w: Vec<f64>,
    b: f64,
}

impl S40Unit {
    fn score(&self, x: &[f64]) -> f64 {
        (self.w.iter().zip(x).map(|(a, b)| a * b).sum::<f64>() + self.b).tanh()
    }
}

#[derive(Clone, grad::Params)]
struct S40Net {
    units: Vec<S40Unit>,
    #[params(skip)]
    weight: f64,
}

impl S40Net {
    #[gradient(wrt(self), hvp)]
    fn loss(&self, x: &[f64]) -> f64 {
        let folded = self
            .units
            .iter()
            .fold(0.0, |a, u| a + u.score(x) * self.weight);
        folded * folded
    }
}

#[test]
fn session_40_forms_run() {
    let lin = S40Lin {
        w: vec![0.5_f64, -0.25],
        b: 0.1,
    };
    let xs = vec![vec![1.0, 2.0], vec![0.5, -1.0]];
    let ys = [0.3, -0.2];
    let mut d = grad::runtime::Params::zeros_like(&lin);
    assert_eq!(
        lin.mse_grad(&xs, &ys, &mut d).to_bits(),
        lin.mse(&xs, &ys).to_bits()
    );
    let w = [0.5, -0.25, 1.0];
    let mut dw = [0.0; 3];
    let (mut s1, mut s2) = (Vec::new(), Vec::new());
    let v = s40_forms_grad(&w, &mut s1, &mut dw);
    assert_eq!(v.to_bits(), s40_forms(&w, &mut s2).to_bits());
    let (_, t) = s40_forms_jvp(&w, &mut s1, &[1.0, 0.0, 0.0]);
    assert!((t - dw[0]).abs() < 1e-12);
    let net = S40Net {
        units: vec![
            S40Unit {
                w: vec![0.5, -0.25, 1.0],
                b: 0.1,
            },
            S40Unit {
                w: vec![0.2, 0.3, -0.4],
                b: -0.1,
            },
        ],
        weight: 0.75,
    };
    let zeros = grad::runtime::Params::zeros_like(&net);
    let (mut dn, mut dd, mut hv) = (zeros.clone(), zeros.clone(), zeros);
    let value = net.loss_grad(&w, &mut dn);
    assert_eq!(value.to_bits(), net.loss(&w).to_bits());
    assert_eq!(
        net.loss_hvp(&w, &net, &mut dd, &mut hv).to_bits(),
        value.to_bits()
    );
}

// Session 41: a helper clearing the `Vec` it is lent and pushing into it, called from other
// `#[gradient]` functions (a scratch refilled every sample), small value structs with a
// constructor, methods and operators, closures reading parts of tuples.
#[gradient]
fn s41_refill(s: &[f64], a: f64, buf: &mut Vec<f64>) -> f64 {
    buf.clear();
    for &v in s {
        buf.push((v * a).tanh());
    }
    buf[0] * a
}

#[derive(Clone, Copy)]
struct S41V {
    x: f64,
    y: f64,
}

impl S41V {
    fn new(x: f64, y: f64) -> Self {
        Self { x, y }
    }
    fn dot(&self, o: &Self) -> f64 {
        self.x * o.x + self.y * o.y
    }
}

impl std::ops::Sub for S41V {
    type Output = Self;
    fn sub(self, o: Self) -> Self {
        Self::new(self.x - o.x, self.y - o.y)
    }
}

impl std::ops::AddAssign for S41V {
    fn add_assign(&mut self, o: Self) {
        self.x += o.x;
        self.y += o.y;
    }
}

fn s41_mean<CF: Fn(f64) -> f64>(f: &CF, a: f64) -> f64 {
    (f(a) + f(a + 0.5)) * 0.5
}

#[gradient(jvp, hvp)]
fn s41_forms(w: &[f64], pair: (f64, f64)) -> f64 {
    let mut scratch = Vec::new();
    let mut acc = 0.0;
    for k in 0..2 {
        acc += s41_refill(w, pair.0 + f64::from(k), &mut scratch) + scratch[1];
    }
    let first = S41V::new(w[0], w[1]);
    let mut second = S41V { x: w[2], y: pair.1 };
    second += first;
    let diff = first - second;
    let (q0, q1) = pair;
    acc + diff.dot(&diff) + s41_mean(&|t: f64| t * q1, q0)
}

#[test]
fn session_41_forms_run() {
    let w = [0.5, -0.25, 1.0];
    let mut dw = [0.0; 3];
    let mut dp = (0.0, 0.0);
    let v = s41_forms_grad(&w, (0.3, 0.7), &mut dw, &mut dp);
    assert_eq!(v.to_bits(), s41_forms(&w, (0.3, 0.7)).to_bits());
    let (_, t) = s41_forms_jvp(&w, (0.3, 0.7), &[1.0, 0.0, 0.0], &(0.0, 0.0));
    assert!((t - dw[0]).abs() < 1e-12);
}

// Session 41, further: local sequences of value structs, a float trait's method, a model of a
// value type.
trait S41Squash {
    fn s41_squash(self) -> f64;
}

impl S41Squash for f64 {
    fn s41_squash(self) -> f64 {
        self / (1.0 + self.abs())
    }
}

#[derive(Clone, Copy, grad::Params)]
struct S41P {
    x: f64,
    y: f64,
}

impl std::ops::Sub for S41P {
    type Output = Self;
    fn sub(self, o: Self) -> Self {
        Self {
            x: self.x - o.x,
            y: self.y - o.y,
        }
    }
}

#[gradient]
fn s41_sequences(w: &[f64]) -> f64 {
    let mut pts: Vec<S41V> = (0..w.len() / 2)
        .map(|i| S41V::new(w[2 * i], w[2 * i + 1]))
        .collect();
    for q in &mut pts {
        q.x *= 0.5;
    }
    let total: f64 = pts.iter().map(|q| q.dot(q)).sum();
    total.s41_squash() + pts[0].y
}

#[gradient(wrt(p))]
fn s41_model_value(p: &S41P, target: &S41P) -> f64 {
    let d = *p - *target;
    d.x * d.x + d.y * d.y
}

#[test]
fn session_41_more_forms_run() {
    let weights = [0.5, -0.25, 1.0, 0.75];
    let mut grads = [0.0; 4];
    let value = s41_sequences_grad(&weights, &mut grads);
    assert_eq!(value.to_bits(), s41_sequences(&weights).to_bits());
    let (point, target) = (S41P { x: 0.3, y: 0.4 }, S41P { x: 1.0, y: -1.0 });
    let mut d_point = grad::runtime::Params::zeros_like(&point);
    let value = s41_model_value_grad(&point, &target, &mut d_point);
    assert_eq!(value.to_bits(), s41_model_value(&point, &target).to_bits());
    assert!((d_point.x - 2.0 * (0.3 - 1.0)).abs() < 1e-12);
}

/// A value type generic over its float, in a function of `f64` and in a generic one.
#[derive(Clone, Copy)]
struct S42V<T> {
    x: T,
    y: T,
}

impl<T: num_traits::Float> std::ops::Sub for S42V<T> {
    type Output = S42V<T>;
    fn sub(self, o: S42V<T>) -> S42V<T> {
        S42V {
            x: self.x - o.x,
            y: self.y - o.y,
        }
    }
}

impl<T: num_traits::Float> S42V<T> {
    fn new(x: T, y: T) -> Self {
        Self { x, y }
    }
    fn soft_norm(self) -> T {
        (self.x * self.x + self.y * self.y + T::from(1e-3).unwrap()).sqrt() * T::one()
    }
    fn damp(&mut self, k: T) {
        let f = T::one() / (T::one() + k);
        self.x = self.x * f;
        self.y = self.y * f;
    }
}

#[gradient(jvp, hvp, wrt(px, py))]
fn s42_generic_values(px: f64, py: f64, anchors: &[S42V<f64>], dists: &[f64]) -> f64 {
    let p = S42V::new(px, py);
    let mut q = S42V { x: 1.0, y: 2.0 };
    q.damp(px * px);
    let near: f64 = anchors
        .iter()
        .zip(dists)
        .map(|(a, &d)| ((p - *a).soft_norm() - d).powi(2))
        .sum();
    let pts: Vec<S42V<f64>> = (0..3).map(|i| S42V::new(px * f64::from(i), py)).collect();
    let chained: f64 = pts.iter().zip(dists).map(|(r, w)| r.x * w).sum();
    let ranged: f64 = (0..dists.len()).zip(dists).map(|(i, w)| pts[i].y * w).sum();
    near + (p - q).soft_norm() + chained + ranged
}

#[gradient(jvp)]
fn s42_generic_caller<T: num_traits::Float>(px: T, py: T) -> T {
    let p = S42V::new(px, py);
    (p - S42V::new(T::one(), T::one())).soft_norm()
}

/// Loss objects, a trait for floats and integers taking `&self`, tuples to generic helpers.
struct S42Mse;

trait S42Loss {
    fn eval(&self, pred: f64, y: f64) -> f64;
}

impl S42Loss for S42Mse {
    fn eval(&self, pred: f64, y: f64) -> f64 {
        (pred - y) * (pred - y)
    }
}

trait S42Half {
    fn half(&self) -> f64;
}

impl S42Half for f64 {
    fn half(&self) -> f64 {
        *self * 0.5
    }
}

impl S42Half for i32 {
    fn half(&self) -> f64 {
        f64::from(*self) * 0.5
    }
}

fn s42_tuple_norm<T: num_traits::Float>(t: &(T, T)) -> T {
    (t.0 * t.0 + t.1 * t.1 + T::one()).sqrt()
}

#[gradient(wrt(w))]
fn s42_objects(w: &[f64], xs: &[f64], n: i32) -> f64 {
    let l = S42Mse;
    let t = (w[0], w[1]);
    xs.iter().map(|x| l.eval(w[0] * x, 0.5)).sum::<f64>()
        + w[1].half()
        + n.half()
        + s42_tuple_norm(&t)
}

#[test]
fn session_42_forms_run() {
    let anchors = [S42V::new(0.0, 0.0), S42V::new(1.0, 0.0)];
    let dists = [0.5, 0.8];
    let (value, _) = s42_generic_values_grad(0.3, 0.4, &anchors, &dists);
    assert_eq!(
        value.to_bits(),
        s42_generic_values(0.3, 0.4, &anchors, &dists).to_bits()
    );
    let (value, _) = s42_generic_caller_grad(0.3_f32, 0.4);
    assert_eq!(value.to_bits(), s42_generic_caller(0.3_f32, 0.4).to_bits());
    let weights = [0.5, -0.25];
    let mut grads = [0.0; 2];
    let value = s42_objects_grad(&weights, &[1.0, 2.0], 3, &mut grads);
    assert_eq!(
        value.to_bits(),
        s42_objects(&weights, &[1.0, 2.0], 3).to_bits()
    );
}

/// Helpers giving an `Option`, a helper refilling a lent `Vec` in loops and branches, structs
/// listed by literals, structs of values.
fn s43_safe_ln(x: f64) -> Option<f64> {
    if x > 0.0 {
        Some(x.ln())
    } else {
        None
    }
}

fn s43_ratio(a: f64, b: f64) -> Option<f64> {
    if b.abs() < 1e-12 {
        return None;
    }
    Some(a / b)
}

#[gradient]
fn s43_refill(s: &[f64], a: f64, buf: &mut Vec<f64>) -> f64 {
    buf.clear();
    for &v in s {
        buf.push((v * 0.5 + a).tanh());
    }
    buf[0] * a
}

#[derive(Clone, Copy)]
struct S43V {
    x: f64,
    y: f64,
}

impl S43V {
    fn dot(self, o: S43V) -> f64 {
        self.x * o.x + self.y * o.y
    }
}

impl std::ops::Mul<f64> for S43V {
    type Output = S43V;
    fn mul(self, k: f64) -> S43V {
        S43V {
            x: self.x * k,
            y: self.y * k,
        }
    }
}

impl std::ops::AddAssign for S43V {
    fn add_assign(&mut self, o: S43V) {
        self.x += o.x;
        self.y += o.y;
    }
}

#[derive(Clone, Copy)]
struct S43Body {
    pos: S43V,
    vel: S43V,
    m: f64,
}

#[derive(Clone, Copy)]
struct S43P {
    x: f64,
    v: f64,
}

#[gradient(jvp)]
fn s43_forms(x: f64, y: f64, xs: &[f64]) -> f64 {
    let logged = s43_safe_ln(x).unwrap_or(0.0);
    let ratio = match s43_ratio(x, y) {
        None => -1.0,
        Some(q) => q * q,
    };
    let mut buf = vec![0.1; 2];
    let mut refilled = 0.0;
    for k in 0..3 {
        refilled += s43_refill(xs, x + buf[1], &mut buf);
        if k == 1 {
            continue;
        }
        refilled += buf[0];
    }
    if y > 0.0 {
        refilled += s43_refill(xs, y, &mut buf);
    }
    let mut body = S43Body {
        pos: S43V { x, y },
        vel: S43V { x: y, y: 0.5 },
        m: 2.0,
    };
    body.pos += body.vel * 0.1;
    body.pos.x += 0.5 * body.m;
    let mut ps = [S43P { x, v: y }, S43P { x: 1.0, v: 0.0 }];
    for p in &mut ps {
        p.x += p.v * 0.1;
    }
    logged * ratio + refilled + buf[1] + body.pos.dot(body.vel) + ps[0].x + ps[1].x
}

#[test]
fn session_43_forms_run() {
    let xs = [0.5, -0.25, 1.0];
    let mut d = [0.0; 3];
    let (value, _) = s43_forms_grad(0.7, 1.3, &xs, &mut d);
    assert_eq!(value.to_bits(), s43_forms(0.7, 1.3, &xs).to_bits());
    let (value, _) = s43_forms_jvp(0.7, 1.3, &xs, 0.1, 0.2, &[0.0; 3]);
    assert_eq!(value.to_bits(), s43_forms(0.7, 1.3, &xs).to_bits());
}

/// Searches of a slice giving an `Option`, generic helpers giving one, in iterator closures, and
/// a `let` of a block that leaves the loop.
fn s44_ln_pos<T: num_traits::Float>(t: T) -> Option<T> {
    if t > T::zero() {
        Some(t.ln())
    } else {
        None
    }
}

#[gradient(jvp)]
fn s44_forms(w: f64, xs: &[f64]) -> f64 {
    let second = match xs.get(1) {
        Some(&v) => v * w,
        None => 0.0,
    };
    let found = xs.iter().find(|&&v| v * w > 0.5).copied().unwrap_or(w);
    let mapped = xs
        .iter()
        .find_map(|&v| if v > 0.0 { Some(v * w) } else { None })
        .unwrap_or(0.0);
    let logs: f64 = xs.iter().map(|&v| s44_ln_pos(v * w).unwrap_or(0.0)).sum();
    let kept: Vec<f64> = xs.iter().filter_map(|&v| s44_ln_pos(v + w)).collect();
    let mut roots = 0.0;
    for &x in xs {
        let root = {
            let t = x * w;
            if t > 0.0 {
                t.sqrt()
            } else {
                continue;
            }
        };
        roots += root;
    }
    second + found + mapped + logs + kept.iter().sum::<f64>() + roots
}

#[test]
fn session_44_forms_run() {
    let xs = [0.5, -0.25, 1.0];
    let mut d = [0.0; 3];
    let (value, _) = s44_forms_grad(0.7, &xs, &mut d);
    assert_eq!(value.to_bits(), s44_forms(0.7, &xs).to_bits());
    let (value, _) = s44_forms_jvp(0.7, &xs, 0.1, &[0.0; 3]);
    assert_eq!(value.to_bits(), s44_forms(0.7, &xs).to_bits());
}

/// Searches copied in conditions and tested, of local vectors and parts, a helper giving an
/// `Option` in `find_map`, a closure holding a search called after a `None` arm.
fn s45_ln_pos(t: f64) -> Option<f64> {
    if t > 0.0 {
        Some(t.ln())
    } else {
        None
    }
}

#[gradient(jvp, hvp)]
fn s45_forms(w: f64, xs: &[f64]) -> f64 {
    let mut total = 0.0;
    if let Some(v) = xs.get(1).copied() {
        total += v * w;
    }
    let mut at = 0;
    while let Some(v) = xs.get(at).copied() {
        total += v * w * 0.5;
        at += 2;
    }
    if xs.iter().any(|&v| v * w > 0.5) && xs.iter().find(|&&v| v > 0.2).is_some() {
        total += w;
    }
    let pred: Vec<f64> = xs.iter().map(|&x| x * w).collect();
    let big = pred.iter().find(|&&p| p > 0.5).copied().unwrap_or(w);
    let (lo, hi) = xs.split_at(xs.len() / 2);
    let parts =
        lo.first().copied().unwrap_or(w) + hi.iter().find(|&&v| v > 0.1).map_or(0.0, |v| v * w);
    let logged = xs.iter().find_map(|&x| s45_ln_pos(x * w)).unwrap_or(0.0);
    let scaled = |k: usize| xs.get(k).copied().unwrap_or(0.5) * w;
    let third = match xs.get(2) {
        None => 0.0,
        Some(&q) => q * q,
    };
    total + big + parts + logged + third + scaled(1) + scaled(8)
}

/// A plain helper generic over arithmetic traits in a vector-valued function, and a `position`
/// whose closure changes a local.
fn s45_mul_add<T>(x: T, y: T) -> T
where
    T: std::ops::Mul<Output = T> + std::ops::Add<Output = T> + Copy,
{
    x * y + x
}

#[gradient]
fn s45_pair(x: f64, y: f64) -> Vec<f64> {
    vec![s45_mul_add(x, y), s45_mul_add(y, x)]
}

#[gradient(jvp)]
fn s45_more(x: f64, xs: &[f64]) -> f64 {
    let pair = s45_pair(x, 0.5);
    let mut total = 0.0;
    let found = xs.iter().position(|v| {
        total += v * x;
        total > 0.6
    });
    pair[0] * pair[1] + total + found.map_or(0.0, |k| f64::from(u32::try_from(k).unwrap_or(0)))
}

#[test]
fn session_45_forms_run() {
    let mut d = [0.0; 3];
    let xs = [0.5, -0.25, 1.0];
    let (value, _) = s45_more_grad(0.7, &xs, &mut d);
    assert_eq!(value.to_bits(), s45_more(0.7, &xs).to_bits());
    let (value, _) = s45_forms_grad(0.7, &xs, &mut d);
    assert_eq!(value.to_bits(), s45_forms(0.7, &xs).to_bits());
    let (value, _) = s45_forms_jvp(0.7, &xs, 0.1, &[0.0; 3]);
    assert_eq!(value.to_bits(), s45_forms(0.7, &xs).to_bits());
    let mut hv = [0.0; 3];
    let (value, _, _) = s45_forms_hvp(0.7, &xs, 0.1, &[0.0; 3], &mut d, &mut hv);
    assert_eq!(value.to_bits(), s45_forms(0.7, &xs).to_bits());
}

/// Options of data read through closures, tests as numbers, the pair `enumerate().find(..)`
/// finds, a helper named in a macro with a local of its name later, neighbours of a `Vec` of
/// values written by index.
fn s46_bump(a: f64) -> f64 {
    let mut s = -0.7;
    if {
        s += a.tanh();
        s > 0.4
    } || a > 2.0
    {
        s -= 0.3;
    }
    s * a
}

#[derive(Clone, Copy)]
struct S46Bead {
    x: f64,
    v: f64,
}

#[gradient(jvp, hvp)]
fn s46_forms(w: f64, xs: &[f64]) -> f64 {
    let at = xs.iter().position(|&v| v > 0.5);
    let next = at.map(|k| k + 1);
    let found = at.map_or(w, |k| w * xs[k])
        + next.map_or(0.0, |k| xs[k.min(xs.len() - 1)] * w)
        + if at.is_some_and(|k| xs[k] > w) {
            1.0
        } else {
            0.5
        };
    let last = xs.len().checked_sub(1);
    let tail = last.map_or_else(|| w * w, |k| xs[k] * w);
    let count = xs.iter().filter(|&&v| v * w > 0.2).count();
    let counted =
        f64::from(u8::from(w > 0.1)) * w + f64::from(u32::try_from(count).unwrap_or(0)) * w;
    let pair = match xs.iter().enumerate().find(|&(_, &v)| v * w > 0.5) {
        Some((k, &v)) => w * v + f64::from(u32::try_from(k).unwrap_or(0)),
        None => w,
    };
    found + tail + counted + pair
}

#[gradient(jvp)]
fn s46_more(w: f64, xs: &[f64]) -> f64 {
    let table = vec![
        (0..2)
            .map(|q| f64::from(q) * 0.25)
            .map(s46_bump)
            .sum::<f64>();
        xs.len()
    ];
    let inner = {
        let u = s46_bump(w * 0.5);
        let s46_bump = u * 0.5;
        s46_bump + 1.0
    };
    let mut beads = Vec::new();
    for &x in xs {
        beads.push(S46Bead { x: x * w, v: 0.0 });
    }
    for i in 1..beads.len() {
        let f = w * (beads[i].x - beads[i - 1].x);
        beads[i].v -= f;
        beads[i - 1].v += f;
    }
    table[0] * w + inner + beads.iter().map(|b| b.x * b.v).sum::<f64>()
}

#[test]
fn session_46_forms_run() {
    let mut d = [0.0; 3];
    let xs = [0.5, -0.25, 1.0];
    let (value, _) = s46_forms_grad(0.7, &xs, &mut d);
    assert_eq!(value.to_bits(), s46_forms(0.7, &xs).to_bits());
    let (value, _) = s46_forms_jvp(0.7, &xs, 0.1, &[0.0; 3]);
    assert_eq!(value.to_bits(), s46_forms(0.7, &xs).to_bits());
    let mut hv = [0.0; 3];
    let (value, _, _) = s46_forms_hvp(0.7, &xs, 0.1, &[0.0; 3], &mut d, &mut hv);
    assert_eq!(value.to_bits(), s46_forms(0.7, &xs).to_bits());
    let (value, _) = s46_more_grad(0.7, &xs, &mut d);
    assert_eq!(value.to_bits(), s46_more(0.7, &xs).to_bits());
}

/// Tuple structs of floats as values, the element `max_by` chooses taken apart by reference
/// (also inside a call's argument), an argmax's pair in `if let` and `let .. else`, a labeled
/// loop in a block whose value is an array, a helper that makes its generator and returns.
#[derive(Clone, Copy)]
struct S47P(f64, f64);

impl S47P {
    fn scaled(self, k: f64) -> Self {
        Self(self.0 * k, self.1 * k)
    }
}

impl std::ops::Add for S47P {
    type Output = S47P;
    fn add(self, o: S47P) -> S47P {
        S47P(self.0 + o.0, self.1 + o.1)
    }
}

pub struct S47Lcg(u64);

impl S47Lcg {
    fn next_f64(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        f64::from(u32::try_from(self.0 >> 40).unwrap_or(0)) / f64::from(1u32 << 24)
    }
}

fn s47_noisy(x: f64, seed: u64) -> f64 {
    let mut g = S47Lcg(seed);
    let u = g.next_f64();
    if u > 0.5 {
        return x * u;
    }
    x * g.next_f64() + u
}

#[gradient(jvp, hvp)]
fn s47_forms(w: f64, xs: &[f64]) -> f64 {
    let p = S47P(w, xs[0]);
    let q = p.scaled(0.5) + S47P(1.0, w);
    let top = f64::tanh(if let Some(&m) = xs.iter().max_by(|a, b| a.total_cmp(b)) {
        m * w
    } else {
        0.5
    });
    let low = match xs.iter().min_by(|a, b| a.total_cmp(b)) {
        Some(&m) => m * w,
        None => w,
    };
    let mut arg = 0.0;
    if let Some((k, &m)) = xs.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)) {
        arg += m * w + f64::from(u32::try_from(k).unwrap_or(0));
    }
    let Some((_, &first)) = xs.iter().enumerate().min_by(|a, b| a.1.total_cmp(b.1)) else {
        return q.0;
    };
    q.0 * q.1 + top + low + arg + first * w + s47_noisy(w, 7)
}

#[gradient(jvp)]
fn s47_blocks(w: f64, xs: &[f64]) -> f64 {
    let p = {
        let mut acc = 0.0;
        'rows: for i in 0..xs.len() {
            for j in 0..xs.len() {
                if j > i {
                    continue 'rows;
                }
                acc += xs[i] * xs[j] * w;
            }
        }
        [acc, w]
    };
    p[0] * p[1]
}

#[test]
fn session_47_forms_run() {
    let mut d = [0.0; 3];
    let xs = [0.5, -0.25, 1.0];
    let (value, _) = s47_forms_grad(0.7, &xs, &mut d);
    assert_eq!(value.to_bits(), s47_forms(0.7, &xs).to_bits());
    let (value, _) = s47_forms_jvp(0.7, &xs, 0.1, &[0.0; 3]);
    assert_eq!(value.to_bits(), s47_forms(0.7, &xs).to_bits());
    let mut hv = [0.0; 3];
    let (value, _, _) = s47_forms_hvp(0.7, &xs, 0.1, &[0.0; 3], &mut d, &mut hv);
    assert_eq!(value.to_bits(), s47_forms(0.7, &xs).to_bits());
    let (value, _) = s47_blocks_grad(0.7, &xs, &mut d);
    assert_eq!(value.to_bits(), s47_blocks(0.7, &xs).to_bits());
}

/// A value type's helper and method given their float parameters' names in the other order, a
/// plain helper taking floats whose body holds values and fills a list by pushes (beside one
/// taking a value), values pushed by statements, and a block in a block lifted into the body
/// whose typed `let` sums a `flat_map` without a turbofish.
#[derive(Clone, Copy)]
struct S48V {
    x: f64,
    y: f64,
}

impl S48V {
    fn new(x: f64, y: f64) -> Self {
        Self { x, y }
    }
    fn mix(self, a: f64, b: f64) -> f64 {
        self.x * a - b * b
    }
}

impl std::ops::Mul<f64> for S48V {
    type Output = S48V;
    fn mul(self, k: f64) -> S48V {
        S48V::new(self.x * k, self.y * k)
    }
}

fn s48_cross(p: S48V, a: f64, b: f64) -> f64 {
    p.y * a + b
}

fn s48_fan(a: f64, k: f64) -> f64 {
    let c = S48V::new(a, k);
    let mut pts = Vec::new();
    for i in 0..3 {
        pts.push(c * (k + f64::from(i)));
    }
    pts.iter().map(|q| q.x * q.y).sum()
}

fn s48_spread(p: S48V, k: f64) -> f64 {
    let mut pts = Vec::new();
    if k > -1.0e9 {
        pts.push(p * k);
    }
    pts.push(p * 0.5);
    pts[0].x * pts[pts.len() - 1].y
}

#[gradient(jvp, hvp)]
fn s48_forms(w: f64, xs: &[f64]) -> f64 {
    let p = S48V::new(w, xs[0]);
    let (a, b) = (xs[1], w);
    s48_cross(p, b, a) + p.mix(b, a) + s48_fan(w, 0.5) + s48_spread(p, w)
}

#[gradient(jvp)]
fn s48_blocks(w: f64, xs: &[f64]) -> f64 {
    let outer: f64 = {
        let inner: f64 = {
            let mut acc = w;
            if w < 1.0 {
                fn half(t: f64) -> f64 {
                    t * 0.5
                }
                acc += half(xs[0]);
            }
            let pairs: f64 = (0..xs.len())
                .flat_map(|i| (i + 1..xs.len()).map(move |j| (i, j)))
                .map(|(i, j)| xs[i] * xs[j] * acc)
                .sum();
            pairs + acc
        };
        inner * w
    };
    outer * 2.0
}

fn s48_kick(v: &mut S48V, k: f64) {
    v.x += k * v.y;
    v.y *= k;
}

fn s48_refill(s: &[f64], a: f64, buf: &mut Vec<f64>) -> f64 {
    buf.clear();
    for &v in s {
        buf.push(v * a);
    }
    buf[0]
}

/// Casts of differentiated values to integers (a cell, a count), a value lent by `&mut` to a
/// plain helper, one taken apart by a `let` pattern, a refilling helper inside an expression.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
#[gradient(jvp)]
fn s48_more(w: f64, xs: &[f64]) -> f64 {
    let scaled = (w.tanh() + 1.0) * 1.5;
    let cell = scaled as usize;
    let frac = scaled - f64::from(u32::try_from(cell).unwrap_or(0));
    let mut acc = 0.0;
    for k in 0..cell {
        acc += xs[k % xs.len()] * frac;
    }
    let mut point = S48V::new(w, xs[0]);
    s48_kick(&mut point, 0.5);
    let S48V { x, y } = point;
    let mut buf = Vec::new();
    let filled = 0.5 * s48_refill(xs, w, &mut buf) + buf[buf.len() - 1];
    acc + x * y + filled
}

#[test]
fn session_48_forms_run() {
    let mut d = [0.0; 3];
    let xs = [0.5, -0.25, 1.0];
    let (value, _) = s48_forms_grad(0.7, &xs, &mut d);
    assert_eq!(value.to_bits(), s48_forms(0.7, &xs).to_bits());
    let (value, _) = s48_forms_jvp(0.7, &xs, 0.1, &[0.0; 3]);
    assert_eq!(value.to_bits(), s48_forms(0.7, &xs).to_bits());
    let mut hv = [0.0; 3];
    let (value, _, _) = s48_forms_hvp(0.7, &xs, 0.1, &[0.0; 3], &mut d, &mut hv);
    assert_eq!(value.to_bits(), s48_forms(0.7, &xs).to_bits());
    let (value, _) = s48_blocks_grad(0.7, &xs, &mut d);
    assert_eq!(value.to_bits(), s48_blocks(0.7, &xs).to_bits());
    let (value, _) = s48_more_grad(0.7, &xs, &mut d);
    assert_eq!(value.to_bits(), s48_more(0.7, &xs).to_bits());
    let (value, _) = s48_more_jvp(0.7, &xs, 0.1, &[0.0; 3]);
    assert_eq!(value.to_bits(), s48_more(0.7, &xs).to_bits());
}

#[derive(Clone, Copy)]
struct S49P {
    x: f64,
    y: f64,
}

#[derive(Clone, Copy)]
struct S49Q(f64, f64);

/// `mem::replace` and `mem::take` of elements, inside expressions and of counts; pieces through
/// `filter` stages; `take`/`skip` after stages (and forward mode, second order).
#[gradient(jvp, hvp)]
fn s49_forms(w: f64, xs: &[f64]) -> f64 {
    let mut buf = xs.to_vec();
    let mut cur = w;
    let mut count = 1_usize;
    let mut total = cur * std::mem::replace(&mut buf[0], w * 2.0);
    total += std::mem::take(&mut cur) + f64::default();
    let first = std::mem::take(&mut count);
    let pairs: f64 = xs
        .chunks(2)
        .filter(|c| c.len() == 2)
        .map(|c| c[0] * c[1] * w)
        .sum();
    let mut looped = 0.0;
    for c in xs.windows(2).filter(|c| c[0] < c[1]).take(2) {
        let d = c;
        looped += d[0] * w + d[1];
    }
    let firsts: f64 = xs
        .iter()
        .filter(|x| **x > -1.0)
        .skip(1)
        .take(2)
        .map(|x| x * w)
        .sum();
    total + cur + buf[first] + buf[count] + pairs + looped + firsts
}

/// Patterns of value types in `match` arms, `for` loops and closures' parameters; `partition`
/// and `unzip` into two `Vec`s; `retain` and `extend_from_slice`; elements that may be missing.
#[gradient(jvp)]
fn s49_patterns(w: f64, xs: &[f64]) -> f64 {
    let point = S49P { x: w, y: xs[0] };
    let arm = match point {
        S49P { x, y } if x > y => x - y,
        S49P { y, .. } => y * w,
    };
    let qs = [S49Q(w, xs[1]), S49Q(xs[2], w)];
    let mut sum = 0.0;
    for &S49Q(u, v) in &qs {
        sum += u * v;
    }
    let area = |S49P { x, y }: S49P| x * y;
    let (pos, neg): (Vec<f64>, Vec<f64>) = xs.iter().partition(|x| **x > 0.0);
    let (left, right): (Vec<f64>, Vec<f64>) = xs.iter().map(|x| (x * w, x + w)).unzip();
    let mut kept: Vec<f64> = xs.iter().map(|x| x * w).collect();
    kept.retain(|&x| x > 0.1);
    kept.extend_from_slice(&[w, 0.5]);
    let first = xs.first().map_or(0.5, |x| x * w)
        + match xs.last() {
            Some(x) => x * w,
            None => 0.0,
        };
    arm + sum
        + first
        + kept.iter().sum::<f64>()
        + area(point)
        + pos.iter().sum::<f64>()
        + neg.iter().map(|x| x * w).sum::<f64>()
        + left.iter().zip(&right).map(|(c, d)| c * d).sum::<f64>()
}

#[test]
fn session_49_forms_run() {
    let mut d = [0.0; 3];
    let xs = [0.5, -0.25, 1.0];
    let (value, _) = s49_forms_grad(0.7, &xs, &mut d);
    assert_eq!(value.to_bits(), s49_forms(0.7, &xs).to_bits());
    let (value, _) = s49_forms_jvp(0.7, &xs, 0.1, &[0.0; 3]);
    assert_eq!(value.to_bits(), s49_forms(0.7, &xs).to_bits());
    let mut hv = [0.0; 3];
    let (value, _, _) = s49_forms_hvp(0.7, &xs, 0.1, &[0.0; 3], &mut d, &mut hv);
    assert_eq!(value.to_bits(), s49_forms(0.7, &xs).to_bits());
    let (value, _) = s49_patterns_grad(0.7, &xs, &mut d);
    assert_eq!(value.to_bits(), s49_patterns(0.7, &xs).to_bits());
    let (value, _) = s49_patterns_jvp(0.7, &xs, 0.1, &[0.0; 3]);
    assert_eq!(value.to_bits(), s49_patterns(0.7, &xs).to_bits());
}

/// Adapters after stages; constant tables and tables of indices; reductions typed by their
/// context (and forward mode, second order).
#[gradient(jvp, hvp)]
fn s50_stages(w: f64, xs: &[f64]) -> f64 {
    let numbered: f64 = xs
        .iter()
        .map(|x| x * w)
        .enumerate()
        .map(|(i, t)| t / (f64::from(u8::try_from(i).unwrap_or(0)) + 1.0))
        .sum();
    let paired: f64 = xs
        .iter()
        .map(|x| x * w)
        .zip(xs.iter().rev())
        .map(|(a, b)| a * b)
        .sum();
    let kept: f64 = xs
        .iter()
        .filter(|x| **x > -1.0)
        .step_by(2)
        .map(|x| x * w)
        .sum();
    let table: Vec<Vec<f64>> = vec![vec![1.0, 2.0, 0.5], vec![0.3, -1.0, 2.0]];
    let rows: f64 = table
        .iter()
        .map(|r| r.iter().zip(xs).map(|(a, b)| a * b).sum::<f64>())
        .sum();
    let edges = [[0, 1], [1, 2]];
    let mut stretch = 0.0;
    for e in &edges {
        stretch += (xs[e[0]] - xs[e[1]]) * w;
    }
    let branch: f64 = if w > 0.0 {
        xs.iter().filter(|x| **x > 0.0).map(|x| x * w).sum()
    } else {
        0.5
    };
    numbered + paired + kept + rows * w + stretch + branch
}

#[derive(Clone, Debug, grad::Params)]
struct S50Net {
    w1: Vec<Vec<f64>>,
    b: f64,
}

fn s50_dense(w: &[Vec<f64>], x: &[f64]) -> Vec<f64> {
    w.iter()
        .map(|r| r.iter().zip(x).map(|(a, c)| a * c).sum::<f64>().tanh())
        .collect()
}

/// Rows given whole to a plain helper, under another name.
#[gradient(wrt(m))]
fn s50_rows(m: &S50Net, xs: &[f64]) -> f64 {
    let w = &m.w1;
    s50_dense(w, xs).iter().sum::<f64>() + m.b
}

#[test]
fn session_50_forms_run() {
    let mut d = [0.0; 3];
    let xs = [0.5, -0.25, 1.0];
    let (value, _) = s50_stages_grad(0.7, &xs, &mut d);
    assert_eq!(value.to_bits(), s50_stages(0.7, &xs).to_bits());
    let (value, _) = s50_stages_jvp(0.7, &xs, 0.1, &[0.0; 3]);
    assert_eq!(value.to_bits(), s50_stages(0.7, &xs).to_bits());
    let mut hv = [0.0; 3];
    let (value, _, _) = s50_stages_hvp(0.7, &xs, 0.1, &[0.0; 3], &mut d, &mut hv);
    assert_eq!(value.to_bits(), s50_stages(0.7, &xs).to_bits());
    let m = S50Net {
        w1: vec![vec![0.5, -0.2, 0.1], vec![0.3, 0.3, -0.4]],
        b: 0.2,
    };
    let mut dm = grad::runtime::Params::zeros_like(&m);
    let value = s50_rows_grad(&m, &xs, &mut dm);
    assert_eq!(value.to_bits(), s50_rows(&m, &xs).to_bits());
}

#[derive(Clone, Copy)]
struct S51V {
    x: f64,
    y: f64,
}

impl S51V {
    fn new(x: f64, y: f64) -> Self {
        Self { x, y }
    }
    fn dot(self, o: Self) -> f64 {
        self.x * o.x + self.y * o.y
    }
}

impl std::ops::Add for S51V {
    type Output = Self;
    fn add(self, o: Self) -> Self {
        Self::new(self.x + o.x, self.y + o.y)
    }
}

/// Shifted buffers, lists written out, `flat_map` giving lists, rows copied from pieces, values
/// in tuple lets and closures without return types (and forward mode, second order).
#[gradient(jvp, hvp)]
fn s51_forms(w: f64, xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.insert(1, w * 2.0);
    let first = v.remove(0);
    let last = v.swap_remove(0);
    let mut listed = 0.0;
    for t in [w, first, 0.5] {
        listed += t * t;
    }
    for &(a, b) in &[(w, 1.0), (last, w)] {
        listed += a * b;
    }
    let flat: f64 = xs.iter().flat_map(|&t| [t, t * w]).sum();
    let rows: Vec<Vec<f64>> = xs.chunks(2).map(<[f64]>::to_vec).collect();
    let reshaped: f64 = rows.iter().map(|r| r.iter().sum::<f64>() * w).sum();
    let (p, q) = (S51V::new(w, 1.0), S51V::new(first, w));
    let add = |a: S51V, b: S51V| a + b;
    listed + flat + reshaped + v.iter().sum::<f64>() + add(p, q).dot(p)
}

#[test]
fn session_51_forms_run() {
    let mut d = [0.0; 3];
    let xs = [0.5, -0.25, 1.0];
    let (value, _) = s51_forms_grad(0.7, &xs, &mut d);
    assert_eq!(value.to_bits(), s51_forms(0.7, &xs).to_bits());
    let (value, _) = s51_forms_jvp(0.7, &xs, 0.1, &[0.0; 3]);
    assert_eq!(value.to_bits(), s51_forms(0.7, &xs).to_bits());
    let mut hv = [0.0; 3];
    let (value, _, _) = s51_forms_hvp(0.7, &xs, 0.1, &[0.0; 3], &mut d, &mut hv);
    assert_eq!(value.to_bits(), s51_forms(0.7, &xs).to_bits());
}

#[derive(Clone, Copy)]
struct S52P {
    pos: f64,
    vel: f64,
}

fn s52_energy(ps: &[S52P]) -> f64 {
    let mut e = 0.0;
    for p in ps {
        e += p.pos * p.vel;
    }
    e
}

fn s52_area(p: &[[f64; 2]]) -> f64 {
    let mut a = 0.0;
    for i in 0..p.len() {
        let j = (i + 1) % p.len();
        a += p[i][0] * p[j][1] - p[j][0] * p[i][1];
    }
    0.5 * a
}

/// Rows pushed (tuples, arrays) and folded, rows collected after a filter, pairs under one
/// name, folds giving pairs back whole, a list of structs handed to a helper and searched, a
/// named piece of a list of pieces (and forward mode, second order).
#[gradient(jvp, hvp)]
fn s52_forms(w: f64, xs: &[f64]) -> f64 {
    let mut pts = Vec::new();
    for (i, &t) in xs.iter().enumerate() {
        if t > -1.0 {
            pts.push((t * w, f64::from(u32::try_from(i).unwrap_or(0))));
        }
    }
    let mut poly = Vec::new();
    for &t in xs {
        poly.push([t, t * w]);
    }
    let kept: Vec<(f64, f64)> = xs
        .iter()
        .map(|&v| (v, v * w))
        .filter(|p| p.0 > -2.0)
        .collect();
    let mut named = 0.0;
    for p in xs.iter().enumerate() {
        named += *p.1 * w;
    }
    let best = xs
        .iter()
        .copied()
        .enumerate()
        .fold((0, f64::MIN), |acc, p| if p.1 > acc.1 { p } else { acc });
    let ps: Vec<S52P> = xs.iter().map(|&t| S52P { pos: t, vel: w }).collect();
    let fastest = ps.iter().max_by(|a, b| a.pos.total_cmp(&b.pos)).unwrap();
    let rows: Vec<&[f64]> = xs.chunks(2).collect();
    let first = rows[0];
    pts.iter().fold(0.0, |a: f64, p| a.max(p.0 * p.1))
        + s52_area(&poly)
        + kept.iter().map(|p| p.0 * p.1).sum::<f64>()
        + named
        + best.1
        + s52_energy(&ps)
        + fastest.vel
        + first[0] * w
}

#[test]
fn session_52_forms_run() {
    let mut d = [0.0; 3];
    let xs = [0.5, -0.25, 1.0];
    let (value, _) = s52_forms_grad(0.7, &xs, &mut d);
    assert_eq!(value.to_bits(), s52_forms(0.7, &xs).to_bits());
    let (value, _) = s52_forms_jvp(0.7, &xs, 0.1, &[0.0; 3]);
    assert_eq!(value.to_bits(), s52_forms(0.7, &xs).to_bits());
    let mut hv = [0.0; 3];
    let (value, _, _) = s52_forms_hvp(0.7, &xs, 0.1, &[0.0; 3], &mut d, &mut hv);
    assert_eq!(value.to_bits(), s52_forms(0.7, &xs).to_bits());
}

fn s53_average(f: impl Fn(f64) -> f64, n: u32) -> f64 {
    (0..n)
        .map(|i| f((f64::from(i) + 0.5) / f64::from(n)))
        .sum::<f64>()
        / f64::from(n)
}

fn s53_apply(f: fn(f64) -> f64, v: f64) -> f64 {
    f(v)
}

fn s53_cube(v: f64) -> f64 {
    v * v * v
}

fn s53_step(s: &[f64], a: f64, acc: &mut f64) -> f64 {
    *acc = *acc * 0.5 + a * s[0];
    *acc * 0.25 + a
}

/// Functions passed by their paths and bound to names, an array of functions called through
/// its items, pairs of positions and computed values pushed and sorted, the ends of rows read
/// through `Option`s, a local lent `&mut` then declared again (and forward mode, second order).
#[gradient(jvp, hvp)]
fn s53_forms(w: f64, xs: &[f64]) -> f64 {
    let act: fn(f64) -> f64 = f64::tanh;
    let acts = [f64::sin, s53_cube];
    let mut s = s53_average(f64::sin, 4) * w + s53_average(|t| w * t, 3) + s53_apply(s53_cube, w);
    for f in &acts {
        s += f(w) + act(w);
    }
    let poly: [fn(f64) -> f64; 2] = [|_| 1.0, |t| t * t];
    for (k, b) in poly.iter().enumerate() {
        s += b(w) * xs[k];
    }
    let mut top = Vec::new();
    for (i, &x) in xs.iter().enumerate() {
        top.push((i, x * w));
    }
    top.sort_by(|a, b| b.1.total_cmp(&a.1));
    let (at, best) = top[0];
    let mut pts = Vec::new();
    for &x in xs {
        pts.push((x, x * w));
    }
    let last = pts.last().map_or(0.0, |p| p.0 * p.1);
    let mut acc = 0.5;
    let r = s53_step(xs, w, &mut acc);
    let acc = acc * 0.5 + r;
    s + best * xs[at] + last + pts.first().unwrap().1 + acc
}

#[test]
fn session_53_forms_run() {
    let mut d = [0.0; 3];
    let xs = [0.5, -0.25, 1.0];
    let (value, _) = s53_forms_grad(0.7, &xs, &mut d);
    assert_eq!(value.to_bits(), s53_forms(0.7, &xs).to_bits());
    let (value, _) = s53_forms_jvp(0.7, &xs, 0.1, &[0.0; 3]);
    assert_eq!(value.to_bits(), s53_forms(0.7, &xs).to_bits());
    let mut hv = [0.0; 3];
    let (value, _, _) = s53_forms_hvp(0.7, &xs, 0.1, &[0.0; 3], &mut d, &mut hv);
    assert_eq!(value.to_bits(), s53_forms(0.7, &xs).to_bits());
}

#[gradient(jvp, hvp)]
fn s54_integrate<F: Fn(f64) -> f64>(f: F, a: f64, n: u32) -> f64 {
    let mut s = 0.0;
    for i in 0..n {
        s += f(a + f64::from(i) * 0.25) * 0.5;
    }
    s
}

const S54_TABLE: [(f64, f64); 2] = [(0.5, 1.0), (1.5, -0.5)];

/// Closures given to a helper reading a loop's items, an adapter's item, a tuple's fields, a
/// `const` of the body, the rows of a list written out and of a module table, an `if let`'s
/// element, a closure of the body; lists of tuples written out and read by value (and forward
/// mode, second order).
#[gradient(jvp, hvp)]
fn s54_forms(w: f64, xs: &[f64]) -> f64 {
    const K: f64 = 0.5;
    let p = (w, w * 0.5);
    let mut s = s54_integrate(|t| t * p.0 + p.1 * K, w, 2);
    for &v in xs {
        s += s54_integrate(|t| v * t, 0.5, 2);
    }
    for v in xs.iter().skip(1) {
        s += s54_integrate(|t| *v * t * w, 0.25, 2);
    }
    s += xs
        .iter()
        .map(|&v| s54_integrate(|t| (v * t).sin(), w, 2))
        .sum::<f64>();
    let rows = [(w, 0.5), (0.25, w * w)];
    for (a, b) in rows {
        s += s54_integrate(|t| a * t - b, 0.5, 1);
    }
    for r in &rows {
        s += r.0 * r.1;
    }
    for &(t_obs, y_obs) in &S54_TABLE {
        s += s54_integrate(|t| t * t_obs * w - y_obs, 0.0, 2);
    }
    if let Some(&last) = xs.last() {
        s += s54_integrate(|t| last * t * w, 0.0, 2);
    }
    let model = |t: f64| t * w + 0.5;
    s + s54_integrate(|t| model(t) * model(t), w, 2)
}

#[test]
fn session_54_forms_run() {
    let mut d = [0.0; 3];
    let xs = [0.5, -0.25, 1.0];
    let (value, _) = s54_forms_grad(0.7, &xs, &mut d);
    assert_eq!(value.to_bits(), s54_forms(0.7, &xs).to_bits());
    let (value, _) = s54_forms_jvp(0.7, &xs, 0.1, &[0.0; 3]);
    assert_eq!(value.to_bits(), s54_forms(0.7, &xs).to_bits());
    let mut hv = [0.0; 3];
    let (value, _, _) = s54_forms_hvp(0.7, &xs, 0.1, &[0.0; 3], &mut d, &mut hv);
    assert_eq!(value.to_bits(), s54_forms(0.7, &xs).to_bits());
}

fn s55_square(v: f64) -> f64 {
    v * v
}

fn s55_count_even(s: &[f64]) -> f64 {
    let mut idx = Vec::new();
    let mut i = 0usize;
    while i < s.len() {
        if i.is_multiple_of(2) {
            idx.push(i);
        }
        i += 1;
    }
    idx.iter().map(|&i| s[i] * 0.5).sum::<f64>()
}

/// Helpers declared in the body (one reading the body's `const`), closures taking functions
/// and closures (`&dyn Fn`, `fn(f64) -> f64`), closures held as `Box<dyn Fn>`, `&dyn Fn` and
/// through a second name, a helper pushing integers called in a condition, helpers writing
/// through `&mut` (a loop item named as the buffer lent, `std::mem::swap` of two parameters),
/// a closure chosen by a condition, indices grouped into rows (and forward mode, second order).
#[gradient(jvp, hvp)]
fn s55_forms(w: f64, xs: &[f64]) -> f64 {
    const N: u32 = 4;
    fn trap(f: impl Fn(f64) -> f64) -> f64 {
        let mut s = 0.5 * (f(0.0) + f(1.0));
        for i in 1..N {
            s += f(f64::from(i) / f64::from(N));
        }
        s / f64::from(N)
    }
    fn euler(f: &dyn Fn(f64) -> f64, y0: f64) -> f64 {
        let mut y = y0;
        for _ in 0..3 {
            y += 0.1 * f(y);
        }
        y
    }
    let sq = |v: f64| v * v * w;
    let apply = |g: &dyn Fn(f64) -> f64, v: f64| g(v) + g(2.0 * v);
    let twice = |g: fn(f64) -> f64, v: f64| g(g(v));
    let act: Box<dyn Fn(f64) -> f64> = Box::new(|z| z.tanh() * w);
    let lin: &dyn Fn(f64) -> f64 = &|t| t * w;
    let cube = |t: f64| t * t * t;
    let c = &cube;
    let mut s = trap(|t| w * t * t) + euler(&|y| -w * y, 1.0);
    s += apply(&sq, w) + apply(&s55_square, w) + apply(&f64::sin, w) + twice(f64::cos, w);
    s += act(w) + lin(0.5) + c(w);
    if s55_count_even(xs) * w > 0.1 {
        s += xs[0] * w;
    }
    let loss: &dyn Fn(f64, f64) -> f64 = if w.abs() > 0.5 {
        &|p, y| (p - y).powi(2)
    } else {
        &|p, y| (p - y).abs()
    };
    s += loss(w, 0.25);
    let mut groups = vec![Vec::new(); 2];
    for i in 0..xs.len() {
        groups[i % 2].push(i);
    }
    for g in &groups {
        s += g.iter().map(|&i| xs[i] * w).sum::<f64>().powi(2);
    }
    let mut b = xs.to_vec();
    s55_scale_all(&mut b, w);
    let (mut lo, mut hi) = (w, xs[1]);
    s55_order(&mut lo, &mut hi);
    s + b.iter().sum::<f64>() + lo * 2.0 + hi
}

fn s55_scale_all(buf: &mut [f64], k: f64) {
    for b in buf.iter_mut() {
        *b *= k;
    }
}

fn s55_order(a: &mut f64, b: &mut f64) {
    if *a > *b {
        std::mem::swap(a, b);
    }
}

#[test]
fn session_55_forms_run() {
    let mut d = [0.0; 3];
    let xs = [0.5, -0.25, 1.0];
    let (value, _) = s55_forms_grad(0.7, &xs, &mut d);
    assert_eq!(value.to_bits(), s55_forms(0.7, &xs).to_bits());
    let (value, _) = s55_forms_jvp(0.7, &xs, 0.1, &[0.0; 3]);
    assert_eq!(value.to_bits(), s55_forms(0.7, &xs).to_bits());
    let mut hv = [0.0; 3];
    let (value, _, _) = s55_forms_hvp(0.7, &xs, 0.1, &[0.0; 3], &mut d, &mut hv);
    assert_eq!(value.to_bits(), s55_forms(0.7, &xs).to_bits());
}

/// A helper whose user allowed a lint its body triggers: the generated functions, which run its
/// code at the calls, allow it too (before, clippy reported it at each call of the helper).
#[allow(clippy::manual_range_contains)]
fn s55_inside(v: f64) -> f64 {
    if v >= 0.0 && v <= 1.0 {
        v * v
    } else {
        v
    }
}

#[gradient(jvp, hvp)]
fn s55_allowed(w: f64, xs: &[f64]) -> f64 {
    xs.iter().map(|&v| s55_inside(v * w)).sum::<f64>() + if s55_inside(w) > 0.5 { w } else { 0.0 }
}

#[test]
fn session_55_allowed_lints_run() {
    let mut d = [0.0; 3];
    let xs = [0.5, -0.25, 1.0];
    let (value, _) = s55_allowed_grad(0.7, &xs, &mut d);
    assert_eq!(value.to_bits(), s55_allowed(0.7, &xs).to_bits());
    let mut hv = [0.0; 3];
    let (value, _, _) = s55_allowed_hvp(0.7, &xs, 0.1, &[0.0; 3], &mut d, &mut hv);
    assert_eq!(value.to_bits(), s55_allowed(0.7, &xs).to_bits());
}

/// Session 56: structs with fields of arrays collected by a map; rows collected from `vec![..]`
/// and listed `vec![vec![..]]`; `enumerate` over a part of rows; a name assigned in a `loop`
/// inside a filtered loop.
#[derive(Clone, Copy)]
struct S56Body {
    pos: [f64; 2],
    m: f64,
}

#[gradient(jvp, hvp)]
fn s56_forms(w: f64, xs: &[f64]) -> f64 {
    let mut ps: Vec<S56Body> = xs
        .iter()
        .map(|&q| {
            let d = q * w;
            S56Body {
                pos: [d, -d],
                m: 1.5,
            }
        })
        .collect();
    for p in &mut ps {
        p.pos[1] += p.pos[0] * p.m;
    }
    let rows: Vec<Vec<f64>> = (0..2).map(|i| vec![w * f64::from(i), 1.0]).collect();
    let listed: Vec<Vec<f64>> = vec![vec![w, 2.0], vec![0.5, w * w]];
    let mut s = ps.iter().map(|p| p.pos[0] * p.pos[1]).sum::<f64>();
    for (i, r) in rows[1..].iter().enumerate() {
        s += r[0] * (f64::from(u8::try_from(i).unwrap_or(0)) + 0.5);
    }
    for &e in xs.iter().filter(|a| **a > -0.7) {
        let mut t;
        let mut i: usize = 0;
        loop {
            t = 0.3 * e * w;
            i += 1;
            if i > 2 {
                break;
            }
        }
        s += t;
    }
    s + listed[1][1] * listed[0][1]
}

/// Rows fields of the elements of a `Vec` of structs, read in the loss.
#[derive(Clone, grad::Params)]
struct S56Dense {
    w: Vec<Vec<f64>>,
    b: Vec<f64>,
}

#[derive(Clone, grad::Params)]
struct S56Mlp {
    layers: Vec<S56Dense>,
}

impl S56Mlp {
    #[gradient(wrt(self), jvp)]
    fn loss(&self, x: &[f64]) -> f64 {
        let mut h = x.to_vec();
        for layer in &self.layers {
            let mut nh = Vec::with_capacity(layer.w.len());
            for (row, b) in layer.w.iter().zip(&layer.b) {
                nh.push((row.iter().zip(&h).map(|(a, v)| a * v).sum::<f64>() + b).tanh());
            }
            h = nh;
        }
        let w = &self.layers[0].w;
        let rows = self.layers[self.layers.len() - 1].w.len();
        h.iter().sum::<f64>() + w[0][0] * f64::from(u32::try_from(rows).unwrap_or(0))
    }
}

#[test]
fn session_56_forms_run() {
    let mut d = [0.0; 3];
    let xs = [0.5, -0.25, 1.0];
    let (value, _) = s56_forms_grad(0.7, &xs, &mut d);
    assert_eq!(value.to_bits(), s56_forms(0.7, &xs).to_bits());
    let (value, _) = s56_forms_jvp(0.7, &xs, 0.1, &[0.0; 3]);
    assert_eq!(value.to_bits(), s56_forms(0.7, &xs).to_bits());
    let mut hv = [0.0; 3];
    let (value, _, _) = s56_forms_hvp(0.7, &xs, 0.1, &[0.0; 3], &mut d, &mut hv);
    assert_eq!(value.to_bits(), s56_forms(0.7, &xs).to_bits());
    let m = S56Mlp {
        layers: vec![
            S56Dense {
                w: vec![vec![0.3, -0.2], vec![0.1, 0.4]],
                b: vec![0.0, 0.1],
            },
            S56Dense {
                w: vec![vec![0.2, -0.1]],
                b: vec![0.05],
            },
        ],
    };
    let mut dm = m.clone();
    let x = [0.5, -1.0];
    let value = m.loss_grad(&x, &mut dm);
    assert_eq!(value.to_bits(), m.loss(&x).to_bits());
    let (value, _) = m.loss_jvp(&x, &m);
    assert_eq!(value.to_bits(), m.loss(&x).to_bits());
}

fn s57_times(a: &[[f64; 2]; 2], v: &[f64; 2]) -> [f64; 2] {
    let mut out = [0.0; 2];
    for i in 0..2 {
        for j in 0..2 {
            out[i] += a[i][j] * v[j];
        }
    }
    out
}

#[derive(Clone, Copy)]
struct S57Body {
    pos: [f64; 2],
    m: f64,
}

/// Session 57: a local matrix given by reference to a plain helper that returns an array, a
/// view of it and an explicit deref, ends of reversed and filtered chains, `try_into` a
/// reference to an array, a matrix of a constant of the module and of a local that `+=` tells
/// is a float, copies of elements of a list of structs with a field of arrays, the list copied
/// whole before it is written, and pieces collected with a turbofish.
#[gradient(jvp, hvp)]
fn s57_forms(w: f64, xs: &[f64]) -> f64 {
    let mat = [[w, xs[0]], [xs[1], SCALE]];
    let prod = s57_times(&mat, &[0.5, -0.25]);
    let view: &[[f64; 2]; 2] = &mat;
    let deref_view = &mat;
    let mut acc = SCALE;
    for x in xs {
        acc += x * 0.5;
    }
    let of_acc = [[acc, w], [SCALE, acc]];
    let second = xs.iter().rev().nth(1).copied().unwrap_or(0.5);
    let found = xs.iter().copied().rev().find(|t| *t < 0.6).unwrap_or(0.25);
    let part: &[f64; 2] = xs[..2].try_into().unwrap();
    let tail: &[f64; 2] = xs[xs.len() - 2..].try_into().unwrap();
    let mut bodies: Vec<S57Body> = xs
        .iter()
        .map(|&t| S57Body {
            pos: [t * w, t],
            m: 1.5,
        })
        .collect();
    let before = bodies.clone();
    for (i, body) in bodies.iter_mut().enumerate() {
        body.pos[0] += 0.1 * before[(i + 1) % before.len()].pos[1];
    }
    let copy = bodies[0];
    let rows = xs.chunks(1).map(<[f64]>::to_vec).collect::<Vec<Vec<f64>>>();
    prod[0] * prod[1]
        + view[1][0] * (*deref_view)[0][1]
        + of_acc[0][0] * of_acc[1][1]
        + second * found
        + part[0] * part[1]
        + (*tail)[0] * tail[tail.len() - 1]
        + copy.pos[0] * copy.m
        + rows[0][0]
}

#[test]
fn session_57_forms_run() {
    let mut d = [0.0; 3];
    let xs = [0.5, -0.25, 1.0];
    let (value, _) = s57_forms_grad(0.7, &xs, &mut d);
    assert_eq!(value.to_bits(), s57_forms(0.7, &xs).to_bits());
    let (value, _) = s57_forms_jvp(0.7, &xs, 0.1, &[0.0; 3]);
    assert_eq!(value.to_bits(), s57_forms(0.7, &xs).to_bits());
    let mut hv = [0.0; 3];
    let (value, _, _) = s57_forms_hvp(0.7, &xs, 0.1, &[0.0; 3], &mut d, &mut hv);
    assert_eq!(value.to_bits(), s57_forms(0.7, &xs).to_bits());
}

#[gradient]
fn s58_scaled(s: &[f64], a: f64) -> Vec<f64> {
    s.iter().map(|v| v * a).collect()
}

#[gradient(wrt(z), jvp, hvp)]
fn s58_weighted(z: f64, d: &[f64]) -> f64 {
    z * d.iter().sum::<f64>()
}

const S58_WEIGHTS: [f64; 2] = [0.5, -0.25];

#[derive(Clone, Copy)]
struct S58Charge {
    x: f64,
    v: f64,
}

#[derive(Clone, Copy)]
struct S58V {
    x: f64,
    y: f64,
}

impl S58V {
    fn new(x: f64, y: f64) -> Self {
        Self { x, y }
    }
    fn norm2(self) -> f64 {
        self.x * self.x + self.y * self.y
    }
}

impl std::ops::Mul<f64> for S58V {
    type Output = Self;
    fn mul(self, k: f64) -> Self {
        Self::new(self.x * k, self.y * k)
    }
}

fn s58_kick(v: &mut S58V, k: f64) {
    v.x += k * v.y;
}

pub struct S58State {
    pub y: f64,
}

impl S58State {
    fn bump(&mut self) {
        self.y += 1.0;
    }

    /// Session 58: a receiver lent mutably, changed by a method, read after.
    #[gradient(wrt(s))]
    pub fn stepped(&mut self, s: f64) -> f64 {
        let mut acc = s;
        for _ in 0..2 {
            self.bump();
            acc = (acc * self.y * 0.1).sin() + acc;
        }
        acc
    }

    /// Session 58: a receiver taken by value.
    #[must_use]
    #[gradient(wrt(s))]
    pub fn spent(self, s: f64) -> f64 {
        self.y * s * s
    }
}

/// Session 58: a constant result of a vector-valued helper given on to it again, a module's
/// constant lent to a slice parameter, a list of structs of floats copied whole before it is
/// written, rows of a local matrix cloned and given whole, arrays from parts by `try_from`,
/// closures giving values beside an inlined helper. (No `hvp`: it does not follow calls of
/// vector-valued functions yet.)
#[gradient(jvp)]
fn s58_forms(w: f64, xs: &[f64]) -> f64 {
    let fixed = s58_scaled(xs, 2.0);
    let moved = s58_scaled(&fixed, w);
    let lent = s58_weighted(w, &S58_WEIGHTS);
    let mut charges: Vec<S58Charge> = xs.iter().map(|&t| S58Charge { x: t * w, v: t }).collect();
    let before = charges.clone();
    for (i, c) in charges.iter_mut().enumerate() {
        c.v += 0.1 * before[(i + 1) % before.len()].x;
    }
    let mut rows: Vec<Vec<f64>> = xs.iter().map(|&t| vec![t, w]).collect();
    let kept = rows[1].clone();
    let copied = rows[1].clone();
    rows[0] = copied;
    let [first, second] = <[f64; 2]>::try_from(&xs[..2]).unwrap();
    let mut val = S58V::new(w, xs[0]);
    s58_kick(&mut val, 0.5);
    let make = |k: f64| val * k;
    moved[0] + lent + charges[0].v + kept[0] * rows[0][1] + first * second + make(0.5).norm2()
}

#[test]
fn session_58_forms_run() {
    let mut d = [0.0; 3];
    let xs = [0.5, -0.25, 1.0];
    let (value, _) = s58_forms_grad(0.7, &xs, &mut d);
    assert_eq!(value.to_bits(), s58_forms(0.7, &xs).to_bits());
    let (value, _) = s58_forms_jvp(0.7, &xs, 0.1, &[0.0; 3]);
    assert_eq!(value.to_bits(), s58_forms(0.7, &xs).to_bits());
    let (value, _, _) = s58_weighted_hvp(0.7, &xs, 0.1);
    assert_eq!(value.to_bits(), s58_weighted(0.7, &xs).to_bits());
    let mut st = S58State { y: 0.5 };
    let (value, _) = st.stepped_grad(0.3);
    assert_eq!(value.to_bits(), S58State { y: 0.5 }.stepped(0.3).to_bits());
    let (value, _) = S58State { y: 0.5 }.spent_grad(0.3);
    assert_eq!(value.to_bits(), S58State { y: 0.5 }.spent(0.3).to_bits());
}

fn s59_rot(a: f64, b: f64) -> [f64; 2] {
    [a * b.cos(), a * b.sin()]
}

fn s59_layer(w: &[f64], x: &[f64]) -> Vec<f64> {
    (0..2)
        .map(|i| w[2 * i] * x[0] + w[2 * i + 1] * x[1])
        .collect()
}

/// Session 59's forms: `ref` bindings, `from_fn` typed by its turbofish, rows made by a helper
/// collected and pushed, rows of parts collected and written out, copies of a table's rows
/// replaced across iterations, parts zipped into a collect.
#[gradient(jvp)]
fn s59_forms(w: f64, xs: &[f64]) -> f64 {
    let (ref a, ref b) = (xs[0] * w, xs[1]);
    let arr = core::array::from_fn::<f64, 2, _>(|i| xs[i] * w);
    let rows: Vec<[f64; 2]> = xs.iter().map(|&t| s59_rot(t, w)).collect();
    let mut pushed = Vec::new();
    for &t in xs {
        pushed.push(s59_rot(w, t));
    }
    let parts: Vec<Vec<f64>> = (0..2).map(|i| xs[i..=i].to_vec()).collect();
    let written = [xs[..1].to_vec(), xs[2..].to_vec()];
    let table = [[0.5, -0.25], [1.0, 0.75]];
    let mut carried = 0.0;
    for d in &table {
        let mut h = d.to_vec();
        h = s59_layer(&[w, 0.5, 0.25, w], &h);
        h = h.iter().map(|v| v.tanh()).collect();
        carried += h[0] * h[1];
    }
    let zipped: Vec<f64> = xs.iter().zip(&xs[1..]).map(|(p, q)| p * q * w).collect();
    *a * *b + arr[1] + rows[2][0] * pushed[1][1] + parts[1][0] * written[1][0] + carried + zipped[0]
}

/// Differentiated rows read through `windows(2)` under adapters.
#[gradient]
fn s59_springs(pos: &[[f64; 2]], rest: &[f64]) -> f64 {
    pos.windows(2)
        .zip(rest)
        .map(|(p, &l)| ((p[1][0] - p[0][0]).hypot(p[1][1] - p[0][1]) - l).powi(2))
        .sum()
}

#[test]
fn session_59_forms_run() {
    let xs = [0.5, -0.25, 1.0];
    let (value, _) = s59_forms_grad(0.7, &xs, &mut [0.0; 3]);
    assert_eq!(value.to_bits(), s59_forms(0.7, &xs).to_bits());
    let (value, _) = s59_forms_jvp(0.7, &xs, 0.1, &[0.0; 3]);
    assert_eq!(value.to_bits(), s59_forms(0.7, &xs).to_bits());
    let pos = [[0.0, 0.0], [1.0, 0.5], [2.0, 0.0]];
    let rest = [1.0, 1.2];
    let mut dpos = [[0.0; 2]; 3];
    let mut drest = [0.0; 2];
    let value = s59_springs_grad(&pos, &rest, &mut dpos, &mut drest);
    assert_eq!(value.to_bits(), s59_springs(&pos, &rest).to_bits());
}

/// Session 60's forms: functions declared in the body generic over their own type, labeled
/// blocks, `format!` of differentiated values, values repeated and slices cycled, rows named
/// before their list and rows collected in place, copies iterated.
#[gradient(jvp)]
fn s60_forms(w: f64, xs: &[f64]) -> f64 {
    fn sq<S: std::ops::Mul<Output = S> + Copy>(a: S) -> S {
        a * a
    }
    let count = sq(2_usize);
    let picked = 'pick: {
        if xs[0] > 0.0 {
            break 'pick xs[0] * w;
        }
        sq(w)
    };
    let message = format!("picked = {picked}");
    assert!(!message.is_empty());
    let repeated = std::iter::repeat_n(xs[1] * w, count).sum::<f64>();
    let cycled = xs.iter().cycle().take(5).map(|v| v * w).sum::<f64>();
    let first = xs[..1].to_vec();
    let last: Vec<f64> = xs[2..].iter().map(|v| v * w).collect();
    let named = [first, last];
    let collected: Vec<Vec<f64>> = vec![
        xs.iter().take(1).copied().collect(),
        xs.iter().skip(2).map(|v| v * 0.5).collect(),
    ];
    picked
        + repeated
        + cycled
        + named[1][0] * collected[1][0]
        + xs[1..].to_vec().iter().sum::<f64>()
}

#[derive(Clone, Copy)]
enum S60Act {
    Relu,
    Leaky(f64),
}

impl S60Act {
    fn apply(self, z: f64) -> f64 {
        match self {
            S60Act::Relu => z.max(0.0),
            S60Act::Leaky(k) => {
                if z > 0.0 {
                    z
                } else {
                    k * z
                }
            }
        }
    }
}

#[derive(Default, Clone, Copy)]
struct S60Sum {
    total: f64,
}

impl S60Sum {
    fn add(&mut self, v: f64) {
        self.total += v * v;
    }
}

/// Session 60's forms, continued: an enum's method on the items of a list of its values, a fold
/// into a struct's value, data made in a branch and changed by its method.
#[gradient(jvp)]
fn s60_more(w: f64, xs: &[f64]) -> f64 {
    let acts = [S60Act::Leaky(0.1), S60Act::Relu];
    let activated = acts.iter().map(|act| act.apply(xs[0] * w)).sum::<f64>();
    let folded = xs.iter().fold(S60Sum::default(), |mut acc, &v| {
        acc.add(v * w);
        acc
    });
    let mut out = activated + folded.total;
    if xs.len() > 1 {
        let mut local = S60Sum { total: 0.5 };
        local.add(1.5);
        out += local.total * w;
    }
    out
}

/// Session 60: a field of `&mut self` written by the body (a count), rows copied whole.
struct S60Counter {
    calls: usize,
}

impl S60Counter {
    #[gradient(wrt(w))]
    fn counted(&mut self, w: &[Vec<f64>], x: &[f64]) -> f64 {
        self.calls += 1;
        let mut s = 0.0;
        for row in w {
            let c = row.clone();
            s += c.iter().zip(x).map(|(p, q)| p * q).sum::<f64>();
        }
        s
    }
}

#[test]
fn session_60_forms_run() {
    let xs = [0.5, -0.25, 1.0];
    let (value, _) = s60_forms_grad(0.7, &xs, &mut [0.0; 3]);
    assert_eq!(value.to_bits(), s60_forms(0.7, &xs).to_bits());
    let (value, _) = s60_forms_jvp(0.7, &xs, 0.1, &[0.0; 3]);
    assert_eq!(value.to_bits(), s60_forms(0.7, &xs).to_bits());
    let (value, _) = s60_more_grad(0.7, &xs, &mut [0.0; 3]);
    assert_eq!(value.to_bits(), s60_more(0.7, &xs).to_bits());
    let w = vec![vec![0.5, 1.0], vec![-0.25, 2.0]];
    let mut dw = vec![vec![0.0; 2]; 2];
    let mut c = S60Counter { calls: 0 };
    let value = c.counted_grad(&w, &[1.0, 0.5], &mut dw);
    assert_eq!(c.calls, 1);
    assert_eq!(
        value.to_bits(),
        S60Counter { calls: 0 }.counted(&w, &[1.0, 0.5]).to_bits()
    );
}

/// Sum of each row's first element, scaled.
fn s61_first_col(rs: &[[f64; 2]], s: f64) -> f64 {
    rs.iter().map(|r| r[0] * s).sum()
}

/// Session 61's forms: ranges of rows (a parameter's, a local matrix's) iterated, named and lent
/// to a helper; the rows lent whole as `&w[..]`; reductions with closures as elements of a list;
/// `successors`.
#[gradient(jvp, wrt(w, s))]
fn s61_forms(w: &[[f64; 2]], s: f64) -> f64 {
    let m = [[s, s * s], [0.5, s], [s.sin(), 1.0]];
    let tail = &m[1..];
    let mut out = s61_first_col(&w[1..], s) + s61_first_col(w, 0.5);
    for (i, r) in w[1..].iter().enumerate() {
        out += r[1] * f64::from(u32::try_from(i).unwrap_or(0));
    }
    out += tail.iter().map(|r| r[0] * r[1]).sum::<f64>() + s61_first_col(&m[..2], s);
    let listed = [w.iter().fold(0.0, |a, r| a + r[0]), s];
    let root = std::iter::successors(Some(1.0), |&g: &f64| Some(0.5 * (g + (s * s + 1.0) / g)))
        .take(6)
        .last()
        .unwrap_or(1.0);
    out + listed[0] * listed[1] + root
}

#[test]
fn session_61_forms_run() {
    let w = [[0.5, 1.0], [-0.25, 2.0], [0.75, -0.5]];
    let mut dw = [[0.0; 2]; 3];
    let (value, _) = s61_forms_grad(&w, 0.7, &mut dw);
    assert_eq!(value.to_bits(), s61_forms(&w, 0.7).to_bits());
    let (value, _) = s61_forms_jvp(&w, 0.7, &[[0.1; 2]; 3], 0.2);
    assert_eq!(value.to_bits(), s61_forms(&w, 0.7).to_bits());
}
