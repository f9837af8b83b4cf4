//! The wrapper that lets a schedule drive an optimizer.

use crate::core::{Point, Problem, Real};
use crate::error::Error;
use crate::optim::{FirstOrder, Optimizer, Step};
use crate::schedule::Schedule;

/// An optimizer whose learning rate follows a [`Schedule`]: before step t (0, 1, …) it sets the
/// rate to `schedule.learning_rate(base, t)`, where `base` is the rate the optimizer had when
/// wrapped. Itself an [`Optimizer`], so it goes wherever one goes; every run restarts the
/// schedule at t = 0.
///
/// ```
/// use grad_runtime::optim::{Adam, FirstOrder};
/// use grad_runtime::schedule::{ExponentialLr, Scheduled};
/// use grad_runtime::{Options, minimize};
///
/// fn f_grad(x: f64, y: f64) -> (f64, [f64; 2]) {
///     (x * x + y * y, [2.0 * x, 2.0 * y])
/// }
/// let adam = Scheduled::new(Adam::new(0.1)?, ExponentialLr::new(0.99)?);
/// // or equivalently: Adam::new(0.1)?.with_schedule(ExponentialLr::new(0.99)?)
/// let report = minimize(f_grad, [1.0, -1.0], adam, Options::new().max_iters(500))?;
/// assert!(report.x.iter().all(|v| v.abs() < 1e-2));
/// # Ok::<(), grad_runtime::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Scheduled<O, S, T> {
    inner: O,
    schedule: S,
    base: T,
    step: usize,
}

impl<T: Real, O: FirstOrder<T>, S: Schedule<T>> Scheduled<O, S, T> {
    /// Wraps `inner`, whose current learning rate becomes the base rate.
    ///
    /// ```
    /// use grad_runtime::optim::Sgd;
    /// use grad_runtime::schedule::{CosineAnnealingLr, Scheduled};
    ///
    /// let sgd = Scheduled::new(Sgd::<f64>::new(0.1)?, CosineAnnealingLr::new(1000, 0.0)?);
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn new(inner: O, schedule: S) -> Self {
        let base = inner.lr();
        Scheduled {
            inner,
            schedule,
            base,
            step: 0,
        }
    }

    /// The wrapped optimizer.
    ///
    /// ```
    /// use grad_runtime::optim::{FirstOrder, Sgd};
    /// use grad_runtime::schedule::StepLr;
    ///
    /// let s = Sgd::<f64>::new(0.1)?.with_schedule(StepLr::new(5, 0.5)?);
    /// assert_eq!(s.inner().lr(), 0.1);
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn inner(&self) -> &O {
        &self.inner
    }

    /// Sets the rate of step t and moves on to t + 1.
    fn advance(&mut self) {
        self.inner
            .set_lr(self.schedule.learning_rate(self.base, self.step));
        self.step += 1;
    }
}

impl<T: Real, O: FirstOrder<T>, S: Schedule<T>> Optimizer<T> for Scheduled<O, S, T> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn init(&mut self, dim: usize) -> Result<(), Error> {
        self.step = 0;
        self.inner.set_lr(self.base);
        self.inner.init(dim)
    }

    fn resume(&mut self, dim: usize) -> Result<(), Error> {
        if self.step == 0 {
            return self.init(dim);
        }
        self.inner.resume(dim)
    }

    fn step(&mut self, problem: &mut Problem<'_, T>, point: &mut Point<T>) -> Step {
        self.advance();
        self.inner.step(problem, point)
    }

    fn learning_rate(&self) -> Option<T> {
        Some(self.schedule.learning_rate(self.base, self.step))
    }
}

/// A scheduled optimizer is itself first-order, so it can be clipped, or be one of several
/// [`Groups`](crate::optim::Groups) with a schedule of its own.
impl<T: Real, O: FirstOrder<T>, S: Schedule<T>> FirstOrder<T> for Scheduled<O, S, T> {
    /// The rate of the next step.
    fn lr(&self) -> T {
        self.schedule.learning_rate(self.base, self.step)
    }

    /// Replaces the base rate the schedule scales.
    fn set_lr(&mut self, lr: T) {
        self.base = lr;
    }

    fn update(&mut self, point: &mut Point<T>) {
        self.advance();
        self.inner.update(point);
    }
}
