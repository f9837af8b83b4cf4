//! The one loop. Every optimizer, schedule, stopping rule and observer runs through here.

use std::time::Instant;

use crate::core::observer::{Control, RunInfo, State};
use crate::core::options::Options;
use crate::core::problem::Point;
use crate::core::real::{Real, all_finite, norm};
use crate::core::report::{Divergence, History, Report, StopReason};
use crate::core::source::Source;
use crate::core::stop::{Progress, Rules};
use crate::error::Error;
use crate::optim::{Optimizer, Step};

pub(crate) fn run<T, S, O>(
    source: &mut S,
    x0: &[T],
    mut optimizer: O,
    options: Options<'_, T>,
) -> Result<Report<T>, Error>
where
    T: Real,
    S: Source<T>,
    O: Optimizer<T>,
{
    options.validate()?;
    let dim = x0.len();
    if dim == 0 {
        return Err(Error::Empty {
            what: "the starting point",
        });
    }
    if let Some(expected) = source.dim()
        && expected != dim
    {
        return Err(Error::DimensionMismatch {
            what: "the starting point",
            expected,
            found: dim,
        });
    }
    if options.resume {
        optimizer.resume(dim)?;
    } else {
        optimizer.init(dim)?;
    }
    let rules = Rules::new(&options);
    let Options {
        mut observers,
        history: keep_values,
        history_points: keep_points,
        mut validation,
        ..
    } = options;
    let info = RunInfo {
        optimizer: optimizer.name(),
        dim,
        max_iters: rules.max_iters(),
        max_epochs: rules.max_epochs(),
    };
    for observer in &mut observers {
        observer.start(&info);
    }

    let clock = Instant::now();
    let mut point = Point::new(x0.to_vec());
    // The iterate before the last step: the rollback target after a non-finite step.
    let mut previous = Point::zeros(dim);
    let mut history = History::default();
    let mut iteration = 0;
    source.start(options.resume);
    let mut evaluations = source.with_problem(|p| {
        p.eval_point(&mut point);
        p.evaluations()
    });
    let start_value = point.value;
    let patience = options.patience;
    // The best point, by the training value or, if given, the validation objective.
    let mut judge = |x: &[T], value: T, iteration: usize| match &mut validation {
        Some(v) if iteration.is_multiple_of(v.every) => Some((v.f)(x)),
        Some(_) => None,
        None => Some(value),
    };
    let (mut best_x, mut best_value, mut best_iteration) = (
        point.x.clone(),
        judge(&point.x, point.value, 0).unwrap_or_else(T::nan),
        0,
    );
    // With `catch_panics`, the last evaluated iterate, kept outside the loop that may unwind.
    let mut last_good = options.catch_panics.then(|| point.clone());

    let mut body = || {
        if let Some(divergence) = non_finite(&point) {
            StopReason::Diverged(divergence)
        } else {
            loop {
                let grad_norm = norm(&point.grad);
                if keep_values || keep_points {
                    history.record(&point, grad_norm, keep_points);
                }
                let elapsed = clock.elapsed();
                let epochs = source.epochs(iteration);
                let state = State {
                    iteration,
                    x: &point.x,
                    value: point.value,
                    grad: &point.grad,
                    grad_norm,
                    evaluations,
                    elapsed,
                    epoch: epochs,
                    learning_rate: optimizer.learning_rate(),
                };
                // Every observer sees every state, even if an earlier one already asked to stop.
                let user_stop = observers
                    .iter_mut()
                    .fold(false, |stop, o| (o.observe(&state) == Control::Stop) | stop);
                let progress = Progress {
                    iteration,
                    evaluations,
                    elapsed,
                    epochs,
                    start_value,
                    point: &point,
                    grad_norm,
                    previous: (iteration > 0).then_some(&previous),
                };
                if let Some(reason) = rules.check(&progress) {
                    break reason;
                }
                if user_stop {
                    break StopReason::UserStop;
                }
                if patience.is_some_and(|k| iteration - best_iteration >= k) {
                    break StopReason::NoImprovement;
                }

                previous.copy_from(&point);
                source.advance();
                let (step, used) =
                    source.with_problem(|p| (optimizer.step(p, &mut point), p.evaluations()));
                evaluations += used;
                if step == Step::Stalled {
                    // The contract says the point is untouched; restoring makes that true regardless.
                    point.copy_from(&previous);
                    break StopReason::Stalled;
                }
                if let Some(divergence) = non_finite(&point) {
                    point.copy_from(&previous);
                    break StopReason::Diverged(divergence);
                }
                iteration += 1;
                // NaN is never below anything: a non-finite start is replaced by the first value.
                if let Some(score) = judge(&point.x, point.value, iteration)
                    && (score < best_value || best_value.is_nan())
                {
                    best_x.copy_from_slice(&point.x);
                    best_value = score;
                    best_iteration = iteration;
                }
                if let Some(good) = &mut last_good {
                    good.copy_from(&point);
                }
            }
        }
    };
    let mut panic = None;
    let reason = if options.catch_panics {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(&mut body)) {
            Ok(reason) => reason,
            Err(payload) => {
                panic = Some(
                    payload
                        .downcast_ref::<&str>()
                        .map(|s| (*s).to_string())
                        .or_else(|| payload.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "a panic without a message".to_string()),
                );
                StopReason::Panicked
            }
        }
    } else {
        body()
    };
    if let (Some(good), Some(_)) = (&last_good, &panic) {
        point.copy_from(good);
    }

    let report = Report {
        reason,
        grad_norm: norm(&point.grad),
        x: point.x,
        value: point.value,
        grad: point.grad,
        iterations: iteration,
        evaluations,
        epochs: source.epochs(iteration),
        elapsed: clock.elapsed(),
        optimizer: optimizer.name(),
        history,
        best_x,
        best_value,
        best_iteration,
        panic,
    };
    for observer in &mut observers {
        observer.finish(&report);
    }
    Ok(report)
}

fn non_finite<T: Real>(point: &Point<T>) -> Option<Divergence> {
    if !point.value.is_finite() {
        Some(Divergence::NonFiniteValue)
    } else if !all_finite(&point.grad) {
        Some(Divergence::NonFiniteGradient)
    } else {
        None
    }
}
