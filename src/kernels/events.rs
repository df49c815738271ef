//! Event studies: the path of one or many series around a list of event rows, and
//! the cross-event statistics of those paths per offset.
//!
//! Inputs: a time axis (`time`, int64 days since 1970-01-01, strictly increasing,
//! one per row), a panel of values (rows = `time`, columns = series), the *aligned*
//! event rows (alignment of event dates to rows is the caller's job) and a window of
//! offsets `-before..=after` in one of three [`Unit`]s:
//!
//! - [`Unit::TradingDays`]: offset k is row `r + k` (rows are trading days);
//! - [`Unit::Days`]: offset k is the last row on or before `time[r] + k` days;
//! - [`Unit::Months`]: offset k is the last row on or before the event date plus k
//!   calendar months (chrono month arithmetic, the day of month clamped to the
//!   month's end: Jan 31 + 1 month = Feb 28 or 29, Mar 31 - 1 month = Feb 28/29),
//!   and a month-end stays a month-end (Apr 30 + 1 month = May 31, the end-of-month
//!   rule): monthly data dated at month-ends would otherwise find Apr 30 again as the
//!   last row on or before May 30, and offset 1 would repeat offset 0.
//!
//! A target before the first row, or (calendar units) after the last row's date,
//! has no row: the path is NaN there ("past the data"). A target date that falls
//! between the last row and the data's end cannot happen: the last row ends the data.
//!
//! Path values ([`Kind`]), with `r` the event row and `j` the row of offset k:
//!
//! - [`Kind::Level`]: `x[j] / x[r] - 1` (0 at the event, NaN if `x[r]` is NaN).
//! - [`Kind::Returns`]: `x` holds simple returns; the path is the level of the
//!   compounded index relative to the event row, `I[j] / I[r] - 1` with
//!   `I[t] = prod_{s <= t} (1 + x[s])`. So offset 0 is 0; for `j > r` it is
//!   `prod_{s = r+1..=j} (1 + x[s]) - 1` (the returns of the rows after the event);
//!   for `j < r` it is `1 / prod_{s = j+1..=r} (1 + x[s]) - 1` (the event row's own
//!   return belongs to the pre-event side: it is earned by the event close). The
//!   two kinds agree: `Returns` on `x` equals `Level` on `cumprod(1 + x)`. A NaN
//!   return makes every offset beyond it (away from the event) NaN: a compounded
//!   path across a missing return is unknown. Guarded by `returns_equal_level_of_the_compounded_index`
//!   below and `tests/test_events.py::test_paths_match_reference`.
//!
//! Output layout: paths are `(offsets, series * events)` in Fortran order, the column
//! of (series s, event e) being `s * events + e`, so each path is contiguous.
//! Columns are independent, so they are computed in parallel (over (series, event)
//! pairs) and the result is bit-identical for any number of threads.
//!
//! The cross-event statistics ([`event_summary`]) use the shared NaN-skipping
//! reduction `rolling::reduce_lanes` (anchored moments, exact order statistics), so mean,
//! std and median are the same numbers everywhere in capcycle.

use std::borrow::Cow;

use chrono::{Datelike, Months, NaiveDate};
use ndarray::{Array2, ArrayView2, Axis, ShapeBuilder};
use rayon::prelude::*;

use crate::kernels::rolling::{reduce_lanes, Stat};
use crate::kernels::KernelError;

/// How offsets count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    TradingDays,
    Days,
    Months,
}

impl Unit {
    pub fn parse(name: &str) -> Result<Unit, KernelError> {
        match name {
            "trading_days" => Ok(Unit::TradingDays),
            "days" => Ok(Unit::Days),
            "months" => Ok(Unit::Months),
            _ => Err(KernelError::invalid(
                "unit",
                format!("unknown unit {name:?}; use \"trading_days\", \"days\" or \"months\""),
            )),
        }
    }
}

/// What the values are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Levels (prices, index values, ratios).
    Level,
    /// Simple returns, compounded from the event.
    Returns,
}

impl Kind {
    pub fn parse(name: &str) -> Result<Kind, KernelError> {
        match name {
            "level" => Ok(Kind::Level),
            "returns" => Ok(Kind::Returns),
            _ => Err(KernelError::invalid(
                "kind",
                format!("unknown kind {name:?}; use \"level\" or \"returns\""),
            )),
        }
    }
}

/// The columns of [`event_summary`], per series, in this order.
pub const SUMMARY_STATS: [&str; 6] = ["mean", "median", "min", "max", "std", "count"];
const STATS: [Stat; 6] = [
    Stat::Mean,
    Stat::Median,
    Stat::Min,
    Stat::Max,
    Stat::Std { ddof: 1 },
    Stat::Count,
];

/// Marks an offset with no row (before the data or past it).
pub const NO_ROW: usize = usize::MAX;

/// Below this many output cells the kernels run on the calling thread.
const PARALLEL_MIN_CELLS: usize = 1 << 15;

/// 1970-01-01 as a day number from the common era (chrono's `num_days_from_ce`).
const EPOCH_DAYS_FROM_CE: i64 = 719_163;

/// The product of `dims`, or `TooLarge` when it overflows or cannot be allocated as f64s.
fn cells(name: &'static str, dims: &[usize]) -> Result<usize, KernelError> {
    let limit = isize::MAX as usize / std::mem::size_of::<f64>();
    let mut total: usize = 1;
    for &d in dims {
        total = total
            .checked_mul(d)
            .filter(|t| *t <= limit)
            .ok_or_else(|| {
                KernelError::too_large(
                    name,
                    format!("the output would have more than {limit} cells ({dims:?})"),
                )
            })?;
    }
    Ok(total)
}

/// A vector of `n` copies of `fill`, or `TooLarge` if the allocation fails.
fn alloc<T: Clone>(name: &'static str, n: usize, fill: T) -> Result<Vec<T>, KernelError> {
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|_| {
        KernelError::too_large(
            name,
            format!("cannot allocate {n} cells; use fewer events, series or offsets, or split the study"),
        )
    })?;
    v.resize(n, fill);
    Ok(v)
}

/// Check the time axis: strictly increasing.
pub fn check_time(time: &[i64]) -> Result<(), KernelError> {
    if let Some(i) = time.windows(2).position(|w| w[1] <= w[0]) {
        return Err(KernelError::invalid(
            "time",
            format!(
                "must be strictly increasing (row {} is not after row {}); sort the index and drop duplicate dates",
                i + 1,
                i
            ),
        ));
    }
    Ok(())
}

/// Check event rows against a lane of `len` rows.
pub fn check_event_rows(event_rows: &[i64], len: usize) -> Result<Vec<usize>, KernelError> {
    event_rows
        .iter()
        .map(|&r| {
            usize::try_from(r).ok().filter(|r| *r < len).ok_or_else(|| {
                KernelError::invalid(
                    "event_rows",
                    format!("row {r} is outside the data (0..{len})"),
                )
            })
        })
        .collect()
}

/// The number of offsets `-before..=after`, checked.
fn n_offsets(before: usize, after: usize) -> Result<usize, KernelError> {
    before
        .checked_add(after)
        .and_then(|n| n.checked_add(1))
        .filter(|_| i64::try_from(before).is_ok() && i64::try_from(after).is_ok())
        .ok_or_else(|| {
            KernelError::too_large(
                "after",
                format!("before = {before} and after = {after} are too large"),
            )
        })
}

/// The offsets `-before..=after` (the count checked against memory first).
pub fn offsets(before: usize, after: usize) -> Result<Vec<i64>, KernelError> {
    let n = cells("after", &[n_offsets(before, after)?])?;
    let mut out = alloc("after", 0, 0i64)?;
    out.try_reserve_exact(n)
        .map_err(|_| KernelError::too_large("after", format!("cannot allocate {n} offsets")))?;
    // both fit in i64 (checked by n_offsets)
    out.extend(-(before as i64)..=(after as i64));
    Ok(out)
}

/// The last row whose time is on or before `target`; `NO_ROW` when `target` is before
/// the first row or after the last (past the data).
fn row_on_or_before(time: &[i64], target: i64) -> usize {
    match (time.first(), time.last()) {
        (Some(&first), Some(&last)) if target >= first && target <= last => {
            time.partition_point(|&t| t <= target) - 1
        }
        _ => NO_ROW,
    }
}

fn to_date(day: i64) -> Option<NaiveDate> {
    let ce = day.checked_add(EPOCH_DAYS_FROM_CE)?;
    NaiveDate::from_num_days_from_ce_opt(i32::try_from(ce).ok()?)
}

fn from_date(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce()) - EPOCH_DAYS_FROM_CE
}

/// `date` plus `k` calendar months (day of month clamped; a month-end stays a
/// month-end: module docs), None out of chrono's range.
fn add_months(date: NaiveDate, k: i64) -> Option<NaiveDate> {
    let m = Months::new(u32::try_from(k.unsigned_abs()).ok()?);
    let shifted = if k >= 0 {
        date.checked_add_months(m)
    } else {
        date.checked_sub_months(m)
    }?;
    if is_month_end(date) {
        month_end(shifted)
    } else {
        Some(shifted)
    }
}

fn is_month_end(date: NaiveDate) -> bool {
    date.succ_opt()
        .is_none_or(|next| next.month() != date.month())
}

/// The last day of `date`'s month.
fn month_end(date: NaiveDate) -> Option<NaiveDate> {
    date.with_day(1)?
        .checked_add_months(Months::new(1))?
        .pred_opt()
}

/// The row of each (event, offset), event-major (`out[e * offsets.len() + j]`),
/// `NO_ROW` where the offset falls before or past the data. Rows of one event are
/// non-decreasing in the offset.
pub fn source_rows(
    time: &[i64],
    event_rows: &[usize],
    offsets: &[i64],
    unit: Unit,
) -> Result<Vec<usize>, KernelError> {
    let n = time.len();
    let total = cells("events", &[event_rows.len(), offsets.len()])?;
    let mut out = alloc("events", total, NO_ROW)?;
    if offsets.is_empty() {
        return Ok(out);
    }
    for (chunk, &r) in out.chunks_mut(offsets.len()).zip(event_rows) {
        let t0 = *time.get(r).ok_or_else(|| {
            KernelError::invalid(
                "event_rows",
                format!("row {r} is outside the data (0..{n})"),
            )
        })?;
        match unit {
            Unit::TradingDays => {
                for (o, &k) in chunk.iter_mut().zip(offsets) {
                    *o = i64::try_from(r)
                        .ok()
                        .and_then(|r| r.checked_add(k))
                        .and_then(|j| usize::try_from(j).ok())
                        .filter(|&j| j < n)
                        .unwrap_or(NO_ROW);
                }
            }
            Unit::Days => {
                for (o, &k) in chunk.iter_mut().zip(offsets) {
                    *o = t0
                        .checked_add(k)
                        .map_or(NO_ROW, |target| row_on_or_before(time, target));
                }
            }
            Unit::Months => {
                let date = to_date(t0).ok_or_else(|| {
                    KernelError::invalid(
                        "time",
                        format!("day {t0} is outside the calendar (years -262143..262142)"),
                    )
                })?;
                for (o, &k) in chunk.iter_mut().zip(offsets) {
                    *o = add_months(date, k)
                        .map_or(NO_ROW, |d| row_on_or_before(time, from_date(d)));
                }
            }
        }
    }
    Ok(out)
}

/// One path: `x` around event row `r`, the rows of its offsets in `rows`.
/// `scratch` holds the compounded index for `Kind::Returns`.
fn fill_path(
    x: &[f64],
    r: usize,
    rows: &[usize],
    kind: Kind,
    out: &mut [f64],
    scratch: &mut Vec<f64>,
) {
    match kind {
        Kind::Level => {
            let base = x[r];
            for (o, &j) in out.iter_mut().zip(rows) {
                *o = if j == NO_ROW {
                    f64::NAN
                } else {
                    x[j] / base - 1.0
                };
            }
        }
        Kind::Returns => {
            // Rows of one event are non-decreasing in the offset: the first and last
            // valid rows bound the span to compound over.
            let lo = rows.iter().copied().find(|&j| j != NO_ROW);
            let hi = rows.iter().copied().rev().find(|&j| j != NO_ROW);
            let (Some(lo), Some(hi)) = (lo, hi) else {
                out.iter_mut().for_each(|o| *o = f64::NAN);
                return;
            };
            let (lo, hi) = (lo.min(r), hi.max(r));
            // scratch[j - lo] = I[j] / I[r]
            scratch.clear();
            scratch.resize(hi - lo + 1, f64::NAN);
            scratch[r - lo] = 1.0;
            let mut growth = 1.0;
            for j in r + 1..=hi {
                growth *= 1.0 + x[j];
                scratch[j - lo] = growth;
            }
            let mut growth = 1.0;
            for j in (lo..r).rev() {
                growth *= 1.0 + x[j + 1];
                scratch[j - lo] = 1.0 / growth;
            }
            for (o, &j) in out.iter_mut().zip(rows) {
                *o = if j == NO_ROW {
                    f64::NAN
                } else {
                    scratch[j - lo] - 1.0
                };
            }
        }
    }
}

/// A checked event study, ready to fill any (series, event) path: the event rows,
/// the row of every (event, offset) and the series' columns as slices.
struct Study<'a> {
    n_offsets: usize,
    rows: Vec<usize>,
    /// `source_rows` of every event, event-major.
    src: Vec<usize>,
    /// Contiguous columns are borrowed, others copied once.
    columns: Vec<Cow<'a, [f64]>>,
    kind: Kind,
}

impl<'a> Study<'a> {
    /// Validate the inputs.
    fn new(
        time: &[i64],
        values: ArrayView2<'a, f64>,
        event_rows: &[i64],
        before: usize,
        after: usize,
        unit: Unit,
        kind: Kind,
    ) -> Result<Self, KernelError> {
        check_time(time)?;
        if values.nrows() != time.len() {
            return Err(KernelError::shape(
                "values",
                format!("has {} rows for {} timestamps", values.nrows(), time.len()),
            ));
        }
        if event_rows.is_empty() {
            return Err(KernelError::invalid(
                "event_rows",
                "no events; pass at least one",
            ));
        }
        let rows = check_event_rows(event_rows, time.len())?;
        let n_off = n_offsets(before, after)?;
        cells("events", &[n_off, rows.len()])?;
        let offsets = offsets(before, after)?;
        let src = source_rows(time, &rows, &offsets, unit)?;
        let columns = (0..values.ncols())
            .map(|j| {
                let column = values.index_axis_move(Axis(1), j);
                match column.to_slice() {
                    Some(s) => Cow::Borrowed(s),
                    None => Cow::Owned(column.to_vec()),
                }
            })
            .collect();
        Ok(Study {
            n_offsets: n_off,
            rows,
            src,
            columns,
            kind,
        })
    }

    fn n_events(&self) -> usize {
        self.rows.len()
    }

    fn n_series(&self) -> usize {
        self.columns.len()
    }

    /// The path of series `s` around event `e` into `out` (`n_offsets` cells).
    fn fill(&self, s: usize, e: usize, out: &mut [f64], scratch: &mut Vec<f64>) {
        let n_off = self.n_offsets;
        fill_path(
            &self.columns[s],
            self.rows[e],
            &self.src[e * n_off..(e + 1) * n_off],
            self.kind,
            out,
            scratch,
        );
    }
}

/// The paths of every series around every event.
///
/// `values`: rows = `time`, columns = series (any strides; contiguous columns are
/// borrowed, others copied once). Returns `(before + after + 1, series * events)`
/// in Fortran order, column `s * events + e`; row `i` is offset `i - before`.
pub fn event_paths(
    time: &[i64],
    values: ArrayView2<f64>,
    event_rows: &[i64],
    before: usize,
    after: usize,
    unit: Unit,
    kind: Kind,
) -> Result<Array2<f64>, KernelError> {
    let study = Study::new(time, values, event_rows, before, after, unit, kind)?;
    let (n_off, n_events) = (study.n_offsets, study.n_events());
    let total = cells("values", &[n_off, n_events, study.n_series()])?;
    let mut out = alloc("values", total, f64::NAN)?;
    let one = |scratch: &mut Vec<f64>, (idx, path): (usize, &mut [f64])| {
        study.fill(idx / n_events, idx % n_events, path, scratch);
    };
    if n_off > 0 {
        if total < PARALLEL_MIN_CELLS {
            let mut scratch = Vec::new();
            out.chunks_mut(n_off)
                .enumerate()
                .for_each(|item| one(&mut scratch, item));
        } else {
            out.par_chunks_mut(n_off)
                .with_min_len((4096 / n_off).max(1))
                .enumerate()
                .for_each_init(Vec::new, one);
        }
    }
    Array2::from_shape_vec((n_off, n_events * study.n_series()).f(), out)
        .map_err(|e| KernelError::shape("values", e.to_string()))
}

/// Cross-event statistics per offset of every series, straight from the series:
/// what [`summarise_paths`] gives for the paths [`event_paths`] would return, without
/// those paths. Each series' paths are built in a buffer of `events * offsets`
/// cells and reduced there, so the memory used is one buffer per thread, not the
/// study's paths. Returns `(offsets, series * 6)` as [`summarise_paths`].
pub fn event_summary(
    time: &[i64],
    values: ArrayView2<f64>,
    event_rows: &[i64],
    before: usize,
    after: usize,
    unit: Unit,
    kind: Kind,
) -> Result<Array2<f64>, KernelError> {
    let study = Study::new(time, values, event_rows, before, after, unit, kind)?;
    let (n_off, n_events) = (study.n_offsets, study.n_events());
    summarise(n_off, n_events, study.n_series(), |s, block, scratch| {
        for (e, path) in block.chunks_exact_mut(n_off).enumerate() {
            study.fill(s, e, path, scratch);
        }
    })
}

/// Cross-event statistics per offset: `paths` is `(offsets, series * events)` with
/// the events of each series in consecutive columns (as [`event_paths`] returns).
/// Returns `(offsets, series * 6)` in Fortran order, column `s * 6 + k` being
/// [`SUMMARY_STATS`]`[k]` (mean, median, min, max, std with ddof=1, count), NaN
/// skipped, NaN where no event has a value (count 0; std needs two).
pub fn summarise_paths(
    paths: ArrayView2<f64>,
    n_events: usize,
) -> Result<Array2<f64>, KernelError> {
    if n_events == 0 {
        return Err(KernelError::invalid("n_events", "must be at least 1"));
    }
    if paths.ncols() % n_events != 0 {
        return Err(KernelError::shape(
            "paths",
            format!(
                "has {} columns, not a multiple of n_events = {n_events}",
                paths.ncols()
            ),
        ));
    }
    let (n_off, n_series) = (paths.nrows(), paths.ncols() / n_events);
    summarise(n_off, n_events, n_series, |s, block, _| {
        for (e, path) in block.chunks_exact_mut(n_off).enumerate() {
            for (cell, value) in path.iter_mut().zip(paths.column(s * n_events + e)) {
                *cell = *value;
            }
        }
    })
}

/// What one thread of [`summarise`] works in: a series' paths, the scratch of
/// `fill_path` and the selection scratch of `reduce_lanes`.
struct ThreadBuffers {
    block: Vec<f64>,
    path: Vec<f64>,
    selection: Vec<f64>,
}

/// The summary of `n_series` series, each series' paths written by `fill_block`
/// into a buffer of `n_events` paths of `n_off` cells (`block[e * n_off + i]`, the
/// layout `rolling::reduce_lanes` reads: one observation per event, one lane per
/// offset). Series run in parallel; each is reduced on one thread, so the result
/// does not depend on the number of threads.
fn summarise<F>(
    n_off: usize,
    n_events: usize,
    n_series: usize,
    fill_block: F,
) -> Result<Array2<f64>, KernelError>
where
    F: Fn(usize, &mut [f64], &mut Vec<f64>) + Sync,
{
    let per_series = cells("paths", &[n_off, STATS.len()])?;
    let total = cells("paths", &[per_series, n_series])?;
    let block_cells = cells("paths", &[n_off, n_events])?;
    let mut out = alloc("paths", total, f64::NAN)?;
    let buffers = || -> Result<ThreadBuffers, KernelError> {
        Ok(ThreadBuffers {
            block: alloc("paths", block_cells, f64::NAN)?,
            path: Vec::new(),
            selection: Vec::new(),
        })
    };
    let one = |buffers: &mut Result<ThreadBuffers, KernelError>,
               (s, dest): (usize, &mut [f64])|
     -> Result<(), KernelError> {
        let buffers = buffers.as_mut().map_err(|e| e.clone())?;
        fill_block(s, &mut buffers.block, &mut buffers.path);
        reduce_lanes(&buffers.block, n_off, &STATS, dest, &mut buffers.selection);
        Ok(())
    };
    if per_series > 0 {
        if total.saturating_mul(n_events) < PARALLEL_MIN_CELLS {
            let mut state = buffers();
            out.chunks_mut(per_series)
                .enumerate()
                .try_for_each(|item| one(&mut state, item))?;
        } else {
            out.par_chunks_mut(per_series)
                .enumerate()
                .try_for_each_init(buffers, one)?;
        }
    }
    Array2::from_shape_vec((n_off, n_series * STATS.len()).f(), out)
        .map_err(|e| KernelError::shape("paths", e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_end_stays_a_month_end() {
        let day = |y, m, d| from_date(NaiveDate::from_ymd_opt(y, m, d).unwrap());
        // month-end rows: offset k must land on the k-th next month-end, never repeat
        let time = [
            day(2024, 3, 31),
            day(2024, 4, 30),
            day(2024, 5, 31),
            day(2024, 6, 30),
        ];
        let rows = source_rows(&time, &[1], &[-1, 0, 1, 2], Unit::Months).unwrap();
        assert_eq!(rows, vec![0, 1, 2, 3]);
        // mid-month dates keep their day (clamped): Jan 30 + 1 month = Feb 29 (2024)
        let date = NaiveDate::from_ymd_opt(2024, 1, 30).unwrap();
        assert_eq!(add_months(date, 1), NaiveDate::from_ymd_opt(2024, 2, 29));
        let feb_end = NaiveDate::from_ymd_opt(2023, 2, 28).unwrap();
        assert_eq!(add_months(feb_end, 1), NaiveDate::from_ymd_opt(2023, 3, 31));
        assert_eq!(
            add_months(feb_end, -1),
            NaiveDate::from_ymd_opt(2023, 1, 31)
        );
    }
    use ndarray::Array2;

    fn day(y: i32, m: u32, d: u32) -> i64 {
        from_date(NaiveDate::from_ymd_opt(y, m, d).unwrap())
    }

    fn close(a: f64, b: f64) -> bool {
        (a.is_nan() && b.is_nan()) || (a - b).abs() <= 1e-12 * (1.0 + b.abs())
    }

    #[test]
    fn epoch_is_day_zero() {
        assert_eq!(day(1970, 1, 1), 0);
        assert_eq!(to_date(0), NaiveDate::from_ymd_opt(1970, 1, 1));
        assert_eq!(day(2019, 7, 31), 18108);
    }

    #[test]
    fn trading_day_paths_are_ratios_padded_with_nan() {
        let time: Vec<i64> = (0..5).collect();
        let x = Array2::from_shape_vec((5, 1), vec![1.0, 2.0, 4.0, 8.0, 16.0]).unwrap();
        let p = event_paths(
            &time,
            x.view(),
            &[0, 4],
            1,
            2,
            Unit::TradingDays,
            Kind::Level,
        )
        .unwrap();
        assert_eq!(p.shape(), &[4, 2]);
        let col0: Vec<f64> = p.column(0).to_vec();
        assert!(col0[0].is_nan());
        assert_eq!(&col0[1..], &[0.0, 1.0, 3.0]);
        let col1: Vec<f64> = p.column(1).to_vec();
        assert_eq!(col1[0], -0.5);
        assert_eq!(col1[1], 0.0);
        assert!(col1[2].is_nan() && col1[3].is_nan());
    }

    #[test]
    fn month_offsets_clamp_to_the_month_end() {
        // Rows on Jan 31, Feb 28, Feb 29 (2024 is a leap year), Mar 30, Mar 31.
        let time = vec![
            day(2024, 1, 31),
            day(2024, 2, 28),
            day(2024, 2, 29),
            day(2024, 3, 30),
            day(2024, 3, 31),
        ];
        let rows = source_rows(&time, &[0], &[0, 1, 2], Unit::Months).unwrap();
        assert_eq!(rows, vec![0, 2, 4]); // Jan 31 -> Feb 29 -> Mar 31
        let rows = source_rows(&time, &[4], &[-1, -2, 0], Unit::Months).unwrap();
        assert_eq!(rows, vec![2, 0, 4]); // Mar 31 - 1 month = Feb 29
                                         // Mar 30 - 1 month = Feb 29 (last row on or before)
        let rows = source_rows(&time, &[3], &[-1, -3], Unit::Months).unwrap();
        assert_eq!(rows, vec![2, NO_ROW]);
        // a non-leap year: Jan 31 + 1 month = Feb 28
        let time = vec![
            day(2023, 1, 31),
            day(2023, 2, 27),
            day(2023, 2, 28),
            day(2023, 3, 1),
        ];
        assert_eq!(
            source_rows(&time, &[0], &[1], Unit::Months).unwrap(),
            vec![2]
        );
    }

    #[test]
    fn calendar_days_take_the_last_row_on_or_before_and_stop_at_the_data() {
        // Fri, Mon, Tue
        let time = vec![day(2024, 9, 13), day(2024, 9, 16), day(2024, 9, 17)];
        let rows = source_rows(&time, &[1], &[-4, -3, -1, 0, 1, 2], Unit::Days).unwrap();
        assert_eq!(rows, vec![NO_ROW, 0, 0, 1, 2, NO_ROW]);
    }

    #[test]
    fn returns_equal_level_of_the_compounded_index() {
        let r = [0.01, -0.02, 0.04, 0.03, 0.05, -0.01, 0.02, 0.0];
        let mut level = vec![1.0; r.len()];
        for i in 1..r.len() {
            level[i] = level[i - 1] * (1.0 + r[i]);
        }
        let time: Vec<i64> = (0..r.len() as i64).collect();
        let rx = Array2::from_shape_vec((r.len(), 1), r.to_vec()).unwrap();
        let lx = Array2::from_shape_vec((r.len(), 1), level).unwrap();
        // offsets -5..=3 around row 5: rows 0..=7, then one past the data
        let pr = event_paths(
            &time,
            rx.view(),
            &[5],
            5,
            3,
            Unit::TradingDays,
            Kind::Returns,
        )
        .unwrap();
        let pl = event_paths(&time, lx.view(), &[5], 5, 3, Unit::TradingDays, Kind::Level).unwrap();
        for i in 0..9 {
            assert!(
                close(pr[[i, 0]], pl[[i, 0]]),
                "offset {}: {} vs {}",
                i as i64 - 5,
                pr[[i, 0]],
                pl[[i, 0]]
            );
        }
        assert_eq!(pr[[5, 0]], 0.0);
        // offset -1: the event row's own return is on the pre-event side
        assert!(close(pr[[4, 0]], 1.0 / 0.99 - 1.0));
        assert!(close(pr[[6, 0]], 0.02));
        assert!(close(pr[[7, 0]], 1.02 * 1.0 - 1.0));
        assert!(pr[[8, 0]].is_nan());
    }

    #[test]
    fn a_nan_return_cuts_the_path_beyond_it() {
        let r = [0.01, f64::NAN, 0.04, 0.03, 0.05, f64::NAN, 0.02];
        let time: Vec<i64> = (0..r.len() as i64).collect();
        let rx = Array2::from_shape_vec((r.len(), 1), r.to_vec()).unwrap();
        // event row 3, offsets -3..=3
        let p = event_paths(
            &time,
            rx.view(),
            &[3],
            3,
            3,
            Unit::TradingDays,
            Kind::Returns,
        )
        .unwrap();
        let v: Vec<f64> = p.column(0).to_vec();
        // row 0 needs returns of rows 1..=3 (NaN), row 1 needs rows 2..=3
        assert!(v[0].is_nan());
        assert!(close(v[1], 1.0 / (1.04 * 1.03) - 1.0));
        assert!(close(v[2], 1.0 / 1.03 - 1.0));
        assert_eq!(v[3], 0.0);
        assert!(close(v[4], 0.05));
        assert!(v[5].is_nan() && v[6].is_nan());
    }

    #[test]
    fn summary_uses_the_shared_reduction() {
        let time: Vec<i64> = (0..6).collect();
        let x = Array2::from_shape_vec((6, 1), vec![1.0, 2.0, 3.0, 6.0, f64::NAN, 12.0]).unwrap();
        let p = event_paths(
            &time,
            x.view(),
            &[0, 1, 3],
            0,
            2,
            Unit::TradingDays,
            Kind::Level,
        )
        .unwrap();
        let s = summarise_paths(p.view(), 3).unwrap();
        assert_eq!(s.shape(), &[3, 6]);
        // offset 1: 1.0, 0.5, NaN
        assert_eq!(s[[1, 0]], 0.75);
        assert_eq!(s[[1, 1]], 0.75);
        assert_eq!(s[[1, 2]], 0.5);
        assert_eq!(s[[1, 3]], 1.0);
        assert!(close(s[[1, 4]], (0.125f64).sqrt()));
        assert_eq!(s[[1, 5]], 2.0);
        // offset 0: all zero, std exactly 0
        assert_eq!(s[[0, 4]], 0.0);
    }

    #[test]
    fn several_series_are_independent_and_thread_count_does_not_matter() {
        let n = 3000;
        let time: Vec<i64> = (0..n as i64).map(|i| i + i / 5 * 2).collect();
        let x = Array2::from_shape_fn((n, 4), |(i, j)| {
            100.0 + ((i * 7 + j * 13) % 31) as f64 + 0.1 * j as f64
        });
        let ev: Vec<i64> = (0..40).map(|k| k * 70 + 5).collect();
        let run = || event_paths(&time, x.view(), &ev, 30, 90, Unit::Days, Kind::Level).unwrap();
        let par = run();
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(run);
        assert!(par
            .iter()
            .zip(one.iter())
            .all(|(a, b)| a.to_bits() == b.to_bits()));
        let single = event_paths(
            &time,
            x.slice(ndarray::s![.., 2..3]),
            &ev,
            30,
            90,
            Unit::Days,
            Kind::Level,
        )
        .unwrap();
        for i in 0..par.nrows() {
            for e in 0..ev.len() {
                assert_eq!(
                    par[[i, 2 * ev.len() + e]].to_bits(),
                    single[[i, e]].to_bits()
                );
            }
        }
    }

    #[test]
    fn the_summary_from_the_series_is_the_summary_of_the_paths() {
        let n = 400;
        let time: Vec<i64> = (0..n as i64).map(|i| i + i / 5 * 2).collect();
        let x = Array2::from_shape_fn((n, 3), |(i, j)| {
            let v = 1e9 + ((i * 7 + j * 13) % 31) as f64 + 0.1 * j as f64;
            if (i + j) % 37 == 0 {
                f64::NAN
            } else if j == 2 {
                (v - 1e9) * 1e-3 // small numbers, read as returns
            } else {
                v
            }
        });
        let events: Vec<i64> = vec![3, 50, 51, 120, 300, 399];
        for unit in [Unit::TradingDays, Unit::Days, Unit::Months] {
            for kind in [Kind::Level, Kind::Returns] {
                let (before, after) = if unit == Unit::Months {
                    (2, 3)
                } else {
                    (40, 60)
                };
                let paths =
                    event_paths(&time, x.view(), &events, before, after, unit, kind).unwrap();
                let want = summarise_paths(paths.view(), events.len()).unwrap();
                let got =
                    event_summary(&time, x.view(), &events, before, after, unit, kind).unwrap();
                assert_eq!(got.shape(), want.shape());
                assert!(
                    got.iter()
                        .zip(want.iter())
                        .all(|(a, b)| a.to_bits() == b.to_bits()),
                    "{unit:?} {kind:?}"
                );
                // a non-contiguous view of the series gives the same numbers
                let strided = x.t().to_owned();
                let got =
                    event_summary(&time, strided.t(), &events, before, after, unit, kind).unwrap();
                assert!(got
                    .iter()
                    .zip(want.iter())
                    .all(|(a, b)| a.to_bits() == b.to_bits()));
            }
        }
    }

    #[test]
    fn the_summary_does_not_depend_on_the_thread_count() {
        let n = 3000;
        let time: Vec<i64> = (0..n as i64).collect();
        let x = Array2::from_shape_fn((n, 6), |(i, j)| {
            100.0 + ((i * 7 + j * 13) % 31) as f64 + 0.1 * j as f64
        });
        let ev: Vec<i64> = (0..40).map(|k| k * 70 + 5).collect();
        let run =
            || event_summary(&time, x.view(), &ev, 30, 90, Unit::TradingDays, Kind::Level).unwrap();
        let par = run();
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(run);
        assert!(par
            .iter()
            .zip(one.iter())
            .all(|(a, b)| a.to_bits() == b.to_bits()));
    }

    #[test]
    fn bad_input_names_the_argument() {
        let x = Array2::<f64>::zeros((3, 1));
        let err = |r: Result<Array2<f64>, KernelError>| r.unwrap_err().to_string();
        assert!(err(event_paths(
            &[0, 2, 1],
            x.view(),
            &[0],
            0,
            0,
            Unit::Days,
            Kind::Level
        ))
        .starts_with("time:"));
        assert!(err(event_paths(
            &[0, 1],
            x.view(),
            &[0],
            0,
            0,
            Unit::Days,
            Kind::Level
        ))
        .starts_with("values:"));
        assert!(err(event_paths(
            &[0, 1, 2],
            x.view(),
            &[3],
            0,
            0,
            Unit::Days,
            Kind::Level
        ))
        .starts_with("event_rows:"));
        assert!(err(event_paths(
            &[0, 1, 2],
            x.view(),
            &[-1],
            0,
            0,
            Unit::Days,
            Kind::Level
        ))
        .starts_with("event_rows:"));
        assert!(err(event_paths(
            &[0, 1, 2],
            x.view(),
            &[],
            0,
            0,
            Unit::Days,
            Kind::Level
        ))
        .starts_with("event_rows:"));
        assert!(Unit::parse("weeks")
            .unwrap_err()
            .to_string()
            .starts_with("unit:"));
        assert!(Kind::parse("log")
            .unwrap_err()
            .to_string()
            .starts_with("kind:"));
        assert!(summarise_paths(Array2::<f64>::zeros((2, 5)).view(), 2)
            .unwrap_err()
            .to_string()
            .starts_with("paths:"));
    }

    #[test]
    fn huge_windows_are_too_large_not_an_abort() {
        let x = Array2::<f64>::zeros((3, 1));
        let e = event_paths(
            &[0, 1, 2],
            x.view(),
            &[0],
            usize::MAX / 2,
            usize::MAX / 2,
            Unit::TradingDays,
            Kind::Level,
        )
        .unwrap_err();
        assert!(
            matches!(
                e,
                KernelError::TooLarge { .. } | KernelError::InvalidArgument { .. }
            ),
            "{e:?}"
        );
        let e = event_paths(
            &[0, 1, 2],
            x.view(),
            &[0],
            1 << 40,
            1 << 40,
            Unit::TradingDays,
            Kind::Level,
        )
        .unwrap_err();
        assert!(matches!(e, KernelError::TooLarge { .. }), "{e:?}");
    }

    #[test]
    fn extreme_month_offsets_are_nan_not_a_panic() {
        let time = vec![day(2024, 1, 31), day(2024, 2, 29)];
        let rows = source_rows(
            &time,
            &[0],
            &[i64::MIN, -(u32::MAX as i64) - 5, 1, i64::MAX],
            Unit::Months,
        )
        .unwrap();
        assert_eq!(rows, vec![NO_ROW, NO_ROW, 1, NO_ROW]);
        let rows = source_rows(&time, &[1], &[i64::MIN, i64::MAX], Unit::Days).unwrap();
        assert_eq!(rows, vec![NO_ROW, NO_ROW]);
    }
}
