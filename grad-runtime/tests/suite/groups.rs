//! Parameter groups: on a separable objective each group moves exactly as its optimizer alone
//! would on its share; parameters in no group stay put; bad groups fail the set-up; groups
//! resume, mix algorithms, carry schedules and sit inside global clipping.

use crate::common::quadratic;
use grad_runtime::optim::{
    Adam, Clip, Clipped, FirstOrder, GradientDescent, Groups, Optimizer, Sgd,
};
use grad_runtime::schedule::StepLr;
use grad_runtime::{Error, Options, Params, Report, minimize};

const A: [f64; 5] = [1.0, 4.0, 0.5, 9.0, 2.0];
const X0: [f64; 5] = [1.0, -2.0, 3.0, 0.5, -1.5];

fn run(optimizer: impl Optimizer<f64>, a: &[f64], x0: &[f64], iters: usize) -> Report<f64> {
    let options = Options::new().max_iters(iters).grad_tol(0.0);
    minimize(quadratic(a), x0, optimizer, options).unwrap()
}

fn pick(v: &[f64], indices: &[usize]) -> Vec<f64> {
    indices.iter().map(|&i| v[i]).collect()
}

/// The objective is a sum of one-parameter terms, so a group's share of the gradient depends on
/// its share of x alone: the grouped run must equal, bit for bit, each optimizer run on its share.
#[test]
fn each_group_moves_as_its_optimizer_alone() {
    let (first, second) = (vec![3, 0], vec![1, 4, 2]);
    let adam_fast = || Adam::builder().lr(0.05).weight_decay(0.01).build().unwrap();
    let adam_slow = || Adam::new(0.002).unwrap();
    let groups = Groups::new()
        .group(first.clone(), adam_fast())
        .group(second.clone(), adam_slow());
    let together = run(groups, &A, &X0, 60);
    for (indices, alone) in [
        (
            &first,
            run(adam_fast(), &pick(&A, &first), &pick(&X0, &first), 60),
        ),
        (
            &second,
            run(adam_slow(), &pick(&A, &second), &pick(&X0, &second), 60),
        ),
    ] {
        assert_eq!(pick(&together.x, indices), alone.x);
    }
}

#[test]
fn one_group_of_everything_is_the_optimizer_itself() {
    let sgd = || {
        Sgd::builder()
            .lr(0.05)
            .momentum(0.9)
            .nesterov(true)
            .build()
            .unwrap()
    };
    let grouped = run(Groups::new().group(0..5, sgd()), &A, &X0, 40);
    let plain = run(sgd(), &A, &X0, 40);
    assert_eq!(grouped.x, plain.x);
    assert_eq!(grouped.value.to_bits(), plain.value.to_bits());
}

#[test]
fn parameters_in_no_group_are_frozen() {
    let report = run(
        Groups::new().group([1, 3], Adam::new(0.1).unwrap()),
        &A,
        &X0,
        50,
    );
    for i in [0, 2, 4] {
        assert_eq!(report.x[i], X0[i], "parameter {i} moved");
    }
    assert!(report.x[1].abs() < X0[1].abs() && report.x[3].abs() < X0[3].abs());
}

#[test]
fn bad_groups_fail_the_set_up_with_the_group_and_index() {
    let sgd = || GradientDescent::new(0.1).unwrap();
    let options = || Options::new().max_iters(1);
    let err = |groups: Groups<GradientDescent<f64>, f64>| {
        minimize(quadratic(&A), X0, groups, options()).unwrap_err()
    };
    let overlap = err(Groups::new().group(0..3, sgd()).group([4, 2], sgd()));
    assert_eq!(
        overlap,
        Error::InvalidGroup {
            group: 1,
            index: 2,
            problem: "is in a group already"
        }
    );
    assert_eq!(
        overlap.to_string(),
        "parameter group 1: parameter 2 is in a group already"
    );
    let twice = err(Groups::new().group([1, 1], sgd()));
    assert!(matches!(
        twice,
        Error::InvalidGroup {
            group: 0,
            index: 1,
            ..
        }
    ));
    let past = err(Groups::new().group([0, 5], sgd()));
    assert_eq!(
        past.to_string(),
        "parameter group 0: parameter 5 is past the last parameter"
    );
    let empty = err(Groups::new().group(0..5, sgd()).group([], sgd()));
    assert_eq!(empty.to_string(), "a parameter group is empty");
    assert!(matches!(err(Groups::new()), Error::Empty { .. }));
}

#[test]
fn groups_resume_where_one_run_lands() {
    let make = || {
        Groups::new()
            .group([0, 1], Adam::new(0.05).unwrap())
            .group([2, 3, 4], Adam::new(0.01).unwrap())
    };
    let once = run(make(), &A, &X0, 80);
    let mut groups = make();
    let first = run(&mut groups, &A, &X0, 40);
    let options = Options::new().max_iters(40).grad_tol(0.0).resume(true);
    let second = minimize(quadratic(&A), &first.x, &mut groups, options).unwrap();
    assert_eq!(second.x, once.x);
}

#[test]
fn groups_mix_algorithms_and_schedules() {
    let adam: Box<dyn FirstOrder<f64>> = Box::new(Adam::new(0.05).unwrap());
    let sgd: Box<dyn FirstOrder<f64>> = Box::new(
        Sgd::new(0.1)
            .unwrap()
            .with_schedule(StepLr::new(10, 0.5).unwrap()),
    );
    let groups = Groups::new().group([0, 2, 4], adam).group([1, 3], sgd);
    let together = run(groups, &A, &X0, 30);
    let alone = run(
        Sgd::new(0.1)
            .unwrap()
            .with_schedule(StepLr::new(10, 0.5).unwrap()),
        &pick(&A, &[1, 3]),
        &pick(&X0, &[1, 3]),
        30,
    );
    assert_eq!(pick(&together.x, &[1, 3]), alone.x);
}

/// Clipping around the groups scales the whole gradient by its global norm before any group
/// sees it: with plain gradient descent in both groups, that is clipped gradient descent.
#[test]
fn global_clipping_goes_around_the_groups() {
    let gd = || GradientDescent::new(0.01).unwrap();
    let groups = Groups::new().group([0, 1], gd()).group([2, 3, 4], gd());
    let grouped = run(Clipped::new(groups, Clip::Norm(0.5)).unwrap(), &A, &X0, 20);
    let plain = run(gd().clip_grad_norm(0.5).unwrap(), &A, &X0, 20);
    assert_eq!(grouped.x, plain.x);
}

/// A group named by fields of a model: `flat_indices` marks whole leaves of a zero model.
#[test]
fn groups_named_by_fields() {
    // "weights" then "biases", as a model's fields would be.
    let model = vec![vec![0.0; 3], vec![0.0; 2]];
    let weights = model.flat_indices(|m| m[0].fill_params(1.0));
    let biases = model.flat_indices(|m| m[1].fill_params(1.0));
    assert_eq!(
        (weights.clone(), biases.clone()),
        (vec![0, 1, 2], vec![3, 4])
    );
    let report = run(
        Groups::new()
            .group(weights, Adam::new(0.05).unwrap())
            .group(biases, Adam::new(0.2).unwrap()),
        &A,
        &X0,
        10,
    );
    assert!(report.x.iter().zip(X0).all(|(x, x0)| x.abs() < x0.abs()));
}

#[cfg(feature = "serde")]
#[test]
fn groups_serialize_mid_run() {
    let make = || {
        Groups::new()
            .group([0, 1], Adam::new(0.05).unwrap())
            .group([2, 3, 4], Adam::new(0.01).unwrap())
    };
    let once = run(make(), &A, &X0, 60);
    let mut groups = make();
    let first = run(&mut groups, &A, &X0, 30);
    let saved = serde_json::to_string(&groups).unwrap();
    let mut loaded: Groups<Adam<f64>, f64> = serde_json::from_str(&saved).unwrap();
    assert_eq!(loaded, groups);
    let options = Options::new().max_iters(30).grad_tol(0.0).resume(true);
    let second = minimize(quadratic(&A), &first.x, &mut loaded, options).unwrap();
    assert_eq!(second.x, once.x);
}
