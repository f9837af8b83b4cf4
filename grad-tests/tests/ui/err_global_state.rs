// A function that changes global state (Enzyme's `checkpoint_hvp` advances a global phase): the
// derivative code runs the body's forward pass again, so the state would advance again and the
// derivative would differ; refused at the call that changes it.
use grad::gradient;
use std::sync::atomic::{AtomicI64, Ordering::Relaxed};

static PHASE: AtomicI64 = AtomicI64::new(0);

#[gradient]
fn scale(x: f64) -> f64 {
    let ph = PHASE.fetch_add(1, Relaxed) as f64;
    x * x * (1.0 + ph)
}

fn main() {
    let _ = scale_grad(3.0);
}
