//! The MPI group (feature `mpi`): any communicator of the `mpi` crate sums with `MPI_Allreduce`.

use mpi::collective::SystemOperation;
use mpi::datatype::Equivalence;
use mpi::traits::{Communicator, CommunicatorCollectives};

use super::{AllReduce, DataParallel};

/// `MPI_Allreduce` with `MPI_SUM` over the communicator: one collective call per buffer.
impl<T: Equivalence, C: Communicator> AllReduce<T> for C {
    fn sum_into(&self, send: &[T], recv: &mut [T]) {
        assert_eq!(
            send.len(),
            recv.len(),
            "an all-reduce needs buffers of one length"
        );
        self.all_reduce_into(send, recv, SystemOperation::sum());
    }
}

impl<C: Communicator> DataParallel<C> {
    /// The processes of an MPI communicator, usually `universe.world()`: this process's rank and
    /// the group's size are the communicator's.
    ///
    /// The example does not run as a doctest (`no_run`): MPI is initialized once per process,
    /// and a program meant for `mpirun` belongs in a binary of its own. See the example
    /// `mpi_logreg` of the repository for a complete one.
    ///
    /// ```no_run
    /// use grad_runtime::distributed::{DataParallel, mpi};
    /// use grad_runtime::{Options, minimize, optim::Lbfgs};
    ///
    /// // `universe` finalizes MPI when it is dropped: keep it until the end.
    /// let universe = mpi::initialize().expect("MPI is initialized once");
    /// let world = DataParallel::mpi(universe.world());
    /// let y: Vec<f64> = (0..1000).map(|i| (i % 10) as f64).collect();
    /// let mine = &y[world.shard(y.len())];
    /// let n = y.len() as f64;
    /// let shard_loss = |w: &[f64], g: &mut [f64]| {
    ///     g[0] = mine.iter().map(|y| w[0] - y).sum::<f64>() / n;
    ///     mine.iter().map(|y| 0.5 * (w[0] - y).powi(2)).sum::<f64>() / n
    /// };
    /// let report = minimize(world.objective(shard_loss), [0.0], Lbfgs::default(), Options::new())?;
    /// println!("rank {} of {}: {report}", world.rank(), world.size());
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn mpi(communicator: C) -> Self {
        let rank = usize::try_from(communicator.rank()).expect("an MPI rank is not negative");
        let size = usize::try_from(communicator.size()).expect("an MPI size is positive");
        DataParallel {
            reduce: communicator,
            rank,
            size,
        }
    }
}
