//! Armijo backtracking.

use crate::core::{Point, Problem, Real, lit};
use crate::error::{Error, ensure};
use crate::linesearch::{LineSearch, LineSearchError, initial_slope, probe};

/// Backtracking until the Armijo (sufficient decrease) condition holds
/// (Nocedal & Wright, *Numerical Optimization*, 2nd ed., Algorithm 3.1):
///
/// ```text
/// α ← α₀;  while f(x + α d) > f(x) + c₁ α ∇f(x)·d:  α ← ρ α
/// ```
///
/// Needs value and gradient at the start, values along the way. It does not enforce the
/// curvature condition, so L-BFGS skips updates with `sᵀy ≤ 0` when using it.
///
/// Defaults: c₁ = 1e-4, ρ = 0.5 (Nocedal & Wright's suggestions), at most 50 trial steps.
///
/// ```
/// use grad_runtime::{Options, minimize, linesearch::Backtracking, optim::Lbfgs};
///
/// fn f_grad(x: f64, y: f64) -> (f64, [f64; 2]) {
///     (x * x + 5.0 * y * y, [2.0 * x, 10.0 * y])
/// }
/// let lbfgs = Lbfgs::builder().line_search(Backtracking::default()).build()?;
/// let report = minimize(f_grad, [1.0, 1.0], lbfgs, Options::new())?;
/// assert!(report.converged());
/// # Ok::<(), grad_runtime::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Backtracking<T> {
    c1: T,
    rho: T,
    max_trials: usize,
}

impl<T: Real> Backtracking<T> {
    /// Backtracking with sufficient-decrease constant `0 < c1 < 1` and contraction factor
    /// `0 < rho < 1`.
    ///
    /// ```
    /// use grad_runtime::linesearch::Backtracking;
    ///
    /// assert!(Backtracking::new(1e-4, 0.5).is_ok());
    /// assert!(Backtracking::new(1e-4, 1.0).is_err());
    /// ```
    pub fn new(c1: T, rho: T) -> Result<Self, Error> {
        let (zero, one) = (T::zero(), T::one());
        ensure(c1 > zero && c1 < one, "c1", "c1 must be in (0, 1)", c1)?;
        ensure(
            rho > zero && rho < one,
            "rho",
            "the contraction factor must be in (0, 1)",
            rho,
        )?;
        Ok(Backtracking {
            c1,
            rho,
            max_trials: 50,
        })
    }
}

impl<T: Real> Default for Backtracking<T> {
    fn default() -> Self {
        Backtracking {
            c1: lit(1e-4),
            rho: lit(0.5),
            max_trials: 50,
        }
    }
}

impl<T: Real> LineSearch<T> for Backtracking<T> {
    fn search(
        &mut self,
        problem: &mut Problem<'_, T>,
        start: &Point<T>,
        direction: &[T],
        step: T,
        trial: &mut Point<T>,
    ) -> Result<T, LineSearchError> {
        let slope = initial_slope(start, direction)?;
        let mut alpha = step;
        for _ in 0..self.max_trials {
            let (value, _) = probe(problem, start, direction, alpha, trial);
            if value <= start.value + self.c1 * alpha * slope {
                return Ok(alpha);
            }
            alpha = alpha * self.rho;
        }
        Err(LineSearchError::NoStepFound)
    }
}
