//! Differential testing of `#[gradient]` (issue 7).
//!
//! - [`gen`] writes random `#[gradient]` functions as Rust source, from a seed, over the language
//!   the README promises, with the points to evaluate them at;
//! - [`mutate`] damages a source text token by token, to check that the macro never panics;
//! - [`harness`] compiles a batch of generated functions in a scratch crate and runs the checks
//!   (value bit for bit against the original, gradient against finite differences);
//! - [`matrix`] every float method × every kind of receiver and argument, as harness units;
//! - [`generic`] rewrites a case over a type parameter `T: grad::Real`.
//!
//! No dependency beyond `std` and `proc-macro2` (which the macro crate has already), so that
//! the macro crate can use it as a dev-dependency.

pub mod check;
pub mod gen;
pub mod generic;
pub mod harness;
pub mod matrix;
pub mod mutate;
pub mod rng;
