//! The strong Wolfe line search with zoom (Nocedal & Wright, Algorithms 3.5 and 3.6).

use crate::core::{Point, Problem, Real, lit};
use crate::error::{Error, ensure};
use crate::linesearch::{LineSearch, LineSearchError, initial_slope, probe};

/// Step lengths are sought in `[0, MAX_STEP]`; far beyond any sensible step of a scaled method.
const MAX_STEP: f64 = 1e10;

/// A line search for steps satisfying the strong Wolfe conditions
///
/// ```text
/// f(x + α d) ≤ f(x) + c₁ α ∇f(x)·d            (sufficient decrease)
/// |∇f(x + α d)·d| ≤ c₂ |∇f(x)·d|              (strong curvature)
/// ```
///
/// following Nocedal & Wright, *Numerical Optimization*, 2nd ed. (2006): Algorithm 3.5 brackets
/// an acceptable step (doubling α while the slope stays steep and negative), Algorithm 3.6
/// ("zoom") narrows the bracket by safeguarded cubic interpolation (eq. 3.59). Each evaluation
/// gives value and gradient, so the slope comes free.
///
/// Needs value and gradient. The curvature condition guarantees `sᵀy > 0`, which keeps
/// quasi-Newton (L-BFGS) updates positive definite.
///
/// Defaults: c₁ = 1e-4, c₂ = 0.9 (Nocedal & Wright's values for quasi-Newton methods, also
/// PyTorch's `strong_wolfe`), at most 25 evaluations per search (PyTorch's `max_ls`). If the
/// budget runs out after finding a step with sufficient decrease, that step is returned.
///
/// ```
/// use grad_runtime::{Options, minimize, linesearch::StrongWolfe, optim::Lbfgs};
///
/// fn f_grad(x: f64, y: f64) -> (f64, [f64; 2]) {
///     (x.powi(4) + y * y, [4.0 * x.powi(3), 2.0 * y])
/// }
/// let lbfgs = Lbfgs::builder().line_search(StrongWolfe::new(1e-4, 0.5)?).build()?;
/// let report = minimize(f_grad, [1.0, 1.0], lbfgs, Options::new().grad_tol(1e-10))?;
/// assert!(report.converged());
/// # Ok::<(), grad_runtime::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(bound(
        serialize = "T: crate::core::Real + serde::Serialize",
        deserialize = "T: crate::core::Real + serde::Deserialize<'de>"
    ))
)]
pub struct StrongWolfe<T> {
    c1: T,
    c2: T,
    max_evaluations: usize,
    /// The best step so far that satisfies sufficient decrease ("lo" of the bracket), kept so
    /// it can be returned without re-evaluating.
    best: Point<T>,
}

/// One end of a bracket: step, value, slope.
#[derive(Clone, Copy)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
struct End<T> {
    alpha: T,
    value: T,
    slope: T,
}

impl<T: Real> StrongWolfe<T> {
    /// A strong Wolfe search with `0 < c1 < c2 < 1`.
    ///
    /// ```
    /// use grad_runtime::linesearch::StrongWolfe;
    ///
    /// assert!(StrongWolfe::new(1e-4, 0.9).is_ok());
    /// let err = StrongWolfe::new(0.5, 0.1).unwrap_err();
    /// assert_eq!(err.to_string(), "c2 must be in (c1, 1) (c2 = 0.1)");
    /// ```
    pub fn new(c1: T, c2: T) -> Result<Self, Error> {
        let (zero, one) = (T::zero(), T::one());
        ensure(c1 > zero && c1 < one, "c1", "c1 must be in (0, 1)", c1)?;
        ensure(c2 > c1 && c2 < one, "c2", "c2 must be in (c1, 1)", c2)?;
        Ok(StrongWolfe {
            c1,
            c2,
            max_evaluations: 25,
            best: Point::zeros(0),
        })
    }

    fn armijo(&self, start: &End<T>, at: &End<T>) -> bool {
        at.value <= start.value + self.c1 * at.alpha * start.slope
    }

    fn curvature(&self, start: &End<T>, at: &End<T>) -> bool {
        at.slope.abs() <= -self.c2 * start.slope
    }

    /// Algorithm 3.6. `lo` satisfies sufficient decrease and has the lowest value seen; if
    /// `lo.alpha > 0` its point is in `self.best`.
    #[allow(clippy::too_many_arguments)]
    fn zoom(
        &mut self,
        problem: &mut Problem<'_, T>,
        start: &Point<T>,
        direction: &[T],
        trial: &mut Point<T>,
        origin: End<T>,
        mut lo: End<T>,
        mut hi: End<T>,
        mut budget: usize,
    ) -> Result<T, LineSearchError> {
        while budget > 0 {
            let width = (hi.alpha - lo.alpha).abs();
            if width <= T::epsilon() * lo.alpha.abs().max(hi.alpha.abs()) {
                break;
            }
            let alpha = interpolate(&lo, &hi);
            let (value, slope) = probe(problem, start, direction, alpha, trial);
            budget -= 1;
            let at = End {
                alpha,
                value,
                slope,
            };
            if !self.armijo(&origin, &at) || value >= lo.value {
                hi = at;
            } else {
                if self.curvature(&origin, &at) {
                    return Ok(alpha);
                }
                if slope * (hi.alpha - lo.alpha) >= T::zero() {
                    hi = lo;
                }
                lo = at;
                std::mem::swap(&mut self.best, trial);
            }
        }
        self.fall_back(lo, trial)
    }

    /// Out of budget: settle for the sufficient-decrease step `lo`, if there is one.
    fn fall_back(&mut self, lo: End<T>, trial: &mut Point<T>) -> Result<T, LineSearchError> {
        if lo.alpha > T::zero() {
            std::mem::swap(&mut self.best, trial);
            Ok(lo.alpha)
        } else {
            Err(LineSearchError::NoStepFound)
        }
    }
}

impl<T: Real> Default for StrongWolfe<T> {
    fn default() -> Self {
        StrongWolfe {
            c1: lit(1e-4),
            c2: lit(0.9),
            max_evaluations: 25,
            best: Point::zeros(0),
        }
    }
}

impl<T: Real> LineSearch<T> for StrongWolfe<T> {
    fn init(&mut self, dim: usize) {
        self.best = Point::zeros(dim);
    }

    fn search(
        &mut self,
        problem: &mut Problem<'_, T>,
        start: &Point<T>,
        direction: &[T],
        step: T,
        trial: &mut Point<T>,
    ) -> Result<T, LineSearchError> {
        if self.best.dim() != start.dim() {
            // Used without `init`: allocate once rather than fail.
            self.best = Point::zeros(start.dim());
        }
        let origin = End {
            alpha: T::zero(),
            value: start.value,
            slope: initial_slope(start, direction)?,
        };
        let max_step = lit::<T>(MAX_STEP);
        let mut prev = origin;
        let mut alpha = step.min(max_step);
        let mut budget = self.max_evaluations;
        // Algorithm 3.5: `prev` always satisfies sufficient decrease with the lowest value so
        // far, and its point is in `self.best` once `prev.alpha > 0`.
        while budget > 0 {
            let (value, slope) = probe(problem, start, direction, alpha, trial);
            budget -= 1;
            let at = End {
                alpha,
                value,
                slope,
            };
            if !self.armijo(&origin, &at) || (prev.alpha > T::zero() && value >= prev.value) {
                return self.zoom(problem, start, direction, trial, origin, prev, at, budget);
            }
            if self.curvature(&origin, &at) {
                return Ok(alpha);
            }
            std::mem::swap(&mut self.best, trial);
            if slope >= T::zero() {
                return self.zoom(problem, start, direction, trial, origin, at, prev, budget);
            }
            prev = at;
            if alpha >= max_step {
                break;
            }
            alpha = (alpha + alpha).min(max_step);
        }
        self.fall_back(prev, trial)
    }
}

/// The minimizer of the cubic matching values and slopes at both ends (Nocedal & Wright
/// eq. 3.59), kept at least 10% of the width away from either end; bisection when the cubic
/// has no usable minimizer (e.g. an end with a non-finite value).
fn interpolate<T: Real>(a: &End<T>, b: &End<T>) -> T {
    let (lo, hi) = if a.alpha < b.alpha { (a, b) } else { (b, a) };
    let width = hi.alpha - lo.alpha;
    let margin = lit::<T>(0.1) * width;
    let d1 = lo.slope + hi.slope - lit::<T>(3.0) * (lo.value - hi.value) / (lo.alpha - hi.alpha);
    let radicand = d1 * d1 - lo.slope * hi.slope;
    let mid = lo.alpha + width / lit(2.0);
    if radicand.is_nan() || radicand < T::zero() {
        return mid;
    }
    let d2 = radicand.sqrt();
    let cubic =
        hi.alpha - width * (hi.slope + d2 - d1) / (hi.slope - lo.slope + lit::<T>(2.0) * d2);
    if cubic.is_finite() {
        cubic.max(lo.alpha + margin).min(hi.alpha - margin)
    } else {
        mid
    }
}

#[cfg(test)]
mod tests {
    use super::{End, interpolate};

    #[test]
    fn cubic_interpolation_is_exact_for_cubics() {
        // φ(α) = α³ − 3α has its minimum at α = 1.
        let a = End {
            alpha: 0.0_f64,
            value: 0.0,
            slope: -3.0,
        };
        let b = End {
            alpha: 2.0,
            value: 2.0,
            slope: 9.0,
        };
        assert!((interpolate(&a, &b) - 1.0).abs() < 1e-12);
        assert!((interpolate(&b, &a) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn interpolation_stays_inside_and_bisects_without_information() {
        let a = End {
            alpha: 0.0_f64,
            value: 0.0,
            slope: -1.0,
        };
        let nan = End {
            alpha: 4.0,
            value: f64::INFINITY,
            slope: f64::NAN,
        };
        assert_eq!(interpolate(&a, &nan), 2.0);
        // A minimizer near an end is pulled 10% of the width inside.
        let b = End {
            alpha: 1.0,
            value: -0.999,
            slope: -0.001,
        };
        let t = interpolate(&a, &b);
        assert!((0.1..=0.9).contains(&t), "{t}");
    }
}
