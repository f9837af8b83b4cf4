//! Newton's method with a dense Hessian, modified to be positive definite.

use std::fmt;

use crate::core::{Point, Problem, Real, lit};
use crate::error::Error;
use crate::linesearch::{Backtracking, LineSearch};
use crate::optim::{Optimizer, Step};

/// How many shifts λ to try before giving up on the Hessian and stepping along `−∇f`. From
/// 1e-8·s with s = max|hᵢⱼ|, λ passes n·s, where every shifted matrix is positive definite
/// (Gershgorin), after 9 + log₁₀ n tries; the cap only matters for a non-finite Hessian.
const MAX_SHIFTS: usize = 40;

/// Newton's method with a line search: solves `(∇²f(x) + λI) d = −∇f(x)` by Cholesky and
/// searches along `d` from the step α = 1.
///
/// λ = 0 first (the pure Newton step); when the Hessian is not positive definite (the
/// factorization meets a pivot ≤ 0, e.g. near a saddle or a maximum), λ starts at
/// `1e-8·max|hᵢⱼ|` and grows tenfold until the factorization succeeds: the "modified Newton"
/// method with a multiple of the identity (Nocedal & Wright, *Numerical Optimization*, 2nd ed.
/// (2006), §3.4, Algorithm 3.3). The shifted matrix is positive definite, so `d` is a descent
/// direction. If the line search (default [`Backtracking`], Armijo with c₁ = 1e-4) fails, `−∇f`
/// is tried; if that fails too the step reports [`Step::Stalled`].
///
/// Needs value and gradient (from the problem) and a closure `hessian(x, out)` that writes the
/// full symmetric n×n Hessian, row-major, into `out` (every entry, each step: Cholesky reads
/// the lower triangle). For `#[gradient(hvp)] fn f(x: &[f64]) -> f64` that is
/// `f_hessian(x, &mut scratch, out)`. Each step costs one Hessian and an O(n³) factorization,
/// and the buffers hold 2n² numbers: for small n (up to a few hundred). For larger problems use
/// [`NewtonCg`](crate::optim::NewtonCg), which needs only Hessian–vector products. Quadratic
/// convergence near a minimum with a positive definite Hessian (N&W Theorem 3.5).
///
/// Steps do not allocate (the matrices are set up in [`init`](Optimizer::init)). The closure
/// is not serializable, so this type has no `serde` support.
///
/// ```
/// use grad_runtime::{Options, minimize, optim::Newton};
///
/// fn rosenbrock_grad(x: f64, y: f64) -> (f64, [f64; 2]) {
///     let value = (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2);
///     (value, [-2.0 * (1.0 - x) - 400.0 * x * (y - x * x), 200.0 * (y - x * x)])
/// }
/// // ∇²f, row-major (#[gradient(hvp)] emits it as rosenbrock_hessian).
/// let hessian = |p: &[f64], h: &mut [f64]| {
///     let (x, y) = (p[0], p[1]);
///     h[0] = 2.0 - 400.0 * (y - x * x) + 800.0 * x * x;
///     h[1] = -400.0 * x;
///     h[2] = -400.0 * x;
///     h[3] = 200.0;
/// };
/// let mut newton = Newton::new(hessian);
/// let report = minimize(rosenbrock_grad, [-1.2, 1.0], &mut newton, Options::new().grad_tol(1e-10))?;
/// assert!(report.converged(), "{report}");
/// assert!((report.x[0] - 1.0).abs() < 1e-8 && (report.x[1] - 1.0).abs() < 1e-8);
/// assert_eq!(newton.hessian_calls(), report.iterations);
/// # Ok::<(), grad_runtime::Error>(())
/// ```
#[derive(Clone)]
pub struct Newton<T, H, L = Backtracking<T>> {
    hessian: H,
    line_search: L,
    hessian_calls: usize,
    shift: T,
    /// The Hessian, n×n row-major.
    h: Vec<T>,
    /// Its shifted Cholesky factor L (lower triangle, row-major).
    factor: Vec<T>,
    direction: Vec<T>,
    trial: Point<T>,
}

impl<T: Real, H: FnMut(&[T], &mut [T])> Newton<T, H> {
    /// Newton's method with the Hessian `hessian(x, out)` (writes `∇²f(x)`, n×n row-major) and
    /// the default [`Backtracking`] line search.
    ///
    /// ```
    /// use grad_runtime::optim::{Newton, Optimizer};
    ///
    /// // f(x) = x₀² + 3 x₁²
    /// let newton = Newton::new(|_x: &[f64], h: &mut [f64]| h.copy_from_slice(&[2.0, 0.0, 0.0, 6.0]));
    /// assert_eq!(newton.name(), "Newton");
    /// ```
    pub fn new(hessian: H) -> Self {
        Newton {
            hessian,
            line_search: Backtracking::default(),
            hessian_calls: 0,
            shift: T::zero(),
            h: Vec::new(),
            factor: Vec::new(),
            direction: Vec::new(),
            trial: Point::zeros(0),
        }
    }
}

impl<T: Real, H: FnMut(&[T], &mut [T]), L: LineSearch<T>> Newton<T, H, L> {
    /// The same method with another line search; it always starts from the Newton step α = 1.
    ///
    /// ```
    /// use grad_runtime::{linesearch::StrongWolfe, optim::Newton};
    ///
    /// let hessian = |_x: &[f64], h: &mut [f64]| h[0] = 2.0;
    /// let newton = Newton::new(hessian).line_search(StrongWolfe::default());
    /// ```
    pub fn line_search<M: LineSearch<T>>(self, line_search: M) -> Newton<T, H, M> {
        Newton {
            hessian: self.hessian,
            line_search,
            hessian_calls: self.hessian_calls,
            shift: self.shift,
            h: self.h,
            factor: self.factor,
            direction: self.direction,
            trial: self.trial,
        }
    }

    /// How many Hessians the steps have evaluated since the last [`init`](Optimizer::init)
    /// (one per step; a resumed run keeps counting).
    ///
    /// ```
    /// use grad_runtime::{Options, minimize, optim::Newton};
    ///
    /// let f = |x: &[f64], g: &mut [f64]| {
    ///     g[0] = 2.0 * x[0];
    ///     x[0] * x[0]
    /// };
    /// let mut newton = Newton::new(|_x: &[f64], h: &mut [f64]| h[0] = 2.0);
    /// let report = minimize(f, [5.0], &mut newton, Options::new())?;
    /// assert_eq!((report.iterations, newton.hessian_calls()), (1, 1)); // exact on a quadratic
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn hessian_calls(&self) -> usize {
        self.hessian_calls
    }

    /// The multiple λ of the identity added to the Hessian in the last step: 0 where the Hessian
    /// was positive definite, and NaN if no shift helped (a non-finite Hessian) and the step
    /// went along `−∇f`.
    ///
    /// ```
    /// use grad_runtime::core::{Point, Problem};
    /// use grad_runtime::optim::{Newton, Optimizer};
    ///
    /// // f(x) = −x²: the Hessian −2 needs a shift above 2.
    /// let mut f = |x: &[f64], g: &mut [f64]| {
    ///     g[0] = -2.0 * x[0];
    ///     -x[0] * x[0]
    /// };
    /// let mut problem = Problem::new(&mut f);
    /// let mut point = Point::new(vec![1.0]);
    /// problem.eval_point(&mut point);
    /// let mut newton = Newton::new(|_x: &[f64], h: &mut [f64]| h[0] = -2.0);
    /// newton.init(1)?;
    /// newton.step(&mut problem, &mut point);
    /// assert!(newton.last_shift() > 2.0);
    /// assert!(point.value < -1.0);
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn last_shift(&self) -> T {
        self.shift
    }

    /// `self.factor ← L` with `L Lᵀ = H + λI`, or `false` when a pivot is not positive.
    fn factorize(&mut self, n: usize, shift: T) -> bool {
        let (h, l) = (&self.h, &mut self.factor);
        for i in 0..n {
            for j in 0..=i {
                let mut sum = h[i * n + j];
                if i == j {
                    sum = sum + shift;
                }
                for k in 0..j {
                    sum = sum - l[i * n + k] * l[j * n + k];
                }
                if i == j {
                    if sum.is_nan() || sum <= T::zero() {
                        return false;
                    }
                    l[i * n + i] = sum.sqrt();
                } else {
                    l[i * n + j] = sum / l[j * n + j];
                }
            }
        }
        true
    }

    /// `self.direction ← −(L Lᵀ)⁻¹ g` by forward and back substitution.
    fn solve(&mut self, g: &[T]) {
        let n = g.len();
        let (l, d) = (&self.factor, &mut self.direction);
        for i in 0..n {
            let mut sum = -g[i];
            for k in 0..i {
                sum = sum - l[i * n + k] * d[k];
            }
            d[i] = sum / l[i * n + i];
        }
        for i in (0..n).rev() {
            let mut sum = d[i];
            for k in i + 1..n {
                sum = sum - l[k * n + i] * d[k];
            }
            d[i] = sum / l[i * n + i];
        }
    }

    /// Computes the (modified) Newton direction; returns whether it fell back to `−g`.
    fn newton_direction(&mut self, x: &[T], g: &[T]) -> bool {
        let n = g.len();
        (self.hessian)(x, &mut self.h);
        self.hessian_calls += 1;
        let scale = self.h.iter().fold(T::zero(), |m, &v| m.max(v.abs()));
        if scale.is_finite() {
            let mut shift = T::zero();
            let first = lit::<T>(1e-8) * if scale > T::zero() { scale } else { T::one() };
            for attempt in 0..MAX_SHIFTS {
                if self.factorize(n, shift) {
                    self.shift = shift;
                    self.solve(g);
                    return false;
                }
                shift = if attempt == 0 {
                    first
                } else {
                    shift * lit(10.0)
                };
            }
        }
        self.shift = T::nan();
        self.direction.iter_mut().zip(g).for_each(|(d, &g)| *d = -g);
        true
    }
}

impl<T: Real, H: FnMut(&[T], &mut [T]), L: LineSearch<T>> Optimizer<T> for Newton<T, H, L> {
    fn name(&self) -> &'static str {
        "Newton"
    }

    fn init(&mut self, dim: usize) -> Result<(), Error> {
        let zero = T::zero();
        self.h = vec![zero; dim * dim];
        self.factor = vec![zero; dim * dim];
        self.direction = vec![zero; dim];
        self.trial = Point::zeros(dim);
        self.hessian_calls = 0;
        self.shift = zero;
        self.line_search.init(dim);
        Ok(())
    }

    fn resume(&mut self, dim: usize) -> Result<(), Error> {
        if self.direction.len() == dim {
            return Ok(());
        }
        self.init(dim)
    }

    fn step(&mut self, problem: &mut Problem<'_, T>, point: &mut Point<T>) -> Step {
        if point.grad.iter().all(|&g| g == T::zero()) {
            return Step::Stalled;
        }
        let steepest = self.newton_direction(&point.x, &point.grad);
        crate::linesearch::newton_step(
            &mut self.line_search,
            problem,
            point,
            &mut self.direction,
            &mut self.trial,
            steepest,
        )
    }
}

impl<T: fmt::Debug, H, L: fmt::Debug> fmt::Debug for Newton<T, H, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Newton")
            .field("line_search", &self.line_search)
            .field("hessian_calls", &self.hessian_calls)
            .field("shift", &self.shift)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::Newton;
    use crate::optim::Optimizer;

    #[test]
    fn cholesky_solves_a_positive_definite_system() {
        let a = [4.0, 1.0, 0.0, 1.0, 3.0, 1.0, 0.0, 1.0, 2.0];
        let mut newton = Newton::new(move |_x: &[f64], h: &mut [f64]| h.copy_from_slice(&a));
        newton.init(3).unwrap();
        let g = [1.0, -2.0, 0.5];
        assert!(!newton.newton_direction(&[0.0; 3], &g));
        assert_eq!(newton.last_shift(), 0.0);
        for i in 0..3 {
            let ad: f64 = (0..3).map(|j| a[i * 3 + j] * newton.direction[j]).sum();
            assert!((ad + g[i]).abs() < 1e-12);
        }
    }

    #[test]
    fn an_indefinite_hessian_is_shifted_until_positive_definite() {
        let mut newton = Newton::new(|_x: &[f64], h: &mut [f64]| {
            h.copy_from_slice(&[2.0, 0.0, 0.0, -2.0]);
        });
        newton.init(2).unwrap();
        let g = [1.0, 1.0];
        assert!(!newton.newton_direction(&[0.0; 2], &g));
        let shift = newton.last_shift();
        assert!(shift > 2.0 && shift < 200.0, "{shift}");
        let d = &newton.direction;
        assert!((d[0] + 1.0 / (2.0 + shift)).abs() < 1e-12);
        assert!((d[1] + 1.0 / (shift - 2.0)).abs() < 1e-12);
    }

    #[test]
    fn a_non_finite_hessian_falls_back_to_steepest_descent() {
        let mut newton = Newton::new(|_x: &[f64], h: &mut [f64]| h.fill(f64::NAN));
        newton.init(2).unwrap();
        assert!(newton.newton_direction(&[0.0; 2], &[1.0, -1.0]));
        assert_eq!(newton.direction, [-1.0, 1.0]);
        assert!(newton.last_shift().is_nan());
    }
}
