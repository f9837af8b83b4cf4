//! The optimizers: one type per algorithm, each implementing the small [`Optimizer`] trait.
//!
//! | optimizer | needs | use for |
//! |---|---|---|
//! | [`GradientDescent`] | gradient | teaching, baselines, well-conditioned problems |
//! | [`Sgd`] | gradient | momentum / Nesterov, PyTorch `SGD` semantics |
//! | [`Adam`], [`AdamW`] | gradient | noisy or mini-batch objectives, deep models |
//! | [`RmsProp`] | gradient | non-stationary objectives |
//! | [`Adagrad`] | gradient | sparse features |
//! | [`Lbfgs`] | value + gradient, deterministic | smooth problems to high accuracy |
//! | [`NewtonCg`] | + Hessian–vector products | large smooth problems, few iterations |
//! | [`Newton`] | + the dense Hessian | small smooth problems (n up to a few hundred) |
//!
//! First-order optimizers also implement [`FirstOrder`], which lets a learning-rate
//! [schedule](crate::schedule) drive them and [`Groups`] give each part of the parameters an
//! optimizer of its own. Defaults equal `torch.optim`'s.
//!
//! Gradient transformations chain as wrappers, in the spirit of Optax's `chain`, without a type
//! per combination: `Adam::new(1e-3)?.clip_grad_norm(1.0)?.with_schedule(..)` clips, then steps
//! Adam at the scheduled rate; `Clipped::new(Groups::new().group(..).group(..), Clip::Norm(1.0))`
//! clips by the global norm before each group steps.
//!
//! ```
//! use grad_runtime::optim::{Adam, Lbfgs, Optimizer, Sgd};
//! use grad_runtime::{Options, minimize};
//!
//! fn f_grad(x: f64, y: f64) -> (f64, [f64; 2]) {
//!     (x * x + y * y, [2.0 * x, 2.0 * y])
//! }
//! let candidates: Vec<Box<dyn Optimizer<f64>>> =
//!     vec![Box::new(Sgd::new(0.1)?), Box::new(Adam::new(0.1)?), Box::new(Lbfgs::default())];
//! for optimizer in candidates {
//!     let report = minimize(f_grad, [1.0, 2.0], optimizer, Options::new().max_iters(500))?;
//!     assert!(report.value < 1e-6, "{report}");
//! }
//! # Ok::<(), grad_runtime::Error>(())
//! ```

/// `FirstOrder` for a wrapper whose learning rate is its `inner` optimizer's (clipping,
/// plateau reduction) and whose own work is its `before_step(&mut self, &mut Point<T>)`: one
/// definition instead of a copy per wrapper.
macro_rules! first_order_of_inner {
    ($wrapper:ident) => {
        impl<T: Real, O: FirstOrder<T>> FirstOrder<T> for $wrapper<O, T> {
            fn lr(&self) -> T {
                self.inner.lr()
            }

            fn set_lr(&mut self, lr: T) {
                self.inner.set_lr(lr);
            }

            fn update(&mut self, point: &mut Point<T>) {
                self.before_step(point);
                self.inner.update(point);
            }
        }
    };
}
pub(crate) use first_order_of_inner;

mod adagrad;
mod adam;
mod adamw;
mod clip;
mod gd;
mod groups;
mod lbfgs;
mod newton;
mod newton_cg;
mod rmsprop;
mod sgd;

pub use adagrad::{Adagrad, AdagradBuilder};
pub use adam::{Adam, AdamBuilder};
pub use adamw::{AdamW, AdamWBuilder};
pub use clip::{Clip, Clipped};
pub use gd::GradientDescent;
pub use groups::Groups;
pub use lbfgs::{Lbfgs, LbfgsBuilder};
pub use newton::Newton;
pub use newton_cg::{Forcing, NewtonCg, NewtonCgBuilder};
pub use rmsprop::{RmsProp, RmsPropBuilder};
pub use sgd::{Sgd, SgdBuilder};

use crate::core::{Point, Problem, Real};
use crate::error::Error;
use crate::schedule::{Schedule, Scheduled};

/// What an optimizer step achieved.
///
/// ```
/// use grad_runtime::optim::Step;
///
/// assert_ne!(Step::Moved, Step::Stalled);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Step {
    /// The point moved to a new, evaluated iterate.
    Moved,
    /// No acceptable step was found; the point is unchanged. Ends the run with
    /// [`StopReason::Stalled`](crate::StopReason::Stalled).
    Stalled,
}

/// One optimization algorithm: set up buffers once, then take steps.
///
/// The loop owns the iterate; [`step`](Optimizer::step) receives it evaluated (value and
/// gradient at `point.x`) and must leave it evaluated at the new iterate, typically by updating
/// `point.x` in place and calling [`Problem::eval_point`]. Stopping rules, observers, timing and
/// NaN handling are the loop's business, not the optimizer's.
///
/// ```
/// use grad_runtime::core::{Point, Problem};
/// use grad_runtime::optim::{Optimizer, Step};
/// use grad_runtime::{Error, Options, minimize};
///
/// /// Sign gradient descent: x ← x − α·sign(∇f).
/// struct SignDescent(f64);
///
/// impl Optimizer<f64> for SignDescent {
///     fn name(&self) -> &'static str {
///         "sign descent"
///     }
///     fn init(&mut self, _dim: usize) -> Result<(), Error> {
///         Ok(())
///     }
///     fn step(&mut self, problem: &mut Problem<'_, f64>, point: &mut Point<f64>) -> Step {
///         for (x, g) in point.x.iter_mut().zip(&point.grad) {
///             *x -= self.0 * g.signum();
///         }
///         problem.eval_point(point);
///         Step::Moved
///     }
/// }
///
/// fn f_grad(x: f64) -> (f64, [f64; 1]) {
///     (x * x, [2.0 * x])
/// }
/// let report = minimize(f_grad, [1.0], SignDescent(0.25), Options::new().max_iters(4))?;
/// assert_eq!(report.x, [0.0]);
/// # Ok::<(), grad_runtime::Error>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an optimizer for `{T}`",
    note = "use one of `grad_runtime::optim` (e.g. `Adam::default()`, `Lbfgs::default()`) or implement `Optimizer<{T}>`"
)]
pub trait Optimizer<T: Real> {
    /// A short human-readable name, used in reports and progress bars.
    ///
    /// ```
    /// use grad_runtime::optim::{Adam, Optimizer};
    ///
    /// assert_eq!(Optimizer::<f64>::name(&Adam::default()), "Adam");
    /// ```
    fn name(&self) -> &'static str;

    /// Allocates and resets all state for `dim` parameters; called once per run, before the
    /// first step. Steps must not allocate.
    ///
    /// ```
    /// use grad_runtime::optim::{Adam, Optimizer};
    ///
    /// let mut adam = Adam::<f64>::default();
    /// adam.init(3)?;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    fn init(&mut self, dim: usize) -> Result<(), Error>;

    /// Prepares a run that continues from where the last one left off (see
    /// [`Options::resume`](crate::Options::resume)): the state (moments, memory, step counts) is
    /// kept when it was set up for `dim` parameters, and set up as by [`init`](Optimizer::init)
    /// otherwise. Optimizers without state need not implement it.
    ///
    /// ```
    /// use grad_runtime::optim::{Adam, Optimizer};
    ///
    /// let mut adam = Adam::<f64>::default();
    /// adam.resume(3)?; // nothing to keep yet: as `init`
    /// adam.resume(3)?; // keeps the moments
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    fn resume(&mut self, dim: usize) -> Result<(), Error> {
        self.init(dim)
    }

    /// Moves `point` (evaluated) to the next iterate (evaluated).
    ///
    /// ```
    /// use grad_runtime::core::{Point, Problem};
    /// use grad_runtime::optim::{GradientDescent, Optimizer, Step};
    ///
    /// let mut f = |x: &[f64], g: &mut [f64]| {
    ///     g[0] = 2.0 * x[0];
    ///     x[0] * x[0]
    /// };
    /// let mut problem = Problem::new(&mut f);
    /// let mut point = Point::new(vec![1.0]);
    /// problem.eval_point(&mut point);
    /// let mut gd = GradientDescent::new(0.25)?;
    /// gd.init(1)?;
    /// assert_eq!(gd.step(&mut problem, &mut point), Step::Moved);
    /// assert_eq!((point.x[0], point.value), (0.5, 0.25));
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    fn step(&mut self, problem: &mut Problem<'_, T>, point: &mut Point<T>) -> Step;

    /// The learning rate the next step will use, for optimizers that have one; shown to
    /// observers.
    ///
    /// ```
    /// use grad_runtime::optim::{Adam, Lbfgs, Optimizer};
    ///
    /// assert_eq!(Adam::<f64>::default().learning_rate(), Some(1e-3));
    /// assert_eq!(Optimizer::<f64>::learning_rate(&Lbfgs::default()), None);
    /// ```
    fn learning_rate(&self) -> Option<T> {
        None
    }
}

impl<T: Real, O: Optimizer<T> + ?Sized> Optimizer<T> for &mut O {
    fn name(&self) -> &'static str {
        (**self).name()
    }
    fn init(&mut self, dim: usize) -> Result<(), Error> {
        (**self).init(dim)
    }
    fn resume(&mut self, dim: usize) -> Result<(), Error> {
        (**self).resume(dim)
    }
    fn step(&mut self, problem: &mut Problem<'_, T>, point: &mut Point<T>) -> Step {
        (**self).step(problem, point)
    }
    fn learning_rate(&self) -> Option<T> {
        (**self).learning_rate()
    }
}

impl<T: Real, O: Optimizer<T> + ?Sized> Optimizer<T> for Box<O> {
    fn name(&self) -> &'static str {
        (**self).name()
    }
    fn init(&mut self, dim: usize) -> Result<(), Error> {
        (**self).init(dim)
    }
    fn resume(&mut self, dim: usize) -> Result<(), Error> {
        (**self).resume(dim)
    }
    fn step(&mut self, problem: &mut Problem<'_, T>, point: &mut Point<T>) -> Step {
        (**self).step(problem, point)
    }
    fn learning_rate(&self) -> Option<T> {
        (**self).learning_rate()
    }
}

/// The step of a first-order optimizer: its update, then the evaluation at the new point.
pub(crate) fn first_order_step<T: Real, O: FirstOrder<T> + ?Sized>(
    optimizer: &mut O,
    problem: &mut Problem<'_, T>,
    point: &mut Point<T>,
) -> Step {
    optimizer.update(point);
    problem.eval_point(point);
    Step::Moved
}

impl<T: Real, O: FirstOrder<T> + ?Sized> FirstOrder<T> for Box<O> {
    fn lr(&self) -> T {
        (**self).lr()
    }
    fn set_lr(&mut self, lr: T) {
        (**self).set_lr(lr);
    }
    fn update(&mut self, point: &mut Point<T>) {
        (**self).update(point);
    }
}

/// An optimizer driven by a learning rate, which a [`Schedule`] may change between steps.
///
/// ```
/// use grad_runtime::optim::{FirstOrder, Sgd};
///
/// let mut sgd = Sgd::<f64>::new(0.1)?;
/// sgd.set_lr(0.05);
/// assert_eq!(sgd.lr(), 0.05);
/// # Ok::<(), grad_runtime::Error>(())
/// ```
pub trait FirstOrder<T: Real>: Optimizer<T> {
    /// The current learning rate.
    ///
    /// ```
    /// use grad_runtime::optim::{Adam, FirstOrder};
    ///
    /// assert_eq!(Adam::<f32>::default().lr(), 1e-3);
    /// ```
    fn lr(&self) -> T;

    /// Replaces the learning rate (unchecked: schedules may reach 0).
    ///
    /// ```
    /// use grad_runtime::optim::{FirstOrder, RmsProp};
    ///
    /// let mut rms = RmsProp::<f64>::default();
    /// rms.set_lr(0.5);
    /// assert_eq!(rms.lr(), 0.5);
    /// ```
    fn set_lr(&mut self, lr: T);

    /// Moves `point.x` by one step from the value and gradient `point` holds, without evaluating
    /// the objective: the update rule alone, which [`Groups`] applies to each group's share of the
    /// parameters. [`step`](Optimizer::step) is this update followed by an evaluation.
    ///
    /// ```
    /// use grad_runtime::core::Point;
    /// use grad_runtime::optim::{FirstOrder, Sgd};
    ///
    /// let mut point = Point::new(vec![1.0, 2.0]);
    /// point.grad = vec![0.5, -1.0];
    /// let mut sgd = Sgd::new(0.1)?;
    /// grad_runtime::optim::Optimizer::init(&mut sgd, 2)?;
    /// sgd.update(&mut point);
    /// assert_eq!(point.x, [1.0 - 0.1 * 0.5, 2.0 + 0.1]);
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    fn update(&mut self, point: &mut Point<T>);

    /// Drives the learning rate with `schedule`, starting from the current one.
    ///
    /// ```
    /// use grad_runtime::optim::{Adam, FirstOrder};
    /// use grad_runtime::schedule::CosineAnnealingLr;
    ///
    /// let adam = Adam::<f64>::new(0.1)?.with_schedule(CosineAnnealingLr::new(100, 0.0)?);
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    fn with_schedule<S: Schedule<T>>(self, schedule: S) -> Scheduled<Self, S, T>
    where
        Self: Sized,
    {
        Scheduled::new(self, schedule)
    }

    /// Steps on the gradient scaled down to Euclidean norm `max` when it is longer.
    ///
    /// ```
    /// use grad_runtime::optim::{Adam, FirstOrder};
    ///
    /// let adam = Adam::<f64>::new(1e-3)?.clip_grad_norm(1.0)?;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    fn clip_grad_norm(self, max: T) -> Result<Clipped<Self, T>, Error>
    where
        Self: Sized,
    {
        Clipped::new(self, Clip::Norm(max))
    }

    /// Steps on the gradient with each component clamped to `[-max, max]`.
    ///
    /// ```
    /// use grad_runtime::optim::{FirstOrder, Sgd};
    ///
    /// let sgd = Sgd::<f64>::new(0.1)?.clip_grad_value(0.5)?;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    fn clip_grad_value(self, max: T) -> Result<Clipped<Self, T>, Error>
    where
        Self: Sized,
    {
        Clipped::new(self, Clip::Value(max))
    }
}
