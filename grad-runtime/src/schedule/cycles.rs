//! Schedules with phases: warm-up, linear ramps, one-cycle and cosine with restarts
//! (`torch.optim.lr_scheduler`'s `LinearLR`, `OneCycleLR` and `CosineAnnealingWarmRestarts`).

use crate::core::{Real, count, lit};
use crate::error::{Error, ensure, non_negative, positive};
use crate::schedule::Schedule;

fn at_least_one(name: &'static str, requirement: &'static str, n: usize) -> Result<(), Error> {
    ensure(n >= 1, name, requirement, n as f64)
}

/// Half a cosine from `start` (at `pct = 0`) to `end` (at `pct = 1`).
fn cos_anneal<T: Real>(start: T, end: T, pct: T) -> T {
    let pi = lit::<T>(std::f64::consts::PI);
    end + (start - end) / lit(2.0) * (T::one() + (pi * pct).cos())
}

/// A linear warm-up over the first `steps` steps, `α · (t + 1) / steps`, then `inner` from its
/// own step 0.
///
/// ```
/// use grad_runtime::schedule::{CosineAnnealingLr, Schedule, Warmup};
///
/// let s = Warmup::new(4, CosineAnnealingLr::new(10, 0.0)?)?;
/// assert_eq!(s.learning_rate(1.0_f64, 0), 0.25);
/// assert_eq!(s.learning_rate(1.0_f64, 3), 1.0);
/// assert_eq!(s.learning_rate(1.0_f64, 4), 1.0); // the cosine's step 0
/// assert!(s.learning_rate(1.0_f64, 14).abs() < 1e-15); // the cosine's step 10
/// # Ok::<(), grad_runtime::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Warmup<S> {
    steps: usize,
    inner: S,
}

impl<S> Warmup<S> {
    /// Warm up over `steps ≥ 1` steps, then follow `inner` (a constant rate:
    /// `|base: f64, _: usize| base`).
    ///
    /// ```
    /// use grad_runtime::schedule::Warmup;
    ///
    /// assert!(Warmup::new(0, |base: f64, _: usize| base).is_err());
    /// ```
    pub fn new(steps: usize, inner: S) -> Result<Self, Error> {
        at_least_one("steps", "the warm-up must last at least 1 step", steps)?;
        Ok(Warmup { steps, inner })
    }
}

impl<T: Real, S: Schedule<T>> Schedule<T> for Warmup<S> {
    fn learning_rate(&self, base: T, step: usize) -> T {
        if step < self.steps {
            base * count::<T>(step + 1) / count::<T>(self.steps)
        } else {
            self.inner.learning_rate(base, step - self.steps)
        }
    }
}

/// The rate scaled linearly from `start_factor` to `end_factor` over `total` steps, then held:
/// `α · (s + (e − s) · min(t, total) / total)` (PyTorch's `LinearLR`; a linear decay to zero is
/// `LinearLr::new(1.0, 0.0, total)`).
///
/// ```
/// use grad_runtime::schedule::{LinearLr, Schedule};
///
/// let decay = LinearLr::new(1.0, 0.0, 4)?;
/// let rates: Vec<f64> = (0..6).map(|t| decay.learning_rate(2.0, t)).collect();
/// assert_eq!(rates, [2.0, 1.5, 1.0, 0.5, 0.0, 0.0]);
/// # Ok::<(), grad_runtime::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LinearLr<T> {
    start: T,
    end: T,
    total: usize,
}

impl<T: Real> LinearLr<T> {
    /// From `start_factor ≥ 0` to `end_factor ≥ 0` of the base rate over `total ≥ 1` steps.
    ///
    /// ```
    /// use grad_runtime::schedule::LinearLr;
    ///
    /// assert!(LinearLr::new(0.1, 1.0, 0).is_err());
    /// assert!(LinearLr::new(-0.1, 1.0, 10).is_err());
    /// ```
    pub fn new(start_factor: T, end_factor: T, total: usize) -> Result<Self, Error> {
        non_negative(
            "start_factor",
            "the factors must be non-negative",
            start_factor,
        )?;
        non_negative("end_factor", "the factors must be non-negative", end_factor)?;
        at_least_one("total", "the ramp must last at least 1 step", total)?;
        Ok(LinearLr {
            start: start_factor,
            end: end_factor,
            total,
        })
    }
}

impl<T: Real> Schedule<T> for LinearLr<T> {
    fn learning_rate(&self, base: T, step: usize) -> T {
        let done = count::<T>(step.min(self.total)) / count::<T>(self.total);
        base * (self.start + (self.end - self.start) * done)
    }
}

/// The one-cycle policy (PyTorch's `OneCycleLR` with cosine annealing, two phases): from
/// `base / div_factor` up to `base` over the first `pct_start` of `total` steps, then down to
/// `base / (div_factor · final_div_factor)`. The optimizer's learning rate is the peak.
///
/// ```
/// use grad_runtime::schedule::{OneCycleLr, Schedule};
///
/// let s = OneCycleLr::new(100)?; // pct_start 0.3, div_factor 25, final_div_factor 1e4
/// assert!((s.learning_rate(1.0_f64, 0) - 0.04).abs() < 1e-15);
/// assert!((s.learning_rate(1.0_f64, 29) - 1.0).abs() < 1e-15);
/// assert!((s.learning_rate(1.0_f64, 99) - 4e-6).abs() < 1e-15);
/// # Ok::<(), grad_runtime::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct OneCycleLr<T> {
    total: usize,
    pct_start: T,
    div_factor: T,
    final_div_factor: T,
}

impl<T: Real> OneCycleLr<T> {
    /// A cycle of `total ≥ 2` steps with PyTorch's defaults.
    ///
    /// ```
    /// use grad_runtime::schedule::OneCycleLr;
    ///
    /// assert!(OneCycleLr::<f64>::new(1).is_err());
    /// ```
    pub fn new(total: usize) -> Result<Self, Error> {
        ensure(
            total >= 2,
            "total",
            "a cycle needs at least 2 steps",
            total as f64,
        )?;
        Ok(OneCycleLr {
            total,
            pct_start: lit(0.3),
            div_factor: lit(25.0),
            final_div_factor: lit(1e4),
        })
    }

    /// The fraction of the cycle spent rising, in `(0, 1)` (default 0.3).
    ///
    /// ```
    /// use grad_runtime::schedule::{OneCycleLr, Schedule};
    ///
    /// let s = OneCycleLr::new(10)?.pct_start(0.5)?;
    /// assert!((s.learning_rate(1.0_f64, 4) - 1.0).abs() < 1e-15);
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn pct_start(mut self, pct: T) -> Result<Self, Error> {
        ensure(
            pct > T::zero() && pct < T::one(),
            "pct_start",
            "pct_start must lie strictly between 0 and 1",
            pct,
        )?;
        self.pct_start = pct;
        Ok(self)
    }

    /// The start is the peak divided by `div > 0` (default 25).
    ///
    /// ```
    /// use grad_runtime::schedule::{OneCycleLr, Schedule};
    ///
    /// let s = OneCycleLr::new(10)?.div_factor(10.0)?;
    /// assert!((s.learning_rate(1.0_f64, 0) - 0.1).abs() < 1e-15);
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn div_factor(mut self, div: T) -> Result<Self, Error> {
        positive("div_factor", "div_factor must be positive", div)?;
        self.div_factor = div;
        Ok(self)
    }

    /// The end is the start divided by `div > 0` (default 1e4).
    ///
    /// ```
    /// use grad_runtime::schedule::{OneCycleLr, Schedule};
    ///
    /// let s = OneCycleLr::new(10)?.div_factor(10.0)?.final_div_factor(10.0)?;
    /// assert!((s.learning_rate(1.0_f64, 9) - 0.01).abs() < 1e-15);
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn final_div_factor(mut self, div: T) -> Result<Self, Error> {
        positive("final_div_factor", "final_div_factor must be positive", div)?;
        self.final_div_factor = div;
        Ok(self)
    }
}

impl<T: Real> Schedule<T> for OneCycleLr<T> {
    fn learning_rate(&self, base: T, step: usize) -> T {
        let initial = base / self.div_factor;
        let min = initial / self.final_div_factor;
        // PyTorch's phase ends: step pct_start · total − 1, then total − 1.
        let rise_end = self.pct_start * count::<T>(self.total) - T::one();
        let last = count::<T>(self.total - 1);
        let t = count::<T>(step.min(self.total - 1));
        if t <= rise_end {
            cos_anneal(initial, base, t / rise_end.max(T::one()))
        } else {
            cos_anneal(base, min, (t - rise_end) / (last - rise_end))
        }
    }
}

/// Cosine annealing with warm restarts (SGDR, PyTorch's `CosineAnnealingWarmRestarts`): a cosine
/// from the base rate down to `eta_min` over `t_0` steps, restarted with periods growing by
/// `t_mult`.
///
/// ```
/// use grad_runtime::schedule::{CosineWarmRestarts, Schedule};
///
/// let s = CosineWarmRestarts::new(4, 2, 0.0)?; // periods 4, 8, 16, …
/// assert_eq!(s.learning_rate(1.0_f64, 0), 1.0);
/// assert!((s.learning_rate(1.0_f64, 2) - 0.5).abs() < 1e-15);
/// assert_eq!(s.learning_rate(1.0_f64, 4), 1.0); // restart
/// assert!((s.learning_rate(1.0_f64, 8) - 0.5).abs() < 1e-15); // halfway through 8
/// assert_eq!(s.learning_rate(1.0_f64, 12), 1.0); // restart
/// # Ok::<(), grad_runtime::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CosineWarmRestarts<T> {
    t_0: usize,
    t_mult: usize,
    eta_min: T,
}

impl<T: Real> CosineWarmRestarts<T> {
    /// A first period of `t_0 ≥ 1` steps, each next one `t_mult ≥ 1` times longer, down to
    /// `eta_min ≥ 0`.
    ///
    /// ```
    /// use grad_runtime::schedule::CosineWarmRestarts;
    ///
    /// assert!(CosineWarmRestarts::new(0, 1, 0.0).is_err());
    /// assert!(CosineWarmRestarts::new(10, 0, 0.0).is_err());
    /// ```
    pub fn new(t_0: usize, t_mult: usize, eta_min: T) -> Result<Self, Error> {
        at_least_one("t_0", "the first period must last at least 1 step", t_0)?;
        at_least_one("t_mult", "t_mult must be at least 1", t_mult)?;
        non_negative(
            "eta_min",
            "the minimum learning rate must be non-negative",
            eta_min,
        )?;
        Ok(CosineWarmRestarts {
            t_0,
            t_mult,
            eta_min,
        })
    }
}

impl<T: Real> Schedule<T> for CosineWarmRestarts<T> {
    fn learning_rate(&self, base: T, step: usize) -> T {
        let (mut t, mut period) = (step, self.t_0);
        while t >= period {
            t -= period;
            period = period.saturating_mul(self.t_mult);
        }
        cos_anneal(base, self.eta_min, count::<T>(t) / count::<T>(period))
    }
}
