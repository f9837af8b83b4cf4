//! Where the loop gets its objective each iteration: the same function every time, or the next
//! mini-batch. This is all that differs between `minimize` and `minimize_batches`.

use std::marker::PhantomData;
use std::ops::Range;

use crate::core::objective::Objective;
use crate::core::problem::Problem;
use crate::data::Batches;

pub(crate) trait Source<T> {
    /// The parameter count the objective insists on, if any.
    fn dim(&self) -> Option<usize>;
    /// Moves to the data the start is evaluated on: with `resume`, the data the last run ended
    /// on, so the resumed run's first step is the one that run would have taken next.
    fn start(&mut self, resume: bool);
    /// Moves to the data of the next evaluation (a no-op for a full-batch objective).
    fn advance(&mut self);
    /// Completed epochs after `steps` optimizer steps; `None` without epochs.
    fn epochs(&self, steps: usize) -> Option<usize>;
    /// Runs `body` with the objective of the current data.
    fn with_problem<R>(&mut self, body: impl FnOnce(&mut Problem<'_, T>) -> R) -> R;
}

pub(crate) struct FullBatch<F, A> {
    objective: F,
    // `fn() -> A` keeps the uninhabited marker from affecting auto traits or variance.
    args: PhantomData<fn() -> A>,
}

impl<F, A> FullBatch<F, A> {
    pub(crate) fn new(objective: F) -> Self {
        FullBatch {
            objective,
            args: PhantomData,
        }
    }
}

impl<T, A, F: Objective<T, A>> Source<T> for FullBatch<F, A> {
    fn dim(&self) -> Option<usize> {
        self.objective.dim()
    }

    fn start(&mut self, _resume: bool) {}

    fn advance(&mut self) {}

    fn epochs(&self, _steps: usize) -> Option<usize> {
        None
    }

    fn with_problem<R>(&mut self, body: impl FnOnce(&mut Problem<'_, T>) -> R) -> R {
        let objective = &mut self.objective;
        let mut f = |x: &[T], g: &mut [T]| objective.eval(x, g);
        body(&mut Problem::new(&mut f))
    }
}

/// Borrows the batches so that the stream's position is the caller's: a later run continues it.
pub(crate) struct MiniBatch<'b, F> {
    objective: F,
    batches: &'b mut Batches,
    current: Range<usize>,
}

impl<'b, F> MiniBatch<'b, F> {
    pub(crate) fn new(objective: F, batches: &'b mut Batches) -> Self {
        MiniBatch {
            objective,
            batches,
            current: 0..0,
        }
    }
}

impl<T, F> Source<T> for MiniBatch<'_, F>
where
    F: FnMut(&[T], &[usize], &mut [T]) -> T,
{
    fn dim(&self) -> Option<usize> {
        None
    }

    fn start(&mut self, resume: bool) {
        self.current = self.batches.first_range(resume);
    }

    fn advance(&mut self) {
        self.current = self.batches.next_range();
    }

    /// Step k uses the gradient of the k-th batch of the stream, so `steps` steps consumed
    /// `steps` batches.
    fn epochs(&self, steps: usize) -> Option<usize> {
        Some(steps / self.batches.len().max(1))
    }

    fn with_problem<R>(&mut self, body: impl FnOnce(&mut Problem<'_, T>) -> R) -> R {
        let indices = self.batches.indices(self.current.clone());
        let objective = &mut self.objective;
        let mut f = |x: &[T], g: &mut [T]| objective(x, indices, g);
        body(&mut Problem::new(&mut f))
    }
}
