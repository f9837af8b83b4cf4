//! Parameter groups: each part of the parameters stepped by a first-order optimizer of its own.

use crate::core::{Point, Problem, Real};
use crate::error::Error;
use crate::optim::{FirstOrder, Optimizer, Step};

/// Parameter groups, as `torch.optim`'s `param_groups` and Optax's `multi_transform`: every group
/// is a set of parameter indices (in the flat order) with a first-order optimizer of its own, so
/// the layers of a network can have their own learning rates, or the biases no weight decay.
///
/// A step hands each group its share of the point (the value, and its entries of `x` and of the
/// gradient), lets the group's optimizer [`update`](FirstOrder::update) them, and evaluates the
/// objective once. Parameters in no group are **frozen**: they keep their starting values. An
/// index past the last parameter or in two groups, and an empty group, fail the run's set-up.
///
/// For a model, [`Params::flat_indices`](crate::Params::flat_indices) names a group by fields:
/// `model.flat_indices(|m| m.w1.fill_params(1.0))`.
///
/// All groups share one optimizer type: the same algorithm with other settings
/// (`Groups<Adam<f64>, f64>`, serializable with the `serde` feature like any optimizer), or
/// `Groups<Box<dyn FirstOrder<f64>>, f64>` to mix algorithms. A group's optimizer may carry its
/// own schedule (`Adam::new(0.1)?.with_schedule(..)`) or clipping; clipping the whole gradient by
/// its global norm goes around the groups: `Clipped::new(groups, Clip::Norm(1.0))`.
///
/// ```
/// use grad_runtime::optim::{Adam, Groups};
/// use grad_runtime::{Options, minimize};
///
/// // Fit y = w·x + b; the weight decays, the bias does not and learns ten times faster.
/// fn f_grad(w: f64, b: f64) -> (f64, [f64; 2]) {
///     let data = [(0.0, 1.0), (1.0, 3.0), (2.0, 5.0)];
///     let (mut value, mut grad) = (0.0, [0.0, 0.0]);
///     for (x, y) in data {
///         let r = w * x + b - y;
///         value += 0.5 * r * r;
///         grad[0] += r * x;
///         grad[1] += r;
///     }
///     (value, grad)
/// }
/// let groups = Groups::new()
///     .group([0], Adam::builder().lr(0.01).weight_decay(1e-4).build()?)
///     .group([1], Adam::new(0.1)?);
/// let report = minimize(f_grad, [0.0, 0.0], groups, Options::new().max_iters(5000))?;
/// assert!((report.x[0] - 2.0).abs() < 1e-2 && (report.x[1] - 1.0).abs() < 1e-2, "{report}");
/// # Ok::<(), grad_runtime::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(bound(
        serialize = "O: serde::Serialize, T: Real + serde::Serialize",
        deserialize = "O: serde::Deserialize<'de>, T: Real + serde::Deserialize<'de>"
    ))
)]
pub struct Groups<O, T> {
    groups: Vec<Group<O, T>>,
}

#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(bound(
        serialize = "O: serde::Serialize, T: Real + serde::Serialize",
        deserialize = "O: serde::Deserialize<'de>, T: Real + serde::Deserialize<'de>"
    ))
)]
struct Group<O, T> {
    indices: Vec<usize>,
    optimizer: O,
    /// The group's entries of the point, gathered before and scattered after each update, so
    /// that a step does not allocate.
    share: Point<T>,
}

impl<O, T: Real> Default for Groups<O, T> {
    fn default() -> Self {
        Groups { groups: Vec::new() }
    }
}

impl<O: FirstOrder<T>, T: Real> Groups<O, T> {
    /// No groups yet: add them with [`group`](Groups::group).
    ///
    /// ```
    /// use grad_runtime::optim::{Groups, Sgd};
    ///
    /// let groups: Groups<Sgd<f64>, f64> = Groups::new();
    /// assert_eq!(groups.len(), 0);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a group: the parameters at `indices` (flat positions, in any order), stepped by
    /// `optimizer`.
    ///
    /// ```
    /// use grad_runtime::optim::{Groups, Sgd};
    ///
    /// let groups = Groups::new().group(0..10, Sgd::new(0.1)?).group(vec![10, 12], Sgd::new(0.01)?);
    /// assert_eq!(groups.len(), 2);
    /// # let _: Groups<Sgd<f64>, f64> = groups;
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    #[must_use]
    pub fn group(mut self, indices: impl IntoIterator<Item = usize>, optimizer: O) -> Self {
        self.groups.push(Group {
            indices: indices.into_iter().collect(),
            optimizer,
            share: Point::new(Vec::new()),
        });
        self
    }

    /// How many groups there are.
    ///
    /// ```
    /// use grad_runtime::optim::{Adam, Groups};
    ///
    /// assert_eq!(Groups::new().group([0], Adam::<f64>::default()).len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// Whether no group was added.
    ///
    /// ```
    /// use grad_runtime::optim::{Adam, Groups};
    ///
    /// assert!(Groups::<Adam<f32>, f32>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The optimizer of group `group` (counted from 0 in the order they were added), to read its
    /// state or learning rate.
    ///
    /// ```
    /// use grad_runtime::optim::{FirstOrder, Groups, Sgd};
    ///
    /// let groups = Groups::new().group([0], Sgd::<f64>::new(0.1)?).group([1], Sgd::new(0.2)?);
    /// assert_eq!(groups.optimizer(1).map(FirstOrder::lr), Some(0.2));
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn optimizer(&self, group: usize) -> Option<&O> {
        self.groups.get(group).map(|g| &g.optimizer)
    }

    /// The optimizer of group `group`, to change its settings between runs (such as its
    /// learning rate, through [`FirstOrder::set_lr`]).
    ///
    /// ```
    /// use grad_runtime::optim::{FirstOrder, Groups, Sgd};
    ///
    /// let mut groups = Groups::new().group([0], Sgd::<f64>::new(0.1)?);
    /// if let Some(sgd) = groups.optimizer_mut(0) {
    ///     sgd.set_lr(0.05);
    /// }
    /// assert_eq!(groups.optimizer(0).map(FirstOrder::lr), Some(0.05));
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn optimizer_mut(&mut self, group: usize) -> Option<&mut O> {
        self.groups.get_mut(group).map(|g| &mut g.optimizer)
    }

    /// Checks that the groups are non-empty, disjoint and within `dim` parameters.
    fn check(&self, dim: usize) -> Result<(), Error> {
        if self.groups.is_empty() {
            return Err(Error::Empty {
                what: "the list of parameter groups",
            });
        }
        let mut taken = vec![false; dim];
        for (group, g) in self.groups.iter().enumerate() {
            if g.indices.is_empty() {
                return Err(Error::Empty {
                    what: "a parameter group",
                });
            }
            for &index in &g.indices {
                let problem = match taken.get_mut(index) {
                    None => "is past the last parameter",
                    Some(true) => "is in a group already",
                    Some(slot) => {
                        *slot = true;
                        continue;
                    }
                };
                return Err(Error::InvalidGroup {
                    group,
                    index,
                    problem,
                });
            }
        }
        Ok(())
    }
}

impl<O: FirstOrder<T>, T: Real> Optimizer<T> for Groups<O, T> {
    fn name(&self) -> &'static str {
        "parameter groups"
    }

    fn init(&mut self, dim: usize) -> Result<(), Error> {
        self.check(dim)?;
        for g in &mut self.groups {
            g.optimizer.init(g.indices.len())?;
            g.share = Point::new(vec![T::zero(); g.indices.len()]);
        }
        Ok(())
    }

    fn resume(&mut self, dim: usize) -> Result<(), Error> {
        self.check(dim)?;
        for g in &mut self.groups {
            g.optimizer.resume(g.indices.len())?;
            if g.share.x.len() != g.indices.len() {
                g.share = Point::new(vec![T::zero(); g.indices.len()]);
            }
        }
        Ok(())
    }

    fn step(&mut self, problem: &mut Problem<'_, T>, point: &mut Point<T>) -> Step {
        for g in &mut self.groups {
            let share = &mut g.share;
            share.value = point.value;
            for ((x, grad), &i) in share.x.iter_mut().zip(&mut share.grad).zip(&g.indices) {
                *x = point.x[i];
                *grad = point.grad[i];
            }
            g.optimizer.update(share);
            for (&x, &i) in share.x.iter().zip(&g.indices) {
                point.x[i] = x;
            }
        }
        problem.eval_point(point);
        Step::Moved
    }
}
