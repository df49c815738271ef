//! Run a per-lane kernel over the columns of a 2-D panel (time along axis 0).
//!
//! Parallelism is across columns only, never inside a window, so every column's
//! result is bit-identical whatever the number of threads (rayon honours
//! `RAYON_NUM_THREADS`). Small panels run serially: spawning costs more than it saves.
//! Output columns are contiguous (Fortran order); input columns are borrowed when
//! contiguous, else gathered 32 at a time (never the whole panel).

use ndarray::{s, ArrayView1, ArrayView2, ArrayViewMut2, Axis};
use rayon::prelude::*;

/// Below this many cells a panel runs on the calling thread.
const PARALLEL_MIN_CELLS: usize = 1 << 15;

/// Columns handled together: a strided (C-ordered) block is gathered reading rows
/// contiguously, 32 values (four cache lines) at a time, instead of one column at a
/// time with a row-sized stride that misses the cache on every value. (32 gathered a
/// C-ordered 5,000 x 2,000 panel's moments about 10% faster than 16 on one thread;
/// 64 no faster.)
const GROUP: usize = 32;

/// The columns of `block` in column-major order in `buffer`: borrowed when `block`
/// is already Fortran-ordered, else gathered row by row.
fn columns_of<'a>(block: ArrayView2<'a, f64>, buffer: &'a mut Vec<f64>) -> Vec<&'a [f64]> {
    let rows = block.nrows();
    let borrowed: Option<Vec<&'a [f64]>> = (0..block.ncols())
        .map(|j| block.index_axis_move(Axis(1), j).to_slice())
        .collect();
    if let Some(columns) = borrowed {
        return columns;
    }
    buffer.clear();
    buffer.resize(rows * block.ncols(), f64::NAN);
    let row_slices: Option<Vec<&[f64]>> = block.rows().into_iter().map(|r| r.to_slice()).collect();
    match row_slices {
        // C-ordered: each row's values to their columns (with AVX2, four rows by
        // four columns at a time, transposed in registers).
        Some(row_slices) => {
            let mut columns: Vec<&mut [f64]> = buffer.chunks_mut(rows.max(1)).collect();
            let mut done = 0;
            #[cfg(target_arch = "x86_64")]
            if crate::kernels::moments::avx2_allowed() {
                // SAFETY: the CPU has AVX2 (avx2_allowed).
                done = unsafe { gather_avx2(&row_slices, &mut columns) };
            }
            for (i, row) in row_slices.iter().enumerate().skip(done) {
                for (column, value) in columns.iter_mut().zip(row.iter()) {
                    column[i] = *value;
                }
            }
        }
        None => {
            for (i, row) in block.rows().into_iter().enumerate() {
                for (j, value) in row.iter().enumerate() {
                    buffer[j * rows + i] = *value;
                }
            }
        }
    }
    buffer.chunks(rows.max(1)).take(block.ncols()).collect()
}

/// Rows `0..4k` of `rows` (equal lengths) into `columns` (one per value of a row),
/// 4x4 tiles transposed in registers; returns how many rows it did.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn gather_avx2(rows: &[&[f64]], columns: &mut [&mut [f64]]) -> usize {
    use crate::kernels::moments::avx2::transpose;
    use std::arch::x86_64::{_mm256_loadu_pd, _mm256_storeu_pd};
    let width = columns.len().min(rows.first().map_or(0, |r| r.len()));
    let (tall, wide) = (rows.len() / 4 * 4, width / 4 * 4);
    for i in (0..tall).step_by(4) {
        let tile_rows = &rows[i..i + 4];
        for j in (0..wide).step_by(4) {
            let tile = transpose(std::array::from_fn(|k| {
                let values = &tile_rows[k][j..j + 4];
                // SAFETY: `values` holds four f64.
                unsafe { _mm256_loadu_pd(values.as_ptr()) }
            }));
            for (c, vector) in tile.into_iter().enumerate() {
                let dest = &mut columns[j + c][i..i + 4];
                // SAFETY: `dest` holds four f64.
                unsafe { _mm256_storeu_pd(dest.as_mut_ptr(), vector) };
            }
        }
        for j in wide..width {
            for (k, row) in tile_rows.iter().enumerate() {
                columns[j][i + k] = row[j];
            }
        }
    }
    tall
}

/// Fill each column of `out` with `kernel(column of x, output column)`.
///
/// `out` must have `x`'s shape; its columns need not be contiguous but are faster so.
pub fn map_columns<F>(x: ArrayView2<f64>, out: ArrayViewMut2<f64>, kernel: F)
where
    F: Fn(&[f64], &mut [f64]) + Sync,
{
    map_column_groups(x, None, out, |columns, _, outs| {
        for (column, dest) in columns.iter().zip(outs.iter_mut()) {
            kernel(column, dest)
        }
    });
}

/// Like [`map_columns`], handing the kernel up to [`GROUP`] columns at once:
/// `kernel(columns of y, x lanes, output columns)`, where the x lanes are the
/// matching columns of a 2-D `x`, or a 1-D `x` repeated for every column, or empty
/// without `x` (shapes checked by the caller). Kernels that run several columns in
/// lockstep take them from here.
pub fn map_column_groups<F>(
    y: ArrayView2<f64>,
    x: Option<XLanes<'_>>,
    mut out: ArrayViewMut2<f64>,
    kernel: F,
) where
    F: Fn(&[&[f64]], &[&[f64]], &mut [&mut [f64]]) + Sync,
{
    let rows = y.nrows();
    if rows == 0 || y.ncols() == 0 {
        return;
    }
    let shared_x: Option<Vec<f64>> = match &x {
        Some(XLanes::Shared(lane)) => Some(lane.iter().copied().collect()),
        _ => None,
    };
    let fill_group = |g: usize, mut dest: ArrayViewMut2<f64>| {
        let first = g * GROUP;
        let width = dest.ncols();
        let (mut y_buffer, mut x_buffer) = (Vec::new(), Vec::new());
        let y_columns = columns_of(y.slice(s![.., first..first + width]), &mut y_buffer);
        let x_columns = match (&x, &shared_x) {
            (Some(XLanes::PerColumn(panel)), _) => {
                columns_of(panel.slice(s![.., first..first + width]), &mut x_buffer)
            }
            (_, Some(lane)) => vec![lane.as_slice(); width],
            _ => Vec::new(),
        };
        let contiguous = dest.axis_iter(Axis(1)).all(|c| c.as_slice().is_some());
        if contiguous {
            let mut outs: Vec<&mut [f64]> = dest
                .axis_iter_mut(Axis(1))
                .filter_map(|c| c.into_slice())
                .collect();
            kernel(&y_columns, &x_columns, &mut outs);
        } else {
            let mut buffer = vec![f64::NAN; rows * width];
            let mut outs: Vec<&mut [f64]> = buffer.chunks_mut(rows).collect();
            kernel(&y_columns, &x_columns, &mut outs);
            for (mut column, values) in dest.axis_iter_mut(Axis(1)).zip(buffer.chunks(rows)) {
                column.iter_mut().zip(values).for_each(|(d, v)| *d = *v);
            }
        }
    };
    if rows * y.ncols() < PARALLEL_MIN_CELLS {
        out.axis_chunks_iter_mut(Axis(1), GROUP)
            .enumerate()
            .for_each(|(g, dest)| fill_group(g, dest));
    } else {
        out.axis_chunks_iter_mut(Axis(1), GROUP)
            .into_par_iter()
            .enumerate()
            .for_each(|(g, dest)| fill_group(g, dest));
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
        map_column_groups(
            y.view(),
            Some(XLanes::Shared(x.view())),
            out.view_mut(),
            |ys, xs, outs| {
                for ((y, x), o) in ys.iter().zip(xs).zip(outs.iter_mut()) {
                    for i in 0..o.len() {
                        o[i] = y[i] * x[i];
                    }
                }
            },
        );
        assert_eq!(out[[3, 2]], 5.0 * 4.0);
    }
}
