//! Data-parallel minimization without MPI: ranks as threads, summing through an `AllReduce` of
//! the test's own, take identical steps and land where one process on all the data does.

use std::sync::{Arc, Barrier, Mutex};
use std::thread;

use grad_runtime::core::{FlatModel, Objective};
use grad_runtime::distributed::{AllReduce, DataParallel, SingleProcess, shard};
use grad_runtime::optim::{Adam, Lbfgs, Optimizer, Sgd};
use grad_runtime::{Error, Options, Report, minimize};

use crate::common::Logistic;

/// An all-reduce among threads: each puts its buffer in its slot; once all have, each adds the
/// slots up in rank order (so every thread gets the same bits), and none writes again until all
/// have read.
struct Threads {
    rank: usize,
    slots: Arc<Mutex<Vec<Vec<f64>>>>,
    barrier: Arc<Barrier>,
}

impl AllReduce<f64> for Threads {
    fn sum_into(&self, send: &[f64], recv: &mut [f64]) {
        self.slots.lock().unwrap()[self.rank] = send.to_vec();
        self.barrier.wait();
        recv.fill(0.0);
        for slot in self.slots.lock().unwrap().iter() {
            for (r, s) in recv.iter_mut().zip(slot) {
                *r += s;
            }
        }
        self.barrier.wait();
    }
}

/// This shard's part of the mean log-loss over all `n` rows of `data`, plus the L2 term on
/// rank 0 only (a term that reads no data is added once, not once per process).
fn shard_loss(
    data: &Logistic,
    rows: &[usize],
    n: usize,
    rank: usize,
    w: &[f64],
    g: &mut [f64],
) -> f64 {
    // `loss_grad` is the mean over `rows` plus the L2 term: keep the data term, rescaled to the
    // mean over all rows.
    let mut value = data.loss_grad(w, rows, g) + l2(data, w, g, -1.0);
    let scale = rows.len() as f64 / n as f64;
    value *= scale;
    g.iter_mut().for_each(|gk| *gk *= scale);
    if rank == 0 {
        value += l2(data, w, g, 1.0);
    }
    value
}

/// Adds `sign` times the L2 term's gradient to `g` and returns `sign` times its value.
fn l2(data: &Logistic, w: &[f64], g: &mut [f64], sign: f64) -> f64 {
    let mut value = 0.0;
    for (gk, wk) in g.iter_mut().zip(w) {
        *gk += sign * data.l2 * wk;
        value += sign * 0.5 * data.l2 * wk * wk;
    }
    value
}

/// Runs `size` ranks as threads, each minimizing its shard with its own `optimizer()`.
fn ranks<O: Optimizer<f64>>(
    size: usize,
    data: &Arc<Logistic>,
    optimizer: impl Fn() -> O + Sync,
    options: impl Fn() -> Options<'static, f64> + Sync,
) -> Vec<Report<f64>> {
    let slots = Arc::new(Mutex::new(vec![Vec::new(); size]));
    let barrier = Arc::new(Barrier::new(size));
    let n = data.labels.len();
    thread::scope(|scope| {
        let handles: Vec<_> = (0..size)
            .map(|rank| {
                let reduce = Threads {
                    rank,
                    slots: Arc::clone(&slots),
                    barrier: Arc::clone(&barrier),
                };
                let (data, optimizer, options) = (Arc::clone(data), &optimizer, &options);
                scope.spawn(move || {
                    let world = DataParallel::new(reduce, rank, size)?;
                    let rows: Vec<usize> = world.shard(n).collect();
                    let objective = world.objective(|w: &[f64], g: &mut [f64]| {
                        shard_loss(&data, &rows, n, rank, w, g)
                    });
                    minimize(objective, [0.0; 3], optimizer(), options())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap().unwrap())
            .collect()
    })
}

fn serial<O: Optimizer<f64>>(
    data: &Logistic,
    optimizer: O,
    options: Options<'_, f64>,
) -> Report<f64> {
    let all = data.all();
    minimize(
        |w: &[f64], g: &mut [f64]| data.loss_grad(w, &all, g),
        [0.0; 3],
        optimizer,
        options,
    )
    .unwrap()
}

fn assert_identical(reports: &[Report<f64>]) {
    for (rank, r) in reports.iter().enumerate().skip(1) {
        let first = &reports[0];
        assert_eq!(
            (&r.x, r.value.to_bits(), r.iterations, r.evaluations),
            (
                &first.x,
                first.value.to_bits(),
                first.iterations,
                first.evaluations
            ),
            "rank {rank} ended elsewhere than rank 0"
        );
    }
}

#[test]
fn shards_are_contiguous_cover_the_rows_and_differ_by_at_most_one() {
    for size in 1..8 {
        for n in 0..40 {
            let pieces: Vec<_> = (0..size).map(|rank| shard(n, rank, size)).collect();
            assert_eq!(pieces[0].start, 0);
            assert_eq!(pieces[size - 1].end, n);
            for pair in pieces.windows(2) {
                assert_eq!(pair[0].end, pair[1].start, "n = {n}, size = {size}");
                assert!(pair[0].len() == pair[1].len() || pair[0].len() == pair[1].len() + 1);
            }
        }
    }
}

#[test]
#[should_panic(expected = "rank 2 is not one of the 2 processes")]
fn a_rank_outside_the_group_has_no_shard() {
    let _ = shard(10, 2, 2);
}

#[test]
fn a_group_needs_a_process_and_ranks_below_its_size() {
    assert!(matches!(
        DataParallel::new(SingleProcess, 0, 0),
        Err(Error::InvalidParameter { name: "size", .. })
    ));
    assert!(matches!(
        DataParallel::new(SingleProcess, 3, 3),
        Err(Error::InvalidParameter { name: "rank", .. })
    ));
    let world = DataParallel::new(SingleProcess, 2, 3).unwrap();
    assert_eq!((world.rank(), world.size(), world.shard(10)), (2, 3, 7..10));
}

#[test]
fn three_ranks_take_identical_lbfgs_steps_and_land_on_the_serial_minimum() {
    let data = Arc::new(Logistic::new(301, 5));
    let options = || Options::new().grad_tol(1e-10).max_iters(200);
    let reports = ranks(3, &data, Lbfgs::default, options);
    assert_identical(&reports);
    let alone = serial(&data, Lbfgs::default(), options());
    assert!(
        reports[0].converged() && alone.converged(),
        "{}\n{alone}",
        reports[0]
    );
    crate::common::assert_close(&reports[0].x, &alone.x, 1e-9);
    assert!((reports[0].value - alone.value).abs() < 1e-13);
}

#[test]
fn first_order_optimizers_run_unchanged_on_the_global_objective() {
    let data = Arc::new(Logistic::new(200, 9));
    let options = || Options::new().max_iters(300).grad_tol(0.0);
    let adam = || Adam::new(0.05).unwrap();
    let reports = ranks(2, &data, adam, options);
    assert_identical(&reports);
    let alone = serial(&data, adam(), options());
    crate::common::assert_close(&reports[0].x, &alone.x, 1e-9);

    let sgd = || {
        Sgd::builder()
            .lr(0.5)
            .momentum(0.9)
            .nesterov(true)
            .build()
            .unwrap()
    };
    let reports = ranks(4, &data, sgd, options);
    assert_identical(&reports);
    crate::common::assert_close(&reports[0].x, &serial(&data, sgd(), options()).x, 1e-9);
}

#[test]
fn a_single_process_is_the_objective_itself_bit_for_bit() {
    let data = Logistic::new(100, 3);
    let all = data.all();
    let f = |w: &[f64], g: &mut [f64]| data.loss_grad(w, &all, g);
    let world = DataParallel::single_process();
    let options = || Options::new().grad_tol(1e-12);
    let wrapped = minimize(world.objective(f), [0.0; 3], Lbfgs::default(), options()).unwrap();
    let plain = minimize(f, [0.0; 3], Lbfgs::default(), options()).unwrap();
    assert_eq!((wrapped.x, wrapped.iterations), (plain.x, plain.iterations));
}

#[test]
fn scalar_functions_and_models_wrap_too() {
    fn f_grad(x: f64, y: f64) -> (f64, [f64; 2]) {
        (x * x + 2.0 * y * y, [2.0 * x, 4.0 * y])
    }
    let world = DataParallel::single_process();
    let report = minimize(
        world.objective(f_grad),
        [1.0, 1.0],
        Lbfgs::default(),
        Options::new(),
    );
    assert!(report.unwrap().value < 1e-12);

    let start = vec![[2.0, -1.0]];
    let bowl = |m: &Vec<[f64; 2]>, g: &mut Vec<[f64; 2]>| {
        g[0] = [2.0 * m[0][0], 2.0 * m[0][1]];
        m[0][0] * m[0][0] + m[0][1] * m[0][1]
    };
    let mut global = world.objective(FlatModel::new(bowl, &start));
    assert_eq!(global.dim(), Some(2));
    let mut g = [0.0; 2];
    assert_eq!(global.eval(&[2.0, -1.0], &mut g), 5.0);
    assert_eq!(g, [4.0, -2.0]);
}

#[test]
fn sum_adds_up_any_numbers_over_the_group() {
    let world = DataParallel::single_process();
    let mut counts = [3_u64, 4];
    world.sum(&mut counts);
    assert_eq!(counts, [3, 4]);
}
