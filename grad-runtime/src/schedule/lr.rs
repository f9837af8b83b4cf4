//! The closed-form schedules of `torch.optim.lr_scheduler`.

use crate::core::{Real, count, lit};
use crate::error::{Error, ensure, non_negative, positive};
use crate::schedule::Schedule;

/// Multiplies the learning rate by γ every `step_size` steps: `α_t = α · γ^⌊t / step_size⌋`
/// (PyTorch's `StepLR`, whose default γ is 0.1).
///
/// ```
/// use grad_runtime::schedule::{Schedule, StepLr};
///
/// let s = StepLr::new(2, 0.1)?;
/// let rates: Vec<f64> = (0..5).map(|t| s.learning_rate(1.0, t)).collect();
/// assert_eq!(rates, [1.0, 1.0, 0.1, 0.1, 0.010000000000000002]);
/// # Ok::<(), grad_runtime::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct StepLr<T> {
    step_size: usize,
    gamma: T,
}

impl<T: Real> StepLr<T> {
    /// Decay by `gamma > 0` every `step_size ≥ 1` steps.
    ///
    /// ```
    /// use grad_runtime::schedule::StepLr;
    ///
    /// assert!(StepLr::new(0, 0.1).is_err());
    /// assert!(StepLr::new(30, 0.1).is_ok());
    /// ```
    pub fn new(step_size: usize, gamma: T) -> Result<Self, Error> {
        ensure(
            step_size >= 1,
            "step_size",
            "the step size must be at least 1",
            step_size as f64,
        )?;
        positive("gamma", "gamma must be positive", gamma)?;
        Ok(StepLr { step_size, gamma })
    }
}

impl<T: Real> Schedule<T> for StepLr<T> {
    fn learning_rate(&self, base: T, step: usize) -> T {
        base * self.gamma.powf(count(step / self.step_size))
    }
}

/// Multiplies the learning rate by γ every step: `α_t = α · γᵗ` (PyTorch's `ExponentialLR`).
///
/// ```
/// use grad_runtime::schedule::{ExponentialLr, Schedule};
///
/// let s = ExponentialLr::new(0.9)?;
/// assert!((s.learning_rate(1.0_f64, 2) - 0.81).abs() < 1e-15);
/// # Ok::<(), grad_runtime::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ExponentialLr<T> {
    gamma: T,
}

impl<T: Real> ExponentialLr<T> {
    /// Decay by `gamma > 0` per step.
    ///
    /// ```
    /// use grad_runtime::schedule::ExponentialLr;
    ///
    /// assert!(ExponentialLr::new(-0.5).is_err());
    /// ```
    pub fn new(gamma: T) -> Result<Self, Error> {
        positive("gamma", "gamma must be positive", gamma)?;
        Ok(ExponentialLr { gamma })
    }
}

impl<T: Real> Schedule<T> for ExponentialLr<T> {
    fn learning_rate(&self, base: T, step: usize) -> T {
        base * self.gamma.powf(count(step))
    }
}

/// Anneals the learning rate from α to η_min along a half cosine over `t_max` steps:
/// `α_t = η_min + (α − η_min)(1 + cos(π t / t_max)) / 2` (PyTorch's `CosineAnnealingLR`,
/// default η_min = 0). As in PyTorch's closed form, the cosine continues past `t_max` and the
/// rate rises again; set `t_max` to the length of the run.
///
/// Reference: Loshchilov & Hutter, *SGDR: Stochastic Gradient Descent with Warm Restarts*
/// (ICLR 2017).
///
/// ```
/// use grad_runtime::schedule::{CosineAnnealingLr, Schedule};
///
/// let s = CosineAnnealingLr::new(10, 0.0)?;
/// assert_eq!(s.learning_rate(1.0_f64, 0), 1.0);
/// assert!((s.learning_rate(1.0_f64, 5) - 0.5).abs() < 1e-15);
/// assert!(s.learning_rate(1.0_f64, 10).abs() < 1e-15);
/// # Ok::<(), grad_runtime::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CosineAnnealingLr<T> {
    t_max: usize,
    eta_min: T,
}

impl<T: Real> CosineAnnealingLr<T> {
    /// Anneal over `t_max ≥ 1` steps down to `eta_min ≥ 0`.
    ///
    /// ```
    /// use grad_runtime::schedule::CosineAnnealingLr;
    ///
    /// assert!(CosineAnnealingLr::new(100, 1e-5).is_ok());
    /// assert!(CosineAnnealingLr::new(0, 0.0).is_err());
    /// ```
    pub fn new(t_max: usize, eta_min: T) -> Result<Self, Error> {
        ensure(
            t_max >= 1,
            "t_max",
            "t_max must be at least 1",
            t_max as f64,
        )?;
        non_negative(
            "eta_min",
            "the minimum learning rate must be non-negative",
            eta_min,
        )?;
        Ok(CosineAnnealingLr { t_max, eta_min })
    }
}

impl<T: Real> Schedule<T> for CosineAnnealingLr<T> {
    fn learning_rate(&self, base: T, step: usize) -> T {
        let phase = lit::<T>(std::f64::consts::PI) * count::<T>(step) / count::<T>(self.t_max);
        self.eta_min + (base - self.eta_min) * (T::one() + phase.cos()) / lit(2.0)
    }
}
