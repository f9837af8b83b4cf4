//! `#[gradient]` functions calling `#[gradient]` functions: nested, with constant and non-float
//! arguments, called twice, by module path; checked against hand-derived formulas and central
//! finite differences (tolerance argued in `tests/ops.rs`: 1e-6 on the scale `1 + |f'| + |f|`).

use grad::gradient;
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn fd(f: &dyn Fn(&[f64]) -> f64, x: &[f64], k: usize) -> f64 {
    let h = f64::EPSILON.cbrt() * x[k].abs().max(1.0);
    let (mut xp, mut xm) = (x.to_vec(), x.to_vec());
    xp[k] += h;
    xm[k] -= h;
    (f(&xp) - f(&xm)) / (xp[k] - xm[k])
}

fn close(got: f64, want: f64, scale: f64, rtol: f64) -> bool {
    (got - want).abs() <= rtol * (1.0 + want.abs() + scale.abs())
}

/// Exact value, gradient against finite differences and against the hand-derived `hand`.
fn check<const K: usize>(
    what: &str,
    x: &[f64],
    f: &dyn Fn(&[f64]) -> f64,
    (value, grad): (f64, [f64; K]),
    hand: [f64; K],
) -> Result<(), TestCaseError> {
    prop_assert!(value == f(x), "{what} at {x:?}: value {value} != {}", f(x));
    for k in 0..K {
        let want = fd(f, x, k);
        prop_assert!(
            close(grad[k], want, value, 1e-6),
            "{what} at {x:?}: d{k} = {:e}, finite difference {want:e}",
            grad[k]
        );
        // Hand formula vs engine: both exact up to rounding of a few operations.
        prop_assert!(
            close(grad[k], hand[k], value, 1e-12),
            "{what} at {x:?}: d{k} = {:e}, hand-derived {:e}",
            grad[k],
            hand[k]
        );
    }
    Ok(())
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------------
// The call graph: outer → top → poly → sq, plus a module.
// ---------------------------------------------------------------------------------------------

#[gradient]
fn sq(x: f64) -> f64 {
    x * x
}

/// `n·x² + 3·y² + x·y`: calls `sq` twice, takes a `usize`.
#[gradient]
fn poly(x: f64, y: f64, n: usize) -> f64 {
    sq(x) * n as f64 + 3.0 * sq(y) + x * y
}

fn poly_hand(x: f64, y: f64, n: usize) -> [f64; 2] {
    [2.0 * n as f64 * x + y, 6.0 * y + x]
}

/// `poly(sin a, 2b, n + 1) + sq(a)`: arguments that are expressions, an integer expression.
#[gradient]
fn top(a: f64, b: f64, n: usize) -> f64 {
    poly(a.sin(), b * 2.0, n + 1) + sq(a)
}

fn top_hand(a: f64, b: f64, n: usize) -> [f64; 2] {
    let (u, v) = (a.sin(), 2.0 * b);
    let [pu, pv] = poly_hand(u, v, n + 1);
    [pu * a.cos() + 2.0 * a, 2.0 * pv]
}

/// `top(a·c, b, n)·c + 2`: four levels deep.
#[gradient]
fn outer(a: f64, b: f64, c: f64, n: usize) -> f64 {
    top(a * c, b, n) * c + 2.0
}

fn outer_hand(a: f64, b: f64, c: f64, n: usize) -> [f64; 3] {
    let [ta, tb] = top_hand(a * c, b, n);
    [ta * c * c, tb * c, ta * a * c + top(a * c, b, n)]
}

pub mod shapes {
    use grad::gradient;

    /// Area of a rectangle.
    #[gradient]
    pub fn area(w: f64, h: f64) -> f64 {
        w * h
    }

    pub mod round {
        use grad::gradient;

        /// Area of a disc.
        #[gradient]
        pub fn disc(r: f64) -> f64 {
            std::f64::consts::PI * r * r
        }
    }
}

/// Callees by module path (relative, `self::`, `crate::`), nested modules.
#[gradient]
fn by_path(x: f64, y: f64) -> f64 {
    shapes::area(x, y) + self::shapes::round::disc(x) - crate::shapes::area(y, 2.0)
}

fn by_path_hand(x: f64, y: f64) -> [f64; 2] {
    [y + 2.0 * std::f64::consts::PI * x, x - 2.0]
}

/// The same active value in two argument slots; a callee with a constant argument.
#[gradient]
fn same_value_twice(x: f64, c: f64) -> f64 {
    poly(x, x, 3) + poly(c, 1.5, 2) + sq(2.0)
}

fn same_value_twice_hand(x: f64, c: f64) -> [f64; 2] {
    let [px, py] = poly_hand(x, x, 3);
    [px + py, poly_hand(c, 1.5, 2)[0]]
}

/// Calls inside method calls, as method receivers, in branches and early returns.
#[gradient]
fn calls_in_control_flow(x: f64, y: f64) -> f64 {
    if x > 1.0 {
        return sq(x).sqrt() * shapes::area(x, y);
    }
    let z = x.max(sq(y));
    if z > 2.0 {
        z * sq(x)
    } else {
        poly(z, y, 1)
    }
}

/// Only `y` differentiated by the caller: the callee still gets `x` as a constant.
#[gradient(wrt(y))]
fn caller_wrt(x: f64, y: f64) -> f64 {
    poly(x, y, 2) * x
}

#[gradient]
fn sq32(x: f32) -> f32 {
    x * x
}

#[gradient]
fn cube32(x: f32, n: u32) -> f32 {
    sq32(x) * x * n as f32
}

#[gradient]
fn nested32(x: f32, y: f32) -> f32 {
    cube32(x + y, 2) - sq32(y)
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[test]
fn hand_values_at_a_point() {
    assert_eq!(sq_grad(3.0), (9.0, [6.0]));
    // n = 2: 2·1 + 3·4 + 2 = 16; ∂x = 2·2·1 + 2 = 6, ∂y = 12 + 1 = 13.
    assert_eq!(poly_grad(1.0, 2.0, 2), (16.0, [6.0, 13.0]));
    // A callee with the value 0 everywhere on its inputs still passes the gradient through.
    assert_eq!(poly_grad(0.0, 0.0, 5), (0.0, [0.0, 0.0]));
    assert_eq!(by_path_grad(1.0, 1.0).1, by_path_hand(1.0, 1.0));
    // 2 · ((x+y)³) - y² at (1, 1): 16 - 1; ∂x = 6(x+y)² = 24, ∂y = 24 - 2 = 22.
    assert_eq!(nested32_grad(1.0, 1.0), (15.0, [24.0, 22.0]));
    assert_eq!(caller_wrt_grad(1.0, 2.0), (poly(1.0, 2.0, 2), [13.0]));
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn two_levels_with_usize(x in -3.0f64..3.0, y in -3.0f64..3.0, n in 0usize..10) {
        check("poly", &[x, y], &|p| poly(p[0], p[1], n), poly_grad(x, y, n), poly_hand(x, y, n))?;
    }

    #[test]
    fn three_levels(a in -3.0f64..3.0, b in -3.0f64..3.0, n in 0usize..10) {
        check("top", &[a, b], &|p| top(p[0], p[1], n), top_grad(a, b, n), top_hand(a, b, n))?;
    }

    #[test]
    fn four_levels(a in -2.0f64..2.0, b in -2.0f64..2.0, c in -2.0f64..2.0, n in 0usize..10) {
        check(
            "outer",
            &[a, b, c],
            &|p| outer(p[0], p[1], p[2], n),
            outer_grad(a, b, c, n),
            outer_hand(a, b, c, n),
        )?;
    }

    #[test]
    fn module_paths(x in -3.0f64..3.0, y in -3.0f64..3.0) {
        check("by_path", &[x, y], &|p| by_path(p[0], p[1]), by_path_grad(x, y), by_path_hand(x, y))?;
    }

    #[test]
    fn same_value_in_two_slots_and_constant_args(x in -3.0f64..3.0, c in -3.0f64..3.0) {
        check(
            "same_value_twice",
            &[x, c],
            &|p| same_value_twice(p[0], p[1]),
            same_value_twice_grad(x, c),
            same_value_twice_hand(x, c),
        )?;
    }

    #[test]
    fn calls_under_control_flow(
        (x, y) in (-3.0f64..3.0, -3.0f64..3.0).prop_filter("near a branch boundary", |(x, y)| {
            let z = x.max(y * y);
            (x - 1.0).abs() > 1e-3 && (x - y * y).abs() > 1e-3 && (z - 2.0).abs() > 1e-3
        })
    ) {
        let f = |p: &[f64]| calls_in_control_flow(p[0], p[1]);
        let (v, g) = calls_in_control_flow_grad(x, y);
        let hand = if x > 1.0 {
            // |x|·x·y for x > 1.
            [2.0 * x * y, x * x]
        } else if x >= y * y {
            // z = x.
            if x > 2.0 { [3.0 * x * x, 0.0] } else { let [a, b] = poly_hand(x, y, 1); [a, b] }
        } else {
            // z = y².
            let z = y * y;
            if z > 2.0 {
                [2.0 * x * z, 2.0 * y * x * x]
            } else {
                let [pz, py] = poly_hand(z, y, 1);
                [0.0, pz * 2.0 * y + py]
            }
        };
        check("calls_in_control_flow", &[x, y], &f, (v, g), hand)?;
    }

    #[test]
    fn caller_with_wrt(x in -3.0f64..3.0, y in -3.0f64..3.0) {
        let (v, [dy]) = caller_wrt_grad(x, y);
        prop_assert_eq!(v, caller_wrt(x, y));
        let want = fd(&|p| caller_wrt(x, p[0]), &[y], 0);
        prop_assert!(close(dy, want, v, 1e-6), "{} vs {}", dy, want);
        prop_assert!(close(dy, poly_hand(x, y, 2)[1] * x, v, 1e-12));
    }

    #[test]
    fn f32_chain(x in -2.0f32..2.0, y in -2.0f32..2.0) {
        let (v, [dx, dy]) = nested32_grad(x, y);
        prop_assert_eq!(v, nested32(x, y));
        // Hand formula in f64 at the same point: 2(x+y)³ - y².
        let (x, y) = (x as f64, y as f64);
        let s = x + y;
        let (hx, hy) = (6.0 * s * s, 6.0 * s * s - 2.0 * y);
        prop_assert!(close(dx as f64, hx, 2.0 * s.powi(3), 1e-5), "{} vs {}", dx, hx);
        prop_assert!(close(dy as f64, hy, 2.0 * s.powi(3), 1e-5), "{} vs {}", dy, hy);
    }
}

/// A dot product helper, for the forms below.
#[gradient]
fn dot2(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// A closure of a row calling a helper; a `Vec<_>` collected from a map that reads the
/// parameters (its element type inferred); rows of data mapped through a helper.
#[gradient(wrt(w, b))]
fn collected_forms(w: &[f64], b: f64, xs: &[Vec<f64>], ys: &[f64]) -> f64 {
    let predict = |x: &[f64]| dot2(w, x) + b;
    let mse = xs
        .iter()
        .zip(ys)
        .map(|(x, y)| (predict(x) - y).powi(2))
        .sum::<f64>()
        / ys.len() as f64;
    let preds = ys.iter().map(|&y| w[0] * y + b).collect::<Vec<_>>();
    let squashed: Vec<_> = ys.iter().map(|&y| (w[1] * y).tanh()).collect();
    let y_hat: Vec<f64> = xs.iter().map(|x| dot2(w, x)).collect();
    mse + preds.iter().sum::<f64>() + squashed[0] + y_hat.iter().map(|v| v * v).sum::<f64>()
}

#[test]
fn closures_and_collected_vectors_through_helpers() {
    let xs = vec![vec![1.0, 2.0], vec![0.5, -1.0]];
    let ys = [1.0, 0.0];
    let (w, b) = ([0.1, 0.2], 0.3);
    let mut dw = [0.0; 2];
    let (v, [db]) = collected_forms_grad(&w, b, &xs, &ys, &mut dw);
    assert_eq!(v.to_bits(), collected_forms(&w, b, &xs, &ys).to_bits());
    let h = 1e-6;
    for k in 0..2 {
        let (mut p, mut q) = (w, w);
        p[k] += h;
        q[k] -= h;
        let fd = (collected_forms(&p, b, &xs, &ys) - collected_forms(&q, b, &xs, &ys)) / (2.0 * h);
        assert!((dw[k] - fd).abs() < 1e-7, "w[{k}]: {} against {fd}", dw[k]);
    }
    let fd =
        (collected_forms(&w, b + h, &xs, &ys) - collected_forms(&w, b - h, &xs, &ys)) / (2.0 * h);
    assert!((db - fd).abs() < 1e-7, "b: {db} against {fd}");
}
