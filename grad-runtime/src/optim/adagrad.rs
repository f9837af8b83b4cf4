//! Adagrad.

use crate::core::{Point, Problem, Real, count, lit};
use crate::error::{Error, non_negative, positive};
use crate::optim::{FirstOrder, Optimizer, Step, first_order_step};

/// Adagrad: divide each coordinate's step by the root of its summed squared gradients, step for
/// step as `torch.optim.Adagrad`:
///
/// ```text
/// g ← ∇f(x) + λ x
/// αₜ ← α / (1 + (t − 1) δ)                  (learning-rate decay δ, t = 1, 2, …)
/// s ← s + g²                                (s starts at the initial accumulator value)
/// x ← x − αₜ g / (√s + ε)
/// ```
///
/// Needs only the gradient. Rarely-updated coordinates keep large steps, which suits sparse
/// features; the steps of all coordinates shrink over time.
///
/// Defaults (`torch.optim.Adagrad`): α = 1e-2, δ = 0, λ = 0, initial accumulator 0,
/// ε = 1e-10.
///
/// Reference: Duchi, Hazan & Singer, *Adaptive Subgradient Methods for Online Learning and
/// Stochastic Optimization* (JMLR 2011).
///
/// ```
/// use grad_runtime::{Options, minimize, optim::Adagrad};
///
/// fn f_grad(x: f64, y: f64) -> (f64, [f64; 2]) {
///     (x * x + 10.0 * y * y, [2.0 * x, 20.0 * y])
/// }
/// let report = minimize(f_grad, [1.0, 1.0], Adagrad::new(0.5)?, Options::new().max_iters(2000))?;
/// assert!(report.x.iter().all(|v| v.abs() < 1e-4));
/// # Ok::<(), grad_runtime::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Adagrad<T> {
    lr: T,
    lr_decay: T,
    weight_decay: T,
    initial_accumulator: T,
    eps: T,
    sum: Vec<T>,
    steps: usize,
}

impl<T: Real> Adagrad<T> {
    /// Adagrad with learning rate `lr > 0` and the other defaults.
    ///
    /// ```
    /// use grad_runtime::optim::Adagrad;
    ///
    /// let adagrad = Adagrad::new(0.1)?;
    /// # let _: Adagrad<f64> = adagrad;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn new(lr: T) -> Result<Self, Error> {
        Self::builder().lr(lr).build()
    }

    /// A builder starting from the defaults.
    ///
    /// ```
    /// use grad_runtime::optim::Adagrad;
    ///
    /// let adagrad = Adagrad::builder().lr(0.1).lr_decay(1e-3).build()?;
    /// # let _: Adagrad<f64> = adagrad;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn builder() -> AdagradBuilder<T> {
        AdagradBuilder {
            lr: lit(1e-2),
            lr_decay: T::zero(),
            weight_decay: T::zero(),
            initial_accumulator: T::zero(),
            eps: lit(1e-10),
        }
    }
}

impl<T: Real> Default for Adagrad<T> {
    fn default() -> Self {
        Self::builder().into_adagrad()
    }
}

/// Settings of [`Adagrad`], validated by [`build`](AdagradBuilder::build).
///
/// ```
/// use grad_runtime::optim::Adagrad;
///
/// assert!(Adagrad::<f64>::builder().lr_decay(-1.0).build().is_err());
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AdagradBuilder<T> {
    lr: T,
    lr_decay: T,
    weight_decay: T,
    initial_accumulator: T,
    eps: T,
}

impl<T: Real> AdagradBuilder<T> {
    /// Learning rate α > 0 (default 1e-2).
    ///
    /// ```
    /// # use grad_runtime::optim::Adagrad;
    /// let adagrad = Adagrad::builder().lr(0.05).build()?;
    /// # let _: Adagrad<f64> = adagrad;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn lr(mut self, lr: T) -> Self {
        self.lr = lr;
        self
    }

    /// Learning-rate decay δ ≥ 0: step t uses α / (1 + (t − 1) δ) (default 0).
    ///
    /// ```
    /// # use grad_runtime::optim::Adagrad;
    /// let adagrad = Adagrad::builder().lr_decay(0.01).build()?;
    /// # let _: Adagrad<f64> = adagrad;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn lr_decay(mut self, lr_decay: T) -> Self {
        self.lr_decay = lr_decay;
        self
    }

    /// L2 penalty λ ≥ 0 added to the gradient (default 0).
    ///
    /// ```
    /// # use grad_runtime::optim::Adagrad;
    /// let adagrad = Adagrad::builder().weight_decay(1e-4).build()?;
    /// # let _: Adagrad<f64> = adagrad;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn weight_decay(mut self, weight_decay: T) -> Self {
        self.weight_decay = weight_decay;
        self
    }

    /// Starting value ≥ 0 of the squared-gradient sums (default 0).
    ///
    /// ```
    /// # use grad_runtime::optim::Adagrad;
    /// let adagrad = Adagrad::builder().initial_accumulator_value(0.1).build()?;
    /// # let _: Adagrad<f64> = adagrad;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn initial_accumulator_value(mut self, value: T) -> Self {
        self.initial_accumulator = value;
        self
    }

    /// ε > 0 added to the denominator (default 1e-10).
    ///
    /// ```
    /// # use grad_runtime::optim::Adagrad;
    /// let adagrad = Adagrad::builder().eps(1e-8).build()?;
    /// # let _: Adagrad<f64> = adagrad;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn eps(mut self, eps: T) -> Self {
        self.eps = eps;
        self
    }

    /// Checks the settings and builds the optimizer.
    ///
    /// ```
    /// # use grad_runtime::optim::Adagrad;
    /// assert!(Adagrad::<f64>::builder().eps(-1.0).build().is_err());
    /// ```
    pub fn build(self) -> Result<Adagrad<T>, Error> {
        positive("lr", "learning rate must be positive", self.lr)?;
        non_negative(
            "lr_decay",
            "learning-rate decay must be non-negative",
            self.lr_decay,
        )?;
        non_negative(
            "weight_decay",
            "weight decay must be non-negative",
            self.weight_decay,
        )?;
        non_negative(
            "initial_accumulator_value",
            "the initial accumulator value must be non-negative",
            self.initial_accumulator,
        )?;
        positive("eps", "eps must be positive", self.eps)?;
        Ok(self.into_adagrad())
    }

    fn into_adagrad(self) -> Adagrad<T> {
        Adagrad {
            lr: self.lr,
            lr_decay: self.lr_decay,
            weight_decay: self.weight_decay,
            initial_accumulator: self.initial_accumulator,
            eps: self.eps,
            sum: Vec::new(),
            steps: 0,
        }
    }
}

impl<T: Real> Adagrad<T> {
    /// The learning rate of the next step, after decay.
    fn decayed_lr(&self) -> T {
        self.lr / (T::one() + count::<T>(self.steps) * self.lr_decay)
    }
}

impl<T: Real> Optimizer<T> for Adagrad<T> {
    fn name(&self) -> &'static str {
        "Adagrad"
    }

    fn init(&mut self, dim: usize) -> Result<(), Error> {
        self.sum.clear();
        self.sum.resize(dim, self.initial_accumulator);
        self.steps = 0;
        Ok(())
    }

    fn resume(&mut self, dim: usize) -> Result<(), Error> {
        if self.sum.len() == dim {
            return Ok(());
        }
        self.init(dim)
    }

    fn step(&mut self, problem: &mut Problem<'_, T>, point: &mut Point<T>) -> Step {
        first_order_step(self, problem, point)
    }

    fn learning_rate(&self) -> Option<T> {
        Some(self.decayed_lr())
    }
}

impl<T: Real> FirstOrder<T> for Adagrad<T> {
    fn lr(&self) -> T {
        self.lr
    }

    fn set_lr(&mut self, lr: T) {
        self.lr = lr;
    }

    fn update(&mut self, point: &mut Point<T>) {
        let lr = self.decayed_lr();
        for ((x, &g), s) in point.x.iter_mut().zip(&point.grad).zip(&mut self.sum) {
            let g = g + self.weight_decay * *x;
            *s = *s + g * g;
            *x = *x - lr * g / (s.sqrt() + self.eps);
        }
        self.steps += 1;
    }
}
