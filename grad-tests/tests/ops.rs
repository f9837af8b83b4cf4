//! Every operation `#[gradient]` supports, in `f64` and `f32`, checked against central finite
//! differences at random points (proptest), and the value against the original function (exactly).
//!
//! # Tolerances
//!
//! **f64.** The reference is the central difference `(f(x+h) - f(x-h)) / 2h` with
//! `h = cbrt(eps) · max(1, |x|) ≈ 6.1e-6 · max(1, |x|)`, the step that balances the two errors:
//! truncation `h²/6 · |f'''|` and rounding `≈ 2·δ·|f| / 2h`, with δ a few eps (libm is within an
//! ulp or two). With `s = max(1, |x|)` that is `6e-12 · s² · |f'''|  +  ~1e-10 · |f| / s`.
//! Every domain below keeps `s² · |f'''| ≲ 1e3 · (1 + |f'|)` (away from poles: `ln` from 0.05,
//! `tan` within ±1.3, `asin` within ±0.95, ...), so the reference is good to ~1e-8 relative, and
//! the exact gradient itself is good to a few ulps. `RTOL64 = 1e-6` on the scale `1 + |f'| + |f|`
//! leaves a factor ≥ 100 of headroom and still catches any wrong rule, whose error is O(1).
//!
//! **f32.** An f32 central difference is useless (`h ≈ 5e-3`, rounding `≈ 1e-5·|f|/h`), so the f32
//! gradient is compared with the f64 central difference of an f64 twin (the same body), evaluated at
//! the same point: each f32 input is drawn as an f64 and rounded to f32, and the twin gets that
//! rounded value exactly. The reference error is then the f64 one (~1e-8) and the remaining error is
//! the f32 evaluation of the derivative: each operation rounds to `eps32/2 ≈ 6e-8`, the derivative
//! chains here are ≤ ~10 operations with condition numbers ≤ ~50 in the chosen domains, so
//! ≲ 10·50·6e-8 = 3e-5 relative. `RTOL32 = 1e-4` on the same scale.
//!
//! **Kinks.** Functions with kinks or jumps (`abs`, `signum`, `floor`, ..., `max`, `min`, `clamp`,
//! branches of `if`) are sampled at least `1e-3` away from them; the step is at most
//! `6.1e-6 · 50 = 3e-4` for the ranges used, so no stencil straddles a kink.

// The bodies below deliberately use forms clippy finds unidiomatic, because `#[gradient]` must
// handle them: `x = x * y`, a trailing `return`, `!(a < b)`, `let z;` assigned in branches.
#![allow(
    clippy::assign_op_pattern,
    clippy::needless_return,
    clippy::neg_cmp_op_on_partial_ord,
    clippy::needless_late_init
)]

use grad::gradient;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

// ---------------------------------------------------------------------------------------------
// Checking helpers
// ---------------------------------------------------------------------------------------------

const RTOL64: f64 = 1e-6;
const RTOL32: f64 = 1e-4;
const KINK_MARGIN: f64 = 1e-3;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 64,
        // No regression files in the source tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

type F64<'a> = dyn Fn(&[f64]) -> f64 + 'a;

/// Central difference of `f` along coordinate `k` at `x`.
fn fd(f: &F64<'_>, x: &[f64], k: usize) -> f64 {
    let h = f64::EPSILON.cbrt() * x[k].abs().max(1.0);
    let (mut xp, mut xm) = (x.to_vec(), x.to_vec());
    xp[k] += h;
    xm[k] -= h;
    // The step actually taken (x ± h rounds).
    (f(&xp) - f(&xm)) / (xp[k] - xm[k])
}

/// `got` within `rtol · (1 + |want| + |value|)` of `want`.
fn close(got: f64, want: f64, value: f64, rtol: f64) -> bool {
    (got - want).abs() <= rtol * (1.0 + want.abs() + value.abs())
}

/// Checks an f64 `_grad` result against the function: exact value, and each gradient component
/// against the central difference along the coordinates `active` (all of `x` by default).
fn check64<const K: usize>(
    what: &str,
    x: &[f64],
    f: &F64<'_>,
    (value, grad): (f64, [f64; K]),
) -> Result<(), TestCaseError> {
    let active: Vec<usize> = (0..x.len()).collect();
    check64_wrt(what, x, &active, f, (value, grad))
}

fn check64_wrt<const K: usize>(
    what: &str,
    x: &[f64],
    active: &[usize],
    f: &F64<'_>,
    (value, grad): (f64, [f64; K]),
) -> Result<(), TestCaseError> {
    let plain = f(x);
    prop_assert!(
        value == plain,
        "{what} at {x:?}: _grad value {value:e} != original {plain:e}"
    );
    prop_assert_eq!(active.len(), K);
    for (slot, &k) in active.iter().enumerate() {
        let want = fd(f, x, k);
        let got = grad[slot];
        prop_assert!(
            close(got, want, value, RTOL64),
            "{what} at {x:?}: d/dx{k} = {got:e}, finite difference {want:e}"
        );
    }
    Ok(())
}

/// Checks an f32 `_grad` result: exact value against the f32 original (`plain32`), gradient against
/// the central difference of the f64 twin `f64_twin` at the same (f32-representable) point.
fn check32<const K: usize>(
    what: &str,
    x32: &[f32],
    plain32: f32,
    f64_twin: &F64<'_>,
    (value, grad): (f32, [f32; K]),
) -> Result<(), TestCaseError> {
    let active: Vec<usize> = (0..x32.len()).collect();
    check32_wrt(what, x32, &active, plain32, f64_twin, (value, grad))
}

fn check32_wrt<const K: usize>(
    what: &str,
    x32: &[f32],
    active: &[usize],
    plain32: f32,
    f64_twin: &F64<'_>,
    (value, grad): (f32, [f32; K]),
) -> Result<(), TestCaseError> {
    prop_assert!(
        value == plain32,
        "{what} (f32) at {x32:?}: _grad value {value:e} != original {plain32:e}"
    );
    prop_assert_eq!(active.len(), K);
    let x: Vec<f64> = x32.iter().map(|&v| v as f64).collect();
    let v64 = f64_twin(&x);
    for (slot, &k) in active.iter().enumerate() {
        let want = fd(f64_twin, &x, k);
        let got = grad[slot] as f64;
        prop_assert!(
            close(got, want, v64, RTOL32),
            "{what} (f32) at {x32:?}: d/dx{k} = {got:e}, f64 finite difference {want:e}"
        );
    }
    Ok(())
}

/// `range` without the points within `KINK_MARGIN` of a kink (`dist` gives the distance to one).
fn away(range: std::ops::Range<f64>, dist: fn(f64) -> f64) -> impl Strategy<Value = f64> {
    range.prop_filter("too close to a kink", move |&x| {
        // Also away after rounding to f32 (the f32 checks use the rounded point).
        dist(x) > KINK_MARGIN && dist(x as f32 as f64) > KINK_MARGIN
    })
}

fn dist_int(x: f64) -> f64 {
    (x - x.round()).abs()
}

fn dist_half(x: f64) -> f64 {
    (x - x.floor() - 0.5).abs()
}

fn dist_zero(x: f64) -> f64 {
    x.abs()
}

/// Rounds to f32 (the point the f32 check uses) and back.
fn r32(x: f64) -> f32 {
    x as f32
}

// ---------------------------------------------------------------------------------------------
// Unary methods: `x.m()` and `f64::m(x)`, f64 and f32
// ---------------------------------------------------------------------------------------------

macro_rules! unary {
    ($(#[$attr:meta])* $m:ident, $strat:expr) => {
        $(#[$attr])*
        mod $m {
            use super::*;

            #[gradient]
            fn method64(x: f64) -> f64 {
                x.$m()
            }
            #[gradient]
            fn path64(x: f64) -> f64 {
                f64::$m(x)
            }
            #[gradient]
            fn method32(x: f32) -> f32 {
                x.$m()
            }
            #[gradient]
            fn path32(x: f32) -> f32 {
                f32::$m(x)
            }
            /// Inside a chain: the local derivative is multiplied by the adjoint and reaches `y`.
            #[gradient]
            fn chain64(x: f64, y: f64) -> f64 {
                let u = x.$m();
                u * y + u
            }

            proptest! {
                #![proptest_config(config())]

                #[test]
                fn f64_method_path_chain(x in $strat, y in -3.0f64..3.0) {
                    let name = stringify!($m);
                    check64(name, &[x], &|p| method64(p[0]), method64_grad(x))?;
                    check64(name, &[x], &|p| path64(p[0]), path64_grad(x))?;
                    check64(name, &[x, y], &|p| chain64(p[0], p[1]), chain64_grad(x, y))?;
                }

                #[test]
                fn f32_method_path(x in $strat) {
                    let name = stringify!($m);
                    let x32 = r32(x);
                    check32(name, &[x32], method32(x32), &|p| method64(p[0]), method32_grad(x32))?;
                    check32(name, &[x32], path32(x32), &|p| method64(p[0]), path32_grad(x32))?;
                }
            }
        }
    };
}

unary!(sqrt, 0.05f64..50.0);
unary!(cbrt, away(-50.0..50.0, |x| x.abs() / 50.0));
unary!(exp, -5.0f64..5.0);
unary!(exp2, -5.0f64..5.0);
unary!(exp_m1, -5.0f64..5.0);
unary!(ln, 0.05f64..100.0);
unary!(log2, 0.05f64..100.0);
unary!(log10, 0.05f64..100.0);
unary!(ln_1p, -0.9f64..100.0);
unary!(sin, -10.0f64..10.0);
unary!(cos, -10.0f64..10.0);
unary!(tan, -1.3f64..1.3);
unary!(asin, -0.95f64..0.95);
unary!(acos, -0.95f64..0.95);
unary!(atan, -10.0f64..10.0);
unary!(sinh, -5.0f64..5.0);
unary!(cosh, -5.0f64..5.0);
unary!(tanh, -5.0f64..5.0);
unary!(asinh, -10.0f64..10.0);
unary!(acosh, 1.05f64..50.0);
unary!(atanh, -0.95f64..0.95);
unary!(abs, away(-10.0..10.0, dist_zero));
unary!(signum, away(-10.0..10.0, dist_zero));
unary!(recip, away(-10.0..10.0, |x| x.abs() / 100.0));
unary!(to_degrees, -10.0f64..10.0);
unary!(to_radians, -500.0f64..500.0);
unary!(floor, away(-10.0..10.0, dist_int));
unary!(ceil, away(-10.0..10.0, dist_int));
unary!(round, away(-10.0..10.0, dist_half));
unary!(trunc, away(-10.0..10.0, dist_int));
unary!(fract, away(-10.0..10.0, dist_int));

// ---------------------------------------------------------------------------------------------
// Methods with arguments
// ---------------------------------------------------------------------------------------------

macro_rules! binary {
    ($m:ident, $strat:expr) => {
        mod $m {
            use super::*;

            #[gradient]
            fn method64(x: f64, y: f64) -> f64 {
                x.$m(y)
            }
            #[gradient]
            fn path64(x: f64, y: f64) -> f64 {
                f64::$m(x, y)
            }
            #[gradient]
            fn method32(x: f32, y: f32) -> f32 {
                x.$m(y)
            }
            #[gradient]
            fn path32(x: f32, y: f32) -> f32 {
                f32::$m(x, y)
            }
            /// Only the receiver, then only the argument, differentiated.
            #[gradient(wrt(x))]
            fn wrt_x(x: f64, y: f64) -> f64 {
                x.$m(y)
            }
            #[gradient(wrt(y))]
            fn wrt_y(x: f64, y: f64) -> f64 {
                x.$m(y)
            }

            proptest! {
                #![proptest_config(config())]

                #[test]
                fn f64_method_path_wrt((x, y) in $strat) {
                    let name = stringify!($m);
                    let f = |p: &[f64]| method64(p[0], p[1]);
                    check64(name, &[x, y], &f, method64_grad(x, y))?;
                    check64(name, &[x, y], &f, path64_grad(x, y))?;
                    check64_wrt(name, &[x, y], &[0], &f, wrt_x_grad(x, y))?;
                    check64_wrt(name, &[x, y], &[1], &f, wrt_y_grad(x, y))?;
                }

                #[test]
                fn f32_method_path((x, y) in $strat) {
                    let name = stringify!($m);
                    let (x, y) = (r32(x), r32(y));
                    let f = |p: &[f64]| method64(p[0], p[1]);
                    check32(name, &[x, y], method32(x, y), &f, method32_grad(x, y))?;
                    check32(name, &[x, y], path32(x, y), &f, path32_grad(x, y))?;
                }
            }
        }
    };
}

binary!(powf, (0.1f64..5.0, -3.0f64..3.0));
binary!(
    log,
    (0.1f64..50.0, 0.2f64..10.0).prop_filter("base near 1", |(_, b)| (b - 1.0).abs() > 0.1)
);
binary!(
    atan2,
    (-5.0f64..5.0, -5.0f64..5.0).prop_filter("near the origin", |(y, x)| x.hypot(*y) > 0.1)
);
binary!(
    hypot,
    (-5.0f64..5.0, -5.0f64..5.0).prop_filter("near the origin", |(x, y)| x.hypot(*y) > 0.1)
);
binary!(
    max,
    (-5.0f64..5.0, -5.0f64..5.0).prop_filter("a tie", |(x, y)| (x - y).abs() > KINK_MARGIN)
);
binary!(
    min,
    (-5.0f64..5.0, -5.0f64..5.0).prop_filter("a tie", |(x, y)| (x - y).abs() > KINK_MARGIN)
);

macro_rules! ternary {
    ($m:ident, $strat:expr) => {
        mod $m {
            use super::*;

            #[gradient]
            fn method64(x: f64, a: f64, b: f64) -> f64 {
                x.$m(a, b)
            }
            #[gradient]
            fn path64(x: f64, a: f64, b: f64) -> f64 {
                f64::$m(x, a, b)
            }
            #[gradient]
            fn method32(x: f32, a: f32, b: f32) -> f32 {
                x.$m(a, b)
            }
            #[gradient]
            fn path32(x: f32, a: f32, b: f32) -> f32 {
                f32::$m(x, a, b)
            }

            proptest! {
                #![proptest_config(config())]

                #[test]
                fn f64_method_path((x, a, b) in $strat) {
                    let name = stringify!($m);
                    let f = |p: &[f64]| method64(p[0], p[1], p[2]);
                    check64(name, &[x, a, b], &f, method64_grad(x, a, b))?;
                    check64(name, &[x, a, b], &f, path64_grad(x, a, b))?;
                }

                #[test]
                fn f32_method_path((x, a, b) in $strat) {
                    let name = stringify!($m);
                    let (x, a, b) = (r32(x), r32(a), r32(b));
                    let f = |p: &[f64]| method64(p[0], p[1], p[2]);
                    check32(name, &[x, a, b], method32(x, a, b), &f, method32_grad(x, a, b))?;
                    check32(name, &[x, a, b], path32(x, a, b), &f, path32_grad(x, a, b))?;
                }
            }
        }
    };
}

ternary!(mul_add, (-5.0f64..5.0, -5.0f64..5.0, -5.0f64..5.0));
ternary!(
    clamp,
    (-5.0f64..5.0, -3.0f64..0.0, 0.5f64..3.0).prop_filter("near a bound", |(x, lo, hi)| {
        (x - lo).abs() > KINK_MARGIN && (x - hi).abs() > KINK_MARGIN
    })
);

// `powi`: literal exponents (each has its own derivative rule: 0, 1, 2, n) and a run-time one.
mod powi {
    use super::*;

    macro_rules! powi_n {
        ($n64:ident, $n32:ident, $e:expr) => {
            #[gradient]
            fn $n64(x: f64) -> f64 {
                x.powi($e)
            }
            #[gradient]
            fn $n32(x: f32) -> f32 {
                f32::powi(x, $e)
            }
        };
    }
    powi_n!(p0, p0_32, 0);
    powi_n!(p1, p1_32, 1);
    powi_n!(p2, p2_32, 2);
    powi_n!(p3, p3_32, 3);
    powi_n!(p7, p7_32, 7);
    powi_n!(m1, m1_32, -1);
    powi_n!(m3, m3_32, -3);

    #[gradient]
    fn path(x: f64) -> f64 {
        f64::powi(x, 3)
    }

    #[gradient]
    fn runtime(x: f64, n: i32) -> f64 {
        x.powi(n)
    }

    #[gradient]
    fn runtime32(x: f32, n: i32) -> f32 {
        x.powi(n)
    }

    #[gradient]
    fn runtime_expr(x: f64, n: i32) -> f64 {
        x.powi(2 * n - 1)
    }

    fn x_strat() -> impl Strategy<Value = f64> {
        away(-3.0..3.0, |x| x.abs() / 100.0)
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn f64_literal_exponents(x in x_strat()) {
            check64("powi(0)", &[x], &|p| p0(p[0]), p0_grad(x))?;
            check64("powi(1)", &[x], &|p| p1(p[0]), p1_grad(x))?;
            check64("powi(2)", &[x], &|p| p2(p[0]), p2_grad(x))?;
            check64("powi(3)", &[x], &|p| p3(p[0]), p3_grad(x))?;
            check64("powi(7)", &[x], &|p| p7(p[0]), p7_grad(x))?;
            check64("powi(-1)", &[x], &|p| m1(p[0]), m1_grad(x))?;
            check64("powi(-3)", &[x], &|p| m3(p[0]), m3_grad(x))?;
            check64("f64::powi", &[x], &|p| path(p[0]), path_grad(x))?;
        }

        #[test]
        fn f32_literal_exponents(x in x_strat()) {
            let x = r32(x);
            check32("powi(0)", &[x], p0_32(x), &|p| p0(p[0]), p0_32_grad(x))?;
            check32("powi(1)", &[x], p1_32(x), &|p| p1(p[0]), p1_32_grad(x))?;
            check32("powi(2)", &[x], p2_32(x), &|p| p2(p[0]), p2_32_grad(x))?;
            check32("powi(3)", &[x], p3_32(x), &|p| p3(p[0]), p3_32_grad(x))?;
            check32("powi(7)", &[x], p7_32(x), &|p| p7(p[0]), p7_32_grad(x))?;
            check32("powi(-1)", &[x], m1_32(x), &|p| m1(p[0]), m1_32_grad(x))?;
            check32("powi(-3)", &[x], m3_32(x), &|p| m3(p[0]), m3_32_grad(x))?;
        }

        #[test]
        fn runtime_exponent(x in x_strat(), n in -4i32..7) {
            check64("powi(n)", &[x], &|p| runtime(p[0], n), runtime_grad(x, n))?;
            check64("powi(2n-1)", &[x], &|p| runtime_expr(p[0], n), runtime_expr_grad(x, n))?;
            let x32 = r32(x);
            check32("powi(n)", &[x32], runtime32(x32, n), &|p| runtime(p[0], n), runtime32_grad(x32, n))?;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Operators, bindings and blocks (the bodies are identical in f64 and f32)
// ---------------------------------------------------------------------------------------------

/// Defines the same body as an f64 and an f32 `#[gradient]` function. (Bodies coming from a
/// `macro_rules!` invocation work, see `tests/ui/pass_macro_rules_body.rs`; the control-flow
/// functions below are still written out for each type, which reads more plainly.)
macro_rules! twin {
    ($n64:ident, $n32:ident, ($($p:ident),*) $body:block) => {
        #[gradient]
        fn $n64($($p: f64),*) -> f64 $body
        #[gradient]
        fn $n32($($p: f32),*) -> f32 $body
    };
}

twin!(arith, arith32, (x, y) {
    x + y * x - y / (x * x + 1.0) - -x + (-y) * 2.5
});

twin!(neg_paren, neg_paren32, (x, y) {
    -(x - (y * (x + 2.0))) / (-(y * y) - 1.5)
});

twin!(compound, compound32, (x, y) {
    let mut a = x;
    a += y;
    a *= x;
    a -= 2.0 * y;
    a /= y * y + 1.0;
    a += a;
    a
});

twin!(shadowing, shadowing32, (x, y) {
    let x = x * y;
    let x = x.sin() + x;
    let y = y + x;
    x * y
});

#[gradient]
fn typed_let32(x: f32, y: f32) -> f32 {
    let a: f32 = x * 2.0;
    let b = a * y;
    let c: f32 = b - a;
    c * c
}

twin!(blocks, blocks32, (x, y) {
    let z = {
        let t = x * y;
        let u = { t + 1.0 };
        u * t
    };
    z * { x - 1.0 } + { y }
});

twin!(unused_param, unused_param32, (x, _y) {
    x * 3.0
});

twin!(reuse, reuse32, (x) {
    // One value read many times: the contributions to its adjoint add up.
    let s = x.sin();
    s * s + s * x + s
});

twin!(repeated_param, repeated_param32, (x, y) {
    x * x * x + x * y * x + y
});

proptest! {
    #![proptest_config(config())]

    #[test]
    fn operators((x, y) in (-3.0f64..3.0, -3.0f64..3.0)) {
        let xy = [x, y];
        check64("arith", &xy, &|p| arith(p[0], p[1]), arith_grad(x, y))?;
        check64("neg_paren", &xy, &|p| neg_paren(p[0], p[1]), neg_paren_grad(x, y))?;
        check64("compound", &xy, &|p| compound(p[0], p[1]), compound_grad(x, y))?;
        check64("shadowing", &xy, &|p| shadowing(p[0], p[1]), shadowing_grad(x, y))?;
        check64("blocks", &xy, &|p| blocks(p[0], p[1]), blocks_grad(x, y))?;
        check64("unused_param", &xy, &|p| unused_param(p[0], p[1]), unused_param_grad(x, y))?;
        check64("reuse", &[x], &|p| reuse(p[0]), reuse_grad(x))?;
        check64("repeated_param", &xy, &|p| repeated_param(p[0], p[1]), repeated_param_grad(x, y))?;

        let (x, y) = (r32(x), r32(y));
        let xy = [x, y];
        check32("arith", &xy, arith32(x, y), &|p| arith(p[0], p[1]), arith32_grad(x, y))?;
        check32("neg_paren", &xy, neg_paren32(x, y), &|p| neg_paren(p[0], p[1]), neg_paren32_grad(x, y))?;
        check32("compound", &xy, compound32(x, y), &|p| compound(p[0], p[1]), compound32_grad(x, y))?;
        check32("shadowing", &xy, shadowing32(x, y), &|p| shadowing(p[0], p[1]), shadowing32_grad(x, y))?;
        check32("blocks", &xy, blocks32(x, y), &|p| blocks(p[0], p[1]), blocks32_grad(x, y))?;
        check32("unused_param", &xy, unused_param32(x, y), &|p| unused_param(p[0], p[1]), unused_param32_grad(x, y))?;
        check32("reuse", &[x], reuse32(x), &|p| reuse(p[0]), reuse32_grad(x))?;
        check32("repeated_param", &xy, repeated_param32(x, y), &|p| repeated_param(p[0], p[1]), repeated_param32_grad(x, y))?;
    }

    #[test]
    fn typed_let_both_types((x, y) in (-3.0f64..3.0, -3.0f64..3.0)) {
        let (x, y) = (r32(x), r32(y));
        check32("typed_let", &[x, y], typed_let32(x, y), &|p| typed_let64(p[0], p[1]), typed_let32_grad(x, y))?;
        let (x, y) = (x as f64, y as f64);
        check64("typed_let", &[x, y], &|p| typed_let64(p[0], p[1]), typed_let64_grad(x, y))?;
    }
}

#[gradient]
fn typed_let64(x: f64, y: f64) -> f64 {
    let a: f64 = x * 2.0;
    let b = a * y;
    let c: f64 = b - a;
    c * c
}

#[test]
fn unused_param_has_zero_gradient() {
    assert_eq!(unused_param_grad(2.0, 5.0), (6.0, [3.0, 0.0]));
    assert_eq!(unused_param32_grad(2.0, 5.0), (6.0, [3.0, 0.0]));
}

// ---------------------------------------------------------------------------------------------
// Constants and integer casts
// ---------------------------------------------------------------------------------------------

#[gradient]
fn consts64(x: f64) -> f64 {
    std::f64::consts::PI * x + core::f64::consts::E * x * x - std::f64::consts::LN_2
        + std::f64::consts::FRAC_1_SQRT_2 * x.sin()
        + f64::EPSILON
        + core::f64::consts::TAU / x.exp()
}

#[gradient]
fn consts32(x: f32) -> f32 {
    std::f32::consts::PI * x + core::f32::consts::E * x * x - std::f32::consts::LN_2
        + std::f32::consts::FRAC_1_SQRT_2 * x.sin()
        + f32::EPSILON
        + core::f32::consts::TAU / x.exp()
}

/// A module-level constant is carried along as written.
const SCALE: f64 = 2.5;
const SCALE32: f32 = 2.5;

#[gradient]
fn user_const(x: f64) -> f64 {
    SCALE * x * x
}

#[gradient]
fn user_const32(x: f32) -> f32 {
    SCALE32 * x * x
}

#[gradient]
fn int_cast(x: f64, n: usize, k: i32, b: u8) -> f64 {
    let m = n * 2 + 1;
    let kk = k - 3;
    x * m as f64 + (kk as f64) * x * x + (b as f64).sqrt() * x + (n + b as usize) as f64
}

#[gradient]
fn int_cast32(x: f32, n: usize, k: i32, b: u8) -> f32 {
    let m = n * 2 + 1;
    let kk = k - 3;
    x * m as f32 + (kk as f32) * x * x + (b as f32).sqrt() * x + (n + b as usize) as f32
}

#[gradient]
fn int_cast_f64_twin(x: f64, n: usize, k: i32, b: u8) -> f64 {
    int_cast(x, n, k, b)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn std_and_core_consts(x in -3.0f64..3.0) {
        check64("consts", &[x], &|p| consts64(p[0]), consts64_grad(x))?;
        check64("user_const", &[x], &|p| user_const(p[0]), user_const_grad(x))?;
        let x32 = r32(x);
        check32("consts", &[x32], consts32(x32), &|p| consts64(p[0]), consts32_grad(x32))?;
        check32("user_const", &[x32], user_const32(x32), &|p| user_const(p[0]), user_const32_grad(x32))?;
    }

    #[test]
    fn integer_casts(x in -3.0f64..3.0, n in 0usize..20, k in -5i32..5, b in 0u8..255) {
        let f = |p: &[f64]| int_cast(p[0], n, k, b);
        check64("int_cast", &[x], &f, int_cast_grad(x, n, k, b))?;
        // Exact: d/dx = m + 2·kk·x + sqrt(b).
        let want = (2 * n + 1) as f64 + 2.0 * (k - 3) as f64 * x + (b as f64).sqrt();
        let (_, [got]) = int_cast_grad(x, n, k, b);
        prop_assert!((got - want).abs() <= 1e-12 * (1.0 + want.abs()), "{got} vs {want}");
        let x32 = r32(x);
        check32("int_cast", &[x32], int_cast32(x32, n, k, b), &f, int_cast32_grad(x32, n, k, b))?;
        // A call of a `#[gradient]` function with constant int arguments.
        check64("int_cast via call", &[x], &f, int_cast_f64_twin_grad(x, n, k, b))?;
    }
}

// ---------------------------------------------------------------------------------------------
// Control flow: if/else (statement and expression), conditions, early return, mut parameters,
// deferred initialization. Written out for f64 and f32.
// ---------------------------------------------------------------------------------------------

#[gradient]
fn piecewise(x: f64) -> f64 {
    if x > 0.0 {
        x * x
    } else {
        -x
    }
}

#[gradient]
fn piecewise32(x: f32) -> f32 {
    if x > 0.0 {
        x * x
    } else {
        -x
    }
}

#[gradient]
fn else_if_chain(x: f64, y: f64) -> f64 {
    let s = x * y;
    if s > 1.0 && !(x < 0.0) {
        s.sin()
    } else if x < -1.0 || y >= 2.0 {
        x * y * y
    } else if s == 0.5 || x <= y && y != 0.25 {
        let t = x - y;
        t * t
    } else {
        s.exp()
    }
}

#[gradient]
fn else_if_chain32(x: f32, y: f32) -> f32 {
    let s = x * y;
    if s > 1.0 && !(x < 0.0) {
        s.sin()
    } else if x < -1.0 || y >= 2.0 {
        x * y * y
    } else if s == 0.5 || x <= y && y != 0.25 {
        let t = x - y;
        t * t
    } else {
        s.exp()
    }
}

/// Distance from `(x, y)` to the branch boundaries of `else_if_chain` (in a normalized sense).
fn chain_boundary_dist(x: f64, y: f64) -> f64 {
    let s = x * y;
    [
        (s - 1.0).abs() / (x.abs() + y.abs() + 1.0),
        x.abs(),
        (x + 1.0).abs(),
        (y - 2.0).abs(),
        (x - y).abs(),
    ]
    .into_iter()
    .fold(f64::INFINITY, f64::min)
}

#[gradient]
fn if_statement(x: f64, y: f64, flag: bool) -> f64 {
    let mut acc = x;
    let mut other = y;
    if flag && y > 0.0 {
        acc *= y;
        acc += 1.0;
    } else {
        acc -= y * y;
        other = other.exp();
    }
    if x < 0.5 {
        acc = acc * other;
    }
    acc + other
}

#[gradient]
fn if_statement32(x: f32, y: f32, flag: bool) -> f32 {
    let mut acc = x;
    let mut other = y;
    if flag && y > 0.0 {
        acc *= y;
        acc += 1.0;
    } else {
        acc -= y * y;
        other = other.exp();
    }
    if x < 0.5 {
        acc = acc * other;
    }
    acc + other
}

#[gradient]
fn if_expr_in_let(x: f64, y: f64) -> f64 {
    let a = if x > y { x - y } else { (y - x) * 2.0 };
    let b = 1.0 + if a > 1.0 { a.ln() } else { a * a };
    a * b
}

#[gradient]
fn if_expr_in_let32(x: f32, y: f32) -> f32 {
    let a = if x > y { x - y } else { (y - x) * 2.0 };
    let b = 1.0 + if a > 1.0 { a.ln() } else { a * a };
    a * b
}

#[gradient]
fn early_return(x: f64, y: f64) -> f64 {
    if x < -1.0 {
        return -x * y;
    }
    let z = x + 2.0;
    if y > 1.0 {
        let w = z * y;
        if w > 4.0 {
            return w.sqrt();
        }
        return w * w;
    } else if y < -1.0 {
        return z.ln() * y;
    }
    z * y + x
}

#[gradient]
fn early_return32(x: f32, y: f32) -> f32 {
    if x < -1.0 {
        return -x * y;
    }
    let z = x + 2.0;
    if y > 1.0 {
        let w = z * y;
        if w > 4.0 {
            return w.sqrt();
        }
        return w * w;
    } else if y < -1.0 {
        return z.ln() * y;
    }
    z * y + x
}

#[gradient]
fn return_at_end(x: f64) -> f64 {
    let y = x * x;
    return y + x;
}

#[gradient]
fn mut_params(mut x: f64, mut y: f64) -> f64 {
    x = x * y;
    y += x;
    x *= x;
    if y > 0.0 {
        y = y.sqrt();
    }
    x + y
}

#[gradient]
fn mut_params32(mut x: f32, mut y: f32) -> f32 {
    x = x * y;
    y += x;
    x *= x;
    if y > 0.0 {
        y = y.sqrt();
    }
    x + y
}

#[gradient]
fn deferred_init(x: f64, y: f64) -> f64 {
    let z;
    if x > 0.0 {
        z = x * y;
    } else {
        z = -x * 2.0;
    }
    z * y
}

#[gradient]
fn deferred_init32(x: f32, y: f32) -> f32 {
    let z;
    if x > 0.0 {
        z = x * y;
    } else {
        z = -x * 2.0;
    }
    z * y
}

/// Conditions on an integer parameter and a non-float method of a float.
#[gradient]
fn int_and_bool_conditions(x: f64, n: usize) -> f64 {
    let k = n % 3;
    if k == 0 || x.is_sign_negative() {
        x * 2.0
    } else if k == 1 {
        x * x
    } else {
        x.sin()
    }
}

#[gradient]
fn int_and_bool_conditions32(x: f32, n: usize) -> f32 {
    let k = n % 3;
    if k == 0 || x.is_sign_negative() {
        x * 2.0
    } else if k == 1 {
        x * x
    } else {
        x.sin()
    }
}

/// `assert!` on constants is kept; it reads no differentiated value.
#[gradient]
fn with_assert(x: f64, n: usize) -> f64 {
    assert!(n > 0, "n must be positive");
    debug_assert_ne!(n, 0, "n must not be 0");
    x * n as f64
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn if_else_piecewise(x in away(-3.0..3.0, dist_zero)) {
        check64("piecewise", &[x], &|p| piecewise(p[0]), piecewise_grad(x))?;
        let x32 = r32(x);
        check32("piecewise", &[x32], piecewise32(x32), &|p| piecewise(p[0]), piecewise32_grad(x32))?;
    }

    #[test]
    fn if_else_chain_with_logic(
        (x, y) in (-3.0f64..3.0, -3.0f64..3.0)
            .prop_filter("near a branch boundary", |(x, y)| chain_boundary_dist(*x, *y) > 1e-3)
    ) {
        let f = |p: &[f64]| else_if_chain(p[0], p[1]);
        check64("else_if_chain", &[x, y], &f, else_if_chain_grad(x, y))?;
        let (x, y) = (r32(x), r32(y));
        check32("else_if_chain", &[x, y], else_if_chain32(x, y), &f, else_if_chain32_grad(x, y))?;
    }

    #[test]
    fn if_as_statement(
        (x, y) in (-3.0f64..3.0, -3.0f64..3.0)
            .prop_filter("near a branch boundary", |(x, y)| y.abs() > 1e-3 && (x - 0.5).abs() > 1e-3),
        flag in any::<bool>()
    ) {
        let f = |p: &[f64]| if_statement(p[0], p[1], flag);
        check64("if_statement", &[x, y], &f, if_statement_grad(x, y, flag))?;
        let (x, y) = (r32(x), r32(y));
        check32("if_statement", &[x, y], if_statement32(x, y, flag), &f, if_statement32_grad(x, y, flag))?;
    }

    #[test]
    fn if_as_expression(
        (x, y) in (-3.0f64..3.0, -3.0f64..3.0).prop_filter("near a branch boundary", |(x, y)| {
            let a = if x > y { x - y } else { (y - x) * 2.0 };
            (x - y).abs() > 1e-3 && (a - 1.0).abs() > 1e-3
        })
    ) {
        let f = |p: &[f64]| if_expr_in_let(p[0], p[1]);
        check64("if_expr_in_let", &[x, y], &f, if_expr_in_let_grad(x, y))?;
        let (x, y) = (r32(x), r32(y));
        check32("if_expr_in_let", &[x, y], if_expr_in_let32(x, y), &f, if_expr_in_let32_grad(x, y))?;
    }

    #[test]
    fn early_returns(
        (x, y) in (-3.0f64..3.0, -3.0f64..3.0).prop_filter("near a branch boundary", |(x, y)| {
            let w = (x + 2.0) * y;
            (x + 1.0).abs() > 1e-3 && (y.abs() - 1.0).abs() > 1e-3 && (w - 4.0).abs() > 1e-2
        })
    ) {
        let f = |p: &[f64]| early_return(p[0], p[1]);
        check64("early_return", &[x, y], &f, early_return_grad(x, y))?;
        check64("return_at_end", &[x], &|p| return_at_end(p[0]), return_at_end_grad(x))?;
        let (x, y) = (r32(x), r32(y));
        check32("early_return", &[x, y], early_return32(x, y), &f, early_return32_grad(x, y))?;
    }

    #[test]
    fn mut_params_and_deferred_init(
        (x, y) in (-3.0f64..3.0, -3.0f64..3.0).prop_filter("near a branch boundary", |(x, y)| {
            x.abs() > 1e-3 && (y + x * y).abs() > 1e-2
        })
    ) {
        let f = |p: &[f64]| mut_params(p[0], p[1]);
        check64("mut_params", &[x, y], &f, mut_params_grad(x, y))?;
        let g = |p: &[f64]| deferred_init(p[0], p[1]);
        check64("deferred_init", &[x, y], &g, deferred_init_grad(x, y))?;
        let (x, y) = (r32(x), r32(y));
        check32("mut_params", &[x, y], mut_params32(x, y), &f, mut_params32_grad(x, y))?;
        check32("deferred_init", &[x, y], deferred_init32(x, y), &g, deferred_init32_grad(x, y))?;
    }

    #[test]
    fn conditions_on_constants(x in away(-3.0..3.0, dist_zero), n in 0usize..10) {
        let f = |p: &[f64]| int_and_bool_conditions(p[0], n);
        check64("int_and_bool_conditions", &[x], &f, int_and_bool_conditions_grad(x, n))?;
        let x32 = r32(x);
        check32("int_and_bool_conditions", &[x32], int_and_bool_conditions32(x32, n), &f, int_and_bool_conditions32_grad(x32, n))?;
        let n = n + 1;
        check64("with_assert", &[x], &|p| with_assert(p[0], n), with_assert_grad(x, n))?;
    }
}

/// Assignments inside `if` expressions that also give a value, an early return after them, a block
/// that shadows a name, and a nested early return.
#[gradient]
fn tangled(x: f64, y: f64) -> f64 {
    let mut a = x * y;
    let mut b = y;
    let c = if a > 0.0 {
        a += 1.0;
        b *= a;
        a * 2.0
    } else {
        b = b - a;
        a
    };
    if b > 2.0 {
        a = a.sin();
        if c > 3.0 {
            return a * b * c;
        }
        b += c;
    } else if b < -2.0 {
        return b.exp() + a;
    }
    let d = {
        let a = a * 3.0;
        a + b
    };
    d * c + a
}

#[gradient]
fn tangled32(x: f32, y: f32) -> f32 {
    let mut a = x * y;
    let mut b = y;
    let c = if a > 0.0 {
        a += 1.0;
        b *= a;
        a * 2.0
    } else {
        b = b - a;
        a
    };
    if b > 2.0 {
        a = a.sin();
        if c > 3.0 {
            return a * b * c;
        }
        b += c;
    } else if b < -2.0 {
        return b.exp() + a;
    }
    let d = {
        let a = a * 3.0;
        a + b
    };
    d * c + a
}

/// The branch decisions of `tangled`, computed in plain Rust.
fn tangled_branches(p: &[f64]) -> (bool, bool, bool, bool) {
    let (x, y) = (p[0], p[1]);
    let a = x * y;
    let (a1, b, c) = if a > 0.0 {
        (a + 1.0, y * (a + 1.0), 2.0 * (a + 1.0))
    } else {
        (a, y - a, a)
    };
    let _ = a1;
    (a > 0.0, b > 2.0, b < -2.0, c > 3.0)
}

/// True when the branch decisions are the same within `KINK_MARGIN` along every coordinate, so no
/// finite-difference stencil crosses a branch boundary.
fn same_branches_nearby<T: PartialEq>(branches: fn(&[f64]) -> T, x: &[f64]) -> bool {
    let here = branches(x);
    (0..x.len()).all(|k| {
        [-KINK_MARGIN, KINK_MARGIN].iter().all(|d| {
            let mut p = x.to_vec();
            p[k] += d;
            branches(&p) == here
        })
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn tangled_control_flow(
        (x, y) in (-3.0f64..3.0, -3.0f64..3.0)
            .prop_filter("near a branch boundary", |(x, y)| same_branches_nearby(tangled_branches, &[*x, *y]))
    ) {
        let f = |p: &[f64]| tangled(p[0], p[1]);
        check64("tangled", &[x, y], &f, tangled_grad(x, y))?;
        let (x, y) = (r32(x), r32(y));
        check32("tangled", &[x, y], tangled32(x, y), &f, tangled32_grad(x, y))?;
    }
}

// ---------------------------------------------------------------------------------------------
// A realistic composite, to exercise many rules in one adjoint program.
// ---------------------------------------------------------------------------------------------

#[gradient]
fn composite(a: f64, b: f64, c: f64) -> f64 {
    let r = a.hypot(b) + 1.0;
    let s = (a * b).sin().powi(2) + c.tanh() * r.ln();
    let t = (s / r).exp().mul_add(c, a.atan2(b + 5.0));
    let u = (c * c + 0.5).sqrt().powf(1.5) - t.cosh().recip();
    u * s + t.max(0.1 * a) - (b / r).clamp(-0.5, 0.5)
}

#[gradient]
fn composite32(a: f32, b: f32, c: f32) -> f32 {
    let r = a.hypot(b) + 1.0;
    let s = (a * b).sin().powi(2) + c.tanh() * r.ln();
    let t = (s / r).exp().mul_add(c, a.atan2(b + 5.0));
    let u = (c * c + 0.5).sqrt().powf(1.5) - t.cosh().recip();
    u * s + t.max(0.1 * a) - (b / r).clamp(-0.5, 0.5)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn composite_of_many_rules(
        (a, b, c) in (-2.0f64..2.0, -2.0f64..2.0, -2.0f64..2.0).prop_filter("near a kink", |(a, b, c)| {
            let r = a.hypot(*b) + 1.0;
            let s = (a * b).sin().powi(2) + c.tanh() * r.ln();
            let t = (s / r).exp().mul_add(*c, a.atan2(b + 5.0));
            a.hypot(*b) > 1e-2 && (t - 0.1 * a).abs() > 1e-3 && ((b / r).abs() - 0.5).abs() > 1e-3
        })
    ) {
        let f = |p: &[f64]| composite(p[0], p[1], p[2]);
        check64("composite", &[a, b, c], &f, composite_grad(a, b, c))?;
        let (a, b, c) = (r32(a), r32(b), r32(c));
        check32("composite", &[a, b, c], composite32(a, b, c), &f, composite32_grad(a, b, c))?;
    }
}
