//! Bindings for `kernels::quality`: `quality_rank`, the cross-sectional rank of each
//! row of a 2-D float64 array (any strides; capcycle.quality converts and turns 1-D
//! input into one row). The GIL is released around each batch of rows and taken back
//! between batches to check for Ctrl-C; the output is C-ordered (rows contiguous).

use ndarray::{s, Array2};
use numpy::{IntoPyArray, PyArray2, PyReadonlyArray2};
use pyo3::prelude::*;

use super::common::{alloc_f64, cells, in_pool};
use crate::kernels::quality::rank_rows;

/// Cells per batch between two checks for Ctrl-C.
const BATCH_CELLS: usize = 1 << 20;

/// Average ranks of each row of `x`, NaN skipped; `pct` divides by the row's count.
#[pyfunction]
#[pyo3(signature = (x, *, pct = true))]
fn quality_rank<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    pct: bool,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let x = x.as_array();
    let (rows, cols) = x.dim();
    let mut out = Array2::from_shape_vec((rows, cols), alloc_f64("x", cells("x", rows, cols)?)?)
        .map_err(|err| pyo3::exceptions::PyValueError::new_err(format!("x: {err}")))?;
    let batch = (BATCH_CELLS / cols.max(1)).max(1);
    let mut first = 0;
    while first < rows {
        let last = first.saturating_add(batch).min(rows);
        let (input, output) = (
            x.slice(s![first..last, ..]),
            out.slice_mut(s![first..last, ..]),
        );
        py.detach(|| in_pool(|| rank_rows(input, output, pct)));
        py.check_signals()?;
        first = last;
    }
    Ok(out.into_pyarray(py))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(quality_rank, m)?)?;
    Ok(())
}
