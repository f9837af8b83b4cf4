//! Shuffled mini-batches of sample indices.

use std::ops::Range;

use crate::data::rng::Rng;
use crate::error::Error;

/// Splits `0..samples` into mini-batches of indices, reshuffled every epoch by a seeded
/// [`Rng`]: the same seed gives the same batches.
///
/// Use it directly with [`epoch`](Batches::epoch), or hand it to
/// [`minimize_batches`](crate::minimize_batches): by value for a run of its own, or as `&mut` to
/// keep its place in the stream of epochs, so that a later run, or a run resumed after a
/// restart, continues the shuffles instead of repeating them.
///
/// ```
/// use grad_runtime::data::Batches;
///
/// let mut batches = Batches::new(10, 4)?.seed(7);
/// assert_eq!(batches.len(), 3); // 4 + 4 + 2
/// for epoch in 0..2 {
///     for batch in batches.epoch() {
///         assert!(!batch.is_empty() && batch.len() <= 4);
///         // compute the loss on the samples in `batch`...
///     }
/// }
/// # Ok::<(), grad_runtime::Error>(())
/// ```
///
/// With the `serde` feature the whole position is saved (the current order, the generator's
/// state, where the stream stands), so a checkpoint taken mid-run resumes with the very batches
/// the run would have drawn next:
///
/// ```
/// # #[cfg(feature = "serde")] {
/// use grad_runtime::data::Batches;
///
/// let mut batches = Batches::new(10, 4)?.seed(7);
/// batches.epoch();
/// let saved = serde_json::to_string(&batches).unwrap();
/// let mut restored: Batches = serde_json::from_str(&saved).unwrap();
/// assert!(restored.epoch().eq(batches.epoch()));
/// # }
/// # Ok::<(), grad_runtime::Error>(())
/// ```
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Batches {
    order: Vec<usize>,
    batch_size: usize,
    shuffle: bool,
    drop_last: bool,
    rng: Rng,
    /// Where the next streamed batch starts; 0 means a new epoch (reshuffle first).
    cursor: usize,
    /// The batch the stream handed out last: a resumed run evaluates its start on it again, as
    /// the run before it did, so its first step is the one that run would have taken next.
    current: Option<Range<usize>>,
}

impl Batches {
    /// Batches of `batch_size` out of `samples` indices; shuffled, seed 0, last short batch
    /// kept. Both numbers must be positive.
    ///
    /// ```
    /// use grad_runtime::data::Batches;
    ///
    /// assert!(Batches::new(100, 0).is_err());
    /// assert_eq!(Batches::new(100, 32)?.len(), 4);
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn new(samples: usize, batch_size: usize) -> Result<Self, Error> {
        if samples == 0 {
            return Err(Error::Empty {
                what: "the data set",
            });
        }
        if batch_size == 0 {
            return Err(Error::InvalidParameter {
                name: "batch_size",
                requirement: "the batch size must be positive",
                value: 0.0,
            });
        }
        Ok(Batches {
            order: (0..samples).collect(),
            batch_size,
            shuffle: true,
            drop_last: false,
            rng: Rng::seed_from_u64(0),
            cursor: 0,
            current: None,
        })
    }

    /// Reseeds the shuffling.
    ///
    /// ```
    /// use grad_runtime::data::Batches;
    ///
    /// let mut a = Batches::new(50, 10)?.seed(1);
    /// let mut b = Batches::new(50, 10)?.seed(1);
    /// assert!(a.epoch().eq(b.epoch()));
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn seed(mut self, seed: u64) -> Self {
        self.rng = Rng::seed_from_u64(seed);
        self
    }

    /// Whether to reshuffle every epoch (default `true`); without it batches are consecutive.
    ///
    /// ```
    /// use grad_runtime::data::Batches;
    ///
    /// let mut b = Batches::new(5, 2)?.shuffle(false);
    /// let batches: Vec<&[usize]> = b.epoch().collect();
    /// assert_eq!(batches, [&[0, 1][..], &[2, 3], &[4]]);
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn shuffle(mut self, on: bool) -> Self {
        self.shuffle = on;
        self
    }

    /// Whether to skip the last, short batch of an epoch (default `false`).
    ///
    /// ```
    /// use grad_runtime::data::Batches;
    ///
    /// assert_eq!(Batches::new(10, 4)?.drop_last(true).len(), 2);
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn drop_last(mut self, on: bool) -> Self {
        self.drop_last = on;
        self
    }

    /// The number of samples.
    ///
    /// ```
    /// use grad_runtime::data::Batches;
    ///
    /// assert_eq!(Batches::new(10, 4)?.samples(), 10);
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn samples(&self) -> usize {
        self.order.len()
    }

    /// The (largest) batch size.
    ///
    /// ```
    /// use grad_runtime::data::Batches;
    ///
    /// assert_eq!(Batches::new(10, 4)?.batch_size(), 4);
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// Batches per epoch.
    ///
    /// ```
    /// use grad_runtime::data::Batches;
    ///
    /// assert_eq!(Batches::new(10, 5)?.len(), 2);
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        let n = self.samples();
        if self.drop_last {
            n / self.batch_size
        } else {
            n.div_ceil(self.batch_size)
        }
    }

    /// Whether an epoch has no batch (only with `drop_last` and fewer samples than a batch).
    ///
    /// ```
    /// use grad_runtime::data::Batches;
    ///
    /// assert!(Batches::new(3, 4)?.drop_last(true).is_empty());
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Starts a new epoch (reshuffling if enabled) and iterates over its batches.
    ///
    /// ```
    /// use grad_runtime::data::Batches;
    ///
    /// let mut batches = Batches::new(7, 3)?.seed(9);
    /// let mut seen: Vec<usize> = batches.epoch().flatten().copied().collect();
    /// seen.sort();
    /// assert_eq!(seen, (0..7).collect::<Vec<_>>()); // every sample once per epoch
    /// # Ok::<(), grad_runtime::Error>(())
    /// ```
    pub fn epoch(&mut self) -> Epoch<'_> {
        self.start_epoch();
        // The stream of `next_range` restarts too, so mixing both stays per-epoch consistent.
        self.cursor = 0;
        self.current = None;
        Epoch {
            order: &self.order,
            batch_size: self.batch_size,
            drop_last: self.drop_last,
            pos: 0,
        }
    }

    fn start_epoch(&mut self) {
        if self.shuffle {
            self.rng.shuffle(&mut self.order);
        }
    }

    /// The sample indices of the streamed batch `range`.
    pub(crate) fn indices(&self, range: Range<usize>) -> &[usize] {
        &self.order[range]
    }

    /// The batch a run evaluates its start on: with `resume`, the one the last run ended on (if
    /// any run drew from this stream yet), else the next one. Needs `!self.is_empty()`.
    pub(crate) fn first_range(&mut self, resume: bool) -> Range<usize> {
        match (&self.current, resume) {
            (Some(current), true) => current.clone(),
            _ => self.next_range(),
        }
    }

    /// The next batch of an endless stream of epochs; needs `!self.is_empty()`.
    pub(crate) fn next_range(&mut self) -> Range<usize> {
        let n = self.samples();
        if self.cursor == 0 {
            self.start_epoch();
        }
        let end = (self.cursor + self.batch_size).min(n);
        let range = self.cursor..end;
        let exhausted = if self.drop_last {
            end + self.batch_size > n
        } else {
            end == n
        };
        self.cursor = if exhausted { 0 } else { end };
        self.current = Some(range.clone());
        range
    }
}

/// Reads what `Serialize` wrote, refusing a state the stream could never reach (an order that
/// is not a permutation, a position past the end): a damaged checkpoint is an error when it is
/// read, not an index panic or a silently wrong batch many steps into the run.
///
/// ```
/// # #[cfg(feature = "serde")] {
/// use grad_runtime::data::Batches;
///
/// let mut saved = serde_json::to_value(Batches::new(3, 2)?).unwrap();
/// assert!(serde_json::from_value::<Batches>(saved.clone()).is_ok());
/// saved["order"] = serde_json::json!([0, 2, 2]);
/// let err = serde_json::from_value::<Batches>(saved).unwrap_err();
/// assert!(err.to_string().contains("not a permutation"), "{err}");
/// # }
/// # Ok::<(), grad_runtime::Error>(())
/// ```
#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Batches {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(rename = "Batches", deny_unknown_fields)]
        struct Saved {
            order: Vec<usize>,
            batch_size: usize,
            shuffle: bool,
            drop_last: bool,
            rng: Rng,
            cursor: usize,
            current: Option<Range<usize>>,
        }
        let Saved {
            order,
            batch_size,
            shuffle,
            drop_last,
            rng,
            cursor,
            current,
        } = Saved::deserialize(d)?;
        let n = order.len();
        let mut seen = vec![false; n];
        let permutation = order
            .iter()
            .all(|&i| i < n && !std::mem::replace(&mut seen[i], true));
        let problem = if n == 0 {
            Some("the data set is empty")
        } else if batch_size == 0 {
            Some("the batch size must be positive")
        } else if !permutation {
            Some("the order is not a permutation of the sample indices")
        } else if cursor >= n {
            Some("the position is past the last sample")
        } else if current
            .as_ref()
            .is_some_and(|r| r.start >= r.end || r.end > n)
        {
            Some("the current batch is not a range of the samples")
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(serde::de::Error::custom(format_args!(
                "invalid mini-batches: {problem}"
            )));
        }
        Ok(Batches {
            order,
            batch_size,
            shuffle,
            drop_last,
            rng,
            cursor,
            current,
        })
    }
}

/// The batches of one epoch, from [`Batches::epoch`].
///
/// ```
/// use grad_runtime::data::Batches;
///
/// let mut batches = Batches::new(6, 3)?;
/// let epoch = batches.epoch();
/// assert_eq!(epoch.len(), 2);
/// # Ok::<(), grad_runtime::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Epoch<'a> {
    order: &'a [usize],
    batch_size: usize,
    drop_last: bool,
    pos: usize,
}

impl<'a> Iterator for Epoch<'a> {
    type Item = &'a [usize];

    fn next(&mut self) -> Option<&'a [usize]> {
        let end = (self.pos + self.batch_size).min(self.order.len());
        if self.pos >= end || (self.drop_last && end - self.pos < self.batch_size) {
            return None;
        }
        let batch = &self.order[self.pos..end];
        self.pos = end;
        Some(batch)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let rest = self.order.len() - self.pos;
        let n = if self.drop_last {
            rest / self.batch_size
        } else {
            rest.div_ceil(self.batch_size)
        };
        (n, Some(n))
    }
}

impl ExactSizeIterator for Epoch<'_> {}

#[cfg(test)]
mod tests {
    use super::Batches;

    fn stream(b: &mut Batches, n: usize) -> Vec<Vec<usize>> {
        (0..n)
            .map(|_| {
                let range = b.next_range();
                b.indices(range).to_vec()
            })
            .collect()
    }

    #[test]
    fn the_stream_walks_epochs_like_the_epoch_iterator() {
        let mut streamed = Batches::new(7, 3).unwrap().seed(4);
        let mut iterated = streamed.clone();
        let from_stream = stream(&mut streamed, 6);
        let mut from_epochs: Vec<Vec<usize>> = iterated.epoch().map(<[usize]>::to_vec).collect();
        from_epochs.extend(iterated.epoch().map(<[usize]>::to_vec));
        assert_eq!(from_stream, from_epochs);
    }

    #[test]
    fn drop_last_streams_only_full_batches() {
        let mut b = Batches::new(7, 3).unwrap().drop_last(true).shuffle(false);
        let got = stream(&mut b, 4);
        assert_eq!(
            got,
            [vec![0, 1, 2], vec![3, 4, 5], vec![0, 1, 2], vec![3, 4, 5]]
        );
    }
}
