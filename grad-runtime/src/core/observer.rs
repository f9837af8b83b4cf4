//! Per-iteration hooks: what observers see and how they ask to stop.

use std::time::Duration;

use crate::core::report::Report;

/// The current iterate as observers see it, once per iteration (iteration 0 is the start).
///
/// ```
/// use grad_runtime::{Options, minimize, optim::GradientDescent};
///
/// fn f_grad(x: f64) -> (f64, [f64; 1]) {
///     (x * x, [2.0 * x])
/// }
/// let mut seen = Vec::new();
/// let options = Options::new().max_iters(2).on_iteration(|s| seen.push((s.iteration, s.x[0])));
/// minimize(f_grad, [1.0], GradientDescent::new(0.25)?, options)?;
/// assert_eq!(seen, [(0, 1.0), (1, 0.5), (2, 0.25)]);
/// # Ok::<(), grad_runtime::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct State<'a, T> {
    /// Steps taken so far.
    pub iteration: usize,
    /// The current parameters.
    pub x: &'a [T],
    /// The value at `x` (a batch value in mini-batch runs).
    pub value: T,
    /// The gradient at `x`.
    pub grad: &'a [T],
    /// `‖grad‖₂`.
    pub grad_norm: T,
    /// Objective evaluations so far.
    pub evaluations: usize,
    /// Time since the run started.
    pub elapsed: Duration,
    /// Completed epochs (mini-batch runs only).
    pub epoch: Option<usize>,
    /// The learning rate the next step will use, for optimizers that have one (schedules
    /// included).
    pub learning_rate: Option<T>,
}

/// An observer's answer: go on, or stop the run with [`StopReason::UserStop`].
///
/// Closures given to `Options::on_iteration` may return `Control` or `()` (never stops).
///
/// [`StopReason::UserStop`]: crate::StopReason::UserStop
///
/// ```
/// use grad_runtime::Control;
///
/// let c: Control = ().into();
/// assert_eq!(c, Control::Continue);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// Keep iterating.
    Continue,
    /// End the run now.
    Stop,
}

impl From<()> for Control {
    fn from((): ()) -> Self {
        Control::Continue
    }
}

/// Facts about a run, given to [`Observer::start`].
///
/// ```
/// use grad_runtime::core::{Observer, RunInfo, State, Control};
///
/// struct Banner;
/// impl Observer<f64> for Banner {
///     fn start(&mut self, info: &RunInfo) {
///         println!("{} on {} parameters", info.optimizer, info.dim);
///     }
///     fn observe(&mut self, _: &State<'_, f64>) -> Control {
///         Control::Continue
///     }
/// }
/// ```
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct RunInfo {
    /// The optimizer's name.
    pub optimizer: &'static str,
    /// The number of parameters.
    pub dim: usize,
    /// The iteration limit in force, if any.
    pub max_iters: Option<usize>,
    /// The epoch limit in force, if any (mini-batch runs).
    pub max_epochs: Option<usize>,
}

/// A hook called once per iteration; the way to log, plot, checkpoint or stop early.
///
/// Closures are the common case (`Options::on_iteration`, `Options::stop_when`); implement the
/// trait for observers with set-up and tear-down.
///
/// ```
/// use grad_runtime::core::{Control, Observer, State};
/// use grad_runtime::{Options, Report, minimize, optim::GradientDescent};
///
/// #[derive(Default)]
/// struct Best(f64);
///
/// impl Observer<f64> for Best {
///     fn observe(&mut self, s: &State<'_, f64>) -> Control {
///         self.0 = s.value;
///         Control::Continue
///     }
///     fn finish(&mut self, report: &Report<f64>) {
///         println!("final value {} ({})", self.0, report.reason);
///     }
/// }
///
/// fn f_grad(x: f64) -> (f64, [f64; 1]) {
///     (x * x, [2.0 * x])
/// }
/// let options = Options::new().max_iters(5).observer(Best::default());
/// minimize(f_grad, [1.0], GradientDescent::new(0.1)?, options)?;
/// # Ok::<(), grad_runtime::Error>(())
/// ```
pub trait Observer<T> {
    /// Called once before the first evaluation.
    ///
    /// ```
    /// use grad_runtime::core::{Control, Observer, RunInfo, State};
    ///
    /// struct Quiet;
    /// impl Observer<f32> for Quiet {
    ///     fn start(&mut self, info: &RunInfo) {
    ///         assert!(info.dim > 0);
    ///     }
    ///     fn observe(&mut self, _: &State<'_, f32>) -> Control {
    ///         Control::Continue
    ///     }
    /// }
    /// ```
    fn start(&mut self, info: &RunInfo) {
        let _ = info;
    }

    /// Called at the start point and after every step; [`Control::Stop`] ends the run.
    ///
    /// ```
    /// use grad_runtime::core::{Control, Observer, State};
    ///
    /// struct StopBelow(f64);
    /// impl Observer<f64> for StopBelow {
    ///     fn observe(&mut self, s: &State<'_, f64>) -> Control {
    ///         if s.value < self.0 { Control::Stop } else { Control::Continue }
    ///     }
    /// }
    /// ```
    fn observe(&mut self, state: &State<'_, T>) -> Control;

    /// Called once with the final report.
    ///
    /// ```
    /// use grad_runtime::core::{Control, Observer, State};
    /// use grad_runtime::Report;
    ///
    /// struct Summary;
    /// impl Observer<f64> for Summary {
    ///     fn observe(&mut self, _: &State<'_, f64>) -> Control {
    ///         Control::Continue
    ///     }
    ///     fn finish(&mut self, report: &Report<f64>) {
    ///         eprintln!("{report}");
    ///     }
    /// }
    /// ```
    fn finish(&mut self, report: &Report<T>) {
        let _ = report;
    }
}

/// Adapts a closure; `Options::on_iteration` builds it so closures need no annotations.
pub(crate) struct FnObserver<F>(pub(crate) F);

impl<T, F> Observer<T> for FnObserver<F>
where
    F: FnMut(&State<'_, T>) -> Control,
{
    fn observe(&mut self, state: &State<'_, T>) -> Control {
        (self.0)(state)
    }
}
