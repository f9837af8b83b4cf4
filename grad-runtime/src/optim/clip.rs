//! Gradient clipping in front of any optimizer: by global norm or by value.

use crate::core::{Point, Problem, Real};
use crate::error::{Error, positive};
use crate::optim::{FirstOrder, Optimizer, Step};

/// How [`Clipped`] limits the gradient an optimizer sees.
///
/// ```
/// use grad_runtime::optim::Clip;
///
/// let by_norm = Clip::Norm(1.0);
/// assert_ne!(by_norm, Clip::Value(1.0));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Clip<T> {
    /// Scales the whole gradient down to norm `max` when its Euclidean norm is larger
    /// (PyTorch's `clip_grad_norm_`, Optax's `clip_by_global_norm`).
    Norm(T),
    /// Clamps each component to `[-max, max]` (`clip_grad_value_`, Optax's `clip`).
    Value(T),
}

/// An optimizer that steps on a clipped gradient. The run's stopping rules and reports still see
/// the true gradient: clipping changes the steps, not what "converged" means.
///
/// Composes with the other transformations in either order, in the spirit of Optax's chains:
/// `Adam::new(1e-3)?.clip_grad_norm(1.0)?.with_schedule(..)`.
///
/// ```
/// use grad_runtime::optim::{FirstOrder, GradientDescent};
/// use grad_runtime::{Options, minimize};
///
/// // A steep bowl: plain steps of 0.4·∇f would diverge from x = 100.
/// fn f_grad(x: f64) -> (f64, [f64; 1]) {
///     (5.0 * x * x, [10.0 * x])
/// }
/// let gd = GradientDescent::new(0.4)?.clip_grad_norm(1.0)?;
/// let report = minimize(f_grad, [100.0], gd, Options::new().max_iters(300))?;
/// assert!(report.x[0].abs() < 1e-6, "{report}");
/// # Ok::<(), grad_runtime::Error>(())
/// ```
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Clipped<O, T> {
    inner: O,
    clip: Clip<T>,
}

impl<O, T: Real> Clipped<O, T> {
    /// Wraps `inner`; the bound must be positive.
    ///
    /// ```
    /// use grad_runtime::optim::{Adam, Clip, Clipped};
    ///
    /// assert!(Clipped::new(Adam::<f64>::default(), Clip::Value(0.0)).is_err());
    /// ```
    pub fn new(inner: O, clip: Clip<T>) -> Result<Self, Error> {
        let max = match clip {
            Clip::Norm(m) | Clip::Value(m) => m,
        };
        positive("clip", "the clipping bound must be positive", max)?;
        Ok(Clipped { inner, clip })
    }

    /// The wrapped optimizer.
    ///
    /// ```
    /// use grad_runtime::optim::{FirstOrder, Sgd};
    ///
    /// let sgd = Sgd::<f64>::new(0.1)?.clip_grad_value(0.5)?;
    /// assert_eq!(sgd.inner().lr(), 0.1);
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn inner(&self) -> &O {
        &self.inner
    }

    fn before_step(&mut self, point: &mut Point<T>) {
        // A non-finite gradient stays as it is: the loop reports it.
        if point.grad.iter().all(|g| g.is_finite()) {
            self.apply(&mut point.grad);
        }
    }

    fn apply(&self, grad: &mut [T]) {
        match self.clip {
            Clip::Norm(max) => {
                let norm = crate::core::norm(grad);
                if norm > max {
                    let scale = max / norm;
                    grad.iter_mut().for_each(|g| *g = *g * scale);
                }
            }
            Clip::Value(max) => grad.iter_mut().for_each(|g| *g = g.max(-max).min(max)),
        }
    }
}

impl<T: Real, O: Optimizer<T>> Optimizer<T> for Clipped<O, T> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn init(&mut self, dim: usize) -> Result<(), Error> {
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
        self.inner.learning_rate()
    }
}

crate::optim::first_order_of_inner!(Clipped);

#[cfg(test)]
mod tests {
    use super::{Clip, Clipped};
    use crate::optim::GradientDescent;

    #[test]
    fn clipping_matches_its_definition() {
        let c = Clipped::new(GradientDescent::new(0.1).unwrap(), Clip::Norm(5.0)).unwrap();
        let mut g: [f64; 3] = [3.0, 4.0, 12.0]; // norm 13
        c.apply(&mut g);
        let scale = 5.0 / 13.0;
        assert_eq!(g, [3.0 * scale, 4.0 * scale, 12.0 * scale]);
        assert!((crate::core::norm(&g) - 5.0).abs() < 1e-12);
        let mut small = [0.3, 0.4];
        c.apply(&mut small);
        assert_eq!(small, [0.3, 0.4], "within the bound: unchanged");
        let v = Clipped::new(GradientDescent::new(0.1).unwrap(), Clip::Value(1.0)).unwrap();
        let mut g = [-3.0, 0.5, 2.0];
        v.apply(&mut g);
        assert_eq!(g, [-1.0, 0.5, 1.0]);
    }
}
