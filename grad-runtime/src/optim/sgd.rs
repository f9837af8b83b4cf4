//! Stochastic gradient descent with momentum, PyTorch semantics.

use crate::core::{Point, Problem, Real, lit};
use crate::error::{Error, ensure, non_negative, positive, unit_interval};
use crate::optim::{FirstOrder, Optimizer, Step, first_order_step};

/// SGD with optional heavy-ball or Nesterov momentum, dampening and L2 weight decay, step for
/// step as `torch.optim.SGD`:
///
/// ```text
/// d ← ∇f(x) + λ x                          (weight decay λ)
/// b ← d                  on the first step,
/// b ← μ b + (1 − τ) d    afterwards          (momentum μ, dampening τ)
/// d ← d + μ b  (Nesterov)   or   d ← b  (heavy ball)
/// x ← x − α d
/// ```
///
/// Needs only the gradient; works on mini-batches. Heavy ball is Polyak's method written with
/// the velocity scaled by 1/α; the Nesterov form is Sutskever et al.'s.
///
/// Defaults (`torch.optim.SGD`): α = 1e-3, μ = 0, τ = 0, λ = 0, Nesterov off.
///
/// References: Polyak, *Some methods of speeding up the convergence of iteration methods*
/// (1964); Sutskever, Martens, Dahl & Hinton, *On the importance of initialization and momentum
/// in deep learning* (ICML 2013); Nocedal & Wright (2006) §5.
///
/// ```
/// use grad_runtime::{Options, minimize, optim::Sgd};
///
/// fn f_grad(x: f64, y: f64) -> (f64, [f64; 2]) {
///     (x * x + 10.0 * y * y, [2.0 * x, 20.0 * y])
/// }
/// let sgd = Sgd::builder().lr(0.02).momentum(0.9).nesterov(true).build()?;
/// let report = minimize(f_grad, [1.0, 1.0], sgd, Options::new().grad_tol(1e-10))?;
/// assert!(report.converged());
/// # Ok::<(), grad_runtime::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Sgd<T> {
    lr: T,
    momentum: T,
    dampening: T,
    weight_decay: T,
    nesterov: bool,
    buffer: Vec<T>,
    started: bool,
}

impl<T: Real> Sgd<T> {
    /// Plain SGD with learning rate `lr > 0` (no momentum).
    ///
    /// ```
    /// use grad_runtime::optim::Sgd;
    ///
    /// let sgd = Sgd::new(0.01)?;
    /// # let _: Sgd<f64> = sgd;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn new(lr: T) -> Result<Self, Error> {
        Self::builder().lr(lr).build()
    }

    /// A builder starting from the defaults.
    ///
    /// ```
    /// use grad_runtime::optim::Sgd;
    ///
    /// let sgd = Sgd::builder().lr(0.1).momentum(0.9).weight_decay(1e-4).build()?;
    /// # let _: Sgd<f64> = sgd;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn builder() -> SgdBuilder<T> {
        SgdBuilder {
            lr: lit(1e-3),
            momentum: T::zero(),
            dampening: T::zero(),
            weight_decay: T::zero(),
            nesterov: false,
        }
    }
}

impl<T: Real> Default for Sgd<T> {
    fn default() -> Self {
        Self::builder().into_sgd()
    }
}

/// Settings of [`Sgd`], validated by [`build`](SgdBuilder::build).
///
/// ```
/// use grad_runtime::optim::Sgd;
///
/// let err = Sgd::<f64>::builder().nesterov(true).build().unwrap_err();
/// assert_eq!(err.to_string(), "Nesterov momentum needs a positive momentum (momentum = 0)");
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SgdBuilder<T> {
    lr: T,
    momentum: T,
    dampening: T,
    weight_decay: T,
    nesterov: bool,
}

impl<T: Real> SgdBuilder<T> {
    /// Learning rate α > 0 (default 1e-3).
    ///
    /// ```
    /// # use grad_runtime::optim::Sgd;
    /// let sgd = Sgd::builder().lr(0.5).build()?;
    /// # let _: Sgd<f64> = sgd;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn lr(mut self, lr: T) -> Self {
        self.lr = lr;
        self
    }

    /// Momentum μ in [0, 1) (default 0).
    ///
    /// ```
    /// # use grad_runtime::optim::Sgd;
    /// let sgd = Sgd::builder().momentum(0.9).build()?;
    /// # let _: Sgd<f64> = sgd;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn momentum(mut self, momentum: T) -> Self {
        self.momentum = momentum;
        self
    }

    /// Dampening τ in [0, 1] of the gradient added to the momentum buffer (default 0).
    ///
    /// ```
    /// # use grad_runtime::optim::Sgd;
    /// let sgd = Sgd::builder().momentum(0.9).dampening(0.1).build()?;
    /// # let _: Sgd<f64> = sgd;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn dampening(mut self, dampening: T) -> Self {
        self.dampening = dampening;
        self
    }

    /// L2 penalty λ ≥ 0 added to the gradient as `λ x` (default 0).
    ///
    /// ```
    /// # use grad_runtime::optim::Sgd;
    /// let sgd = Sgd::builder().weight_decay(1e-4).build()?;
    /// # let _: Sgd<f64> = sgd;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn weight_decay(mut self, weight_decay: T) -> Self {
        self.weight_decay = weight_decay;
        self
    }

    /// Nesterov momentum (default off); needs μ > 0 and τ = 0, as in PyTorch.
    ///
    /// ```
    /// # use grad_runtime::optim::Sgd;
    /// let sgd = Sgd::builder().momentum(0.9).nesterov(true).build()?;
    /// # let _: Sgd<f64> = sgd;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn nesterov(mut self, on: bool) -> Self {
        self.nesterov = on;
        self
    }

    /// Checks the settings and builds the optimizer.
    ///
    /// ```
    /// # use grad_runtime::optim::Sgd;
    /// assert!(Sgd::<f64>::builder().momentum(1.0).build().is_err());
    /// ```
    pub fn build(self) -> Result<Sgd<T>, Error> {
        positive("lr", "learning rate must be positive", self.lr)?;
        unit_interval("momentum", "momentum must be in [0, 1)", self.momentum)?;
        let d = self.dampening;
        ensure(
            d >= T::zero() && d <= T::one(),
            "dampening",
            "dampening must be in [0, 1]",
            d,
        )?;
        non_negative(
            "weight_decay",
            "weight decay must be non-negative",
            self.weight_decay,
        )?;
        if self.nesterov {
            positive(
                "momentum",
                "Nesterov momentum needs a positive momentum",
                self.momentum,
            )?;
            ensure(
                d == T::zero(),
                "dampening",
                "Nesterov momentum needs zero dampening",
                d,
            )?;
        }
        Ok(self.into_sgd())
    }

    fn into_sgd(self) -> Sgd<T> {
        Sgd {
            lr: self.lr,
            momentum: self.momentum,
            dampening: self.dampening,
            weight_decay: self.weight_decay,
            nesterov: self.nesterov,
            buffer: Vec::new(),
            started: false,
        }
    }
}

impl<T: Real> Optimizer<T> for Sgd<T> {
    fn name(&self) -> &'static str {
        match (self.nesterov, self.momentum > T::zero()) {
            (true, _) => "SGD (Nesterov)",
            (false, true) => "SGD (momentum)",
            (false, false) => "SGD",
        }
    }

    fn init(&mut self, dim: usize) -> Result<(), Error> {
        self.buffer.clear();
        self.buffer.resize(dim, T::zero());
        self.started = false;
        Ok(())
    }

    fn resume(&mut self, dim: usize) -> Result<(), Error> {
        if self.buffer.len() == dim {
            return Ok(());
        }
        self.init(dim)
    }

    fn step(&mut self, problem: &mut Problem<'_, T>, point: &mut Point<T>) -> Step {
        first_order_step(self, problem, point)
    }

    fn learning_rate(&self) -> Option<T> {
        Some(self.lr)
    }
}

impl<T: Real> FirstOrder<T> for Sgd<T> {
    fn lr(&self) -> T {
        self.lr
    }

    fn set_lr(&mut self, lr: T) {
        self.lr = lr;
    }

    fn update(&mut self, point: &mut Point<T>) {
        let (mu, lr) = (self.momentum, self.lr);
        let keep = T::one() - self.dampening;
        let with_momentum = mu != T::zero();
        for ((x, &g), b) in point.x.iter_mut().zip(&point.grad).zip(&mut self.buffer) {
            let mut d = g + self.weight_decay * *x;
            if with_momentum {
                // PyTorch starts the buffer at the first gradient, undamped.
                *b = if self.started { mu * *b + keep * d } else { d };
                d = if self.nesterov { d + mu * *b } else { *b };
            }
            *x = *x - lr * d;
        }
        self.started = true;
    }
}
