//! Checks of gradients against finite differences, for hand-written or custom derivatives.
//!
//! - [`check_gradient`] and [`GradientChecker`] compare every component with a central
//!   difference; the [`GradientReport`] names the worst component and prints readably.
//! - [`directional_derivative`] compares `∇f·v̂` with a finite difference, one evaluation pair
//!   for any dimension.
//! - [`gradient_norm`] computes `‖∇f(x)‖₂`.
//!
//! ```
//! use grad_runtime::check::{check_gradient, directional_derivative};
//!
//! // A hand-written derivative of f(w) = Σ exp(wᵢ)·i.
//! let f = |w: &[f64], g: &mut [f64]| {
//!     let mut value = 0.0;
//!     for (i, (gi, wi)) in g.iter_mut().zip(w).enumerate() {
//!         *gi = wi.exp() * i as f64;
//!         value += wi.exp() * i as f64;
//!     }
//!     value
//! };
//! let report = check_gradient(f, [0.1, -0.4, 1.3])?;
//! assert!(report.passed, "{report}");
//! assert!(directional_derivative(f, [0.1, -0.4, 1.3], [1.0, 1.0, -1.0])?.rel_error < 1e-8);
//! # Ok::<(), grad_runtime::Error>(())
//! ```
//!
//! # The default step
//!
//! The central difference `(f(x + h) − f(x − h)) / 2h` has truncation error `h² |f'''| / 6` and
//! rounding error about `ε |f| / h` (ε the machine epsilon). Their sum is smallest at
//! `h ∝ ∛ε`, where both are `O(ε^{2/3})`. Scaling by the coordinate keeps the relative
//! perturbation constant, so component i uses `hᵢ = ∛ε · max(1, |xᵢ|)`: about 6e-6 for `f64`
//! (errors near 1e-10 relative) and 5e-3 for `f32` (errors near 2e-5). The default tolerances
//! are ∛ε, comfortably above those errors and far below the error of a wrong derivative.

mod directional;
mod gradient;

pub use directional::{DirectionalReport, directional_derivative, gradient_norm};
pub use gradient::{GradientChecker, GradientReport, check_gradient};

use crate::core::{Objective, Real};
use crate::error::Error;

/// Value and gradient at `x`, after checking `x` against the objective.
fn evaluate<T: Real, A, F: Objective<T, A>>(f: &mut F, x: &[T]) -> Result<(T, Vec<T>), Error> {
    check_point(f, x)?;
    let mut grad = vec![T::zero(); x.len()];
    let value = f.eval(x, &mut grad);
    Ok((value, grad))
}

fn check_point<T, A, F: Objective<T, A>>(f: &F, x: &[T]) -> Result<(), Error> {
    if x.is_empty() {
        return Err(Error::Empty { what: "the point" });
    }
    match f.dim() {
        Some(expected) if expected != x.len() => Err(Error::DimensionMismatch {
            what: "the point",
            expected,
            found: x.len(),
        }),
        _ => Ok(()),
    }
}

/// The default relative step and tolerance, ∛ε (see the module documentation).
fn cbrt_eps<T: Real>() -> T {
    T::epsilon().cbrt()
}

/// `|a − b| / max(|a|, |b|)`, 0 when both are 0.
fn relative_error<T: Real>(a: T, b: T) -> T {
    let scale = a.abs().max(b.abs());
    if scale == T::zero() {
        T::zero()
    } else {
        (a - b).abs() / scale
    }
}

fn as_f64<T: Real>(v: T) -> f64 {
    v.to_f64().unwrap_or(f64::NAN)
}
