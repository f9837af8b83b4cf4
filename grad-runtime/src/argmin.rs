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
//!
//! argmin's parameter vector is `Vec<T>` by default. With the feature `argmin-ndarray` it can be
//! `ndarray::Array1<T>` (ndarray 0.16, argmin's ndarray backend without LAPACK), with
//! `argmin-nalgebra` `nalgebra::DVector<T>` (nalgebra 0.34): build the problem with
//! [`ArgminProblem::with_param_type`]. The objective still sees `&[T]`: a contiguous vector is
//! passed as it is, without a copy.

use std::borrow::Cow;
use std::cell::RefCell;
use std::marker::PhantomData;

use ::argmin::core::{CostFunction, Error as ArgminError, Gradient};

use crate::core::{Objective, Real, SliceArgs};
use crate::error::Error;

/// An [`Objective`] as an argmin problem: implements argmin's [`CostFunction`] and
/// [`Gradient`] with `Param = Gradient = P` (`Vec<T>` unless [`with_param_type`] chose
/// another [`ParamVector`]), so every argmin solver that needs cost and gradient (L-BFGS, BFGS,
/// conjugate gradient, the line searches, …) runs on it.
///
/// [`with_param_type`]: ArgminProblem::with_param_type
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
pub struct ArgminProblem<F, T, A = SliceArgs, P = Vec<T>> {
    objective: RefCell<F>,
    cache: RefCell<Cache<T>>,
    // `fn() -> _` keeps the markers from affecting auto traits or variance.
    types: PhantomData<fn() -> (A, P)>,
}

struct Cache<T> {
    x: Vec<T>,
    value: T,
    grad: Vec<T>,
    valid: bool,
    evaluations: usize,
}

impl<T: Real, A, F: Objective<T, A>> ArgminProblem<F, T, A> {
    /// Wraps a slice objective, a `#[gradient]` scalar function or any [`Objective`], for
    /// solvers whose parameter vector is `Vec<T>`.
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
        Self::with_param_type(objective)
    }

    /// Wraps an objective, like [`new`](ArgminProblem::new), for solvers whose parameter
    /// vector is `P`: `ndarray::Array1<T>` (feature `argmin-ndarray`), `nalgebra::DVector<T>`
    /// (feature `argmin-nalgebra`) or `Vec<T>`. Name `P` with a turbofish:
    /// `ArgminProblem::with_param_type::<Array1<f64>>(f)`.
    ///
    /// ```
    /// use argmin::core::Gradient;
    /// use grad_runtime::argmin::ArgminProblem;
    ///
    /// fn f_grad(x: f64, y: f64) -> (f64, [f64; 2]) {
    ///     (x * y, [y, x])
    /// }
    /// let problem = ArgminProblem::with_param_type::<Vec<f64>>(f_grad);
    /// assert_eq!(problem.gradient(&vec![2.0, 3.0]).unwrap(), [3.0, 2.0]);
    /// ```
    ///
    /// The starts and results are then `P`s: the implementations of [`ParamVector`] for
    /// `Array1` and `DVector` show a whole run with each.
    pub fn with_param_type<P: ParamVector<T>>(objective: F) -> ArgminProblem<F, T, A, P> {
        ArgminProblem {
            objective: RefCell::new(objective),
            cache: RefCell::new(Cache {
                x: Vec::new(),
                value: T::nan(),
                grad: Vec::new(),
                valid: false,
                evaluations: 0,
            }),
            types: PhantomData,
        }
    }
}

impl<T: Real, A, F: Objective<T, A>, P: ParamVector<T>> ArgminProblem<F, T, A, P> {
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

impl<T: Real, A, F: Objective<T, A>, P: ParamVector<T>> CostFunction for ArgminProblem<F, T, A, P> {
    type Param = P;
    type Output = T;

    fn cost(&self, param: &P) -> Result<T, ArgminError> {
        self.with_evaluation(&param.entries(), |c| c.value)
    }
}

impl<T: Real, A, F: Objective<T, A>, P: ParamVector<T>> Gradient for ArgminProblem<F, T, A, P> {
    type Param = P;
    type Gradient = P;

    fn gradient(&self, param: &P) -> Result<P, ArgminError> {
        self.with_evaluation(&param.entries(), |c| P::from_entries(c.grad.clone()))
    }
}

mod sealed {
    /// Keeps [`ParamVector`](super::ParamVector) to the types this module implements it for.
    pub trait Sealed {}
}

/// A parameter vector of argmin's that [`ArgminProblem`] can read as `&[T]` and build a gradient
/// of: `Vec<T>`; `ndarray::Array1<T>` with the feature `argmin-ndarray` (ndarray 0.16);
/// `nalgebra::DVector<T>` with the feature `argmin-nalgebra` (nalgebra 0.34). Sealed: these
/// are the types argmin's math backends implement their operations for.
///
/// ```
/// use grad_runtime::argmin::ParamVector;
///
/// let x = vec![1.0, 2.0];
/// assert_eq!(*x.entries(), [1.0, 2.0]);
/// assert_eq!(Vec::from_entries(vec![3.0]), [3.0]);
/// ```
pub trait ParamVector<T: Clone>: sealed::Sealed + Clone {
    /// The entries in order: borrowed when the vector is contiguous, copied otherwise (an
    /// `Array1` with a negative stride, say).
    ///
    /// ```
    /// use grad_runtime::argmin::ParamVector;
    ///
    /// assert_eq!(*vec![1.0, 2.0].entries(), [1.0, 2.0]);
    /// ```
    fn entries(&self) -> Cow<'_, [T]>;

    /// The vector holding `entries`, without a copy.
    ///
    /// ```
    /// use grad_runtime::argmin::ParamVector;
    ///
    /// assert_eq!(Vec::from_entries(vec![1.0, 2.0]), [1.0, 2.0]);
    /// ```
    fn from_entries(entries: Vec<T>) -> Self;
}

impl<T> sealed::Sealed for Vec<T> {}

impl<T: Clone> ParamVector<T> for Vec<T> {
    fn entries(&self) -> Cow<'_, [T]> {
        Cow::Borrowed(self)
    }

    fn from_entries(entries: Vec<T>) -> Self {
        entries
    }
}

#[cfg(feature = "argmin-ndarray")]
impl<T> sealed::Sealed for ndarray::Array1<T> {}

/// `Array1<T>` for argmin's ndarray backend (feature `argmin-ndarray`): argmin's L-BFGS from
/// an `Array1` start to an `Array1` result.
///
/// ```
/// use argmin::core::{Executor, State};
/// use argmin::solver::linesearch::MoreThuenteLineSearch;
/// use argmin::solver::quasinewton::LBFGS;
/// use grad_runtime::argmin::ArgminProblem;
/// use ndarray::{Array1, array};
///
/// fn rosenbrock_grad(x: f64, y: f64) -> (f64, [f64; 2]) {
///     let value = (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2);
///     (value, [-2.0 * (1.0 - x) - 400.0 * x * (y - x * x), 200.0 * (y - x * x)])
/// }
///
/// let problem = ArgminProblem::with_param_type::<Array1<f64>>(rosenbrock_grad);
/// let solver = LBFGS::new(MoreThuenteLineSearch::new(), 7);
/// let result = Executor::new(problem, solver)
///     .configure(|state| state.param(array![-1.2, 1.0]).max_iters(100))
///     .run()
///     .unwrap();
/// let best: &Array1<f64> = result.state().get_best_param().unwrap();
/// assert!(best.iter().all(|&v| (v - 1.0).abs() < 1e-6));
/// ```
///
/// A contiguous array is read in place; one that is not (reversed, say) is copied first:
///
/// ```
/// use grad_runtime::argmin::ParamVector;
/// use ndarray::{Array1, array, s};
///
/// let x = array![1.0, 2.0, 3.0];
/// assert_eq!(*x.entries(), [1.0, 2.0, 3.0]);
/// let reversed = x.slice_move(s![..;-1]);
/// assert_eq!(*reversed.entries(), [3.0, 2.0, 1.0]);
/// assert_eq!(Array1::from_entries(vec![1.0, 2.0]), array![1.0, 2.0]);
/// ```
#[cfg(feature = "argmin-ndarray")]
impl<T: Clone> ParamVector<T> for ndarray::Array1<T> {
    fn entries(&self) -> Cow<'_, [T]> {
        match self.as_slice() {
            Some(entries) => Cow::Borrowed(entries),
            None => Cow::Owned(self.to_vec()),
        }
    }

    fn from_entries(entries: Vec<T>) -> Self {
        ndarray::Array1::from_vec(entries)
    }
}

#[cfg(feature = "argmin-nalgebra")]
impl<T> sealed::Sealed for nalgebra::DVector<T> {}

/// `DVector<T>` for argmin's nalgebra backend (feature `argmin-nalgebra`): argmin's L-BFGS
/// from a `DVector` start to a `DVector` result.
///
/// ```
/// use argmin::core::{Executor, State};
/// use argmin::solver::linesearch::MoreThuenteLineSearch;
/// use argmin::solver::quasinewton::LBFGS;
/// use grad_runtime::argmin::ArgminProblem;
/// use nalgebra::{DVector, dvector};
///
/// fn rosenbrock_grad(x: f64, y: f64) -> (f64, [f64; 2]) {
///     let value = (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2);
///     (value, [-2.0 * (1.0 - x) - 400.0 * x * (y - x * x), 200.0 * (y - x * x)])
/// }
///
/// let problem = ArgminProblem::with_param_type::<DVector<f64>>(rosenbrock_grad);
/// let solver = LBFGS::new(MoreThuenteLineSearch::new(), 7);
/// let result = Executor::new(problem, solver)
///     .configure(|state| state.param(dvector![-1.2, 1.0]).max_iters(100))
///     .run()
///     .unwrap();
/// let best: &DVector<f64> = result.state().get_best_param().unwrap();
/// assert!(best.iter().all(|&v| (v - 1.0).abs() < 1e-6));
/// ```
///
/// A column vector is contiguous, so its entries are always read in place:
///
/// ```
/// use grad_runtime::argmin::ParamVector;
/// use nalgebra::DVector;
///
/// let x = DVector::from_vec(vec![1.0, 2.0]);
/// assert_eq!(*x.entries(), [1.0, 2.0]);
/// assert_eq!(DVector::from_entries(vec![1.0, 2.0]), x);
/// ```
#[cfg(feature = "argmin-nalgebra")]
impl<T: nalgebra::Scalar> ParamVector<T> for nalgebra::DVector<T> {
    fn entries(&self) -> Cow<'_, [T]> {
        Cow::Borrowed(self.as_slice())
    }

    fn from_entries(entries: Vec<T>) -> Self {
        nalgebra::DVector::from_vec(entries)
    }
}
