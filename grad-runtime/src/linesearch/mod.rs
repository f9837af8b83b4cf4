//! Line searches for [`Lbfgs`](crate::optim::Lbfgs) (or your own descent method): given a
//! descent direction `d` at `x`, find a step `α` along `φ(α) = f(x + α d)` that decreases `f`
//! enough.
//!
//! - [`Backtracking`]: the Armijo (sufficient decrease) condition only; cheap.
//! - [`StrongWolfe`]: sufficient decrease plus the strong curvature condition, which guarantees
//!   `sᵀy > 0` and so keeps quasi-Newton updates positive definite. The default for L-BFGS.
//!
//! ```
//! use grad_runtime::linesearch::{Backtracking, StrongWolfe};
//! use grad_runtime::optim::Lbfgs;
//!
//! let wolfe = Lbfgs::<f64>::builder().line_search(StrongWolfe::new(1e-4, 0.9)?).build()?;
//! let armijo = Lbfgs::<f64>::builder().line_search(Backtracking::new(1e-4, 0.5)?).build()?;
//! # Ok::<(), grad_runtime::Error>(())
//! ```

mod backtracking;
mod strong_wolfe;

pub use backtracking::Backtracking;
pub use strong_wolfe::StrongWolfe;

use std::fmt;

use crate::core::{Point, Problem, Real, dot};

/// Why a line search found no step.
///
/// ```
/// use grad_runtime::linesearch::LineSearchError;
///
/// assert_eq!(LineSearchError::NotDescent.to_string(), "the direction is not a descent direction");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum LineSearchError {
    /// `∇f(x)·d ≥ 0` (or NaN): no positive step can decrease `f` to first order.
    NotDescent,
    /// The evaluation budget ran out without an acceptable step.
    NoStepFound,
}

impl fmt::Display for LineSearchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LineSearchError::NotDescent => "the direction is not a descent direction",
            LineSearchError::NoStepFound => "no acceptable step length was found",
        })
    }
}

impl std::error::Error for LineSearchError {}

/// A one-dimensional search along a descent direction.
///
/// ```
/// use grad_runtime::core::{Point, Problem};
/// use grad_runtime::linesearch::{Backtracking, LineSearch};
///
/// let mut f = |x: &[f64], g: &mut [f64]| {
///     g[0] = 2.0 * x[0];
///     x[0] * x[0]
/// };
/// let mut problem = Problem::new(&mut f);
/// let mut start = Point::new(vec![1.0]);
/// problem.eval_point(&mut start);
/// let direction = [-2.0]; // −∇f
/// let mut trial = Point::zeros(1);
/// let mut search = Backtracking::default();
/// search.init(1);
/// let alpha = search.search(&mut problem, &start, &direction, 1.0, &mut trial).unwrap();
/// assert_eq!(alpha, 0.5); // α = 1 overshoots to x = −1 (no decrease); 0.5 hits the minimum
/// assert_eq!(trial.x, [0.0]);
/// ```
pub trait LineSearch<T: Real> {
    /// Allocates any scratch space for `dim` parameters; called once per run.
    ///
    /// ```
    /// use grad_runtime::linesearch::{LineSearch, StrongWolfe};
    ///
    /// let mut search = StrongWolfe::<f64>::default();
    /// search.init(10);
    /// ```
    fn init(&mut self, dim: usize) {
        let _ = dim;
    }

    /// Searches from the evaluated `start` along `direction`, trying `step` first. On success
    /// returns the accepted `α` with `trial` evaluated at `start.x + α·direction`; `start` is
    /// never modified. Trial points whose value or gradient is not finite count as too long.
    ///
    /// ```
    /// use grad_runtime::core::{Point, Problem};
    /// use grad_runtime::linesearch::{LineSearch, LineSearchError, StrongWolfe};
    ///
    /// let mut f = |x: &[f64], g: &mut [f64]| {
    ///     g[0] = 2.0 * x[0];
    ///     x[0] * x[0]
    /// };
    /// let mut problem = Problem::new(&mut f);
    /// let mut start = Point::new(vec![1.0]);
    /// problem.eval_point(&mut start);
    /// let mut trial = Point::zeros(1);
    /// let mut search = StrongWolfe::default();
    /// search.init(1);
    /// let uphill = search.search(&mut problem, &start, &[1.0], 1.0, &mut trial);
    /// assert_eq!(uphill, Err(LineSearchError::NotDescent));
    /// ```
    fn search(
        &mut self,
        problem: &mut Problem<'_, T>,
        start: &Point<T>,
        direction: &[T],
        step: T,
        trial: &mut Point<T>,
    ) -> Result<T, LineSearchError>;
}

/// φ(α) and φ'(α) at `start.x + α d`, evaluated into `trial`. A non-finite value or gradient
/// becomes φ = +∞, which every acceptance test rejects, so searches shrink away from it.
/// The line-search step of a Newton-type method: from the evaluated `point` along `direction`
/// from a step of 1, and along −∇f when that fails and `direction` was not already −∇f
/// (`steepest`); moves `point` to the accepted trial, or reports [`Step::Stalled`]. `direction`
/// is overwritten by −∇f on the retry.
///
/// [`Step::Stalled`]: crate::optim::Step::Stalled
pub(crate) fn newton_step<T: Real, L: LineSearch<T> + ?Sized>(
    search: &mut L,
    problem: &mut Problem<'_, T>,
    point: &mut Point<T>,
    direction: &mut [T],
    trial: &mut Point<T>,
    mut steepest: bool,
) -> crate::optim::Step {
    loop {
        match search.search(problem, point, direction, T::one(), trial) {
            Ok(_) => {
                std::mem::swap(point, trial);
                return crate::optim::Step::Moved;
            }
            Err(_) if !steepest => {
                direction
                    .iter_mut()
                    .zip(&point.grad)
                    .for_each(|(d, &g)| *d = -g);
                steepest = true;
            }
            Err(_) => return crate::optim::Step::Stalled,
        }
    }
}

pub(crate) fn probe<T: Real>(
    problem: &mut Problem<'_, T>,
    start: &Point<T>,
    direction: &[T],
    alpha: T,
    trial: &mut Point<T>,
) -> (T, T) {
    for ((t, &x), &d) in trial.x.iter_mut().zip(&start.x).zip(direction) {
        *t = x + alpha * d;
    }
    problem.eval_point(trial);
    let slope = dot(&trial.grad, direction);
    if trial.value.is_finite() && slope.is_finite() {
        (trial.value, slope)
    } else {
        (T::infinity(), T::nan())
    }
}

/// φ'(0), or `NotDescent` unless it is negative.
pub(crate) fn initial_slope<T: Real>(
    start: &Point<T>,
    direction: &[T],
) -> Result<T, LineSearchError> {
    let slope = dot(&start.grad, direction);
    if slope < T::zero() {
        Ok(slope)
    } else {
        Err(LineSearchError::NotDescent)
    }
}
