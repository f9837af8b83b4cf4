//! Limited-memory BFGS.

use std::marker::PhantomData;

use crate::core::{Point, Problem, Real, dot};
use crate::error::{Error, ensure};
use crate::linesearch::{LineSearch, StrongWolfe};
use crate::optim::{Optimizer, Step};

/// L-BFGS: a quasi-Newton method that builds an approximation of the inverse Hessian from the
/// last `m` steps `s = x₊ − x` and gradient changes `y = ∇f₊ − ∇f`, and moves along
/// `d = −H∇f` with a line search.
///
/// `H∇f` comes from the two-loop recursion (Nocedal & Wright, *Numerical Optimization*, 2nd ed.,
/// Algorithm 7.4) with the initial scaling `H₀ = (sᵀy / yᵀy) I` (eq. 7.20); the first step tries
/// `α = min(1, 1/‖∇f‖₁)` like PyTorch, later steps `α = 1`. Pairs with `sᵀy ≤ ε yᵀy` are skipped
/// to keep `H` positive definite. If the line search fails, the memory is dropped and steepest
/// descent is tried; if that fails too the step reports [`Step::Stalled`].
///
/// Needs value and gradient of a smooth, deterministic function; superlinear convergence near a
/// minimum makes it the choice for high accuracy. Not for mini-batches.
///
/// Defaults: memory m = 100 (`torch.optim.LBFGS`'s `history_size`; it stores 2·m·n numbers,
/// choose 5–20 for very large n), line search [`StrongWolfe`] with c₁ = 1e-4, c₂ = 0.9
/// (PyTorch's `strong_wolfe`). PyTorch's `max_iter`/`tolerance_*` correspond to the loop's
/// [`Options`](crate::Options).
///
/// Reference: Nocedal & Wright (2006), §7.2; Liu & Nocedal, *On the limited memory BFGS method
/// for large scale optimization*, Math. Programming 45 (1989).
///
/// ```
/// use grad_runtime::{Options, minimize, optim::Lbfgs};
///
/// fn rosenbrock_grad(x: f64, y: f64) -> (f64, [f64; 2]) {
///     let value = (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2);
///     (value, [-2.0 * (1.0 - x) - 400.0 * x * (y - x * x), 200.0 * (y - x * x)])
/// }
/// let report = minimize(rosenbrock_grad, [-1.2, 1.0], Lbfgs::default(), Options::new().grad_tol(1e-10))?;
/// assert!(report.converged());
/// assert!((report.x[0] - 1.0).abs() < 1e-8 && (report.x[1] - 1.0).abs() < 1e-8);
/// # Ok::<(), grad_runtime::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(bound(
        serialize = "T: crate::core::Real + serde::Serialize, L: serde::Serialize",
        deserialize = "T: crate::core::Real + serde::Deserialize<'de>, L: serde::Deserialize<'de>"
    ))
)]
pub struct Lbfgs<T, L = StrongWolfe<T>> {
    memory: usize,
    line_search: L,
    /// Ring buffers of the last `memory` pairs, `memory × dim` each, oldest at `head`.
    s: Vec<T>,
    y: Vec<T>,
    rho: Vec<T>,
    alpha: Vec<T>,
    head: usize,
    len: usize,
    direction: Vec<T>,
    trial: Point<T>,
    first_step: bool,
}

impl<T: Real> Lbfgs<T> {
    /// L-BFGS keeping `memory ≥ 1` pairs, with the default strong Wolfe line search.
    ///
    /// ```
    /// use grad_runtime::optim::Lbfgs;
    ///
    /// let lbfgs = Lbfgs::<f64>::new(10)?;
    /// assert!(Lbfgs::<f64>::new(0).is_err());
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn new(memory: usize) -> Result<Self, Error> {
        Self::builder().memory(memory).build()
    }

    /// A builder starting from the defaults.
    ///
    /// ```
    /// use grad_runtime::{linesearch::Backtracking, optim::Lbfgs};
    ///
    /// let lbfgs = Lbfgs::<f64>::builder().memory(7).line_search(Backtracking::default()).build()?;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn builder() -> LbfgsBuilder<T, StrongWolfe<T>> {
        LbfgsBuilder {
            memory: 100,
            line_search: StrongWolfe::default(),
            real: PhantomData,
        }
    }
}

impl<T: Real> Default for Lbfgs<T> {
    fn default() -> Self {
        Self::builder().into_lbfgs()
    }
}

/// Settings of [`Lbfgs`], validated by [`build`](LbfgsBuilder::build).
///
/// ```
/// use grad_runtime::optim::Lbfgs;
///
/// let err = Lbfgs::<f64>::builder().memory(0).build().unwrap_err();
/// assert_eq!(err.to_string(), "the memory must hold at least one pair (memory = 0)");
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LbfgsBuilder<T, L> {
    memory: usize,
    line_search: L,
    real: PhantomData<T>,
}

impl<T: Real, L: LineSearch<T>> LbfgsBuilder<T, L> {
    /// How many `(s, y)` pairs to keep, at least 1 (default 100).
    ///
    /// ```
    /// # use grad_runtime::optim::Lbfgs;
    /// let lbfgs = Lbfgs::<f64>::builder().memory(20).build()?;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn memory(mut self, memory: usize) -> Self {
        self.memory = memory;
        self
    }

    /// The line search (default [`StrongWolfe`]).
    ///
    /// ```
    /// # use grad_runtime::{linesearch::StrongWolfe, optim::Lbfgs};
    /// let lbfgs = Lbfgs::<f64>::builder().line_search(StrongWolfe::new(1e-4, 0.1)?).build()?;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn line_search<M: LineSearch<T>>(self, line_search: M) -> LbfgsBuilder<T, M> {
        LbfgsBuilder {
            memory: self.memory,
            line_search,
            real: PhantomData,
        }
    }

    /// Checks the settings and builds the optimizer.
    ///
    /// ```
    /// # use grad_runtime::optim::Lbfgs;
    /// let lbfgs = Lbfgs::<f32>::builder().build()?;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn build(self) -> Result<Lbfgs<T, L>, Error> {
        ensure(
            self.memory >= 1,
            "memory",
            "the memory must hold at least one pair",
            self.memory as f64,
        )?;
        Ok(self.into_lbfgs())
    }

    fn into_lbfgs(self) -> Lbfgs<T, L> {
        Lbfgs {
            memory: self.memory,
            line_search: self.line_search,
            s: Vec::new(),
            y: Vec::new(),
            rho: Vec::new(),
            alpha: Vec::new(),
            head: 0,
            len: 0,
            direction: Vec::new(),
            trial: Point::zeros(0),
            first_step: true,
        }
    }
}

impl<T: Real, L: LineSearch<T>> Lbfgs<T, L> {
    fn slot(&self, k: usize) -> usize {
        (self.head + k) % self.memory
    }

    /// `self.direction ← −H g` by the two-loop recursion.
    fn compute_direction(&mut self, grad: &[T]) {
        let n = grad.len();
        let d = &mut self.direction;
        d.copy_from_slice(grad);
        for k in (0..self.len).rev() {
            let i = (self.head + k) % self.memory;
            let (s, y) = (&self.s[i * n..(i + 1) * n], &self.y[i * n..(i + 1) * n]);
            let a = self.rho[i] * dot(s, d);
            self.alpha[i] = a;
            d.iter_mut().zip(y).for_each(|(d, &y)| *d = *d - a * y);
        }
        if self.len > 0 {
            let newest = (self.head + self.len - 1) % self.memory;
            let y = &self.y[newest * n..(newest + 1) * n];
            let gamma = T::one() / (self.rho[newest] * dot(y, y));
            d.iter_mut().for_each(|d| *d = *d * gamma);
        }
        for k in 0..self.len {
            let i = (self.head + k) % self.memory;
            let (s, y) = (&self.s[i * n..(i + 1) * n], &self.y[i * n..(i + 1) * n]);
            let b = self.rho[i] * dot(y, d);
            let a = self.alpha[i];
            d.iter_mut()
                .zip(s)
                .for_each(|(d, &s)| *d = *d + (a - b) * s);
        }
        d.iter_mut().for_each(|d| *d = -*d);
    }

    /// Stores `(trial.x − x, trial.grad − g)` unless its curvature `sᵀy` is too small.
    fn remember(&mut self, point: &Point<T>) {
        let n = point.dim();
        let trial = &self.trial;
        let (mut sy, mut yy) = (T::zero(), T::zero());
        for i in 0..n {
            let (s, y) = (trial.x[i] - point.x[i], trial.grad[i] - point.grad[i]);
            sy = sy + s * y;
            yy = yy + y * y;
        }
        let curved = sy > T::epsilon() * yy && sy.is_finite();
        if !curved {
            return;
        }
        let i = if self.len < self.memory {
            self.len += 1;
            self.slot(self.len - 1)
        } else {
            let oldest = self.head;
            self.head = (self.head + 1) % self.memory;
            oldest
        };
        for k in 0..n {
            self.s[i * n + k] = trial.x[k] - point.x[k];
            self.y[i * n + k] = trial.grad[k] - point.grad[k];
        }
        self.rho[i] = T::one() / sy;
    }

    /// PyTorch's first trial step: a unit step would be far too long for a large gradient.
    fn cautious_step(grad: &[T]) -> T {
        let l1 = grad.iter().fold(T::zero(), |acc, g| acc + g.abs());
        T::one().min(T::one() / l1)
    }
}

impl<T: Real, L: LineSearch<T>> Optimizer<T> for Lbfgs<T, L> {
    fn name(&self) -> &'static str {
        "L-BFGS"
    }

    fn init(&mut self, dim: usize) -> Result<(), Error> {
        let (m, zero) = (self.memory, T::zero());
        self.s = vec![zero; m * dim];
        self.y = vec![zero; m * dim];
        self.rho = vec![zero; m];
        self.alpha = vec![zero; m];
        self.direction = vec![zero; dim];
        self.trial = Point::zeros(dim);
        self.head = 0;
        self.len = 0;
        self.first_step = true;
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
        loop {
            let steepest = self.len == 0;
            self.compute_direction(&point.grad);
            let step = if steepest && self.first_step {
                Self::cautious_step(&point.grad)
            } else {
                T::one()
            };
            let found =
                self.line_search
                    .search(problem, point, &self.direction, step, &mut self.trial);
            match found {
                Ok(_) => {
                    self.first_step = false;
                    self.remember(point);
                    std::mem::swap(point, &mut self.trial);
                    return Step::Moved;
                }
                Err(_) if !steepest => {
                    // Stale curvature pairs can produce a poor direction: restart from −∇f.
                    self.len = 0;
                    self.head = 0;
                    self.first_step = true;
                }
                Err(_) => return Step::Stalled,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Lbfgs;
    use crate::core::Point;
    use crate::optim::Optimizer;

    /// Stores the pairs (s, y = A s) of a diagonal quadratic and compares `−H g` from the
    /// two-loop recursion with the explicit BFGS update H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ
    /// from H₀ = γ I (Nocedal & Wright eq. 6.17, 7.20).
    #[test]
    #[allow(clippy::needless_range_loop)] // matrix formulas read best with explicit indices
    fn two_loop_recursion_equals_the_explicit_bfgs_matrix() {
        let a = [1.0, 3.0, 7.0];
        let steps = [[1.0, 0.5, -0.2], [0.3, -1.0, 0.4]];
        let mut lbfgs = Lbfgs::<f64>::new(5).unwrap();
        lbfgs.init(3).unwrap();
        let mut h = [[0.0; 3]; 3];
        let last = steps[steps.len() - 1];
        let last_y: Vec<f64> = (0..3).map(|i| a[i] * last[i]).collect();
        let gamma = dot(&last, &last_y) / dot(&last_y, &last_y);
        for (i, row) in h.iter_mut().enumerate() {
            row[i] = gamma;
        }
        for s in steps {
            let y: Vec<f64> = (0..3).map(|i| a[i] * s[i]).collect();
            let mut from = Point::zeros(3);
            from.grad = vec![0.0; 3];
            lbfgs.trial = Point {
                x: s.to_vec(),
                value: 0.0,
                grad: y.clone(),
            };
            lbfgs.remember(&from);
            let rho = 1.0 / dot(&s, &y);
            let mut next = [[0.0; 3]; 3];
            for r in 0..3 {
                for c in 0..3 {
                    let mut sum = 0.0;
                    for k in 0..3 {
                        for l in 0..3 {
                            let left = f64::from(u8::from(r == k)) - rho * s[r] * y[k];
                            let right = f64::from(u8::from(l == c)) - rho * y[l] * s[c];
                            sum += left * h[k][l] * right;
                        }
                    }
                    next[r][c] = sum + rho * s[r] * s[c];
                }
            }
            h = next;
        }
        let g = [0.7, -0.1, 2.0];
        lbfgs.compute_direction(&g);
        for r in 0..3 {
            let expected = -(0..3).map(|c| h[r][c] * g[c]).sum::<f64>();
            assert!(
                (lbfgs.direction[r] - expected).abs() < 1e-12,
                "{r}: {} vs {expected}",
                lbfgs.direction[r]
            );
        }
    }

    fn dot(a: &[f64], b: &[f64]) -> f64 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    #[test]
    fn pairs_without_positive_curvature_are_skipped() {
        let mut lbfgs = Lbfgs::<f64>::new(3).unwrap();
        lbfgs.init(2).unwrap();
        lbfgs.trial = Point {
            x: vec![1.0, 0.0],
            value: 0.0,
            grad: vec![-1.0, 0.0],
        };
        lbfgs.remember(&Point::zeros(2));
        assert_eq!(lbfgs.len, 0);
    }

    #[test]
    fn the_ring_keeps_the_newest_pairs() {
        let mut lbfgs = Lbfgs::<f64>::new(2).unwrap();
        lbfgs.init(1).unwrap();
        for k in 1..=3 {
            lbfgs.trial = Point {
                x: vec![k as f64],
                value: 0.0,
                grad: vec![2.0 * k as f64],
            };
            lbfgs.remember(&Point::zeros(1));
        }
        assert_eq!(lbfgs.len, 2);
        let stored: Vec<f64> = (0..2).map(|k| lbfgs.s[lbfgs.slot(k)]).collect();
        assert_eq!(stored, [2.0, 3.0]);
    }
}
