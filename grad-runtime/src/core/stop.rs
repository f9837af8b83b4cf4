//! The stopping rules, in one place, in the order they take precedence.

use std::time::Duration;

use crate::core::options::Options;
use crate::core::problem::Point;
use crate::core::real::{Real, distance, norm};
use crate::core::report::{Criterion, Divergence, StopReason};

/// The numeric part of `Options`, copied out so the loop can move the observers.
pub(crate) struct Rules<T> {
    max_iters: Option<usize>,
    max_epochs: Option<usize>,
    max_evaluations: Option<usize>,
    max_time: Option<Duration>,
    grad_tol: Option<T>,
    value_tol: Option<T>,
    param_tol: Option<T>,
    divergence_factor: T,
}

/// Where the run stands when the rules are consulted.
pub(crate) struct Progress<'a, T> {
    pub iteration: usize,
    pub evaluations: usize,
    pub elapsed: Duration,
    pub epochs: Option<usize>,
    pub start_value: T,
    pub point: &'a Point<T>,
    pub grad_norm: T,
    /// The iterate before the last step; `None` at the start.
    pub previous: Option<&'a Point<T>>,
}

impl<T: Real> Rules<T> {
    pub(crate) fn new(options: &Options<'_, T>) -> Self {
        Rules {
            max_iters: options.effective_max_iters(),
            max_epochs: options.max_epochs,
            max_evaluations: options.max_evaluations,
            max_time: options.max_time,
            grad_tol: options.grad_tol,
            value_tol: options.value_tol,
            param_tol: options.param_tol,
            divergence_factor: options.divergence_factor,
        }
    }

    pub(crate) fn max_epochs(&self) -> Option<usize> {
        self.max_epochs
    }

    pub(crate) fn max_iters(&self) -> Option<usize> {
        self.max_iters
    }

    /// Non-finite iterates are handled by the loop before this (it must roll back); here come
    /// divergence, convergence, then the budgets.
    pub(crate) fn check(&self, p: &Progress<'_, T>) -> Option<StopReason> {
        let f = p.point.value;
        let scale = p.start_value.abs().max(T::one());
        if f - p.start_value > self.divergence_factor * scale {
            return Some(StopReason::Diverged(Divergence::ValueExploded));
        }
        // Past −√max the value is running to −∞ (and would reach it in a few more steps).
        if f < -T::max_value().sqrt() {
            return Some(StopReason::Diverged(Divergence::Unbounded));
        }
        if self.grad_tol.is_some_and(|tol| p.grad_norm <= tol) {
            return Some(StopReason::Converged(Criterion::GradientNorm));
        }
        if let Some(prev) = p.previous {
            if let Some(tol) = self.value_tol {
                let scale = f.abs().max(prev.value.abs()).max(T::one());
                if (f - prev.value).abs() <= tol * scale {
                    return Some(StopReason::Converged(Criterion::ValueChange));
                }
            }
            if let Some(tol) = self.param_tol
                && distance(&p.point.x, &prev.x) <= tol * norm(&p.point.x).max(T::one())
            {
                return Some(StopReason::Converged(Criterion::ParamChange));
            }
        }
        if self.max_iters.is_some_and(|n| p.iteration >= n) {
            return Some(StopReason::MaxIterations);
        }
        if let (Some(max), Some(done)) = (self.max_epochs, p.epochs)
            && done >= max
        {
            return Some(StopReason::MaxEpochs);
        }
        if self.max_evaluations.is_some_and(|n| p.evaluations >= n) {
            return Some(StopReason::MaxEvaluations);
        }
        if self.max_time.is_some_and(|t| p.elapsed >= t) {
            return Some(StopReason::TimeLimit);
        }
        None
    }
}
