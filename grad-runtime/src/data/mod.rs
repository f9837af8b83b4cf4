//! Mini-batch helpers for stochastic optimization: a seeded [`Rng`] and shuffled [`Batches`].

mod batches;
mod rng;

pub use batches::{Batches, Epoch};
pub use rng::Rng;
