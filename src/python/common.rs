//! What every binding shares: argument checks that name the argument, and the
//! GIL-free, interruptible driver for 1-D and 2-D kernels.

use std::borrow::Cow;

use ndarray::{s, ArrayView2, ArrayViewMut2};
use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::kernels::window::Window;

/// About this many cells run between two checks for Ctrl-C.
const CELLS_PER_SIGNAL_CHECK: usize = 1 << 22;

/// A non-negative integer argument as usize.
pub fn non_negative(name: &str, value: i64) -> PyResult<usize> {
    usize::try_from(value)
        .map_err(|_| PyValueError::new_err(format!("{name}: must be >= 0, got {value}")))
}

/// The window: `window` rows, or, with `times`, a duration of `window` time units.
pub fn window_of<'a>(window: i64, times: Option<&'a [i64]>) -> PyResult<Window<'a>> {
    if window < 1 {
        return Err(PyValueError::new_err(format!(
            "window: must be >= 1, got {window}"
        )));
    }
    Ok(match times {
        Some(times) => Window::Span {
            times,
            span: window,
        },
        None => Window::Rows(non_negative("window", window)?),
    })
}

/// Borrow timestamps as a contiguous slice, copying only a strided view.
pub fn times_vec(times: Option<PyReadonlyArray1<'_, i64>>) -> Option<Vec<i64>> {
    times.map(|t| t.as_array().iter().copied().collect())
}

/// A 1-D array as a slice: borrowed when contiguous, copied when strided.
pub fn lane<'a>(x: &'a PyReadonlyArray1<'_, f64>) -> Cow<'a, [f64]> {
    match x.as_slice() {
        Ok(slice) => Cow::Borrowed(slice),
        Err(_) => Cow::Owned(x.as_array().to_vec()),
    }
}

/// Run a 1-D kernel without the GIL into a new array of `len` values.
pub fn fill_1d<'py, F>(
    py: Python<'py>,
    len: usize,
    kernel: F,
) -> PyResult<Bound<'py, PyArray1<f64>>>
where
    F: FnOnce(&mut [f64]) + Send,
{
    let out = PyArray1::<f64>::zeros(py, len, false);
    {
        let mut guard = out.readwrite();
        let dest = guard
            .as_slice_mut()
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        py.detach(|| kernel(dest));
    }
    py.check_signals()?;
    Ok(out)
}

/// Run a 2-D kernel without the GIL, a batch of columns at a time, into a new
/// Fortran-ordered array (columns contiguous). Between batches the GIL is taken back
/// to check for Ctrl-C, so a long panel stops promptly. `kernel(first_column, batch
/// of input columns, output batch)`.
pub fn fill_2d<'py, F>(
    py: Python<'py>,
    input: ArrayView2<'_, f64>,
    kernel: F,
) -> PyResult<Bound<'py, PyArray2<f64>>>
where
    F: Fn(usize, ArrayView2<'_, f64>, ArrayViewMut2<'_, f64>) + Sync,
{
    let (rows, cols) = input.dim();
    let out = PyArray2::<f64>::zeros(py, [rows, cols], true);
    let batch = (CELLS_PER_SIGNAL_CHECK / rows.max(1)).max(1);
    let mut guard = out.readwrite();
    let mut dest = guard.as_array_mut();
    let mut first = 0;
    while first < cols {
        let last = (first + batch).min(cols);
        let columns = input.slice(s![.., first..last]);
        let out_columns = dest.slice_mut(s![.., first..last]);
        py.detach(|| kernel(first, columns, out_columns));
        py.check_signals()?;
        first = last;
    }
    drop(guard);
    Ok(out)
}
