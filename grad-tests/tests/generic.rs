//! Generic floats (issue 9): `#[gradient]` on functions over `T: Float` (num-traits) or
//! `T: grad::Real`, written as generic numeric Rust is written (`T::from(0.5).unwrap()`,
//! `T::one()`, `T::exp(x)`, `Float::sin(x)`, `T::from(i).unwrap()` for counts). Each function is
//! instantiated with `f64` and `f32`: the value of `NAME_grad` equals the function's bit for bit
//! in both, the `f64` gradient matches central differences, the `f32` one the `f64` one.

#![allow(clippy::many_single_char_names, clippy::needless_range_loop)]

mod common;

use common::{close_tol as close, fd_all as fd};
use grad::{gradient, Params, Real};
use num_traits::Float;

/// A function of a flat point: the plain value, `NAME_grad`'s value and its gradient.
type Flat<'a, T> = &'a dyn Fn(&[T]) -> (T, T, Vec<T>);

/// A flat function checked in `f64` against central differences, and its `f32` instantiation
/// against the `f64` gradient.
fn check(what: &str, p: &[f64], f64_fn: Flat<'_, f64>, f32_fn: Flat<'_, f32>) {
    let (plain, value, grad) = f64_fn(p);
    assert_eq!(plain.to_bits(), value.to_bits(), "{what}: f64 value");
    let want = fd(&|q| f64_fn(q).0, p);
    close(&format!("{what} (f64)"), &grad, &want, 1e-6);
    let p32: Vec<f32> = p.iter().map(|&v| v as f32).collect();
    let (plain, value, grad32) = f32_fn(&p32);
    assert_eq!(plain.to_bits(), value.to_bits(), "{what}: f32 value");
    let grad32: Vec<f64> = grad32.iter().map(|&g| f64::from(g)).collect();
    close(&format!("{what} (f32)"), &grad32, &grad, 1e-3);
}

/// Scalars, literals through `T::from`, `T::one()`, path forms of methods.
#[gradient(jvp, hvp)]
fn rosenbrock<T: Float>(x: T, y: T) -> T {
    let one = T::one();
    let a = one - x;
    let b = y - x * x;
    a * a
        + T::from(100.0).unwrap() * b * b
        + Float::sin(x) * <T as Float>::cos(y)
        + T::exp(y) / T::from(4).unwrap()
}

#[test]
fn scalars() {
    check(
        "rosenbrock",
        &[0.3, -0.7],
        &|p| {
            let (v, g) = rosenbrock_grad(p[0], p[1]);
            (rosenbrock(p[0], p[1]), v, g.to_vec())
        },
        &|p| {
            let (v, g) = rosenbrock_grad(p[0], p[1]);
            (rosenbrock(p[0], p[1]), v, g.to_vec())
        },
    );
    // Forward mode and the Hessian in both types.
    let (v, g) = rosenbrock_grad(0.3_f64, -0.7);
    let (vj, t) = rosenbrock_jvp(0.3_f64, -0.7, 0.25, -1.5);
    assert_eq!(v.to_bits(), vj.to_bits());
    assert!((t - (0.25 * g[0] - 1.5 * g[1])).abs() < 1e-12);
    let (_, _, h) = rosenbrock_hessian(0.3_f64, -0.7);
    let (_, _, h32) = rosenbrock_hessian(0.3_f32, -0.7);
    let fd_row = |k: usize| fd(&|q| rosenbrock_grad(q[0], q[1]).1[k], &[0.3, -0.7]);
    for k in 0..2 {
        close("hessian", &h[k], &fd_row(k), 1e-6);
        let row: Vec<f64> = h32[k].iter().map(|&v| f64::from(v)).collect();
        close("hessian (f32)", &row, &h[k], 1e-3);
    }
}

/// Slices, data in `f64` converted with `T::from`, counts, a local buffer of `T::zero()`,
/// compound assignment (the bound allows it), and a reduction with `fold`.
#[gradient(jvp)]
fn fit<T: Float + std::ops::AddAssign>(w: &[T], b: T, xs: &[f64], ys: &[f64]) -> T {
    let n = xs.len();
    let mut pred = vec![T::zero(); n];
    for i in 0..n {
        let x = T::from(xs[i]).unwrap();
        pred[i] = (w[0] * x + w[1] * x * x + b).tanh();
    }
    let mut loss = T::zero();
    for (i, &y) in ys.iter().enumerate() {
        let r = pred[i] - T::from(y).unwrap();
        loss += r * r;
    }
    let reg = w.iter().fold(T::zero(), |acc, &v| acc + v * v) * T::from(0.01).unwrap();
    loss / T::from(n).unwrap() + reg + T::epsilon()
}

#[test]
fn slices_and_data() {
    let (xs, ys) = ([0.5, -1.0, 2.0], [0.2, -0.4, 0.9]);
    check(
        "fit",
        &[0.3, -0.2, 0.1],
        &|p| {
            let mut d = [0.0; 2];
            let (v, [gb]) = fit_grad(&p[..2], p[2], &xs, &ys, &mut d);
            (fit(&p[..2], p[2], &xs, &ys), v, vec![d[0], d[1], gb])
        },
        &|p| {
            let mut d = [0.0; 2];
            let (v, [gb]) = fit_grad(&p[..2], p[2], &xs, &ys, &mut d);
            (fit(&p[..2], p[2], &xs, &ys), v, vec![d[0], d[1], gb])
        },
    );
}

/// Calls between generic functions, a closure, a `loop` with a `break` value, a small matrix,
/// `&T` parameters and constants of the type (`T::max_value()`).
#[gradient]
fn helper<T: Real>(x: T, s: &[T]) -> T {
    s.iter()
        .map(|&v| (v * x).sin())
        .fold(T::zero(), |a, b| a + b)
}

#[gradient(wrt(x, s))]
fn composite<T: Real>(x: &T, s: &[T], k: &T) -> T {
    let sq = |z: T| z * z;
    let mut m = [[T::zero(); 2]; 2];
    m[0][0] = *x;
    m[1][1] = sq(*x) + *k;
    let mut j = 0;
    let b = loop {
        j += 1;
        if j > 2 {
            break helper(*x, s) * T::from(j).unwrap();
        }
    };
    (m[0][0] * m[1][1] + b).min(T::max_value())
}

#[test]
fn calls_closures_loops() {
    check(
        "composite",
        &[0.4, 0.1, -0.3, 0.7],
        &|p| {
            let mut d = [0.0; 3];
            let (v, [g]) = composite_grad(&p[0], &p[1..], &2.0, &mut d);
            (
                composite(&p[0], &p[1..], &2.0),
                v,
                vec![g, d[0], d[1], d[2]],
            )
        },
        &|p| {
            let mut d = [0.0; 3];
            let (v, [g]) = composite_grad(&p[0], &p[1..], &2.0, &mut d);
            (
                composite(&p[0], &p[1..], &2.0),
                v,
                vec![g, d[0], d[1], d[2]],
            )
        },
    );
}

/// A `loop` with a `break` value inside a `for` (reported as rejected for a generic float type,
/// "supports `break` and `continue` as statements"; the `f64` body was accepted): as a `let`, as
/// an argument, in a branch, with the broken-out value carried across the outer iterations.
#[gradient]
fn loop_value_in_for<T: num_traits::Float>(x: &[T], x0: T) -> T {
    let mut acc = T::zero();
    let mut x0 = x0;
    for i in 0..3 {
        let mut j = 0;
        let b: T = loop {
            j += 1;
            if j >= 4 {
                break x[i] + x0;
            }
            x0 = x0 * T::from(0.9).unwrap();
        };
        acc = acc + b * b;
    }
    acc
}

#[gradient]
fn loop_value_positions<T: Real>(x: &[T], x0: T) -> T {
    let mut acc = T::zero();
    for i in 0..x.len() {
        let mut j = 0;
        // As an argument.
        acc = acc
            + T::sin(loop {
                j += 1;
                if j >= 2 {
                    break x[i] * x0;
                }
            });
        // In a branch.
        if i % 2 == 0 {
            let mut k = 0usize;
            let mut t = x0;
            let c = loop {
                k += 1;
                t = t * T::from(0.5).unwrap() + x[i];
                if k > i {
                    break t * t;
                }
            };
            acc = acc + c;
        } else {
            acc = acc - x0;
        }
    }
    acc
}

#[test]
fn loop_with_a_break_value_in_a_for() {
    check(
        "loop_value_in_for",
        &[0.4, -0.3, 0.7, 0.5],
        &|p| {
            let mut d = [0.0; 3];
            let (v, [g]) = loop_value_in_for_grad(&p[..3], p[3], &mut d);
            (
                loop_value_in_for(&p[..3], p[3]),
                v,
                vec![d[0], d[1], d[2], g],
            )
        },
        &|p| {
            let mut d = [0.0; 3];
            let (v, [g]) = loop_value_in_for_grad(&p[..3], p[3], &mut d);
            (
                loop_value_in_for(&p[..3], p[3]),
                v,
                vec![d[0], d[1], d[2], g],
            )
        },
    );
    check(
        "loop_value_positions",
        &[0.4, -0.3, 0.7, 0.5],
        &|p| {
            let mut d = [0.0; 3];
            let (v, [g]) = loop_value_positions_grad(&p[..3], p[3], &mut d);
            (
                loop_value_positions(&p[..3], p[3]),
                v,
                vec![d[0], d[1], d[2], g],
            )
        },
        &|p| {
            let mut d = [0.0; 3];
            let (v, [g]) = loop_value_positions_grad(&p[..3], p[3], &mut d);
            (
                loop_value_positions(&p[..3], p[3]),
                v,
                vec![d[0], d[1], d[2], g],
            )
        },
    );
}

/// A generic model: a method of `impl<T: Real>` and a free function, each in both types.
#[derive(Params, Clone)]
struct Affine<T> {
    w: Vec<T>,
    b: T,
}

impl<T: Real> Affine<T> {
    #[gradient]
    fn loss(&self, xs: &[T], ys: &[T]) -> T {
        let mut l = T::zero();
        for (x, y) in xs.iter().zip(ys) {
            let r = self.w[0] * *x + self.w[1] + self.b - *y;
            l = l + r * r;
        }
        l
    }
}

#[gradient(wrt(m), jvp)]
fn penalized<T: Real>(m: &Affine<T>, xs: &[T], ys: &[T]) -> T {
    let mut l = T::zero();
    for (x, y) in xs.iter().zip(ys) {
        l = l + (m.w[0] * *x + m.b - *y).powi(2);
    }
    l * T::from(0.5).unwrap() + m.b.powi(2)
}

#[test]
fn generic_models() {
    fn run<T: Real>(p: &[T]) -> (T, T, Vec<T>, T, T, Vec<T>) {
        let m = Affine {
            w: vec![p[0], p[1]],
            b: p[2],
        };
        let xs = [T::one(), T::from(2.0).unwrap(), T::from(-0.5).unwrap()];
        let ys = [T::from(1.0).unwrap(), T::from(3.0).unwrap(), T::zero()];
        let mut d = m.zeros_like();
        let v = m.loss_grad(&xs, &ys, &mut d);
        let mut e = m.zeros_like();
        let u = penalized_grad(&m, &xs, &ys, &mut e);
        (
            m.loss(&xs, &ys),
            v,
            d.to_flat(),
            penalized(&m, &xs, &ys),
            u,
            e.to_flat(),
        )
    }
    let p = [0.5, -0.25, 0.1];
    check(
        "method",
        &p,
        &|p| {
            let r = run(p);
            (r.0, r.1, r.2)
        },
        &|p| {
            let r = run(p);
            (r.0, r.1, r.2)
        },
    );
    check(
        "free function",
        &p,
        &|p| {
            let r = run(p);
            (r.3, r.4, r.5)
        },
        &|p| {
            let r = run(p);
            (r.3, r.4, r.5)
        },
    );
}

/// A hand-written rule over a generic float type, checked at a point by the generated test, and
/// used by a generic function in both types.
fn softplus<T: Float>(x: T) -> T {
    (T::one() + x.exp()).ln()
}

#[grad::custom_gradient(check(at(0.5), at(-2.0)))]
fn softplus_grad<T: Float>(x: T) -> (T, [T; 1]) {
    (softplus(x), [T::one() / (T::one() + (-x).exp())])
}

#[gradient(jvp, check(at(0.3, 1.5)))]
fn uses_rule<T: Float>(x: T, w: T) -> T {
    softplus(x * w) + w * w
}

#[test]
fn custom_rules() {
    check(
        "uses_rule",
        &[0.3, 1.5],
        &|p| {
            let (v, g) = uses_rule_grad(p[0], p[1]);
            (uses_rule(p[0], p[1]), v, g.to_vec())
        },
        &|p| {
            let (v, g) = uses_rule_grad(p[0], p[1]);
            (uses_rule(p[0], p[1]), v, g.to_vec())
        },
    );
}

/// The other spellings of constants and conversions: `FromPrimitive`'s `from_f64`, `NumCast`'s
/// `from` through the trait, `num_traits::cast::<_, T>`, `.expect(..)`, `.unwrap_or(..)`, and
/// `where` clauses.
#[gradient]
fn spellings<T>(x: T, xs: &[f64]) -> T
where
    T: Float + num_traits::FromPrimitive,
{
    let half = T::from_f64(0.5).expect("a float converts");
    let two = <T as num_traits::NumCast>::from(2).unwrap();
    let third = num_traits::cast::<f64, T>(1.0 / 3.0).unwrap();
    let mut s = T::zero();
    for (i, &v) in xs.iter().enumerate() {
        s = s + T::from_usize(i).unwrap_or(T::zero()) * T::from(v).unwrap_or_else(T::nan) * x;
    }
    half * x * x + two * x.sin() + third * s
}

#[test]
fn other_spellings() {
    let xs = [0.5, -1.0, 2.0];
    check(
        "spellings",
        &[0.7],
        &|p| {
            let (v, g) = spellings_grad(p[0], &xs);
            (spellings(p[0], &xs), v, g.to_vec())
        },
        &|p| {
            let (v, g) = spellings_grad(p[0], &xs);
            (spellings(p[0], &xs), v, g.to_vec())
        },
    );
}

/// A generic model passed as a parameter to a generic loss, its `#[gradient]` method called as a
/// method (`m.score(x)`) and by path without the type's arguments (`Scorer::score(m, x)`): both
/// were refused or failed to type-check (the call's checks named `Scorer::<T>` in an item).
#[derive(Clone, Debug, Params)]
pub struct Scorer<T> {
    w: Vec<T>,
    b: T,
}

impl<T: Real> Scorer<T> {
    #[gradient]
    pub fn score(&self, x: &[T]) -> T {
        let mut s = self.b;
        for j in 0..x.len() {
            s = s + self.w[j] * x[j];
        }
        s.tanh()
    }
}

#[gradient(wrt(m))]
fn scored<T: Real>(m: &Scorer<T>, x: &[T]) -> T {
    m.score(x) * m.score(x) + Scorer::score(m, &x[1..]) * T::from(0.5).unwrap()
}

#[test]
fn generic_model_as_a_parameter() {
    let x = [0.4, -1.1, 0.7];
    let p = [0.3, -0.2, 0.5, 0.1];
    fn run<T: Real>(p: &[T], x: &[T]) -> (T, T, Vec<T>) {
        let m = Scorer {
            w: p[..3].to_vec(),
            b: p[3],
        };
        let mut d = m.zeros_like();
        let v = scored_grad(&m, x, &mut d);
        let mut g = d.w.clone();
        g.push(d.b);
        (scored(&m, x), v, g)
    }
    let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    check("scored", &p, &|p| run(p, &x), &|p| run(p, &x32));
}

/// A concrete layer inside a generic model (`layers: Vec<Dense>` beside `scale: T`): its
/// `#[derive(Params)]` failed for every `T` (`expected &[f64], found &[<T as Params>::Scalar]`);
/// it is a model where `T` is the layers' float type.
#[derive(Clone, Debug, Params)]
pub struct Dense {
    w: Vec<f64>,
    b: f64,
}

#[derive(Clone, Debug, Params)]
pub struct Stacked<T> {
    layers: Vec<Dense>,
    scale: T,
}

#[derive(Clone, Debug, Params)]
pub struct ScaleFirst<T> {
    scale: T,
    layer: Dense,
}

#[gradient(wrt(m))]
fn stacked(m: &Stacked<f64>, x: f64) -> f64 {
    m.layers
        .iter()
        .map(|l| (l.w[0] * x + l.b).tanh())
        .sum::<f64>()
        * m.scale
}

/// Two layers of one weight each, scaled by 2.
fn two_layers() -> Stacked<f64> {
    Stacked {
        layers: vec![
            Dense {
                w: vec![0.5],
                b: 0.1,
            },
            Dense {
                w: vec![-0.3],
                b: 0.4,
            },
        ],
        scale: 2.0,
    }
}

#[test]
fn concrete_layers_in_a_generic_model() {
    let m = two_layers();
    let mut d = m.zeros_like();
    let v = stacked_grad(&m, 0.3, &mut d);
    assert_eq!(v.to_bits(), stacked(&m, 0.3).to_bits());
    let f = |p: &[f64]| stacked(&m.with_flat(p), 0.3);
    close("stacked", &d.to_flat(), &fd(&f, &m.to_flat()), 1e-7);
    let s = ScaleFirst {
        scale: 1.5,
        layer: Dense {
            w: vec![0.25, 0.5],
            b: -1.0,
        },
    };
    assert_eq!(s.to_flat(), vec![1.5, 0.25, 0.5, -1.0]);
}

/// Methods without `#[gradient]` of a generic `impl` (`impl<T: Float> Lin<T>`, one with a
/// `where` clause calling another), called from a `#[gradient]` method of that `impl`, from a
/// generic free function and from one of `Lin<f64>`: "a method without one is read from its
/// source only in a non-generic `impl`" before, then E0401 (the copy named the `impl`'s `T`).
#[derive(Clone, Debug, Params)]
pub struct Lin<T> {
    w: Vec<T>,
    b: T,
}

impl<T: Float> Lin<T> {
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
        s / T::from(ys.len()).unwrap()
    }
}

impl<T> Lin<T>
where
    T: Float,
{
    fn residual(&self, x: &[T], y: T) -> T {
        (self.predict(x) - y).tanh()
    }
}

#[gradient(wrt(m))]
fn lin_residuals<T: Float>(m: &Lin<T>, xs: &[Vec<T>], ys: &[T]) -> T {
    let mut s = T::zero();
    for (x, &y) in xs.iter().zip(ys) {
        s = s + m.residual(x, y).powi(2) + m.predict(x) * T::from(0.1).unwrap();
    }
    s
}

#[gradient(wrt(m))]
fn lin_residuals_f64(m: &Lin<f64>, xs: &[Vec<f64>], ys: &[f64]) -> f64 {
    xs.iter()
        .zip(ys)
        .map(|(x, &y)| m.residual(x, y).powi(2))
        .sum()
}

#[test]
fn plain_methods_of_a_generic_impl() {
    fn run<T: Real>(p: &[T], which: usize) -> (T, T, Vec<T>) {
        let m = Lin {
            w: vec![p[0], p[1]],
            b: p[2],
        };
        let t = |v: f64| T::from(v).unwrap();
        let xs = vec![
            vec![t(1.0), t(2.0)],
            vec![t(0.5), t(-1.0)],
            vec![t(-0.3), t(0.7)],
        ];
        let ys = [t(0.4), t(0.1), t(-0.5)];
        let mut d = m.zeros_like();
        let (plain, v) = if which == 0 {
            (m.mse(&xs, &ys), m.mse_grad(&xs, &ys, &mut d))
        } else {
            (
                lin_residuals(&m, &xs, &ys),
                lin_residuals_grad(&m, &xs, &ys, &mut d),
            )
        };
        let mut g = d.w.clone();
        g.push(d.b);
        (plain, v, g)
    }
    let p = [0.3, -0.1, 0.2];
    check("method", &p, &|p| run(p, 0), &|p| run(p, 0));
    check("free function", &p, &|p| run(p, 1), &|p| run(p, 1));
    let m = Lin {
        w: vec![0.3, -0.1],
        b: 0.2,
    };
    let xs = vec![vec![1.0, 2.0], vec![0.5, -1.0]];
    let ys = [0.4, 0.1];
    let mut d = m.zeros_like();
    let v = lin_residuals_f64_grad(&m, &xs, &ys, &mut d);
    assert_eq!(v.to_bits(), lin_residuals_f64(&m, &xs, &ys).to_bits());
    let f = |p: &[f64]| lin_residuals_f64(&m.with_flat(p), &xs, &ys);
    close("concrete", &d.to_flat(), &fd(&f, &m.to_flat()), 1e-7);
}

impl Dense {
    fn score(&self, x: f64) -> f64 {
        (self.w[0] * x + self.b).tanh()
    }
}

impl Stacked<f64> {
    /// A plain method of the concrete layers called from a method of `impl Stacked<f64>`
    /// (`self` a `Stacked < f64 >`, whose fields' types were not found: "cannot follow
    /// `.score(..)`", or rustc's E0599 where another `score` of the file had `#[gradient]`).
    #[gradient(wrt(self))]
    fn scored_layers(&self, x: f64) -> f64 {
        let mut s = 0.0;
        for layer in &self.layers {
            s += layer.score(x);
        }
        s * self.scale
    }
}

#[test]
fn plain_methods_of_layers_from_a_concrete_impl_of_a_generic_model() {
    let m = two_layers();
    let mut d = m.zeros_like();
    let v = m.scored_layers_grad(0.3, &mut d);
    assert_eq!(v.to_bits(), m.scored_layers(0.3).to_bits());
    let f = |p: &[f64]| m.with_flat(p).scored_layers(0.3);
    close("scored_layers", &d.to_flat(), &fd(&f, &m.to_flat()), 1e-7);
}

/// A generic model with a weight of the loss that is no parameter (`#[params(skip)] t: T`): its
/// derive failed (`T: Clone` not satisfied), and the weight is data in every mode.
#[derive(Clone, Debug, Params)]
pub struct Tempered<T> {
    w: Vec<T>,
    #[params(skip)]
    temperature: T,
}

#[gradient(wrt(m), jvp)]
fn tempered<T: Real>(m: &Tempered<T>, x: &[T]) -> T {
    let mut s = T::zero();
    for (w, x) in m.w.iter().zip(x) {
        s = s + (*w * *x / m.temperature).exp();
    }
    s.ln()
}

#[test]
fn skipped_fields_of_generic_models() {
    let m = Tempered {
        w: vec![0.5_f64, -0.25, 1.0],
        temperature: 2.0,
    };
    let x = [1.0, 0.5, -0.75];
    let mut d = m.zeros_like();
    let v = tempered_grad(&m, &x, &mut d);
    assert_eq!(v.to_bits(), tempered(&m, &x).to_bits());
    assert_eq!(
        d.temperature, 2.0,
        "data is copied into the gradient as it is"
    );
    let f = |p: &[f64]| tempered(&m.with_flat(p), &x);
    close("tempered", &d.to_flat(), &fd(&f, &m.to_flat()), 1e-7);
    // A direction made from the model keeps its temperature: no tangent there.
    let dir = m.with_flat(&[1.0, 0.0, 0.0]);
    let (_, t) = tempered_jvp(&m, &x, &dir);
    assert!((t - d.w[0]).abs() < 1e-12, "{t} against {}", d.w[0]);
}

/// Rows of a generic float beside a sum over a chain taken every other item: the user's function
/// is emitted as written (it was the rows' rewrite of it, `let mut acc = -0.0;`, "cannot
/// add-assign `T` to `{float}`"; long mode seed 4140 `g40`).
// (`&Vec<[T; 3]>` as the tester wrote it.)
#[allow(clippy::ptr_arg)]
#[gradient(jvp)]
fn rows_beside_a_strided_chain<T: Float + std::iter::Sum + std::ops::SubAssign>(
    ws: &Vec<[T; 3]>,
    xs: &[T],
    x1: T,
) -> T {
    let mut acc = x1.trunc();
    acc -= xs
        .iter()
        .chain(xs)
        .step_by(2)
        .map(|q| *q * T::from(0.5).unwrap())
        .sum::<T>();
    acc * x1 + ws[0][1] * ws[1][2]
}

#[test]
fn generic_rows_beside_a_strided_chain() {
    fn flat<T: Float + std::iter::Sum + std::ops::SubAssign>(p: &[T]) -> (T, T, Vec<T>) {
        let ws = vec![[p[0], p[1], p[2]], [p[3], p[4], p[5]]];
        let (xs, x1) = (&p[6..9], p[9]);
        let mut dw = vec![[T::nan(); 3]; 2];
        let mut dx = vec![T::nan(); 3];
        let (v, [d1]) = rows_beside_a_strided_chain_grad(&ws, xs, x1, &mut dw, &mut dx);
        let mut g: Vec<T> = dw.concat();
        g.extend(dx);
        g.push(d1);
        (rows_beside_a_strided_chain(&ws, xs, x1), v, g)
    }
    let p = [0.5, -1.25, 0.75, 1.5, 0.25, -0.5, 1.0, 2.0, -3.0, 1.75];
    check(
        "rows_beside_a_strided_chain",
        &p,
        &flat::<f64>,
        &flat::<f32>,
    );
}

/// A `#[gradient]` helper taking a tuple of the caller's `T`: followed into (inlined) from a
/// generic caller, as one of `f64` is (a clear error before: "cannot read this one"; long mode
/// seed 4180 `g68`).
#[gradient(hvp)]
fn tuple_half<T: Float>(t: (T, T)) -> T {
    t.0 * T::from(0.5).unwrap() - t.1.tanh()
}

/// The same of a plain helper taking `&(T, T)` (seed 4120 `g139`).
fn tuple_norm<T: Float>(t: &(T, T)) -> T {
    (t.0 * t.0 + t.1 * t.1 + T::one()).sqrt()
}

#[gradient(jvp)]
fn tuples_to_generic_helpers<T: Float>(p: (T, T), w: &[T]) -> T {
    let x = p.0 + T::tanh(tuple_half(p));
    let q = (w[0] * x, w[1] - p.1);
    x * w[1] + tuple_norm(&q) + tuple_half((q.1, x))
}

#[test]
fn tuples_handed_to_generic_helpers() {
    fn flat<T: Float>(p: &[T]) -> (T, T, Vec<T>) {
        let (t, w) = ((p[0], p[1]), &p[2..4]);
        let mut dt = (T::nan(), T::nan());
        let mut dw = vec![T::nan(); 2];
        let v = tuples_to_generic_helpers_grad(t, w, &mut dt, &mut dw);
        let mut g = vec![dt.0, dt.1];
        g.extend(dw);
        (tuples_to_generic_helpers(t, w), v, g)
    }
    check(
        "tuples_to_generic_helpers",
        &[0.5, -0.75, 1.25, 0.3],
        &flat::<f64>,
        &flat::<f32>,
    );
}

#[derive(Clone, Debug, Params)]
pub struct Chain<T> {
    xs: Vec<T>,
}

impl<T: Real> Chain<T> {
    fn shift(&self) -> T {
        self.xs.iter().fold(T::zero(), |a, &v| a + v * v).tanh() + T::one()
    }
}

/// A function of `Chain<f64>` calling a plain method of the generic `impl`: reading that
/// method's signature fixed `T` as the float type of the whole expansion, so the function's own
/// `f64`s were data and `m.xs.to_vec()` an error ("`to_vec` on a slice is not supported yet";
/// long mode seed 4140 `g76`).
#[gradient(wrt(m))]
fn chain_relaxed(m: &Chain<f64>, x0: f64) -> f64 {
    let r: f64 = {
        let mut h: Vec<f64> = m.xs.to_vec();
        let mut next = vec![0.0; h.len()];
        for _ in 0..2 {
            for q in 0..h.len() {
                next[q] = (h[q] * 0.5 + h[(q + 1) % h.len()]).tanh();
            }
            h = next.clone();
        }
        h[0] * x0
    };
    r + m.shift()
}

#[test]
fn a_concrete_function_beside_a_generic_plain_method() {
    let m = Chain {
        xs: vec![0.5, 1.5, -0.25],
    };
    let mut d = m.zeros_like();
    let v = chain_relaxed_grad(&m, 0.7, &mut d);
    assert_eq!(v.to_bits(), chain_relaxed(&m, 0.7).to_bits());
    let f = |p: &[f64]| chain_relaxed(&m.with_flat(p), 0.7);
    close("chain_relaxed", &d.to_flat(), &fd(&f, &m.to_flat()), 1e-7);
}

/// A value type generic over its float, in a generic function: its methods and operators
/// inlined over the function's own `T` (named otherwise in the `impl`).
#[derive(Clone, Copy, Debug)]
pub struct P2<U> {
    x: U,
    y: U,
}

impl<U: Float> std::ops::Sub for P2<U> {
    type Output = P2<U>;
    fn sub(self, o: P2<U>) -> P2<U> {
        P2 {
            x: self.x - o.x,
            y: self.y - o.y,
        }
    }
}

impl<U: Float> std::ops::Mul<U> for P2<U> {
    type Output = Self;
    fn mul(self, k: U) -> Self {
        Self {
            x: self.x * k,
            y: self.y * k,
        }
    }
}

impl<U: Float> P2<U> {
    fn new(x: U, y: U) -> Self {
        Self { x, y }
    }
    fn norm(self) -> U {
        (self.x * self.x + self.y * self.y).sqrt()
    }
    fn soft_norm(&self) -> U {
        (self.x.powi(2) + self.y.powi(2) + U::from(1e-3).unwrap()).sqrt() * U::one()
    }
    fn damp(&mut self, k: U) {
        let f = U::one() / (U::one() + k * self.soft_norm());
        self.x = self.x * f;
        self.y = self.y * f;
    }
}

#[gradient(jvp)]
fn generic_points<T: Float>(px: T, py: T) -> T {
    let p = P2::new(px, py);
    let mut q = P2 {
        x: T::one(),
        y: T::from(2.0).unwrap(),
    };
    q.damp(px * px);
    ((p - q) * T::from(0.5).unwrap()).norm() + p.soft_norm()
}

#[test]
fn generic_value_types_in_generic_functions() {
    fn flat<T: Float>(p: &[T]) -> (T, T, Vec<T>) {
        let (v, g) = generic_points_grad(p[0], p[1]);
        (generic_points(p[0], p[1]), v, g.to_vec())
    }
    check("generic_points", &[0.3, 0.4], &flat::<f64>, &flat::<f32>);
    check("generic_points", &[-1.1, 0.25], &flat::<f64>, &flat::<f32>);
}

/// The same generic helpers taking tuples, from a function of `f64`: copies of them for `f64`,
/// their bodies' `T::from(..)` and `T::one()` that float's (a clear error before, "cannot read
/// this one").
#[gradient]
fn tuples_to_generic_helpers_f64(p: (f64, f64), w: &[f64]) -> f64 {
    let x = p.0 + f64::tanh(tuple_half(p));
    let q = (w[0] * x, w[1] - p.1);
    x * w[1] + tuple_norm(&q) + tuple_half((q.1, x))
}

#[test]
fn tuples_handed_to_generic_helpers_from_f64() {
    let (p, w) = ((0.5, -0.75), [1.25, 0.3]);
    let mut dp = (f64::NAN, f64::NAN);
    let mut dw = [f64::NAN; 2];
    let v = tuples_to_generic_helpers_f64_grad(p, &w, &mut dp, &mut dw);
    assert_eq!(v.to_bits(), tuples_to_generic_helpers(p, &w).to_bits());
    let mut dpg = (f64::NAN, f64::NAN);
    let mut dwg = [f64::NAN; 2];
    tuples_to_generic_helpers_grad(p, &w, &mut dpg, &mut dwg);
    close(
        "tuples from f64",
        &[dp.0, dp.1, dw[0], dw[1]],
        &[dpg.0, dpg.1, dwg[0], dwg[1]],
        1e-12,
    );
}

/// Functions declared in the body, generic over a type parameter of their own: one whose body
/// never names it (called with floats and with a count), one whose body does (`U::from(..)`,
/// `U::one()`), one over a slice of it. A compile error inside the generated code before
/// (`sq_grad` not found: they were taken for `#[gradient]` helpers).
#[gradient(jvp, hvp)]
fn nested_generic_helpers<T: Float + std::iter::Sum>(x: &[T]) -> T {
    fn sq<S: std::ops::Mul<Output = S> + Copy>(a: S) -> S {
        a * a
    }
    fn half<U: Float>(a: U) -> U {
        a * U::from(0.5).unwrap() + U::one()
    }
    fn total<V: std::iter::Sum<V> + Copy>(v: &[V]) -> V {
        v.iter().copied().sum()
    }
    let n = sq(3_usize);
    sq(x[0] * x[1]) + half(x[1]).sin() * T::from(n).unwrap() + total(&x[1..]) * half(total(x))
}

/// The same in a function of `f64` (the helpers made that float's).
#[gradient]
fn nested_generic_helpers_f64(x: &[f64]) -> f64 {
    fn half<U: Float>(a: U) -> U {
        a * U::from(0.5).unwrap() + U::one()
    }
    fn twice<T: std::ops::Add<Output = T> + Copy>(a: T) -> T {
        a + a
    }
    let k = twice(2_i32);
    half(x[0]) * twice(x[2]) * f64::from(k) + twice(half(x[1]))
}

#[test]
fn functions_in_the_body_generic_over_their_own_type() {
    fn flat<T: Float + std::iter::Sum>(p: &[T]) -> (T, T, Vec<T>) {
        let mut d = vec![T::zero(); p.len()];
        let v = nested_generic_helpers_grad(p, &mut d);
        (nested_generic_helpers(p), v, d)
    }
    check(
        "nested_generic_helpers",
        &[0.3, -0.4, 0.9],
        &flat::<f64>,
        &flat::<f32>,
    );
    let p = [0.3, -0.4, 0.9];
    let (_, g, d) = flat::<f64>(&p);
    let t = [0.5, -1.0, 2.0];
    let (vj, dj) = nested_generic_helpers_jvp(&p[..], &t[..]);
    assert_eq!(vj.to_bits(), g.to_bits());
    assert!((dj - (0.5 * d[0] - d[1] + 2.0 * d[2])).abs() < 1e-12);
    let (mut dh, mut hv) = (vec![0.0; 3], vec![0.0; 3]);
    let vh = nested_generic_helpers_hvp(&p[..], &t[..], &mut dh, &mut hv);
    assert_eq!(vh.to_bits(), g.to_bits());
    let h = 1e-6;
    let along = |s: f64| -> Vec<f64> {
        let q: Vec<f64> = p.iter().zip(&t).map(|(a, b)| a + s * b).collect();
        flat::<f64>(&q).2
    };
    let (up, down) = (along(h), along(-h));
    let want: Vec<f64> = up
        .iter()
        .zip(&down)
        .map(|(a, b)| (a - b) / (2.0 * h))
        .collect();
    close("nested_generic_helpers hvp", &hv, &want, 1e-5);
    let p = [0.7, -0.2, 1.3];
    let mut d = [0.0; 3];
    let v = nested_generic_helpers_f64_grad(&p, &mut d);
    assert_eq!(v.to_bits(), nested_generic_helpers_f64(&p).to_bits());
    close(
        "nested_generic_helpers_f64",
        &d,
        &fd(&nested_generic_helpers_f64, &p),
        1e-6,
    );
}

/// Sum of each row's first element, scaled, plus the first row's last element.
fn first_cols<T: Float + std::iter::Sum>(rs: &[Vec<T>], s: T) -> T {
    let first = &rs[0];
    rs.iter().map(|r| r[0] * s).sum::<T>() + first[first.len() - 1]
}

/// A helper generic over the caller's `T` taking rows, given a local matrix whole and in
/// ranges (one named). Before: "cannot differentiate through the macro `vec!`" (the helper was
/// derived on its own, which a local matrix cannot be handed).
#[gradient]
fn generic_rows_helper<T: Float + std::iter::Sum>(x: &[T]) -> T {
    let half = T::from(0.5).unwrap();
    let m: Vec<Vec<T>> = vec![vec![x[0].tanh(), x[1]], vec![x[2], x[1] * x[0]]];
    let tail = &m[1..];
    first_cols(&m, half) * tail[0][1]
        + tail.iter().map(|r| r[0]).sum::<T>()
        + first_cols(&m[..1], x[2])
}

/// The same helper given differentiated rows (a parameter), whole and in part.
#[gradient(wrt(w))]
fn generic_rows_param<T: Float + std::iter::Sum>(w: &[Vec<T>], s: T) -> T {
    first_cols(w, s) * first_cols(&w[1..], s)
}

#[test]
fn generic_helpers_taking_rows() {
    fn flat<T: Float + std::iter::Sum>(p: &[T]) -> (T, T, Vec<T>) {
        let mut d = vec![T::zero(); p.len()];
        let v = generic_rows_helper_grad(p, &mut d);
        (generic_rows_helper(p), v, d)
    }
    check(
        "generic_rows_helper",
        &[0.3, -0.4, 0.9],
        &flat::<f64>,
        &flat::<f32>,
    );
    fn rows<T: Float + std::iter::Sum>(p: &[T]) -> (T, T, Vec<T>) {
        let w = vec![p[..2].to_vec(), p[2..].to_vec()];
        let mut d = vec![vec![T::nan(); 2], vec![T::nan(); 3]];
        let s = T::from(0.7).unwrap();
        let v = generic_rows_param_grad(&w, s, &mut d);
        (generic_rows_param(&w, s), v, d.concat())
    }
    check(
        "generic_rows_param",
        &[0.3, -0.4, 0.9, 1.1, -0.2],
        &rows::<f64>,
        &rows::<f32>,
    );
}
