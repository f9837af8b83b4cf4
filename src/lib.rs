//! `grad`: exact gradients of ordinary Rust functions, derived at compile time.
//!
//! Put [`gradient`] on a function that returns `f64` or `f32`; the macro differentiates its body
//! symbolically while the crate compiles and emits a companion `NAME_grad` that returns the value and
//! the gradient. The optimizers and gradient checks of [`runtime`] consume those functions.
//!
//! ```
//! use grad::gradient;
//!
//! #[gradient]
//! fn rosenbrock(x: f64, y: f64) -> f64 {
//!     (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2)
//! }
//!
//! let (value, [dx, dy]) = rosenbrock_grad(-1.2, 1.0);
//! assert_eq!(value, rosenbrock(-1.2, 1.0));
//! assert!((dx - -215.6).abs() < 1e-9 && (dy - -88.0).abs() < 1e-9);
//! ```

pub use grad_macro::gradient;

/// Optimizers, stopping rules, gradient checks and the other run-time helpers (the `grad-runtime` crate).
pub use grad_runtime as runtime;
