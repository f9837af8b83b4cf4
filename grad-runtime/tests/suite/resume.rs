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

/// A run saved after 100 steps (optimizer state to JSON), read back into a fresh value and
/// resumed, lands bit for bit where one run of 200 lands; a report survives the round trip.
#[cfg(feature = "serde")]
#[test]
fn checkpoints_round_trip() {
    fn saved_and_resumed<O>(make: impl Fn() -> O, n: usize)
    where
        O: Optimizer<f64> + serde::Serialize + serde::de::DeserializeOwned,
    {
        let once = run(&mut make(), &[-1.2, 1.0], 2 * n, false);
        let mut o = make();
        let first = run(&mut o, &[-1.2, 1.0], n, false);
        let saved = serde_json::to_string(&o).unwrap();
        let report = serde_json::to_string(&first).unwrap();
        drop(o);
        let mut restored: O = serde_json::from_str(&saved).unwrap();
        let first_back: Report<f64> = serde_json::from_str(&report).unwrap();
        assert_eq!(first_back.x, first.x);
        assert_eq!(first_back.reason, first.reason);
        let second = run(&mut restored, &first_back.x, n, true);
        assert_eq!(second.x, once.x, "{}", restored.name());
    }
    saved_and_resumed(|| Adam::new(0.01).unwrap(), 100);
    saved_and_resumed(
        || Sgd::builder().lr(1e-4).momentum(0.9).build().unwrap(),
        100,
    );
    saved_and_resumed(Lbfgs::default, 10);
    saved_and_resumed(
        || {
            Adam::new(0.02)
                .unwrap()
                .clip_grad_norm(5.0)
                .unwrap()
                .with_schedule(CosineAnnealingLr::new(400, 1e-4).unwrap())
        },
        100,
    );
}
