//! RMSProp.

use crate::core::{Point, Problem, Real, lit};
use crate::error::{Error, non_negative, positive, unit_interval};
use crate::optim::{FirstOrder, Optimizer, Step, first_order_step};

/// RMSProp: divide each gradient coordinate by a running root mean square of its history,
/// step for step as `torch.optim.RMSprop`:
///
/// ```text
/// g ← ∇f(x) + λ x
/// v ← ρ v + (1 − ρ) g²                      (smoothing ρ, "alpha" in PyTorch)
/// centered: ḡ ← ρ ḡ + (1 − ρ) g,  s ← √(v − ḡ²) + ε;   else s ← √v + ε
/// momentum μ > 0: b ← μ b + g / s,  x ← x − α b;        else x ← x − α g / s
/// ```
///
/// Needs only the gradient; suited to non-stationary and mini-batch objectives.
///
/// Defaults (`torch.optim.RMSprop`): α = 1e-2, ρ = 0.99, ε = 1e-8, λ = 0, μ = 0,
/// not centered.
///
/// Reference: Tieleman & Hinton, *Lecture 6.5 — RMSProp*, COURSERA: Neural Networks for Machine
/// Learning (2012); Graves, *Generating Sequences With Recurrent Neural Networks* (2013) for the
/// centered form.
///
/// ```
/// use grad_runtime::{Options, minimize, optim::RmsProp};
///
/// fn f_grad(x: f64, y: f64) -> (f64, [f64; 2]) {
///     (x * x + 100.0 * y * y, [2.0 * x, 200.0 * y])
/// }
/// let rms = RmsProp::builder().lr(0.01).build()?;
/// let report = minimize(f_grad, [1.0, 1.0], rms, Options::new().max_iters(3000))?;
/// assert!(report.x.iter().all(|v| v.abs() < 0.05));
/// # Ok::<(), grad_runtime::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RmsProp<T> {
    lr: T,
    alpha: T,
    eps: T,
    weight_decay: T,
    momentum: T,
    centered: bool,
    square_avg: Vec<T>,
    grad_avg: Vec<T>,
    buffer: Vec<T>,
}

impl<T: Real> RmsProp<T> {
    /// RMSProp with learning rate `lr > 0` and the other defaults.
    ///
    /// ```
    /// use grad_runtime::optim::RmsProp;
    ///
    /// let rms = RmsProp::new(1e-3)?;
    /// # let _: RmsProp<f64> = rms;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn new(lr: T) -> Result<Self, Error> {
        Self::builder().lr(lr).build()
    }

    /// A builder starting from the defaults.
    ///
    /// ```
    /// use grad_runtime::optim::RmsProp;
    ///
    /// let rms = RmsProp::builder().lr(1e-3).momentum(0.9).centered(true).build()?;
    /// # let _: RmsProp<f64> = rms;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn builder() -> RmsPropBuilder<T> {
        RmsPropBuilder {
            lr: lit(1e-2),
            alpha: lit(0.99),
            eps: lit(1e-8),
            weight_decay: T::zero(),
            momentum: T::zero(),
            centered: false,
        }
    }
}

impl<T: Real> Default for RmsProp<T> {
    fn default() -> Self {
        Self::builder().into_rmsprop()
    }
}

/// Settings of [`RmsProp`], validated by [`build`](RmsPropBuilder::build).
///
/// ```
/// use grad_runtime::optim::RmsProp;
///
/// assert!(RmsProp::<f64>::builder().alpha(1.5).build().is_err());
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RmsPropBuilder<T> {
    lr: T,
    alpha: T,
    eps: T,
    weight_decay: T,
    momentum: T,
    centered: bool,
}

impl<T: Real> RmsPropBuilder<T> {
    /// Learning rate α > 0 (default 1e-2).
    ///
    /// ```
    /// # use grad_runtime::optim::RmsProp;
    /// let rms = RmsProp::builder().lr(0.001).build()?;
    /// # let _: RmsProp<f64> = rms;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn lr(mut self, lr: T) -> Self {
        self.lr = lr;
        self
    }

    /// Smoothing constant ρ in [0, 1) of the squared-gradient average (default 0.99).
    ///
    /// ```
    /// # use grad_runtime::optim::RmsProp;
    /// let rms = RmsProp::builder().alpha(0.9).build()?;
    /// # let _: RmsProp<f64> = rms;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn alpha(mut self, alpha: T) -> Self {
        self.alpha = alpha;
        self
    }

    /// ε > 0 added to the denominator (default 1e-8).
    ///
    /// ```
    /// # use grad_runtime::optim::RmsProp;
    /// let rms = RmsProp::builder().eps(1e-6).build()?;
    /// # let _: RmsProp<f64> = rms;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn eps(mut self, eps: T) -> Self {
        self.eps = eps;
        self
    }

    /// L2 penalty λ ≥ 0 added to the gradient (default 0).
    ///
    /// ```
    /// # use grad_runtime::optim::RmsProp;
    /// let rms = RmsProp::builder().weight_decay(1e-4).build()?;
    /// # let _: RmsProp<f64> = rms;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn weight_decay(mut self, weight_decay: T) -> Self {
        self.weight_decay = weight_decay;
        self
    }

    /// Momentum μ in [0, 1) (default 0).
    ///
    /// ```
    /// # use grad_runtime::optim::RmsProp;
    /// let rms = RmsProp::builder().momentum(0.9).build()?;
    /// # let _: RmsProp<f64> = rms;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn momentum(mut self, momentum: T) -> Self {
        self.momentum = momentum;
        self
    }

    /// Normalize by an estimate of the variance instead of the second moment (default off).
    ///
    /// ```
    /// # use grad_runtime::optim::RmsProp;
    /// let rms = RmsProp::builder().centered(true).build()?;
    /// # let _: RmsProp<f64> = rms;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn centered(mut self, on: bool) -> Self {
        self.centered = on;
        self
    }

    /// Checks the settings and builds the optimizer.
    ///
    /// ```
    /// # use grad_runtime::optim::RmsProp;
    /// assert!(RmsProp::<f64>::builder().momentum(-0.1).build().is_err());
    /// ```
    pub fn build(self) -> Result<RmsProp<T>, Error> {
        positive("lr", "learning rate must be positive", self.lr)?;
        unit_interval("alpha", "alpha must be in [0, 1)", self.alpha)?;
        positive("eps", "eps must be positive", self.eps)?;
        non_negative(
            "weight_decay",
            "weight decay must be non-negative",
            self.weight_decay,
        )?;
        unit_interval("momentum", "momentum must be in [0, 1)", self.momentum)?;
        Ok(self.into_rmsprop())
    }

    fn into_rmsprop(self) -> RmsProp<T> {
        RmsProp {
            lr: self.lr,
            alpha: self.alpha,
            eps: self.eps,
            weight_decay: self.weight_decay,
            momentum: self.momentum,
            centered: self.centered,
            square_avg: Vec::new(),
            grad_avg: Vec::new(),
            buffer: Vec::new(),
        }
    }
}

impl<T: Real> Optimizer<T> for RmsProp<T> {
    fn name(&self) -> &'static str {
        "RMSProp"
    }

    fn init(&mut self, dim: usize) -> Result<(), Error> {
        let needed = [true, self.centered, self.momentum > T::zero()];
        for (buffer, needed) in [&mut self.square_avg, &mut self.grad_avg, &mut self.buffer]
            .into_iter()
            .zip(needed)
        {
            buffer.clear();
            if needed {
                buffer.resize(dim, T::zero());
            }
        }
        Ok(())
    }

    fn resume(&mut self, dim: usize) -> Result<(), Error> {
        if self.square_avg.len() == dim {
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

impl<T: Real> FirstOrder<T> for RmsProp<T> {
    fn lr(&self) -> T {
        self.lr
    }

    fn set_lr(&mut self, lr: T) {
        self.lr = lr;
    }

    fn update(&mut self, point: &mut Point<T>) {
        let (rho, one) = (self.alpha, T::one());
        let with_momentum = self.momentum > T::zero();
        for i in 0..point.x.len() {
            let x = point.x[i];
            let g = point.grad[i] + self.weight_decay * x;
            let v = rho * self.square_avg[i] + (one - rho) * g * g;
            self.square_avg[i] = v;
            let scale = if self.centered {
                let mean = rho * self.grad_avg[i] + (one - rho) * g;
                self.grad_avg[i] = mean;
                (v - mean * mean).sqrt() + self.eps
            } else {
                v.sqrt() + self.eps
            };
            point.x[i] = if with_momentum {
                self.buffer[i] = self.momentum * self.buffer[i] + g / scale;
                x - self.lr * self.buffer[i]
            } else {
                x - self.lr * g / scale
            };
        }
    }
}
