//! A terminal progress bar as an ordinary observer.

use std::time::{Duration, Instant};

use crate::core::observer::{Control, Observer, RunInfo, State};
use crate::core::real::Real;
use crate::core::report::Report;

/// Redrawing the message costs a `format!`; doing it at most this often keeps the per-iteration
/// cost of the bar to a position update.
const MESSAGE_EVERY: Duration = Duration::from_millis(100);

/// An [`Observer`] that draws an `indicatif` progress bar on standard error: epochs against the
/// epoch limit in a mini-batch run, else iterations against the iteration limit (a spinner
/// counting iterations without either), the current value and gradient norm, and the stop reason
/// at the end. Hidden when standard error is not a terminal.
///
/// Usually added with `Options::progress_bar()`.
///
/// ```
/// use grad_runtime::{Options, core::ProgressBar, minimize, optim::Adam};
///
/// fn f_grad(x: f64, y: f64) -> (f64, [f64; 2]) {
///     (x * x + y * y, [2.0 * x, 2.0 * y])
/// }
/// let options = Options::new().max_iters(200).observer(ProgressBar::new());
/// minimize(f_grad, [1.0, 1.0], Adam::default(), options)?;
/// # Ok::<(), grad_runtime::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct ProgressBar {
    bar: Option<indicatif::ProgressBar>,
    last_message: Option<Instant>,
    /// The bar counts epochs rather than iterations.
    by_epoch: bool,
}

impl ProgressBar {
    /// A bar that appears when the run starts.
    ///
    /// ```
    /// let bar = grad_runtime::core::ProgressBar::new();
    /// ```
    pub fn new() -> Self {
        Self::default()
    }
}

impl<T: Real> Observer<T> for ProgressBar {
    fn start(&mut self, info: &RunInfo) {
        self.by_epoch = info.max_epochs.is_some();
        let (bar, template) = match (info.max_epochs, info.max_iters) {
            (Some(n), _) => (
                indicatif::ProgressBar::new(n as u64),
                "{prefix} [{elapsed_precise}] {wide_bar} epoch {pos}/{len} {msg}",
            ),
            (None, Some(n)) => (
                indicatif::ProgressBar::new(n as u64),
                "{prefix} [{elapsed_precise}] {wide_bar} {pos}/{len} {msg}",
            ),
            (None, None) => (
                indicatif::ProgressBar::new_spinner(),
                "{prefix} [{elapsed_precise}] {spinner} iteration {pos} {msg}",
            ),
        };
        if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
            bar.set_style(style);
        }
        bar.set_prefix(info.optimizer);
        self.bar = Some(bar);
    }

    fn observe(&mut self, state: &State<'_, T>) -> Control {
        if let Some(bar) = &self.bar {
            let position = if self.by_epoch {
                state.epoch.unwrap_or(0)
            } else {
                state.iteration
            };
            bar.set_position(position as u64);
            let now = Instant::now();
            if self.last_message.is_none_or(|t| now - t >= MESSAGE_EVERY) {
                self.last_message = Some(now);
                let value = state.value.to_f64().unwrap_or(f64::NAN);
                let grad = state.grad_norm.to_f64().unwrap_or(f64::NAN);
                bar.set_message(format!("f {value:.4e} |g| {grad:.2e}"));
            }
        }
        Control::Continue
    }

    fn finish(&mut self, report: &Report<T>) {
        if let Some(bar) = self.bar.take() {
            // The last position and values, not those of the last throttled update.
            let position = if self.by_epoch {
                report.epochs.unwrap_or(0)
            } else {
                report.iterations
            };
            bar.set_position(position as u64);
            let value = report.value.to_f64().unwrap_or(f64::NAN);
            let grad = report.grad_norm.to_f64().unwrap_or(f64::NAN);
            bar.finish_with_message(format!("f {value:.4e} |g| {grad:.2e}: {}", report.reason));
        }
    }
}
