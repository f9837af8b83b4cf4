//! Seeded mini-batches and the stochastic loop.

use std::cell::RefCell;

use crate::common::{Logistic, assert_close};
use grad_runtime::prelude::*;

fn epoch_batches(b: &mut Batches) -> Vec<Vec<usize>> {
    b.epoch().map(<[usize]>::to_vec).collect()
}

#[test]
fn batches_are_reproducible_for_a_seed() {
    let mut a = Batches::new(50, 8).unwrap().seed(3);
    let mut b = Batches::new(50, 8).unwrap().seed(3);
    let mut c = Batches::new(50, 8).unwrap().seed(4);
    for _ in 0..3 {
        let (ea, eb, ec) = (
            epoch_batches(&mut a),
            epoch_batches(&mut b),
            epoch_batches(&mut c),
        );
        assert_eq!(ea, eb);
        assert_ne!(ea, ec);
    }
    // Reshuffled every epoch.
    assert_ne!(epoch_batches(&mut a), epoch_batches(&mut a));
}

#[test]
fn every_epoch_is_a_permutation_in_batches() {
    let mut b = Batches::new(23, 5).unwrap().seed(1);
    let batches = epoch_batches(&mut b);
    let sizes: Vec<usize> = batches.iter().map(Vec::len).collect();
    assert_eq!(sizes, [5, 5, 5, 5, 3]);
    let mut all: Vec<usize> = batches.concat();
    all.sort();
    assert_eq!(all, (0..23).collect::<Vec<_>>());

    let mut dropped = Batches::new(23, 5).unwrap().drop_last(true);
    assert_eq!(dropped.len(), 4);
    assert!(dropped.epoch().all(|batch| batch.len() == 5));

    let mut ordered = Batches::new(5, 2).unwrap().shuffle(false);
    assert_eq!(
        epoch_batches(&mut ordered),
        [vec![0, 1], vec![2, 3], vec![4]]
    );
}

/// The batches `minimize_batches` hands to the objective, recorded.
fn recorded(batches: Batches, epochs: usize) -> (Vec<Vec<usize>>, Report<f64>) {
    let seen = RefCell::new(Vec::new());
    let objective = |w: &[f64], batch: &[usize], g: &mut [f64]| {
        seen.borrow_mut().push(batch.to_vec());
        g[0] = w[0];
        0.5 * w[0] * w[0]
    };
    let options = Options::new().grad_tol(0.0).max_epochs(epochs);
    let report =
        minimize_batches(objective, [1.0], Sgd::new(0.01).unwrap(), batches, options).unwrap();
    (seen.into_inner(), report)
}

#[test]
fn the_stochastic_loop_uses_every_sample_once_per_epoch() {
    let (seen, report) = recorded(Batches::new(10, 4).unwrap().seed(5), 3);
    assert_eq!(report.reason, StopReason::MaxEpochs);
    assert_eq!((report.epochs, report.iterations), (Some(3), 9));
    // One evaluation per step plus the final point's.
    assert_eq!(seen.len(), 10);
    for epoch in seen[..9].chunks(3) {
        let mut samples = epoch.concat();
        samples.sort();
        assert_eq!(samples, (0..10).collect::<Vec<_>>());
    }
    // The same seed reproduces the same stream.
    let (again, _) = recorded(Batches::new(10, 4).unwrap().seed(5), 3);
    assert_eq!(seen, again);
}

#[test]
fn epochs_lift_the_default_iteration_limit() {
    let (_, report) = recorded(Batches::new(100, 1).unwrap(), 15);
    assert_eq!(report.reason, StopReason::MaxEpochs);
    assert_eq!(report.iterations, 1500);
    let options = Options::new().grad_tol(0.0).max_epochs(15).max_iters(10);
    let objective = |w: &[f64], _: &[usize], g: &mut [f64]| {
        g[0] = w[0];
        0.5 * w[0] * w[0]
    };
    let report = minimize_batches(
        objective,
        [1.0],
        Sgd::new(0.01).unwrap(),
        Batches::new(100, 1).unwrap(),
        options,
    )
    .unwrap();
    assert_eq!(
        (report.reason, report.iterations),
        (StopReason::MaxIterations, 10)
    );
}

#[test]
fn observers_see_epochs() {
    let epochs = RefCell::new(Vec::new());
    let objective = |w: &[f64], _: &[usize], g: &mut [f64]| {
        g[0] = w[0];
        0.5 * w[0] * w[0]
    };
    let options = Options::new()
        .grad_tol(0.0)
        .max_epochs(2)
        .on_iteration(|s| epochs.borrow_mut().push(s.epoch.unwrap()));
    minimize_batches(
        objective,
        [1.0],
        Sgd::new(0.1).unwrap(),
        Batches::new(3, 1).unwrap(),
        options,
    )
    .unwrap();
    assert_eq!(epochs.into_inner(), [0, 0, 0, 1, 1, 1, 2]);
}

#[test]
fn mini_batch_adam_fits_the_logistic_regression() {
    let data = Logistic::new(200, 7);
    let all = data.all();
    let best = minimize(
        |w: &[f64], g: &mut [f64]| data.loss_grad(w, &all, g),
        [0.0; 3],
        Lbfgs::default(),
        Options::new(),
    )
    .unwrap();
    let fit = |seed: u64| {
        let objective = |w: &[f64], batch: &[usize], g: &mut [f64]| data.loss_grad(w, batch, g);
        let adam = Adam::new(0.05)
            .unwrap()
            .with_schedule(ExponentialLr::new(0.995).unwrap());
        let batches = Batches::new(200, 20).unwrap().seed(seed);
        let options = Options::new().grad_tol(0.0).max_epochs(60);
        minimize_batches(objective, [0.0; 3], adam, batches, options).unwrap()
    };
    let report = fit(11);
    assert_eq!(report.reason, StopReason::MaxEpochs);
    assert!(data.full_loss(&report.x) - best.value < 1e-3, "{report}");
    assert_close(&report.x, &best.x, 0.1);
    assert_eq!(fit(11).x, report.x, "same seed, same result");
    assert_ne!(fit(12).x, report.x);
}

#[test]
fn empty_epochs_are_errors() {
    let objective = |_: &[f64], _: &[usize], _: &mut [f64]| 0.0;
    let batches = Batches::new(3, 4).unwrap().drop_last(true);
    let err =
        minimize_batches(objective, [1.0], Adam::default(), batches, Options::new()).unwrap_err();
    assert!(matches!(err, Error::Empty { .. }), "{err}");
}
