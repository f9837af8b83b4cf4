//! The one error type of the crate.

use std::fmt;

use crate::core::Real;

/// What can go wrong before an optimization starts: a bad setting or inconsistent lengths.
///
/// Problems *during* a run (NaN, divergence, a failed line search) are not errors: they end the
/// run with a [`StopReason`](crate::StopReason) and the last finite point is returned.
///
/// ```
/// use grad_runtime::{optim::Adam, Error};
///
/// let err = Adam::<f64>::new(-0.1).unwrap_err();
/// assert!(matches!(err, Error::InvalidParameter { name: "lr", .. }));
/// assert_eq!(err.to_string(), "learning rate must be positive (lr = -0.1)");
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// A setting is out of its valid range.
    InvalidParameter {
        /// The parameter, as named in the builder (`lr`, `beta1`, ...).
        name: &'static str,
        /// The rule it breaks, e.g. `learning rate must be positive`.
        requirement: &'static str,
        /// The rejected value.
        value: f64,
    },
    /// Two lengths that must agree do not, e.g. the starting point and a scalar function's arity.
    DimensionMismatch {
        /// The buffer whose length is wrong.
        what: &'static str,
        /// The length it must have.
        expected: usize,
        /// The length it has.
        found: usize,
    },
    /// A vector or data set that must not be empty is.
    Empty {
        /// What is empty.
        what: &'static str,
    },
    /// A [`Groups`](crate::optim::Groups) index that is out of range or already in a group.
    InvalidGroup {
        /// The group, counted from 0 in the order they were added.
        group: usize,
        /// The parameter index at fault.
        index: usize,
        /// What is wrong with it, e.g. `is in an earlier group`.
        problem: &'static str,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidParameter {
                name,
                requirement,
                value,
            } => {
                write!(f, "{requirement} ({name} = {value})")
            }
            Error::DimensionMismatch {
                what,
                expected,
                found,
            } => {
                write!(f, "{what} has length {found}, expected {expected}")
            }
            Error::Empty { what } => write!(f, "{what} is empty"),
            Error::InvalidGroup {
                group,
                index,
                problem,
            } => write!(f, "parameter group {group}: parameter {index} {problem}"),
        }
    }
}

impl std::error::Error for Error {}

/// Fails with `InvalidParameter` unless `ok`; keeps the builders' validation one line each.
pub(crate) fn ensure<T: Real>(
    ok: bool,
    name: &'static str,
    requirement: &'static str,
    value: T,
) -> Result<(), Error> {
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidParameter {
            name,
            requirement,
            value: value.to_f64().unwrap_or(f64::NAN),
        })
    }
}

/// `0 < value` and finite. NaN fails every comparison, so it is rejected too.
pub(crate) fn positive<T: Real>(
    name: &'static str,
    requirement: &'static str,
    value: T,
) -> Result<(), Error> {
    ensure(
        value > T::zero() && value.is_finite(),
        name,
        requirement,
        value,
    )
}

/// `0 <= value` and finite.
pub(crate) fn non_negative<T: Real>(
    name: &'static str,
    requirement: &'static str,
    value: T,
) -> Result<(), Error> {
    ensure(
        value >= T::zero() && value.is_finite(),
        name,
        requirement,
        value,
    )
}

/// `0 <= value < 1`: decay rates and momenta.
pub(crate) fn unit_interval<T: Real>(
    name: &'static str,
    requirement: &'static str,
    value: T,
) -> Result<(), Error> {
    ensure(
        value >= T::zero() && value < T::one(),
        name,
        requirement,
        value,
    )
}
