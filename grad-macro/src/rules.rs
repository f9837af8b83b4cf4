//! The table of primitive operations: each elementary function, how the user may write it, how it is
//! folded, and its local derivative. Every mode (reverse, forward, and second order as forward over
//! reverse, which differentiates the derivative operations too) reads its derivatives from
//! [`partial`] and nowhere else.

use crate::ir::{Builder, Operand};
use proc_macro2::Span;

/// A primitive float operation.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Prim {
    Add,
    Sub,
    Mul,
    Div,
    Neg,
    // Unary methods.
    Sqrt,
    Cbrt,
    Exp,
    Exp2,
    ExpM1,
    Ln,
    Log2,
    Log10,
    Ln1p,
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Sinh,
    Cosh,
    Tanh,
    Asinh,
    Acosh,
    Atanh,
    Abs,
    Signum,
    Recip,
    ToDegrees,
    ToRadians,
    Floor,
    Ceil,
    Round,
    RoundTiesEven,
    Trunc,
    Fract,
    /// `(x as f32) as f64` in an `f64` function: `x` rounded to the nearest `f32`, a step
    /// function whose steps are too fine for any difference quotient to see, so its slope is
    /// taken as 1 (the identity it stands for), as JAX does for a cast through `float32`.
    Narrow,
    // Methods with more operands (the receiver first).
    PowI,
    Powf,
    Log,
    Atan2,
    Hypot,
    /// `x.copysign(y)`: `|x|` with the sign of `y`.
    Copysign,
    /// `x.rem_euclid(m)`: `x - m · x.div_euclid(m)`.
    RemEuclid,
    /// `x.div_euclid(m)`: a whole number, constant between its jumps.
    DivEuclid,
    /// `x % m` (the remainder truncated toward zero): `x - m · (x / m).trunc()`.
    Rem,
    Max,
    Min,
    MulAdd,
    Clamp,
    // Emitted by derivative rules only.
    /// The sign of `x`, with 0 at 0 (`signum` gives ±1 at ±0).
    Sign0,
    /// 1 where `a == b`, else 0.
    IsEq,
    /// 1 where `a < b`, else 0.
    IsLt,
    /// `a / b`, or 0 where `b == 0`.
    DivOr0,
    /// `a * b`, or 0 where `b == 0` (even if `a` is infinite).
    MulOr0,
    /// `n * x^(n-1)` for an integer `n`: the derivative of `powi`, 0 where `n == 0`.
    PowIDeriv,
}

/// The methods users may call on floats, by name, with their number of arguments besides the receiver.
const METHODS: &[(&str, Prim, usize)] = &[
    ("sqrt", Prim::Sqrt, 0),
    ("cbrt", Prim::Cbrt, 0),
    ("exp", Prim::Exp, 0),
    ("exp2", Prim::Exp2, 0),
    ("exp_m1", Prim::ExpM1, 0),
    ("ln", Prim::Ln, 0),
    ("log2", Prim::Log2, 0),
    ("log10", Prim::Log10, 0),
    ("ln_1p", Prim::Ln1p, 0),
    ("sin", Prim::Sin, 0),
    ("cos", Prim::Cos, 0),
    ("tan", Prim::Tan, 0),
    ("asin", Prim::Asin, 0),
    ("acos", Prim::Acos, 0),
    ("atan", Prim::Atan, 0),
    ("sinh", Prim::Sinh, 0),
    ("cosh", Prim::Cosh, 0),
    ("tanh", Prim::Tanh, 0),
    ("asinh", Prim::Asinh, 0),
    ("acosh", Prim::Acosh, 0),
    ("atanh", Prim::Atanh, 0),
    ("abs", Prim::Abs, 0),
    ("signum", Prim::Signum, 0),
    ("recip", Prim::Recip, 0),
    ("to_degrees", Prim::ToDegrees, 0),
    ("to_radians", Prim::ToRadians, 0),
    ("floor", Prim::Floor, 0),
    ("ceil", Prim::Ceil, 0),
    ("round", Prim::Round, 0),
    ("round_ties_even", Prim::RoundTiesEven, 0),
    ("trunc", Prim::Trunc, 0),
    ("fract", Prim::Fract, 0),
    ("powi", Prim::PowI, 1),
    ("powf", Prim::Powf, 1),
    ("log", Prim::Log, 1),
    ("atan2", Prim::Atan2, 1),
    ("hypot", Prim::Hypot, 1),
    ("copysign", Prim::Copysign, 1),
    ("rem_euclid", Prim::RemEuclid, 1),
    ("div_euclid", Prim::DivEuclid, 1),
    ("max", Prim::Max, 1),
    ("min", Prim::Min, 1),
    ("mul_add", Prim::MulAdd, 2),
    ("clamp", Prim::Clamp, 2),
];

/// Float methods that return no float (`is_nan`, `to_bits`, ...): allowed, never differentiated.
pub const NON_FLOAT_METHODS: &[&str] = &[
    "is_nan",
    "is_finite",
    "is_infinite",
    "is_normal",
    "is_subnormal",
    "is_sign_positive",
    "is_sign_negative",
    "to_bits",
    "total_cmp",
    "partial_cmp",
    "classify",
];

impl Prim {
    /// The float method called `name`, with its number of arguments besides the receiver.
    pub fn from_method(name: &str) -> Option<(Prim, usize)> {
        METHODS
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, p, a)| (*p, *a))
    }

    /// The names users may write, for error messages.
    pub fn method_names() -> impl Iterator<Item = &'static str> {
        METHODS.iter().map(|(n, _, _)| *n)
    }

    /// The Rust method name of a method-like primitive.
    pub fn method_name(self) -> Option<&'static str> {
        METHODS
            .iter()
            .find(|(_, p, _)| *p == self)
            .map(|(n, _, _)| *n)
    }

    /// The value of the operation on constants, where folding cannot change the result.
    pub fn fold(self, args: &[Operand]) -> Option<f64> {
        let c = |i: usize| args.get(i).and_then(|a| a.as_const());
        match self {
            Prim::Add => Some(c(0)? + c(1)?),
            Prim::Sub => Some(c(0)? - c(1)?),
            Prim::Mul => Some(c(0)? * c(1)?),
            Prim::Div => Some(c(0)? / c(1)?),
            // Exact in IEEE arithmetic, like the four operations.
            Prim::Rem => Some(c(0)? % c(1)?),
            Prim::Neg => Some(-c(0)?),
            Prim::Narrow => Some(f64::from(c(0)? as f32)),
            Prim::Sign0 => {
                let x = c(0)?;
                Some(if x > 0.0 {
                    1.0
                } else if x < 0.0 {
                    -1.0
                } else {
                    0.0
                })
            }
            // Transcendental functions are left to run time: the platform's libm decides their
            // last bit, and the value must equal what the original function returns.
            _ => None,
        }
    }
}

/// The partial derivative of `res = op(args)` with respect to `args[i]`, built into `b`.
///
/// Conventions at points where the derivative does not exist (documented in the `grad` crate):
/// `abs` → 0 at 0; `max`/`min` → half to each argument on a tie; `clamp` → the bound that is returned when
/// `x` lies outside, `x` itself on the bounds; `hypot` → 0 at the origin; piecewise-constant functions
/// (`floor`, `ceil`, `round`, `trunc`, `signum`) → 0.
pub fn partial(
    b: &mut Builder,
    op: Prim,
    args: &[Operand],
    res: Operand,
    i: usize,
    span: Span,
) -> Operand {
    use Operand::Const;
    let x = args[0];
    let one = Const(1.0);
    match op {
        Prim::Add => one,
        Prim::Sub => Const(if i == 0 { 1.0 } else { -1.0 }),
        Prim::Mul => args[1 - i],
        Prim::Div if i == 0 => b.div(one, args[1], span),
        // d(1/b)/db = -1/b² = -res²: no second division.
        Prim::Div if args[0] == one => {
            let r2 = b.mul(res, res, span);
            b.neg(r2, span)
        }
        Prim::Div => {
            let q = b.div(res, args[1], span);
            b.neg(q, span)
        }
        Prim::Neg => Const(-1.0),
        Prim::Sqrt => b.div(Const(0.5), res, span),
        Prim::Cbrt => {
            let r2 = b.mul(res, res, span);
            let d = b.mul(Const(3.0), r2, span);
            b.div(one, d, span)
        }
        Prim::Exp => res,
        Prim::Exp2 => b.mul(res, Const(std::f64::consts::LN_2), span),
        Prim::ExpM1 => b.add(res, one, span),
        Prim::Ln => b.div(one, x, span),
        Prim::Log2 => {
            let d = b.mul(x, Const(std::f64::consts::LN_2), span);
            b.div(one, d, span)
        }
        Prim::Log10 => {
            let d = b.mul(x, Const(std::f64::consts::LN_10), span);
            b.div(one, d, span)
        }
        Prim::Ln1p => {
            let d = b.add(one, x, span);
            b.div(one, d, span)
        }
        Prim::Log => {
            let base = args[1];
            let ln_base = b.prim(Prim::Ln, vec![base], span);
            if i == 0 {
                let d = b.mul(x, ln_base, span);
                b.div(one, d, span)
            } else {
                let d = b.mul(base, ln_base, span);
                let q = b.div(res, d, span);
                b.neg(q, span)
            }
        }
        Prim::Sin => b.prim(Prim::Cos, vec![x], span),
        Prim::Cos => {
            let s = b.prim(Prim::Sin, vec![x], span);
            b.neg(s, span)
        }
        Prim::Tan => {
            let r2 = b.mul(res, res, span);
            b.add(one, r2, span)
        }
        Prim::Asin | Prim::Acos => {
            let x2 = b.mul(x, x, span);
            let d = b.sub(one, x2, span);
            let s = b.prim(Prim::Sqrt, vec![d], span);
            let q = b.div(one, s, span);
            if op == Prim::Acos {
                b.neg(q, span)
            } else {
                q
            }
        }
        Prim::Atan => {
            let x2 = b.mul(x, x, span);
            let d = b.add(one, x2, span);
            b.div(one, d, span)
        }
        Prim::Atan2 => {
            // res = atan2(y, x) with y = args[0], x = args[1].
            let (y, xx) = (args[0], args[1]);
            let y2 = b.mul(y, y, span);
            let x2 = b.mul(xx, xx, span);
            let r2 = b.add(x2, y2, span);
            if i == 0 {
                b.div(xx, r2, span)
            } else {
                let q = b.div(y, r2, span);
                b.neg(q, span)
            }
        }
        Prim::Sinh => b.prim(Prim::Cosh, vec![x], span),
        Prim::Cosh => b.prim(Prim::Sinh, vec![x], span),
        Prim::Tanh => {
            let r2 = b.mul(res, res, span);
            b.sub(one, r2, span)
        }
        Prim::Asinh | Prim::Acosh => {
            let x2 = b.mul(x, x, span);
            let d = if op == Prim::Asinh {
                b.add(x2, one, span)
            } else {
                b.sub(x2, one, span)
            };
            let s = b.prim(Prim::Sqrt, vec![d], span);
            b.div(one, s, span)
        }
        Prim::Atanh => {
            let x2 = b.mul(x, x, span);
            let d = b.sub(one, x2, span);
            b.div(one, d, span)
        }
        Prim::Abs => b.prim(Prim::Sign0, vec![x], span),
        Prim::Signum
        | Prim::Floor
        | Prim::Ceil
        | Prim::Round
        | Prim::RoundTiesEven
        | Prim::Trunc => Const(0.0),
        Prim::Fract | Prim::Narrow => one,
        Prim::Recip => {
            let r2 = b.mul(res, res, span);
            b.neg(r2, span)
        }
        Prim::ToDegrees => Const(180.0 / std::f64::consts::PI),
        Prim::ToRadians => Const(std::f64::consts::PI / 180.0),
        Prim::PowI => match args[1] {
            Operand::Int(0) => Const(0.0),
            Operand::Int(1) => one,
            Operand::Int(2) => b.mul(Const(2.0), x, span),
            Operand::Int(n) => {
                let p = b.prim(Prim::PowI, vec![x, Operand::Int(n - 1)], span);
                b.mul(Const(n as f64), p, span)
            }
            // A run-time exponent: 0 where it is 0 (`0 · x⁻¹` would be NaN at x = 0).
            n => b.prim(Prim::PowIDeriv, vec![x, n], span),
        },
        Prim::Powf if i == 0 => {
            // y · x^(y-1), and 0 where y = 0 (x^y is then constant, even at x = 0).
            let y = args[1];
            let ym1 = b.sub(y, one, span);
            let p = b.prim(Prim::Powf, vec![x, ym1], span);
            b.prim(Prim::MulOr0, vec![p, y], span)
        }
        Prim::Powf => {
            // ln(x) · x^y, and 0 where x^y = 0 (x = 0 with y > 0), as JAX does.
            let l = b.prim(Prim::Ln, vec![x], span);
            b.prim(Prim::MulOr0, vec![l, res], span)
        }
        Prim::Hypot => b.prim(Prim::DivOr0, vec![args[i], res], span),
        // ±1 as the sign is kept or flipped (`res / x`), 0 at x = 0 as for `abs`; the sign taken
        // from `y` is piecewise constant.
        Prim::Copysign if i == 0 => b.prim(Prim::DivOr0, vec![res, x], span),
        Prim::Copysign | Prim::DivEuclid => Const(0.0),
        // x = m · q + res with q = x.div_euclid(m) (for `%`, (x / m).trunc()) constant between
        // its jumps: ∂/∂x = 1, ∂/∂m = -q = -(x - res) / m.
        Prim::RemEuclid | Prim::Rem if i == 0 => one,
        Prim::RemEuclid | Prim::Rem => {
            let t = b.sub(x, res, span);
            let q = b.div(t, args[1], span);
            b.neg(q, span)
        }
        Prim::Max | Prim::Min => {
            // The argument returned gets the derivative, half each on a tie (as JAX's and
            // PyTorch's `maximum` do, and central differences see: the stable softplus
            // `z.max(0.0) + (-z.abs()).exp().ln_1p()` has its slope 1/2 at 0); a NaN argument
            // none (Rust returns the other one).
            let first = b.prim(Prim::IsEq, vec![res, args[0]], span);
            let tie = b.prim(Prim::IsEq, vec![args[0], args[1]], span);
            let half = b.mul(Const(0.5), tie, span);
            if i == 0 {
                b.sub(first, half, span)
            } else {
                let rest = b.sub(one, first, span);
                b.add(rest, half, span)
            }
        }
        Prim::MulAdd => match i {
            0 => args[1],
            1 => args[0],
            _ => one,
        },
        Prim::Clamp => match i {
            0 => b.prim(Prim::IsEq, vec![res, x], span),
            1 => b.prim(Prim::IsLt, vec![x, args[1]], span),
            _ => b.prim(Prim::IsLt, vec![args[2], x], span),
        },
        Prim::Sign0 | Prim::IsEq | Prim::IsLt => Const(0.0),
        // The operations only derivative code uses, differentiated again for second order, with
        // the same zeros: where the first derivative is 0 by convention, so is its derivative.
        // `a / b` or 0 where b = 0: 1/b and -res/b, 0 where b = 0.
        Prim::DivOr0 if i == 0 => b.prim(Prim::DivOr0, vec![one, args[1]], span),
        Prim::DivOr0 => {
            let q = b.prim(Prim::DivOr0, vec![res, args[1]], span);
            b.neg(q, span)
        }
        // `p · a` or 0 where a = 0: ∂/∂p = a (0 there too), ∂/∂a = p.
        Prim::MulOr0 => args[1 - i],
        // `n · x^(n-1)`, 0 where n = 0: ∂/∂x = n · (n-1) · x^(n-2) = n · PowIDeriv(x, n - 1).
        Prim::PowIDeriv => match args[1] {
            Operand::Int(n) => {
                let d = b.prim(Prim::PowIDeriv, vec![x, Operand::Int(n - 1)], span);
                b.mul(Const(f64::from(n)), d, span)
            }
            n => {
                let n = n
                    .val()
                    .expect("an integer exponent is a constant or a value");
                let name = b.func.info(n).name.clone();
                let m = b.opaque(
                    crate::ir::Kind::Int,
                    None,
                    quote::quote!(#name.wrapping_sub(1)),
                    vec![n],
                    span,
                );
                let d = b.prim(Prim::PowIDeriv, vec![x, Operand::Val(m)], span);
                let float_ty = b.func.float_ty;
                let ty = proc_macro2::Ident::new(float_ty.name(), span);
                let nf = b.opaque(
                    crate::ir::Kind::Float,
                    Some(syn::parse_quote!(#ty)),
                    float_ty.convert_int(&quote::ToTokens::to_token_stream(&name)),
                    vec![n],
                    span,
                );
                // 0 where n = 0 (the exponent known at run time), however large x^(n-2) is.
                b.prim(Prim::MulOr0, vec![d, Operand::Val(nf)], span)
            }
        },
    }
}
