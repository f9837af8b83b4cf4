//! Reduce the learning rate when the value stops improving (PyTorch's `ReduceLROnPlateau`).

use crate::core::{Point, Problem, Real, lit};
use crate::error::{Error, ensure, non_negative};
use crate::optim::{FirstOrder, Optimizer, Step};

/// An optimizer whose learning rate is multiplied by `factor` once the value has not improved on
/// the best so far (by more than a relative threshold of 1e-4) for `patience` steps, never going
/// below `min_lr` (PyTorch's `ReduceLROnPlateau` in `min` mode, `rel` threshold, cooldown 0).
/// Unlike a [`Schedule`](crate::schedule::Schedule), it reads the values the run produces.
///
/// ```
/// use grad_runtime::optim::{FirstOrder, Sgd};
/// use grad_runtime::schedule::ReduceOnPlateau;
/// use grad_runtime::{Options, minimize};
///
/// // A rate too large for the bowl's floor: the value stalls, the rate comes down, it converges.
/// fn f_grad(x: f64) -> (f64, [f64; 1]) {
///     (x * x, [2.0 * x])
/// }
/// let sgd = ReduceOnPlateau::new(Sgd::new(1.0)?, 0.5, 3)?;
/// let report = minimize(f_grad, [1.0], sgd, Options::new().max_iters(200))?;
/// assert!(report.value < 1e-10, "{report}");
/// # Ok::<(), grad_runtime::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ReduceOnPlateau<O, T> {
    inner: O,
    factor: T,
    patience: usize,
    min_lr: T,
    best: Option<T>,
    bad_steps: usize,
}

impl<T: Real, O: FirstOrder<T>> ReduceOnPlateau<O, T> {
    /// Multiply by `factor` in `(0, 1)` after `patience` steps without improvement.
    ///
    /// ```
    /// use grad_runtime::optim::Adam;
    /// use grad_runtime::schedule::ReduceOnPlateau;
    ///
    /// assert!(ReduceOnPlateau::new(Adam::<f64>::default(), 1.5, 10).is_err());
    /// assert!(ReduceOnPlateau::new(Adam::<f64>::default(), 0.1, 10).is_ok());
    /// ```
    pub fn new(inner: O, factor: T, patience: usize) -> Result<Self, Error> {
        ensure(
            factor > T::zero() && factor < T::one(),
            "factor",
            "the factor must lie strictly between 0 and 1",
            factor,
        )?;
        Ok(ReduceOnPlateau {
            inner,
            factor,
            patience,
            min_lr: T::zero(),
            best: None,
            bad_steps: 0,
        })
    }

    /// The rate never goes below `min_lr ≥ 0` (default 0).
    ///
    /// ```
    /// use grad_runtime::optim::Adam;
    /// use grad_runtime::schedule::ReduceOnPlateau;
    ///
    /// let a = ReduceOnPlateau::new(Adam::<f64>::default(), 0.1, 10)?.min_lr(1e-6)?;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn min_lr(mut self, min_lr: T) -> Result<Self, Error> {
        non_negative(
            "min_lr",
            "the minimum learning rate must be non-negative",
            min_lr,
        )?;
        self.min_lr = min_lr;
        Ok(self)
    }

    /// The wrapped optimizer.
    ///
    /// ```
    /// use grad_runtime::optim::{FirstOrder, Sgd};
    /// use grad_runtime::schedule::ReduceOnPlateau;
    ///
    /// let s = ReduceOnPlateau::new(Sgd::<f64>::new(0.1)?, 0.5, 5)?;
    /// assert_eq!(s.inner().lr(), 0.1);
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn inner(&self) -> &O {
        &self.inner
    }

    fn before_step(&mut self, point: &mut Point<T>) {
        self.observe(point.value);
    }

    /// Records the value the step starts from, lowering the rate after too long a plateau.
    fn observe(&mut self, value: T) {
        let improved = self
            .best
            .is_none_or(|best| value < best * (T::one() - lit::<T>(1e-4) * best.signum()));
        if improved {
            self.best = Some(value);
            self.bad_steps = 0;
            return;
        }
        self.bad_steps += 1;
        if self.bad_steps > self.patience {
            let lr = (self.inner.lr() * self.factor).max(self.min_lr);
            self.inner.set_lr(lr);
            self.bad_steps = 0;
        }
    }
}

impl<T: Real, O: FirstOrder<T>> Optimizer<T> for ReduceOnPlateau<O, T> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn init(&mut self, dim: usize) -> Result<(), Error> {
        self.best = None;
        self.bad_steps = 0;
        self.inner.init(dim)
    }

    fn resume(&mut self, dim: usize) -> Result<(), Error> {
        self.inner.resume(dim)
    }

    fn step(&mut self, problem: &mut Problem<'_, T>, point: &mut Point<T>) -> Step {
        self.before_step(point);
        self.inner.step(problem, point)
    }

    fn learning_rate(&self) -> Option<T> {
        Some(self.inner.lr())
    }
}

crate::optim::first_order_of_inner!(ReduceOnPlateau);

#[cfg(test)]
mod tests {
    use super::ReduceOnPlateau;
    use crate::optim::{FirstOrder, Sgd};

    #[test]
    fn the_rate_falls_after_patience_bad_steps_only() {
        let mut s = ReduceOnPlateau::new(Sgd::new(1.0).unwrap(), 0.5, 2).unwrap();
        for v in [5.0, 4.0, 3.0] {
            s.observe(v);
        }
        assert_eq!(s.lr(), 1.0, "improving: unchanged");
        for _ in 0..2 {
            s.observe(3.0);
        }
        assert_eq!(s.lr(), 1.0, "two bad steps are within a patience of 2");
        s.observe(3.0);
        assert_eq!(s.lr(), 0.5, "the third lowers the rate");
        s.observe(2.99999);
        assert_eq!(s.lr(), 0.5);
        assert_eq!(
            s.bad_steps, 1,
            "below the relative threshold is no improvement"
        );
    }
}
