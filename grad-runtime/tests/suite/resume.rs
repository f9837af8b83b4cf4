//! `Options::resume`: two runs with the same `&mut` optimizer (and, for mini-batches, the same
//! `&mut` batches), the second from the first's end, land bit for bit where one run of the summed
//! length lands; without it, the second run starts the optimizer afresh. With `serde`, the same
//! holds across a checkpoint written to JSON and read back.

use crate::common::{Logistic, rosenbrock_grad};
use grad_runtime::data::Batches;
use grad_runtime::optim::{
    Adagrad, Adam, AdamW, FirstOrder, GradientDescent, Lbfgs, Optimizer, RmsProp, Sgd,
};
use grad_runtime::schedule::CosineAnnealingLr;
use grad_runtime::{Options, Report, StopReason, minimize, minimize_batches};

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

/// 200 samples in batches of 16: 13 batches an epoch, the last one short, so that a split at an
/// epoch's end and one inside an epoch both occur.
fn mini_batch_problem() -> (Logistic, Batches) {
    (
        Logistic::new(200, 3),
        Batches::new(200, 16).unwrap().seed(21),
    )
}

fn adam() -> Adam<f64> {
    Adam::new(0.05).unwrap()
}

fn epochs(n: usize) -> Options<'static, f64> {
    Options::new().max_epochs(n).grad_tol(0.0)
}

#[test]
fn a_split_mini_batch_run_equals_one_run() {
    let (data, batches) = mini_batch_problem();
    let objective = |w: &[f64], batch: &[usize], g: &mut [f64]| data.loss_grad(w, batch, g);
    let n = 5;
    let once =
        minimize_batches(objective, [0.0; 3], adam(), batches.clone(), epochs(2 * n)).unwrap();
    assert_eq!(
        (once.reason, once.epochs),
        (StopReason::MaxEpochs, Some(2 * n))
    );

    let (mut o, mut b) = (adam(), batches.clone());
    let first = minimize_batches(objective, [0.0; 3], &mut o, &mut b, epochs(n)).unwrap();
    let second =
        minimize_batches(objective, &first.x, &mut o, &mut b, epochs(n).resume(true)).unwrap();
    assert_eq!(second.x, once.x);
    assert_eq!((second.iterations, second.epochs), (13 * n, Some(n)));

    // Split inside an epoch, by iterations.
    let iters = |k| Options::new().max_iters(k).grad_tol(0.0);
    let hundred =
        minimize_batches(objective, [0.0; 3], adam(), batches.clone(), iters(100)).unwrap();
    let (mut o, mut b) = (adam(), batches.clone());
    let first = minimize_batches(objective, [0.0; 3], &mut o, &mut b, iters(37)).unwrap();
    let second =
        minimize_batches(objective, &first.x, &mut o, &mut b, iters(63).resume(true)).unwrap();
    assert_eq!(second.x, hundred.x);

    // Batches by value start from the same place in both runs: the second repeats the shuffles.
    let mut o = adam();
    let first = minimize_batches(objective, [0.0; 3], &mut o, batches.clone(), epochs(n)).unwrap();
    let restarted = minimize_batches(
        objective,
        &first.x,
        &mut o,
        batches.clone(),
        epochs(n).resume(true),
    )
    .unwrap();
    assert_ne!(restarted.x, once.x);
}

/// Without `resume` the stream still continues in a `&mut` batches value: the second run's
/// start is evaluated on the next batch, not on the last one again.
#[test]
fn borrowed_batches_continue_their_stream_without_resume() {
    let seen = std::cell::RefCell::new(Vec::new());
    let objective = |w: &[f64], batch: &[usize], g: &mut [f64]| {
        seen.borrow_mut().push(batch.to_vec());
        g[0] = w[0];
        0.5 * w[0] * w[0]
    };
    let sgd = || Sgd::new(0.1).unwrap();
    let mut stream = Batches::new(10, 3).unwrap().seed(8);
    let mut reference = stream.clone();
    minimize_batches(objective, [1.0], sgd(), &mut stream, epochs(1)).unwrap();
    minimize_batches(objective, [1.0], sgd(), &mut stream, epochs(1)).unwrap();
    // 4 steps an epoch, each run evaluates its start and every step: 5 batches a run.
    let mut expected: Vec<Vec<usize>> = Vec::new();
    while expected.len() < 10 {
        expected.extend(reference.epoch().map(<[usize]>::to_vec));
    }
    expected.truncate(10);
    assert_eq!(seen.take(), expected);

    // With `resume` the start of the second run sees the first run's last batch again.
    let mut stream = Batches::new(10, 3).unwrap().seed(8);
    minimize_batches(objective, [1.0], sgd(), &mut stream, epochs(1)).unwrap();
    minimize_batches(objective, [1.0], sgd(), &mut stream, epochs(1).resume(true)).unwrap();
    let seen = seen.take();
    assert_eq!(seen[4], seen[5]);
    assert_eq!(&seen[..5], &expected[..5]);
    assert_eq!(&seen[6..], &expected[5..9]);
}

/// Every setting survives JSON; the hooks do not, and are attached again.
#[cfg(feature = "serde")]
#[test]
fn options_round_trip_every_setting() {
    use std::time::Duration;
    let options = Options::<f64>::new()
        .max_iters(7)
        .max_epochs(3)
        .max_evaluations(100)
        .max_time(Duration::from_millis(1500))
        .grad_tol(1e-9)
        .value_tol(0.0)
        .param_tol(f64::INFINITY)
        .divergence_factor(f64::INFINITY)
        .history(true)
        .history_points(true)
        .resume(true)
        .patience(4)
        .catch_panics(true);
    let json = serde_json::to_string(&options).unwrap();
    let back: Options<f64> = serde_json::from_str(&json).unwrap();
    assert_eq!(format!("{back:?}"), format!("{options:?}"));
    assert_eq!(serde_json::to_string(&back).unwrap(), json);

    // The defaults, and a tolerance switched off, are settings too.
    let defaults = Options::<f32>::new();
    let back: Options<f32> =
        serde_json::from_str(&serde_json::to_string(&defaults).unwrap()).unwrap();
    assert_eq!(format!("{back:?}"), format!("{defaults:?}"));
    let back: Options<f64> = serde_json::from_str(r#"{"grad_tol": null, "max_iters": 2}"#).unwrap();
    let report = minimize(rosenbrock_grad, [-1.2, 1.0], Lbfgs::default(), back).unwrap();
    assert_eq!(report.reason, StopReason::MaxIterations);

    // Hooks are code, not settings.
    let hooked = Options::<f64>::new()
        .on_iteration(|_| ())
        .validation(3, |x| x[0]);
    let back: Options<f64> =
        serde_json::from_str(&serde_json::to_string(&hooked).unwrap()).unwrap();
    assert_eq!(format!("{back:?}"), format!("{:?}", Options::<f64>::new()));

    for bad in [
        r#"{"max_iter": 5}"#,
        r#"{"divergence_factor": "lots"}"#,
        r#"{"grad_tol": "1e-8"}"#,
    ] {
        assert!(serde_json::from_str::<Options<f64>>(bad).is_err(), "{bad}");
    }
    // JSON has no infinity: it is written as a word, not as `null` (which reads as "off").
    let value = serde_json::to_value(&options).unwrap();
    assert_eq!(value["divergence_factor"], "inf");
    assert_eq!(value["param_tol"], "inf");
}

/// A mini-batch run checkpointed to JSON after n epochs (options, optimizer, batches, report),
/// read back into fresh values after a "restart" and continued for n epochs, lands bit for bit
/// where one run of 2n epochs lands.
#[cfg(feature = "serde")]
#[test]
fn a_mini_batch_checkpoint_resumes_bit_for_bit() {
    #[derive(serde::Serialize, serde::Deserialize)]
    struct Checkpoint {
        options: Options<'static, f64>,
        optimizer: Adam<f64>,
        batches: Batches,
        report: Report<f64>,
    }
    let (data, batches) = mini_batch_problem();
    let objective = |w: &[f64], batch: &[usize], g: &mut [f64]| data.loss_grad(w, batch, g);
    let n = 4;
    let options = || epochs(n).history_points(true);
    let once =
        minimize_batches(objective, [0.0; 3], adam(), batches.clone(), epochs(2 * n)).unwrap();

    let saved = {
        let (mut optimizer, mut batches) = (adam(), batches.clone());
        let settings = serde_json::to_value(options()).unwrap();
        let report =
            minimize_batches(objective, [0.0; 3], &mut optimizer, &mut batches, options()).unwrap();
        assert_eq!(report.history.points.len(), report.iterations + 1);
        let checkpoint = serde_json::json!({
            "options": settings,
            "optimizer": optimizer,
            "batches": batches,
            "report": report,
        });
        serde_json::to_string_pretty(&checkpoint).unwrap()
    };

    let Checkpoint {
        options: restored,
        mut optimizer,
        mut batches,
        report,
    } = serde_json::from_str(&saved).unwrap();
    // The run was recorded: its history came back with it.
    assert_eq!(report.history.points.len(), report.iterations + 1);
    assert_eq!(report.history.points.last(), Some(&report.x));
    assert_eq!(report.history.values.len(), report.history.grad_norms.len());
    let visits = std::cell::Cell::new(0);
    let restored = restored
        .resume(true)
        .on_iteration(|_| visits.set(visits.get() + 1));
    let second =
        minimize_batches(objective, &report.x, &mut optimizer, &mut batches, restored).unwrap();
    assert_eq!(second.x, once.x);
    assert_eq!(second.epochs, Some(n));
    assert_eq!(visits.get(), second.iterations + 1);

    // Writing the restored values again gives the same file: nothing was lost on the way.
    let again = Checkpoint {
        options: epochs(n).history_points(true),
        optimizer: optimizer.clone(),
        batches: batches.clone(),
        report: report.clone(),
    };
    let mut reread: Checkpoint =
        serde_json::from_str(&serde_json::to_string(&again).unwrap()).unwrap();
    assert_eq!(reread.report.history, report.history);
    assert_eq!(reread.optimizer, optimizer);
    assert!(reread.batches.epoch().eq(batches.clone().epoch()));
}

/// A damaged checkpoint is refused when it is read, not when the run trips over it.
#[cfg(feature = "serde")]
#[test]
fn damaged_batches_are_refused() {
    let mut batches = Batches::new(5, 2).unwrap().seed(1);
    batches.epoch();
    let good = serde_json::to_value(&batches).unwrap();
    assert!(serde_json::from_value::<Batches>(good.clone()).is_ok());
    let damage = |field: &str, value: serde_json::Value| {
        let mut v = good.clone();
        v[field] = value;
        serde_json::from_value::<Batches>(v)
            .unwrap_err()
            .to_string()
    };
    let msg = damage("order", serde_json::json!([0, 1, 1, 3, 4]));
    assert!(msg.contains("not a permutation"), "{msg}");
    let msg = damage("order", serde_json::json!([]));
    assert!(msg.contains("empty"), "{msg}");
    let msg = damage("batch_size", serde_json::json!(0));
    assert!(msg.contains("batch size"), "{msg}");
    let msg = damage("cursor", serde_json::json!(5));
    assert!(msg.contains("past the last sample"), "{msg}");
    let msg = damage("current", serde_json::json!({"start": 4, "end": 6}));
    assert!(msg.contains("current batch"), "{msg}");
    let msg = damage("rng", serde_json::json!({"s": [0, 0, 0, 0]}));
    assert!(msg.contains("all-zero"), "{msg}");
}
