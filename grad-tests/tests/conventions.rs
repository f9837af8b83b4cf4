//! The documented conventions at points where the derivative does not exist, one test each, exact.

use grad::gradient;

#[gradient]
fn abs(x: f64) -> f64 {
    x.abs()
}

#[gradient]
fn abs32(x: f32) -> f32 {
    x.abs()
}

#[test]
fn abs_at_zero_is_zero() {
    assert_eq!(abs_grad(0.0), (0.0, [0.0]));
    // -0.0 too (`signum` would give -1 there; the rule uses the sign with 0 at 0).
    let (v, [d]) = abs_grad(-0.0);
    assert_eq!((v, d), (0.0, 0.0));
    assert_eq!(abs32_grad(0.0), (0.0, [0.0]));
    assert_eq!(abs32_grad(-0.0).1, [0.0]);
    // Either side of the kink.
    assert_eq!(abs_grad(1e-300).1, [1.0]);
    assert_eq!(abs_grad(-1e-300).1, [-1.0]);
}

#[gradient]
fn max(x: f64, y: f64) -> f64 {
    x.max(y)
}

#[gradient]
fn min(x: f64, y: f64) -> f64 {
    x.min(y)
}

#[gradient]
fn max_path(x: f64, y: f64) -> f64 {
    f64::max(x, y)
}

#[gradient]
fn max32(x: f32, y: f32) -> f32 {
    x.max(y)
}

#[gradient]
fn min32(x: f32, y: f32) -> f32 {
    x.min(y)
}

#[test]
fn max_tie_is_shared() {
    assert_eq!(max_grad(2.0, 2.0), (2.0, [0.5, 0.5]));
    assert_eq!(max_path_grad(2.0, 2.0), (2.0, [0.5, 0.5]));
    assert_eq!(max32_grad(-1.5, -1.5), (-1.5, [0.5, 0.5]));
    // 0.0 == -0.0: also a tie.
    assert_eq!(max_grad(0.0, -0.0).1, [0.5, 0.5]);
    // Off the tie: the larger one.
    assert_eq!(max_grad(3.0, 2.0).1, [1.0, 0.0]);
    assert_eq!(max_grad(2.0, 3.0).1, [0.0, 1.0]);
}

#[test]
fn min_tie_is_shared() {
    assert_eq!(min_grad(2.0, 2.0), (2.0, [0.5, 0.5]));
    assert_eq!(min32_grad(7.0, 7.0), (7.0, [0.5, 0.5]));
    assert_eq!(min_grad(3.0, 2.0).1, [0.0, 1.0]);
    assert_eq!(min_grad(2.0, 3.0).1, [1.0, 0.0]);
}

/// Rust returns the other argument when one is NaN; the derivative follows the returned argument.
#[test]
fn max_min_with_nan_follow_the_returned_argument() {
    let nan = f64::NAN;
    assert_eq!(max_grad(nan, 3.0), (3.0, [0.0, 1.0]));
    assert_eq!(max_grad(3.0, nan), (3.0, [1.0, 0.0]));
    assert_eq!(min_grad(nan, 3.0), (3.0, [0.0, 1.0]));
    assert_eq!(min_grad(3.0, nan), (3.0, [1.0, 0.0]));
    assert_eq!(max32_grad(f32::NAN, 3.0), (3.0, [0.0, 1.0]));
    // Both NaN: the value is NaN; whichever argument the rule picks, only one gets the derivative.
    let (v, [dx, dy]) = max_grad(nan, nan);
    assert!(v.is_nan());
    assert_eq!(
        dx + dy,
        1.0,
        "exactly one argument gets the derivative: {dx}, {dy}"
    );
}

#[gradient]
fn clamp(x: f64, lo: f64, hi: f64) -> f64 {
    x.clamp(lo, hi)
}

#[gradient]
fn clamp32(x: f32, lo: f32, hi: f32) -> f32 {
    f32::clamp(x, lo, hi)
}

#[test]
fn clamp_inside_and_on_the_bounds_goes_to_x() {
    assert_eq!(clamp_grad(0.5, 0.0, 1.0), (0.5, [1.0, 0.0, 0.0]));
    assert_eq!(clamp_grad(0.0, 0.0, 1.0), (0.0, [1.0, 0.0, 0.0]));
    assert_eq!(clamp_grad(1.0, 0.0, 1.0), (1.0, [1.0, 0.0, 0.0]));
    // lo == hi == x.
    assert_eq!(clamp_grad(2.0, 2.0, 2.0), (2.0, [1.0, 0.0, 0.0]));
    assert_eq!(clamp32_grad(1.0, 0.0, 1.0), (1.0, [1.0, 0.0, 0.0]));
}

#[test]
fn clamp_outside_goes_to_the_bound() {
    assert_eq!(clamp_grad(-3.0, 0.0, 1.0), (0.0, [0.0, 1.0, 0.0]));
    assert_eq!(clamp_grad(5.0, 0.0, 1.0), (1.0, [0.0, 0.0, 1.0]));
    assert_eq!(clamp32_grad(-3.0, 0.0, 1.0), (0.0, [0.0, 1.0, 0.0]));
    assert_eq!(clamp32_grad(5.0, 0.0, 1.0), (1.0, [0.0, 0.0, 1.0]));
    // lo == hi, x outside.
    assert_eq!(clamp_grad(1.0, 2.0, 2.0), (2.0, [0.0, 1.0, 0.0]));
    assert_eq!(clamp_grad(3.0, 2.0, 2.0), (2.0, [0.0, 0.0, 1.0]));
}

#[gradient]
fn hypot(x: f64, y: f64) -> f64 {
    x.hypot(y)
}

#[gradient]
fn hypot32(x: f32, y: f32) -> f32 {
    x.hypot(y)
}

#[test]
fn hypot_at_origin_is_zero() {
    assert_eq!(hypot_grad(0.0, 0.0), (0.0, [0.0, 0.0]));
    assert_eq!(hypot_grad(-0.0, 0.0), (0.0, [0.0, 0.0]));
    assert_eq!(hypot32_grad(0.0, 0.0), (0.0, [0.0, 0.0]));
    // Off the origin, on an axis: the unit vector.
    assert_eq!(hypot_grad(0.0, -2.0), (2.0, [0.0, -1.0]));
}

#[gradient]
fn sqrt(x: f64) -> f64 {
    x.sqrt()
}

#[gradient]
fn sqrt32(x: f32) -> f32 {
    f32::sqrt(x)
}

#[test]
fn sqrt_at_zero_is_infinite() {
    assert_eq!(sqrt_grad(0.0), (0.0, [f64::INFINITY]));
    assert_eq!(sqrt32_grad(0.0), (0.0, [f32::INFINITY]));
}

#[gradient]
fn piecewise_constant(x: f64) -> f64 {
    x.floor() + x.ceil() + x.round() + x.trunc() + x.signum()
}

#[gradient]
fn piecewise_constant32(x: f32) -> f32 {
    x.floor() + x.ceil() + x.round() + x.trunc() + x.signum()
}

#[gradient]
fn fract(x: f64) -> f64 {
    x.fract()
}

#[test]
fn floor_ceil_round_trunc_signum_have_zero_derivative_everywhere() {
    // Including at their jumps: integers, half-integers, zero.
    for x in [-2.5, -1.0, -0.5, -0.0, 0.0, 0.3, 0.5, 1.0, 1.5, 2.0, 1e300] {
        let (v, g) = piecewise_constant_grad(x);
        assert_eq!(v, piecewise_constant(x), "at {x}");
        assert_eq!(g, [0.0], "at {x}");
        let x32 = x as f32;
        assert_eq!(piecewise_constant32_grad(x32).1, [0.0], "at {x32}");
    }
}

#[test]
fn fract_has_derivative_one_everywhere() {
    for x in [-2.5, -1.0, 0.0, 0.3, 1.0, 2.75] {
        assert_eq!(fract_grad(x), (x.fract(), [1.0]), "at {x}");
    }
}

#[gradient]
fn signum_alone(x: f64) -> f64 {
    x.signum() * 3.0
}

#[test]
fn signum_has_zero_derivative() {
    for x in [-1.0, -0.0, 0.0, 2.0] {
        assert_eq!(signum_alone_grad(x), (x.signum() * 3.0, [0.0]), "at {x}");
    }
}

// ---------------------------------------------------------------------------------------------
// Powers at 0: `x^0` is the constant 1, and `0^y` is the constant 0 for `y > 0`, so the derivatives
// there are 0 (JAX gives 0 too). Not among the documented conventions, but a literal `powi(0)`
// already gives 0, and NaN poisons every gradient it reaches.
// ---------------------------------------------------------------------------------------------

#[gradient]
fn powi_literal_zero(x: f64) -> f64 {
    x.powi(0)
}

#[gradient]
fn powi_runtime(x: f64, n: i32) -> f64 {
    x.powi(n)
}

#[gradient]
fn powf(x: f64, y: f64) -> f64 {
    x.powf(y)
}

#[test]
fn powi_literal_zero_exponent_at_zero() {
    assert_eq!(powi_literal_zero_grad(0.0), (1.0, [0.0]));
}

#[test]
fn powi_runtime_zero_exponent_at_zero() {
    assert_eq!(powi_runtime_grad(0.0, 0), (1.0, [0.0]));
    assert_eq!(powi_runtime_grad(0.0, 1), (0.0, [1.0]));
    assert_eq!(powi_runtime_grad(0.0, 2), (0.0, [0.0]));
}

#[test]
fn powf_at_zero_base() {
    // 0^y = 0 for y > 0: d/dx = y·0^(y-1) (0 for y > 1, 1 for y == 1), d/dy = 0.
    assert_eq!(powf_grad(0.0, 2.0), (0.0, [0.0, 0.0]));
    assert_eq!(powf_grad(0.0, 1.0), (0.0, [1.0, 0.0]));
    // x^0 = 1: d/dx = 0. (d/dy = ln(x) = -inf at x = 0 is the true one-sided limit; not checked.)
    assert_eq!(powf_grad(0.0, 0.0).1[0], 0.0);
}

/// The stable softplus (`BCE` with logits as libraries write it) is smooth: at 0, where its two
/// kinks meet, the shared tie of `max` and the zero slope of `abs` give its slope exactly.
#[gradient]
fn bce_with_logits(z: f64, t: f64) -> f64 {
    z.max(0.0) - z * t + (-z.abs()).exp().ln_1p()
}

#[test]
fn stable_softplus_is_exact_at_its_kinks() {
    for t in [0.0, 0.3, 1.0] {
        let (v, [dz, dt]) = bce_with_logits_grad(0.0, t);
        assert_eq!(v.to_bits(), bce_with_logits(0.0, t).to_bits());
        assert_eq!(dz, 0.5 - t);
        assert_eq!(dt, 0.0);
    }
}

#[gradient(jvp, hvp)]
fn through_f32(x: f64) -> f64 {
    let y = (x as f32) as f64;
    y * y
}

#[gradient]
fn through_f64(x: f32) -> f32 {
    (x as f64) as f32 * x
}

#[gradient]
fn through_f32_everywhere(w: &[f64], x: &[f64]) -> f64 {
    // In a loop body, a call argument (`f64::from`), a closure, a condition, a map and a fold.
    let round = |v: f64| (v * 2.0) as f32 as f64;
    let mut s = 0.0;
    for i in 0..w.len() {
        s += f64::from(w[i] as f32).sin() * x[i];
    }
    let t: f64 = w.iter().map(|&v| (v as f32) as f64 * 3.0).sum();
    let u = w.iter().fold(0.0, |acc, v| acc + (*v as f32) as f64);
    let b = if (w[0] as f32) as f64 > 0.0 {
        w[1]
    } else {
        -w[1]
    };
    s + round(w[0]) + t + u + b + ((0.1_f64 as f32) as f64) * w[1]
}

#[test]
fn a_float_through_f32_has_derivative_one() {
    // Rounding to f32 is a step function too fine for any difference quotient: the slope is
    // that of the identity it stands for, and the value is the rounded one, bit for bit.
    for x in [0.3, -1.0 / 3.0, 1e-40, 1e300, 0.0] {
        let y = (x as f32) as f64;
        assert_eq!(through_f32_grad(x), (y * y, [2.0 * y]), "at {x}");
        assert_eq!(through_f32_jvp(x, 1.0), (y * y, 2.0 * y), "at {x}");
        assert_eq!(through_f32_hvp(x, 1.0), (y * y, [2.0 * y], [2.0]), "at {x}");
    }
    // f32 through f64 is exact.
    assert_eq!(through_f64_grad(0.3), (0.3 * 0.3, [0.6]));
    let (w, x) = ([0.3, -1.2, 0.7], [2.0, 0.5, -1.0]);
    let (mut dw, mut dx) = ([0.0; 3], [0.0; 3]);
    let v = through_f32_everywhere_grad(&w, &x, &mut dw, &mut dx);
    assert_eq!(v.to_bits(), through_f32_everywhere(&w, &x).to_bits());
    let n = |v: f64| f64::from(v as f32);
    let want_dw = [
        n(w[0]).cos() * x[0] + 2.0 + 3.0 + 1.0,
        n(w[1]).cos() * x[1] + 3.0 + 1.0 + 1.0 + n(0.1),
        n(w[2]).cos() * x[2] + 3.0 + 1.0,
    ];
    let want_dx = [n(w[0]).sin(), n(w[1]).sin(), n(w[2]).sin()];
    for k in 0..3 {
        assert!((dw[k] - want_dw[k]).abs() < 1e-12, "dw {dw:?} {want_dw:?}");
        assert!((dx[k] - want_dx[k]).abs() < 1e-12, "dx {dx:?} {want_dx:?}");
    }
}
