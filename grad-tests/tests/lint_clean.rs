//! The code `#[gradient]` generates is warning-free under `#![deny(warnings, clippy::all)]` and
//! `#![deny(missing_docs)]`: this file compiles only if it is. CI runs
//! `cargo clippy --workspace --all-targets -- -D warnings`, which builds it with clippy's lints.
//!
//! The functions cover every construct of the scalar part, in f64 and f32, pub and private, with and
//! without `wrt`; the tests call every generated function so none is dead code.
#![deny(warnings, clippy::all)]
#![deny(missing_docs)]

use grad::gradient;

/// Every unary method, method and path form.
#[gradient]
pub fn unary_methods(x: f64) -> f64 {
    let a = x.sqrt() + x.cbrt() + x.exp() + x.exp2() + x.exp_m1() + x.ln() + x.log2() + x.log10();
    let b = x.ln_1p() + x.sin() + x.cos() + x.tan() + (x / 4.0).asin() + (x / 4.0).acos();
    let c = x.atan() + x.sinh() + x.cosh() + x.tanh() + x.asinh() + (x + 1.0).acosh();
    let d = (x / 4.0).atanh() + x.abs() + x.signum() + x.recip() + x.to_degrees() + x.to_radians();
    let e = x.floor() + x.ceil() + x.round() + x.trunc() + x.fract();
    let f = f64::sqrt(x) + f64::exp(x) + f64::ln(x) + f64::sin(x) + f64::abs(x) + f64::floor(x);
    a + b + c + d + e + f
}

/// Every method with arguments, method and path form.
#[gradient]
pub fn binary_methods(x: f64, y: f64, z: f64) -> f64 {
    let a = x.powi(3) + x.powi(-2) + x.powi(0) + x.powi(1) + x.powi(2) + x.powf(y) + x.log(y);
    let b = x.atan2(y) + x.hypot(y) + x.max(y) + x.min(y) + x.mul_add(y, z) + x.clamp(y, z);
    let c = f64::powi(x, 2) + f64::powf(x, y) + f64::hypot(x, y) + f64::max(x, z);
    let d = f64::mul_add(x, y, z) + f64::clamp(x, -1.0, 1.0) + f64::atan2(y, x);
    a + b + c + d
}

/// Every unary method in f32 but `exp2`, `log2`, `log10` (see `logs32`).
#[gradient]
pub fn unary_methods32(x: f32) -> f32 {
    let a = x.sqrt() + x.cbrt() + x.exp() + x.exp_m1() + x.ln() + x.ln_1p() + x.sin() + x.cos();
    let b = x.tan() + (x / 4.0).asin() + (x / 4.0).acos() + x.atan() + x.sinh() + x.cosh();
    let c = x.tanh() + x.asinh() + (x + 1.0).acosh() + (x / 4.0).atanh() + x.abs() + x.signum();
    let d = x.recip() + x.to_degrees() + x.to_radians() + x.floor() + x.ceil() + x.round();
    let e = x.trunc() + x.fract() + f32::sqrt(x) + f32::cosh(x) + f32::recip(x);
    a + b + c + d + e
}

/// Every method with arguments in f32.
#[gradient]
pub fn binary_methods32(x: f32, y: f32, z: f32) -> f32 {
    let a = x.powi(3) + x.powi(-2) + x.powi(0) + x.powi(1) + x.powi(2) + x.powf(y) + x.log(y);
    let b = x.atan2(y) + x.hypot(y) + x.max(y) + x.min(y) + x.mul_add(y, z) + x.clamp(y, z);
    a + b + f32::powf(x, 2.5) + f32::min(x, 1.0)
}

/// Operators, compound assignment, shadowing, typed and mutable bindings, blocks, constants.
#[gradient]
pub fn operators(mut x: f64, y: f64) -> f64 {
    let mut a = x * y - x / (y * y + 1.0) + -x;
    a += y;
    a -= 1.5;
    a *= x;
    a /= 2.0;
    x *= 3.0;
    let a: f64 = a + x;
    let b = {
        let t = a * a;
        t + std::f64::consts::PI
    };
    let c = core::f64::consts::E * b + f64::EPSILON;
    (c - a) * -(y + 1.0)
}

/// An integer-valued constant of the crate, used in a body.
const WEIGHT: f64 = 0.25;

/// Integer and boolean parameters, casts, conditions with `&&`, `||`, `!` and comparisons.
#[gradient]
pub fn constants(x: f64, n: usize, k: i32, flag: bool) -> f64 {
    let m = (n + 1) as f64;
    let kk = k as f64 * WEIGHT;
    let scaled = if flag && n > 2 || k == -1 {
        x * m
    } else if !flag {
        x * kk
    } else {
        x
    };
    scaled.powi(k) + x.powi(2 * k + 1)
}

/// `if`/`else if`/`else` as expression and statement, and early returns.
#[gradient]
pub fn control_flow(x: f64, y: f64) -> f64 {
    if x < -10.0 {
        return x * y;
    }
    let mut acc = x;
    if y > 0.0 {
        acc *= y;
    } else if y < -1.0 {
        acc -= y;
    } else {
        acc += 1.0;
    }
    if acc >= 100.0 {
        return acc.sqrt();
    }
    let s = if acc > 1.0 { acc.ln() } else { acc * acc };
    if x != y && s <= 5.0 {
        s * x
    } else {
        s
    }
}

/// The same in f32, differentiated only with respect to `y`.
#[gradient(wrt(y))]
pub fn single_precision(x: f32, y: f32, n: u8) -> f32 {
    let a = x * y + (y * 0.5).sin() + f32::exp(y) + std::f32::consts::PI * y;
    let b = a.max(x).clamp(-1.0, 10.0) + y.powi(2) + n as f32 * y.abs();
    if b > 1.0 {
        return b * y;
    }
    b + x
}

/// A `#[gradient]` function calling others, in this crate and a module.
#[gradient]
pub fn caller(x: f64, y: f64) -> f64 {
    helper(x, 2) + inner::square(y) + self::inner::square(x * y) + helper(y, 3)
}

/// Private: only its gradient is used (through `caller`), never the function itself.
#[gradient]
fn helper(x: f64, n: usize) -> f64 {
    x.powi(3) * n as f64
}

/// A documented module.
pub mod inner {
    use grad::gradient;

    /// A public callee in a module.
    #[gradient]
    pub fn square(x: f64) -> f64 {
        x * x
    }

    /// Visible in the crate only.
    #[gradient(wrt(b))]
    pub(crate) fn crate_visible(a: f64, b: f64) -> f64 {
        a * b.exp()
    }
}

/// f32 logarithms and powers of 2 and 10, whose derivatives need `LN_2` and `LN_10` (emitted by
/// name, so clippy's `approx_constant` has nothing to flag).
pub mod logs32 {
    use grad::gradient;

    /// `2^x + log2(x) + log10(x)` in f32.
    #[gradient]
    pub fn logs(x: f32) -> f32 {
        x.exp2() + x.log2() + f32::log10(x)
    }
}

/// Private: nothing but the test calls its `_grad`, and nothing calls the function itself.
#[gradient]
fn only_grad_used(x: f32) -> f32 {
    x * x * 0.5
}

/// A parameter that the value reads but whose computation the gradient prunes.
#[gradient(wrt(x))]
fn pruned(x: f64, y: f64) -> f64 {
    let unused_by_grad = y * 2.0;
    x * unused_by_grad + x
}

/// A constant function: the gradient is zero.
#[gradient]
fn constant(_x: f64) -> f64 {
    1.5
}

/// The gradient of a parameter that is returned as is.
#[gradient]
fn identity(x: f64) -> f64 {
    x
}

/// Assertions on constants are kept in the generated function.
#[gradient]
fn with_assert(x: f64, n: usize) -> f64 {
    assert!(n > 0);
    debug_assert_ne!(n, 7, "n must not be 7");
    x / n as f64
}

#[test]
fn every_generated_function_runs() {
    let (v, [d]) = unary_methods_grad(2.0);
    assert_eq!(v, unary_methods(2.0));
    assert!(d.is_finite());

    let (v, g) = binary_methods_grad(0.5, 1.5, 2.0);
    assert_eq!(v, binary_methods(0.5, 1.5, 2.0));
    assert!(g.iter().all(|d| d.is_finite()));

    let (v, [d]) = unary_methods32_grad(2.0);
    assert_eq!(v, unary_methods32(2.0));
    assert!(d.is_finite());
    let (v, g) = binary_methods32_grad(0.5, 1.5, 2.0);
    assert_eq!(v, binary_methods32(0.5, 1.5, 2.0));
    assert!(g.iter().all(|d| d.is_finite()));

    assert_eq!(operators_grad(1.0, 2.0).0, operators(1.0, 2.0));
    assert_eq!(
        constants_grad(1.5, 3, 2, true).0,
        constants(1.5, 3, 2, true)
    );
    assert_eq!(control_flow_grad(2.0, 3.0).0, control_flow(2.0, 3.0));
    assert_eq!(control_flow_grad(-20.0, 3.0), (-60.0, [3.0, -20.0]));

    let (v, [dy]) = single_precision_grad(0.5, 1.0, 2);
    assert_eq!(v, single_precision(0.5, 1.0, 2));
    assert!(dy.is_finite());

    // caller = 2x³ + y² + x²y² + 3y³ at (1, 1): ∂x = 6 + 2 = 8, ∂y = 2 + 2 + 9 = 13.
    assert_eq!(caller_grad(1.0, 1.0), (7.0, [8.0, 13.0]));
    assert_eq!(caller(1.0, 1.0), 7.0);
    assert_eq!(inner::square_grad(3.0), (9.0, [6.0]));
    assert_eq!(inner::crate_visible_grad(2.0, 0.0), (2.0, [2.0]));
    assert_eq!(inner::crate_visible(2.0, 0.0), 2.0);

    let (v, [d]) = logs32::logs_grad(2.0);
    assert_eq!(v, logs32::logs(2.0));
    let ln2 = std::f32::consts::LN_2;
    let want = 4.0 * ln2 + 1.0 / (2.0 * ln2) + 1.0 / (2.0 * std::f32::consts::LN_10);
    assert!((d - want).abs() < 1e-5, "{d} vs {want}");

    assert_eq!(only_grad_used_grad(2.0), (2.0, [2.0]));
    assert_eq!(pruned_grad(1.0, 3.0), (7.0, [7.0]));
    assert_eq!(constant_grad(4.0), (1.5, [0.0]));
    assert_eq!(identity_grad(4.0), (4.0, [1.0]));
    assert_eq!(with_assert_grad(3.0, 2), (1.5, [0.5]));
}
