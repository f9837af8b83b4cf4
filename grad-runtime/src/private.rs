//! Support for the code `#[gradient]` generates; not an API.
//!
//! A field of a differentiated model that the macro reads only as data (a loop bound, an index,
//! a condition) must not be a float: a float read there is a parameter whose derivative would be
//! lost. The macro cannot see the field's type, so the generated `NAME_grad` asks the compiler:
//! `let _: DataField = (&&Probe::of(&m.field)).check();` picks the impl for floats (whose type
//! does not fit) only when the field is `f32` or `f64` — a compile error at the user's tokens.

use std::marker::PhantomData;

#[doc(hidden)]
pub struct Probe<T>(PhantomData<T>);

impl<T> Probe<T> {
    #[doc(hidden)]
    pub fn of(_: &T) -> Self {
        Probe(PhantomData)
    }
}

/// What a data field's check gives.
#[doc(hidden)]
pub struct DataField;

/// What a float field's check gives: the type named in the error the user reads.
#[doc(hidden)]
pub struct FloatFieldReadOnlyAsDataReadItAsANumberSomewhereOrBindItWithLetXF64;

#[doc(hidden)]
pub trait FloatCheck {
    fn check(&self) -> FloatFieldReadOnlyAsDataReadItAsANumberSomewhereOrBindItWithLetXF64;
}

impl FloatCheck for &Probe<f64> {
    fn check(&self) -> FloatFieldReadOnlyAsDataReadItAsANumberSomewhereOrBindItWithLetXF64 {
        FloatFieldReadOnlyAsDataReadItAsANumberSomewhereOrBindItWithLetXF64
    }
}

impl FloatCheck for &Probe<f32> {
    fn check(&self) -> FloatFieldReadOnlyAsDataReadItAsANumberSomewhereOrBindItWithLetXF64 {
        FloatFieldReadOnlyAsDataReadItAsANumberSomewhereOrBindItWithLetXF64
    }
}

#[doc(hidden)]
pub trait DataCheck {
    fn check(&self) -> DataField;
}

impl<T> DataCheck for Probe<T> {
    fn check(&self) -> DataField {
        DataField
    }
}

/// The conversion of constants into a generic float type, named whatever the user imported.
#[doc(hidden)]
pub use num_traits::NumCast;

/// What the generated code of a generic function asks of its float type.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`#[gradient]` computes in `{Self}`, the return type, which is not a float type",
    label = "the float type of this function",
    note = "bound the type parameter by num-traits' `Float` (`fn f<T: Float>(x: T) -> T`) or by `grad::Real`"
)]
pub trait GenericFloat: num_traits::Float {}

impl<T: num_traits::Float> GenericFloat for T {}

/// Checks at compile time that `T` is a float type (see [`GenericFloat`]).
#[doc(hidden)]
#[inline(always)]
pub fn generic_float<T: GenericFloat>() {}

/// The new contents of a buffer that a plain function writes as its output parameter
/// (`f(x, &mut h)` on data inside a `#[gradient]` function): `f` runs on a copy of `old`; what
/// it returns (a function that also returns a value) is dropped.
#[doc(hidden)]
pub fn out_call<T: Copy, R, F: FnOnce(&mut [T]) -> R>(f: F, old: &[T]) -> Vec<T> {
    let mut new = old.to_vec();
    let _ = f(&mut new);
    new
}

#[cfg(test)]
mod tests {
    use super::{DataCheck, DataField, FloatCheck, Probe};

    // The double borrow is the mechanism: method lookup tries `&Probe` first.
    #[test]
    #[allow(clippy::needless_borrow)]
    fn integers_pass_and_floats_are_told_apart() {
        let _: DataField = (&&Probe::of(&3usize)).check();
        let _: DataField = (&&Probe::of(&true)).check();
        let _: DataField = (&&Probe::of(&vec![1.0f64])).check();
        let float = (&&Probe::of(&1.0f64)).check();
        assert_eq!(
            std::any::type_name_of_val(&float).rsplit("::").next(),
            Some("FloatFieldReadOnlyAsDataReadItAsANumberSomewhereOrBindItWithLetXF64")
        );
    }
}

/// Whether a vector-valued function's caller differentiates an argument: the argument types of
/// `NAME__split` (see the macro's `split`), so each activity pattern is its own
/// monomorphization and the adjoint of an argument the caller does not differentiate is
/// removed at compile time.
#[doc(hidden)]
pub trait Flag: Copy {
    const ON: bool;
}

/// The caller differentiates this argument: its gradient is added to the caller's buffer.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct On;

/// The caller passes data here: no gradient is computed for it.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct Off;

impl Flag for On {
    const ON: bool = true;
}

impl Flag for Off {
    const ON: bool = false;
}

/// Where the gradient of a model's sequence field goes: the gradient model's own field when it
/// is storage (`Vec<T>`, `[T; N]`), nowhere when it is a reference (a data field such as
/// `data: &'a [f64]`, which the gradient cannot be written into).
#[doc(hidden)]
pub trait GradBuffer<T> {
    fn grad_buffer(&mut self) -> Option<&mut [T]>;
    /// The field as a direction of a Hessian–vector product: none for a reference (data).
    fn tangent(&self) -> Option<&[T]>;
}

impl<T> GradBuffer<T> for Vec<T> {
    fn grad_buffer(&mut self) -> Option<&mut [T]> {
        Some(&mut self[..])
    }

    fn tangent(&self) -> Option<&[T]> {
        Some(&self[..])
    }
}

impl<T, const N: usize> GradBuffer<T> for [T; N] {
    fn grad_buffer(&mut self) -> Option<&mut [T]> {
        Some(&mut self[..])
    }

    fn tangent(&self) -> Option<&[T]> {
        Some(&self[..])
    }
}

impl<T> GradBuffer<T> for &[T] {
    fn grad_buffer(&mut self) -> Option<&mut [T]> {
        None
    }

    fn tangent(&self) -> Option<&[T]> {
        None
    }
}

impl<T> GradBuffer<T> for &Vec<T> {
    fn grad_buffer(&mut self) -> Option<&mut [T]> {
        None
    }

    fn tangent(&self) -> Option<&[T]> {
        None
    }
}

impl<T, const N: usize> GradBuffer<T> for &[T; N] {
    fn grad_buffer(&mut self) -> Option<&mut [T]> {
        None
    }

    fn tangent(&self) -> Option<&[T]> {
        None
    }
}

impl<T> GradBuffer<T> for &mut [T] {
    fn grad_buffer(&mut self) -> Option<&mut [T]> {
        Some(&mut self[..])
    }

    fn tangent(&self) -> Option<&[T]> {
        Some(&self[..])
    }
}

/// The bound of the `NAME__hvp_call` a `#[custom_gradient]` rule without a second-order rule
/// emits: never met, and written with a lifetime bound by `for<'a>` so that the compiler checks
/// it where the function is called (under `hvp`), not where it is defined.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "this function has a `#[custom_gradient]` rule but no second-order rule, which `hvp` and `NAME_hessian` need: write `#[custom_gradient(hvp)]` on the rule to derive it from the rule's own gradient, or `#[custom_gradient(hvp = NAME_hvp)]` to give `(value, gradient, H·v)` by hand",
    label = "differentiated twice here"
)]
pub trait SecondOrderRule {}

/// See [`SecondOrderRule`].
#[doc(hidden)]
pub struct NoSecondOrderRule<'a>(PhantomData<&'a ()>);

/// The bound of the `NAME__hvp_call` a `#[gradient]` function without `hvp` emits: never met,
/// checked where a caller with `hvp` calls it (see [`SecondOrderRule`]).
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "this function is called by a `#[gradient(hvp)]` function but has no `hvp` itself, which the caller's second derivatives need: add `hvp` to its `#[gradient(..)]`",
    label = "differentiated twice here"
)]
pub trait HvpOfCallee {}

/// See [`HvpOfCallee`].
#[doc(hidden)]
pub struct NoHvp<'a>(PhantomData<&'a ()>);

/// Asks, in the code `#[gradient]` generates, whether a parameter's type named by a path the
/// macro cannot resolve (`type Real = f64;`) is `f64` or `f32`: the inherent methods below, for
/// those two, take precedence over [`NotTheFloatType`]'s, and their bound is never met.
#[doc(hidden)]
pub struct FloatProbe<T: ?Sized>(PhantomData<T>);

impl<T: ?Sized> FloatProbe<T> {
    #[must_use]
    pub const fn new() -> Self {
        FloatProbe(PhantomData)
    }
}

impl<T: ?Sized> Default for FloatProbe<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// What every type other than `f64` and `f32` gets: nothing to report.
#[doc(hidden)]
pub trait NotTheFloatType {
    #[inline(always)]
    fn not_the_float_type(&self) {}
}

impl<T: ?Sized> NotTheFloatType for FloatProbe<T> {}

/// The bound of the probe's methods for `f64` and `f32`: never met, and written with a lifetime
/// bound by `for<'a>` so that it is checked where the probe is called.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`#[gradient]` sees a parameter whose type is `f64` or `f32` under another name (a type alias), which it would silently leave a constant",
    label = "an alias of the float type",
    note = "write the float type (`f64`, `&[f64]`, ...) in the signature so that the parameter is differentiated, or leave it out with `#[gradient(wrt(..))]` to make it a constant"
)]
pub trait FloatTypeSpelledOut {}

/// See [`FloatTypeSpelledOut`].
#[doc(hidden)]
pub struct AliasOfTheFloatType<'a>(PhantomData<&'a ()>);

impl FloatProbe<f64> {
    pub fn not_the_float_type(&self)
    where
        for<'a> AliasOfTheFloatType<'a>: FloatTypeSpelledOut,
    {
    }
}

impl FloatProbe<f32> {
    pub fn not_the_float_type(&self)
    where
        for<'a> AliasOfTheFloatType<'a>: FloatTypeSpelledOut,
    {
    }
}

/// What every type that is not a model gets: nothing to report.
#[doc(hidden)]
pub trait NotAModel {
    #[inline(always)]
    fn not_a_model(&self) {}
}

impl<T: ?Sized> NotAModel for FloatProbe<T> {}

/// The bound of the probe's method for models: never met (see [`FloatTypeSpelledOut`]).
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`#[gradient]` without `wrt(..)` sees a model (a `Params` type) as a parameter, which it would silently leave a constant",
    label = "a model, not differentiated",
    note = "name the parameters to differentiate: `#[gradient(wrt(m))]` gives the model's gradient (`d_m`), `#[gradient(wrt(x))]` differentiates `x` only and keeps the model a constant"
)]
pub trait ModelNamedInWrt {}

/// See [`ModelNamedInWrt`].
#[doc(hidden)]
pub struct ModelLeftOut<'a>(PhantomData<&'a ()>);

/// A type made a model by `#[derive(grad::Params)]` (not the floats and sequences of floats
/// that are `Params` too).
#[doc(hidden)]
pub trait DerivedModel {}

impl<T: DerivedModel + ?Sized> FloatProbe<T> {
    pub fn not_a_model(&self)
    where
        for<'a> ModelLeftOut<'a>: ModelNamedInWrt,
    {
    }
}

/// A local buffer (held as a `Vec` or an array) passed on to a parameter `&[T]`, `&[T; N]` or
/// `&Vec<T>` of another `#[gradient]` function, whose type the macro cannot see: the parameter's
/// type picks the impl.
#[doc(hidden)]
pub trait FromBuffer<S: ?Sized> {
    fn from_buffer(s: &S) -> &Self;
}

impl<E> FromBuffer<Vec<E>> for Vec<E> {
    fn from_buffer(s: &Vec<E>) -> &Self {
        s
    }
}

impl<E> FromBuffer<Vec<E>> for [E] {
    fn from_buffer(s: &Vec<E>) -> &Self {
        s
    }
}

impl<E, const N: usize> FromBuffer<Vec<E>> for [E; N] {
    fn from_buffer(s: &Vec<E>) -> &Self {
        s.as_slice()
            .try_into()
            .expect("a buffer passed as an array has the array's length")
    }
}

impl<E, const N: usize> FromBuffer<[E; N]> for [E; N] {
    fn from_buffer(s: &[E; N]) -> &Self {
        s
    }
}

impl<E, const N: usize> FromBuffer<[E; N]> for [E] {
    fn from_buffer(s: &[E; N]) -> &Self {
        s
    }
}

/// See [`FromBuffer`].
#[doc(hidden)]
pub fn buffer_arg<S: ?Sized, T: ?Sized + FromBuffer<S>>(s: &S) -> &T {
    T::from_buffer(s)
}

/// A local buffer passed on by value to a parameter `[T; N]` (or `Vec<T>`) of another
/// `#[gradient]` function: a copy, as the user's code passes one; or by its name to a parameter
/// `&[T]` (`&[T; N]`, `&Vec<T>`), where the user's name held a reference to it (`let s: &[f64] =
/// &[a, b];`): the buffer lent.
#[doc(hidden)]
pub trait FromBufferValue<'a, S: ?Sized> {
    fn from_buffer_value(s: &'a S) -> Self;
}

impl<E: Clone> FromBufferValue<'_, Vec<E>> for Vec<E> {
    fn from_buffer_value(s: &Vec<E>) -> Self {
        s.clone()
    }
}

impl<E: Copy, const N: usize> FromBufferValue<'_, Vec<E>> for [E; N] {
    fn from_buffer_value(s: &Vec<E>) -> Self {
        s.as_slice()
            .try_into()
            .expect("a buffer passed as an array has the array's length")
    }
}

impl<E: Copy, const N: usize> FromBufferValue<'_, [E; N]> for [E; N] {
    fn from_buffer_value(s: &[E; N]) -> Self {
        *s
    }
}

impl<'a, E> FromBufferValue<'a, Vec<E>> for &'a [E] {
    fn from_buffer_value(s: &'a Vec<E>) -> Self {
        s
    }
}

impl<'a, E, const N: usize> FromBufferValue<'a, [E; N]> for &'a [E] {
    fn from_buffer_value(s: &'a [E; N]) -> Self {
        s
    }
}

impl<'a, E, const N: usize> FromBufferValue<'a, [E; N]> for &'a [E; N] {
    fn from_buffer_value(s: &'a [E; N]) -> Self {
        s
    }
}

impl<'a, E, const N: usize> FromBufferValue<'a, Vec<E>> for &'a [E; N] {
    fn from_buffer_value(s: &'a Vec<E>) -> Self {
        s.as_slice()
            .try_into()
            .expect("a buffer passed as an array has the array's length")
    }
}

impl<'a, E> FromBufferValue<'a, Vec<E>> for &'a Vec<E> {
    fn from_buffer_value(s: &'a Vec<E>) -> Self {
        s
    }
}

/// See [`FromBufferValue`].
#[doc(hidden)]
pub fn buffer_value<'a, S: ?Sized, T: FromBufferValue<'a, S>>(s: &'a S) -> T {
    T::from_buffer_value(s)
}

/// A part of a buffer (`&b[..]`, `&b[a..c]`) passed to a parameter `&[T]` or `&[T; N]` of a
/// callee's hidden second-order function, whose type the caller does not see: as the slice, or
/// as the array of its length.
#[doc(hidden)]
pub trait FromSlice<E> {
    fn from_slice(s: &[E]) -> &Self;
    fn from_slice_mut(s: &mut [E]) -> &mut Self;
}

impl<E> FromSlice<E> for [E] {
    fn from_slice(s: &[E]) -> &Self {
        s
    }
    fn from_slice_mut(s: &mut [E]) -> &mut Self {
        s
    }
}

impl<E, const N: usize> FromSlice<E> for [E; N] {
    fn from_slice(s: &[E]) -> &Self {
        s.try_into()
            .expect("a buffer passed as an array has the array's length")
    }
    fn from_slice_mut(s: &mut [E]) -> &mut Self {
        s.try_into()
            .expect("a buffer passed as an array has the array's length")
    }
}

/// See [`FromSlice`].
#[doc(hidden)]
pub fn slice_arg<E, T: ?Sized + FromSlice<E>>(s: &[E]) -> &T {
    T::from_slice(s)
}

/// See [`FromSlice`].
#[doc(hidden)]
pub fn slice_arg_mut<E, T: ?Sized + FromSlice<E>>(s: &mut [E]) -> &mut T {
    T::from_slice_mut(s)
}

/// What the gradient of a function of slices alone returns, as `check(at(..))` reads it: the
/// value (the form `#[gradient]` emits), or a hand-written rule's `(value, [])`.
#[doc(hidden)]
pub trait SliceOnlyResult<T> {
    fn value_and_none(self) -> (T, [T; 0]);
}

impl SliceOnlyResult<f64> for f64 {
    fn value_and_none(self) -> (f64, [f64; 0]) {
        (self, [])
    }
}

impl SliceOnlyResult<f32> for f32 {
    fn value_and_none(self) -> (f32, [f32; 0]) {
        (self, [])
    }
}

impl<T> SliceOnlyResult<T> for (T, [T; 0]) {
    fn value_and_none(self) -> (T, [T; 0]) {
        self
    }
}

/// Where each element's rows start among the rows of all elements end to end, and where the
/// last ends (`[0, 3, 5]` for elements of 3 and 2 rows): the generated code reads a field of
/// rows of the elements of a `Vec` of structs (`m.layers[l].w[i][j]`) as one list of rows
/// (`w[offsets[l] + i][j]`).
#[doc(hidden)]
pub fn row_offsets(lens: impl IntoIterator<Item = usize>) -> Vec<usize> {
    let mut out = vec![0];
    let mut end = 0;
    for n in lens {
        end += n;
        out.push(end);
    }
    out
}
