//! Parallel sums in a fixed order, so every estimate is bit-identical whatever the thread count.
//!
//! Floating-point addition is not associative: a rayon `fold`/`reduce` groups partial sums by
//! how the work happened to be split between threads, and the last bits of a sum change from run
//! to run and machine to machine. Here the items are cut into a fixed number of ranges that
//! depend only on their count; each range is summed in item order (ranges in parallel), and the
//! range sums are added in range order.

use rayon::prelude::*;
use std::ops::Range;

/// Ranges the items of an ordered sum are cut into (independent of the thread count).
pub(crate) const SUM_CHUNKS: usize = 64;

/// Sums `part(range)` over the fixed ranges of `0..len` in range order, starting from `zero()`
/// and adding with `merge(total, part)`. The ranges are computed in parallel, a wave of twice
/// the thread count at a time (bounding the memory of the partial sums).
pub(crate) fn ordered_sum<T: Send>(
    len: usize,
    zero: impl Fn() -> T,
    part: impl Fn(Range<usize>) -> T + Sync,
    merge: impl Fn(T, T) -> T,
) -> T {
    let per = len.div_ceil(SUM_CHUNKS).max(1);
    let ranges: Vec<Range<usize>> = (0..len.div_ceil(per))
        .map(|c| c * per..((c + 1) * per).min(len))
        .collect();
    ordered_sum_over(ranges, zero, part, merge)
}

/// Sums `part(piece)` over pieces the caller has already cut (for example disjoint `&mut`
/// slices each worker writes into), in the pieces' order: computed in parallel a wave of twice
/// the thread count at a time, added with `merge(total, part)` in order. The result depends on
/// the pieces only, never on the thread count.
pub(crate) fn ordered_sum_over<P: Send, T: Send>(
    pieces: Vec<P>,
    zero: impl Fn() -> T,
    part: impl Fn(P) -> T + Sync,
    merge: impl Fn(T, T) -> T,
) -> T {
    let wave = rayon::current_num_threads().max(1) * 2;
    let mut total = zero();
    let mut pieces = pieces;
    while !pieces.is_empty() {
        let rest = pieces.split_off(wave.min(pieces.len()));
        let parts: Vec<T> = pieces.into_par_iter().map(&part).collect();
        for p in parts {
            total = merge(total, p);
        }
        pieces = rest;
    }
    total
}

/// Adds `b` to `a` element by element.
pub(crate) fn add_into<T: Copy + std::ops::AddAssign>(a: &mut [T], b: &[T]) {
    a.iter_mut().zip(b).for_each(|(x, y)| *x += *y);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sum_is_the_same_on_one_and_on_several_threads() {
        // Values whose sum depends on the order of addition.
        let values: Vec<f64> = (0..100_003)
            .map(|i| ((i as f64) * 0.7).sin() * 10f64.powi((i % 17) - 8))
            .collect();
        let sum = || {
            ordered_sum(
                values.len(),
                || 0.0,
                |r| values[r].iter().sum::<f64>(),
                |a, b| a + b,
            )
        };
        let on = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(sum)
        };
        let one = on(1);
        assert_eq!(one.to_bits(), on(2).to_bits());
        assert_eq!(one.to_bits(), on(3).to_bits());
        let plain: f64 = values.iter().sum();
        assert!((one - plain).abs() < 1e-9 * plain.abs().max(1.0));
        // Every item is counted once, including a short last range.
        let count = ordered_sum(1000, || 0usize, |r| r.len(), |a, b| a + b);
        assert_eq!(count, 1000);
        assert_eq!(ordered_sum(0, || 0usize, |r| r.len(), |a, b| a + b), 0);
    }
}
