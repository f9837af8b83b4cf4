//! Directional derivatives and gradient norms.

use std::fmt;

use crate::check::{as_f64, cbrt_eps, check_point, evaluate, relative_error};
use crate::core::{Objective, Real, dot, norm};
use crate::error::Error;

/// Compares the directional derivative `∇f(x)·v̂` (with `v̂ = v/‖v‖`) from the gradient of `f`
/// against the central difference `(f(x + h v̂) − f(x − h v̂)) / 2h`, with
/// `h = ∛ε · max(1, ‖x‖)`. Two extra evaluations whatever the dimension: a cheap spot check for
/// large models (use random directions).
///
/// ```
/// use grad_runtime::check::directional_derivative;
///
/// let f = |w: &[f64], g: &mut [f64]| {
///     g[0] = 2.0 * w[0];
///     g[1] = 6.0 * w[1];
///     w[0] * w[0] + 3.0 * w[1] * w[1]
/// };
/// let d = directional_derivative(f, [1.0, 1.0], [3.0, 4.0])?;
/// assert!((d.analytic - 6.0).abs() < 1e-12); // (2·3 + 6·4) / 5
/// assert!(d.rel_error < 1e-8);
/// # Ok::<(), grad_runtime::Error>(())
/// ```
pub fn directional_derivative<T, A, F, X, V>(
    mut f: F,
    x: X,
    v: V,
) -> Result<DirectionalReport<T>, Error>
where
    T: Real,
    F: Objective<T, A>,
    X: AsRef<[T]>,
    V: AsRef<[T]>,
{
    let (x, v) = (x.as_ref(), v.as_ref());
    check_point(&f, x)?;
    if v.len() != x.len() {
        return Err(Error::DimensionMismatch {
            what: "the direction",
            expected: x.len(),
            found: v.len(),
        });
    }
    let length = norm(v);
    if !(length > T::zero() && length.is_finite()) {
        return Err(Error::InvalidParameter {
            name: "v",
            requirement: "the direction must be non-zero and finite",
            value: as_f64(length),
        });
    }
    let (_, grad) = evaluate(&mut f, x)?;
    let analytic = dot(&grad, v) / length;
    let step = cbrt_eps::<T>() * norm(x).max(T::one());
    let mut probe = vec![T::zero(); x.len()];
    let mut scratch = vec![T::zero(); x.len()];
    let mut at = |t: T, probe: &mut Vec<T>| {
        for ((p, &xi), &vi) in probe.iter_mut().zip(x).zip(v) {
            *p = xi + t * vi / length;
        }
        f.eval(probe, &mut scratch)
    };
    let numeric = (at(step, &mut probe) - at(-step, &mut probe)) / (step + step);
    Ok(DirectionalReport {
        analytic,
        numeric,
        abs_error: (analytic - numeric).abs(),
        rel_error: relative_error(analytic, numeric),
        step,
    })
}

/// Analytic and finite-difference directional derivative, from [`directional_derivative`].
///
/// ```
/// use grad_runtime::check::directional_derivative;
///
/// fn f_grad(x: f64, y: f64) -> (f64, [f64; 2]) {
///     (x * y, [y, x])
/// }
/// let d = directional_derivative(f_grad, [2.0, 3.0], [1.0, 0.0])?;
/// assert!((d.numeric - 3.0).abs() < 1e-8);
/// println!("{d}");
/// # Ok::<(), grad_runtime::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct DirectionalReport<T> {
    /// `∇f(x)·v̂` from the function's gradient.
    pub analytic: T,
    /// The central finite difference along `v̂`.
    pub numeric: T,
    /// `|analytic − numeric|`.
    pub abs_error: T,
    /// `|analytic − numeric| / max(|analytic|, |numeric|)`.
    pub rel_error: T,
    /// The step `h` used.
    pub step: T,
}

impl<T: Real> fmt::Display for DirectionalReport<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "directional derivative: analytic {:.6e}, finite diff {:.6e}, abs err {:.2e}, rel err {:.2e} (h = {:.1e})",
            as_f64(self.analytic),
            as_f64(self.numeric),
            as_f64(self.abs_error),
            as_f64(self.rel_error),
            as_f64(self.step),
        )
    }
}

/// `‖∇f(x)‖₂`: one evaluation, with the same length checks as the optimizers.
///
/// ```
/// use grad_runtime::check::gradient_norm;
///
/// fn f_grad(x: f64, y: f64) -> (f64, [f64; 2]) {
///     (1.5 * x * x + 2.0 * y * y, [3.0 * x, 4.0 * y])
/// }
/// assert_eq!(gradient_norm(f_grad, [1.0, 1.0])?, 5.0);
/// assert!(gradient_norm(f_grad, [1.0]).is_err()); // f_grad takes two parameters
/// # Ok::<(), grad_runtime::Error>(())
/// ```
pub fn gradient_norm<T, A, F, X>(mut f: F, x: X) -> Result<T, Error>
where
    T: Real,
    F: Objective<T, A>,
    X: AsRef<[T]>,
{
    let (_, grad) = evaluate(&mut f, x.as_ref())?;
    Ok(norm(&grad))
}
