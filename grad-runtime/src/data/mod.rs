//! Mini-batch helpers for stochastic optimization: a seeded [`Rng`] and shuffled [`Batches`].
//!
//! ```
//! use grad_runtime::data::{Batches, Rng};
//!
//! // Synthetic data from a seeded generator, then shuffled batches of its indices.
//! let mut rng = Rng::seed_from_u64(1);
//! let data: Vec<f64> = (0..10).map(|_| rng.normal()).collect();
//! let mut batches = Batches::new(data.len(), 4)?.seed(2);
//! let sums: Vec<f64> = batches.epoch().map(|b| b.iter().map(|&i| data[i]).sum()).collect();
//! assert_eq!(sums.len(), 3);
//! # Ok::<(), grad_runtime::Error>(())
//! ```

mod batches;
mod rng;

pub use batches::{Batches, Epoch};
pub use rng::Rng;
