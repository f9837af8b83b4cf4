//! `Option`s of differentiated floats held in locals: a running best (`best = Some(..)` in a
//! loop, `None` before it), the previous element of a loop, a value computed on some paths only
//! (`if c { Some(e) } else { None }`), read by `match`, `if let`, `let .. else`, and the
//! `Option` methods (`unwrap`, `expect`, `unwrap_or`, `map_or`, `is_some_and`, `map(..)` then
//! `unwrap_or`, ...), in f64, f32 and generic `T: Real`. Each gradient against central
//! differences, the value bit for bit; the JVP and the HVP against the gradient and a second
//! difference along the direction.

mod common;

use common::check_flat;
use grad::{gradient, Real};

fn check(what: &str, f: &dyn Fn(&[f64]) -> f64, v: f64, g: &[f64], p: &[f64]) {
    check_flat(what, p, f, v, g).unwrap();
}

const XS: [&[f64]; 3] = [
    &[0.3, -0.9, 1.7, 0.2, 1.1],
    &[-1.3, -0.4, -2.2, 0.8, 0.1, 0.6],
    &[0.7, 0.5],
];

/// The running best, set by `match` on itself with a guard, `_ => best` keeping it.
#[gradient]
fn best_by_match(x: &[f64]) -> f64 {
    let mut best: Option<f64> = None;
    for &v in x {
        best = match best {
            None => Some(v),
            Some(b) if v > b => Some(v),
            _ => best,
        };
    }
    best.unwrap_or(0.0)
}

/// The running best of a computed value, the option untyped, tested by `is_none_or`, read by
/// `expect`.
#[gradient]
fn best_of_squares(x: &[f64]) -> f64 {
    let mut best = None;
    for &v in x {
        if best.is_none_or(|b| v * v > b) {
            best = Some(v * v);
        }
    }
    best.expect("a non-empty slice")
}

/// The previous element, read by `map_or` and `if let`, the loop left by `break`.
#[gradient]
fn with_previous(x: &[f64], t: f64) -> f64 {
    let mut prev: Option<f64> = None;
    let mut s = 0.0;
    for (i, &v) in x.iter().enumerate() {
        if i == 4 {
            break;
        }
        s += prev.map_or(0.0, |p| (v - p).powi(2)) * t;
        if let Some(p) = prev {
            s += (v * p).sin();
        }
        prev = Some(v);
    }
    let last = prev.unwrap();
    s + last
}

/// A value on some paths: an `if` chain giving `Some` or `None`, `let .. else` that returns,
/// `map(..).unwrap_or(..)`.
#[gradient]
fn on_some_paths(a: f64, b: f64) -> f64 {
    let r = if a > b {
        Some(a - b)
    } else if a < 0.0 {
        None
    } else {
        Some(b.sin())
    };
    let Some(d) = r else {
        return a * b;
    };
    d * d + r.map(|t| t * 3.0).unwrap_or(1.0)
}

/// An option in a loop body over windows, tested by `is_some_and` and matched in a statement.
#[gradient]
fn slopes(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for w in x.windows(2) {
        let slope = if (w[1] - w[0]).abs() > 1e-9 {
            Some(1.0 / (w[1] - w[0]))
        } else {
            None
        };
        match slope {
            Some(k) => s += k.atan(),
            None => s -= 1.0,
        }
        if slope.is_some_and(|k| k > 0.0) {
            s += 0.5 * w[0];
        }
    }
    s
}

/// The first positive element's exponential, set once (`is_none()` in the condition), then
/// matched as the value of the body; declared again by `let` from itself.
#[gradient]
fn first_positive(x: &[f64]) -> f64 {
    let mut first: Option<f64> = None;
    for &v in x {
        if v > 0.0 && first.is_none() {
            first = Some(v.exp());
        }
    }
    let first = first.unwrap_or_else(|| x[0]);
    first.ln() * 2.0 + first
}

/// An index option (data) beside the value it chose: left as written.
#[gradient]
fn argmax_times_max(x: &[f64]) -> f64 {
    let mut idx = None;
    let mut m = f64::NEG_INFINITY;
    for (i, &v) in x.iter().enumerate() {
        if v > m {
            m = v;
            idx = Some(i);
        }
    }
    x[idx.unwrap()] * m
}

/// Generic over `T: Real`: the running maximum by `match` with a guard.
#[gradient]
fn best_generic<T: Real>(x: &[T]) -> T {
    let mut best: Option<T> = None;
    for &v in x {
        best = match best {
            Some(b) if b >= v => Some(b),
            _ => Some(v),
        };
    }
    let best = best.unwrap_or(T::zero());
    best * best + best.sin()
}

/// In f32: the previous element by `if let`, with the option typed.
#[gradient]
fn previous_f32(x: &[f32]) -> f32 {
    let mut prev: Option<f32> = None;
    let mut s = 0.0;
    for &v in x {
        if let Some(p) = prev {
            s += (v - p) * (v + 2.0 * p);
        }
        prev = Some(v);
    }
    s
}

/// Two options in one block, the second declared in the first's scope (it was left as written).
#[gradient]
fn two_options(x: &[f64], a: f64) -> f64 {
    let mut best: Option<f64> = None;
    for &v in x {
        best = match best {
            Some(b) if b >= v => Some(b),
            _ => Some(v),
        };
    }
    let chosen = if a > 0.0 { Some(a * a) } else { None };
    chosen.map_or(0.5, |d| d * 3.0) + best.unwrap_or(0.0) * a
}

/// Forward and second order through an option carried across iterations.
#[gradient(jvp, hvp)]
fn carried_second_order(x: &[f64]) -> f64 {
    let mut prev: Option<f64> = None;
    let mut s = 0.0;
    for &v in x {
        if let Some(p) = prev {
            s += (v * p).sin();
        }
        prev = Some(v * v);
    }
    s + prev.unwrap_or(0.0)
}

#[test]
fn options_of_floats() {
    for x in XS {
        let mut d = vec![0.0; x.len()];
        let v = best_by_match_grad(x, &mut d);
        check("best_by_match", &|p| best_by_match(p), v, &d, x);
        let v = best_of_squares_grad(x, &mut d);
        check("best_of_squares", &|p| best_of_squares(p), v, &d, x);
        let (v, dt) = with_previous_grad(x, 0.7, &mut d);
        let mut p = x.to_vec();
        p.push(0.7);
        let mut g = d.clone();
        g.push(dt[0]);
        let n = x.len();
        check(
            "with_previous",
            &|p| with_previous(&p[..n], p[n]),
            v,
            &g,
            &p,
        );
        let (v, da) = two_options_grad(x, 0.7, &mut d);
        let mut p = x.to_vec();
        p.push(0.7);
        let mut g = d.clone();
        g.push(da[0]);
        check("two_options", &|p| two_options(&p[..n], p[n]), v, &g, &p);
        let v = slopes_grad(x, &mut d);
        check("slopes", &|p| slopes(p), v, &d, x);
        let v = first_positive_grad(x, &mut d);
        check("first_positive", &|p| first_positive(p), v, &d, x);
        let v = argmax_times_max_grad(x, &mut d);
        check("argmax_times_max", &|p| argmax_times_max(p), v, &d, x);
        let v = best_generic_grad(x, &mut d);
        check("best_generic", &|p| best_generic(p), v, &d, x);
        let xf: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let mut df = vec![0.0_f32; x.len()];
        let vf = best_generic_grad(&xf, &mut df);
        assert_eq!(vf.to_bits(), best_generic(&xf).to_bits());
        for (a, b) in df.iter().zip(&d) {
            assert!(
                (f64::from(*a) - b).abs() < 1e-4 * (1.0 + b.abs()),
                "{df:?} {d:?}"
            );
        }
        let vf = previous_f32_grad(&xf, &mut df);
        assert_eq!(vf.to_bits(), previous_f32(&xf).to_bits());
        let fd = |k: usize| {
            let (mut a, mut b) = (x.to_vec(), x.to_vec());
            a[k] += 1e-6;
            b[k] -= 1e-6;
            let f = |p: &[f64]| {
                let mut s = 0.0;
                for w in p.windows(2) {
                    s += (w[1] - w[0]) * (w[1] + 2.0 * w[0]);
                }
                s
            };
            (f(&a) - f(&b)) / 2e-6
        };
        for (k, a) in df.iter().enumerate() {
            assert!((f64::from(*a) - fd(k)).abs() < 1e-3, "previous_f32 {df:?}");
        }
    }
    for (a, b) in [(1.0, 0.3), (0.5, 0.9), (-0.5, 0.2)] {
        let (v, g) = on_some_paths_grad(a, b);
        check(
            "on_some_paths",
            &|p| on_some_paths(p[0], p[1]),
            v,
            &g,
            &[a, b],
        );
    }
}

#[test]
fn options_second_order() {
    for x in XS {
        let n = x.len();
        let dir: Vec<f64> = (0..n)
            .map(|k| ((7 * k + 3) % 11) as f64 / 4.0 - 1.25)
            .collect();
        let mut d = vec![0.0; n];
        let v = carried_second_order_grad(x, &mut d);
        check(
            "carried_second_order",
            &|p| carried_second_order(p),
            v,
            &d,
            x,
        );
        let (fv, jv) = carried_second_order_jvp(x, &dir);
        assert_eq!(fv.to_bits(), v.to_bits());
        let dot: f64 = d.iter().zip(&dir).map(|(a, b)| a * b).sum();
        assert!((jv - dot).abs() <= 1e-12 * (1.0 + dot.abs()), "{jv} {dot}");
        let (mut d2, mut hv) = (vec![0.0; n], vec![0.0; n]);
        let hv_value = carried_second_order_hvp(x, &dir, &mut d2, &mut hv);
        assert_eq!(hv_value.to_bits(), v.to_bits());
        assert_eq!(d2, d);
        let h = 1e-5;
        let at = |t: f64| {
            let q: Vec<f64> = x.iter().zip(&dir).map(|(a, b)| a + t * b).collect();
            let mut g = vec![0.0; n];
            carried_second_order_grad(&q, &mut g);
            g
        };
        let (gp, gm) = (at(h), at(-h));
        for k in 0..n {
            let fd = (gp[k] - gm[k]) / (2.0 * h);
            assert!(
                (hv[k] - fd).abs() < 1e-5 * (1.0 + fd.abs()),
                "hv {hv:?} fd {fd} at {k}"
            );
        }
    }
}

/// An `Option` given a float type's constant (`Some(std::f64::consts::E)`, `Some(f64::EPSILON)`):
/// a float too (found by the differential tester's long mode, seed 62001; was refused).
#[gradient]
fn option_of_constant(x: f64, k: i32) -> f64 {
    let o = if k == -2 {
        Some(std::f64::consts::E)
    } else {
        None
    };
    let p = if k > 0 { Some(f64::EPSILON) } else { None };
    o.map_or(x, |b| b * x.sin()) + p.unwrap_or(x * x)
}

#[test]
fn options_of_float_constants() {
    for k in [-2, 0, 1] {
        for x in [0.3, -1.2] {
            let (v, [d]) = option_of_constant_grad(x, k);
            assert_eq!(v.to_bits(), option_of_constant(x, k).to_bits());
            let h = 1e-6;
            let fd = (option_of_constant(x + h, k) - option_of_constant(x - h, k)) / (2.0 * h);
            assert!(
                (d - fd).abs() < 1e-6 * (1.0 + fd.abs()),
                "k {k} x {x}: {d} vs {fd}"
            );
        }
    }
}

/// The `Option` a reduction gives, held in a local and read by `if let`, matched where it is
/// made, taken by `let .. else`, and read by `unwrap_or` and `map_or`: the element chosen
/// (`min_by` of a key, `max_by`, `reduce`, `last`) where the slice or its part is not empty.
#[gradient(hvp)]
fn reduction_options(x: &[f64], k: usize) -> f64 {
    let closest = x.iter().copied().min_by(|a, b| a.abs().total_cmp(&b.abs()));
    let near = if let Some(c) = closest { c * c } else { 0.0 };
    let top = match x[k..].iter().copied().reduce(f64::max) {
        Some(b) => b * 2.0,
        None => 1.0,
    };
    let last = x.last().copied();
    let z = if let Some(l) = last { l.sin() } else { 0.0 };
    let Some(t) = x.iter().copied().max_by(|a, b| a.total_cmp(b)) else {
        return near + top;
    };
    let best = x[k..].iter().copied().reduce(f64::min);
    near + top + z * t + best.unwrap_or(0.5) + best.map_or(0.0, |v| v * v)
}

/// The same forms over a generic float.
#[gradient]
fn reduction_option_generic<T: Real>(x: &[T]) -> T {
    let closest = x
        .iter()
        .copied()
        .min_by(|a, b| a.abs().partial_cmp(&b.abs()).unwrap());
    match closest {
        Some(c) => c * c + T::one(),
        None => T::zero(),
    }
}

#[test]
fn options_of_reductions() {
    for x in XS {
        let n = x.len();
        let mut d = vec![0.0; n];
        for k in [0, 1, n] {
            let v = reduction_options_grad(x, k, &mut d);
            check("reduction_options", &|p| reduction_options(p, k), v, &d, x);
            // H·v against a difference of gradients along v.
            let dir: Vec<f64> = (0..n).map(|i| 0.5 - 0.25 * i as f64).collect();
            let (mut g, mut hv) = (vec![0.0; n], vec![0.0; n]);
            let v2 = reduction_options_hvp(x, k, &dir, &mut g, &mut hv);
            assert_eq!(v2.to_bits(), v.to_bits());
            let h = 1e-5;
            let (mut gp, mut gm) = (vec![0.0; n], vec![0.0; n]);
            let xp: Vec<f64> = x.iter().zip(&dir).map(|(a, b)| a + h * b).collect();
            let xm: Vec<f64> = x.iter().zip(&dir).map(|(a, b)| a - h * b).collect();
            reduction_options_grad(&xp, k, &mut gp);
            reduction_options_grad(&xm, k, &mut gm);
            for i in 0..n {
                let fd = (gp[i] - gm[i]) / (2.0 * h);
                assert!(
                    (hv[i] - fd).abs() < 1e-4 * (1.0 + fd.abs()),
                    "{hv:?} {i} {fd}"
                );
            }
        }
        let v = reduction_option_generic_grad(x, &mut d);
        check(
            "reduction_option_generic",
            &|p| reduction_option_generic(p),
            v,
            &d,
            x,
        );
        let xf: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let mut df = vec![0.0_f32; n];
        let vf = reduction_option_generic_grad(&xf, &mut df);
        assert_eq!(vf.to_bits(), reduction_option_generic(&xf).to_bits());
    }
    // Empty: every option `None`.
    assert_eq!(reduction_options_grad(&[], 0, &mut []), 1.0);
    assert_eq!(reduction_option_generic_grad::<f64>(&[], &mut []), 0.0);
}
