//! Run a per-lane kernel over the columns of a 2-D panel (time along axis 0).
//!
//! Parallelism is across columns only, never inside a window, so every column's
//! result is bit-identical whatever the number of threads (rayon honours
//! `RAYON_NUM_THREADS`). Small panels run serially: spawning costs more than it saves.
//! Output columns are contiguous (Fortran order); an input column is borrowed as a
//! slice when contiguous and copied alone otherwise, never the whole panel.

use ndarray::{ArrayView1, ArrayView2, ArrayViewMut2, Axis};
use rayon::prelude::*;

/// Below this many cells a panel runs on the calling thread.
const PARALLEL_MIN_CELLS: usize = 1 << 15;

/// A column as a slice: borrowed when contiguous, else copied into `buffer`.
fn column_slice<'a>(column: ArrayView1<'a, f64>, buffer: &'a mut Vec<f64>) -> &'a [f64] {
    match column.to_slice() {
        Some(slice) => slice,
        None => {
            buffer.clear();
            buffer.extend(column.iter().copied());
            buffer.as_slice()
        }
    }
}

/// Fill each column of `out` with `kernel(column of x, output column)`.
///
/// `out` must have `x`'s shape; its columns need not be contiguous but are faster so.
pub fn map_columns<F>(x: ArrayView2<f64>, out: ArrayViewMut2<f64>, kernel: F)
where
    F: Fn(&[f64], &mut [f64]) + Sync,
{
    map_column_pairs(x, None, out, |column, _, dest| kernel(column, dest));
}

/// Like [`map_columns`] for two-series kernels: `kernel(column of y, x lane, dest)`,
/// where the x lane is the matching column of a 2-D `x`, or a 1-D `x` broadcast
/// against every column (shapes checked by the caller).
pub fn map_column_pairs<F>(y: ArrayView2<f64>, x: Option<XLanes<'_>>, mut out: ArrayViewMut2<f64>, kernel: F)
where
    F: Fn(&[f64], &[f64], &mut [f64]) + Sync,
{
    let rows = y.nrows();
    let fill = |j: usize, mut dest: ndarray::ArrayViewMut1<f64>| {
        let (mut y_buffer, mut x_buffer, mut out_buffer) = (Vec::new(), Vec::new(), Vec::new());
        let y_lane = column_slice(y.column(j), &mut y_buffer);
        let x_lane = match &x {
            None => &[][..],
            Some(XLanes::Shared(lane)) => column_slice(lane.view(), &mut x_buffer),
            Some(XLanes::PerColumn(panel)) => column_slice(panel.column(j), &mut x_buffer),
        };
        match dest.as_slice_mut() {
            Some(slice) => kernel(y_lane, x_lane, slice),
            None => {
                out_buffer.resize(rows, f64::NAN);
                kernel(y_lane, x_lane, &mut out_buffer);
                dest.iter_mut().zip(&out_buffer).for_each(|(d, v)| *d = *v);
            }
        }
    };
    if rows * y.ncols() < PARALLEL_MIN_CELLS {
        out.axis_iter_mut(Axis(1)).enumerate().for_each(|(j, dest)| fill(j, dest));
    } else {
        out.axis_iter_mut(Axis(1)).into_par_iter().enumerate().for_each(|(j, dest)| fill(j, dest));
    }
}

/// The x side of a two-series panel kernel.
pub enum XLanes<'a> {
    /// One series shared by every column of y.
    Shared(ArrayView1<'a, f64>),
    /// One series per column of y.
    PerColumn(ArrayView2<'a, f64>),
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, ShapeBuilder};

    #[test]
    fn c_and_fortran_inputs_give_the_same_columns() {
        let c = Array2::from_shape_fn((50, 7), |(i, j)| (i * 7 + j) as f64);
        let f = Array2::from_shape_fn((50, 7).f(), |(i, j)| (i * 7 + j) as f64);
        let cumsum = |x: &[f64], out: &mut [f64]| {
            let mut s = 0.0;
            for (o, v) in out.iter_mut().zip(x) {
                s += v;
                *o = s;
            }
        };
        let mut out_c = Array2::<f64>::zeros((50, 7).f());
        let mut out_f = Array2::<f64>::zeros((50, 7));
        map_columns(c.view(), out_c.view_mut(), cumsum);
        map_columns(f.view(), out_f.view_mut(), cumsum);
        assert_eq!(out_c, out_f);
        assert_eq!(out_c[[49, 0]], (0..50).map(|i| (i * 7) as f64).sum::<f64>());
    }

    #[test]
    fn a_shared_x_lane_is_broadcast() {
        let y = Array2::from_shape_fn((4, 3), |(i, j)| (i + j) as f64);
        let x = ndarray::arr1(&[1.0, 2.0, 3.0, 4.0]);
        let mut out = Array2::<f64>::zeros((4, 3).f());
        map_column_pairs(y.view(), Some(XLanes::Shared(x.view())), out.view_mut(), |y, x, o| {
            for i in 0..o.len() {
                o[i] = y[i] * x[i];
            }
        });
        assert_eq!(out[[3, 2]], 5.0 * 4.0);
    }
}
