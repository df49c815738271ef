//! Bindings for `kernels::valuation`: `valuation_zscore_1d/2d`,
//! `valuation_percentile_rank_1d/2d` and `valuation_center_scale_1d` (the lines of
//! `capcycle.valuation.bands`). Inputs are float64 arrays of any strides
//! (capcycle.valuation converts); `kind` is `"full"`, `"rolling"` (with `window`
//! rows) or `"expanding"`; `min_periods=None` takes the kind's default.
//! Each function validates and extracts everything first, then runs the kernel with
//! the GIL released; 2-D input runs its columns in parallel (`kernels::panel`).

use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

use super::common::{alloc_f64, fill_1d, fill_2d, in_pool, non_negative, try_lane};
use crate::kernels::panel::map_columns;
use crate::kernels::valuation::{check_has_values, Center, Scale, Span, ValuationSpec};

#[allow(clippy::too_many_arguments)]
fn spec_of(
    len: usize,
    kind: &str,
    window: i64,
    center: &str,
    scale: &str,
    min_periods: Option<i64>,
    ddof: i64,
) -> PyResult<ValuationSpec> {
    let span = Span::parse(kind, window)?;
    let min_periods = min_periods
        .map(|mp| non_negative("min_periods", mp))
        .transpose()?;
    let spec = ValuationSpec::new(
        span,
        Center::parse(center)?,
        Scale::parse(scale)?,
        min_periods,
        non_negative("ddof", ddof)?,
        len,
    )?;
    Ok(spec)
}

/// (x - centre) / scale of a 1-D array.
#[pyfunction]
#[pyo3(signature = (x, kind, window, *, center = "median", scale = "std", min_periods = None, ddof = 1))]
#[allow(clippy::too_many_arguments)]
fn valuation_zscore_1d<'py>(
    py: Python<'py>,
    x: PyReadonlyArray1<'py, f64>,
    kind: &str,
    window: i64,
    center: &str,
    scale: &str,
    min_periods: Option<i64>,
    ddof: i64,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let values = try_lane("x", &x)?;
    let spec = spec_of(values.len(), kind, window, center, scale, min_periods, ddof)?;
    check_has_values("x", values.iter())?;
    fill_1d(py, values.len(), |out| spec.zscore(&values, out))
}

/// (x - centre) / scale of each column of a 2-D array (time along axis 0).
#[pyfunction]
#[pyo3(signature = (x, kind, window, *, center = "median", scale = "std", min_periods = None, ddof = 1))]
#[allow(clippy::too_many_arguments)]
fn valuation_zscore_2d<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    kind: &str,
    window: i64,
    center: &str,
    scale: &str,
    min_periods: Option<i64>,
    ddof: i64,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let input = x.as_array();
    let spec = spec_of(
        input.nrows(),
        kind,
        window,
        center,
        scale,
        min_periods,
        ddof,
    )?;
    check_has_values("x", input.iter())?;
    fill_2d(py, input, |_, columns, out| {
        map_columns(columns, out, |lane, dest| spec.zscore(lane, dest))
    })
}

/// The centre and scale lines of a 1-D array: `(center, scale)`.
#[pyfunction]
#[pyo3(signature = (x, kind, window, *, center = "median", scale = "std", min_periods = None, ddof = 1))]
#[allow(clippy::too_many_arguments)]
fn valuation_center_scale_1d<'py>(
    py: Python<'py>,
    x: PyReadonlyArray1<'py, f64>,
    kind: &str,
    window: i64,
    center: &str,
    scale: &str,
    min_periods: Option<i64>,
    ddof: i64,
) -> PyResult<(Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<f64>>)> {
    let values = try_lane("x", &x)?;
    let spec = spec_of(values.len(), kind, window, center, scale, min_periods, ddof)?;
    check_has_values("x", values.iter())?;
    let (mut centre, mut spread) = (alloc_f64("x", values.len())?, alloc_f64("x", values.len())?);
    py.detach(|| in_pool(|| spec.center_scale(&values, &mut centre, &mut spread)));
    Ok((centre.into_pyarray(py), spread.into_pyarray(py)))
}

/// Share of the window at or below each value, of a 1-D array.
#[pyfunction]
#[pyo3(signature = (x, kind, window, *, min_periods = None))]
fn valuation_percentile_rank_1d<'py>(
    py: Python<'py>,
    x: PyReadonlyArray1<'py, f64>,
    kind: &str,
    window: i64,
    min_periods: Option<i64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let values = try_lane("x", &x)?;
    let spec = spec_of(values.len(), kind, window, "median", "std", min_periods, 0)?;
    check_has_values("x", values.iter())?;
    fill_1d(py, values.len(), |out| spec.percentile_rank(&values, out))
}

/// Share of the window at or below each value, for each column of a 2-D array.
#[pyfunction]
#[pyo3(signature = (x, kind, window, *, min_periods = None))]
fn valuation_percentile_rank_2d<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    kind: &str,
    window: i64,
    min_periods: Option<i64>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let input = x.as_array();
    let spec = spec_of(input.nrows(), kind, window, "median", "std", min_periods, 0)?;
    check_has_values("x", input.iter())?;
    fill_2d(py, input, |_, columns, out| {
        map_columns(columns, out, |lane, dest| spec.percentile_rank(lane, dest))
    })
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(valuation_zscore_1d, m)?)?;
    m.add_function(wrap_pyfunction!(valuation_zscore_2d, m)?)?;
    m.add_function(wrap_pyfunction!(valuation_center_scale_1d, m)?)?;
    m.add_function(wrap_pyfunction!(valuation_percentile_rank_1d, m)?)?;
    m.add_function(wrap_pyfunction!(valuation_percentile_rank_2d, m)?)?;
    Ok(())
}
