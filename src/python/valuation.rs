//! Bindings for `kernels::valuation`: `valuation_zscore`, `valuation_percentile_rank`
//! (1-D or 2-D) and `valuation_center_scale_1d` (the lines of
//! `capcycle.valuation.bands`). Inputs are float64 arrays of any strides
//! (capcycle.valuation converts); `kind` is `"full"`, `"rolling"` (with `window`
//! rows) or `"expanding"`; `min_periods=None` takes the kind's default; `first_row`
//! (rolling z-scores and lines) is the global row of the input's first row, for
//! chunked callers (capcycle._lazy), as in `_core.rolling`.
//! Each function validates and extracts everything first, then runs the kernel with
//! the GIL released; 2-D input runs its columns in parallel (`kernels::panel`).

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;

use super::common::{alloc_f64, in_pool, map_values, non_negative, try_lane, Values};
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
    first_row: i64,
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
    Ok(spec.starting_at(non_negative("first_row", first_row)?))
}

/// (x - centre) / scale of a 1-D array, or of each column of a 2-D one.
#[pyfunction]
#[pyo3(signature = (x, kind, window, *, center = "median", scale = "std", min_periods = None, ddof = 1, first_row = 0))]
#[allow(clippy::too_many_arguments)]
fn valuation_zscore<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    kind: &str,
    window: i64,
    center: &str,
    scale: &str,
    min_periods: Option<i64>,
    ddof: i64,
    first_row: i64,
) -> PyResult<Bound<'py, PyAny>> {
    let x = Values::extract("x", x)?;
    let spec = spec_of(
        x.rows(),
        kind,
        window,
        center,
        scale,
        min_periods,
        ddof,
        first_row,
    )?;
    per_lane(py, x, |lane, out| spec.zscore(lane, out))
}

/// [`map_values`] after checking that `x` has a value at all.
fn per_lane<'py, F>(py: Python<'py>, x: Values<'py>, kernel: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Fn(&[f64], &mut [f64]) + Sync,
{
    match &x {
        Values::Lane(lane) => check_has_values("x", lane.as_array().iter())?,
        Values::Panel(panel) => check_has_values("x", panel.as_array().iter())?,
    }
    map_values(py, x, kernel)
}

/// The centre and scale lines of a series.
type Lines<'py> = (Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<f64>>);

/// The centre and scale lines of a 1-D array: `(center, scale)`.
#[pyfunction]
#[pyo3(signature = (x, kind, window, *, center = "median", scale = "std", min_periods = None, ddof = 1, first_row = 0))]
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
    first_row: i64,
) -> PyResult<Lines<'py>> {
    let values = try_lane("x", &x)?;
    let spec = spec_of(
        values.len(),
        kind,
        window,
        center,
        scale,
        min_periods,
        ddof,
        first_row,
    )?;
    check_has_values("x", values.iter())?;
    let (mut centre, mut spread) = (alloc_f64("x", values.len())?, alloc_f64("x", values.len())?);
    py.detach(|| in_pool(|| spec.center_scale(&values, &mut centre, &mut spread)));
    Ok((centre.into_pyarray(py), spread.into_pyarray(py)))
}

/// Share of the window at or below each value, of a 1-D array or of each column of
/// a 2-D one.
#[pyfunction]
#[pyo3(signature = (x, kind, window, *, min_periods = None))]
fn valuation_percentile_rank<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    kind: &str,
    window: i64,
    min_periods: Option<i64>,
) -> PyResult<Bound<'py, PyAny>> {
    let x = Values::extract("x", x)?;
    // Ranks are order statistics: position-independent, no first_row needed.
    let spec = spec_of(x.rows(), kind, window, "median", "std", min_periods, 0, 0)?;
    per_lane(py, x, |lane, out| spec.percentile_rank(lane, out))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(valuation_zscore, m)?)?;
    m.add_function(wrap_pyfunction!(valuation_center_scale_1d, m)?)?;
    m.add_function(wrap_pyfunction!(valuation_percentile_rank, m)?)?;
    Ok(())
}
