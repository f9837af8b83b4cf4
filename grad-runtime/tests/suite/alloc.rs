//! Steps do not allocate: a run of 500 iterations allocates exactly as much as a run of 5.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use crate::common::quadratic;
use grad_runtime::optim::Optimizer;
use grad_runtime::prelude::*;

/// Counts allocations per thread, so tests running in parallel do not disturb each other.
struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn the_counter_counts() {
    assert_eq!(allocations(|| drop(vec![1u8])), 1);
}

fn allocations(run: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    run();
    ALLOCATIONS.with(Cell::get) - before
}

fn optimizers() -> Vec<Box<dyn Optimizer<f64>>> {
    vec![
        Box::new(GradientDescent::new(0.01).unwrap()),
        Box::new(
            Sgd::builder()
                .lr(0.01)
                .momentum(0.9)
                .nesterov(true)
                .build()
                .unwrap(),
        ),
        Box::new(Adam::builder().lr(0.01).amsgrad(true).build().unwrap()),
        Box::new(
            AdamW::new(0.01)
                .unwrap()
                .with_schedule(CosineAnnealingLr::new(100, 0.0).unwrap()),
        ),
        Box::new(
            RmsProp::builder()
                .centered(true)
                .momentum(0.5)
                .build()
                .unwrap(),
        ),
        Box::new(Adagrad::default()),
        Box::new(Lbfgs::<f64>::new(3).unwrap()),
        Box::new(
            Lbfgs::builder()
                .memory(3)
                .line_search(Backtracking::default())
                .build()
                .unwrap(),
        ),
    ]
}

#[test]
fn steps_do_not_allocate() {
    let a = [1.0, 2.0, 3.0, 4.0];
    for (short, long) in optimizers().into_iter().zip(optimizers()) {
        let name = short.name();
        let steps = Cell::new(0);
        let run = |optimizer: Box<dyn Optimizer<f64>>, iters: usize| {
            let options = Options::new().grad_tol(0.0).max_iters(iters);
            let report =
                minimize(quadratic(&a), [1e3, -1e3, 1e3, -1e3], optimizer, options).unwrap();
            steps.set(report.iterations);
        };
        let few = allocations(|| run(short, 5));
        let many = allocations(|| run(long, 500));
        // L-BFGS reaches the minimum to rounding and stalls before 500; it still took many
        // more steps than 5.
        assert!(steps.get() > 20, "{name}: only {} steps", steps.get());
        assert_eq!(
            few, many,
            "{name}: {few} allocations for 5 steps, {many} for 500"
        );
    }
}

#[test]
fn mini_batch_steps_do_not_allocate() {
    let objective = |w: &[f64], batch: &[usize], g: &mut [f64]| {
        g[0] = w[0] - batch.len() as f64;
        0.5 * g[0] * g[0]
    };
    let run = |epochs: usize| {
        let batches = Batches::new(10, 3).unwrap().seed(1);
        let options = Options::new().grad_tol(0.0).max_epochs(epochs);
        minimize_batches(objective, [0.0], Adam::default(), batches, options).unwrap();
    };
    assert_eq!(allocations(|| run(2)), allocations(|| run(200)));
}

/// Newton and Newton-CG allocate their scratch in `init` only: f = Σ cosh(xᵢ) from far away,
/// where each Newton step moves about 1 (x ← x − tanh x), so 40 steps are taken before the
/// minimum.
#[test]
fn second_order_steps_do_not_allocate() {
    let f = |x: &[f64], g: &mut [f64]| {
        let mut value = 0.0;
        for (gi, &xi) in g.iter_mut().zip(x) {
            *gi = xi.sinh();
            value += xi.cosh();
        }
        value
    };
    let hvp = |x: &[f64], v: &[f64], out: &mut [f64]| {
        for ((o, &xi), &vi) in out.iter_mut().zip(x).zip(v) {
            *o = xi.cosh() * vi;
        }
    };
    let hessian = |x: &[f64], h: &mut [f64]| {
        let n = x.len();
        h.fill(0.0);
        for (i, &xi) in x.iter().enumerate() {
            h[i * n + i] = xi.cosh();
        }
    };
    let start = [40.0, -45.0, 50.0];
    let steps = Cell::new(0);
    let run_cg = |iters: usize| {
        let options = Options::new().grad_tol(0.0).max_iters(iters);
        let report = minimize(f, start, NewtonCg::new(hvp), options).unwrap();
        steps.set(steps.get().max(report.iterations));
    };
    assert_eq!(
        allocations(|| run_cg(5)),
        allocations(|| run_cg(200)),
        "Newton-CG"
    );
    let run_newton = |iters: usize| {
        let options = Options::new().grad_tol(0.0).max_iters(iters);
        let report = minimize(f, start, Newton::new(hessian), options).unwrap();
        steps.set(steps.get().max(report.iterations));
    };
    assert_eq!(
        allocations(|| run_newton(5)),
        allocations(|| run_newton(200)),
        "Newton"
    );
    assert!(steps.get() > 20, "only {} steps", steps.get());
}
