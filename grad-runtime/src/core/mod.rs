//! The problem, the state, the stopping rules, the observers and the one loop, apart from the
//! algorithms in [`optim`](crate::optim).
//!
//! [`minimize`] and [`minimize_batches`] hand an [`Objective`] to a single loop (`run.rs`):
//! it evaluates the start, then repeatedly shows the [`State`] to the observers, consults the
//! stopping rules of [`Options`], and asks the optimizer for one step. Optimizers only implement
//! [`Optimizer::step`](crate::optim::Optimizer::step) on a [`Problem`] and a [`Point`].
//!
//! ```
//! use grad_runtime::core::{Options, StopReason, minimize};
//! use grad_runtime::optim::Sgd;
//!
//! fn f_grad(x: f64, y: f64) -> (f64, [f64; 2]) {
//!     (x * x + 3.0 * y * y, [2.0 * x, 6.0 * y])
//! }
//! let sgd = Sgd::builder().lr(0.1).momentum(0.5).build()?;
//! let options = Options::new().max_iters(200).value_tol(1e-15).history(true);
//! let report = minimize(f_grad, [1.0, 1.0], sgd, options)?;
//! assert!(matches!(report.reason, StopReason::Converged(_)));
//! assert_eq!(report.history.values.len(), report.iterations + 1);
//! # Ok::<(), grad_runtime::Error>(())
//! ```

mod minimize;
mod objective;
mod observer;
mod options;
mod problem;
#[cfg(feature = "progress")]
mod progress;
mod real;
mod report;
mod run;
mod source;
mod stepper;
mod stop;

pub use minimize::{BatchStart, Start};
pub use minimize::{minimize, minimize_batches};
pub use objective::{FlatModel, ModelArgs, ModelRefArgs, Objective, ScalarArgs, SliceArgs};
pub use observer::{Control, Observer, RunInfo, State};
pub use options::Options;
pub use problem::{Point, Problem};
#[cfg(feature = "progress")]
pub use progress::ProgressBar;
pub use real::{Real, norm};
pub use report::{Criterion, Divergence, History, Report, StopReason};
pub use stepper::Stepper;

pub(crate) use real::{count, dot, lit};
