//! Learning-rate schedules that drive any [`FirstOrder`](crate::optim::FirstOrder) optimizer.
//!
//! A [`Schedule`] maps the base learning rate and the step number to the learning rate of that
//! step; [`Scheduled`] wraps an optimizer and applies it before every step. The closed forms
//! match `torch.optim.lr_scheduler` with one scheduler step per optimizer step (for per-epoch
//! schedules in mini-batch runs, count steps: epochs × batches per epoch).
//!
//! ```
//! use grad_runtime::optim::{FirstOrder, Sgd};
//! use grad_runtime::schedule::StepLr;
//! use grad_runtime::{Options, minimize};
//!
//! fn f_grad(x: f64) -> (f64, [f64; 1]) {
//!     (x * x, [2.0 * x])
//! }
//! let sgd = Sgd::new(0.4)?.with_schedule(StepLr::new(10, 0.5)?);
//! let report = minimize(f_grad, [1.0], sgd, Options::new())?;
//! assert!(report.converged());
//! # Ok::<(), grad_runtime::Error>(())
//! ```

mod cycles;
mod lr;
mod plateau;
mod scheduled;

pub use cycles::{CosineWarmRestarts, LinearLr, OneCycleLr, Warmup};
pub use lr::{CosineAnnealingLr, ExponentialLr, StepLr};
pub use plateau::ReduceOnPlateau;
pub use scheduled::Scheduled;

/// The learning rate of step `step` (0, 1, …) given the base rate.
///
/// Implemented by the schedules of this module and by closures `Fn(T, usize) -> T`, e.g. a
/// linear warm-up:
///
/// ```
/// use grad_runtime::schedule::Schedule;
///
/// let warmup = |base: f64, step: usize| base * ((step + 1) as f64 / 100.0).min(1.0);
/// assert_eq!(warmup.learning_rate(0.1, 49), 0.05);
/// assert_eq!(warmup.learning_rate(0.1, 500), 0.1);
/// ```
pub trait Schedule<T> {
    /// The learning rate of step `step` when the optimizer was built with `base`.
    ///
    /// ```
    /// use grad_runtime::schedule::{ExponentialLr, Schedule};
    ///
    /// let decay = ExponentialLr::new(0.5)?;
    /// assert_eq!(decay.learning_rate(1.0, 3), 0.125);
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    fn learning_rate(&self, base: T, step: usize) -> T;
}

impl<T, F: Fn(T, usize) -> T> Schedule<T> for F {
    fn learning_rate(&self, base: T, step: usize) -> T {
        self(base, step)
    }
}
