//! What can be minimized: slice objectives and functions of scalar parameters.
//!
//! Both shapes implement one trait, [`Objective`], told apart by a marker type parameter, so
//! `minimize` accepts `rosenbrock_grad` as well as `|w: &[f64], g: &mut [f64]| ...` with no glue.

/// Marker of objectives over a parameter slice: `FnMut(&[T], &mut [T]) -> T`.
///
/// Never named in ordinary code: the compiler infers it.
///
/// ```
/// use grad_runtime::core::{Objective, SliceArgs};
///
/// fn takes_slices<O: Objective<f64, SliceArgs>>(_: O) {}
/// takes_slices(|w: &[f64], g: &mut [f64]| {
///     g[0] = 2.0 * w[0];
///     w[0] * w[0]
/// });
/// ```
pub enum SliceArgs {}

/// Marker of functions of `K` scalar parameters: `Fn(T, …, T) -> (T, [T; K])`, the shape
/// `#[gradient]` emits for scalar arguments.
///
/// ```
/// use grad_runtime::core::{Objective, ScalarArgs};
///
/// fn f_grad(x: f64, y: f64) -> (f64, [f64; 2]) {
///     (x * x + y * y, [2.0 * x, 2.0 * y])
/// }
/// fn takes_pairs<O: Objective<f64, ScalarArgs<2>>>(_: O) {}
/// takes_pairs(f_grad);
/// ```
pub enum ScalarArgs<const K: usize> {}

/// A differentiable function: fills a gradient buffer and returns the value.
///
/// Implemented for
/// - closures and functions `FnMut(&[T], &mut [T]) -> T` (marker [`SliceArgs`]); the gradient
///   buffer has the length of the parameter slice and must be overwritten, not accumulated into;
/// - functions `Fn(T, …, T) -> (T, [T; K])` of `K = 1..=8` scalar parameters (marker
///   [`ScalarArgs<K>`]), as emitted by `#[gradient]` for `fn f(x: f64, y: f64) -> f64`.
///
/// Closures passed where an `Objective` is expected need their parameter types written out
/// (`|w: &[f64], g: &mut [f64]| ...`): the compiler cannot guess which of the shapes is meant.
/// Your own types can implement it too (the marker defaults to [`SliceArgs`]).
///
/// ```
/// use grad_runtime::core::Objective;
///
/// struct Quadratic {
///     a: Vec<f64>,
/// }
///
/// impl Objective<f64> for Quadratic {
///     fn eval(&mut self, x: &[f64], grad: &mut [f64]) -> f64 {
///         let mut value = 0.0;
///         for ((g, &xi), &ai) in grad.iter_mut().zip(x).zip(&self.a) {
///             *g = ai * xi;
///             value += 0.5 * ai * xi * xi;
///         }
///         value
///     }
/// }
///
/// let mut q = Quadratic { a: vec![1.0, 10.0] };
/// let mut g = [0.0; 2];
/// assert_eq!(q.eval(&[1.0, 1.0], &mut g), 5.5);
/// assert_eq!(g, [1.0, 10.0]);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an objective over `{T}`",
    label = "expected an objective here",
    note = "an objective is `FnMut(&[T], &mut [T]) -> T` (fill the gradient, return the value) or \
            `Fn(T, .., T) -> (T, [T; K])` with K = 1..=8 scalar parameters",
    note = "bind data with a closure whose parameter types are written out: \
            `|w: &[f64], g: &mut [f64]| loss_grad(w, &x, &y, g)`"
)]
pub trait Objective<T, Args = SliceArgs> {
    /// Writes the gradient at `x` into `grad` (same length as `x`) and returns the value.
    ///
    /// ```
    /// use grad_runtime::core::Objective;
    ///
    /// let mut f = |x: &[f64], g: &mut [f64]| {
    ///     g[0] = 2.0 * x[0];
    ///     x[0] * x[0]
    /// };
    /// let mut g = [0.0];
    /// assert_eq!(Objective::eval(&mut f, &[3.0], &mut g), 9.0);
    /// assert_eq!(g, [6.0]);
    /// ```
    fn eval(&mut self, x: &[T], grad: &mut [T]) -> T;

    /// The number of parameters, when the objective fixes it (scalar functions do); `None` if
    /// any length is accepted.
    ///
    /// ```
    /// use grad_runtime::core::Objective;
    ///
    /// fn f_grad(x: f64, y: f64) -> (f64, [f64; 2]) {
    ///     (x * y, [y, x])
    /// }
    /// assert_eq!(Objective::dim(&f_grad), Some(2));
    /// ```
    fn dim(&self) -> Option<usize> {
        None
    }
}

impl<T, F> Objective<T, SliceArgs> for F
where
    F: FnMut(&[T], &mut [T]) -> T,
{
    fn eval(&mut self, x: &[T], grad: &mut [T]) -> T {
        self(x, grad)
    }
}

/// Expands to `T` once per index, to spell `FnMut(T, T, …)`.
macro_rules! each_t {
    ($i:tt) => {
        T
    };
}

macro_rules! scalar_objective {
    ($k:literal: $($i:tt)+) => {
        impl<T: Copy, F> Objective<T, ScalarArgs<$k>> for F
        where
            F: FnMut($(each_t!($i)),+) -> (T, [T; $k]),
        {
            fn eval(&mut self, x: &[T], grad: &mut [T]) -> T {
                let (value, g) = self($(x[$i]),+);
                grad.copy_from_slice(&g);
                value
            }

            fn dim(&self) -> Option<usize> {
                Some($k)
            }
        }
    };
}

scalar_objective!(1: 0);
scalar_objective!(2: 0 1);
scalar_objective!(3: 0 1 2);
scalar_objective!(4: 0 1 2 3);
scalar_objective!(5: 0 1 2 3 4);
scalar_objective!(6: 0 1 2 3 4 5);
scalar_objective!(7: 0 1 2 3 4 5 6);
scalar_objective!(8: 0 1 2 3 4 5 6 7);

/// Marker of objectives over a model: `FnMut(&P, &mut P) -> T` for a `P` that implements
/// [`Params`](crate::Params), the shape `#[gradient(wrt(m))]` emits for `m: &Model`.
///
/// ```
/// use grad_runtime::core::{Objective, FlatModel};
///
/// // What #[gradient(wrt(w))] emits for `fn f(w: &Vec<f64>) -> f64 { w[0] * w[1] }`.
/// let f = |w: &Vec<f64>, g: &mut Vec<f64>| {
///     g[0] = w[1];
///     g[1] = w[0];
///     w[0] * w[1]
/// };
/// let mut flat = FlatModel::new(f, &vec![0.0; 2]);
/// let mut g = [0.0; 2];
/// assert_eq!(flat.eval(&[2.0, 3.0], &mut g), 6.0);
/// assert_eq!(g, [3.0, 2.0]);
/// ```
pub enum ModelArgs {}

/// Marker of the same objectives as [`ModelArgs`], started from a model passed by reference
/// (`minimize(f, &model, ..)`); the model is copied, never modified.
///
/// ```
/// use grad_runtime::{Options, minimize, optim::Lbfgs};
///
/// let start = vec![4.0];
/// let f = |w: &Vec<f64>, g: &mut Vec<f64>| {
///     g[0] = 2.0 * w[0];
///     w[0] * w[0]
/// };
/// let report = minimize(f, &start, Lbfgs::default(), Options::new())?;
/// assert!(report.x[0].abs() < 1e-8 && start[0] == 4.0);
/// # Ok::<(), grad_runtime::Error>(())
/// ```
pub enum ModelRefArgs {}

/// A model objective `FnMut(&P, &mut P) -> T` seen through the model's flat view
/// ([`Params::write_flat`](crate::Params::write_flat)), so that every optimizer, stopping rule
/// and check that works on slices works on it. [`minimize`](crate::minimize) builds one when it
/// is given a model; build one yourself for `minimize_batches` or the argmin adapter.
///
/// Each evaluation copies the parameters into a model and the gradient out of one: two passes
/// over the parameters, small next to a loss that reads every parameter once per sample.
///
/// ```
/// use grad_runtime::{Params, core::{FlatModel, Objective}};
///
/// let mut f = FlatModel::new(|w: &[f64; 2], g: &mut [f64; 2]| {
///     *g = [2.0 * w[0], 2.0 * w[1]];
///     w[0] * w[0] + w[1] * w[1]
/// }, &[0.0; 2]);
/// assert_eq!(f.dim(), Some(2));
/// let mut g = [0.0; 2];
/// assert_eq!(f.eval(&[1.0, 2.0], &mut g), 5.0);
/// assert_eq!(g, [2.0, 4.0]);
/// ```
pub struct FlatModel<F, P> {
    objective: F,
    model: P,
    grad: P,
}

impl<F, P: crate::Params> FlatModel<F, P> {
    /// Wraps `objective`, with models of the shape of `like`.
    ///
    /// ```
    /// use grad_runtime::core::FlatModel;
    ///
    /// let _ = FlatModel::new(|w: &Vec<f64>, g: &mut Vec<f64>| { g[0] = 1.0; w[0] }, &vec![0.0]);
    /// ```
    pub fn new(objective: F, like: &P) -> Self {
        FlatModel {
            objective,
            model: like.zeros_like(),
            grad: like.zeros_like(),
        }
    }
}

impl<T, P, F> Objective<T> for FlatModel<F, P>
where
    T: crate::Real,
    P: crate::Params<Scalar = T>,
    F: FnMut(&P, &mut P) -> T,
{
    fn eval(&mut self, x: &[T], grad: &mut [T]) -> T {
        self.model.read_flat(x);
        // A gradient that leaves a field unwritten reads as zero there, not as the last one.
        self.grad.fill_params(T::zero());
        let value = (self.objective)(&self.model, &mut self.grad);
        self.grad.write_flat(grad);
        value
    }

    fn dim(&self) -> Option<usize> {
        Some(self.model.num_params())
    }
}
