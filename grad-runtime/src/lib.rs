//! Optimizers, stopping rules and gradient checks for functions differentiated by `grad`.
//!
//! `#[gradient]` turns `fn f(x: f64, y: f64) -> f64` into `f_grad(x, y) -> (f64, [f64; 2])`
//! and a slice loss `loss(w, x, y)` into `loss_grad(w, x, y, d_w) -> f64`. This crate minimizes
//! either shape, in `f32` or `f64`, with no glue code.
//!
//! # Tour
//!
//! ```
//! use grad_runtime::prelude::*;
//!
//! // What #[gradient] emits for `fn rosenbrock(x: f64, y: f64) -> f64`:
//! fn rosenbrock_grad(x: f64, y: f64) -> (f64, [f64; 2]) {
//!     let value = (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2);
//!     (value, [-2.0 * (1.0 - x) - 400.0 * x * (y - x * x), 200.0 * (y - x * x)])
//! }
//!
//! // 1. A scalar function goes straight in; the start is an array.
//! let report = minimize(rosenbrock_grad, [-1.2, 1.0], Lbfgs::default(), Options::new())?;
//! assert!(report.converged());
//! println!("{report}"); // reason, iterations, evaluations, value, |grad|, x
//!
//! // What #[gradient(wrt(w))] emits for a least-squares loss `loss(w, x, y)`:
//! fn loss_grad(w: &[f64], x: &[f64], y: &[f64], d_w: &mut [f64]) -> f64 {
//!     d_w.fill(0.0);
//!     let mut loss = 0.0;
//!     for (&xi, &yi) in x.iter().zip(y) {
//!         let r = w[0] * xi + w[1] - yi;
//!         loss += 0.5 * r * r;
//!         d_w[0] += r * xi;
//!         d_w[1] += r;
//!     }
//!     loss
//! }
//! let (x, y) = ([0.0, 1.0, 2.0], [1.0, 3.0, 5.0]);
//!
//! // 2. A slice objective binds its data in a closure; combine any stopping rules and hooks.
//! let adam = Adam::builder().lr(0.05).build()?.with_schedule(CosineAnnealingLr::new(3000, 1e-4)?);
//! let options = Options::new()
//!     .max_iters(3000)
//!     .grad_tol(1e-6)
//!     .history(true)
//!     .on_iteration(|s| if s.iteration % 1000 == 0 { println!("{:5} {:.3e}", s.iteration, s.value) });
//! let report = minimize(|w: &[f64], g: &mut [f64]| loss_grad(w, &x, &y, g), [0.0, 0.0], adam, options)?;
//! assert!((report.x[0] - 2.0).abs() < 1e-3 && (report.x[1] - 1.0).abs() < 1e-3);
//!
//! // 3. Check a hand-written derivative before trusting it.
//! let check = check_gradient(rosenbrock_grad, [0.5, -0.3])?;
//! assert!(check.passed, "{check}");
//!
//! // 4. Divergence is a result, not a hang: the last finite point comes back.
//! fn square_grad(x: f64) -> (f64, [f64; 1]) {
//!     (x * x, [2.0 * x])
//! }
//! let report = minimize(square_grad, [1.0], GradientDescent::new(1.5)?, Options::new())?;
//! assert!(report.reason.is_diverged());
//! assert!(report.x[0].is_finite());
//! # Ok::<(), grad_runtime::Error>(())
//! ```
//!
//! # Map
//!
//! - [`core`]: [`minimize`], [`minimize_batches`], [`Options`] (stopping rules, history,
//!   observers), [`Report`] and [`StopReason`], the [`Objective`] trait, the one loop.
//! - [`optim`]: [`Optimizer`](optim::Optimizer) and one type per algorithm: gradient descent,
//!   SGD with momentum/Nesterov, Adam, AdamW, RMSProp, Adagrad, L-BFGS. Defaults are PyTorch's.
//!   Gradient clipping ([`Clipped`](optim::Clipped)) in front of any of them; parameter groups
//!   with optimizers and rates of their own ([`Groups`](optim::Groups)). Second order:
//!   Newton (dense Hessian) and Newton-CG (Hessian–vector products, as `#[gradient(hvp)]`
//!   emits them).
//! - [`linesearch`]: Armijo backtracking and strong Wolfe, for L-BFGS.
//! - [`schedule`]: step, exponential, cosine, linear, warm-up, one-cycle and cosine-with-restarts
//!   learning-rate schedules for any first-order optimizer.
//! - [`data`]: seeded shuffled mini-batches for [`minimize_batches`].
//! - [`distributed`]: data-parallel minimization, each process on its shard of the data, values
//!   and gradients summed by an all-reduce before every step (over MPI with the feature `mpi`).
//! - [`check`]: gradients against finite differences.
//! - [`critical`]: eigenvalues of a symmetric matrix; a critical point classified from its
//!   Hessian (minimum, maximum, saddle).
//! - [`hessian`]: sparse and banded Hessians from a few Hessian–vector products (columns that
//!   share no row of a known pattern probed together: `2b + 1` products for a band).
//! - [`params`]: [`Params`], models as trees of floats with a flat view (what
//!   `#[derive(grad::Params)]` implements); every entry point above takes a model as its start.
//! - `argmin` (feature `argmin`): run argmin's solvers on the same functions.
//!
//! # Features
//!
//! - `progress`: `Options::progress_bar()`, an `indicatif` bar for long runs.
//! - `argmin`: `grad_runtime::argmin::ArgminProblem`, over `Vec<T>`.
//! - `argmin-ndarray`, `argmin-nalgebra` (each with `argmin`): the same over `ndarray::Array1<T>`
//!   (ndarray 0.16) or `nalgebra::DVector<T>` (nalgebra 0.34), for argmin's math backends
//!   (`ArgminProblem::with_param_type`).
//! - `serde`: optimizers (with their state), schedules, reports, `Options` (its settings; observers
//!   and the validation objective are attached again after loading) and `data::Batches` (its
//!   place in the stream of shuffles) implement `Serialize` and
//!   `Deserialize`: save a run, read it back after a restart and continue it with
//!   `Options::resume(true)`, bit for bit. (With JSON, turn on `serde_json`'s `float_roundtrip`
//!   feature: its default parser may read a float back one ulp off.)
//! - `rand`: `data::Rng` implements `rand_core`'s `RngCore` and `SeedableRng`.
//! - `mpi`: `distributed::DataParallel::mpi` over any communicator of the `mpi` crate (rsmpi,
//!   re-exported as `distributed::mpi`), summing with `MPI_Allreduce`. Building it needs an MPI
//!   installation (Open MPI or MPICH, with `mpicc`) and libclang.
//! - `parallel`: what `#[gradient(parallel)]` needs (rayon), which splits a loss's sum over data
//!   points across threads.
//!
//! # Errors and bad numbers
//!
//! Set-up mistakes (an invalid learning rate, a start of the wrong length) are [`Error`]s,
//! returned by the builders or by [`minimize`] before anything runs. Anything that goes wrong
//! during a run, a NaN, an overflow, a value growing without bound, ends the run with a
//! [`StopReason`] and the last point whose value and gradient were finite.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

#[cfg(feature = "argmin")]
pub mod argmin;
pub mod check;
pub mod core;
pub mod critical;
pub mod data;
pub mod distributed;
mod error;
pub mod hessian;
pub mod linesearch;
pub mod optim;
pub mod params;
#[doc(hidden)]
pub mod __private {
    //! Support for generated code; not an API.
    pub use crate::parallel::*;
    pub use crate::private::*;
}
mod parallel;
mod private;
pub mod schedule;

pub use crate::core::{
    Control, Criterion, Divergence, Objective, Options, Real, Report, StopReason, minimize,
    minimize_batches, norm,
};
pub use crate::error::Error;
pub use crate::params::Params;

/// The names most programs need, for a glob import.
///
/// ```
/// use grad_runtime::prelude::*;
///
/// fn f_grad(x: f64) -> (f64, [f64; 1]) {
///     (x * x, [2.0 * x])
/// }
/// let report = minimize(f_grad, [1.0], Lbfgs::default(), Options::new())?;
/// assert!(report.converged());
/// # Ok::<(), grad_runtime::Error>(())
/// ```
pub mod prelude {
    pub use crate::check::{check_gradient, directional_derivative, gradient_norm};
    pub use crate::core::{
        Control, Criterion, Divergence, Objective, Options, Real, Report, State, Stepper,
        StopReason, minimize, minimize_batches,
    };
    pub use crate::data::Batches;
    pub use crate::error::Error;
    pub use crate::linesearch::{Backtracking, StrongWolfe};
    pub use crate::optim::{
        Adagrad, Adam, AdamW, Clip, Clipped, FirstOrder, GradientDescent, Groups, Lbfgs, Newton,
        NewtonCg, Optimizer, RmsProp, Sgd,
    };
    pub use crate::params::Params;
    pub use crate::schedule::{CosineAnnealingLr, ExponentialLr, StepLr};
}
