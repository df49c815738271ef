//! Bindings for `kernels::rolling`: `rolling` for one series, `rolling_pair` for
//! (y, x), each taking a 1-D array or a 2-D panel (time along axis 0). Inputs are
//! float64 arrays of any strides (capcycle.rolling converts); `times` (int64, e.g.
//! nanoseconds) turns `window` into a duration in those units. `first_row` is the
//! global row index of the input's first row: row-count moments are computed on
//! blocks counted from global row 0, so a chunk of a longer series (with `window - 1`
//! rows of overlap) that passes its `first_row` gets the bits of the in-memory
//! result. Durations count their blocks from time 0 and ignore it.

use numpy::{PyReadonlyArray1, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use super::common::{
    fill_1d, fill_2d, map_value_groups, non_negative, times_vec, try_lane, window_of, Values,
};
use crate::kernels::panel::{map_column_groups, XLanes};
use crate::kernels::rolling::{PairStat, RollingSpec, Stat};
use crate::kernels::window::Window;

/// The validated window of a call.
fn spec<'a>(
    window: i64,
    times: Option<&'a [i64]>,
    min_periods: i64,
    rows: usize,
    first_row: i64,
) -> PyResult<RollingSpec<'a>> {
    let window: Window<'a> = window_of(window, times)?;
    let spec = RollingSpec::new(window, non_negative("min_periods", min_periods)?, rows)?;
    Ok(spec.starting_at(non_negative("first_row", first_row)?))
}

/// Rolling `stat` of a 1-D array, or of each column of a 2-D one (in parallel).
#[pyfunction]
#[pyo3(signature = (x, stat, window, min_periods, *, ddof = 1, q = 0.5, times = None, first_row = 0))]
#[allow(clippy::too_many_arguments)]
fn rolling<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    stat: &str,
    window: i64,
    min_periods: i64,
    ddof: i64,
    q: f64,
    times: Option<PyReadonlyArray1<'py, i64>>,
    first_row: i64,
) -> PyResult<Bound<'py, PyAny>> {
    let stat = Stat::parse(stat, non_negative("ddof", ddof)?, q)?;
    let times = times_vec(times);
    let x = Values::extract("x", x)?;
    let spec = spec(window, times.as_deref(), min_periods, x.rows(), first_row)?;
    map_value_groups(py, x, |columns, outs| {
        spec.apply_columns(stat, columns, outs)
    })
}

/// Rolling cov/corr/beta of `y` with `x`: two 1-D arrays, or each column of a 2-D
/// `y` with the matching column of a 2-D `x` or with a 1-D `x` broadcast.
#[pyfunction]
#[pyo3(signature = (y, x, stat, window, min_periods, *, ddof = 1, times = None, first_row = 0))]
#[allow(clippy::too_many_arguments)]
fn rolling_pair<'py>(
    py: Python<'py>,
    y: &Bound<'py, PyAny>,
    x: &Bound<'py, PyAny>,
    stat: &str,
    window: i64,
    min_periods: i64,
    ddof: i64,
    times: Option<PyReadonlyArray1<'py, i64>>,
    first_row: i64,
) -> PyResult<Bound<'py, PyAny>> {
    let stat = PairStat::parse(stat, non_negative("ddof", ddof)?)?;
    let times = times_vec(times);
    let (y, x) = (Values::extract("y", y)?, Values::extract("x", x)?);
    let spec = spec(window, times.as_deref(), min_periods, y.rows(), first_row)?;
    spec.expect_len("x", x.rows())?;
    Ok(match (y, x) {
        (Values::Lane(y), Values::Lane(x)) => {
            let (y_values, x_values) = (try_lane("y", &y)?, try_lane("x", &x)?);
            fill_1d(py, y_values.len(), |out| {
                spec.apply_pair(stat, &y_values, &x_values, out)
            })?
            .into_any()
        }
        (Values::Panel(y), Values::Lane(x)) => {
            let x_view = x.as_array();
            fill_2d(py, y.as_array(), |_, columns, out| {
                map_column_groups(
                    columns,
                    Some(XLanes::Shared(x_view)),
                    out,
                    |ys, xs, outs| spec.apply_pair_columns(stat, ys, xs, outs),
                )
            })?
            .into_any()
        }
        (Values::Panel(y), Values::Panel(x)) => {
            if x.shape() != y.shape() {
                return Err(PyValueError::new_err(format!(
                    "x: shape {:?} does not match y's {:?}",
                    x.shape(),
                    y.shape()
                )));
            }
            let x_view = x.as_array();
            fill_2d(py, y.as_array(), |first, columns, out| {
                let x_columns = x_view.slice(ndarray::s![.., first..first + columns.ncols()]);
                map_column_groups(
                    columns,
                    Some(XLanes::PerColumn(x_columns)),
                    out,
                    |ys, xs, outs| spec.apply_pair_columns(stat, ys, xs, outs),
                )
            })?
            .into_any()
        }
        (Values::Lane(_), Values::Panel(_)) => {
            return Err(PyValueError::new_err(
                "x: a 2-D x needs a 2-D y (a 1-D x is broadcast, not y)",
            ))
        }
    })
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(rolling, m)?)?;
    m.add_function(wrap_pyfunction!(rolling_pair, m)?)?;
    Ok(())
}
