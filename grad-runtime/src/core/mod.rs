//! The problem, the state, the stopping rules, the observers and the one loop, apart from the
//! algorithms in [`optim`](crate::optim).
//!
//! [`minimize`] and [`minimize_batches`] hand an [`Objective`] to a single loop (`run.rs`):
//! it evaluates the start, then repeatedly shows the [`State`] to the observers, consults the
//! stopping rules of [`Options`], and asks the optimizer for one step. Optimizers only implement
//! [`Optimizer::step`](crate::optim::Optimizer::step) on a [`Problem`] and a [`Point`].

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
mod stop;

pub use minimize::{minimize, minimize_batches};
pub use objective::{Objective, ScalarArgs, SliceArgs};
pub use observer::{Control, Observer, RunInfo, State};
pub use options::Options;
pub use problem::{Point, Problem};
#[cfg(feature = "progress")]
pub use progress::ProgressBar;
pub use real::{Real, norm};
pub use report::{Criterion, Divergence, History, Report, StopReason};

pub(crate) use real::{count, dot, lit};
