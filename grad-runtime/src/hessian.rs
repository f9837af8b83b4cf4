//! Sparse and banded Hessians from a few Hessian–vector products.
//!
//! `NAME_hessian` (from `#[gradient(hvp)]`) runs one HVP sweep per parameter, which is what a
//! dense Hessian costs. When the sparsity pattern is known — a chain like the extended Rosenbrock
//! is tridiagonal, a grid couples neighbours — columns that share no row of the pattern can be
//! probed together: with `v = Σ eⱼ` over such a group, `(H v)ᵢ` is the one `Hᵢⱼ` of the group
//! that row `i` has (direct determination, Curtis, Powell & Reid 1974; Nocedal & Wright,
//! *Numerical Optimization*, 2nd ed. (2006), §8.1). The groups come from a greedy colouring of the
//! columns: a banded Hessian of half-bandwidth `b` needs `2b + 1` products whatever `n` is.
//!
//! ```
//! use grad_runtime::hessian::{banded_pattern, sparse_hessian};
//!
//! // H = tridiag(-1, 2, -1), as an HVP closure (what `NAME_hvp` computes at a fixed point).
//! let n = 6;
//! let hvp = |v: &[f64], out: &mut [f64]| {
//!     for i in 0..n {
//!         let left = if i > 0 { v[i - 1] } else { 0.0 };
//!         let right = if i + 1 < n { v[i + 1] } else { 0.0 };
//!         out[i] = 2.0 * v[i] - left - right;
//!     }
//! };
//! let h = sparse_hessian(n, &banded_pattern(n, 1), hvp)?;
//! assert_eq!(h.products, 3); // not 6
//! assert_eq!(h.get(2, 2), 2.0);
//! assert_eq!(h.get(2, 3), -1.0);
//! assert_eq!(h.get(0, 5), 0.0);
//! # Ok::<(), grad_runtime::Error>(())
//! ```

use crate::core::Real;
use crate::error::Error;

/// A Hessian in coordinate form: the entries of its pattern (both triangles), from
/// [`sparse_hessian`].
#[derive(Clone, Debug, PartialEq)]
pub struct SparseHessian<T> {
    /// The dimension.
    pub n: usize,
    /// Row, column and value of each entry of the pattern, sorted by row then column.
    pub entries: Vec<(usize, usize, T)>,
    /// How many Hessian–vector products it took (the number of column groups).
    pub products: usize,
}

impl<T: Real> SparseHessian<T> {
    /// The entry at `(i, j)`: its value if the pattern has it, 0 otherwise.
    ///
    /// ```
    /// use grad_runtime::hessian::{banded_pattern, sparse_hessian};
    ///
    /// let h = sparse_hessian(3, &banded_pattern(3, 0), |v: &[f64], out: &mut [f64]| {
    ///     out.copy_from_slice(v);
    /// })?;
    /// assert_eq!((h.get(1, 1), h.get(0, 1)), (1.0, 0.0));
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn get(&self, i: usize, j: usize) -> T {
        self.entries
            .binary_search_by(|e| (e.0, e.1).cmp(&(i, j)))
            .map_or(T::zero(), |k| self.entries[k].2)
    }

    /// The dense row-major `n × n` matrix, as `NAME_hessian` writes it.
    ///
    /// ```
    /// use grad_runtime::hessian::{banded_pattern, sparse_hessian};
    ///
    /// let h = sparse_hessian(2, &banded_pattern(2, 1), |v: &[f64], out: &mut [f64]| {
    ///     out[0] = 2.0 * v[0] + v[1];
    ///     out[1] = v[0] + 3.0 * v[1];
    /// })?;
    /// assert_eq!(h.to_dense(), [2.0, 1.0, 1.0, 3.0]);
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn to_dense(&self) -> Vec<T> {
        let mut out = vec![T::zero(); self.n * self.n];
        for &(i, j, v) in &self.entries {
            out[i * self.n + j] = v;
        }
        out
    }
}

/// The pattern of a band of half-width `bandwidth` (`|i − j| ≤ bandwidth`), for
/// [`sparse_hessian`].
///
/// ```
/// use grad_runtime::hessian::banded_pattern;
///
/// assert_eq!(banded_pattern(3, 1), [(0, 0), (0, 1), (1, 0), (1, 1), (1, 2), (2, 1), (2, 2)]);
/// ```
pub fn banded_pattern(n: usize, bandwidth: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for i in 0..n {
        let lo = i.saturating_sub(bandwidth);
        let hi = (i + bandwidth).min(n.saturating_sub(1));
        for j in lo..=hi {
            out.push((i, j));
        }
    }
    out
}

/// A sparsity pattern with its columns grouped for probing, made once and used for every
/// Hessian of that pattern (a Newton iteration evaluates one per step).
#[derive(Clone, Debug, PartialEq)]
pub struct HessianPattern {
    n: usize,
    /// The rows of each column (symmetric, with the diagonal), sorted.
    rows: Vec<Vec<usize>>,
    /// The group of each column.
    color: Vec<usize>,
    groups: usize,
}

impl HessianPattern {
    /// Groups the columns of `pattern` (pairs `(i, j)`; the symmetric pair is implied and the
    /// diagonal always included) so that no two columns of a group share a row: a greedy
    /// colouring. Errors: `n = 0`, an index out of range.
    ///
    /// ```
    /// use grad_runtime::hessian::{banded_pattern, HessianPattern};
    ///
    /// let p = HessianPattern::new(1000, &banded_pattern(1000, 2))?;
    /// assert_eq!(p.products(), 5);
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn new(n: usize, pattern: &[(usize, usize)]) -> Result<Self, Error> {
        if n == 0 {
            return Err(Error::Empty {
                what: "the Hessian's dimension",
            });
        }
        let mut rows: Vec<Vec<usize>> = (0..n).map(|j| vec![j]).collect();
        for &(i, j) in pattern {
            let bad = i.max(j);
            if bad >= n {
                return Err(Error::InvalidParameter {
                    name: "pattern",
                    requirement: "pattern indices must be below the dimension",
                    value: bad as f64,
                });
            }
            rows[j].push(i);
            rows[i].push(j);
        }
        for r in &mut rows {
            r.sort_unstable();
            r.dedup();
        }
        // A column joins the first group none of whose columns meets its rows.
        let mut color = vec![0; n];
        let mut taken: Vec<Vec<bool>> = Vec::new();
        for j in 0..n {
            let c = (0..taken.len())
                .find(|&c| rows[j].iter().all(|&i| !taken[c][i]))
                .unwrap_or_else(|| {
                    taken.push(vec![false; n]);
                    taken.len() - 1
                });
            for &i in &rows[j] {
                taken[c][i] = true;
            }
            color[j] = c;
        }
        Ok(HessianPattern {
            n,
            rows,
            color,
            groups: taken.len(),
        })
    }

    /// How many Hessian–vector products [`HessianPattern::hessian`] takes.
    ///
    /// ```
    /// use grad_runtime::hessian::{banded_pattern, HessianPattern};
    ///
    /// assert_eq!(HessianPattern::new(8, &banded_pattern(8, 0))?.products(), 1);
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn products(&self) -> usize {
        self.groups
    }

    /// The Hessian's entries on the pattern from `hvp(v, out)` (`out = H v` at a fixed point,
    /// every entry written), one product per group. Entries outside the pattern must be 0: if
    /// they are not, a group's product mixes them in and the result is wrong, which is why the
    /// pattern is the caller's to state.
    ///
    /// ```
    /// use grad_runtime::hessian::{banded_pattern, HessianPattern};
    ///
    /// let p = HessianPattern::new(3, &banded_pattern(3, 1))?;
    /// let h = p.hessian(|v: &[f64], out: &mut [f64]| {
    ///     out[0] = 2.0 * v[0] - v[1];
    ///     out[1] = -v[0] + 2.0 * v[1] - v[2];
    ///     out[2] = -v[1] + 2.0 * v[2];
    /// });
    /// assert_eq!(h.to_dense(), [2.0, -1.0, 0.0, -1.0, 2.0, -1.0, 0.0, -1.0, 2.0]);
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn hessian<T: Real>(&self, mut hvp: impl FnMut(&[T], &mut [T])) -> SparseHessian<T> {
        let n = self.n;
        let mut entries = Vec::with_capacity(self.rows.iter().map(Vec::len).sum());
        let (mut v, mut out) = (vec![T::zero(); n], vec![T::zero(); n]);
        for c in 0..self.groups {
            for (vj, &cj) in v.iter_mut().zip(&self.color) {
                *vj = if cj == c { T::one() } else { T::zero() };
            }
            hvp(&v, &mut out);
            for j in (0..n).filter(|&j| self.color[j] == c) {
                for &i in &self.rows[j] {
                    entries.push((i, j, out[i]));
                }
            }
        }
        entries.sort_unstable_by_key(|e| (e.0, e.1));
        SparseHessian {
            n,
            entries,
            products: self.groups,
        }
    }
}

/// [`HessianPattern::new`] then [`HessianPattern::hessian`]: the Hessian's entries on
/// `pattern` from a few Hessian–vector products. Errors: `n = 0`, an index out of range.
///
/// ```
/// use grad_runtime::hessian::sparse_hessian;
///
/// // An arrow: the last variable is coupled to all others.
/// let n = 5;
/// let pattern: Vec<(usize, usize)> = (0..n - 1).map(|i| (i, n - 1)).collect();
/// let hvp = |v: &[f64], out: &mut [f64]| {
///     let last = v[n - 1];
///     for i in 0..n - 1 {
///         out[i] = 4.0 * v[i] + last;
///     }
///     out[n - 1] = v[..n - 1].iter().sum::<f64>() + 4.0 * last;
/// };
/// let h = sparse_hessian(n, &pattern, hvp)?;
/// assert_eq!(h.products, 5); // every column meets the last row
/// assert_eq!(h.get(3, 4), 1.0);
/// # Ok::<(), grad_runtime::Error>(())
/// ```
pub fn sparse_hessian<T: Real>(
    n: usize,
    pattern: &[(usize, usize)],
    hvp: impl FnMut(&[T], &mut [T]),
) -> Result<SparseHessian<T>, Error> {
    Ok(HessianPattern::new(n, pattern)?.hessian(hvp))
}

#[cfg(test)]
mod tests {
    use super::{banded_pattern, sparse_hessian};

    /// A random symmetric banded matrix is recovered exactly from 2b + 1 products.
    #[test]
    fn banded_matrices_are_recovered_from_2b_plus_1_products() {
        for (n, b) in [(1, 0), (7, 0), (9, 1), (12, 2), (20, 3)] {
            let mut a = vec![0.0f64; n * n];
            for i in 0..n {
                for j in i..n.min(i + b + 1) {
                    let v = ((i * 31 + j * 17) % 13) as f64 - 6.0;
                    a[i * n + j] = v;
                    a[j * n + i] = v;
                }
            }
            let hvp = |v: &[f64], out: &mut [f64]| {
                for i in 0..n {
                    out[i] = (0..n).map(|j| a[i * n + j] * v[j]).sum();
                }
            };
            let h = sparse_hessian(n, &banded_pattern(n, b), hvp).unwrap();
            assert_eq!(h.products, (2 * b + 1).min(n), "n = {n}, b = {b}");
            assert_eq!(h.to_dense(), a, "n = {n}, b = {b}");
        }
    }

    #[test]
    fn errors() {
        let id = |v: &[f64], out: &mut [f64]| out.copy_from_slice(v);
        assert!(sparse_hessian(0, &[], id).is_err());
        let err = sparse_hessian(3, &[(0, 3)], id).unwrap_err();
        assert_eq!(
            err.to_string(),
            "pattern indices must be below the dimension (pattern = 3)"
        );
    }
}
