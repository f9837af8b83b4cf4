//! `Options::resume`: two runs with the same `&mut` optimizer, the second from the first's end,
//! land bit for bit where one run of the summed length lands; without it, the second run starts
//! the optimizer afresh.

use crate::common::rosenbrock_grad;
use grad_runtime::optim::{
    Adagrad, Adam, AdamW, FirstOrder, GradientDescent, Lbfgs, Optimizer, RmsProp, Sgd,
};
use grad_runtime::schedule::CosineAnnealingLr;
use grad_runtime::{Options, Report, minimize};

fn run(optimizer: &mut impl Optimizer<f64>, x0: &[f64], iters: usize, resume: bool) -> Report<f64> {
    let options = Options::new().max_iters(iters).grad_tol(0.0).resume(resume);
    minimize(rosenbrock_grad, x0, optimizer, options).unwrap()
}

/// One run of 2n iterations against n + n with `resume`; and n + n without it differs.
fn resumes<O: Optimizer<f64>>(make: impl Fn() -> O, n: usize) {
    let once = run(&mut make(), &[-1.2, 1.0], 2 * n, false);
    let mut o = make();
    let first = run(&mut o, &[-1.2, 1.0], n, false);
    let second = run(&mut o, &first.x, n, true);
    assert_eq!(second.x, once.x, "{}: resumed", o.name());
    let mut o = make();
    let first = run(&mut o, &[-1.2, 1.0], n, false);
    let restarted = run(&mut o, &first.x, n, false);
    assert_ne!(restarted.x, once.x, "{}: restarted", o.name());
}

#[test]
fn every_optimizer_with_state_resumes() {
    resumes(|| Adam::new(0.01).unwrap(), 100);
    resumes(|| AdamW::new(0.01).unwrap(), 100);
    resumes(
        || Sgd::builder().lr(1e-4).momentum(0.9).build().unwrap(),
        100,
    );
    resumes(|| RmsProp::new(1e-3).unwrap(), 100);
    resumes(|| Adagrad::new(0.05).unwrap(), 100);
    resumes(Lbfgs::default, 10);
    resumes(
        || {
            Adam::new(0.02)
                .unwrap()
                .with_schedule(CosineAnnealingLr::new(400, 1e-4).unwrap())
        },
        100,
    );
}

#[test]
fn resuming_a_fresh_optimizer_starts_it() {
    let once = run(&mut Adam::new(0.01).unwrap(), &[-1.2, 1.0], 50, false);
    let resumed = run(&mut Adam::new(0.01).unwrap(), &[-1.2, 1.0], 50, true);
    assert_eq!(once.x, resumed.x);
    // Gradient descent has no state: resuming changes nothing.
    let gd = |resume| {
        run(
            &mut GradientDescent::new(1e-4).unwrap(),
            &[-1.2, 1.0],
            20,
            resume,
        )
    };
    assert_eq!(gd(true).x, gd(false).x);
}

#[test]
fn clipping_composes_with_schedules_and_resumes() {
    use grad_runtime::schedule::StepLr;
    let make = || {
        Adam::new(0.05)
            .unwrap()
            .clip_grad_norm(1.0)
            .unwrap()
            .with_schedule(StepLr::new(30, 0.5).unwrap())
    };
    resumes(make, 60);
    let mut clipped = Sgd::new(1e-3).unwrap().clip_grad_value(0.5).unwrap();
    let report = run(&mut clipped, &[-1.2, 1.0], 2000, false);
    assert!(report.value < rosenbrock_grad(-1.2, 1.0).0, "{report}");
}
