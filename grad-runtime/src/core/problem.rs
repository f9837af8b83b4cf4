//! The evaluated point and the counted objective handle that optimizers work with.

use crate::core::real::{Real, all_finite};

/// A point with its value and gradient: what every optimizer step starts from and ends at.
///
/// ```
/// use grad_runtime::core::Point;
///
/// let p = Point::new(vec![1.0_f64, 2.0]);
/// assert_eq!(p.dim(), 2);
/// assert!(p.value.is_nan()); // not evaluated yet
/// assert_eq!(p.grad, [0.0, 0.0]);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(bound(
        serialize = "T: crate::core::Real + serde::Serialize",
        deserialize = "T: crate::core::Real + serde::Deserialize<'de>"
    ))
)]
pub struct Point<T> {
    /// The parameters.
    pub x: Vec<T>,
    /// The objective's value at `x`.
    #[cfg_attr(feature = "serde", serde(with = "crate::core::real::nan_as_none"))]
    pub value: T,
    /// The objective's gradient at `x`.
    pub grad: Vec<T>,
}

impl<T: Real> Point<T> {
    /// A point at `x`, not yet evaluated: `value` is NaN and `grad` zero.
    ///
    /// ```
    /// use grad_runtime::core::Point;
    ///
    /// let p = Point::new(vec![0.5_f32]);
    /// assert_eq!(p.x, [0.5]);
    /// ```
    pub fn new(x: Vec<T>) -> Self {
        let grad = vec![T::zero(); x.len()];
        Point {
            x,
            value: T::nan(),
            grad,
        }
    }

    /// An unevaluated point at the origin of `dim` dimensions: a scratch buffer.
    ///
    /// ```
    /// use grad_runtime::core::Point;
    ///
    /// let p = Point::<f64>::zeros(3);
    /// assert_eq!(p.x, [0.0; 3]);
    /// ```
    pub fn zeros(dim: usize) -> Self {
        Point::new(vec![T::zero(); dim])
    }

    /// The number of parameters.
    ///
    /// ```
    /// use grad_runtime::core::Point;
    ///
    /// assert_eq!(Point::<f64>::zeros(4).dim(), 4);
    /// ```
    pub fn dim(&self) -> usize {
        self.x.len()
    }

    /// Copies `other` into `self` without allocating (both must have the same dimension).
    ///
    /// ```
    /// use grad_runtime::core::Point;
    ///
    /// let a = Point { x: vec![1.0], value: 2.0, grad: vec![3.0] };
    /// let mut b = Point::zeros(1);
    /// b.copy_from(&a);
    /// assert_eq!(a, b);
    /// ```
    pub fn copy_from(&mut self, other: &Point<T>) {
        self.x.copy_from_slice(&other.x);
        self.grad.copy_from_slice(&other.grad);
        self.value = other.value;
    }

    /// Whether the value and every gradient component are finite.
    ///
    /// ```
    /// use grad_runtime::core::Point;
    ///
    /// let mut p = Point { x: vec![1.0], value: 2.0, grad: vec![3.0] };
    /// assert!(p.is_finite());
    /// p.grad[0] = f64::NAN;
    /// assert!(!p.is_finite());
    /// ```
    pub fn is_finite(&self) -> bool {
        self.value.is_finite() && all_finite(&self.grad)
    }
}

/// The objective as an optimizer sees it: evaluate at a point, with every call counted.
///
/// The loop builds it; optimizers and line searches receive `&mut Problem` and call [`eval`]
/// or [`eval_point`]. Build one yourself to test a line search or a custom optimizer.
///
/// [`eval`]: Problem::eval
/// [`eval_point`]: Problem::eval_point
///
/// ```
/// use grad_runtime::core::Problem;
///
/// let mut f = |x: &[f64], g: &mut [f64]| {
///     g[0] = 2.0 * x[0];
///     x[0] * x[0]
/// };
/// let mut problem = Problem::new(&mut f);
/// let mut g = [0.0];
/// assert_eq!(problem.eval(&[3.0], &mut g), 9.0);
/// assert_eq!(problem.evaluations(), 1);
/// ```
pub struct Problem<'a, T> {
    f: &'a mut dyn FnMut(&[T], &mut [T]) -> T,
    evaluations: usize,
}

impl<'a, T> Problem<'a, T> {
    /// Wraps a value-and-gradient function.
    ///
    /// ```
    /// use grad_runtime::core::Problem;
    ///
    /// let mut f = |x: &[f32], g: &mut [f32]| {
    ///     g.copy_from_slice(x);
    ///     0.5 * x.iter().map(|v| v * v).sum::<f32>()
    /// };
    /// let problem = Problem::new(&mut f);
    /// assert_eq!(problem.evaluations(), 0);
    /// ```
    pub fn new(f: &'a mut dyn FnMut(&[T], &mut [T]) -> T) -> Self {
        Problem { f, evaluations: 0 }
    }

    /// Evaluates at `x`, writing the gradient into `grad`; returns the value.
    ///
    /// ```
    /// use grad_runtime::core::Problem;
    ///
    /// let mut f = |x: &[f64], g: &mut [f64]| {
    ///     g[0] = 1.0;
    ///     x[0]
    /// };
    /// let mut g = [0.0];
    /// assert_eq!(Problem::new(&mut f).eval(&[4.0], &mut g), 4.0);
    /// ```
    ///
    /// In debug builds the buffer is filled with NaN first, so that an objective that leaves a
    /// component unwritten (or adds to it instead of writing it) is caught as a non-finite
    /// gradient rather than silently reusing the last value:
    ///
    /// ```
    /// use grad_runtime::{Options, StopReason, Divergence, minimize, optim::GradientDescent};
    ///
    /// // Forgets g[1].
    /// let f = |x: &[f64], g: &mut [f64]| {
    ///     g[0] = 2.0 * x[0];
    ///     x[0] * x[0] + x[1] * x[1]
    /// };
    /// let report = minimize(f, [1.0, 1.0], GradientDescent::new(0.1)?, Options::new())?;
    /// if cfg!(debug_assertions) {
    ///     assert_eq!(report.reason, StopReason::Diverged(Divergence::NonFiniteGradient));
    /// }
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn eval(&mut self, x: &[T], grad: &mut [T]) -> T
    where
        T: num_traits::Float,
    {
        self.evaluations += 1;
        if cfg!(debug_assertions) {
            grad.fill(T::nan());
        }
        (self.f)(x, grad)
    }

    /// Evaluates at `point.x`, storing value and gradient in `point`.
    ///
    /// ```
    /// use grad_runtime::core::{Point, Problem};
    ///
    /// let mut f = |x: &[f64], g: &mut [f64]| {
    ///     g[0] = 2.0 * x[0];
    ///     x[0] * x[0]
    /// };
    /// let mut p = Point::new(vec![3.0]);
    /// Problem::new(&mut f).eval_point(&mut p);
    /// assert_eq!((p.value, p.grad[0]), (9.0, 6.0));
    /// ```
    pub fn eval_point(&mut self, point: &mut Point<T>)
    where
        T: num_traits::Float,
    {
        point.value = self.eval(&point.x, &mut point.grad);
    }

    /// How many evaluations this handle has made.
    ///
    /// ```
    /// use grad_runtime::core::{Point, Problem};
    ///
    /// let mut f = |x: &[f64], _g: &mut [f64]| x[0];
    /// let mut problem = Problem::new(&mut f);
    /// let mut p = Point::new(vec![1.0]);
    /// problem.eval_point(&mut p);
    /// problem.eval_point(&mut p);
    /// assert_eq!(problem.evaluations(), 2);
    /// ```
    pub fn evaluations(&self) -> usize {
        self.evaluations
    }
}
