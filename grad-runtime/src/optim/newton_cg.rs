//! Truncated Newton: Newton steps from conjugate gradients on Hessian–vector products.

use std::fmt;
use std::marker::PhantomData;

use crate::core::{Point, Problem, Real, dot, lit, norm};
use crate::error::{Error, ensure};
use crate::linesearch::{Backtracking, LineSearch};
use crate::optim::{Optimizer, Step};

/// Newton-CG (line-search truncated Newton): approximately solves the Newton equations
/// `∇²f(x) d = −∇f(x)` by conjugate gradients, using only Hessian–vector products, then
/// searches along `d` from the step α = 1.
///
/// This is Nocedal & Wright, *Numerical Optimization*, 2nd ed. (2006), Algorithm 7.1:
///
/// - CG starts from `d = 0` and stops once the residual `‖∇²f d + ∇f‖` is at most
///   `η‖∇f‖`, with the forcing term `η = min(0.5, √‖∇f‖)` by default ([`Forcing`], N&W
///   Theorem 7.2: superlinear convergence near a minimum), or after
///   [`max_cg_iters`](NewtonCgBuilder::max_cg_iters) iterations;
/// - when CG meets a direction `p` of non-positive curvature (`pᵀ∇²f p ≤ 0`: the Hessian is
///   not positive definite there, e.g. near a saddle) it stops and returns the iterate so far,
///   or `−∇f` if that happens in the first iteration, so the result is always a descent
///   direction;
/// - the line search (default [`Backtracking`], Armijo with c₁ = 1e-4) starts from α = 1, the
///   Newton step. If it finds no step, `−∇f` is tried; if that fails too the step reports
///   [`Step::Stalled`].
///
/// Needs value and gradient (from the problem, as every optimizer) and a Hessian–vector
/// product `hvp(x, v, out)` that writes `∇²f(x)·v` into `out`: for `#[gradient(hvp)] fn f(x:
/// &[f64]) -> f64` that is `f_hvp(x, v, &mut scratch, out)`. Each CG iteration costs one
/// product (a forward-over-reverse sweep, a small multiple of a gradient); nothing of size n×n
/// is ever formed, so it suits large problems. Count the products with
/// [`hvp_calls`](NewtonCg::hvp_calls), e.g. to compare the cost with L-BFGS.
///
/// The forcing term trades CG iterations for steps: with the default, η = 0.5 while
/// `‖∇f‖ > 0.25`, so far from the minimum CG may stop after one iteration, a steepest-descent
/// step scaled by the curvature along it. On the 2-D Rosenbrock function from (−1.2, 1) that
/// takes 64 steps where [`Newton`](crate::optim::Newton) takes 22; `Forcing::Fixed(0.01)`
/// takes 23, with more products per step. On large problems the cheap early steps usually
/// win; count products and evaluations to choose.
///
/// Defaults: forcing [`Forcing::Superlinear`]; at most `min(n, 200)` CG iterations per step
/// (CG solves an n-dimensional quadratic in at most n iterations in exact arithmetic; beyond a
/// few hundred the truncated direction is good enough, and each iteration costs a product);
/// line search [`Backtracking`]. Steps do not allocate: the CG vectors are set up in
/// [`init`](Optimizer::init). The closure is not serializable, so unlike the first-order
/// optimizers this type has no `serde` support (it has no state worth saving between steps).
///
/// Reference: Nocedal & Wright (2006), §7.1; Dembo & Steihaug, *Truncated-Newton algorithms
/// for large-scale unconstrained optimization*, Math. Programming 26 (1983).
///
/// ```
/// use grad_runtime::{Options, minimize, optim::NewtonCg};
///
/// fn rosenbrock_grad(x: f64, y: f64) -> (f64, [f64; 2]) {
///     let value = (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2);
///     (value, [-2.0 * (1.0 - x) - 400.0 * x * (y - x * x), 200.0 * (y - x * x)])
/// }
/// // ∇²f·v, written by hand (#[gradient(hvp)] emits it as rosenbrock_hvp).
/// let hvp = |p: &[f64], v: &[f64], out: &mut [f64]| {
///     let (x, y) = (p[0], p[1]);
///     let (hxx, hxy, hyy) = (2.0 - 400.0 * (y - x * x) + 800.0 * x * x, -400.0 * x, 200.0);
///     out[0] = hxx * v[0] + hxy * v[1];
///     out[1] = hxy * v[0] + hyy * v[1];
/// };
/// let mut newton_cg = NewtonCg::new(hvp);
/// // `&mut` keeps the optimizer, to read its counter afterwards.
/// let report = minimize(rosenbrock_grad, [-1.2, 1.0], &mut newton_cg, Options::new().grad_tol(1e-10))?;
/// assert!(report.converged(), "{report}");
/// assert!((report.x[0] - 1.0).abs() < 1e-8 && (report.x[1] - 1.0).abs() < 1e-8);
/// assert!(newton_cg.hvp_calls() > 0);
/// # Ok::<(), grad_runtime::Error>(())
/// ```
#[derive(Clone)]
pub struct NewtonCg<T, H, L = Backtracking<T>> {
    hvp: H,
    max_cg_iters: Option<usize>,
    forcing: Forcing<T>,
    line_search: L,
    hvp_calls: usize,
    cg_iters: usize,
    /// The CG iterate: the search direction once CG stops.
    z: Vec<T>,
    /// The residual `∇²f z + ∇f`.
    r: Vec<T>,
    /// The CG direction and its product with the Hessian.
    p: Vec<T>,
    hp: Vec<T>,
    trial: Point<T>,
}

/// How accurately CG solves the Newton equations: it stops when the residual is at most
/// `η‖∇f‖` (Nocedal & Wright eq. 7.3 and Theorem 7.2).
///
/// A loose η early keeps steps cheap far from the solution; η → 0 as `‖∇f‖ → 0` recovers
/// Newton's fast local convergence.
///
/// ```
/// use grad_runtime::optim::{Forcing, NewtonCg};
///
/// let hvp = |_x: &[f64], v: &[f64], out: &mut [f64]| out.copy_from_slice(v);
/// let exact = NewtonCg::builder(hvp).forcing(Forcing::Fixed(0.0)).build()?;
/// # Ok::<(), grad_runtime::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Forcing<T> {
    /// `η = min(0.5, √‖∇f‖)`: superlinear convergence (the default, N&W's choice in Alg. 7.1).
    Superlinear,
    /// `η = min(0.5, ‖∇f‖)`: quadratic convergence, at the price of more CG iterations.
    Quadratic,
    /// A constant `0 ≤ η < 1`: linear convergence. `Fixed(0.0)` runs CG until the residual is
    /// at rounding level (η is never taken below the machine epsilon) or the iteration limit:
    /// the exact Newton step, one step to the minimum of a convex quadratic.
    Fixed(T),
}

impl<T: Real> Forcing<T> {
    /// `η` for a gradient of norm `grad_norm`, never below the machine epsilon.
    ///
    /// ```
    /// use grad_runtime::optim::Forcing;
    ///
    /// assert_eq!(Forcing::Superlinear.eta(0.01_f64), 0.1);
    /// assert_eq!(Forcing::Quadratic.eta(0.01_f64), 0.01);
    /// assert_eq!(Forcing::Fixed(0.25).eta(100.0_f64), 0.25);
    /// assert_eq!(Forcing::Superlinear.eta(100.0_f64), 0.5);
    /// ```
    pub fn eta(&self, grad_norm: T) -> T {
        let half = lit::<T>(0.5);
        let eta = match *self {
            Forcing::Superlinear => half.min(grad_norm.sqrt()),
            Forcing::Quadratic => half.min(grad_norm),
            Forcing::Fixed(eta) => eta,
        };
        eta.max(T::epsilon())
    }
}

impl<T: Real, H: FnMut(&[T], &[T], &mut [T])> NewtonCg<T, H> {
    /// Newton-CG with the Hessian–vector product `hvp(x, v, out)` (writes `∇²f(x)·v` into
    /// `out`) and the defaults.
    ///
    /// ```
    /// use grad_runtime::optim::{NewtonCg, Optimizer};
    ///
    /// // f(x) = ½ Σ xᵢ²: the Hessian is the identity.
    /// let newton_cg = NewtonCg::new(|_x: &[f64], v: &[f64], out: &mut [f64]| out.copy_from_slice(v));
    /// assert_eq!(newton_cg.name(), "Newton-CG");
    /// ```
    pub fn new(hvp: H) -> Self {
        Self::builder(hvp).into_newton_cg()
    }

    /// A builder starting from the defaults.
    ///
    /// ```
    /// use grad_runtime::{linesearch::StrongWolfe, optim::{Forcing, NewtonCg}};
    ///
    /// let hvp = |_x: &[f64], v: &[f64], out: &mut [f64]| out.copy_from_slice(v);
    /// let newton_cg = NewtonCg::builder(hvp)
    ///     .max_cg_iters(50)
    ///     .forcing(Forcing::Quadratic)
    ///     .line_search(StrongWolfe::default())
    ///     .build()?;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn builder(hvp: H) -> NewtonCgBuilder<T, H, Backtracking<T>> {
        NewtonCgBuilder {
            hvp,
            max_cg_iters: None,
            forcing: Forcing::Superlinear,
            line_search: Backtracking::default(),
            real: PhantomData,
        }
    }
}

/// Settings of [`NewtonCg`], validated by [`build`](NewtonCgBuilder::build).
///
/// ```
/// use grad_runtime::optim::{Forcing, NewtonCg};
///
/// let hvp = |_x: &[f64], v: &[f64], out: &mut [f64]| out.copy_from_slice(v);
/// let err = NewtonCg::builder(hvp).max_cg_iters(0).build().unwrap_err();
/// assert_eq!(err.to_string(), "CG needs at least one iteration (max_cg_iters = 0)");
/// let err = NewtonCg::builder(hvp).forcing(Forcing::Fixed(1.0)).build().unwrap_err();
/// assert_eq!(err.to_string(), "the forcing term must be in [0, 1) (forcing = 1)");
/// ```
#[derive(Clone)]
pub struct NewtonCgBuilder<T, H, L> {
    hvp: H,
    max_cg_iters: Option<usize>,
    forcing: Forcing<T>,
    line_search: L,
    real: PhantomData<T>,
}

impl<T: Real, H: FnMut(&[T], &[T], &mut [T]), L: LineSearch<T>> NewtonCgBuilder<T, H, L> {
    /// At most this many CG iterations (Hessian–vector products) per step, at least 1
    /// (default `min(n, 200)` for n parameters).
    ///
    /// ```
    /// # use grad_runtime::optim::NewtonCg;
    /// let hvp = |_x: &[f64], v: &[f64], out: &mut [f64]| out.copy_from_slice(v);
    /// let newton_cg = NewtonCg::builder(hvp).max_cg_iters(20).build()?;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn max_cg_iters(mut self, iterations: usize) -> Self {
        self.max_cg_iters = Some(iterations);
        self
    }

    /// The forcing term, how accurately CG solves each Newton system (default
    /// [`Forcing::Superlinear`]).
    ///
    /// ```
    /// # use grad_runtime::optim::{Forcing, NewtonCg};
    /// let hvp = |_x: &[f64], v: &[f64], out: &mut [f64]| out.copy_from_slice(v);
    /// let newton_cg = NewtonCg::builder(hvp).forcing(Forcing::Fixed(0.1)).build()?;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn forcing(mut self, forcing: Forcing<T>) -> Self {
        self.forcing = forcing;
        self
    }

    /// The line search (default [`Backtracking`]); it always starts from the Newton step α = 1.
    ///
    /// ```
    /// # use grad_runtime::{linesearch::StrongWolfe, optim::NewtonCg};
    /// let hvp = |_x: &[f64], v: &[f64], out: &mut [f64]| out.copy_from_slice(v);
    /// let newton_cg = NewtonCg::builder(hvp).line_search(StrongWolfe::new(1e-4, 0.9)?).build()?;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn line_search<M: LineSearch<T>>(self, line_search: M) -> NewtonCgBuilder<T, H, M> {
        NewtonCgBuilder {
            hvp: self.hvp,
            max_cg_iters: self.max_cg_iters,
            forcing: self.forcing,
            line_search,
            real: PhantomData,
        }
    }

    /// Checks the settings and builds the optimizer.
    ///
    /// ```
    /// # use grad_runtime::optim::NewtonCg;
    /// let hvp = |_x: &[f32], v: &[f32], out: &mut [f32]| out.copy_from_slice(v);
    /// let newton_cg = NewtonCg::builder(hvp).build()?;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn build(self) -> Result<NewtonCg<T, H, L>, Error> {
        if let Some(iterations) = self.max_cg_iters {
            ensure(
                iterations >= 1,
                "max_cg_iters",
                "CG needs at least one iteration",
                iterations as f64,
            )?;
        }
        if let Forcing::Fixed(eta) = self.forcing {
            ensure(
                eta >= T::zero() && eta < T::one(),
                "forcing",
                "the forcing term must be in [0, 1)",
                eta,
            )?;
        }
        Ok(self.into_newton_cg())
    }

    fn into_newton_cg(self) -> NewtonCg<T, H, L> {
        NewtonCg {
            hvp: self.hvp,
            max_cg_iters: self.max_cg_iters,
            forcing: self.forcing,
            line_search: self.line_search,
            hvp_calls: 0,
            cg_iters: 0,
            z: Vec::new(),
            r: Vec::new(),
            p: Vec::new(),
            hp: Vec::new(),
            trial: Point::zeros(0),
        }
    }
}

impl<T: Real, H: FnMut(&[T], &[T], &mut [T]), L: LineSearch<T>> NewtonCg<T, H, L> {
    /// How many Hessian–vector products the steps have made since the last
    /// [`init`](Optimizer::init) (a resumed run keeps counting).
    ///
    /// ```
    /// use grad_runtime::{Options, minimize, optim::NewtonCg};
    ///
    /// // f(x) = ½ Σ (i + 1) xᵢ², a diagonal quadratic.
    /// let f = |x: &[f64], g: &mut [f64]| {
    ///     let mut value = 0.0;
    ///     for i in 0..x.len() {
    ///         g[i] = (i + 1) as f64 * x[i];
    ///         value += 0.5 * g[i] * x[i];
    ///     }
    ///     value
    /// };
    /// let hvp = |_x: &[f64], v: &[f64], out: &mut [f64]| {
    ///     for i in 0..v.len() {
    ///         out[i] = (i + 1) as f64 * v[i];
    ///     }
    /// };
    /// let mut newton_cg = NewtonCg::new(hvp);
    /// let report = minimize(f, [1.0; 4], &mut newton_cg, Options::new())?;
    /// assert!(report.converged());
    /// assert!(newton_cg.hvp_calls() >= report.iterations);
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn hvp_calls(&self) -> usize {
        self.hvp_calls
    }

    /// How many CG iterations the steps have run since the last [`init`](Optimizer::init);
    /// each one made a Hessian–vector product, so this is at most
    /// [`hvp_calls`](NewtonCg::hvp_calls) (a step that meets negative curvature makes one
    /// product without completing an iteration).
    ///
    /// ```
    /// use grad_runtime::{Options, minimize, optim::NewtonCg};
    ///
    /// let f = |x: &[f64], g: &mut [f64]| {
    ///     g[0] = x[0];
    ///     0.5 * x[0] * x[0]
    /// };
    /// let mut newton_cg = NewtonCg::new(|_x: &[f64], v: &[f64], out: &mut [f64]| out[0] = v[0]);
    /// minimize(f, [3.0], &mut newton_cg, Options::new())?;
    /// assert_eq!((newton_cg.cg_iterations(), newton_cg.hvp_calls()), (1, 1));
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn cg_iterations(&self) -> usize {
        self.cg_iters
    }

    /// `self.z ←` the truncated CG solution of `∇²f(x) z = −g` (N&W Algorithm 7.1, inner loop).
    /// Returns whether it is just `−g`.
    fn solve_newton_system(&mut self, x: &[T], g: &[T]) -> bool {
        let n = g.len();
        let grad_norm = norm(g);
        let tolerance = self.forcing.eta(grad_norm) * grad_norm;
        let max_iters = self.max_cg_iters.unwrap_or(n.min(200)).max(1);
        self.z.fill(T::zero());
        self.r.copy_from_slice(g);
        self.p.iter_mut().zip(g).for_each(|(p, &g)| *p = -g);
        let mut rr = dot(g, g);
        for j in 0..max_iters {
            (self.hvp)(x, &self.p, &mut self.hp);
            self.hvp_calls += 1;
            let curvature = dot(&self.p, &self.hp);
            if curvature.is_nan() || curvature <= T::zero() {
                if j == 0 {
                    self.z.iter_mut().zip(g).for_each(|(z, &g)| *z = -g);
                    return true;
                }
                return false;
            }
            self.cg_iters += 1;
            let alpha = rr / curvature;
            for i in 0..n {
                self.z[i] = self.z[i] + alpha * self.p[i];
                self.r[i] = self.r[i] + alpha * self.hp[i];
            }
            let rr_next = dot(&self.r, &self.r);
            if rr_next.sqrt() <= tolerance {
                break;
            }
            let beta = rr_next / rr;
            for i in 0..n {
                self.p[i] = beta * self.p[i] - self.r[i];
            }
            rr = rr_next;
        }
        false
    }
}

impl<T: Real, H: FnMut(&[T], &[T], &mut [T]), L: LineSearch<T>> Optimizer<T> for NewtonCg<T, H, L> {
    fn name(&self) -> &'static str {
        "Newton-CG"
    }

    fn init(&mut self, dim: usize) -> Result<(), Error> {
        let zero = T::zero();
        self.z = vec![zero; dim];
        self.r = vec![zero; dim];
        self.p = vec![zero; dim];
        self.hp = vec![zero; dim];
        self.trial = Point::zeros(dim);
        self.hvp_calls = 0;
        self.cg_iters = 0;
        self.line_search.init(dim);
        Ok(())
    }

    fn resume(&mut self, dim: usize) -> Result<(), Error> {
        if self.z.len() == dim {
            return Ok(());
        }
        self.init(dim)
    }

    fn step(&mut self, problem: &mut Problem<'_, T>, point: &mut Point<T>) -> Step {
        if point.grad.iter().all(|&g| g == T::zero()) {
            return Step::Stalled;
        }
        let steepest = self.solve_newton_system(&point.x, &point.grad);
        crate::linesearch::newton_step(
            &mut self.line_search,
            problem,
            point,
            &mut self.z,
            &mut self.trial,
            steepest,
        )
    }
}

impl<T: fmt::Debug, H, L: fmt::Debug> fmt::Debug for NewtonCg<T, H, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewtonCg")
            .field("max_cg_iters", &self.max_cg_iters)
            .field("forcing", &self.forcing)
            .field("line_search", &self.line_search)
            .field("hvp_calls", &self.hvp_calls)
            .field("cg_iters", &self.cg_iters)
            .finish_non_exhaustive()
    }
}

impl<T: fmt::Debug, H, L: fmt::Debug> fmt::Debug for NewtonCgBuilder<T, H, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewtonCgBuilder")
            .field("max_cg_iters", &self.max_cg_iters)
            .field("forcing", &self.forcing)
            .field("line_search", &self.line_search)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::NewtonCg;
    use crate::optim::{Forcing, Optimizer};

    /// A 3×3 symmetric positive definite matrix.
    const A: [[f64; 3]; 3] = [[4.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 2.0]];

    fn product(v: &[f64], out: &mut [f64]) {
        for (i, row) in A.iter().enumerate() {
            out[i] = row.iter().zip(v).map(|(a, v)| a * v).sum();
        }
    }

    #[test]
    fn exact_cg_solves_the_newton_system() {
        let mut cg = NewtonCg::builder(|_x: &[f64], v: &[f64], out: &mut [f64]| product(v, out))
            .forcing(Forcing::Fixed(0.0))
            .build()
            .unwrap();
        cg.init(3).unwrap();
        let g = [1.0, -2.0, 0.5];
        assert!(!cg.solve_newton_system(&[0.0; 3], &g));
        let mut az = [0.0; 3];
        product(&cg.z, &mut az);
        for i in 0..3 {
            assert!((az[i] + g[i]).abs() < 1e-12, "{az:?}");
        }
        assert!(cg.cg_iterations() <= 3);
    }

    #[test]
    fn negative_curvature_first_gives_steepest_descent() {
        let mut cg = NewtonCg::new(|_x: &[f64], v: &[f64], out: &mut [f64]| {
            out.iter_mut().zip(v).for_each(|(o, v)| *o = -v);
        });
        cg.init(2).unwrap();
        assert!(cg.solve_newton_system(&[0.0; 2], &[1.0, 2.0]));
        assert_eq!(cg.z, [-1.0, -2.0]);
        assert_eq!((cg.hvp_calls(), cg.cg_iterations()), (1, 0));
    }

    #[test]
    fn negative_curvature_later_keeps_the_iterate() {
        // diag(1, −1) with g = (1, 0.1): the first direction −g has positive curvature, the
        // second sees the negative eigenvalue.
        let mut cg = NewtonCg::builder(|_x: &[f64], v: &[f64], out: &mut [f64]| {
            out[0] = v[0];
            out[1] = -v[1];
        })
        .forcing(Forcing::Fixed(0.0))
        .build()
        .unwrap();
        cg.init(2).unwrap();
        let g = [1.0, 0.1];
        assert!(!cg.solve_newton_system(&[0.0; 2], &g));
        assert!(cg.z[0] * g[0] + cg.z[1] * g[1] < 0.0, "{:?}", cg.z);
        assert_eq!(cg.cg_iterations(), 1);
    }
}
