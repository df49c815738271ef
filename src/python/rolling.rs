//! Bindings for `kernels::rolling`: `rolling_1d/2d` for one series, `rolling_pair_1d/2d`
//! for (y, x). Inputs are float64 arrays of any strides (capcycle.rolling converts);
//! `times` (int64, e.g. nanoseconds) turns `window` into a duration in those units.

use numpy::{PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use super::common::{fill_1d, fill_2d, lane, non_negative, times_vec, window_of};
use crate::kernels::panel::{map_column_pairs, map_columns, XLanes};
use crate::kernels::rolling::{PairStat, RollingSpec, Stat};

/// Rolling `stat` of a 1-D array.
#[pyfunction]
#[pyo3(signature = (x, stat, window, min_periods, *, ddof = 1, q = 0.5, times = None))]
#[allow(clippy::too_many_arguments)]
fn rolling_1d<'py>(
    py: Python<'py>,
    x: PyReadonlyArray1<'py, f64>,
    stat: &str,
    window: i64,
    min_periods: i64,
    ddof: i64,
    q: f64,
    times: Option<PyReadonlyArray1<'py, i64>>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let stat = Stat::parse(stat, non_negative("ddof", ddof)?, q)?;
    let times = times_vec(times);
    let values = lane(&x);
    let spec = RollingSpec::new(
        window_of(window, times.as_deref())?,
        non_negative("min_periods", min_periods)?,
        values.len(),
    )?;
    fill_1d(py, values.len(), |out| spec.apply(stat, &values, out))
}

/// Rolling `stat` of each column of a 2-D array (time along axis 0), in parallel.
#[pyfunction]
#[pyo3(signature = (x, stat, window, min_periods, *, ddof = 1, q = 0.5, times = None))]
#[allow(clippy::too_many_arguments)]
fn rolling_2d<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    stat: &str,
    window: i64,
    min_periods: i64,
    ddof: i64,
    q: f64,
    times: Option<PyReadonlyArray1<'py, i64>>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let stat = Stat::parse(stat, non_negative("ddof", ddof)?, q)?;
    let times = times_vec(times);
    let input = x.as_array();
    let spec = RollingSpec::new(
        window_of(window, times.as_deref())?,
        non_negative("min_periods", min_periods)?,
        input.nrows(),
    )?;
    fill_2d(py, input, |_, columns, out| {
        map_columns(columns, out, |lane, dest| spec.apply(stat, lane, dest))
    })
}

/// Rolling cov/corr/beta of two 1-D arrays.
#[pyfunction]
#[pyo3(signature = (y, x, stat, window, min_periods, *, ddof = 1, times = None))]
#[allow(clippy::too_many_arguments)]
fn rolling_pair_1d<'py>(
    py: Python<'py>,
    y: PyReadonlyArray1<'py, f64>,
    x: PyReadonlyArray1<'py, f64>,
    stat: &str,
    window: i64,
    min_periods: i64,
    ddof: i64,
    times: Option<PyReadonlyArray1<'py, i64>>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let stat = PairStat::parse(stat, non_negative("ddof", ddof)?)?;
    let times = times_vec(times);
    let (y_values, x_values) = (lane(&y), lane(&x));
    let spec = RollingSpec::new(
        window_of(window, times.as_deref())?,
        non_negative("min_periods", min_periods)?,
        y_values.len(),
    )?;
    spec.expect_len("x", x_values.len())?;
    fill_1d(py, y_values.len(), |out| {
        spec.apply_pair(stat, &y_values, &x_values, out)
    })
}

/// Rolling cov/corr/beta of each column of a 2-D `y` with the matching column of a
/// 2-D `x`, or with a 1-D `x` broadcast against every column.
#[pyfunction]
#[pyo3(signature = (y, x, stat, window, min_periods, *, ddof = 1, times = None))]
#[allow(clippy::too_many_arguments)]
fn rolling_pair_2d<'py>(
    py: Python<'py>,
    y: PyReadonlyArray2<'py, f64>,
    x: &Bound<'py, PyAny>,
    stat: &str,
    window: i64,
    min_periods: i64,
    ddof: i64,
    times: Option<PyReadonlyArray1<'py, i64>>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let stat = PairStat::parse(stat, non_negative("ddof", ddof)?)?;
    let times = times_vec(times);
    let y_view = y.as_array();
    let spec = RollingSpec::new(
        window_of(window, times.as_deref())?,
        non_negative("min_periods", min_periods)?,
        y_view.nrows(),
    )?;
    if let Ok(x2) = x.extract::<PyReadonlyArray2<'py, f64>>() {
        if x2.shape() != y.shape() {
            return Err(PyValueError::new_err(format!(
                "x: shape {:?} does not match y's {:?}",
                x2.shape(),
                y.shape()
            )));
        }
        let x_view = x2.as_array();
        fill_2d(py, y_view, |first, columns, out| {
            let x_columns = x_view.slice(ndarray::s![.., first..first + columns.ncols()]);
            map_column_pairs(
                columns,
                Some(XLanes::PerColumn(x_columns)),
                out,
                |yl, xl, dest| spec.apply_pair(stat, yl, xl, dest),
            )
        })
    } else if let Ok(x1) = x.extract::<PyReadonlyArray1<'py, f64>>() {
        spec.expect_len("x", x1.len())?;
        let x_view = x1.as_array();
        fill_2d(py, y_view, |_, columns, out| {
            map_column_pairs(
                columns,
                Some(XLanes::Shared(x_view)),
                out,
                |yl, xl, dest| spec.apply_pair(stat, yl, xl, dest),
            )
        })
    } else {
        Err(PyValueError::new_err(
            "x: must be a 1-D or 2-D float64 array",
        ))
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(rolling_1d, m)?)?;
    m.add_function(wrap_pyfunction!(rolling_2d, m)?)?;
    m.add_function(wrap_pyfunction!(rolling_pair_1d, m)?)?;
    m.add_function(wrap_pyfunction!(rolling_pair_2d, m)?)?;
    Ok(())
}
