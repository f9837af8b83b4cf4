//! Adam, and the moment estimates it shares with AdamW.

use crate::core::{Point, Problem, Real, lit};
use crate::error::{Error, non_negative, positive, unit_interval};
use crate::optim::{FirstOrder, Optimizer, Step, first_order_step};

/// Adam: per-coordinate steps scaled by running estimates of the gradient's first and second
/// moments, bias-corrected, step for step as `torch.optim.Adam`:
///
/// ```text
/// g ← ∇f(x) + λ x                     (L2 weight decay λ, coupled)
/// m ← β₁ m + (1 − β₁) g
/// v ← β₂ v + (1 − β₂) g²
/// v̂ ← max(v̂, v) with AMSGrad, else v̂ ← v
/// x ← x − α/(1 − β₁ᵗ) · m / (√v̂ / √(1 − β₂ᵗ) + ε)
/// ```
///
/// Needs only the gradient; robust to noisy gradients and badly scaled coordinates, the usual
/// choice for mini-batch training. Each coordinate moves about α per step at most, so α sets
/// the scale of the final precision: it hovers around a minimum rather than converging
/// exactly unless α decays (see [`schedule`](crate::schedule)).
///
/// Defaults (`torch.optim.Adam`): α = 1e-3, β = (0.9, 0.999), ε = 1e-8, λ = 0, AMSGrad off.
///
/// References: Kingma & Ba, *Adam: A Method for Stochastic Optimization* (ICLR 2015);
/// Reddi, Kale & Kumar, *On the Convergence of Adam and Beyond* (ICLR 2018) for AMSGrad.
///
/// ```
/// use grad_runtime::{Options, minimize, optim::Adam};
///
/// fn f_grad(x: f64, y: f64) -> (f64, [f64; 2]) {
///     ((x - 3.0).powi(2) + (y + 1.0).powi(2), [2.0 * (x - 3.0), 2.0 * (y + 1.0)])
/// }
/// let adam = Adam::new(0.05)?;
/// let report = minimize(f_grad, [0.0, 0.0], adam, Options::new().max_iters(2000))?;
/// assert!((report.x[0] - 3.0).abs() < 1e-3 && (report.x[1] + 1.0).abs() < 1e-3);
/// # Ok::<(), grad_runtime::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Adam<T> {
    hyper: Hyper<T>,
    weight_decay: T,
    moments: Moments<T>,
}

impl<T: Real> Adam<T> {
    /// Adam with learning rate `lr > 0` and the other defaults.
    ///
    /// ```
    /// use grad_runtime::optim::Adam;
    ///
    /// let adam = Adam::new(1e-2)?;
    /// # let _: Adam<f64> = adam;
    /// assert!(Adam::<f64>::new(f64::NAN).is_err());
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn new(lr: T) -> Result<Self, Error> {
        Self::builder().lr(lr).build()
    }

    /// A builder starting from the defaults.
    ///
    /// ```
    /// use grad_runtime::optim::Adam;
    ///
    /// let adam = Adam::builder().lr(3e-4).betas(0.9, 0.98).amsgrad(true).build()?;
    /// # let _: Adam<f64> = adam;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn builder() -> AdamBuilder<T> {
        AdamBuilder {
            hyper: Hyper::torch_defaults(),
            weight_decay: T::zero(),
        }
    }
}

impl<T: Real> Default for Adam<T> {
    fn default() -> Self {
        Self::builder().into_adam()
    }
}

/// Settings of [`Adam`], validated by [`build`](AdamBuilder::build).
///
/// ```
/// use grad_runtime::optim::Adam;
///
/// let err = Adam::<f64>::builder().betas(0.9, 1.0).build().unwrap_err();
/// assert_eq!(err.to_string(), "beta2 must be in [0, 1) (beta2 = 1)");
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AdamBuilder<T> {
    hyper: Hyper<T>,
    weight_decay: T,
}

impl<T: Real> AdamBuilder<T> {
    /// Learning rate α > 0 (default 1e-3).
    ///
    /// ```
    /// # use grad_runtime::optim::Adam;
    /// let adam = Adam::builder().lr(0.01).build()?;
    /// # let _: Adam<f64> = adam;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn lr(mut self, lr: T) -> Self {
        self.hyper.lr = lr;
        self
    }

    /// Decay rates (β₁, β₂) of the moment estimates, each in [0, 1) (default (0.9, 0.999)).
    ///
    /// ```
    /// # use grad_runtime::optim::Adam;
    /// let adam = Adam::builder().betas(0.8, 0.99).build()?;
    /// # let _: Adam<f64> = adam;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn betas(mut self, beta1: T, beta2: T) -> Self {
        self.hyper.beta1 = beta1;
        self.hyper.beta2 = beta2;
        self
    }

    /// ε > 0 added to the denominator for numerical stability (default 1e-8).
    ///
    /// ```
    /// # use grad_runtime::optim::Adam;
    /// let adam = Adam::builder().eps(1e-6).build()?;
    /// # let _: Adam<f64> = adam;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn eps(mut self, eps: T) -> Self {
        self.hyper.eps = eps;
        self
    }

    /// L2 penalty λ ≥ 0 added to the gradient (default 0). For decoupled weight decay use
    /// [`AdamW`](crate::optim::AdamW).
    ///
    /// ```
    /// # use grad_runtime::optim::Adam;
    /// let adam = Adam::builder().weight_decay(1e-4).build()?;
    /// # let _: Adam<f64> = adam;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn weight_decay(mut self, weight_decay: T) -> Self {
        self.weight_decay = weight_decay;
        self
    }

    /// The AMSGrad variant: divide by the running maximum of v (default off).
    ///
    /// ```
    /// # use grad_runtime::optim::Adam;
    /// let adam = Adam::builder().amsgrad(true).build()?;
    /// # let _: Adam<f64> = adam;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn amsgrad(mut self, on: bool) -> Self {
        self.hyper.amsgrad = on;
        self
    }

    /// Checks the settings and builds the optimizer.
    ///
    /// ```
    /// # use grad_runtime::optim::Adam;
    /// assert!(Adam::<f64>::builder().eps(0.0).build().is_err());
    /// ```
    pub fn build(self) -> Result<Adam<T>, Error> {
        self.hyper.validate()?;
        non_negative(
            "weight_decay",
            "weight decay must be non-negative",
            self.weight_decay,
        )?;
        Ok(self.into_adam())
    }

    fn into_adam(self) -> Adam<T> {
        Adam {
            hyper: self.hyper,
            weight_decay: self.weight_decay,
            moments: Moments::default(),
        }
    }
}

impl<T: Real> Optimizer<T> for Adam<T> {
    fn name(&self) -> &'static str {
        if self.hyper.amsgrad {
            "Adam (AMSGrad)"
        } else {
            "Adam"
        }
    }

    fn init(&mut self, dim: usize) -> Result<(), Error> {
        self.moments.init(dim, self.hyper.amsgrad);
        Ok(())
    }

    fn resume(&mut self, dim: usize) -> Result<(), Error> {
        if !self.moments.ready(dim) {
            self.moments.init(dim, self.hyper.amsgrad);
        }
        Ok(())
    }

    fn step(&mut self, problem: &mut Problem<'_, T>, point: &mut Point<T>) -> Step {
        first_order_step(self, problem, point)
    }

    fn learning_rate(&self) -> Option<T> {
        Some(self.hyper.lr)
    }
}

impl<T: Real> FirstOrder<T> for Adam<T> {
    fn lr(&self) -> T {
        self.hyper.lr
    }

    fn set_lr(&mut self, lr: T) {
        self.hyper.lr = lr;
    }

    fn update(&mut self, point: &mut Point<T>) {
        self.moments
            .update(&self.hyper, self.weight_decay, &mut point.x, &point.grad);
    }
}

/// The hyper-parameters Adam and AdamW share.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) struct Hyper<T> {
    pub(crate) lr: T,
    pub(crate) beta1: T,
    pub(crate) beta2: T,
    pub(crate) eps: T,
    pub(crate) amsgrad: bool,
}

impl<T: Real> Hyper<T> {
    pub(crate) fn torch_defaults() -> Self {
        Hyper {
            lr: lit(1e-3),
            beta1: lit(0.9),
            beta2: lit(0.999),
            eps: lit(1e-8),
            amsgrad: false,
        }
    }

    pub(crate) fn validate(&self) -> Result<(), Error> {
        positive("lr", "learning rate must be positive", self.lr)?;
        unit_interval("beta1", "beta1 must be in [0, 1)", self.beta1)?;
        unit_interval("beta2", "beta2 must be in [0, 1)", self.beta2)?;
        positive("eps", "eps must be positive", self.eps)
    }
}

/// Adam's state: moment estimates and the running powers β₁ᵗ, β₂ᵗ for the bias corrections.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) struct Moments<T> {
    m: Vec<T>,
    v: Vec<T>,
    v_max: Vec<T>,
    beta1_t: T,
    beta2_t: T,
}

impl<T: Real> Default for Moments<T> {
    fn default() -> Self {
        Moments {
            m: Vec::new(),
            v: Vec::new(),
            v_max: Vec::new(),
            beta1_t: T::one(),
            beta2_t: T::one(),
        }
    }
}

impl<T: Real> Moments<T> {
    /// Set up for `dim` parameters by an earlier run.
    pub(crate) fn ready(&self, dim: usize) -> bool {
        self.m.len() == dim
    }

    pub(crate) fn init(&mut self, dim: usize, amsgrad: bool) {
        for buffer in [&mut self.m, &mut self.v] {
            buffer.clear();
            buffer.resize(dim, T::zero());
        }
        self.v_max.clear();
        if amsgrad {
            self.v_max.resize(dim, T::zero());
        }
        self.beta1_t = T::one();
        self.beta2_t = T::one();
    }

    /// One Adam update of `x`, with `weight_decay` added to the gradient (PyTorch's coupled L2).
    pub(crate) fn update(&mut self, h: &Hyper<T>, weight_decay: T, x: &mut [T], grad: &[T]) {
        let one = T::one();
        self.beta1_t = self.beta1_t * h.beta1;
        self.beta2_t = self.beta2_t * h.beta2;
        let step_size = h.lr / (one - self.beta1_t);
        let bias2_sqrt = (one - self.beta2_t).sqrt();
        for i in 0..x.len() {
            let g = grad[i] + weight_decay * x[i];
            self.m[i] = h.beta1 * self.m[i] + (one - h.beta1) * g;
            self.v[i] = h.beta2 * self.v[i] + (one - h.beta2) * g * g;
            let v = if h.amsgrad {
                self.v_max[i] = self.v_max[i].max(self.v[i]);
                self.v_max[i]
            } else {
                self.v[i]
            };
            x[i] = x[i] - step_size * self.m[i] / (v.sqrt() / bias2_sqrt + h.eps);
        }
    }
}
