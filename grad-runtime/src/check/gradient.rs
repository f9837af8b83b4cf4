//! Component-wise gradient checks.

use std::fmt;

use crate::check::{as_f64, cbrt_eps, evaluate, relative_error};
use crate::core::{Objective, Real, Start};
use crate::error::{Error, non_negative, positive};

/// Checks the gradient of `f` at `x` against central finite differences with the default step
/// and tolerances (see the [module documentation](crate::check)).
///
/// ```
/// use grad_runtime::check::check_gradient;
///
/// fn good(x: f64, y: f64) -> (f64, [f64; 2]) {
///     (x * x * y, [2.0 * x * y, x * x])
/// }
/// fn wrong(x: f64, y: f64) -> (f64, [f64; 2]) {
///     (x * x * y, [2.0 * x * y, x]) // ∂/∂y should be x²
/// }
/// assert!(check_gradient(good, [1.5, -2.0])?.passed);
/// let report = check_gradient(wrong, [1.5, -2.0])?;
/// assert!(!report.passed);
/// assert_eq!(report.worst, 1);
/// println!("{report}");
/// # Ok::<(), grad_runtime::Error>(())
/// ```
///
/// A model (`P: Params`) is checked through its flat view, with an objective
/// `|m: &Model, g: &mut Model| loss_grad(m, .., g)`:
///
/// ```
/// use grad_runtime::check::check_gradient;
///
/// let f = |w: &Vec<f64>, g: &mut Vec<f64>| {
///     g[0] = 2.0 * w[0] * w[1];
///     g[1] = w[0] * w[0];
///     w[0] * w[0] * w[1]
/// };
/// assert!(check_gradient(f, &vec![1.5, -2.0])?.passed);
/// # Ok::<(), grad_runtime::Error>(())
/// ```
pub fn check_gradient<T, A, F, X>(f: F, x: X) -> Result<GradientReport<T>, Error>
where
    T: Real,
    X: Start<T, A, F>,
{
    GradientChecker::new().check(f, x)
}

/// Step and tolerances of a gradient check. A component passes when its absolute error is at
/// most `abs_tol` *or* its relative error at most `rel_tol`; settings are validated when a check
/// runs.
///
/// ```
/// use grad_runtime::check::GradientChecker;
///
/// let mut f = |w: &[f64], g: &mut [f64]| {
///     g[0] = w[0].cos();
///     g[1] = 2.0 * w[1];
///     w[0].sin() + w[1] * w[1]
/// };
/// let checker = GradientChecker::new().rel_tol(1e-7).abs_tol(1e-9);
/// let reports = checker.check_points(&mut f, [[0.0, 1.0], [1.0, -3.0], [10.0, 20.0]])?;
/// assert!(reports.iter().all(|r| r.passed));
/// # Ok::<(), grad_runtime::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct GradientChecker<T> {
    step: T,
    abs_tol: T,
    rel_tol: T,
}

impl<T: Real> Default for GradientChecker<T> {
    fn default() -> Self {
        GradientChecker {
            step: cbrt_eps(),
            abs_tol: cbrt_eps(),
            rel_tol: cbrt_eps(),
        }
    }
}

impl<T: Real> GradientChecker<T> {
    /// The defaults: relative step ∛ε, tolerances ∛ε.
    ///
    /// ```
    /// use grad_runtime::check::GradientChecker;
    ///
    /// let checker = GradientChecker::<f64>::new();
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The relative step `h > 0`: component i is perturbed by `h · max(1, |xᵢ|)`.
    ///
    /// ```
    /// use grad_runtime::check::GradientChecker;
    ///
    /// fn f_grad(x: f64) -> (f64, [f64; 1]) {
    ///     (x.exp(), [x.exp()])
    /// }
    /// assert!(GradientChecker::new().step(1e-4).check(f_grad, [0.5])?.passed);
    /// assert!(GradientChecker::new().step(-1.0).check(f_grad, [0.5]).is_err());
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn step(mut self, h: T) -> Self {
        self.step = h;
        self
    }

    /// The absolute tolerance `≥ 0`.
    ///
    /// ```
    /// use grad_runtime::check::GradientChecker;
    ///
    /// let checker = GradientChecker::<f64>::new().abs_tol(1e-9);
    /// ```
    pub fn abs_tol(mut self, tol: T) -> Self {
        self.abs_tol = tol;
        self
    }

    /// The relative tolerance `≥ 0`.
    ///
    /// ```
    /// use grad_runtime::check::GradientChecker;
    ///
    /// let checker = GradientChecker::<f32>::new().rel_tol(1e-2);
    /// ```
    pub fn rel_tol(mut self, tol: T) -> Self {
        self.rel_tol = tol;
        self
    }

    /// Checks the gradient of `f` at `x`.
    ///
    /// ```
    /// use grad_runtime::check::GradientChecker;
    ///
    /// let f = |x: &[f32], g: &mut [f32]| {
    ///     g[0] = 3.0 * x[0] * x[0];
    ///     x[0] * x[0] * x[0]
    /// };
    /// let report = GradientChecker::new().check(f, [2.0_f32])?;
    /// assert!(report.passed, "{report}");
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn check<A, F, X>(&self, f: F, x: X) -> Result<GradientReport<T>, Error>
    where
        X: Start<T, A, F>,
    {
        let (x, mut f) = x.into_flat(f);
        self.check_at(&mut f, &x)
    }

    /// Checks the gradient of `f` at each of `points`.
    ///
    /// ```
    /// use grad_runtime::check::GradientChecker;
    ///
    /// fn f_grad(x: f64, y: f64) -> (f64, [f64; 2]) {
    ///     (x * y, [y, x])
    /// }
    /// let reports = GradientChecker::new().check_points(f_grad, [[1.0, 2.0], [-3.0, 0.5]])?;
    /// assert_eq!(reports.len(), 2);
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn check_points<A, F, P, X>(
        &self,
        mut f: F,
        points: P,
    ) -> Result<Vec<GradientReport<T>>, Error>
    where
        F: Objective<T, A>,
        P: IntoIterator<Item = X>,
        X: AsRef<[T]>,
    {
        points
            .into_iter()
            .map(|x| self.check_at(&mut f, x.as_ref()))
            .collect()
    }

    fn check_at<A, F: Objective<T, A>>(
        &self,
        f: &mut F,
        x: &[T],
    ) -> Result<GradientReport<T>, Error> {
        positive(
            "step",
            "the finite-difference step must be positive",
            self.step,
        )?;
        non_negative("abs_tol", "tolerances must be non-negative", self.abs_tol)?;
        non_negative("rel_tol", "tolerances must be non-negative", self.rel_tol)?;
        let (value, analytic) = evaluate(f, x)?;
        let mut probe = x.to_vec();
        let mut scratch = vec![T::zero(); x.len()];
        let numeric: Vec<T> = (0..x.len())
            .map(|i| {
                let xi = x[i];
                let h = self.step * xi.abs().max(T::one());
                let (up, down) = (xi + h, xi - h);
                probe[i] = up;
                let f_up = f.eval(&probe, &mut scratch);
                probe[i] = down;
                let f_down = f.eval(&probe, &mut scratch);
                probe[i] = xi;
                // Divide by the steps actually taken: xᵢ ± h are rounded.
                (f_up - f_down) / (up - down)
            })
            .collect();
        Ok(GradientReport::new(
            x.to_vec(),
            value,
            analytic,
            numeric,
            self.abs_tol,
            self.rel_tol,
        ))
    }
}

/// The result of a gradient check: both gradients, their errors, the worst component and the
/// verdict. `Display` prints a short summary and the failing components.
///
/// ```
/// use grad_runtime::check::check_gradient;
///
/// fn f_grad(x: f64) -> (f64, [f64; 1]) {
///     (x.sin(), [x.cos()])
/// }
/// let report = check_gradient(f_grad, [0.3])?;
/// assert!(report.passed);
/// assert!(report.max_rel_error() < 1e-8);
/// assert!(report.to_string().starts_with("gradient check passed"));
/// # Ok::<(), grad_runtime::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct GradientReport<T> {
    /// The point checked.
    pub x: Vec<T>,
    /// The value at `x`.
    pub value: T,
    /// The gradient the function returned.
    pub analytic: Vec<T>,
    /// The central finite-difference estimate.
    pub numeric: Vec<T>,
    /// `|analytic − numeric|` per component.
    pub abs_errors: Vec<T>,
    /// `|analytic − numeric| / max(|analytic|, |numeric|)` per component (0 if both are 0).
    pub rel_errors: Vec<T>,
    /// The component furthest out of tolerance (or closest to it).
    pub worst: usize,
    /// The absolute tolerance used.
    pub abs_tol: T,
    /// The relative tolerance used.
    pub rel_tol: T,
    /// Whether every component is within tolerance (and finite).
    pub passed: bool,
}

impl<T: Real> GradientReport<T> {
    fn new(x: Vec<T>, value: T, analytic: Vec<T>, numeric: Vec<T>, abs_tol: T, rel_tol: T) -> Self {
        let abs_errors: Vec<T> = analytic
            .iter()
            .zip(&numeric)
            .map(|(&a, &n)| (a - n).abs())
            .collect();
        let rel_errors: Vec<T> = analytic
            .iter()
            .zip(&numeric)
            .map(|(&a, &n)| relative_error(a, n))
            .collect();
        // How far out of tolerance a component is: ≤ 1 passes; NaN counts as infinitely bad.
        let score = |i: usize| {
            let s = (abs_errors[i] / abs_tol).min(rel_errors[i] / rel_tol);
            if s.is_nan() { T::infinity() } else { s }
        };
        let worst = (0..analytic.len()).fold(0, |w, i| if score(i) > score(w) { i } else { w });
        let passed =
            (0..analytic.len()).all(|i| abs_errors[i] <= abs_tol || rel_errors[i] <= rel_tol);
        GradientReport {
            x,
            value,
            analytic,
            numeric,
            abs_errors,
            rel_errors,
            worst,
            abs_tol,
            rel_tol,
            passed,
        }
    }

    /// The largest absolute error over the components (NaN if any is NaN).
    ///
    /// ```
    /// use grad_runtime::check::check_gradient;
    ///
    /// fn f_grad(x: f64) -> (f64, [f64; 1]) {
    ///     (x * x, [2.0 * x + 1.0]) // off by one
    /// }
    /// let report = check_gradient(f_grad, [1.0])?;
    /// assert!((report.max_abs_error() - 1.0).abs() < 1e-6);
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn max_abs_error(&self) -> T {
        max_or_nan(&self.abs_errors)
    }

    /// The largest relative error over the components (NaN if any is NaN).
    ///
    /// ```
    /// use grad_runtime::check::check_gradient;
    ///
    /// fn f_grad(x: f64) -> (f64, [f64; 1]) {
    ///     (x * x, [x]) // half the true derivative
    /// }
    /// let report = check_gradient(f_grad, [2.0])?;
    /// assert!((report.max_rel_error() - 0.5).abs() < 1e-6);
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn max_rel_error(&self) -> T {
        max_or_nan(&self.rel_errors)
    }
}

fn max_or_nan<T: Real>(v: &[T]) -> T {
    v.iter().fold(T::zero(), |m, &e| {
        if e.is_nan() || m.is_nan() {
            T::nan()
        } else {
            m.max(e)
        }
    })
}

impl<T: Real> fmt::Display for GradientReport<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.analytic.len();
        let failing: Vec<usize> = (0..n)
            .filter(|&i| {
                !(self.abs_errors[i] <= self.abs_tol || self.rel_errors[i] <= self.rel_tol)
            })
            .collect();
        let verdict = if self.passed { "passed" } else { "FAILED" };
        writeln!(
            f,
            "gradient check {verdict}: {} of {n} components out of tolerance (abs {:.1e}, rel {:.1e}), value {:.6e}",
            failing.len(),
            as_f64(self.abs_tol),
            as_f64(self.rel_tol),
            as_f64(self.value),
        )?;
        let row = |f: &mut fmt::Formatter<'_>, label: &str, i: usize| {
            writeln!(
                f,
                "  {label:>6} {i:>5}: analytic {:>14.6e}  finite diff {:>14.6e}  abs err {:.2e}  rel err {:.2e}",
                as_f64(self.analytic[i]),
                as_f64(self.numeric[i]),
                as_f64(self.abs_errors[i]),
                as_f64(self.rel_errors[i]),
            )
        };
        row(f, "worst", self.worst)?;
        const SHOWN: usize = 10;
        for &i in failing.iter().filter(|&&i| i != self.worst).take(SHOWN) {
            row(f, "failed", i)?;
        }
        if failing.len() > SHOWN + 1 {
            writeln!(f, "  … and {} more", failing.len() - SHOWN - 1)?;
        }
        Ok(())
    }
}
