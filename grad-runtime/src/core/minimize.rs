//! The entry points. Both hand their objective to the one loop in `run.rs`.

use std::borrow::BorrowMut;

use crate::core::objective::{
    FlatModel, ModelArgs, ModelRefArgs, Objective, ScalarArgs, SliceArgs,
};
use crate::core::options::Options;
use crate::core::real::Real;
use crate::core::report::Report;
use crate::core::run::run;
use crate::core::source::{FullBatch, MiniBatch};
use crate::data::Batches;
use crate::error::Error;
use crate::optim::Optimizer;
use crate::params::Params;

/// Minimizes `objective` from `x0` with `optimizer` until a rule of `options` stops it.
///
/// - `objective`: a slice closure `|w: &[f64], g: &mut [f64]| loss_grad(w, &x, &y, g)` (fills
///   `g`, returns the value), a `#[gradient]` function of scalar parameters such as
///   `fn f_grad(x: f64, y: f64) -> (f64, [f64; 2])`, or any [`Objective`].
/// - `x0`: anything that views as `&[T]`: `[-1.2, 1.0]`, `&w0`, `vec![0.0; n]`. It is copied;
///   the caller's buffer is never modified.
/// - `optimizer`: any [`Optimizer`], by value or as `&mut` (to reuse its state).
///
/// Returns `Err` only for set-up mistakes (empty start, a start whose length differs from a
/// scalar function's arity, invalid options). Everything that happens during the run, NaNs and
/// divergence included, ends it with a [`Report`] whose `reason` says why.
///
/// A scalar function (`#[gradient]` on `fn rosenbrock(x: f64, y: f64) -> f64`):
///
/// ```
/// use grad_runtime::{Options, minimize, optim::Lbfgs};
///
/// fn rosenbrock_grad(x: f64, y: f64) -> (f64, [f64; 2]) {
///     let value = (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2);
///     let dx = -2.0 * (1.0 - x) - 400.0 * x * (y - x * x);
///     let dy = 200.0 * (y - x * x);
///     (value, [dx, dy])
/// }
///
/// let report = minimize(rosenbrock_grad, [-1.2, 1.0], Lbfgs::default(), Options::new())?;
/// assert!(report.converged());
/// assert!((report.x[0] - 1.0).abs() < 1e-6 && (report.x[1] - 1.0).abs() < 1e-6);
/// # Ok::<(), grad_runtime::Error>(())
/// ```
///
/// A slice objective with data (`#[gradient(wrt(w))]` on a least-squares loss):
///
/// ```
/// use grad_runtime::{Options, minimize, optim::Adam};
///
/// // d_w is overwritten with ∂loss/∂w; the mean squared error is returned.
/// fn loss_grad(w: &[f64], x: &[f64], y: &[f64], d_w: &mut [f64]) -> f64 {
///     let n = x.len() as f64;
///     d_w.fill(0.0);
///     let mut loss = 0.0;
///     for (&xi, &yi) in x.iter().zip(y) {
///         let r = w[0] * xi + w[1] - yi;
///         loss += r * r / n;
///         d_w[0] += 2.0 * r * xi / n;
///         d_w[1] += 2.0 * r / n;
///     }
///     loss
/// }
///
/// let x = [0.0, 1.0, 2.0, 3.0];
/// let y = [1.0, 3.0, 5.0, 7.0]; // y = 2x + 1
/// let adam = Adam::new(0.1)?;
/// let options = Options::new().max_iters(5000).grad_tol(1e-8);
/// let report = minimize(|w: &[f64], g: &mut [f64]| loss_grad(w, &x, &y, g), [0.0, 0.0], adam, options)?;
/// assert!((report.x[0] - 2.0).abs() < 1e-4 && (report.x[1] - 1.0).abs() < 1e-4);
/// # Ok::<(), grad_runtime::Error>(())
/// ```
pub fn minimize<T, A, F, O, X>(
    objective: F,
    x0: X,
    optimizer: O,
    options: Options<'_, T>,
) -> Result<Report<T>, Error>
where
    T: Real,
    X: Start<T, A, F>,
    O: Optimizer<T>,
{
    let (x0, objective) = x0.into_flat(objective);
    run(
        &mut FullBatch::<_, SliceArgs>::new(objective),
        &x0,
        optimizer,
        options,
    )
}

/// A starting point [`minimize`] accepts for an objective of shape `A`: anything that views as
/// `&[T]` for slice objectives and functions of scalars, and a model (`P: Params`, by value or by
/// reference) for objectives `FnMut(&P, &mut P) -> T`.
///
/// With a model, the report's `x` is the model's flat view; [`Params::with_flat`] puts it back
/// into a model:
///
/// ```
/// use grad_runtime::{Options, Params, minimize, optim::Lbfgs};
///
/// let start = vec![[3.0, -1.0], [0.5, 2.0]];
/// let bowl = |w: &Vec<[f64; 2]>, g: &mut Vec<[f64; 2]>| {
///     let mut value = 0.0;
///     for (row, d) in w.iter().zip(g.iter_mut()) {
///         for k in 0..2 {
///             value += (row[k] - 1.0).powi(2);
///             d[k] = 2.0 * (row[k] - 1.0);
///         }
///     }
///     value
/// };
/// let report = minimize(bowl, &start, Lbfgs::default(), Options::new())?;
/// let best = start.with_flat(&report.x);
/// assert!(best.iter().flatten().all(|&v| (v - 1.0).abs() < 1e-8));
/// # Ok::<(), grad_runtime::Error>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "cannot start from `{Self}` with this objective",
    note = "objectives are `FnMut(&[T], &mut [T]) -> T` from a start that views as `&[T]`, `Fn(T, .., T) -> (T, [T; K])` from `[x0, y0, ..]`, or `FnMut(&P, &mut P) -> T` from a model `P: Params`",
    note = "write the closure's parameter types out: `|w: &[f64], g: &mut [f64]| ..` or `|m: &Model, g: &mut Model| ..`"
)]
pub trait Start<T: Real, A, F> {
    /// The objective over the flat view of the start.
    type Flat: Objective<T>;

    /// The start as a flat vector, and the objective over such vectors; what [`minimize`] and
    /// [`check_gradient`](crate::check::check_gradient) work on.
    ///
    /// ```
    /// use grad_runtime::core::{Objective, Start};
    ///
    /// fn f_grad(x: f64, y: f64) -> (f64, [f64; 2]) {
    ///     (x * y, [y, x])
    /// }
    /// let (x0, mut f) = [2.0, 3.0].into_flat(f_grad);
    /// let mut g = [0.0; 2];
    /// assert_eq!(f.eval(&x0, &mut g), 6.0);
    /// assert_eq!(g, [3.0, 2.0]);
    /// ```
    fn into_flat(self, objective: F) -> (Vec<T>, Self::Flat);
}

/// A function of `K` scalars seen as a slice objective.
#[doc(hidden)]
pub struct Scalars<F, const K: usize>(F);

impl<T, F: Objective<T, ScalarArgs<K>>, const K: usize> Objective<T> for Scalars<F, K> {
    fn eval(&mut self, x: &[T], grad: &mut [T]) -> T {
        self.0.eval(x, grad)
    }

    fn dim(&self) -> Option<usize> {
        self.0.dim()
    }
}

impl<T: Real, F: Objective<T, SliceArgs>, X: AsRef<[T]>> Start<T, SliceArgs, F> for X {
    type Flat = F;

    fn into_flat(self, objective: F) -> (Vec<T>, F) {
        (self.as_ref().to_vec(), objective)
    }
}

impl<T: Real, F: Objective<T, ScalarArgs<K>>, X: AsRef<[T]>, const K: usize>
    Start<T, ScalarArgs<K>, F> for X
{
    type Flat = Scalars<F, K>;

    fn into_flat(self, objective: F) -> (Vec<T>, Scalars<F, K>) {
        (self.as_ref().to_vec(), Scalars(objective))
    }
}

impl<T, P, F> Start<T, ModelRefArgs, F> for &P
where
    T: Real,
    P: Params<Scalar = T>,
    F: FnMut(&P, &mut P) -> T,
{
    type Flat = FlatModel<F, P>;

    fn into_flat(self, objective: F) -> (Vec<T>, FlatModel<F, P>) {
        (self.to_flat(), FlatModel::new(objective, self))
    }
}

impl<T, P, F> Start<T, ModelArgs, F> for P
where
    T: Real,
    P: Params<Scalar = T>,
    F: FnMut(&P, &mut P) -> T,
{
    type Flat = FlatModel<F, P>;

    fn into_flat(self, objective: F) -> (Vec<T>, FlatModel<F, P>) {
        (self.to_flat(), FlatModel::new(objective, &self))
    }
}

/// Stochastic minimization over shuffled mini-batches: each step uses the gradient of the next
/// batch of `batches`, so every sample is used once per epoch.
///
/// `objective(w, batch, g)` gets the indices of the batch's samples; it fills `g` with the
/// gradient of the batch loss (usually the mean over the batch) and returns that loss. Values,
/// gradient norms and the value/gradient tolerances therefore refer to single batches. Set
/// [`Options::max_epochs`] to bound the run by passes over the data. Meant for the first-order
/// optimizers (SGD, Adam, …); L-BFGS needs a deterministic objective.
///
/// `batches` is a [`Batches`] by value, or `&mut` to keep its place in the stream of shuffles: a
/// later run then draws the batches this one would have drawn next. Together with the optimizer
/// as `&mut` and [`Options::resume`], a run split in two lands bit for bit where one run lands
/// (see the second example). `report.epochs` counts the epochs of this run's steps.
///
/// ```
/// use grad_runtime::{Options, StopReason, minimize_batches, data::Batches, optim::Sgd};
///
/// // Fit the mean of the data: loss = mean over the batch of (w − y_i)²/2.
/// let y: Vec<f64> = (0..100).map(|i| i as f64 / 10.0).collect();
/// let objective = |w: &[f64], batch: &[usize], g: &mut [f64]| {
///     let n = batch.len() as f64;
///     g[0] = batch.iter().map(|&i| w[0] - y[i]).sum::<f64>() / n;
///     batch.iter().map(|&i| 0.5 * (w[0] - y[i]).powi(2)).sum::<f64>() / n
/// };
/// let batches = Batches::new(y.len(), 10)?.seed(42);
/// let sgd = Sgd::builder().lr(0.1).momentum(0.5).build()?;
/// let options = Options::new().max_epochs(30).grad_tol(0.0);
/// let report = minimize_batches(objective, [0.0], sgd, batches, options)?;
/// assert_eq!(report.reason, StopReason::MaxEpochs);
/// assert_eq!((report.epochs, report.iterations), (Some(30), 300));
/// assert!((report.x[0] - 4.95).abs() < 0.5);
/// # Ok::<(), grad_runtime::Error>(())
/// ```
///
/// Stopped after 10 epochs and resumed for 10 more, with the same optimizer and batches:
///
/// ```
/// use grad_runtime::{Options, minimize_batches, data::Batches, optim::Adam};
///
/// let y: Vec<f64> = (0..50).map(|i| (i % 7) as f64).collect();
/// let objective = |w: &[f64], batch: &[usize], g: &mut [f64]| {
///     let n = batch.len() as f64;
///     g[0] = batch.iter().map(|&i| w[0] - y[i]).sum::<f64>() / n;
///     batch.iter().map(|&i| 0.5 * (w[0] - y[i]).powi(2)).sum::<f64>() / n
/// };
/// let epochs = |n| Options::new().max_epochs(n).grad_tol(0.0);
/// let batches = Batches::new(y.len(), 8)?.seed(3);
///
/// let once = minimize_batches(objective, [0.0], Adam::new(0.1)?, batches.clone(), epochs(20))?;
///
/// let (mut adam, mut stream) = (Adam::new(0.1)?, batches);
/// let first = minimize_batches(objective, [0.0], &mut adam, &mut stream, epochs(10))?;
/// let second = minimize_batches(objective, &first.x, &mut adam, &mut stream, epochs(10).resume(true))?;
/// assert_eq!(second.x, once.x); // bit for bit
/// # Ok::<(), grad_runtime::Error>(())
/// ```
pub fn minimize_batches<T, A, F, O, X, B>(
    objective: F,
    x0: X,
    optimizer: O,
    mut batches: B,
    options: Options<'_, T>,
) -> Result<Report<T>, Error>
where
    T: Real,
    X: BatchStart<T, A, F>,
    O: Optimizer<T>,
    B: BorrowMut<Batches>,
{
    let batches = batches.borrow_mut();
    if batches.is_empty() {
        return Err(Error::Empty {
            what: "an epoch (fewer samples than one batch, with drop_last)",
        });
    }
    x0.minimize_batches(objective, optimizer, batches, options)
}

/// A starting point [`minimize_batches`] accepts: anything that views as `&[T]` for objectives
/// `FnMut(&[T], &[usize], &mut [T]) -> T`, and a model `P: Params` (by value or by reference) for
/// objectives `FnMut(&P, &[usize], &mut P) -> T`.
///
/// ```
/// use grad_runtime::{Options, Params, minimize_batches, data::Batches, optim::Adam};
///
/// // The mean of the data as a one-field model, fitted on mini-batches.
/// let y: Vec<f64> = (0..64).map(|i| (i % 8) as f64).collect();
/// let objective = |w: &Vec<f64>, batch: &[usize], g: &mut Vec<f64>| {
///     let n = batch.len() as f64;
///     g[0] = batch.iter().map(|&i| w[0] - y[i]).sum::<f64>() / n;
///     batch.iter().map(|&i| 0.5 * (w[0] - y[i]).powi(2)).sum::<f64>() / n
/// };
/// let start = vec![0.0];
/// let batches = Batches::new(y.len(), 16)?.seed(1);
/// let options = Options::new().max_epochs(200).grad_tol(0.0);
/// let report = minimize_batches(objective, &start, Adam::new(0.05)?, batches, options)?;
/// assert!((start.with_flat(&report.x)[0] - 3.5).abs() < 0.5);
/// # Ok::<(), grad_runtime::Error>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`minimize_batches` cannot start from `{Self}` with this objective",
    note = "objectives are `FnMut(&[T], &[usize], &mut [T]) -> T` from a start that views as `&[T]`, or `FnMut(&P, &[usize], &mut P) -> T` from a model `P: Params`",
    note = "write the closure's parameter types out: `|w: &[f64], batch: &[usize], g: &mut [f64]| ..`"
)]
pub trait BatchStart<T: Real, A, F> {
    /// Runs the loop from this start; what [`minimize_batches`] calls. `batches` by value or
    /// as `&mut`, as there.
    ///
    /// ```
    /// use grad_runtime::{Options, core::BatchStart, data::Batches, optim::Sgd};
    ///
    /// let f = |w: &[f64], _: &[usize], g: &mut [f64]| {
    ///     g[0] = w[0];
    ///     0.5 * w[0] * w[0]
    /// };
    /// let batches = Batches::new(4, 2)?;
    /// let report = [1.0].minimize_batches(f, Sgd::new(0.5)?, batches, Options::new().max_epochs(20))?;
    /// assert!(report.x[0].abs() < 1e-3);
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    fn minimize_batches<O: Optimizer<T>, B: BorrowMut<Batches>>(
        self,
        objective: F,
        optimizer: O,
        batches: B,
        options: Options<'_, T>,
    ) -> Result<Report<T>, Error>;
}

impl<T: Real, F: FnMut(&[T], &[usize], &mut [T]) -> T, X: AsRef<[T]>> BatchStart<T, SliceArgs, F>
    for X
{
    fn minimize_batches<O: Optimizer<T>, B: BorrowMut<Batches>>(
        self,
        objective: F,
        optimizer: O,
        mut batches: B,
        options: Options<'_, T>,
    ) -> Result<Report<T>, Error> {
        run(
            &mut MiniBatch::new(objective, batches.borrow_mut()),
            self.as_ref(),
            optimizer,
            options,
        )
    }
}

impl<T, P, F> BatchStart<T, ModelRefArgs, F> for &P
where
    T: Real,
    P: Params<Scalar = T>,
    F: FnMut(&P, &[usize], &mut P) -> T,
{
    fn minimize_batches<O: Optimizer<T>, B: BorrowMut<Batches>>(
        self,
        mut objective: F,
        optimizer: O,
        mut batches: B,
        options: Options<'_, T>,
    ) -> Result<Report<T>, Error> {
        let x0 = self.to_flat();
        let (mut model, mut grad) = (self.zeros_like(), self.zeros_like());
        let flat = move |x: &[T], batch: &[usize], g: &mut [T]| {
            model.read_flat(x);
            grad.fill_params(T::zero());
            let value = objective(&model, batch, &mut grad);
            grad.write_flat(g);
            value
        };
        run(
            &mut MiniBatch::new(flat, batches.borrow_mut()),
            &x0,
            optimizer,
            options,
        )
    }
}

impl<T, P, F> BatchStart<T, ModelArgs, F> for P
where
    T: Real,
    P: Params<Scalar = T>,
    F: FnMut(&P, &[usize], &mut P) -> T,
{
    fn minimize_batches<O: Optimizer<T>, B: BorrowMut<Batches>>(
        self,
        objective: F,
        optimizer: O,
        batches: B,
        options: Options<'_, T>,
    ) -> Result<Report<T>, Error> {
        BatchStart::<T, ModelRefArgs, F>::minimize_batches(
            &self, objective, optimizer, batches, options,
        )
    }
}
