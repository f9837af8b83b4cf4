//! Runs any [argmin](https://argmin-rs.org) solver on a gradient function (feature `argmin`).
//!
//! ```
//! use argmin::core::{CostFunction, Gradient};
//! use grad_runtime::argmin::ArgminProblem;
//!
//! fn f_grad(x: f64, y: f64) -> (f64, [f64; 2]) {
//!     (x * y, [y, x])
//! }
//! let problem = ArgminProblem::new(f_grad);
//! assert_eq!(problem.cost(&vec![2.0, 3.0]).unwrap(), 6.0);
//! assert_eq!(problem.gradient(&vec![2.0, 3.0]).unwrap(), [3.0, 2.0]);
//! ```

use std::cell::RefCell;
use std::marker::PhantomData;

use ::argmin::core::{CostFunction, Error as ArgminError, Gradient};

use crate::core::{Objective, Real, SliceArgs};
use crate::error::Error;

/// An [`Objective`] as an argmin problem: implements argmin's [`CostFunction`] and
/// [`Gradient`] with `Param = Vec<T>`, so every argmin solver that needs cost and gradient
/// (L-BFGS, BFGS, conjugate gradient, the line searches, …) runs on it.
///
/// argmin asks for the cost and the gradient separately, usually at the same point; the last
/// evaluation is cached, so each distinct point costs one call of the objective. A wrong
/// parameter length is returned as an argmin error, not a panic. The cache makes the problem
/// `!Sync`, which matters only with argmin's `rayon` feature.
///
/// ```
/// use argmin::core::{Executor, State};
/// use argmin::solver::linesearch::MoreThuenteLineSearch;
/// use argmin::solver::quasinewton::LBFGS;
/// use grad_runtime::argmin::ArgminProblem;
///
/// fn rosenbrock_grad(x: f64, y: f64) -> (f64, [f64; 2]) {
///     let value = (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2);
///     (value, [-2.0 * (1.0 - x) - 400.0 * x * (y - x * x), 200.0 * (y - x * x)])
/// }
///
/// let solver = LBFGS::new(MoreThuenteLineSearch::new(), 7);
/// let result = Executor::new(ArgminProblem::new(rosenbrock_grad), solver)
///     .configure(|state| state.param(vec![-1.2, 1.0]).max_iters(100))
///     .run()
///     .unwrap();
/// let best = result.state().get_best_param().unwrap();
/// assert!((best[0] - 1.0).abs() < 1e-6 && (best[1] - 1.0).abs() < 1e-6);
/// ```
pub struct ArgminProblem<F, T, A = SliceArgs> {
    objective: RefCell<F>,
    cache: RefCell<Cache<T>>,
    args: PhantomData<fn() -> A>,
}

struct Cache<T> {
    x: Vec<T>,
    value: T,
    grad: Vec<T>,
    valid: bool,
    evaluations: usize,
}

impl<T: Real, A, F: Objective<T, A>> ArgminProblem<F, T, A> {
    /// Wraps a slice objective, a `#[gradient]` scalar function or any [`Objective`].
    ///
    /// ```
    /// use grad_runtime::argmin::ArgminProblem;
    ///
    /// let problem = ArgminProblem::new(|w: &[f64], g: &mut [f64]| {
    ///     g[0] = 2.0 * w[0];
    ///     w[0] * w[0]
    /// });
    /// ```
    pub fn new(objective: F) -> Self {
        ArgminProblem {
            objective: RefCell::new(objective),
            cache: RefCell::new(Cache {
                x: Vec::new(),
                value: T::nan(),
                grad: Vec::new(),
                valid: false,
                evaluations: 0,
            }),
            args: PhantomData,
        }
    }

    /// How many times the objective has been evaluated.
    ///
    /// ```
    /// use argmin::core::CostFunction;
    /// use grad_runtime::argmin::ArgminProblem;
    ///
    /// fn f_grad(x: f64) -> (f64, [f64; 1]) {
    ///     (x * x, [2.0 * x])
    /// }
    /// let problem = ArgminProblem::new(f_grad);
    /// problem.cost(&vec![3.0]).unwrap();
    /// problem.cost(&vec![3.0]).unwrap(); // cached
    /// assert_eq!(problem.evaluations(), 1);
    /// ```
    pub fn evaluations(&self) -> usize {
        self.cache.borrow().evaluations
    }

    /// Unwraps the objective.
    ///
    /// ```
    /// use grad_runtime::argmin::ArgminProblem;
    ///
    /// fn f_grad(x: f64) -> (f64, [f64; 1]) {
    ///     (x * x, [2.0 * x])
    /// }
    /// let f = ArgminProblem::new(f_grad).into_inner();
    /// assert_eq!(f(2.0), (4.0, [4.0]));
    /// ```
    pub fn into_inner(self) -> F {
        self.objective.into_inner()
    }

    /// Evaluates at `x` unless the cache already holds it, then hands the cache to `read`.
    fn with_evaluation<R>(
        &self,
        x: &[T],
        read: impl FnOnce(&Cache<T>) -> R,
    ) -> Result<R, ArgminError> {
        let mut cache = self.cache.borrow_mut();
        if !(cache.valid && cache.x == x) {
            let mut objective = self.objective.borrow_mut();
            if let Some(expected) = objective.dim()
                && expected != x.len()
            {
                return Err(Error::DimensionMismatch {
                    what: "the parameter vector",
                    expected,
                    found: x.len(),
                }
                .into());
            }
            if x.is_empty() {
                return Err(Error::Empty {
                    what: "the parameter vector",
                }
                .into());
            }
            let cache = &mut *cache;
            cache.x.clear();
            cache.x.extend_from_slice(x);
            cache.grad.clear();
            cache.grad.resize(x.len(), T::zero());
            cache.value = objective.eval(x, &mut cache.grad);
            cache.valid = true;
            cache.evaluations += 1;
        }
        Ok(read(&cache))
    }
}

impl<T: Real, A, F: Objective<T, A>> CostFunction for ArgminProblem<F, T, A> {
    type Param = Vec<T>;
    type Output = T;

    fn cost(&self, param: &Vec<T>) -> Result<T, ArgminError> {
        self.with_evaluation(param, |c| c.value)
    }
}

impl<T: Real, A, F: Objective<T, A>> Gradient for ArgminProblem<F, T, A> {
    type Param = Vec<T>;
    type Gradient = Vec<T>;

    fn gradient(&self, param: &Vec<T>) -> Result<Vec<T>, ArgminError> {
        self.with_evaluation(param, |c| c.grad.clone())
    }
}
