//! `grad`: exact gradients of ordinary Rust functions, derived at compile time.
//!
//! Put [`gradient`] on a function that returns `f64` or `f32`. While the crate compiles, the macro
//! differentiates the body symbolically in reverse mode and emits a companion `NAME_grad` that
//! returns the value and the gradient: plain Rust, optimized like hand-written code, with no tape,
//! dual numbers or finite differences at run time. The optimizers, stopping rules and gradient
//! checks of [`runtime`] consume those functions.
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
//!
//! # The contract
//!
//! **Input**: a function returning `f64` or `f32` (free, associated, a method of a model (see
//! [Models as structs](#models-as-structs)), a method reading `&self` as constant data with
//! `wrt(..)` naming other parameters, or a trait's default method),
//! with one float type throughout. Parameters of that type are differentiated (also taken by
//! reference, `x: &T`), and so are float sequences `&[T]`, `&[T; N]`, `[T; N]` and `&Vec<T>` and
//! rows `&[[T; N]]`, `&Vec<[T; N]>`, `&[Vec<T>]`, `&Vec<Vec<T>>`, `&[(T, T)]` (their gradient buffers have the
//! rows' shape); every other parameter (integers, booleans, `&[usize]`, ...) is a constant, and one
//! that holds floats in another shape (`&[(usize, f64)]`, `&Box<f64>`) is a compile error unless
//! `wrt(...)` leaves it out (as a constant it is data of any shape).
//! `#[gradient(wrt(a, b))]` differentiates only the named parameters.
//!
//! **Output**: the original function unchanged and, with the same visibility,
//! `fn NAME_grad(<same parameters>, d_x: &mut [T], ...) -> (T, [T; K])`:
//!
//! - the value, equal to what `NAME` returns for the same arguments (bit for bit; with
//!   `parallel`, up to rounding: see [Data parallelism](#data-parallelism));
//! - in its rustdoc, each partial derivative as a formula for functions of scalars without loops,
//!   branches or calls (`∂f/∂x = −400·x·(y − x²) − 2·(1 − x)` for Rosenbrock), otherwise how each
//!   loop's adjoint is computed;
//! - `[T; K]`, the gradient with respect to the K differentiated scalar parameters in declaration
//!   order (when K = 0 and there are differentiated sequences, the return type is just `T`);
//! - for each differentiated sequence `x`, a buffer `d_x` after all the original parameters, in
//!   declaration order: `&mut [T]`, or `&mut [T; N]` for arrays (a by-value `[T; N]` too). The
//!   gradient is written into it, overwriting what was there. A slice buffer whose length differs
//!   from `x` panics with a message naming it.
//!
//! ```
//! use grad::gradient;
//!
//! /// Least squares, `x` is `n × d` row-major; only `w` is differentiated.
//! #[gradient(wrt(w))]
//! fn least_squares(w: &[f64], x: &[f64], y: &[f64]) -> f64 {
//!     let d = w.len();
//!     let mut loss = 0.0;
//!     for i in 0..y.len() {
//!         let mut pred = 0.0;
//!         for j in 0..d {
//!             pred += x[i * d + j] * w[j];
//!         }
//!         let r = y[i] - pred;
//!         loss += r * r;
//!     }
//!     loss
//! }
//!
//! let (x, y) = ([1.0, 0.0, 0.0, 1.0], [2.0, 3.0]);
//! let mut dw = [0.0; 2];
//! let loss = least_squares_grad(&[0.0, 0.0], &x, &y, &mut dw);
//! assert_eq!(loss, 13.0);
//! assert_eq!(dw, [-4.0, -6.0]); // ∂/∂w_j = -2 Σ_i r_i x_ij
//! ```
//!
//! # Forward mode: directional derivatives
//!
//! `#[gradient(jvp)]` (alone or with `wrt(..)`) also emits
//! `fn NAME_jvp(<same parameters>, v_x: T, v_w: &[T], ...) -> (T, T)`: the value (bit for bit
//! `NAME`'s) and the directional derivative `∇f · v` along the direction whose component for
//! each differentiated parameter is its tangent `v_NAME` (a `T` for a scalar, a slice or array as
//! long as the sequence), in declaration order after all the original parameters. It is one
//! forward sweep — no tape, no gradient buffer — through everything the gradient accepts (loops,
//! buffers, branches, calls to other `#[gradient]` functions, whose tangent comes from their
//! `_grad`). A tangent slice of another length panics naming it. A function of a model takes a
//! tangent model `v_m: &Model` of the model's type, and rows take tangent rows of their type.
//!
//! ```
//! use grad::gradient;
//!
//! #[gradient(jvp)]
//! fn rosenbrock(x: f64, y: f64) -> f64 {
//!     (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2)
//! }
//!
//! // Along (1, 0) the directional derivative is ∂f/∂x; along any v it is ∇f · v.
//! let (value, dx) = rosenbrock_jvp(-1.2, 1.0, 1.0, 0.0);
//! let (_, [gx, gy]) = rosenbrock_grad(-1.2, 1.0);
//! assert_eq!((value, dx), (24.199999999999996, gx));
//! let (_, along) = rosenbrock_jvp(-1.2, 1.0, 0.6, 0.8);
//! assert!((along - (0.6 * gx + 0.8 * gy)).abs() < 1e-12);
//! ```
//!
//! # Second order: Hessian–vector products and Hessians
//!
//! `#[gradient(hvp)]` (or `#[gradient(hessian)]`, the same) also emits, for a function of scalars
//! and slices:
//!
//! - `fn NAME_hvp(<same parameters>, v_x: T, v_w: &[T], .., d_w: &mut [T], .., hv_w: &mut [T], ..)
//!   -> (T, [T; K], [T; K])`: the value, the gradient and the Hessian–vector product `H · v` along
//!   the tangents `v_…`, from one forward-over-reverse sweep (forward mode run over the function
//!   and its adjoint), without forming `H`; for the scalars in the returned arrays, for each
//!   sequence `w` in `d_w` (gradient) and `hv_w` (`H · v`), both overwritten. As for `NAME_grad`,
//!   it returns `T` alone when only sequences are differentiated;
//! - `fn NAME_hessian(<same parameters>) -> (T, [T; K], [[T; K]; K])` for scalar parameters, and
//!   `fn NAME_hessian(<same parameters>, d_w: &mut [T], .., hess: &mut [T]) -> (T, [T; K])` with
//!   sequences, where `hess` is `n × n` row-major over every differentiated entry (the scalars in
//!   declaration order, then each sequence's elements): one sweep per entry.
//!
//! Second derivatives follow the same conventions as first ones (0 across the kinks of `abs`,
//! `max`, `min`, `clamp`, `floor`, ...). A call to another `#[gradient]` function goes through
//! that function's own second order, so it needs `hvp` too (it emits a hidden `NAME__hvp_call`
//! for its callers). Models and rows take `hvp` too, with the layouts the README gives.
//!
//! ```
//! use grad::gradient;
//!
//! #[gradient(hessian)]
//! fn saddle(x: f64, y: f64) -> f64 {
//!     x * x - y * y
//! }
//!
//! // At the critical point (0, 0) the Hessian has one positive and one negative eigenvalue.
//! let (value, gradient, hessian) = saddle_hessian(0.0, 0.0);
//! assert_eq!((value, gradient), (0.0, [0.0, 0.0]));
//! assert_eq!(hessian, [[2.0, 0.0], [0.0, -2.0]]);
//! let (_, _, hv) = saddle_hvp(1.0, 2.0, 1.0, 1.0);
//! assert_eq!(hv, [2.0, -2.0]);
//! ```
//!
//! # Custom derivative rules and generated checks
//!
//! [`custom_gradient`] marks a hand-written `NAME_grad` (the signature `#[gradient]` would emit)
//! as the derivative of `NAME`: `#[gradient]` functions that call `NAME` use it, in reverse and
//! forward mode. `check(at(..), ..)` on it or on `#[gradient]` (free functions of scalars,
//! slices, rows and models) generates a `#[test]` per point comparing the gradient with central
//! differences of `NAME`.
//!
//! # Models as structs
//!
//! A struct of parameters derives [`Params`](macro@Params); `#[gradient(wrt(m))]` on `m: &Model`,
//! or `#[gradient]` on a method taking `&self`, gives a gradient of the model's own type, with
//! every trainable field overwritten (fields the loss does not read become zero). The body reads
//! fields as it would read parameters, layers of a `Vec` of structs included; fields read as
//! integers or flags (loop bounds, indices, casts, conditions) are data.
//!
//! ```
//! use grad::{gradient, Params};
//! use grad::runtime::prelude::*;
//!
//! #[derive(Clone, Debug, Params)]
//! struct Layer {
//!     w: Vec<f64>,
//!     b: Vec<f64>,
//!     n_in: usize,
//! }
//!
//! #[derive(Clone, Debug, Params)]
//! struct Mlp {
//!     hidden: Layer,
//!     out: Vec<f64>,
//!     bias: f64,
//! }
//!
//! impl Mlp {
//!     #[gradient]
//!     fn loss(&self, x: &[f64], y: &[f64]) -> f64 {
//!         let n = self.hidden.n_in;
//!         let mut h = vec![0.0; self.out.len()];
//!         let mut total = 0.0;
//!         for (s, target) in y.iter().enumerate() {
//!             for k in 0..h.len() {
//!                 let mut z = self.hidden.b[k];
//!                 for j in 0..n {
//!                     z += self.hidden.w[k * n + j] * x[s * n + j];
//!                 }
//!                 h[k] = z.tanh();
//!             }
//!             let pred = self.bias + self.out.iter().zip(&h).map(|(o, h)| o * h).sum::<f64>();
//!             total += (pred - target).powi(2);
//!         }
//!         total / y.len() as f64
//!     }
//! }
//!
//! let mlp = Mlp {
//!     hidden: Layer { w: vec![0.1, -0.2, 0.3, 0.4], b: vec![0.0, 0.1], n_in: 2 },
//!     out: vec![0.5, -0.5],
//!     bias: 0.0,
//! };
//! let (x, y) = ([0.0, 1.0, 1.0, 0.0, 1.0, 1.0], [1.0, 1.0, 0.0]);
//! let mut grad = mlp.zeros_like();
//! let value = mlp.loss_grad(&x, &y, &mut grad);
//! assert_eq!(value, mlp.loss(&x, &y));
//! assert_eq!(grad.hidden.n_in, 2); // data stays
//!
//! // The optimizers take the model itself; the report's `x` is its flat view.
//! let adam = Adam::new(0.05)?;
//! let report = minimize(|m: &Mlp, g: &mut Mlp| m.loss_grad(&x, &y, g), &mlp, adam, Options::new().max_iters(500))?;
//! let trained = mlp.with_flat(&report.x);
//! assert!(trained.loss(&x, &y) < 0.1 * mlp.loss(&x, &y));
//! # Ok::<(), grad::runtime::Error>(())
//! ```
//!
//! # Generic floats
//!
//! The float type may be a type parameter bounded by num-traits' `Float` or by [`Real`] (`Float`
//! and what the optimizers need): one function for `f32` and `f64`, with `NAME_grad` (and `jvp`,
//! `hvp`) as generic as it. Constants are written as generic code writes them (`T::from(0.5)
//! .unwrap()`, `T::one()`, `T::from(n).unwrap()` for counts) and the value stays bit for bit the
//! function's in each instantiation.
//!
//! ```
//! use grad::{gradient, Real};
//!
//! #[gradient]
//! fn smooth_l1<T: Real>(w: &[T], beta: T) -> T {
//!     let half = T::from(0.5).unwrap();
//!     let mut s = T::zero();
//!     for &v in w {
//!         let a = v.abs();
//!         s = s + if a < beta { half * v * v / beta } else { a - half * beta };
//!     }
//!     s
//! }
//!
//! let mut d64 = [0.0_f64; 2];
//! let (v, [dbeta]) = smooth_l1_grad(&[0.2, -3.0], 1.0, &mut d64);
//! assert_eq!(v, smooth_l1(&[0.2, -3.0], 1.0));
//! assert_eq!((d64, dbeta), ([0.2, -1.0], -0.5 * 0.04 - 0.5));
//! let mut d32 = [0.0_f32; 2];
//! let (v32, _) = smooth_l1_grad(&[0.2_f32, -3.0], 1.0, &mut d32);
//! assert_eq!(v32, smooth_l1(&[0.2_f32, -3.0], 1.0));
//! ```
//!
//! # Vector-valued functions
//!
//! On a function that returns `Vec<T>` or `[T; N]` (a layer, a residual vector), `#[gradient]`
//! emits `NAME_vjp(params.., d_out, d_x..) -> (value, [T; K])`, the vector–Jacobian product, and
//! `NAME_jacobian(params..) -> (value, rows)`; a `#[gradient]` function that binds such a call
//! (`let h = dense(&w, &b, x);`) and reads `h` as a sequence is differentiated through it.
//!
//! ```
//! use grad::gradient;
//!
//! #[gradient]
//! fn dense(w: &[f64], b: &[f64], x: &[f64]) -> Vec<f64> {
//!     let mut out = vec![0.0; b.len()];
//!     for j in 0..b.len() {
//!         out[j] = (w[2 * j] * x[0] + w[2 * j + 1] * x[1] + b[j]).tanh();
//!     }
//!     out
//! }
//!
//! #[gradient]
//! fn loss(w: &[f64], b: &[f64], x: &[f64]) -> f64 {
//!     let h = dense(w, b, x);
//!     h.iter().map(|v| v * v).sum::<f64>()
//! }
//!
//! let (w, b, x) = ([0.5, -0.25, 1.0, 0.5], [0.0, 0.1], [1.0, 2.0]);
//! let (value, rows) = dense_jacobian(&w, &b, &x);
//! assert_eq!((value.len(), rows.len(), rows[0].len()), (2, 2, 4 + 2 + 2));
//! let (mut dw, mut db, mut dx) = ([0.0; 4], [0.0; 2], [0.0; 2]);
//! let l = loss_grad(&w, &b, &x, &mut dw, &mut db, &mut dx);
//! // ∂loss/∂b_j = 2 h_j (1 − h_j²)
//! for j in 0..2 {
//!     assert!((db[j] - 2.0 * value[j] * (1.0 - value[j] * value[j])).abs() < 1e-12);
//! }
//! assert_eq!(l, loss(&w, &b, &x));
//! ```
//!
//! # Data parallelism
//!
//! `#[gradient(parallel)]` (feature `parallel`, which brings in rayon; without it the attribute
//! is a compile error saying so) splits the loss's sum over data points across rayon's threads:
//! the last `for` loop at the top of the body whose iterations only add to floats declared before
//! it (`loss += ..`, `loss -= ..`, `loss = loss + ..`; one accumulator or several), over `a..b`,
//! `a..=b` or an exact-size iterator (`x.iter()`, `&v`, `.zip(..)`, `.enumerate()`,
//! `.chunks_exact(d)`, ...). `NAME_grad` keeps its serial signature. Each thread runs a contiguous
//! chunk of the iterations (the statements before the loop once per chunk, those after it once,
//! on the totals) and the chunks' values and gradients are added in chunk order, so the result is
//! the same for the same number of threads and **the value is `NAME`'s up to rounding, not bit
//! for bit**; the gradient is exact (the chain rule over the pieces, each differentiated by the
//! engine). Short loops (an estimate from the loop's body; `parallel(min_len = N)` sets the number
//! of iterations) and a pool of one thread run the serial gradient, bit for bit. A loop that
//! carries state from one iteration to the next (an RNN's hidden state, a buffer written, a
//! `break`) cannot be split: a compile error names the statement.
//!
//! ```
//! # #[cfg(feature = "parallel")] {
//! use grad::gradient;
//!
//! #[gradient(wrt(w), parallel)]
//! fn mean_squared_error(w: &[f64], x: &[f64], y: &[f64]) -> f64 {
//!     let d = w.len();
//!     let mut loss = 0.0;
//!     for (row, &target) in x.chunks_exact(d).zip(y) {
//!         let mut pred = 0.0;
//!         for j in 0..d {
//!             pred += row[j] * w[j];
//!         }
//!         loss += (pred - target).powi(2);
//!     }
//!     loss / y.len() as f64
//! }
//!
//! let x: Vec<f64> = (0..40_000).map(|k| (k as f64 * 0.37).sin()).collect();
//! let y: Vec<f64> = (0..20_000).map(|k| (k as f64 * 0.11).cos()).collect();
//! let mut dw = [0.0; 2];
//! let value = mean_squared_error_grad(&[0.5, -0.25], &x, &y, &mut dw);
//! let exact = mean_squared_error(&[0.5, -0.25], &x, &y);
//! assert!((value - exact).abs() <= 1e-12 * exact);
//! # }
//! ```
//!
//! # What a body may contain
//!
//! - float literals (suffixed or not), `const`s, parentheses, unary minus, `+ - * /`,
//!   `+= -= *= /=`; `let` with or without a type, shadowing, `let mut` and `mut` parameters,
//!   `let y;` assigned later, tuples (of tuple expressions, `sin_cos()`, computed by blocks, `if`s
//!   and `match`es, held in locals read by field `t.0`), blocks, `&` and `&mut` references to
//!   locals, `std::mem::swap`;
//! - `if` / `else if` / `else` and `match` (literals, ranges, `|`, guards, variants, bindings of
//!   constant data with guards that read them, `_`) as statement and expression, comparisons and
//!   `&& || !`, early `return` anywhere, also inside loops and `match` arms (the derivative is
//!   that of the path taken); `panic!` and
//!   `unreachable!` on paths not taken; `#[cfg]` on statements (the gradient follows the compiled
//!   code);
//! - the float methods `powi powf sqrt cbrt exp exp2 exp_m1 ln log log2 log10 ln_1p sin cos tan asin
//!   acos atan atan2 sinh cosh tanh asinh acosh atanh abs signum hypot recip mul_add max min clamp
//!   to_degrees to_radians floor ceil round trunc fract`, as methods or paths (`f64::exp(x)`,
//!   `<f64>::exp(x)`), on any receiver (`f64::max(0.0, z)`, `2.0_f64.powf(x)`, `BASE.powf(x)`);
//!   `std::f64::consts::*`; `as f64` casts of integers and `f64::from`;
//! - indexing, `.len()`, integer arithmetic; `for` over ranges (`.rev()`, `.step_by(k)`) and over
//!   slices (`.iter()`, `.enumerate()`, `.zip(..)`, `.skip(k)`, `.take(k)`), over pieces of a
//!   slice (`.windows(k)`, `.chunks(k)`, `.chunks_exact(k)`) and over constant data of any shape
//!   (`&[(f64, f64)]`, `&[Vec<f64>]`, `&[[f64; 3]]`), `while`, `loop`, `break` (with a value out of
//!   a `loop`, also labeled) and `continue`, also labeled (`continue 'outer;`), nested loops,
//!   accumulators and loop-carried state; `let Some((i, j)) = k else { return ..; };` on constant
//!   data;
//! - local buffers `let mut z = vec![0.0; n];` or `[0.0; N]`, written (`z[i] = ..`, `fill`, `swap`,
//!   `copy_from_slice`) and read by index, also across the iterations of a loop (a hidden buffer
//!   reused for every sample, an RNN's state vector); array literals of floats (`[x, 2.0 * y]`) and
//!   small matrices (`[[x, y], [y, x]]`, `[[0.0; 3]; 2]`, read and written as `m[i][j]`);
//!   vectors filled by `push` (`Vec::new()`, then pushes that always run: at the top of one
//!   `for` loop's body, or in straight-line code);
//! - reductions `x.iter().map(|v| v * v).sum::<f64>()`, `.product()`, `.fold(init, |acc, v| ..)`
//!   (or `.fold(f64::NEG_INFINITY, f64::max)`), after `.filter(..)` or `.take_while(..)`, over
//!   ranges, local buffers and constant data; `.max_by(|a, b| a.total_cmp(b)).unwrap()` and
//!   `min_by`; `collect()` into a `Vec<f64>` and `to_vec()`, which make local buffers;
//! - calls to other `#[gradient]` functions, with scalars, slices or sub-slices (`&w[0..3]`), and
//!   constants of any type in any position.
//!
//! ```
//! use grad::gradient;
//!
//! #[gradient]
//! fn sigmoid(z: f64) -> f64 {
//!     1.0 / (1.0 + (-z).exp())
//! }
//!
//! /// A tanh recurrence: the gradient runs backwards over the stored hidden states.
//! #[gradient(wrt(a, u))]
//! fn rnn(a: f64, u: f64, x: &[f64], y: &[f64]) -> f64 {
//!     let mut h = 0.0;
//!     let mut loss = 0.0;
//!     for (&xt, &yt) in x.iter().zip(y.iter()) {
//!         h = (a * h + u * xt).tanh();
//!         loss += (sigmoid(h) - yt).powi(2);
//!     }
//!     loss
//! }
//!
//! let (x, y) = ([0.5, -0.2, 0.9], [0.6, 0.4, 0.7]);
//! let (value, [da, du]) = rnn_grad(0.8, 0.6, &x, &y);
//! let h = 1e-6;
//! let fd_a = (rnn(0.8 + h, 0.6, &x, &y) - rnn(0.8 - h, 0.6, &x, &y)) / (2.0 * h);
//! assert_eq!(value, rnn(0.8, 0.6, &x, &y));
//! assert!((da - fd_a).abs() < 1e-8 && du.is_finite());
//! ```
//!
//! A function without `#[gradient]` in the caller's module (`fn sigmoid(z: f64) -> f64` beside
//! the loss) is read from the file being compiled and inlined at its calls, or derived there as
//! if it were annotated (one that calls itself, a generic one); see the README's "Helpers without
//! `#[gradient]`". A function the macro cannot read that way (another file's, called by a path,
//! imported with `use`, or code the macro does not see as a file, such as a doctest) fails to
//! compile with ``cannot find function `helper_grad` `` at the call: annotate `helper` with
//! `#[gradient]`. A callee with `wrt(...)`
//! must differentiate every argument that depends on the caller's inputs; the build says so at
//! the call otherwise.
//!
//! # Where a derivative does not exist
//!
//! `abs` → 0 at 0; `max`/`min` → the argument returned, half to each on a tie (as JAX's
//! `maximum`), a NaN argument none; `clamp` → 1 for `x` on or between the bounds, else 1 for the bound returned;
//! `hypot` → 0 at the origin; `signum`, `floor`, `ceil`, `round`, `trunc` → 0; `fract` → 1;
//! a float through `f32` (`(x as f32) as f64`, `f64::from(x as f32)`) → 1, rounded as written;
//! `sqrt` at 0 → +∞; `powf` → 0 for the exponent where the power is 0; the branch an `if` takes
//! decides at a tie of its condition. A value the result does not depend on at the point (a path
//! not taken, a saturated `tanh`, an intermediate that underflowed) contributes exactly 0, even
//! where its own local derivative is infinite (`sqrt` or `ln` at 0 before an early return): the
//! gradient is never NaN because of 0 · ∞ (Enzyme's "strong zero"; JAX gives NaN there). Infinite
//! *data* multiplying a differentiated value on the path taken follows IEEE arithmetic.
//!
//! ```
//! use grad::gradient;
//!
//! #[gradient]
//! fn kinks(x: f64, y: f64) -> f64 {
//!     x.abs() + x.max(y)
//! }
//!
//! assert_eq!(kinks_grad(0.0, 0.0), (0.0, [0.5, 0.5])); // abs'(0) = 0; the tie is shared
//! ```
//!
//! # Errors
//!
//! What the macro cannot differentiate is a compile error at the exact tokens that says what to
//! change: unknown methods, macros other than `assert!`-like and panicking ones, closures outside
//! reductions, `while let`, `unsafe`, `async`/`const` functions, a type parameter as the float type
//! without a bound, methods taking `self` or `&mut self`
//! (`self`), casts that drop a derivative (`x as i32` of a differentiated `x`), mixing `f32` and
//! `f64`, `%` on floats, expressions that would read a differentiated slice without following its
//! derivative (`xs[1..3][0]`). Every error of a
//! function shows in one build, and a `NAME_grad` stub keeps follow-on errors away.

// The macro's own documentation (shown once, inline).
#[doc(hidden)]
pub use grad_macro::__inline_spec;
#[doc(inline)]
pub use grad_macro::gradient;

#[doc(inline)]
pub use grad_macro::custom_gradient;

#[doc(inline)]
pub use grad_macro::Params;

#[doc(no_inline)]
pub use grad_runtime::Params;

/// The float types (`f32`, `f64`) as one bound, for generic `#[gradient]` functions and models.
#[doc(no_inline)]
pub use grad_runtime::Real;

// The runtime crate's documentation, reached from this front page.
#[doc(inline)]
pub use grad_runtime as runtime;
