//! A small seeded random number generator, so shuffling needs no dependency.

/// xoshiro256** (Blackman & Vigna, 2018), seeded through SplitMix64: fast, statistically
/// strong, and the same sequence for the same seed on every platform and release of this crate.
/// Not for cryptography.
///
/// ```
/// use grad_runtime::data::Rng;
///
/// let mut a = Rng::seed_from_u64(42);
/// let mut b = Rng::seed_from_u64(42);
/// assert_eq!(a.next_u64(), b.next_u64());
/// let u = a.uniform();
/// assert!((0.0..1.0).contains(&u));
/// ```
///
/// With the `serde` feature it serializes its state, so a generator saved mid-stream and read
/// back continues the same sequence:
///
/// ```
/// # #[cfg(feature = "serde")] {
/// use grad_runtime::data::Rng;
///
/// let mut rng = Rng::seed_from_u64(42);
/// rng.next_u64();
/// let saved = serde_json::to_string(&rng).unwrap();
/// let mut restored: Rng = serde_json::from_str(&saved).unwrap();
/// assert_eq!(restored.next_u64(), rng.next_u64());
/// // xoshiro cannot run from an all-zero state: such a file is rejected, not run.
/// assert!(serde_json::from_str::<Rng>(r#"{"s":[0,0,0,0]}"#).is_err());
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Rng {
    s: [u64; 4],
}

/// Reads what `Serialize` wrote, refusing the all-zero state: from there xoshiro would return
/// zeros forever, and a shuffle would silently stop shuffling.
#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Rng {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(rename = "Rng", deny_unknown_fields)]
        struct Saved {
            s: [u64; 4],
        }
        let Saved { s } = Saved::deserialize(d)?;
        if s == [0; 4] {
            return Err(serde::de::Error::custom(
                "an all-zero xoshiro256** state (it would only ever return zeros)",
            ));
        }
        Ok(Rng { s })
    }
}

impl Rng {
    /// A generator whose whole sequence is determined by `seed`.
    ///
    /// ```
    /// use grad_runtime::data::Rng;
    ///
    /// assert_ne!(Rng::seed_from_u64(1).next_u64(), Rng::seed_from_u64(2).next_u64());
    /// ```
    pub fn seed_from_u64(seed: u64) -> Self {
        // SplitMix64 spreads any seed, even 0, over the 256-bit state; xoshiro must not start
        // from all zeros, which SplitMix64 cannot produce for four consecutive outputs.
        let mut z = seed;
        let mut next = || {
            z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut x = z;
            x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            x ^ (x >> 31)
        };
        Rng {
            s: [next(), next(), next(), next()],
        }
    }

    /// The next 64 random bits.
    ///
    /// ```
    /// use grad_runtime::data::Rng;
    ///
    /// let mut rng = Rng::seed_from_u64(7);
    /// let (a, b) = (rng.next_u64(), rng.next_u64());
    /// assert_ne!(a, b);
    /// ```
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// A uniform integer in `0..n`, without modulo bias (Lemire's method); 0 when `n == 0`.
    ///
    /// ```
    /// use grad_runtime::data::Rng;
    ///
    /// let mut rng = Rng::seed_from_u64(3);
    /// assert!((0..10).all(|_| rng.below(6) < 6));
    /// ```
    pub fn below(&mut self, n: usize) -> usize {
        let n = n as u64;
        if n == 0 {
            return 0;
        }
        let mut m = u128::from(self.next_u64()) * u128::from(n);
        if (m as u64) < n {
            let threshold = n.wrapping_neg() % n;
            while (m as u64) < threshold {
                m = u128::from(self.next_u64()) * u128::from(n);
            }
        }
        (m >> 64) as usize
    }

    /// A uniform `f64` in `[0, 1)` with 53 random bits.
    ///
    /// ```
    /// use grad_runtime::data::Rng;
    ///
    /// let mut rng = Rng::seed_from_u64(5);
    /// let mean = (0..1000).map(|_| rng.uniform()).sum::<f64>() / 1000.0;
    /// assert!((mean - 0.5).abs() < 0.05);
    /// ```
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A standard normal `f64` (Box–Muller), handy for synthetic data and initial weights.
    ///
    /// ```
    /// use grad_runtime::data::Rng;
    ///
    /// let mut rng = Rng::seed_from_u64(11);
    /// let mean = (0..2000).map(|_| rng.normal()).sum::<f64>() / 2000.0;
    /// assert!(mean.abs() < 0.1);
    /// ```
    pub fn normal(&mut self) -> f64 {
        // 1 − u lies in (0, 1], so the logarithm is finite.
        let u = 1.0 - self.uniform();
        let v = self.uniform();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    /// Shuffles `items` uniformly (Fisher–Yates).
    ///
    /// ```
    /// use grad_runtime::data::Rng;
    ///
    /// let mut v: Vec<usize> = (0..10).collect();
    /// Rng::seed_from_u64(1).shuffle(&mut v);
    /// let mut sorted = v.clone();
    /// sorted.sort();
    /// assert_eq!(sorted, (0..10).collect::<Vec<_>>());
    /// ```
    pub fn shuffle<X>(&mut self, items: &mut [X]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

/// With the `rand` feature, [`Rng`] is a `rand_core` generator: `rand_distr`'s distributions
/// sample from it, and `SeedableRng::seed_from_u64` gives the same stream as
/// [`Rng::seed_from_u64`].
///
/// ```
/// # #[cfg(feature = "rand")] {
/// use grad_runtime::data::Rng;
/// use rand_core::{RngCore, SeedableRng};
///
/// let mut a = <Rng as SeedableRng>::seed_from_u64(9);
/// let mut b = Rng::seed_from_u64(9);
/// assert_eq!(RngCore::next_u64(&mut a), b.next_u64());
/// let mut bytes = [0u8; 5];
/// a.fill_bytes(&mut bytes);
/// # }
/// ```
#[cfg(feature = "rand")]
impl rand_core::RngCore for Rng {
    fn next_u32(&mut self) -> u32 {
        // The high half: xoshiro256**'s strongest bits.
        (Rng::next_u64(self) >> 32) as u32
    }

    fn next_u64(&mut self) -> u64 {
        Rng::next_u64(self)
    }

    fn fill_bytes(&mut self, dst: &mut [u8]) {
        for chunk in dst.chunks_mut(8) {
            let bytes = Rng::next_u64(self).to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

#[cfg(feature = "rand")]
impl rand_core::SeedableRng for Rng {
    type Seed = [u8; 32];

    /// The state read as four little-endian words; the all-zero seed, which xoshiro cannot
    /// start from, is taken as `seed_from_u64(0)`.
    fn from_seed(seed: [u8; 32]) -> Self {
        let mut s = [0u64; 4];
        for (w, bytes) in s.iter_mut().zip(seed.chunks_exact(8)) {
            let mut b = [0u8; 8];
            b.copy_from_slice(bytes);
            *w = u64::from_le_bytes(b);
        }
        if s == [0; 4] {
            return Rng::seed_from_u64(0);
        }
        Rng { s }
    }

    fn seed_from_u64(state: u64) -> Self {
        Rng::seed_from_u64(state)
    }
}

#[cfg(test)]
mod tests {
    use super::Rng;

    #[test]
    fn xoshiro256starstar_matches_the_reference_vectors() {
        // From the reference implementation's test vectors (as used by rand_xoshiro).
        let mut rng = Rng { s: [1, 2, 3, 4] };
        let expected: [u64; 6] = [
            11520,
            0,
            1509978240,
            1215971899390074240,
            1216172134540287360,
            607988272756665600,
        ];
        for e in expected {
            assert_eq!(rng.next_u64(), e);
        }
    }

    #[test]
    fn seeding_uses_splitmix64() {
        // splitmix64 from 0: the reference sequence starts 0xe220a8397b1dcdaf.
        assert_eq!(Rng::seed_from_u64(0).s[0], 0xe220_a839_7b1d_cdaf);
    }

    #[test]
    fn below_is_unbiased_enough_and_in_range() {
        let mut rng = Rng::seed_from_u64(99);
        let mut counts = [0usize; 3];
        for _ in 0..30_000 {
            counts[rng.below(3)] += 1;
        }
        assert!(
            counts.iter().all(|&c| (9_500..10_500).contains(&c)),
            "{counts:?}"
        );
        assert_eq!(rng.below(0), 0);
        assert_eq!(rng.below(1), 0);
    }
}
