//! AdamW: Adam with decoupled weight decay.

use crate::core::{Point, Problem, Real, lit};
use crate::error::{Error, non_negative};
use crate::optim::adam::{Hyper, Moments};
use crate::optim::{FirstOrder, Optimizer, Step, first_order_step};

/// AdamW: Adam whose weight decay shrinks the parameters directly instead of entering the
/// gradient, step for step as `torch.optim.AdamW`:
///
/// ```text
/// x ← x (1 − α λ)
/// then the Adam update of x with g = ∇f(x) (no L2 term in the moments)
/// ```
///
/// Decoupling makes the decay independent of the adaptive scaling, so it regularizes every
/// coordinate alike; prefer it to `Adam` with `weight_decay`. Needs only the gradient. Note that
/// with λ > 0 it minimizes a different function than `f` (the minimum is pulled towards 0).
///
/// Defaults (`torch.optim.AdamW`): α = 1e-3, β = (0.9, 0.999), ε = 1e-8, λ = 1e-2,
/// AMSGrad off.
///
/// Reference: Loshchilov & Hutter, *Decoupled Weight Decay Regularization* (ICLR 2019).
///
/// ```
/// use grad_runtime::{Options, minimize, optim::AdamW};
///
/// fn f_grad(x: f64, y: f64) -> (f64, [f64; 2]) {
///     ((x - 1.0).powi(2) + (y - 1.0).powi(2), [2.0 * (x - 1.0), 2.0 * (y - 1.0)])
/// }
/// let adamw = AdamW::builder().lr(0.05).weight_decay(0.0).build()?;
/// let report = minimize(f_grad, [0.0, 0.0], adamw, Options::new().max_iters(2000))?;
/// assert!(report.x.iter().all(|v| (v - 1.0).abs() < 1e-3));
/// # Ok::<(), grad_runtime::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AdamW<T> {
    hyper: Hyper<T>,
    weight_decay: T,
    decay_mask: Option<Vec<bool>>,
    moments: Moments<T>,
}

impl<T: Real> AdamW<T> {
    /// AdamW with learning rate `lr > 0` and the other defaults.
    ///
    /// ```
    /// use grad_runtime::optim::AdamW;
    ///
    /// let adamw = AdamW::new(1e-3)?;
    /// # let _: AdamW<f64> = adamw;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn new(lr: T) -> Result<Self, Error> {
        Self::builder().lr(lr).build()
    }

    /// A builder starting from the defaults.
    ///
    /// ```
    /// use grad_runtime::optim::AdamW;
    ///
    /// let adamw = AdamW::builder().lr(1e-3).weight_decay(0.1).build()?;
    /// # let _: AdamW<f32> = adamw;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn builder() -> AdamWBuilder<T> {
        AdamWBuilder {
            hyper: Hyper::torch_defaults(),
            weight_decay: lit(1e-2),
            decay_mask: None,
        }
    }
}

impl<T: Real> Default for AdamW<T> {
    fn default() -> Self {
        Self::builder().into_adamw()
    }
}

/// Settings of [`AdamW`], validated by [`build`](AdamWBuilder::build).
///
/// ```
/// use grad_runtime::optim::AdamW;
///
/// assert!(AdamW::<f64>::builder().weight_decay(-1.0).build().is_err());
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AdamWBuilder<T> {
    hyper: Hyper<T>,
    weight_decay: T,
    decay_mask: Option<Vec<bool>>,
}

impl<T: Real> AdamWBuilder<T> {
    /// Learning rate α > 0 (default 1e-3).
    ///
    /// ```
    /// # use grad_runtime::optim::AdamW;
    /// let adamw = AdamW::builder().lr(0.01).build()?;
    /// # let _: AdamW<f64> = adamw;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn lr(mut self, lr: T) -> Self {
        self.hyper.lr = lr;
        self
    }

    /// Decay rates (β₁, β₂), each in [0, 1) (default (0.9, 0.999)).
    ///
    /// ```
    /// # use grad_runtime::optim::AdamW;
    /// let adamw = AdamW::builder().betas(0.9, 0.95).build()?;
    /// # let _: AdamW<f64> = adamw;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn betas(mut self, beta1: T, beta2: T) -> Self {
        self.hyper.beta1 = beta1;
        self.hyper.beta2 = beta2;
        self
    }

    /// ε > 0 (default 1e-8).
    ///
    /// ```
    /// # use grad_runtime::optim::AdamW;
    /// let adamw = AdamW::builder().eps(1e-7).build()?;
    /// # let _: AdamW<f64> = adamw;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn eps(mut self, eps: T) -> Self {
        self.hyper.eps = eps;
        self
    }

    /// Decoupled weight decay λ ≥ 0 (default 1e-2).
    ///
    /// ```
    /// # use grad_runtime::optim::AdamW;
    /// let adamw = AdamW::builder().weight_decay(0.05).build()?;
    /// # let _: AdamW<f64> = adamw;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn weight_decay(mut self, weight_decay: T) -> Self {
        self.weight_decay = weight_decay;
        self
    }

    /// Decays only the parameters whose entry is `true` (Optax's `mask`; biases and norms are
    /// usually left out). The mask has one entry per parameter, in the flat order; for a model,
    /// build it from a model of flags: `flags.to_flat().iter().map(|&f| f != 0.0).collect()`.
    /// A mask of another length fails the run's set-up.
    ///
    /// ```
    /// use grad_runtime::optim::AdamW;
    /// use grad_runtime::{Options, minimize};
    ///
    /// // Only x is in the loss; y moves by decay alone.
    /// fn f_grad(x: f64, _y: f64) -> (f64, [f64; 2]) {
    ///     (0.5 * (x - 5.0).powi(2), [x - 5.0, 0.0])
    /// }
    /// let run = |mask: Vec<bool>| {
    ///     let adamw = AdamW::builder().lr(0.1).weight_decay(0.5).decay_mask(mask).build()?;
    ///     minimize(f_grad, [1.0, 1.0], adamw, Options::new().max_iters(10))
    /// };
    /// assert_eq!(run(vec![true, false])?.x[1], 1.0);
    /// assert!(run(vec![false, true])?.x[1] < 1.0);
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn decay_mask(mut self, mask: Vec<bool>) -> Self {
        self.decay_mask = Some(mask);
        self
    }

    /// The AMSGrad variant (default off).
    ///
    /// ```
    /// # use grad_runtime::optim::AdamW;
    /// let adamw = AdamW::builder().amsgrad(true).build()?;
    /// # let _: AdamW<f64> = adamw;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn amsgrad(mut self, on: bool) -> Self {
        self.hyper.amsgrad = on;
        self
    }

    /// Checks the settings and builds the optimizer.
    ///
    /// ```
    /// # use grad_runtime::optim::AdamW;
    /// assert!(AdamW::<f64>::builder().lr(-1.0).build().is_err());
    /// ```
    pub fn build(self) -> Result<AdamW<T>, Error> {
        self.hyper.validate()?;
        non_negative(
            "weight_decay",
            "weight decay must be non-negative",
            self.weight_decay,
        )?;
        Ok(self.into_adamw())
    }

    fn into_adamw(self) -> AdamW<T> {
        AdamW {
            decay_mask: self.decay_mask,
            hyper: self.hyper,
            weight_decay: self.weight_decay,
            moments: Moments::default(),
        }
    }
}

impl<T: Real> AdamW<T> {
    fn check_mask(&self, dim: usize) -> Result<(), Error> {
        match &self.decay_mask {
            Some(mask) if mask.len() != dim => Err(Error::DimensionMismatch {
                what: "the weight-decay mask",
                expected: dim,
                found: mask.len(),
            }),
            _ => Ok(()),
        }
    }
}

impl<T: Real> Optimizer<T> for AdamW<T> {
    fn name(&self) -> &'static str {
        if self.hyper.amsgrad {
            "AdamW (AMSGrad)"
        } else {
            "AdamW"
        }
    }

    fn init(&mut self, dim: usize) -> Result<(), Error> {
        self.check_mask(dim)?;
        self.moments.init(dim, self.hyper.amsgrad);
        Ok(())
    }

    fn resume(&mut self, dim: usize) -> Result<(), Error> {
        self.check_mask(dim)?;
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

impl<T: Real> FirstOrder<T> for AdamW<T> {
    fn lr(&self) -> T {
        self.hyper.lr
    }

    fn set_lr(&mut self, lr: T) {
        self.hyper.lr = lr;
    }

    fn update(&mut self, point: &mut Point<T>) {
        let shrink = T::one() - self.hyper.lr * self.weight_decay;
        match &self.decay_mask {
            None => point.x.iter_mut().for_each(|x| *x = *x * shrink),
            Some(mask) => {
                for (x, &decay) in point.x.iter_mut().zip(mask) {
                    if decay {
                        *x = *x * shrink;
                    }
                }
            }
        }
        self.moments
            .update(&self.hyper, T::zero(), &mut point.x, &point.grad);
    }
}
