//! The scalar type and the few vector operations every module shares.

use std::fmt::{Debug, Display};

use num_traits::Float;

/// The floating-point types everything here is generic over: `f32` and `f64`.
///
/// One short bound instead of a wall of arithmetic traits, so compiler errors stay readable.
/// It is implemented for every `num_traits::Float` that prints, is thread-safe, has a `Default` and is a leaf of
/// a parameter tree ([`Params`](crate::Params)): `f32` and `f64`. As a bound it is all a generic
/// `#[gradient]` function or model needs (`impl<T: Real> Mlp<T> { .. }`), `Params` included.
///
/// ```
/// use grad_runtime::Real;
///
/// fn half<T: Real>(x: T) -> T {
///     x / (T::one() + T::one())
/// }
/// assert_eq!(half(3.0_f32), 1.5);
/// assert_eq!(half(3.0_f64), 1.5);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a floating-point type the optimizers support",
    note = "use `f64` or `f32`"
)]
///
/// `Default` (zero) is in the bound so that values built from `T` (`[T; N]`, tuples of `T`) have
/// one too: generated code needs a placeholder of such a value on the branch that does not make
/// it.
pub trait Real:
    Float + Default + Debug + Display + Send + Sync + 'static + crate::Params<Scalar = Self>
{
}

impl<T: Float + Default + Debug + Display + Send + Sync + 'static + crate::Params<Scalar = T>> Real
    for T
{
}

/// An `f64` constant in `T`. Float-to-float casts cannot fail (out of range gives ±inf).
pub(crate) fn lit<T: Real>(x: f64) -> T {
    T::from(x).unwrap_or_else(T::nan)
}

/// Converts a count to `T` (exact for any count an optimizer reaches).
pub(crate) fn count<T: Real>(n: usize) -> T {
    T::from(n).unwrap_or_else(T::infinity)
}

pub(crate) fn dot<T: Real>(a: &[T], b: &[T]) -> T {
    a.iter().zip(b).fold(T::zero(), |acc, (&x, &y)| acc + x * y)
}

/// The Euclidean norm `‖v‖₂`, the norm every stopping rule of this crate uses.
///
/// ```
/// use grad_runtime::norm;
///
/// assert_eq!(norm(&[3.0, 4.0]), 5.0);
/// assert_eq!(norm::<f32>(&[]), 0.0);
/// ```
pub fn norm<T: Real>(v: &[T]) -> T {
    dot(v, v).sqrt()
}

/// `‖a − b‖₂` without a temporary.
pub(crate) fn distance<T: Real>(a: &[T], b: &[T]) -> T {
    a.iter()
        .zip(b)
        .fold(T::zero(), |acc, (&x, &y)| acc + (x - y) * (x - y))
        .sqrt()
}

pub(crate) fn all_finite<T: Real>(v: &[T]) -> bool {
    v.iter().all(|x| x.is_finite())
}

/// A NaN value (a point not evaluated yet, a start that was not finite) written as `None`, so
/// that formats without NaN, such as JSON, can hold it.
#[cfg(feature = "serde")]
pub(crate) mod nan_as_none {
    use super::Real;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(crate) fn serialize<T: Real + Serialize, S: Serializer>(
        v: &T,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        (!v.is_nan()).then_some(*v).serialize(s)
    }

    pub(crate) fn deserialize<'de, T: Real + Deserialize<'de>, D: Deserializer<'de>>(
        d: D,
    ) -> Result<T, D::Error> {
        Ok(Option::<T>::deserialize(d)?.unwrap_or_else(T::nan))
    }
}
