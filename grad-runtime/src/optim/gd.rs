//! Plain gradient descent.

use crate::core::{Point, Problem, Real, lit};
use crate::error::{Error, positive};
use crate::optim::{FirstOrder, Optimizer, Step, first_order_step};

/// Gradient descent with a fixed learning rate: `x ← x − α ∇f(x)`.
///
/// Needs only the gradient. On a function whose gradient is L-Lipschitz it decreases the value
/// for α < 2/L and converges linearly on strongly convex problems; a larger α diverges, which
/// the loop reports as [`StopReason::Diverged`](crate::StopReason::Diverged).
///
/// Default: α = 1e-3 (the default `lr` of `torch.optim.SGD`).
///
/// Reference: Nocedal & Wright, *Numerical Optimization*, 2nd ed. (2006), §3.1 and §3.3
/// (steepest descent).
///
/// ```
/// use grad_runtime::{Options, minimize, optim::GradientDescent};
///
/// fn f_grad(x: f64, y: f64) -> (f64, [f64; 2]) {
///     (x * x + 2.0 * y * y, [2.0 * x, 4.0 * y])
/// }
/// let report = minimize(f_grad, [1.0, 1.0], GradientDescent::new(0.2)?, Options::new())?;
/// assert!(report.converged());
/// assert!(report.x.iter().all(|v| v.abs() < 1e-8));
/// # Ok::<(), grad_runtime::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct GradientDescent<T> {
    lr: T,
}

impl<T: Real> GradientDescent<T> {
    /// Gradient descent with learning rate `lr > 0`.
    ///
    /// ```
    /// use grad_runtime::optim::GradientDescent;
    ///
    /// assert!(GradientDescent::new(0.1).is_ok());
    /// let err = GradientDescent::new(0.0).unwrap_err();
    /// assert_eq!(err.to_string(), "learning rate must be positive (lr = 0)");
    /// ```
    pub fn new(lr: T) -> Result<Self, Error> {
        positive("lr", "learning rate must be positive", lr)?;
        Ok(GradientDescent { lr })
    }
}

impl<T: Real> Default for GradientDescent<T> {
    fn default() -> Self {
        GradientDescent { lr: lit(1e-3) }
    }
}

impl<T: Real> Optimizer<T> for GradientDescent<T> {
    fn name(&self) -> &'static str {
        "gradient descent"
    }

    fn init(&mut self, _dim: usize) -> Result<(), Error> {
        Ok(())
    }

    fn step(&mut self, problem: &mut Problem<'_, T>, point: &mut Point<T>) -> Step {
        first_order_step(self, problem, point)
    }

    fn learning_rate(&self) -> Option<T> {
        Some(self.lr)
    }
}

impl<T: Real> FirstOrder<T> for GradientDescent<T> {
    fn lr(&self) -> T {
        self.lr
    }

    fn set_lr(&mut self, lr: T) {
        self.lr = lr;
    }

    fn update(&mut self, point: &mut Point<T>) {
        for (x, &g) in point.x.iter_mut().zip(&point.grad) {
            *x = *x - self.lr * g;
        }
    }
}
