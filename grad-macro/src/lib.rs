//! The `#[gradient]` attribute of the `grad` crate.
//!
//! The pipeline follows `thiserror`/`serde_derive`: `attr` parses the attribute arguments,
//! `sig` checks the signature, `lower` turns the body into the IR of `ir` while collecting every
//! unsupported construct as an error, `memory` marks the buffer writes the backward pass must undo,
//! `reverse` builds the adjoint program from the derivative table in
//! `rules`, `dce` drops what nobody reads, `emit` prints the IR as Rust, and `expand` assembles the
//! output (or, on error, the fallback of `fallback`). Everything below this file works on `proc_macro2`
//! only, so it is unit-tested without a compiler plugin.

extern crate proc_macro;

mod adapt;
mod attr;
mod closure_calls;
mod custom;
mod dce;
mod derive;
mod desugar;
mod emit;
mod errors;
mod expand;
mod fallback;
mod fields;
mod formula;
mod forward;
mod function_values;
#[cfg(test)]
mod fuzz_tests;
mod hvp;
mod in_out;
mod inline;
mod ir;
mod jam;
mod jvp;
mod lower;
mod matrix_returns;
mod memory;
mod monomorph;
mod naming;
mod out_param;
mod parallel;
mod plain_helpers;
mod plain_methods;
mod plain_paths;
mod prescan;
mod promote;
mod rename;
mod reverse;
mod row_names;
mod rows;
mod rule_hvp;
mod rules;
mod sig;
mod split;
#[cfg(test)]
mod tests;
mod vector;

/// Differentiates a function at compile time and emits `NAME_grad` beside it.
///
/// ```
/// use grad::gradient;
///
/// #[gradient]
/// fn f(x: f64, y: f64) -> f64 {
///     x * x + 3.0 * x * y + y * y
/// }
///
/// assert_eq!(f_grad(1.0, 2.0), (11.0, [8.0, 7.0]));
/// ```
///
/// The arguments: `wrt(a, b)` differentiates only the named parameters; `jvp` also emits the
/// forward-mode `NAME_jvp`; `hvp` (or `hessian`, the same) the second-order `NAME_hvp`,
/// `NAME_hessian` and `NAME_hessian_diag`;
/// `check(at(..), ..)` a test against finite differences; `parallel` (or `parallel(min_len = N)`,
/// with the `parallel` feature of `grad`) splits the loss's sum over data points — its top-level
/// `for` loop that only adds to floats declared before it — across rayon's threads. With
/// `parallel` the value of `NAME_grad` is `NAME`'s up to rounding, not bit for bit (the chunks'
/// sums are added in chunk order: the same result for the same number of threads), unless the
/// loop is too short to split or the pool has one thread, when it is the serial gradient.
/// `fast` lets `NAME_grad` reassociate the sums of the loops it interleaves (four partial sums
/// added pairwise): its value is `NAME`'s up to rounding.
///
/// The full contract (parameters, the options, what a body may contain, conventions at
/// non-differentiable points) is documented on the `grad` crate.
#[proc_macro_attribute]
pub fn gradient(
    args: proc_macro::TokenStream,
    item: proc_macro::TokenStream,
) -> proc_macro::TokenStream {
    desugar::abandon_originals();
    prescan::file_of(proc_macro::Span::call_site());
    let out = expand::expand(args.into(), item.into());
    // Dropped while this expansion's token handles are alive: a later expansion may not drop them.
    desugar::forget_originals();
    out.into()
}

/// The function a `#[gradient]` helper taking closures makes for one call of it (see the
/// `closure_calls` module); written by the helper's `NAME__inline!`, not by users.
#[doc(hidden)]
#[proc_macro]
pub fn __inline_spec(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    desugar::abandon_originals();
    prescan::forget_rules();
    let out = closure_calls::spec(input.into());
    desugar::forget_originals();
    out.into()
}

/// Marks a hand-written `NAME_grad` as the derivative of `NAME`: `#[gradient]` code that calls
/// `NAME` uses it (also in forward mode), so functions the macro cannot see through (another
/// crate's special function, a call into C, a numerically careful formula) take part in
/// gradients. Its signature is the one `#[gradient]` would emit: `NAME`'s parameters, then a
/// `d_x: &mut [T]` buffer for each differentiated slice `x`, returning `(value, [∂/∂ each float
/// parameter])`. `check(at(..), ..)` generates a test comparing it with central differences of
/// `NAME` at each point.
///
/// For callers with `hvp` (and `NAME_hessian`), `hvp` derives the rule's second order from its
/// own gradient formulas (the rule must end in `(value, [∂f/∂x, ..])` written out), and
/// `hvp = NAME_hvp` names a hand-written one with the signature `#[gradient(hvp)]` gives
/// `NAME_hvp` (`(params.., v_x.., [v_w, d_w, hv_w per slice]) -> (value, gradient, H·v)`).
/// `check` then also compares each Hessian column with central differences of the gradient.
///
/// ```
/// use grad::{custom_gradient, gradient};
///
/// /// log(1 + eˣ), written so that it does not overflow for large `x`.
/// fn softplus(x: f64) -> f64 {
///     x.max(0.0) + (-x.abs()).exp().ln_1p()
/// }
///
/// #[custom_gradient(hvp, check(at(-3.0), at(0.5), at(40.0)))]
/// fn softplus_grad(x: f64) -> (f64, [f64; 1]) {
///     (softplus(x), [1.0 / (1.0 + (-x).exp())])
/// }
///
/// #[gradient(hvp)]
/// fn loss(w: f64) -> f64 {
///     softplus(2.0 * w) + w * w
/// }
///
/// let (_, [d]) = loss_grad(1.0);
/// assert!((d - (2.0 / (1.0 + (-2.0f64).exp()) + 2.0)).abs() < 1e-12);
/// // d²/dw² = 4 σ(2w)(1 − σ(2w)) + 2
/// let s = 1.0 / (1.0 + (-2.0f64).exp());
/// let (_, _, h) = loss_hessian(1.0);
/// assert!((h[0][0] - (4.0 * s * (1.0 - s) + 2.0)).abs() < 1e-12);
/// ```
#[proc_macro_attribute]
pub fn custom_gradient(
    args: proc_macro::TokenStream,
    item: proc_macro::TokenStream,
) -> proc_macro::TokenStream {
    prescan::forget_rules();
    custom::expand(args.into(), item.into()).into()
}

/// Implements `grad::runtime::Params` for a struct of parameters, visiting its fields in order.
///
/// Fields may be floats, `Vec`s and arrays of them (any depth), and nested structs that derive
/// `Params`. Integer, `bool`, `String` and reference fields (and `Vec`s, arrays, `Option`s and
/// tuples of them) are data, and so is any field marked `#[params(skip)]` (a configuration, a
/// cache).
///
/// ```
/// use grad::Params;
///
/// #[derive(Clone, Debug, PartialEq, Params)]
/// struct Layer {
///     w: Vec<f64>,
///     b: f64,
///     n_in: usize,
///     sizes: Vec<usize>,
/// }
///
/// let layer = Layer { w: vec![1.0, 2.0], b: 3.0, n_in: 2, sizes: vec![2, 1] };
/// assert_eq!(layer.to_flat(), [1.0, 2.0, 3.0]);
/// let zero = Layer { w: vec![0.0, 0.0], b: 0.0, n_in: 2, sizes: vec![2, 1] };
/// assert_eq!(layer.zeros_like(), zero);
/// ```
#[proc_macro_derive(Params, attributes(params))]
pub fn derive_params(item: proc_macro::TokenStream) -> proc_macro::TokenStream {
    derive::expand(item.into()).into()
}
