//! Critical points: what the Hessian says about a point where the gradient vanishes.
//!
//! At a point x* with `∇f(x*) = 0`, the eigenvalues of the symmetric Hessian `∇²f(x*)` decide
//! (the second-order conditions, Nocedal & Wright, *Numerical Optimization*, 2nd ed. (2006),
//! Theorems 2.3 and 2.4): all positive, a strict local minimum; all negative, a strict local
//! maximum; both signs, a saddle; a zero eigenvalue, the second derivatives cannot tell.
//!
//! - [`symmetric_eigenvalues`]: the eigenvalues of a symmetric matrix, ascending (cyclic Jacobi).
//! - [`classify_critical_point`]: a flat row-major n×n Hessian, as `NAME_hessian` writes it for
//!   slice parameters; [`classify_critical_point_of`]: a `[[T; K]; K]`, as `NAME_hessian`
//!   returns it for K scalar parameters; [`classify_eigenvalues`]: eigenvalues you already have.
//!
//! Set-up mistakes (a buffer of the wrong length, a matrix that is not symmetric or not finite)
//! are [`Error`]s, like everywhere in this crate.
//!
//! ```
//! use grad_runtime::critical::{CriticalPoint, classify_critical_point_of};
//!
//! // What #[gradient(hvp)] emits for `fn f(x: f64, y: f64) -> f64 { x * x - y * y }`:
//! fn f_hessian(_x: f64, _y: f64) -> (f64, [f64; 2], [[f64; 2]; 2]) {
//!     (0.0, [0.0, 0.0], [[2.0, 0.0], [0.0, -2.0]])
//! }
//! let (_, gradient, hessian) = f_hessian(0.0, 0.0);
//! assert_eq!(gradient, [0.0, 0.0]); // a critical point...
//! assert_eq!(classify_critical_point_of(&hessian)?, CriticalPoint::Saddle); // ...and a saddle
//! # Ok::<(), grad_runtime::Error>(())
//! ```

use std::cmp::Ordering;
use std::fmt;

use crate::core::Real;
use crate::error::Error;

/// Jacobi sweeps before giving up on convergence; it typically takes 5–10 (the convergence is
/// quadratic), so the cap is only a guard.
const MAX_SWEEPS: usize = 100;

/// What kind of critical point a Hessian describes.
///
/// ```
/// use grad_runtime::critical::CriticalPoint;
///
/// assert_eq!(CriticalPoint::Saddle.to_string(), "saddle");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum CriticalPoint {
    /// Every eigenvalue is positive: a strict local minimum.
    Minimum,
    /// Every eigenvalue is negative: a strict local maximum.
    Maximum,
    /// Eigenvalues of both signs (none zero): a saddle point.
    Saddle,
    /// An eigenvalue is zero (within the tolerance of [`classify_eigenvalues`]): the second
    /// derivatives do not decide (`x³`, `x⁴` and `−x⁴` all have this Hessian at 0).
    Degenerate,
}

impl fmt::Display for CriticalPoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CriticalPoint::Minimum => "minimum",
            CriticalPoint::Maximum => "maximum",
            CriticalPoint::Saddle => "saddle",
            CriticalPoint::Degenerate => "degenerate",
        })
    }
}

/// The eigenvalues of the symmetric n×n matrix `h` (row-major), in ascending order.
///
/// Cyclic Jacobi (Golub & Van Loan, *Matrix Computations*, 4th ed., Algorithm 8.5.3): plane
/// rotations zero the off-diagonal entries one at a time, sweep after sweep, until their norm is
/// below ε‖h‖_F (ε the machine epsilon). Accurate to a few ε‖h‖ and O(n³) per sweep: for
/// Hessians of small and moderate size. `h` is symmetrized, `(h + hᵀ)/2`, first.
///
/// Errors: `n = 0` ([`Error::Empty`]); `h.len() ≠ n²` ([`Error::DimensionMismatch`]); a
/// non-finite entry, or a matrix that is not symmetric, with `|hᵢⱼ − hⱼᵢ|` above √ε · max|h|
/// (1.5e-8 relative for `f64`, 3.5e-4 for `f32`; rounding in a computed Hessian stays far
/// below) ([`Error::InvalidParameter`], named `hessian` and `asymmetry`; the value of the
/// latter is the largest `|hᵢⱼ − hⱼᵢ| / max|h|`).
///
/// ```
/// use grad_runtime::critical::symmetric_eigenvalues;
///
/// // [[2, 1], [1, 2]] has eigenvalues 1 and 3 (eigenvectors (1, −1) and (1, 1)).
/// let eigenvalues = symmetric_eigenvalues(&[2.0_f64, 1.0, 1.0, 2.0], 2)?;
/// assert!((eigenvalues[0] - 1.0).abs() < 1e-14 && (eigenvalues[1] - 3.0).abs() < 1e-14);
///
/// let err = symmetric_eigenvalues(&[1.0, 2.0, 0.0, 1.0], 2).unwrap_err();
/// assert_eq!(err.to_string(), "the matrix must be symmetric (asymmetry = 1)");
/// let err = symmetric_eigenvalues(&[1.0, 2.0, 3.0], 2).unwrap_err();
/// assert_eq!(err.to_string(), "the Hessian has length 3, expected 4");
/// # Ok::<(), grad_runtime::Error>(())
/// ```
pub fn symmetric_eigenvalues<T: Real>(h: &[T], n: usize) -> Result<Vec<T>, Error> {
    check_symmetric(h, n)?;
    let mut a = h.to_vec();
    // Symmetrize, so that rotations of the two triangles agree exactly.
    for i in 0..n {
        for j in 0..i {
            let mean = (a[i * n + j] + a[j * n + i]) / (T::one() + T::one());
            a[i * n + j] = mean;
            a[j * n + i] = mean;
        }
    }
    let frobenius = a.iter().fold(T::zero(), |s, &v| s + v * v).sqrt();
    for _ in 0..MAX_SWEEPS {
        let off = off_diagonal_norm(&a, n);
        if off <= T::epsilon() * frobenius {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                rotate(&mut a, n, p, q);
            }
        }
    }
    let mut eigenvalues: Vec<T> = (0..n).map(|i| a[i * n + i]).collect();
    eigenvalues.sort_by(|x, y| x.partial_cmp(y).unwrap_or(Ordering::Equal));
    Ok(eigenvalues)
}

/// Classifies the critical point whose n×n Hessian (row-major, as `NAME_hessian` writes it) is
/// `hessian`, from its eigenvalues ([`symmetric_eigenvalues`], whose errors it returns;
/// tolerance of [`classify_eigenvalues`]).
///
/// It does not check that the gradient vanishes: that is the caller's part.
///
/// ```
/// use grad_runtime::critical::{CriticalPoint, classify_critical_point};
///
/// assert_eq!(classify_critical_point(&[2.0, 0.0, 0.0, 3.0], 2)?, CriticalPoint::Minimum);
/// assert_eq!(classify_critical_point(&[2.0, 0.0, 0.0, -2.0], 2)?, CriticalPoint::Saddle);
/// assert_eq!(classify_critical_point(&[-1.0, 0.0, 0.0, -1.0], 2)?, CriticalPoint::Maximum);
/// assert_eq!(classify_critical_point(&[1.0, 1.0, 1.0, 1.0], 2)?, CriticalPoint::Degenerate);
/// # Ok::<(), grad_runtime::Error>(())
/// ```
pub fn classify_critical_point<T: Real>(hessian: &[T], n: usize) -> Result<CriticalPoint, Error> {
    Ok(classify_eigenvalues(&symmetric_eigenvalues(hessian, n)?))
}

/// [`classify_critical_point`] for a K×K Hessian as an array of rows, as `NAME_hessian` returns
/// it for a function of K scalar parameters.
///
/// ```
/// use grad_runtime::critical::{CriticalPoint, classify_critical_point_of};
///
/// // f(x, y) = x³ − 3x + y² at (1, 0) and at (−1, 0).
/// assert_eq!(classify_critical_point_of(&[[6.0, 0.0], [0.0, 2.0]])?, CriticalPoint::Minimum);
/// assert_eq!(classify_critical_point_of(&[[-6.0, 0.0], [0.0, 2.0]])?, CriticalPoint::Saddle);
/// # Ok::<(), grad_runtime::Error>(())
/// ```
pub fn classify_critical_point_of<T: Real, const K: usize>(
    hessian: &[[T; K]; K],
) -> Result<CriticalPoint, Error> {
    classify_critical_point(hessian.as_flattened(), K)
}

/// Classifies by the signs of `eigenvalues` (any order): an eigenvalue counts as zero when
/// `|λ| ≤ √ε · max|λ|` (ε the machine epsilon: 1.5e-8 relative for `f64`, 3.5e-4 for `f32`),
/// which makes the point [`CriticalPoint::Degenerate`]; so does an empty slice or all zeros.
///
/// The tolerance is relative because eigenvalues computed from a Hessian carry errors of a few
/// ε·max|λ|, and the Hessian itself is evaluated at a critical point known only approximately;
/// √ε leaves a wide margin above both while still resolving curvatures that differ by a factor
/// 10⁷ (`f64`).
///
/// ```
/// use grad_runtime::critical::{CriticalPoint, classify_eigenvalues};
///
/// assert_eq!(classify_eigenvalues(&[1.0, 4.0]), CriticalPoint::Minimum);
/// assert_eq!(classify_eigenvalues(&[-1.0, 4.0]), CriticalPoint::Saddle);
/// assert_eq!(classify_eigenvalues(&[1e-12, 4.0]), CriticalPoint::Degenerate);
/// assert_eq!(classify_eigenvalues(&[1e-6, 4.0]), CriticalPoint::Minimum);
/// ```
pub fn classify_eigenvalues<T: Real>(eigenvalues: &[T]) -> CriticalPoint {
    let largest = eigenvalues.iter().fold(T::zero(), |m, &v| m.max(v.abs()));
    let tolerance = T::epsilon().sqrt() * largest;
    if largest == T::zero() || eigenvalues.iter().any(|v| v.abs() <= tolerance) {
        return CriticalPoint::Degenerate;
    }
    let positive = eigenvalues.iter().filter(|&&v| v > T::zero()).count();
    if positive == eigenvalues.len() {
        CriticalPoint::Minimum
    } else if positive == 0 {
        CriticalPoint::Maximum
    } else {
        CriticalPoint::Saddle
    }
}

fn check_symmetric<T: Real>(h: &[T], n: usize) -> Result<(), Error> {
    if n == 0 {
        return Err(Error::Empty {
            what: "the Hessian",
        });
    }
    if h.len() != n * n {
        return Err(Error::DimensionMismatch {
            what: "the Hessian",
            expected: n * n,
            found: h.len(),
        });
    }
    if let Some(&bad) = h.iter().find(|v| !v.is_finite()) {
        return Err(Error::InvalidParameter {
            name: "hessian",
            requirement: "the matrix must be finite",
            value: bad.to_f64().unwrap_or(f64::NAN),
        });
    }
    let scale = h.iter().fold(T::zero(), |m, &v| m.max(v.abs()));
    let mut asymmetry = T::zero();
    for i in 0..n {
        for j in 0..i {
            asymmetry = asymmetry.max((h[i * n + j] - h[j * n + i]).abs());
        }
    }
    if asymmetry > T::epsilon().sqrt() * scale {
        return Err(Error::InvalidParameter {
            name: "asymmetry",
            requirement: "the matrix must be symmetric",
            value: (asymmetry / scale).to_f64().unwrap_or(f64::NAN),
        });
    }
    Ok(())
}

fn off_diagonal_norm<T: Real>(a: &[T], n: usize) -> T {
    let mut sum = T::zero();
    for i in 0..n {
        for j in 0..n {
            if i != j {
                sum = sum + a[i * n + j] * a[i * n + j];
            }
        }
    }
    sum.sqrt()
}

/// `a ← Jᵀ a J` with the Jacobi rotation J in the (p, q) plane that zeroes `a[p][q]`
/// (Golub & Van Loan, Algorithm 8.5.1, `sym.schur2`).
fn rotate<T: Real>(a: &mut [T], n: usize, p: usize, q: usize) {
    let apq = a[p * n + q];
    if apq == T::zero() {
        return;
    }
    let two = T::one() + T::one();
    let tau = (a[q * n + q] - a[p * n + p]) / (two * apq);
    let root = (T::one() + tau * tau).sqrt();
    // The smaller root of t² + 2τt − 1 = 0, so the rotation angle is at most π/4; for a huge τ,
    // τ² overflows, and t ≈ 1/(2τ).
    let t = if root.is_finite() {
        if tau >= T::zero() {
            T::one() / (tau + root)
        } else {
            -T::one() / (-tau + root)
        }
    } else {
        T::one() / (two * tau)
    };
    let c = T::one() / (T::one() + t * t).sqrt();
    let s = t * c;
    for k in 0..n {
        let (akp, akq) = (a[k * n + p], a[k * n + q]);
        a[k * n + p] = c * akp - s * akq;
        a[k * n + q] = s * akp + c * akq;
    }
    for k in 0..n {
        let (apk, aqk) = (a[p * n + k], a[q * n + k]);
        a[p * n + k] = c * apk - s * aqk;
        a[q * n + k] = s * apk + c * aqk;
    }
    a[p * n + q] = T::zero();
    a[q * n + p] = T::zero();
}

#[cfg(test)]
mod tests {
    use super::symmetric_eigenvalues;

    /// Eigenvalues of a symmetric Q diag(λ) Qᵀ with Q a product of rotations.
    #[test]
    fn jacobi_recovers_the_spectrum_of_a_rotated_diagonal() {
        let n = 5;
        let lambda = [-3.0, -0.5, 0.25, 2.0, 7.0];
        // Q from rotations in planes (i, i+1) by angle 0.3 + 0.2 i.
        let mut q = vec![0.0; n * n];
        for i in 0..n {
            q[i * n + i] = 1.0;
        }
        for i in 0..n - 1 {
            let (c, s) = ((0.3 + 0.2 * i as f64).cos(), (0.3 + 0.2 * i as f64).sin());
            for r in 0..n {
                let (a, b) = (q[r * n + i], q[r * n + i + 1]);
                q[r * n + i] = c * a - s * b;
                q[r * n + i + 1] = s * a + c * b;
            }
        }
        let mut h = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                h[i * n + j] = (0..n)
                    .map(|k| q[i * n + k] * lambda[k] * q[j * n + k])
                    .sum();
            }
        }
        let eigenvalues = symmetric_eigenvalues(&h, n).unwrap();
        for (e, l) in eigenvalues.iter().zip(lambda) {
            assert!((e - l).abs() < 1e-12, "{eigenvalues:?}");
        }
    }
}
