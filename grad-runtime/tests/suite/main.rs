//! The integration suite, one binary so it links once.

mod alloc;
mod api;
#[cfg(feature = "argmin")]
mod argmin;
mod batches;
mod check;
mod common;
mod convergence;
mod distributed;
mod divergence;
mod f32;
mod groups;
mod linesearch;
mod resume;
mod schedules;
mod second_order;
mod stopping;
mod updates;
