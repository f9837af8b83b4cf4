//! Models as structs: the [`Params`] trait, which `#[derive(grad::Params)]` implements.
//!
//! A model is a tree whose leaves are floats: `f64`, `Vec<f64>`, `[f64; N]`, `Vec<Vec<f64>>`,
//! `[[f64; N]; M]`, nested structs, `Vec`s of structs. The trait walks the leaves in field order,
//! which gives every model a flat view (what the optimizers step) without the user computing an
//! offset, and a gradient of the model's own type (`m.zeros_like()`).

use crate::core::Real;

/// A tree of trainable floats: a float, a sequence of `Params`, or a struct deriving it.
///
/// Leaves are visited in a fixed order (fields in declaration order, sequences front to back),
/// so [`write_flat`](Params::write_flat) and [`read_flat`](Params::read_flat) are inverse views.
/// `#[derive(grad::Params)]` implements it for a struct by visiting its fields; integer and `bool`
/// fields (also `Vec`s and arrays of them) and fields marked `#[params(skip)]` are data, not parameters (they must be `Clone`:
/// [`zeros_like`](Params::zeros_like) copies them into the gradient).
///
/// ```
/// use grad_runtime::Params;
///
/// let w = vec![vec![1.0, 2.0], vec![3.0]];
/// assert_eq!(w.num_params(), 3);
/// assert_eq!(w.to_flat(), [1.0, 2.0, 3.0]);
///
/// let mut g = w.zeros_like();
/// g.read_flat(&[0.5, 0.25, 0.125]);
/// assert_eq!(g, vec![vec![0.5, 0.25], vec![0.125]]);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a tree of trainable parameters",
    label = "not `Params`",
    note = "derive it (`#[derive(grad::Params)]`) for a struct of floats, float sequences and nested models; mark other fields `#[params(skip)]`",
    note = "a method's `&self` is differentiated unless `#[gradient(wrt(..))]` names other parameters: if `self` is data, name them"
)]
pub trait Params {
    /// The float type of the leaves (`f32` or `f64`).
    type Scalar: Real;

    /// How many floats the tree holds.
    ///
    /// ```
    /// use grad_runtime::Params;
    ///
    /// assert_eq!([[0.0_f32; 3]; 2].num_params(), 6);
    /// ```
    fn num_params(&self) -> usize;

    /// Copies the leaves, in order, to the front of `out` (which holds at least
    /// [`num_params`](Params::num_params) floats; a shorter one panics saying so).
    ///
    /// ```
    /// use grad_runtime::Params;
    ///
    /// let mut out = [0.0; 3];
    /// vec![1.0, 2.0].write_flat(&mut out);
    /// assert_eq!(out, [1.0, 2.0, 0.0]);
    /// ```
    fn write_flat(&self, out: &mut [Self::Scalar]);

    /// Overwrites the leaves, in order, from the front of `src` (which holds at least
    /// [`num_params`](Params::num_params) floats; a shorter one panics saying so); the shape
    /// stays.
    ///
    /// ```
    /// use grad_runtime::Params;
    ///
    /// let mut w = [0.0; 2];
    /// w.read_flat(&[4.0, 5.0, 6.0]);
    /// assert_eq!(w, [4.0, 5.0]);
    /// ```
    fn read_flat(&mut self, src: &[Self::Scalar]);

    /// Sets every leaf to `value`.
    ///
    /// ```
    /// use grad_runtime::Params;
    ///
    /// let mut w = vec![1.0, 2.0];
    /// w.fill_params(0.0);
    /// assert_eq!(w, [0.0, 0.0]);
    /// ```
    fn fill_params(&mut self, value: Self::Scalar);

    /// Where `other` differs in shape from `self` (`Some(".w1: length 4, expected 6")`), or `None`.
    ///
    /// ```
    /// use grad_runtime::Params;
    ///
    /// assert_eq!(vec![1.0, 2.0].shape_mismatch(&vec![3.0, 4.0]), None);
    /// assert_eq!(
    ///     vec![vec![1.0], vec![2.0]].shape_mismatch(&vec![vec![1.0], vec![]]),
    ///     Some("[1]: length 0, expected 1".to_string())
    /// );
    /// ```
    fn shape_mismatch(&self, other: &Self) -> Option<String>;

    /// A tree of the same shape with every leaf zero, and data fields copied (`Clone`): a
    /// gradient buffer to pass as `d_m`.
    ///
    /// ```
    /// use grad_runtime::Params;
    ///
    /// assert_eq!(vec![1.5, -2.0].zeros_like(), [0.0, 0.0]);
    /// ```
    fn zeros_like(&self) -> Self
    where
        Self: Sized;

    /// A copy whose leaves are read from `flat` (a flat view such as a report's `x`).
    ///
    /// ```
    /// use grad_runtime::Params;
    ///
    /// let shape = vec![[0.0; 2]; 2];
    /// assert_eq!(shape.with_flat(&[1.0, 2.0, 3.0, 4.0]), [[1.0, 2.0], [3.0, 4.0]]);
    /// ```
    fn with_flat(&self, flat: &[Self::Scalar]) -> Self
    where
        Self: Sized,
    {
        let mut m = self.zeros_like();
        m.read_flat(flat);
        m
    }

    /// The leaves as one vector, in order.
    ///
    /// ```
    /// use grad_runtime::Params;
    ///
    /// assert_eq!([[1.0, 2.0], [3.0, 4.0]].to_flat(), [1.0, 2.0, 3.0, 4.0]);
    /// ```
    fn to_flat(&self) -> Vec<Self::Scalar> {
        let mut v = vec![<Self::Scalar as num_traits::Zero>::zero(); self.num_params()];
        self.write_flat(&mut v);
        v
    }

    /// The flat positions of the leaves `mark` selects: `mark` gets a tree of zeros of this
    /// shape and sets the leaves it wants to anything else, typically whole fields with
    /// [`fill_params`](Params::fill_params). Names a parameter group or a weight-decay mask by
    /// fields, without computing an offset: for a model,
    /// `model.flat_indices(|m| { m.w1.fill_params(1.0); m.w2.fill_params(1.0) })`.
    ///
    /// ```
    /// use grad_runtime::Params;
    ///
    /// // Two "layers" of three and two weights, then a bias.
    /// let model = vec![vec![0.5; 3], vec![0.5; 2], vec![0.0]];
    /// assert_eq!(model.flat_indices(|m| m[1].fill_params(1.0)), [3, 4]);
    /// assert_eq!(model.flat_indices(|m| m[2][0] = 1.0), [5]);
    /// ```
    fn flat_indices(&self, mark: impl FnOnce(&mut Self)) -> Vec<usize>
    where
        Self: Sized,
    {
        let mut flags = self.zeros_like();
        flags.fill_params(<Self::Scalar as num_traits::Zero>::zero());
        mark(&mut flags);
        let flat = flags.to_flat();
        (0..flat.len())
            .filter(|&i| flat[i] != <Self::Scalar as num_traits::Zero>::zero())
            .collect()
    }
}

macro_rules! float_leaf {
    ($($t:ty),*) => {$(
        impl Params for $t {
            type Scalar = $t;

            fn num_params(&self) -> usize {
                1
            }

            fn write_flat(&self, out: &mut [$t]) {
                // Every walk ends at a leaf, so a short buffer is caught here with a message
                // rather than an index error inside the walk.
                let Some(slot) = out.first_mut() else {
                    short_flat("write_flat", "out")
                };
                *slot = *self;
            }

            fn read_flat(&mut self, src: &[$t]) {
                let Some(&v) = src.first() else {
                    short_flat("read_flat", "src")
                };
                *self = v;
            }

            fn fill_params(&mut self, value: $t) {
                *self = value;
            }

            fn shape_mismatch(&self, _: &Self) -> Option<String> {
                None
            }

            fn zeros_like(&self) -> Self {
                0.0
            }
        }
    )*};
}
float_leaf!(f32, f64);

#[cold]
#[track_caller]
fn short_flat(method: &str, slice: &str) -> ! {
    panic!(
        "Params::{method}: `{slice}` ends before the last parameter; \
         it must hold at least num_params() floats"
    )
}

/// The shared walk of `Vec<P>` and `[P; N]`.
fn seq_write<P: Params>(items: &[P], out: &mut [P::Scalar]) {
    let mut at = 0;
    for p in items {
        p.write_flat(&mut out[at..]);
        at += p.num_params();
    }
}

fn seq_read<P: Params>(items: &mut [P], src: &[P::Scalar]) {
    let mut at = 0;
    for p in items {
        p.read_flat(&src[at..]);
        at += p.num_params();
    }
}

fn seq_mismatch<P: Params>(a: &[P], b: &[P]) -> Option<String> {
    if a.len() != b.len() {
        return Some(format!(": length {}, expected {}", b.len(), a.len()));
    }
    a.iter()
        .zip(b)
        .enumerate()
        .find_map(|(i, (x, y))| x.shape_mismatch(y).map(|m| format!("[{i}]{m}")))
}

/// `Vec<P>` and `[P; N]`: the elements in order; they differ only in how a copy is built.
macro_rules! seq_params {
    ($ty:ty, [$($generics:tt)*], $zeros:expr) => {
        impl<P: Params, $($generics)*> Params for $ty {
            type Scalar = P::Scalar;

            fn num_params(&self) -> usize {
                self.iter().map(Params::num_params).sum()
            }

            fn write_flat(&self, out: &mut [P::Scalar]) {
                seq_write(self, out);
            }

            fn read_flat(&mut self, src: &[P::Scalar]) {
                seq_read(self, src);
            }

            fn fill_params(&mut self, value: P::Scalar) {
                self.iter_mut().for_each(|p| p.fill_params(value));
            }

            fn shape_mismatch(&self, other: &Self) -> Option<String> {
                seq_mismatch(self, other)
            }

            fn zeros_like(&self) -> Self {
                $zeros(self)
            }
        }
    };
}

seq_params!(Vec<P>, [], |v: &Vec<P>| v
    .iter()
    .map(Params::zeros_like)
    .collect());
seq_params!([P; N], [const N: usize], |a: &[P; N]| std::array::from_fn(|i| a[i].zeros_like()));

/// A pair (`(x, y)` rows of `&[(f64, f64)]`): the first's numbers, then the second's.
///
/// ```
/// use grad_runtime::Params;
///
/// let pts = vec![(1.0, 2.0), (3.0, 4.0)];
/// assert_eq!(pts.to_flat(), [1.0, 2.0, 3.0, 4.0]);
/// assert_eq!(pts.with_flat(&[0.5; 4])[1], (0.5, 0.5));
/// ```
impl<A: Params, B: Params<Scalar = A::Scalar>> Params for (A, B) {
    type Scalar = A::Scalar;

    fn num_params(&self) -> usize {
        self.0.num_params() + self.1.num_params()
    }

    fn write_flat(&self, out: &mut [A::Scalar]) {
        self.0.write_flat(out);
        let at = self.0.num_params();
        let Some(rest) = out.get_mut(at..) else {
            short_flat("write_flat", "out")
        };
        self.1.write_flat(rest);
    }

    fn read_flat(&mut self, src: &[A::Scalar]) {
        self.0.read_flat(src);
        let at = self.0.num_params();
        let Some(rest) = src.get(at..) else {
            short_flat("read_flat", "src")
        };
        self.1.read_flat(rest);
    }

    fn fill_params(&mut self, value: A::Scalar) {
        self.0.fill_params(value);
        self.1.fill_params(value);
    }

    fn shape_mismatch(&self, other: &Self) -> Option<String> {
        (self.0.shape_mismatch(&other.0).map(|m| format!(".0{m}")))
            .or_else(|| self.1.shape_mismatch(&other.1).map(|m| format!(".1{m}")))
    }

    fn zeros_like(&self) -> Self {
        (self.0.zeros_like(), self.1.zeros_like())
    }
}

impl<P: Params> Params for Box<P> {
    type Scalar = P::Scalar;

    fn num_params(&self) -> usize {
        (**self).num_params()
    }

    fn write_flat(&self, out: &mut [P::Scalar]) {
        (**self).write_flat(out);
    }

    fn read_flat(&mut self, src: &[P::Scalar]) {
        (**self).read_flat(src);
    }

    fn fill_params(&mut self, value: P::Scalar) {
        (**self).fill_params(value);
    }

    fn shape_mismatch(&self, other: &Self) -> Option<String> {
        (**self).shape_mismatch(other)
    }

    fn zeros_like(&self) -> Self {
        Box::new((**self).zeros_like())
    }
}

#[cfg(test)]
mod tests {
    use super::Params;

    #[test]
    fn flat_view_round_trips_nested_shapes() {
        let w = vec![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]];
        let flat = w.to_flat();
        assert_eq!(flat, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let mut z = w.zeros_like();
        assert_eq!(z.to_flat(), [0.0; 6]);
        z.read_flat(&flat);
        assert_eq!(z, w);
    }

    #[test]
    fn mismatch_names_the_first_differing_row() {
        let a = vec![vec![1.0_f32; 2], vec![1.0; 3]];
        let b = vec![vec![1.0_f32; 2], vec![1.0; 4]];
        assert_eq!(
            a.shape_mismatch(&b).as_deref(),
            Some("[1]: length 4, expected 3")
        );
        assert_eq!(a.shape_mismatch(&a), None);
    }

    #[test]
    #[should_panic(expected = "Params::read_flat: `src` ends before the last parameter")]
    fn a_short_source_is_named() {
        let mut w = vec![[0.0; 2]; 2];
        w.read_flat(&[1.0, 2.0, 3.0]);
    }

    #[test]
    #[should_panic(expected = "Params::write_flat: `out` ends before the last parameter")]
    fn a_short_destination_is_named() {
        let mut out = [0.0; 1];
        [1.0, 2.0].write_flat(&mut out);
    }
}
