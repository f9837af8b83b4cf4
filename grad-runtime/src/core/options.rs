//! Stopping rules, recording and hooks of a run.

use std::fmt;
use std::time::Duration;

use crate::core::observer::{Control, FnObserver, Observer, State};
use crate::core::real::Real;
use crate::error::{Error, ensure};

/// The iteration limit when neither `max_iters` nor `max_epochs` is set: every run ends.
pub(crate) const DEFAULT_MAX_ITERS: usize = 1000;

/// How a run stops, what it records and who watches it. Any combination of rules may be set;
/// the first one met ends the run.
///
/// Defaults: at most 1000 iterations (unless `max_epochs` is set), gradient tolerance
/// `√ε` (≈ 1.5e-8 for `f64`, 3.5e-4 for `f32`), divergence factor 1e10, no value, parameter,
/// evaluation or time limits, no history. Settings are checked when the run starts:
/// `minimize` returns [`Error::InvalidParameter`] for a negative or NaN tolerance.
///
/// ```
/// use std::time::Duration;
/// use grad_runtime::Options;
///
/// let options = Options::<f64>::new()
///     .max_iters(500)
///     .grad_tol(1e-10)
///     .value_tol(1e-14)
///     .max_time(Duration::from_secs(2))
///     .history(true);
/// ```
///
/// # Checkpoints
///
/// With the `serde` feature `Options` implements `Serialize` and `Deserialize`, so that a
/// checkpoint holds the settings next to the optimizer, the [`Batches`](crate::data::Batches)
/// and the last report, and a restarted program stops exactly where the first would have.
///
/// - Saved: every setting, that is `max_iters`, `max_epochs`, `max_evaluations`, `max_time`,
///   `grad_tol`, `value_tol`, `param_tol`, `divergence_factor`, `history`, `history_points`,
///   `resume`, `patience` and `catch_panics`.
/// - Not saved, because they are code: the observers (`on_iteration`, `stop_when`, `observer`,
///   `progress_bar`) and the validation objective with its interval (`validation`). Attach them
///   again to the options read back. A checkpoint is usually written with the options of the
///   run before it, so set `resume(true)` on them too.
///
/// Settings missing from the input take their defaults (a hand-written file may hold only
/// `{"max_iters": 500}`); unknown ones are an error. JSON has no infinity or NaN, so human-readable
/// formats write such a setting (`divergence_factor(f64::INFINITY)`) as the string `"inf"`,
/// `"-inf"` or `"NaN"`; binary formats write the number.
///
/// ```
/// # #[cfg(feature = "serde")] {
/// use grad_runtime::{Options, minimize, optim::GradientDescent};
///
/// fn f_grad(x: f64) -> (f64, [f64; 1]) {
///     (x * x, [2.0 * x])
/// }
/// let options = Options::new()
///     .max_iters(50)
///     .grad_tol(0.0)
///     .value_tol(1e-12)
///     .divergence_factor(f64::INFINITY)
///     .on_iteration(|s| println!("{} {:e}", s.iteration, s.value));
/// let saved = serde_json::to_string(&options).unwrap();
/// assert!(saved.contains(r#""divergence_factor":"inf""#), "{saved}");
///
/// // After a restart: the settings from the file, the observer attached again.
/// let restored: Options<f64> = serde_json::from_str(&saved).unwrap();
/// let restored = restored.on_iteration(|s| println!("{} {:e}", s.iteration, s.value));
/// assert_eq!(serde_json::to_string(&restored).unwrap(), saved);
///
/// let gd = || GradientDescent::new(0.1).unwrap();
/// let (a, b) = (minimize(f_grad, [1.0], gd(), options)?, minimize(f_grad, [1.0], gd(), restored)?);
/// assert_eq!((a.reason, a.iterations, a.x), (b.reason, b.iterations, b.x));
/// # }
/// # Ok::<(), grad_runtime::Error>(())
/// ```
pub struct Options<'a, T> {
    pub(crate) max_iters: Option<usize>,
    pub(crate) max_epochs: Option<usize>,
    pub(crate) max_evaluations: Option<usize>,
    pub(crate) max_time: Option<Duration>,
    pub(crate) grad_tol: Option<T>,
    pub(crate) value_tol: Option<T>,
    pub(crate) param_tol: Option<T>,
    pub(crate) divergence_factor: T,
    pub(crate) history: bool,
    pub(crate) history_points: bool,
    pub(crate) resume: bool,
    pub(crate) patience: Option<usize>,
    pub(crate) catch_panics: bool,
    pub(crate) validation: Option<Validation<'a, T>>,
    pub(crate) observers: Vec<Box<dyn Observer<T> + 'a>>,
}

impl<T: Real> Default for Options<'_, T> {
    fn default() -> Self {
        Options {
            max_iters: None,
            max_epochs: None,
            max_evaluations: None,
            max_time: None,
            grad_tol: Some(T::epsilon().sqrt()),
            value_tol: None,
            param_tol: None,
            divergence_factor: T::from(1e10).unwrap_or_else(T::max_value),
            history: false,
            history_points: false,
            resume: false,
            patience: None,
            catch_panics: false,
            validation: None,
            observers: Vec::new(),
        }
    }
}

impl<'a, T: Real> Options<'a, T> {
    /// The defaults (see the type's documentation).
    ///
    /// ```
    /// use grad_runtime::Options;
    ///
    /// let options: Options<f32> = Options::new();
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Stops after `n` steps ([`StopReason::MaxIterations`](crate::StopReason::MaxIterations)).
    ///
    /// ```
    /// use grad_runtime::{Options, StopReason, minimize, optim::GradientDescent};
    ///
    /// fn f_grad(x: f64) -> (f64, [f64; 1]) {
    ///     (x * x, [2.0 * x])
    /// }
    /// let report = minimize(f_grad, [1.0], GradientDescent::default(), Options::new().max_iters(3))?;
    /// assert_eq!((report.reason, report.iterations), (StopReason::MaxIterations, 3));
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn max_iters(mut self, n: usize) -> Self {
        self.max_iters = Some(n);
        self
    }

    /// Stops a mini-batch run after `n` passes over the data
    /// ([`StopReason::MaxEpochs`](crate::StopReason::MaxEpochs)). Setting it lifts the default
    /// iteration limit of 1000 (an explicit `max_iters` still applies). Ignored by `minimize`.
    ///
    /// ```
    /// use grad_runtime::Options;
    ///
    /// let options = Options::<f64>::new().max_epochs(20);
    /// ```
    pub fn max_epochs(mut self, n: usize) -> Self {
        self.max_epochs = Some(n);
        self
    }

    /// Stops once the objective has been evaluated `n` times (checked between steps, so a line
    /// search may overshoot it by a few evaluations).
    ///
    /// ```
    /// use grad_runtime::{Options, StopReason, minimize, optim::GradientDescent};
    ///
    /// fn f_grad(x: f64) -> (f64, [f64; 1]) {
    ///     (x * x, [2.0 * x])
    /// }
    /// let options = Options::new().max_evaluations(4);
    /// let report = minimize(f_grad, [1.0], GradientDescent::default(), options)?;
    /// assert_eq!((report.reason, report.evaluations), (StopReason::MaxEvaluations, 4));
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn max_evaluations(mut self, n: usize) -> Self {
        self.max_evaluations = Some(n);
        self
    }

    /// Stops when the run has taken longer than `budget` (checked between steps).
    ///
    /// ```
    /// use std::time::Duration;
    /// use grad_runtime::{Options, StopReason, minimize, optim::GradientDescent};
    ///
    /// fn f_grad(x: f64) -> (f64, [f64; 1]) {
    ///     (x * x, [2.0 * x])
    /// }
    /// let options = Options::new().max_iters(usize::MAX).max_time(Duration::ZERO);
    /// let report = minimize(f_grad, [1.0], GradientDescent::default(), options)?;
    /// assert_eq!(report.reason, StopReason::TimeLimit);
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn max_time(mut self, budget: Duration) -> Self {
        self.max_time = Some(budget);
        self
    }

    /// Converged when `‖∇f‖₂ ≤ tol`. Zero means "only at an exactly zero gradient".
    ///
    /// ```
    /// use grad_runtime::{Criterion, Options, StopReason, minimize, optim::Lbfgs};
    ///
    /// fn f_grad(x: f64, y: f64) -> (f64, [f64; 2]) {
    ///     (x * x + 4.0 * y * y, [2.0 * x, 8.0 * y])
    /// }
    /// let report = minimize(f_grad, [1.0, 1.0], Lbfgs::default(), Options::new().grad_tol(1e-12))?;
    /// assert_eq!(report.reason, StopReason::Converged(Criterion::GradientNorm));
    /// assert!(report.grad_norm <= 1e-12);
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn grad_tol(mut self, tol: T) -> Self {
        self.grad_tol = Some(tol);
        self
    }

    /// Converged when `|f_k − f_{k−1}| ≤ tol · max(|f_k|, |f_{k−1}|, 1)`: relative for large
    /// values, absolute near zero.
    ///
    /// ```
    /// use grad_runtime::{Criterion, Options, StopReason, minimize, optim::GradientDescent};
    ///
    /// fn f_grad(x: f64) -> (f64, [f64; 1]) {
    ///     (x * x, [2.0 * x])
    /// }
    /// let options = Options::new().grad_tol(0.0).value_tol(1e-6);
    /// let report = minimize(f_grad, [1.0], GradientDescent::new(0.1)?, options)?;
    /// assert_eq!(report.reason, StopReason::Converged(Criterion::ValueChange));
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn value_tol(mut self, tol: T) -> Self {
        self.value_tol = Some(tol);
        self
    }

    /// Converged when `‖x_k − x_{k−1}‖₂ ≤ tol · max(‖x_k‖₂, 1)`.
    ///
    /// ```
    /// use grad_runtime::{Criterion, Options, StopReason, minimize, optim::GradientDescent};
    ///
    /// fn f_grad(x: f64) -> (f64, [f64; 1]) {
    ///     (x * x, [2.0 * x])
    /// }
    /// let options = Options::new().grad_tol(0.0).param_tol(1e-6);
    /// let report = minimize(f_grad, [1.0], GradientDescent::new(0.1)?, options)?;
    /// assert_eq!(report.reason, StopReason::Converged(Criterion::ParamChange));
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn param_tol(mut self, tol: T) -> Self {
        self.param_tol = Some(tol);
        self
    }

    /// Diverged when `f_k − f_0 > factor · max(|f_0|, 1)` (default 1e10): catches a value
    /// that grows without bound long before it overflows. Use `T::infinity()` to only stop on
    /// non-finite values.
    ///
    /// ```
    /// use grad_runtime::{Divergence, Options, StopReason, minimize, optim::GradientDescent};
    ///
    /// fn f_grad(x: f64) -> (f64, [f64; 1]) {
    ///     (x * x, [2.0 * x])
    /// }
    /// // x ← x − 1.5·2x = −2x: the value quadruples every step.
    /// let options = Options::new().divergence_factor(100.0);
    /// let report = minimize(f_grad, [1.0], GradientDescent::new(1.5)?, options)?;
    /// assert_eq!(report.reason, StopReason::Diverged(Divergence::ValueExploded));
    /// assert_eq!(report.iterations, 4); // 4⁴ = 256 > 1 + 100
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn divergence_factor(mut self, factor: T) -> Self {
        self.divergence_factor = factor;
        self
    }

    /// Continues from the optimizer's state instead of resetting it: with the same optimizer passed
    /// as `&mut`, a run from the last run's `report.x` takes the steps the last run would have
    /// taken next (Adam's moments and step count, L-BFGS's memory, a schedule's position are
    /// kept). Off by default: each run starts the optimizer afresh. With `minimize_batches` and
    /// the batches passed as `&mut` too, the start is evaluated on the batch the last run ended
    /// on and the shuffles continue, so a split mini-batch run also equals one run (see
    /// [`minimize_batches`](crate::minimize_batches)).
    ///
    /// ```
    /// use grad_runtime::{Options, minimize, optim::Adam};
    ///
    /// fn f_grad(x: f64, y: f64) -> (f64, [f64; 2]) {
    ///     (x * x + 10.0 * y * y, [2.0 * x, 20.0 * y])
    /// }
    /// let mut adam = Adam::new(0.1)?;
    /// let once = minimize(f_grad, [1.0, 1.0], &mut adam, Options::new().max_iters(200).grad_tol(0.0))?;
    ///
    /// let mut adam = Adam::new(0.1)?;
    /// let first = minimize(f_grad, [1.0, 1.0], &mut adam, Options::new().max_iters(100).grad_tol(0.0))?;
    /// let options = Options::new().max_iters(100).grad_tol(0.0).resume(true);
    /// let second = minimize(f_grad, &first.x, &mut adam, options)?;
    /// assert_eq!(second.x, once.x); // bit for bit
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn resume(mut self, on: bool) -> Self {
        self.resume = on;
        self
    }

    /// Early stopping: ends the run with [`StopReason::NoImprovement`](crate::StopReason) once
    /// `iterations` steps have passed without a value below the best so far (`Report::best_x`
    /// holds that best point).
    ///
    /// ```
    /// use grad_runtime::{Options, StopReason, minimize, optim::GradientDescent};
    ///
    /// fn f_grad(x: f64) -> (f64, [f64; 1]) {
    ///     (x * x, [2.0 * x])
    /// }
    /// // Oscillates between 3 and -3 forever: no step improves on the start.
    /// let options = Options::new().patience(5);
    /// let report = minimize(f_grad, [3.0], GradientDescent::new(1.0)?, options)?;
    /// assert_eq!(report.reason, StopReason::NoImprovement);
    /// assert_eq!((report.iterations, report.best_iteration), (5, 0));
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn patience(mut self, iterations: usize) -> Self {
        self.patience = Some(iterations);
        self
    }

    /// Catches a panic of the objective, an observer or a callback during the run and returns
    /// the report so far (`StopReason::Panicked`, the message in `report.panic`, `x` the last
    /// iterate evaluated) instead of unwinding through `minimize` and losing the run. Off by
    /// default: a panic then propagates as usual. (A panic while evaluating the start is not
    /// caught: there is nothing to keep yet.) Costs one copy of the iterate per step.
    ///
    /// ```
    /// use grad_runtime::{Options, StopReason, minimize, optim::GradientDescent};
    ///
    /// let f = |x: &[f64], g: &mut [f64]| {
    ///     assert!(x[0] > 0.5, "left the domain at {}", x[0]);
    ///     g[0] = 2.0 * x[0];
    ///     x[0] * x[0]
    /// };
    /// let options = Options::new().catch_panics(true);
    /// let report = minimize(f, [1.0], GradientDescent::new(0.1)?, options)?;
    /// assert_eq!(report.reason, StopReason::Panicked);
    /// assert!(report.panic.as_deref().is_some_and(|m| m.starts_with("left the domain")));
    /// assert!(report.x[0] > 0.5); // the last point the objective accepted
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn catch_panics(mut self, on: bool) -> Self {
        self.catch_panics = on;
        self
    }

    /// Judges the best point (`Report::best_x`, and `patience`) by a validation objective
    /// `f(x) -> T`, evaluated at the start and every `every` iterations, instead of by the
    /// training value: the usual guard against over-fitting.
    ///
    /// ```
    /// use grad_runtime::{Options, StopReason, minimize, optim::GradientDescent};
    ///
    /// // Training pulls x to 1; the validation data would have it at 0.5.
    /// fn train_grad(x: f64) -> (f64, [f64; 1]) {
    ///     ((x - 1.0).powi(2), [2.0 * (x - 1.0)])
    /// }
    /// let validation = |x: &[f64]| (x[0] - 0.5).powi(2);
    /// let options = Options::new().validation(1, validation).patience(3);
    /// let report = minimize(train_grad, [0.0], GradientDescent::new(0.1)?, options)?;
    /// assert_eq!(report.reason, StopReason::NoImprovement);
    /// assert!((report.best_x[0] - 0.5).abs() < 0.1, "{:?}", report.best_x);
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn validation(mut self, every: usize, f: impl FnMut(&[T]) -> T + 'a) -> Self {
        self.validation = Some(Validation {
            every: every.max(1),
            f: Box::new(f),
        });
        self
    }

    /// Records the value and gradient norm of every iterate in `Report::history`.
    ///
    /// ```
    /// use grad_runtime::{Options, minimize, optim::GradientDescent};
    ///
    /// fn f_grad(x: f64) -> (f64, [f64; 1]) {
    ///     (x * x, [2.0 * x])
    /// }
    /// let options = Options::new().max_iters(3).history(true);
    /// let report = minimize(f_grad, [1.0], GradientDescent::new(0.25)?, options)?;
    /// assert_eq!(report.history.values.len(), 4);
    /// assert!(report.history.points.is_empty());
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn history(mut self, on: bool) -> Self {
        self.history = on;
        self
    }

    /// Records the points as well as values and gradient norms (one copy of `x` per
    /// iteration: mind the memory for large problems).
    ///
    /// ```
    /// use grad_runtime::{Options, minimize, optim::GradientDescent};
    ///
    /// fn f_grad(x: f64) -> (f64, [f64; 1]) {
    ///     (x * x, [2.0 * x])
    /// }
    /// let options = Options::new().max_iters(1).history_points(true);
    /// let report = minimize(f_grad, [1.0], GradientDescent::new(0.25)?, options)?;
    /// assert_eq!(report.history.points, [vec![1.0], vec![0.5]]);
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn history_points(mut self, on: bool) -> Self {
        self.history_points = on;
        self
    }

    /// Calls `f` with the [`State`] at the start and after every step. It may return `()` or a
    /// [`Control`]; `Control::Stop` ends the run with `StopReason::UserStop`.
    ///
    /// ```
    /// use grad_runtime::{Control, Options, StopReason, minimize, optim::GradientDescent};
    ///
    /// fn f_grad(x: f64) -> (f64, [f64; 1]) {
    ///     (x * x, [2.0 * x])
    /// }
    /// let options = Options::new().on_iteration(|s| {
    ///     println!("{:4} {:.3e}", s.iteration, s.value);
    ///     if s.iteration == 3 { Control::Stop } else { Control::Continue }
    /// });
    /// let report = minimize(f_grad, [1.0], GradientDescent::default(), options)?;
    /// assert_eq!((report.reason, report.iterations), (StopReason::UserStop, 3));
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn on_iteration<F, R>(mut self, mut f: F) -> Self
    where
        F: FnMut(&State<'_, T>) -> R + 'a,
        R: Into<Control>,
    {
        self.observers
            .push(Box::new(FnObserver(move |s: &State<'_, T>| f(s).into())));
        self
    }

    /// Stops the run (`StopReason::UserStop`) as soon as `predicate` holds.
    ///
    /// ```
    /// use grad_runtime::{Options, StopReason, minimize, optim::GradientDescent};
    ///
    /// fn f_grad(x: f64) -> (f64, [f64; 1]) {
    ///     (x * x, [2.0 * x])
    /// }
    /// let options = Options::new().stop_when(|s| s.value < 0.01);
    /// let report = minimize(f_grad, [1.0], GradientDescent::new(0.1)?, options)?;
    /// assert_eq!(report.reason, StopReason::UserStop);
    /// assert!(report.value < 0.01);
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn stop_when<F>(self, mut predicate: F) -> Self
    where
        F: FnMut(&State<'_, T>) -> bool + 'a,
    {
        self.on_iteration(move |s| {
            if predicate(s) {
                Control::Stop
            } else {
                Control::Continue
            }
        })
    }

    /// Adds an [`Observer`] (for observers with set-up or tear-down; closures go to
    /// [`on_iteration`](Self::on_iteration)).
    ///
    /// ```
    /// use grad_runtime::core::{Control, Observer, State};
    /// use grad_runtime::Options;
    ///
    /// struct Count(usize);
    /// impl Observer<f64> for Count {
    ///     fn observe(&mut self, _: &State<'_, f64>) -> Control {
    ///         self.0 += 1;
    ///         Control::Continue
    ///     }
    /// }
    /// let options = Options::new().observer(Count(0));
    /// ```
    pub fn observer(mut self, observer: impl Observer<T> + 'a) -> Self {
        self.observers.push(Box::new(observer));
        self
    }

    /// Shows a progress bar on standard error (hidden when it is not a terminal).
    ///
    /// ```
    /// use grad_runtime::Options;
    ///
    /// let options = Options::<f64>::new().max_iters(100_000).progress_bar();
    /// ```
    #[cfg(feature = "progress")]
    pub fn progress_bar(self) -> Self {
        self.observer(crate::core::progress::ProgressBar::new())
    }

    /// The iteration limit in force: an explicit one, else the default unless epochs bound the
    /// run.
    pub(crate) fn effective_max_iters(&self) -> Option<usize> {
        match (self.max_iters, self.max_epochs) {
            (Some(n), _) => Some(n),
            (None, Some(_)) => None,
            (None, None) => Some(DEFAULT_MAX_ITERS),
        }
    }

    pub(crate) fn validate(&self) -> Result<(), Error> {
        let tolerances = [
            ("grad_tol", self.grad_tol),
            ("value_tol", self.value_tol),
            ("param_tol", self.param_tol),
        ];
        for (name, tol) in tolerances {
            if let Some(tol) = tol {
                ensure(
                    tol >= T::zero(),
                    name,
                    "tolerances must be non-negative",
                    tol,
                )?;
            }
        }
        ensure(
            self.divergence_factor > T::zero(),
            "divergence_factor",
            "the divergence factor must be positive",
            self.divergence_factor,
        )
    }
}

impl<T: fmt::Debug> fmt::Debug for Options<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("max_iters", &self.max_iters)
            .field("max_epochs", &self.max_epochs)
            .field("max_evaluations", &self.max_evaluations)
            .field("max_time", &self.max_time)
            .field("grad_tol", &self.grad_tol)
            .field("value_tol", &self.value_tol)
            .field("param_tol", &self.param_tol)
            .field("divergence_factor", &self.divergence_factor)
            .field("history", &self.history)
            .field("history_points", &self.history_points)
            .field("resume", &self.resume)
            .field("patience", &self.patience)
            .field("catch_panics", &self.catch_panics)
            .field(
                "validation_every",
                &self.validation.as_ref().map(|v| v.every),
            )
            .field("observers", &self.observers.len())
            .finish()
    }
}

/// A validation objective: the point's score, lower is better.
type Score<'a, T> = Box<dyn FnMut(&[T]) -> T + 'a>;

/// A validation objective and how often to evaluate it.
pub(crate) struct Validation<'a, T> {
    pub(crate) every: usize,
    pub(crate) f: Score<'a, T>,
}

/// Writes every setting and none of the hooks (see [Checkpoints](Options#checkpoints)).
///
/// ```
/// # #[cfg(feature = "serde")] {
/// use grad_runtime::Options;
///
/// let options = Options::<f64>::new().max_epochs(20).patience(5).validation(2, |x| x[0]);
/// let json = serde_json::to_string(&options).unwrap();
/// assert!(json.contains(r#""max_epochs":20"#) && json.contains(r#""patience":5"#), "{json}");
/// assert!(!json.contains("validation"), "{json}"); // code is not saved
/// # }
/// ```
#[cfg(feature = "serde")]
impl<T: Real + serde::Serialize> serde::Serialize for Options<'_, T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        saved::Settings::of(self).serialize(serializer)
    }
}

/// Reads the settings into options without hooks (see [Checkpoints](Options#checkpoints)).
/// The options may be given any lifetime, `Options<'static, T>` in a checkpoint struct
/// included, and still take hooks that borrow local data afterwards.
///
/// ```
/// # #[cfg(feature = "serde")] {
/// use grad_runtime::{Options, StopReason, minimize, optim::GradientDescent};
///
/// #[derive(serde::Deserialize)]
/// struct Checkpoint {
///     options: Options<'static, f64>,
///     x: Vec<f64>,
/// }
/// let file = r#"{ "options": { "max_iters": 3, "grad_tol": null }, "x": [1.0] }"#;
/// let Checkpoint { options, x } = serde_json::from_str(file).unwrap();
///
/// let mut seen = Vec::new();
/// let options = options.on_iteration(|s| seen.push(s.value));
/// fn f_grad(x: f64) -> (f64, [f64; 1]) {
///     (x * x, [2.0 * x])
/// }
/// let report = minimize(f_grad, &x, GradientDescent::new(0.25)?, options)?;
/// assert_eq!((report.reason, report.iterations), (StopReason::MaxIterations, 3));
/// assert_eq!(seen.len(), 4);
/// # }
/// # Ok::<(), grad_runtime::Error>(())
/// ```
#[cfg(feature = "serde")]
impl<'de, T: Real + serde::Deserialize<'de>> serde::Deserialize<'de> for Options<'_, T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(saved::Settings::deserialize(deserializer)?.into_options())
    }
}

/// The saved form of `Options`: the settings without the hooks, which are code.
#[cfg(feature = "serde")]
mod saved {
    use std::fmt;
    use std::marker::PhantomData;
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

    use super::Options;
    use crate::core::real::Real;

    /// Field names are those of the builder methods, so a hand-written file reads like code.
    #[derive(Serialize, Deserialize)]
    #[serde(
        rename = "Options",
        default,
        deny_unknown_fields,
        bound(
            serialize = "T: Real + Serialize",
            deserialize = "T: Real + Deserialize<'de>"
        )
    )]
    pub(super) struct Settings<T> {
        max_iters: Option<usize>,
        max_epochs: Option<usize>,
        max_evaluations: Option<usize>,
        max_time: Option<Duration>,
        grad_tol: Option<Float<T>>,
        value_tol: Option<Float<T>>,
        param_tol: Option<Float<T>>,
        divergence_factor: Float<T>,
        history: bool,
        history_points: bool,
        resume: bool,
        patience: Option<usize>,
        catch_panics: bool,
    }

    impl<T: Real> Settings<T> {
        pub(super) fn of(o: &Options<'_, T>) -> Self {
            Settings {
                max_iters: o.max_iters,
                max_epochs: o.max_epochs,
                max_evaluations: o.max_evaluations,
                max_time: o.max_time,
                grad_tol: o.grad_tol.map(Float),
                value_tol: o.value_tol.map(Float),
                param_tol: o.param_tol.map(Float),
                divergence_factor: Float(o.divergence_factor),
                history: o.history,
                history_points: o.history_points,
                resume: o.resume,
                patience: o.patience,
                catch_panics: o.catch_panics,
            }
        }

        pub(super) fn into_options<'a>(self) -> Options<'a, T> {
            Options {
                max_iters: self.max_iters,
                max_epochs: self.max_epochs,
                max_evaluations: self.max_evaluations,
                max_time: self.max_time,
                grad_tol: self.grad_tol.map(|t| t.0),
                value_tol: self.value_tol.map(|t| t.0),
                param_tol: self.param_tol.map(|t| t.0),
                divergence_factor: self.divergence_factor.0,
                history: self.history,
                history_points: self.history_points,
                resume: self.resume,
                patience: self.patience,
                catch_panics: self.catch_panics,
                validation: None,
                observers: Vec::new(),
            }
        }
    }

    /// What a file that leaves a setting out means: the default, as with the builder.
    impl<T: Real> Default for Settings<T> {
        fn default() -> Self {
            Settings::of(&Options::default())
        }
    }

    /// A float setting. serde_json writes infinity and NaN as `null`, which would read back as
    /// "no tolerance" or fail, so human-readable formats get words for them instead.
    pub(super) struct Float<T>(pub(super) T);

    impl<T: Real + Serialize> Serialize for Float<T> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let v = self.0;
            if v.is_finite() || !s.is_human_readable() {
                v.serialize(s)
            } else if v.is_nan() {
                s.serialize_str("NaN")
            } else if v > T::zero() {
                s.serialize_str("inf")
            } else {
                s.serialize_str("-inf")
            }
        }
    }

    impl<'de, T: Real + Deserialize<'de>> Deserialize<'de> for Float<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            if d.is_human_readable() {
                // A number or a word: only a self-describing format can say which comes.
                d.deserialize_any(FloatVisitor(PhantomData)).map(Float)
            } else {
                T::deserialize(d).map(Float)
            }
        }
    }

    struct FloatVisitor<T>(PhantomData<T>);

    impl<T: Real> FloatVisitor<T> {
        fn number<E: de::Error>(v: f64) -> Result<T, E> {
            T::from(v).ok_or_else(|| E::custom(format_args!("{v} is out of range")))
        }
    }

    impl<T: Real> de::Visitor<'_> for FloatVisitor<T> {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(r#"a number, "inf", "-inf" or "NaN""#)
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
            Self::number(v)
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
            // Integers in a hand-written file (`"grad_tol": 0`) are tolerances too.
            Self::number(v as f64)
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
            Self::number(v as f64)
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            match v {
                "inf" => Ok(T::infinity()),
                "-inf" => Ok(T::neg_infinity()),
                "NaN" => Ok(T::nan()),
                _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
            }
        }
    }
}
