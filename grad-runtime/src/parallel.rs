//! Support for the code `#[gradient(parallel)]` generates; not an API.
//!
//! The generated `NAME_grad` asks [`parallel_chunks`] into how many contiguous pieces to split
//! its loop (1: run the serial gradient), gets each piece's range from [`chunk_range`], and runs
//! the pieces with [`parallel_map`], which returns their results in piece order so that the sum
//! the generated code forms is the same from call to call for a given number of threads.
//!
//! Without the `parallel` feature these functions still exist and run serially, and
//! [`parallel_enabled`] is what fails to compile, with a message saying which feature to turn on
//! (and no cascade of errors after it).

/// The work, in the units of the macro's estimate (`grad-macro/src/parallel/cost.rs`), below
/// which a split does not pay. Measured on a 2-core machine: waking the pool and joining it costs
/// about 12–18 µs per call; generated gradients run at 0.1–0.7 ns per unit (B3 ≈ 0.12, B4 ≈ 0.3,
/// B5 ≈ 0.7), so 300 000 units are 35–200 µs of serial work, where two threads give at least
/// 1.3×.
pub const MIN_WORK: usize = 300_000;

/// The fewest iterations worth splitting a loop whose iteration costs `ops` units (at least 2).
#[inline]
pub const fn min_len_for(ops: usize) -> usize {
    let ops = if ops == 0 { 1 } else { ops };
    let n = MIN_WORK.div_ceil(ops);
    if n < 2 { 2 } else { n }
}

/// `#[gradient(parallel)]` compiles only with the `parallel` feature of `grad`.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`#[gradient(parallel)]` needs the `parallel` feature of `grad`",
    label = "asked for here",
    note = "turn it on in Cargo.toml (`grad = {{ version = \"..\", features = [\"parallel\"] }}`), or drop `parallel`"
)]
pub trait ParallelFeature {}

#[cfg(feature = "parallel")]
impl ParallelFeature for () {}

/// Checks at compile time that the `parallel` feature is on (see [`ParallelFeature`]).
#[doc(hidden)]
#[inline(always)]
pub fn parallel_enabled<T: ParallelFeature>() {}

/// The threads of the current rayon pool (the global one, or the one `install` runs in).
#[doc(hidden)]
#[inline]
pub fn threads() -> usize {
    #[cfg(feature = "parallel")]
    {
        rayon::current_num_threads()
    }
    #[cfg(not(feature = "parallel"))]
    {
        1
    }
}

/// Into how many pieces to split a loop of `len` iterations: 1 (run serially) below `min_len`
/// iterations or on one thread; otherwise as many as there are threads, but no piece shorter
/// than half of `min_len`. A function of `len`, `min_len` and the number of threads only.
#[doc(hidden)]
#[inline]
pub fn parallel_chunks(len: usize, min_len: usize) -> usize {
    let threads = threads();
    if threads < 2 || len < min_len.max(2) {
        return 1;
    }
    let per_piece = (min_len / 2).max(1);
    (len / per_piece).clamp(1, threads)
}

/// Piece `c` of `chunks` of the iterations `start..start + len`: contiguous, in order, their
/// lengths differing by one at most.
#[doc(hidden)]
#[inline]
pub fn chunk_range(start: usize, len: usize, chunks: usize, c: usize) -> (usize, usize) {
    let (q, r) = (len / chunks, len % chunks);
    let lo = c * q + c.min(r);
    let hi = lo + q + usize::from(c < r);
    (start + lo, start + hi)
}

/// `f(0), f(1), .., f(chunks - 1)`, run on the current rayon pool, in that order.
#[doc(hidden)]
pub fn parallel_map<R, F>(chunks: usize, f: F) -> Vec<R>
where
    R: Send,
    F: Fn(usize) -> R + Sync + Send,
{
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        (0..chunks).into_par_iter().map(f).collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        (0..chunks).map(f).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::{chunk_range, min_len_for, parallel_chunks, parallel_map};

    #[test]
    fn ranges_cover_the_loop_in_order() {
        for len in [0usize, 1, 2, 7, 10, 1001] {
            for chunks in 1..6 {
                let mut next = 5;
                for c in 0..chunks {
                    let (lo, hi) = chunk_range(5, len, chunks, c);
                    assert_eq!(lo, next);
                    assert!(hi >= lo && hi - lo <= len / chunks + 1);
                    next = hi;
                }
                assert_eq!(next, 5 + len);
            }
        }
    }

    #[test]
    fn short_loops_stay_serial() {
        assert_eq!(parallel_chunks(10, 100), 1);
        assert_eq!(parallel_chunks(0, 1), 1);
        assert!(min_len_for(0) >= 2 && min_len_for(usize::MAX) == 2);
        assert!(min_len_for(10) > min_len_for(1000));
    }

    #[test]
    fn results_come_in_order() {
        let out = parallel_map(7, |c| c * c);
        assert_eq!(out, [0, 1, 4, 9, 16, 25, 36]);
    }

    #[cfg(feature = "parallel")]
    #[test]
    fn pieces_follow_the_pool() {
        let pool = |n| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .unwrap()
        };
        assert_eq!(pool(1).install(|| parallel_chunks(1_000_000, 10)), 1);
        assert_eq!(pool(2).install(|| parallel_chunks(1_000_000, 10)), 2);
        assert_eq!(pool(4).install(|| parallel_chunks(1_000_000, 10)), 4);
        // No piece shorter than half of `min_len`.
        assert_eq!(pool(4).install(|| parallel_chunks(100, 60)), 3);
        assert_eq!(pool(4).install(|| parallel_chunks(100, 101)), 1);
    }
}
