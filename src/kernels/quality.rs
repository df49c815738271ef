//! Cross-sectional ranks (`capcycle.quality.rank`): each row of a panel (one date,
//! firms along the row) ranked on its own, NaN skipped, ties given their average
//! rank, as pandas' `DataFrame.rank(axis=1, method="average", pct=...)`.
//!
//! A row's ranks depend on that row alone, so rows run in parallel (rayon) and the
//! result is bit-identical whatever the thread count. Ranks are exact: a tie group
//! occupying sorted positions `a..=b` (1-based) gets `(a + b) / 2`, a half-integer,
//! and `pct` divides it once by the row's count of non-NaN values, so every value is
//! the correctly rounded quotient pandas computes too. `-0.0` and `0.0` tie (they
//! compare equal, as in pandas); infinities rank as the extreme values they are.

use std::cmp::Ordering;

use ndarray::{ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis};
use rayon::prelude::*;

/// Below this many cells a panel runs on the calling thread.
const PARALLEL_MIN_CELLS: usize = 1 << 15;

/// Ranks of `row` into `out` (same length): NaN stays NaN; `pct` divides by the
/// number of non-NaN values. `scratch` is reused across rows.
pub fn rank_row(row: &[f64], out: &mut [f64], pct: bool, scratch: &mut Vec<(f64, usize)>) {
    scratch.clear();
    scratch.extend(
        row.iter()
            .enumerate()
            .filter(|(_, v)| !v.is_nan())
            .map(|(j, v)| (*v, j)),
    );
    out.iter_mut().for_each(|o| *o = f64::NAN);
    // NaN was filtered out, so partial_cmp always answers; Equal is never reached.
    scratch.sort_unstable_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(Ordering::Equal));
    let count = scratch.len() as f64;
    let mut start = 0;
    while start < scratch.len() {
        let value = scratch[start].0;
        let end = scratch[start..]
            .iter()
            .position(|(v, _)| *v != value)
            .map_or(scratch.len(), |k| start + k);
        // positions start+1 ..= end (1-based): their mean, a half-integer (exact)
        let average = (start + 1 + end) as f64 / 2.0;
        let rank = if pct { average / count } else { average };
        for &(_, j) in &scratch[start..end] {
            out[j] = rank;
        }
        start = end;
    }
}

/// What one thread reuses from row to row: the (value, column) pairs it sorts, a
/// copy of a strided input row and the ranks of a strided output row.
#[derive(Default)]
struct Scratch {
    pairs: Vec<(f64, usize)>,
    row: Vec<f64>,
    ranks: Vec<f64>,
}

impl Scratch {
    fn rank(&mut self, row: ArrayView1<f64>, mut dest: ArrayViewMut1<f64>, pct: bool) {
        let values: &[f64] = match row.as_slice() {
            Some(slice) => slice,
            None => {
                self.row.clear();
                self.row.extend(row.iter().copied());
                &self.row
            }
        };
        match dest.as_slice_mut() {
            Some(dest) => rank_row(values, dest, pct, &mut self.pairs),
            None => {
                self.ranks.resize(values.len(), f64::NAN);
                rank_row(values, &mut self.ranks, pct, &mut self.pairs);
                dest.iter_mut().zip(&self.ranks).for_each(|(d, r)| *d = *r);
            }
        }
    }
}

/// Rank every row of `x` into the matching row of `out` (same shape). Rows of any
/// stride are read in place; `out`'s rows are fastest contiguous (C order).
pub fn rank_rows(x: ArrayView2<f64>, mut out: ArrayViewMut2<f64>, pct: bool) {
    if x.len() < PARALLEL_MIN_CELLS {
        let mut scratch = Scratch::default();
        for (row, dest) in x.axis_iter(Axis(0)).zip(out.axis_iter_mut(Axis(0))) {
            scratch.rank(row, dest, pct);
        }
    } else {
        x.axis_iter(Axis(0))
            .into_par_iter()
            .zip(out.axis_iter_mut(Axis(0)).into_par_iter())
            .for_each_init(Scratch::default, |scratch, (row, dest)| {
                scratch.rank(row, dest, pct)
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, ShapeBuilder};

    const NAN: f64 = f64::NAN;

    fn ranks(row: &[f64], pct: bool) -> Vec<f64> {
        let mut out = vec![0.0; row.len()];
        rank_row(row, &mut out, pct, &mut Vec::new());
        out
    }

    fn same(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| (x.is_nan() && y.is_nan()) || x.to_bits() == y.to_bits())
    }

    #[test]
    fn ties_share_their_average_rank_and_nan_is_skipped() {
        let got = ranks(&[3.0, NAN, 1.0, 3.0, 2.0, 3.0], false);
        assert!(same(&got, &[4.0, NAN, 1.0, 4.0, 2.0, 4.0]));
        let got = ranks(&[3.0, NAN, 1.0, 3.0, 2.0, 3.0], true);
        assert!(same(&got, &[0.8, NAN, 0.2, 0.8, 0.4, 0.8]));
    }

    #[test]
    fn an_all_nan_row_and_an_empty_row_stay_nan() {
        assert!(same(&ranks(&[NAN, NAN], true), &[NAN, NAN]));
        assert!(ranks(&[], true).is_empty());
    }

    #[test]
    fn signed_zeros_tie_and_infinities_are_extremes() {
        let got = ranks(&[0.0, -0.0, f64::INFINITY, f64::NEG_INFINITY], false);
        assert!(same(&got, &[2.5, 2.5, 4.0, 1.0]));
    }

    #[test]
    fn c_and_fortran_panels_and_any_thread_count_give_the_same_bits() {
        let (rows, cols) = (300, 200); // above the parallel threshold
        let value = |i: usize, j: usize| {
            if (i * 7 + j * 3) % 11 == 0 {
                NAN
            } else {
                ((i * 31 + j * 17) % 23) as f64
            }
        };
        let c = Array2::from_shape_fn((rows, cols), |(i, j)| value(i, j));
        let f = Array2::from_shape_fn((rows, cols).f(), |(i, j)| value(i, j));
        let mut out_c = Array2::<f64>::zeros((rows, cols));
        let mut out_f = Array2::<f64>::zeros((rows, cols).f());
        rank_rows(c.view(), out_c.view_mut(), true);
        rank_rows(f.view(), out_f.view_mut(), true);
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let mut out_one = Array2::<f64>::zeros((rows, cols));
        one.install(|| rank_rows(c.view(), out_one.view_mut(), true));
        for i in 0..rows {
            let expect = ranks(&c.row(i).to_vec(), true);
            assert!(same(&out_c.row(i).to_vec(), &expect));
            assert!(same(&out_f.row(i).to_vec(), &expect));
            assert!(same(&out_one.row(i).to_vec(), &expect));
        }
    }
}
