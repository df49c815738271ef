//! Bindings for `kernels::events`: borrow, validate, release the GIL, call, convert.
//! Users call `capcycle.events.event_study`; these are its native helpers.

use ndarray::{Array2, ArrayView2};
use numpy::{IntoPyArray, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

use super::common::{_after_fork_in_child, in_pool};
use crate::kernels::events::{self, Kind, Unit};
use crate::kernels::KernelError;

/// A 1-D int64 argument as an owned vector (small: time axes and event lists).
fn to_vec_i64(a: &PyReadonlyArray1<'_, i64>) -> Vec<i64> {
    a.as_array().iter().copied().collect()
}

/// The paths of every column of `values` around every event row:
/// `(before + after + 1, n_series * n_events)` float64, Fortran order, column
/// `s * n_events + e`.
#[pyfunction]
#[pyo3(signature = (time, values, event_rows, before, after, unit = "trading_days", kind = "level"))]
#[allow(clippy::too_many_arguments)]
fn event_paths<'py>(
    py: Python<'py>,
    time: PyReadonlyArray1<'py, i64>,
    values: PyReadonlyArray2<'py, f64>,
    event_rows: PyReadonlyArray1<'py, i64>,
    before: usize,
    after: usize,
    unit: &str,
    kind: &str,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    run_study(
        py,
        events::event_paths,
        time,
        values,
        event_rows,
        before,
        after,
        unit,
        kind,
    )
}

/// A study kernel over the arguments `event_paths` and `event_summary` share.
type StudyKernel = fn(
    &[i64],
    ArrayView2<f64>,
    &[i64],
    usize,
    usize,
    Unit,
    Kind,
) -> Result<Array2<f64>, KernelError>;

/// Convert a study's arguments, run `kernel` without the GIL, return its array.
#[allow(clippy::too_many_arguments)]
fn run_study<'py>(
    py: Python<'py>,
    kernel: StudyKernel,
    time: PyReadonlyArray1<'py, i64>,
    values: PyReadonlyArray2<'py, f64>,
    event_rows: PyReadonlyArray1<'py, i64>,
    before: usize,
    after: usize,
    unit: &str,
    kind: &str,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let unit = Unit::parse(unit)?;
    let kind = Kind::parse(kind)?;
    let time = to_vec_i64(&time);
    let rows = to_vec_i64(&event_rows);
    let values = values.as_array();
    // ndarray views of numpy memory are Sync; the readonly borrow lives across detach.
    let out = py.detach(|| in_pool(|| kernel(&time, values, &rows, before, after, unit, kind)))?;
    Ok(out.into_pyarray(py))
}

/// The row of every (offset, event): `(len(offsets), n_events)` int64, -1 where the
/// offset falls before or past the data.
#[pyfunction]
#[pyo3(signature = (time, event_rows, offsets, unit = "trading_days"))]
fn event_source_rows<'py>(
    py: Python<'py>,
    time: PyReadonlyArray1<'py, i64>,
    event_rows: PyReadonlyArray1<'py, i64>,
    offsets: PyReadonlyArray1<'py, i64>,
    unit: &str,
) -> PyResult<Bound<'py, PyArray2<i64>>> {
    let unit = Unit::parse(unit)?;
    let time = to_vec_i64(&time);
    let rows = to_vec_i64(&event_rows);
    let offsets = to_vec_i64(&offsets);
    let out = py.detach(|| -> Result<Array2<i64>, KernelError> {
        events::check_time(&time)?;
        let rows = events::check_event_rows(&rows, time.len())?;
        let src = events::source_rows(&time, &rows, &offsets, unit)?;
        let flat: Vec<i64> = src
            .into_iter()
            .map(|j| {
                if j == events::NO_ROW {
                    -1
                } else {
                    i64::try_from(j).unwrap_or(-1)
                }
            })
            .collect();
        // event-major flat = Fortran order of (offsets, events)
        use ndarray::ShapeBuilder;
        Array2::from_shape_vec((offsets.len(), rows.len()).f(), flat)
            .map_err(|e| KernelError::shape("offsets", e.to_string()))
    })?;
    Ok(out.into_pyarray(py))
}

/// Cross-event statistics per offset of every column of `values` around every
/// event row, without building the paths: `(before + after + 1, n_series * 6)`,
/// column `s * 6 + k` for k in mean, median, min, max, std (ddof=1), count; NaN
/// skipped.
#[pyfunction]
#[pyo3(signature = (time, values, event_rows, before, after, unit = "trading_days", kind = "level"))]
#[allow(clippy::too_many_arguments)]
fn event_summary<'py>(
    py: Python<'py>,
    time: PyReadonlyArray1<'py, i64>,
    values: PyReadonlyArray2<'py, f64>,
    event_rows: PyReadonlyArray1<'py, i64>,
    before: usize,
    after: usize,
    unit: &str,
    kind: &str,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    run_study(
        py,
        events::event_summary,
        time,
        values,
        event_rows,
        before,
        after,
        unit,
        kind,
    )
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(event_paths, m)?)?;
    m.add_function(wrap_pyfunction!(event_source_rows, m)?)?;
    m.add_function(wrap_pyfunction!(event_summary, m)?)?;
    m.add("EVENT_SUMMARY_STATS", events::SUMMARY_STATS.to_vec())?;
    // The fork hook of every parallel kernel (src/python/common.rs), registered here
    // because the module's init lives in mod.rs; python/capcycle/__init__.py calls it.
    m.add_function(wrap_pyfunction!(_after_fork_in_child, m)?)?;
    Ok(())
}
