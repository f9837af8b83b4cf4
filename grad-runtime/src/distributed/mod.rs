//! Data-parallel minimization: every process holds a shard of the data, evaluates the loss and
//! gradient on it, and an all-reduce sums them before every step, so every process sees the
//! global value and gradient and takes the same step.
//!
//! [`DataParallel`] wraps the group of processes (an MPI communicator with the feature `mpi`, or
//! [`SingleProcess`] without MPI); [`DataParallel::shard`] gives each process its rows, and
//! [`DataParallel::objective`] turns a shard's objective into the global one, which goes to
//! [`minimize`](crate::minimize) with any optimizer, unchanged.
//!
//! ```
//! use grad_runtime::distributed::DataParallel;
//! use grad_runtime::{Options, minimize, optim::Lbfgs};
//!
//! // Least squares summed over rows: the sum over the shards is the loss over all rows.
//! fn loss_grad(w: &[f64], x: &[f64], y: &[f64], g: &mut [f64]) -> f64 {
//!     g.fill(0.0);
//!     let mut loss = 0.0;
//!     for (&xi, &yi) in x.iter().zip(y) {
//!         let r = w[0] * xi + w[1] - yi;
//!         loss += 0.5 * r * r;
//!         g[0] += r * xi;
//!         g[1] += r;
//!     }
//!     loss
//! }
//! let x: Vec<f64> = (0..100).map(|i| i as f64 / 100.0).collect();
//! let y: Vec<f64> = x.iter().map(|xi| 2.0 * xi + 1.0).collect();
//!
//! // With MPI: `DataParallel::mpi(universe.world())`, started by `mpirun -n 4 ...`.
//! let world = DataParallel::single_process();
//! let rows = world.shard(x.len()); // this process's rows: all of them here
//! let (x, y) = (&x[rows.clone()], &y[rows]);
//! let objective = world.objective(|w: &[f64], g: &mut [f64]| loss_grad(w, x, y, g));
//! let report = minimize(objective, [0.0, 0.0], Lbfgs::default(), Options::new())?;
//! assert!((report.x[0] - 2.0).abs() < 1e-6 && (report.x[1] - 1.0).abs() < 1e-6);
//! # Ok::<(), grad_runtime::Error>(())
//! ```
//!
//! # Sums, not means
//!
//! The global value is the **sum** of the shards' values. A loss that is a mean over the rows
//! must divide each shard's sum by the number of rows of **all** shards, not by the shard's own
//! length (pass the global count to the loss as a constant argument). The shards of
//! [`DataParallel::shard`] differ in length by at most one row, so a mean per shard would weigh
//! rows unequally and give a different minimum. Likewise a term that reads no data (an L2
//! penalty) is added by one process only, say rank 0, or it counts once per process.
//!
//! # Identical steps
//!
//! Every process runs the same loop on the same summed numbers, so the processes take the same
//! steps, evaluate at the same points and call the all-reduce the same number of times; this
//! needs an all-reduce whose result is the same on every process (Open MPI's and MPICH's are;
//! some vendor libraries need a setting for reproducible reductions, such as Intel MPI's
//! `I_MPI_CBWR`). Everything that decides when to stop must then be the same on every process
//! too: do not use [`Options::max_time`](crate::Options::max_time) (clocks differ), and make
//! observers, validation objectives and callbacks that stop a run decide from the global values
//! they are shown, not from data of their own process. A process that stops early, or panics
//! under [`Options::catch_panics`](crate::Options::catch_panics), leaves the others waiting in
//! the all-reduce.
//!
//! The sum over the processes adds the shards' values in another order than a loop over all
//! rows does, so a distributed run agrees with a single-process run on all the data to rounding,
//! not bit for bit; for a given number of processes it is deterministic.

use std::marker::PhantomData;
use std::ops::Range;

use crate::core::{Objective, Real, SliceArgs};
use crate::error::Error;

#[cfg(feature = "mpi")]
mod mpi_backend;

/// The `mpi` crate (rsmpi) this module is built with (feature `mpi`), for
/// `mpi::initialize()` and the communicator's own collectives, without a dependency of your own.
#[cfg(feature = "mpi")]
pub use ::mpi;

/// A group of processes that sum buffers across themselves: the one collective operation that
/// data-parallel minimization needs.
///
/// Implemented by [`SingleProcess`] (a group of one: the sum is the buffer itself), and with the
/// feature `mpi` by every MPI communicator (`MPI_Allreduce` with `MPI_SUM`). Implement it for
/// another transport, or for a test that runs several "processes" as threads.
///
/// ```
/// use grad_runtime::distributed::{AllReduce, SingleProcess};
///
/// let mut total = [0.0; 2];
/// SingleProcess.sum_into(&[1.5, 2.5], &mut total);
/// assert_eq!(total, [1.5, 2.5]);
/// ```
pub trait AllReduce<T> {
    /// Writes into `recv`, on every process, the element-wise sum over all processes of their
    /// `send`. Every process calls it, in the same order, with buffers of one length;
    /// `recv.len() == send.len()`. The result must be the same on every process, bit for bit.
    ///
    /// ```
    /// use grad_runtime::distributed::{AllReduce, SingleProcess};
    ///
    /// let mut count = [0_u64];
    /// SingleProcess.sum_into(&[42], &mut count);
    /// assert_eq!(count, [42]);
    /// ```
    fn sum_into(&self, send: &[T], recv: &mut [T]);
}

/// A group of one process, for running data-parallel code without MPI: the sum over the group is
/// the buffer itself.
///
/// ```
/// use grad_runtime::distributed::{DataParallel, SingleProcess};
///
/// let world = DataParallel::new(SingleProcess, 0, 1)?;
/// assert_eq!((world.rank(), world.size(), world.shard(10)), (0, 1, 0..10));
/// # Ok::<(), grad_runtime::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SingleProcess;

impl<T: Copy> AllReduce<T> for SingleProcess {
    fn sum_into(&self, send: &[T], recv: &mut [T]) {
        recv.copy_from_slice(send);
    }
}

/// The contiguous rows `start..end` of `0..n` that process `rank` of `size` holds: the first
/// `n % size` processes get one row more than the others, and the ranges of ranks `0, 1, …` follow
/// each other and cover `0..n`.
///
/// # Panics
///
/// If `rank >= size` (and so if `size == 0`).
///
/// ```
/// use grad_runtime::distributed::shard;
///
/// assert_eq!([shard(10, 0, 3), shard(10, 1, 3), shard(10, 2, 3)], [0..4, 4..7, 7..10]);
/// assert_eq!(shard(1, 1, 2), 1..1); // more processes than rows: some get none
/// ```
pub fn shard(n: usize, rank: usize, size: usize) -> Range<usize> {
    assert!(
        rank < size,
        "rank {rank} is not one of the {size} processes"
    );
    let (base, extra) = (n / size, n % size);
    let start = rank * base + rank.min(extra);
    let len = base + usize::from(rank < extra);
    start..start + len
}

/// A group of processes minimizing one objective together, each on its shard of the data.
///
/// `R` is how the group sums buffers ([`AllReduce`]): an MPI communicator
/// (`DataParallel::mpi(universe.world())`, feature `mpi`) or [`SingleProcess`]. Each process
/// builds its shard's objective, wraps it with [`objective`](Self::objective) and calls
/// [`minimize`](crate::minimize) as it would alone; see [the module](self) for what must hold for
/// all processes to take the same steps.
///
/// ```
/// use grad_runtime::distributed::DataParallel;
/// use grad_runtime::{Options, minimize, optim::Adam};
///
/// let data: Vec<f64> = (1..=10).map(f64::from).collect();
/// let world = DataParallel::single_process();
/// let mine = &data[world.shard(data.len())];
/// let n = data.len() as f64; // all rows, for a global mean
/// // Mean of (w − y)²/2 over all rows: this shard's part of it.
/// let shard_loss = |w: &[f64], g: &mut [f64]| {
///     g[0] = mine.iter().map(|y| w[0] - y).sum::<f64>() / n;
///     mine.iter().map(|y| 0.5 * (w[0] - y).powi(2)).sum::<f64>() / n
/// };
/// let options = Options::new().max_iters(2000).grad_tol(1e-10);
/// let report = minimize(world.objective(shard_loss), [0.0], Adam::new(0.1)?, options)?;
/// assert!((report.x[0] - 5.5).abs() < 1e-8);
/// # Ok::<(), grad_runtime::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct DataParallel<R = SingleProcess> {
    reduce: R,
    rank: usize,
    size: usize,
}

impl DataParallel {
    /// This process alone, rank 0 of 1: the distributed code path, without MPI.
    ///
    /// ```
    /// use grad_runtime::distributed::DataParallel;
    ///
    /// let world = DataParallel::single_process();
    /// assert_eq!((world.rank(), world.size()), (0, 1));
    /// ```
    pub fn single_process() -> Self {
        DataParallel {
            reduce: SingleProcess,
            rank: 0,
            size: 1,
        }
    }
}

impl<R> DataParallel<R> {
    /// Process `rank` of a group of `size` whose buffers `reduce` sums; for an [`AllReduce`] of
    /// your own (with MPI, `DataParallel::mpi` reads rank and size from the communicator).
    ///
    /// Errors if `size` is 0 or `rank` is not below `size`.
    ///
    /// ```
    /// use grad_runtime::distributed::{DataParallel, SingleProcess};
    ///
    /// let world = DataParallel::new(SingleProcess, 0, 1)?;
    /// assert_eq!(world.shard(5), 0..5);
    /// assert!(DataParallel::new(SingleProcess, 1, 1).is_err());
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn new(reduce: R, rank: usize, size: usize) -> Result<Self, Error> {
        if size == 0 {
            return Err(Error::InvalidParameter {
                name: "size",
                requirement: "a group needs at least one process",
                value: 0.0,
            });
        }
        if rank >= size {
            return Err(Error::InvalidParameter {
                name: "rank",
                requirement: "the rank must be below the number of processes",
                value: rank as f64,
            });
        }
        Ok(DataParallel { reduce, rank, size })
    }

    /// This process's number, in `0..size()`.
    ///
    /// ```
    /// use grad_runtime::distributed::DataParallel;
    ///
    /// assert_eq!(DataParallel::single_process().rank(), 0);
    /// ```
    pub fn rank(&self) -> usize {
        self.rank
    }

    /// The number of processes in the group.
    ///
    /// ```
    /// use grad_runtime::distributed::DataParallel;
    ///
    /// assert_eq!(DataParallel::single_process().size(), 1);
    /// ```
    pub fn size(&self) -> usize {
        self.size
    }

    /// This process's rows of `0..n`: [`shard`]`(n, self.rank(), self.size())`.
    ///
    /// ```
    /// use grad_runtime::distributed::DataParallel;
    ///
    /// let rows = DataParallel::single_process().shard(1000);
    /// assert_eq!(rows, 0..1000);
    /// ```
    pub fn shard(&self, n: usize) -> Range<usize> {
        shard(n, self.rank, self.size)
    }

    /// How the group sums buffers: the MPI communicator, for collectives of your own.
    ///
    /// ```
    /// use grad_runtime::distributed::{DataParallel, SingleProcess};
    ///
    /// assert_eq!(*DataParallel::single_process().reducer(), SingleProcess);
    /// ```
    pub fn reducer(&self) -> &R {
        &self.reduce
    }

    /// Replaces `values`, on every process, by their element-wise sum over the processes: a
    /// global count of rows, a global accuracy. Every process must call it.
    ///
    /// ```
    /// use grad_runtime::distributed::DataParallel;
    ///
    /// let world = DataParallel::single_process();
    /// let mut rows = [world.shard(7).len()];
    /// world.sum(&mut rows);
    /// assert_eq!(rows, [7]);
    /// ```
    pub fn sum<T: Copy>(&self, values: &mut [T])
    where
        R: AllReduce<T>,
    {
        let send = values.to_vec();
        self.reduce.sum_into(&send, values);
    }

    /// The global objective: at each point, this process's `objective` (its shard's loss and
    /// gradient) is evaluated, and one all-reduce of value and gradient, packed in one buffer,
    /// returns their sums over all processes. Pass it to [`minimize`](crate::minimize) (or to
    /// [`check_gradient`](crate::check::check_gradient)) in place of `objective`, with any
    /// optimizer; every process must do the same.
    ///
    /// `objective` is any [`Objective`]: a slice closure `|w: &[f64], g: &mut [f64]| ...`, a
    /// function of scalar parameters, or a model objective through
    /// [`FlatModel`](crate::core::FlatModel).
    ///
    /// ```
    /// use grad_runtime::core::Objective;
    /// use grad_runtime::distributed::DataParallel;
    ///
    /// let world = DataParallel::single_process();
    /// let mut global = world.objective(|w: &[f64], g: &mut [f64]| {
    ///     g[0] = 2.0 * w[0];
    ///     w[0] * w[0]
    /// });
    /// let mut g = [0.0];
    /// assert_eq!(global.eval(&[3.0], &mut g), 9.0);
    /// assert_eq!(g, [6.0]);
    /// ```
    pub fn objective<T, A, F>(&self, objective: F) -> GlobalObjective<'_, R, F, T, A>
    where
        T: Real,
        R: AllReduce<T>,
        F: Objective<T, A>,
    {
        GlobalObjective {
            group: self,
            objective,
            send: Vec::new(),
            recv: Vec::new(),
            args: PhantomData,
        }
    }
}

/// The objective whose value and gradient are the sums over a [`DataParallel`] group of each
/// process's objective; made by [`DataParallel::objective`].
///
/// Each evaluation calls the shard's objective once and the group's [`AllReduce`] once, on one
/// buffer of the gradient's length plus one. The buffers are kept between evaluations.
///
/// ```
/// use grad_runtime::core::Objective;
/// use grad_runtime::distributed::DataParallel;
///
/// fn f_grad(x: f64, y: f64) -> (f64, [f64; 2]) {
///     (x * y, [y, x])
/// }
/// let world = DataParallel::single_process();
/// let mut global = world.objective(f_grad);
/// assert_eq!(global.dim(), Some(2));
/// let mut g = [0.0; 2];
/// assert_eq!(global.eval(&[2.0, 3.0], &mut g), 6.0);
/// assert_eq!(g, [3.0, 2.0]);
/// ```
pub struct GlobalObjective<'a, R, F, T, A = SliceArgs> {
    group: &'a DataParallel<R>,
    objective: F,
    /// The shard's gradient, then its value.
    send: Vec<T>,
    /// Their sums over the group.
    recv: Vec<T>,
    args: PhantomData<fn() -> A>,
}

impl<R, F, T, A> Objective<T> for GlobalObjective<'_, R, F, T, A>
where
    T: Real,
    R: AllReduce<T>,
    F: Objective<T, A>,
{
    fn eval(&mut self, x: &[T], grad: &mut [T]) -> T {
        let value = self.objective.eval(x, grad);
        self.send.clear();
        self.send.extend_from_slice(grad);
        self.send.push(value);
        self.recv.resize(self.send.len(), T::zero());
        self.group.reduce.sum_into(&self.send, &mut self.recv);
        let (sum, total) = self.recv.split_at(grad.len());
        grad.copy_from_slice(sum);
        total[0]
    }

    fn dim(&self) -> Option<usize> {
        self.objective.dim()
    }
}
