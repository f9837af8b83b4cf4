//! A loop the user owns: evaluate, step, inspect, one step at a time.

use crate::core::minimize::Start;
use crate::core::objective::Objective;
use crate::core::problem::{Point, Problem};
use crate::core::real::{Real, norm};
use crate::error::Error;
use crate::optim::{Optimizer, Step};

/// An optimizer driven one step at a time by the caller, for loops that `minimize` should not
/// own (interleaved evaluation, custom logging, a step budget decided on the fly). It evaluates
/// the start when built; each [`step`](Stepper::step) takes one optimizer step. No stopping rule
/// applies: the caller decides when to stop.
///
/// ```
/// use grad_runtime::core::Stepper;
/// use grad_runtime::optim::{Adam, Step};
///
/// fn f_grad(x: f64, y: f64) -> (f64, [f64; 2]) {
///     ((x - 1.0).powi(2) + 4.0 * (y + 2.0).powi(2), [2.0 * (x - 1.0), 8.0 * (y + 2.0)])
/// }
/// let mut run = Stepper::new(f_grad, [0.0, 0.0], Adam::new(0.1)?)?;
/// while run.grad_norm() > 1e-6 && run.iteration() < 10_000 {
///     if run.step() == Step::Stalled || !run.value().is_finite() {
///         break;
///     }
///     if run.iteration() % 1000 == 0 {
///         println!("{:5} {:.3e}", run.iteration(), run.value());
///     }
/// }
/// assert!((run.x()[0] - 1.0).abs() < 1e-5 && (run.x()[1] + 2.0).abs() < 1e-5);
/// # Ok::<(), grad_runtime::Error>(())
/// ```
pub struct Stepper<T, F, O> {
    objective: F,
    optimizer: O,
    point: Point<T>,
    iteration: usize,
    evaluations: usize,
}

impl<T: Real, F: Objective<T>, O: Optimizer<T>> Stepper<T, F, O> {
    /// Sets up `optimizer` and evaluates `objective` at `x0` (anything [`minimize`](crate::minimize)
    /// accepts as a start: a slice, an array, a model).
    ///
    /// ```
    /// use grad_runtime::core::Stepper;
    /// use grad_runtime::optim::GradientDescent;
    ///
    /// let f = |x: &[f64], g: &mut [f64]| {
    ///     g[0] = 2.0 * x[0];
    ///     x[0] * x[0]
    /// };
    /// let run = Stepper::new(f, vec![3.0], GradientDescent::new(0.1)?)?;
    /// assert_eq!((run.value(), run.grad()[0], run.evaluations()), (9.0, 6.0, 1));
    /// assert!(Stepper::new(f, Vec::<f64>::new(), GradientDescent::new(0.1)?).is_err());
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn new<A, G, X>(objective: G, x0: X, mut optimizer: O) -> Result<Self, Error>
    where
        X: Start<T, A, G, Flat = F>,
    {
        let (x0, mut objective) = x0.into_flat(objective);
        if x0.is_empty() {
            return Err(Error::Empty {
                what: "the starting point",
            });
        }
        if let Some(expected) = objective.dim()
            && expected != x0.len()
        {
            return Err(Error::DimensionMismatch {
                what: "the starting point",
                expected,
                found: x0.len(),
            });
        }
        optimizer.init(x0.len())?;
        let mut point = Point::new(x0);
        let mut f = |x: &[T], g: &mut [T]| objective.eval(x, g);
        let mut problem = Problem::new(&mut f);
        problem.eval_point(&mut point);
        let evaluations = problem.evaluations();
        Ok(Stepper {
            objective,
            optimizer,
            point,
            iteration: 0,
            evaluations,
        })
    }

    /// Takes one optimizer step from the current point.
    ///
    /// ```
    /// use grad_runtime::core::Stepper;
    /// use grad_runtime::optim::{GradientDescent, Step};
    ///
    /// fn f_grad(x: f64) -> (f64, [f64; 1]) {
    ///     (x * x, [2.0 * x])
    /// }
    /// let mut run = Stepper::new(f_grad, [1.0], GradientDescent::new(0.25)?)?;
    /// assert_eq!(run.step(), Step::Moved);
    /// assert_eq!((run.x()[0], run.iteration()), (0.5, 1));
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn step(&mut self) -> Step {
        let objective = &mut self.objective;
        let mut f = |x: &[T], g: &mut [T]| objective.eval(x, g);
        let mut problem = Problem::new(&mut f);
        let step = self.optimizer.step(&mut problem, &mut self.point);
        self.evaluations += problem.evaluations();
        if step == Step::Moved {
            self.iteration += 1;
        }
        step
    }

    /// The current point (the flat view, for a model).
    ///
    /// ```
    /// # use grad_runtime::core::Stepper;
    /// # use grad_runtime::optim::GradientDescent;
    /// # fn f_grad(x: f64) -> (f64, [f64; 1]) { (x * x, [2.0 * x]) }
    /// let run = Stepper::new(f_grad, [2.0], GradientDescent::new(0.1)?)?;
    /// assert_eq!(run.x(), [2.0]);
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn x(&self) -> &[T] {
        &self.point.x
    }

    /// The value at the current point.
    ///
    /// ```
    /// # use grad_runtime::core::Stepper;
    /// # use grad_runtime::optim::GradientDescent;
    /// # fn f_grad(x: f64) -> (f64, [f64; 1]) { (x * x, [2.0 * x]) }
    /// let run = Stepper::new(f_grad, [2.0], GradientDescent::new(0.1)?)?;
    /// assert_eq!(run.value(), 4.0);
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn value(&self) -> T {
        self.point.value
    }

    /// The gradient at the current point.
    ///
    /// ```
    /// # use grad_runtime::core::Stepper;
    /// # use grad_runtime::optim::GradientDescent;
    /// # fn f_grad(x: f64) -> (f64, [f64; 1]) { (x * x, [2.0 * x]) }
    /// let run = Stepper::new(f_grad, [2.0], GradientDescent::new(0.1)?)?;
    /// assert_eq!(run.grad(), [4.0]);
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn grad(&self) -> &[T] {
        &self.point.grad
    }

    /// `‖grad‖₂`.
    ///
    /// ```
    /// # use grad_runtime::core::Stepper;
    /// # use grad_runtime::optim::GradientDescent;
    /// # fn f_grad(x: f64, y: f64) -> (f64, [f64; 2]) { (x * x + y * y, [2.0 * x, 2.0 * y]) }
    /// let run = Stepper::new(f_grad, [1.5, 2.0], GradientDescent::new(0.1)?)?;
    /// assert_eq!(run.grad_norm(), 5.0);
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn grad_norm(&self) -> T {
        norm(&self.point.grad)
    }

    /// Steps taken that moved the point.
    ///
    /// ```
    /// # use grad_runtime::core::Stepper;
    /// # use grad_runtime::optim::GradientDescent;
    /// # fn f_grad(x: f64) -> (f64, [f64; 1]) { (x * x, [2.0 * x]) }
    /// let mut run = Stepper::new(f_grad, [2.0], GradientDescent::new(0.1)?)?;
    /// run.step();
    /// assert_eq!(run.iteration(), 1);
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn iteration(&self) -> usize {
        self.iteration
    }

    /// Objective evaluations so far, the start's included.
    ///
    /// ```
    /// # use grad_runtime::core::Stepper;
    /// # use grad_runtime::optim::GradientDescent;
    /// # fn f_grad(x: f64) -> (f64, [f64; 1]) { (x * x, [2.0 * x]) }
    /// let mut run = Stepper::new(f_grad, [2.0], GradientDescent::new(0.1)?)?;
    /// run.step();
    /// assert_eq!(run.evaluations(), 2);
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn evaluations(&self) -> usize {
        self.evaluations
    }

    /// The optimizer, to read or change its settings between steps.
    ///
    /// ```
    /// # use grad_runtime::core::Stepper;
    /// use grad_runtime::optim::{FirstOrder, Sgd};
    /// # fn f_grad(x: f64) -> (f64, [f64; 1]) { (x * x, [2.0 * x]) }
    /// let mut run = Stepper::new(f_grad, [2.0], Sgd::new(0.1)?)?;
    /// run.optimizer_mut().set_lr(0.01);
    /// assert_eq!(run.optimizer_mut().lr(), 0.01);
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn optimizer_mut(&mut self) -> &mut O {
        &mut self.optimizer
    }
}
