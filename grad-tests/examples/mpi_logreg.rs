//! Logistic regression trained data-parallel over MPI: each process (rank) holds a contiguous
//! shard of the rows, evaluates the loss and its gradient (from `#[gradient]`) on that shard, and
//! an all-reduce sums values and gradients before every L-BFGS step, so every rank takes the same
//! steps and ends at the same parameters.
//!
//! The data are the benchmark suite's B4 (10 000 rows, 16 features, labels drawn from a logistic
//! model, LCG seed 43). The example then checks what it claims: the ranks' results agree bit for
//! bit, and rank 0 fits the same model alone on all the rows and compares.
//!
//! Needs an MPI (Debian: `apt-get install libopenmpi-dev openmpi-bin libclang-dev`). Run with
//!
//! ```sh
//! cargo build -p grad-tests --release --features mpi --example mpi_logreg
//! mpirun -n 2 target/release/examples/mpi_logreg
//! ```
//!
//! (Open MPI as root needs `--allow-run-as-root`; more processes than cores, `--oversubscribe`.)
//! Started without `mpirun`, it runs as a group of one.

use grad::gradient;
use grad::runtime::distributed::mpi::traits::CommunicatorCollectives;
use grad::runtime::distributed::{mpi, DataParallel};
use grad::runtime::optim::Lbfgs;
use grad::runtime::{minimize, Error, Options, Report};

const N: usize = 10_000;
const D: usize = 16;
const SEED: u64 = 43;

/// This shard's part of the mean logistic loss over all `n_total` rows:
/// `Σᵢ [ln(1 + e^{zᵢ}) − yᵢ zᵢ] / n_total`, `zᵢ = xᵢ·w + b`, with `wb = [w, b]` and `x` row-major.
/// Divided by the global count, not the shard's, so that the shards' values add up to the mean.
#[gradient(wrt(wb))]
fn logreg(wb: &[f64], x: &[f64], y: &[f64], n_total: f64) -> f64 {
    let d = wb.len() - 1;
    let mut loss = 0.0;
    for i in 0..y.len() {
        let mut z = wb[d];
        for j in 0..d {
            z += x[i * d + j] * wb[j];
        }
        loss += z.exp().ln_1p() - y[i] * z;
    }
    loss / n_total
}

/// The benchmark suite's 64-bit LCG: uniform draws in `[lo, hi)`.
struct Lcg(u64);

impl Lcg {
    const A: u64 = 6_364_136_223_846_793_005;
    const C: u64 = 1_442_695_040_888_963_407;

    fn new(seed: u64) -> Self {
        Lcg(seed.wrapping_mul(Self::A).wrapping_add(Self::C))
    }

    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        self.0 = self.0.wrapping_mul(Self::A).wrapping_add(Self::C);
        let u = (self.0 >> 11) as f64 / (1_u64 << 53) as f64;
        lo + (hi - lo) * u
    }
}

/// B4: `x` (n×d, row-major) ~ U(−1, 1), `w_true` ~ U(−2, 2), `yᵢ = 1` with probability
/// `sigmoid(xᵢ·w_true)`.
fn data(n: usize, d: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let mut rng = Lcg::new(seed);
    let x: Vec<f64> = (0..n * d).map(|_| rng.uniform(-1.0, 1.0)).collect();
    let w_true: Vec<f64> = (0..d).map(|_| rng.uniform(-2.0, 2.0)).collect();
    let y = (0..n)
        .map(|i| {
            let z: f64 = x[i * d..(i + 1) * d]
                .iter()
                .zip(&w_true)
                .map(|(a, b)| a * b)
                .sum();
            let u = rng.uniform(0.0, 1.0);
            if u < 1.0 / (1.0 + (-z).exp()) {
                1.0
            } else {
                0.0
            }
        })
        .collect();
    (x, y)
}

fn options() -> Options<'static, f64> {
    // No time limit: every rank must stop at the same iteration.
    Options::new().grad_tol(1e-8).max_iters(500)
}

fn main() -> Result<(), Error> {
    // Dropping `universe` finalizes MPI: it lives until the end of `main`.
    let universe = mpi::initialize().expect("MPI is initialized once");
    let world = DataParallel::mpi(universe.world());
    let (rank, size) = (world.rank(), world.size());

    // Every rank generates the data (cheap here) and keeps its rows; a real job would read
    // only its shard.
    let (x_all, y_all) = data(N, D, SEED);
    let rows = world.shard(N);
    let (x, y) = (&x_all[rows.start * D..rows.end * D], &y_all[rows.clone()]);
    let n_total = N as f64;

    let shard_loss = |wb: &[f64], g: &mut [f64]| logreg_grad(wb, x, y, n_total, g);
    let start = vec![0.0; D + 1];
    let report = minimize(
        world.objective(shard_loss),
        &start,
        Lbfgs::default(),
        options(),
    )?;
    println!(
        "rank {rank} of {size}: rows {rows:?}, {} iterations, {} evaluations, loss {:.15}, |grad| {:.2e}, {:?}",
        report.iterations, report.evaluations, report.value, report.grad_norm, report.reason
    );
    println!(
        "rank {rank} of {size}: w = {:.6?}, b = {:.6}",
        &report.x[..D],
        report.x[D]
    );

    // The ranks took the same steps: gather every rank's result and compare bits.
    let mine = fingerprint(&report);
    let mut all = vec![0_u64; mine.len() * size];
    world.reducer().all_gather_into(&mine[..], &mut all[..]);
    for (other, theirs) in all.chunks(mine.len()).enumerate() {
        assert_eq!(
            theirs,
            &mine[..],
            "rank {rank} and rank {other} ended differently"
        );
    }

    if rank == 0 {
        println!("ranks 0..{size} agree bit for bit");
        let serial = minimize(
            |wb: &[f64], g: &mut [f64]| logreg_grad(wb, &x_all, &y_all, n_total, g),
            &start,
            Lbfgs::default(),
            options(),
        )?;
        let dx = report
            .x
            .iter()
            .zip(&serial.x)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        let dv = (report.value - serial.value).abs();
        println!(
            "one process on all {N} rows: {} iterations, loss {:.15}; max |parameter difference| {dx:.1e}, |loss difference| {dv:.1e}",
            serial.iterations, serial.value
        );
        assert!(
            report.converged() && serial.converged(),
            "{report}\n{serial}"
        );
        assert!(
            dx < 1e-9,
            "the distributed fit is {dx:e} away from the serial one"
        );
        assert!(dv < 1e-12, "the losses differ by {dv:e}");
        println!("mpi_logreg: OK");
    }
    Ok(())
}

/// The bits of the parameters, the value, the iteration and evaluation counts.
fn fingerprint(report: &Report<f64>) -> Vec<u64> {
    let mut bits: Vec<u64> = report.x.iter().map(|v| v.to_bits()).collect();
    bits.push(report.value.to_bits());
    bits.push(report.iterations as u64);
    bits.push(report.evaluations as u64);
    bits
}
