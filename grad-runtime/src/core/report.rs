//! What a run returns: why it stopped, where, and how it got there.

use std::fmt;
use std::time::Duration;

use crate::core::problem::Point;
use crate::core::real::Real;

/// Why a run stopped.
///
/// ```
/// use grad_runtime::{Criterion, Divergence, StopReason};
///
/// let reason = StopReason::Converged(Criterion::GradientNorm);
/// assert!(reason.is_converged());
/// assert_eq!(reason.to_string(), "converged: gradient norm below tolerance");
/// assert!(StopReason::Diverged(Divergence::NonFiniteValue).is_diverged());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum StopReason {
    /// A convergence tolerance was met.
    Converged(Criterion),
    /// The iteration limit was reached.
    MaxIterations,
    /// The epoch limit of a mini-batch run was reached.
    MaxEpochs,
    /// The limit on objective evaluations was reached.
    MaxEvaluations,
    /// The time budget ran out.
    TimeLimit,
    /// An observer or `stop_when` callback asked to stop.
    UserStop,
    /// The iterates blew up; the report holds the last point whose value and gradient were
    /// finite.
    Diverged(Divergence),
    /// The optimizer found no acceptable step (a line search failed even along the steepest
    /// descent direction). Usually the point is as good as floating point allows, or the
    /// gradient does not match the value.
    Stalled,
    /// The best value had not improved for the number of iterations `Options::patience` allows
    /// (early stopping); the report's `best_x` is the point to keep.
    NoImprovement,
    /// The objective, an observer or a callback panicked, and `Options::catch_panics` caught it:
    /// the report's `panic` holds the message, `x` the last iterate evaluated.
    Panicked,
}

impl StopReason {
    /// Whether a convergence tolerance was met.
    ///
    /// ```
    /// use grad_runtime::StopReason;
    ///
    /// assert!(!StopReason::MaxIterations.is_converged());
    /// ```
    pub fn is_converged(&self) -> bool {
        matches!(self, StopReason::Converged(_))
    }

    /// Whether the run diverged.
    ///
    /// ```
    /// use grad_runtime::StopReason;
    ///
    /// assert!(!StopReason::TimeLimit.is_diverged());
    /// ```
    pub fn is_diverged(&self) -> bool {
        matches!(self, StopReason::Diverged(_))
    }
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopReason::Converged(c) => write!(f, "converged: {c}"),
            StopReason::MaxIterations => f.write_str("reached the iteration limit"),
            StopReason::MaxEpochs => f.write_str("reached the epoch limit"),
            StopReason::MaxEvaluations => f.write_str("reached the evaluation limit"),
            StopReason::TimeLimit => f.write_str("ran out of time"),
            StopReason::UserStop => f.write_str("stopped by a callback"),
            StopReason::Diverged(d) => write!(f, "diverged: {d}"),
            StopReason::Stalled => f.write_str("stalled: no step decreases the value"),
            StopReason::NoImprovement => f.write_str("no improvement within the patience"),
            StopReason::Panicked => f.write_str("a panic during the run (caught)"),
        }
    }
}

/// The convergence test that ended a run.
///
/// ```
/// use grad_runtime::Criterion;
///
/// assert_eq!(Criterion::ParamChange.to_string(), "parameter change below tolerance");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Criterion {
    /// `‖∇f‖₂ ≤ grad_tol`.
    GradientNorm,
    /// `|f_k − f_{k−1}| ≤ value_tol · max(|f_k|, |f_{k−1}|, 1)`.
    ValueChange,
    /// `‖x_k − x_{k−1}‖₂ ≤ param_tol · max(‖x_k‖₂, 1)`.
    ParamChange,
}

impl fmt::Display for Criterion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Criterion::GradientNorm => "gradient norm below tolerance",
            Criterion::ValueChange => "value change below tolerance",
            Criterion::ParamChange => "parameter change below tolerance",
        })
    }
}

/// How a run diverged.
///
/// ```
/// use grad_runtime::Divergence;
///
/// assert_eq!(Divergence::NonFiniteGradient.to_string(), "the gradient is not finite");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Divergence {
    /// The value became NaN or infinite.
    NonFiniteValue,
    /// A gradient component became NaN or infinite.
    NonFiniteGradient,
    /// The value grew past the divergence limit (see `Options::divergence_factor`): typically a
    /// learning rate that is too large.
    ValueExploded,
    /// The value fell below −√(the largest float): the objective has no minimum, or is not the
    /// one meant (a sign error, a missing penalty).
    ///
    /// ```
    /// use grad_runtime::{Divergence, Options, StopReason, minimize, optim::Lbfgs};
    ///
    /// fn upside_down_grad(x: f64) -> (f64, [f64; 1]) {
    ///     (-x * x, [-2.0 * x])
    /// }
    /// let report = minimize(upside_down_grad, [1.0], Lbfgs::default(), Options::new())?;
    /// assert_eq!(report.reason, StopReason::Diverged(Divergence::Unbounded));
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    Unbounded,
}

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Divergence::NonFiniteValue => "the value is not finite",
            Divergence::NonFiniteGradient => "the gradient is not finite",
            Divergence::ValueExploded => "the value grew without bound",
            Divergence::Unbounded => "the value decreases without bound (no minimum?)",
        })
    }
}

/// Values, gradient norms and (if asked) points of every iterate, starting with the start.
///
/// Filled only when asked for with `Options::history` / `Options::history_points`.
///
/// ```
/// use grad_runtime::{Options, minimize, optim::GradientDescent};
///
/// fn f_grad(x: f64) -> (f64, [f64; 1]) {
///     (x * x, [2.0 * x])
/// }
/// let gd = GradientDescent::new(0.25)?;
/// let report = minimize(f_grad, [1.0], gd, Options::new().max_iters(2).history_points(true))?;
/// assert_eq!(report.history.values, [1.0, 0.25, 0.0625]);
/// assert_eq!(report.history.points, [vec![1.0], vec![0.5], vec![0.25]]);
/// # Ok::<(), grad_runtime::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct History<T> {
    /// `f(x_k)` for k = 0, 1, ….
    pub values: Vec<T>,
    /// `‖∇f(x_k)‖₂`.
    pub grad_norms: Vec<T>,
    /// `x_k`, only with `Options::history_points(true)`.
    pub points: Vec<Vec<T>>,
}

impl<T: Real> History<T> {
    pub(crate) fn record(&mut self, point: &Point<T>, grad_norm: T, with_point: bool) {
        self.values.push(point.value);
        self.grad_norms.push(grad_norm);
        if with_point {
            self.points.push(point.x.clone());
        }
    }
}

impl<T> Default for History<T> {
    fn default() -> Self {
        History {
            values: Vec::new(),
            grad_norms: Vec::new(),
            points: Vec::new(),
        }
    }
}

/// The outcome of [`minimize`](crate::minimize) or [`minimize_batches`](crate::minimize_batches).
///
/// ```
/// use grad_runtime::{Options, StopReason, minimize, optim::Lbfgs};
///
/// fn f_grad(x: f64, y: f64) -> (f64, [f64; 2]) {
///     ((x - 1.0).powi(2) + (y + 2.0).powi(2), [2.0 * (x - 1.0), 2.0 * (y + 2.0)])
/// }
/// let report = minimize(f_grad, [0.0, 0.0], Lbfgs::default(), Options::new())?;
/// assert!(report.converged());
/// assert!((report.x[0] - 1.0).abs() < 1e-9 && (report.x[1] + 2.0).abs() < 1e-9);
/// println!("{report}");
/// # Ok::<(), grad_runtime::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
#[cfg_attr(
    feature = "serde",
    serde(bound(
        serialize = "T: crate::core::Real + serde::Serialize",
        deserialize = "T: crate::core::Real + serde::Deserialize<'de>"
    ))
)]
pub struct Report<T> {
    /// Why the run stopped.
    pub reason: StopReason,
    /// The final point; after a divergence, the last point whose value and gradient were finite.
    pub x: Vec<T>,
    /// The value at `x` (NaN only if the start itself was not finite).
    #[cfg_attr(feature = "serde", serde(with = "crate::core::real::nan_as_none"))]
    pub value: T,
    /// The gradient at `x`.
    pub grad: Vec<T>,
    /// `‖grad‖₂`.
    pub grad_norm: T,
    /// Optimizer steps taken.
    pub iterations: usize,
    /// Objective evaluations (each computes value and gradient), including the start.
    pub evaluations: usize,
    /// Completed epochs of a mini-batch run; `None` for `minimize`.
    pub epochs: Option<usize>,
    /// Wall-clock time of the run.
    pub elapsed: Duration,
    /// The optimizer's name, e.g. `"Adam"` (empty in a report read back with serde).
    #[cfg_attr(feature = "serde", serde(skip_deserializing))]
    pub optimizer: &'static str,
    /// The iterates, if recorded.
    pub history: History<T>,
    /// The point with the lowest value the run saw (the start included): for noisy or
    /// oscillating runs, often better than the last. With mini-batches the values compared are
    /// those of single batches.
    ///
    /// ```
    /// use grad_runtime::{Options, minimize, optim::GradientDescent};
    ///
    /// fn f_grad(x: f64) -> (f64, [f64; 1]) {
    ///     (x * x, [2.0 * x])
    /// }
    /// // A rate of 1.0 jumps between 3 and -3: every point is as good as the start.
    /// let report = minimize(f_grad, [3.0], GradientDescent::new(1.0)?, Options::new().max_iters(4))?;
    /// assert_eq!((report.best_x[0], report.best_value, report.best_iteration), (3.0, 9.0, 0));
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub best_x: Vec<T>,
    /// The value at `best_x` (the validation objective's, with `Options::validation`).
    #[cfg_attr(feature = "serde", serde(with = "crate::core::real::nan_as_none"))]
    pub best_value: T,
    /// The iteration `best_x` was reached at (0: the start).
    pub best_iteration: usize,
    /// The message of a panic caught with `Options::catch_panics` (then `reason` is
    /// `StopReason::Panicked` and `x` the last iterate evaluated before it).
    pub panic: Option<String>,
}

impl<T> Report<T> {
    /// Whether a convergence tolerance was met.
    ///
    /// ```
    /// use grad_runtime::{Options, minimize, optim::GradientDescent};
    ///
    /// fn f_grad(x: f64) -> (f64, [f64; 1]) {
    ///     (x * x, [2.0 * x])
    /// }
    /// let gd = GradientDescent::new(0.5)?; // one exact step to the minimum
    /// assert!(minimize(f_grad, [3.0], gd, Options::new())?.converged());
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn converged(&self) -> bool {
        self.reason.is_converged()
    }
}

/// A summary for people: reason, counts, value, gradient norm and the first coordinates.
///
/// ```
/// use grad_runtime::{Options, minimize, optim::GradientDescent};
///
/// fn f_grad(x: f64, y: f64) -> (f64, [f64; 2]) {
///     (x * x + y * y, [2.0 * x, 2.0 * y])
/// }
/// let report = minimize(f_grad, [1e-8, 2.0], GradientDescent::new(0.5)?, Options::new())?;
/// let text = report.to_string();
/// assert!(text.contains("after 1 iteration, 2 evaluations"), "{text}");
/// assert!(text.contains("x: [0.000000, 0.000000]"), "{text}");
///
/// let start = minimize(f_grad, [1e-8, 3e7], GradientDescent::new(0.1)?, Options::new().max_iters(0))?;
/// assert!(start.to_string().contains("x: [1.000000e-8, 3.000000e7]"), "{start}");
///
/// fn nan_grad(x: f64) -> (f64, [f64; 1]) {
///     (x.sqrt(), [0.5 / x.sqrt()])
/// }
/// let report = minimize(nan_grad, [-1.0], GradientDescent::new(0.1)?, Options::new())?;
/// assert!(report.to_string().contains("stopped at the start: the value is not finite there"));
/// # Ok::<(), grad_runtime::Error>(())
/// ```
impl<T: Real> fmt::Display for Report<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = |n: usize, one: &str, many: &str| {
            if n == 1 {
                format!("{n} {one}")
            } else {
                format!("{n} {many}")
            }
        };
        // Not finite before any step: the start is the problem, not a divergence.
        let reason = match self.reason {
            StopReason::Diverged(
                d @ (Divergence::NonFiniteValue | Divergence::NonFiniteGradient),
            ) if self.iterations == 0 => format!("stopped at the start: {d} there"),
            r => r.to_string(),
        };
        writeln!(
            f,
            "{}: {} after {}, {}, {:.3?}",
            self.optimizer,
            reason,
            plural(self.iterations, "iteration", "iterations"),
            plural(self.evaluations, "evaluation", "evaluations"),
            self.elapsed
        )?;
        if let Some(epochs) = self.epochs {
            writeln!(f, "  epochs: {epochs}")?;
        }
        let as_f64 = |v: T| v.to_f64().unwrap_or(f64::NAN);
        writeln!(
            f,
            "  value: {:.6e}   |grad|: {:.3e}",
            as_f64(self.value),
            as_f64(self.grad_norm)
        )?;
        const SHOWN: usize = 8;
        write!(f, "  x: [")?;
        for (i, v) in self.x.iter().take(SHOWN).enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            write!(f, "{sep}{}", point(as_f64(*v)))?;
        }
        if self.x.len() > SHOWN {
            write!(f, ", … ({} more)", self.x.len() - SHOWN)?;
        }
        write!(f, "]")
    }
}

/// A coordinate for reading: six decimals where that shows its size, scientific notation where
/// it would print a small nonzero value as `0.000000` or a large one with many digits.
fn point(v: f64) -> String {
    if v == 0.0 || !v.is_finite() || (1e-4..1e6).contains(&v.abs()) {
        format!("{v:.6}")
    } else {
        format!("{v:.6e}")
    }
}
