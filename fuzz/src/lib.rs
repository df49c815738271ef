//! Fuzz checks for every kernel entry point: decode raw bytes into a lane of floats
//! (NaN, +-inf, grid values at extreme scales or a 2^30 offset), a window (rows or a
//! duration over decoded timestamps), min_periods and event positions; run the kernel;
//! assert it neither panics nor disagrees with a naive loop written here.
//!
//! Grid values are `K / 8 * 2^e` for integers `K`, so sums, variances and deviations
//! are computed exactly in `i128` by the naive loops: the only roundings left are the
//! final divisions, and any disagreement beyond the tolerances is a kernel bug.
//! Each `check_*` is called by `fuzz_targets/<name>.rs`; `tests/corpus.rs` replays
//! `corpus/<name>/` through the same functions under plain `cargo test`.

use capcycle::kernels::events::{self, Kind, Unit};
use capcycle::kernels::rolling::{self, PairStat, Stat};
use capcycle::kernels::valuation::{Center, Scale, Span, ValuationSpec};
use capcycle::kernels::window::Window;
use ndarray::Array2;

/// Reads bytes, giving zeros once the input is exhausted.
pub struct Bytes<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Bytes<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Bytes { data, at: 0 }
    }
    pub fn u8(&mut self) -> u8 {
        let b = self.data.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        b
    }
    pub fn left(&self) -> usize {
        self.data.len().saturating_sub(self.at)
    }
}

/// One decoded value: NaN, +-inf, or the grid integer K (value K/8 * 2^e).
#[derive(Clone, Copy, Debug)]
pub enum V {
    Nan,
    Inf(bool),
    K(i64),
}

/// A lane: values and the common exponent e.
#[derive(Clone, Debug)]
pub struct Lane {
    pub v: Vec<V>,
    pub e: i32,
}

impl Lane {
    pub fn floats(&self) -> Vec<f64> {
        self.v.iter().map(|v| value(*v, self.e)).collect()
    }
}

pub fn value(v: V, e: i32) -> f64 {
    match v {
        V::Nan => f64::NAN,
        V::Inf(true) => f64::INFINITY,
        V::Inf(false) => f64::NEG_INFINITY,
        V::K(k) => ldexp(k as f64 / 8.0, e),
    }
}

/// x * 2^e, exact when the result is normal.
pub fn ldexp(x: f64, e: i32) -> f64 {
    let half = e / 2;
    x * 2f64.powi(half) * 2f64.powi(e - half)
}

/// Decode a lane of `n` values: a header byte picks the scale (plain, 2^+-500, or a
/// 2^30 offset, i.e. data near 1e9), then one or two bytes per value.
pub fn lane(b: &mut Bytes, n: usize, header: u8) -> Lane {
    let (e, offset) = match header % 8 {
        // squares of 2^997 overflow and of 2^-1003 underflow: the kernels must rescale
        4 => (990, 0),
        5 => (-1000, 0),
        6 => (0, 1i64 << 33), // + 2^30 in units of 1/8
        7 => (-3, 0),
        _ => (0, 0),
    };
    let v = (0..n)
        .map(|_| match b.u8() % 16 {
            0 => V::Nan,
            1 => V::Inf(true),
            2 => V::Inf(false),
            _ => V::K(offset + i64::from(b.u8() as i8)),
        })
        .collect();
    Lane { v, e }
}

/// `a` and `b` agree: both NaN, equal (infinities included), or within tolerances.
pub fn close(a: f64, b: f64, rtol: f64, atol: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a.is_finite() && b.is_finite() && (a - b).abs() <= atol + rtol * b.abs())
}

fn assert_lane(what: &str, got: &[f64], want: &[f64], rtol: &dyn Fn(usize) -> (f64, f64)) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let (r, a) = rtol(i);
        assert!(close(*g, *w, r, a), "{what}: row {i}: kernel {g:e} vs naive {w:e}\nkernel {got:?}\nnaive  {want:?}");
    }
}

/// Rows of each output row's window: `(start, end)` inclusive-exclusive.
pub fn windows(n: usize, rows: Option<usize>, times: Option<(&[i64], i64)>) -> Vec<(usize, usize)> {
    (0..n)
        .map(|i| match (rows, times) {
            (Some(w), _) => ((i + 1).saturating_sub(w), i + 1),
            (None, Some((t, span))) => {
                let start = (0..=i).find(|&j| (t[i] as i128) - (span as i128) < t[j] as i128).unwrap_or(i + 1);
                (start, i + 1)
            }
            _ => unreachable!(),
        })
        .collect()
}

/// Exact moments of the non-NaN values of a window, in units of (1/8 * 2^e).
#[derive(Default, Clone, Copy)]
struct Moments {
    c: i128,
    s1: i128,
    s2: i128,
    pinf: bool,
    ninf: bool,
}

fn moments(v: &[V]) -> Moments {
    let mut m = Moments::default();
    for x in v {
        match *x {
            V::Nan => {}
            V::Inf(p) => {
                m.c += 1;
                if p {
                    m.pinf = true
                } else {
                    m.ninf = true
                }
            }
            V::K(k) => {
                m.c += 1;
                m.s1 += k as i128;
                m.s2 += (k as i128) * (k as i128);
            }
        }
    }
    m
}

/// The variance in units of 2^(2e) (NaN when undefined), from exact moments.
fn variance_unscaled(m: &Moments, ddof: usize) -> f64 {
    if m.pinf || m.ninf || m.c <= ddof as i128 {
        return f64::NAN;
    }
    let num = m.c * m.s2 - m.s1 * m.s1; // = c * sum (K - mean)^2, exact
    let den = m.c * (m.c - ddof as i128);
    num as f64 / den as f64 / 64.0
}

/// The variance in f64 (inf when the true variance is beyond f64).
fn variance(m: &Moments, ddof: usize, e: i32) -> f64 {
    ldexp(variance_unscaled(m, ddof), 2 * e)
}

/// The standard deviation, scaled after the root (finite whenever the data are).
fn std_dev(m: &Moments, ddof: usize, e: i32) -> f64 {
    ldexp(variance_unscaled(m, ddof).sqrt(), e)
}

fn sorted_finite_and_inf(v: &[V], e: i32) -> Vec<f64> {
    let mut s: Vec<f64> = v.iter().map(|x| value(*x, e)).filter(|x| !x.is_nan()).collect();
    s.sort_by(f64::total_cmp);
    s
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let low = pos.floor() as usize;
    let frac = pos - low as f64;
    if frac == 0.0 {
        sorted[low]
    } else {
        sorted[low] + (sorted[low + 1] - sorted[low]) * frac
    }
}

fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        sorted[n / 2]
    } else {
        sorted[n / 2 - 1] / 2.0 + sorted[n / 2] / 2.0
    }
}

/// The naive value of `stat` over window values `w` whose newest is `newest`.
fn naive(stat: Stat, w: &[V], newest: V, e: i32) -> f64 {
    let m = moments(w);
    let both = m.pinf && m.ninf;
    match stat {
        Stat::Count => m.c as f64,
        Stat::Sum | Stat::Mean => {
            if both {
                f64::NAN
            } else if m.pinf {
                f64::INFINITY
            } else if m.ninf {
                f64::NEG_INFINITY
            } else if matches!(stat, Stat::Sum) {
                ldexp(m.s1 as f64 / 8.0, e)
            } else if m.c == 0 {
                f64::NAN
            } else {
                ldexp(m.s1 as f64 / (8.0 * m.c as f64), e)
            }
        }
        Stat::Var { ddof } => variance(&m, ddof, e),
        Stat::Std { ddof } => std_dev(&m, ddof, e),
        Stat::Zscore { ddof } => {
            // unitless: deviation and std both in units of 2^e
            let std = variance_unscaled(&m, ddof).sqrt();
            match newest {
                V::K(k) if std > 0.0 => ((m.c * k as i128 - m.s1) as f64) / (8.0 * m.c as f64) / std,
                _ => f64::NAN,
            }
        }
        Stat::Min => sorted_finite_and_inf(w, e).first().copied().unwrap_or(f64::NAN),
        Stat::Max => sorted_finite_and_inf(w, e).last().copied().unwrap_or(f64::NAN),
        Stat::Median => median(&sorted_finite_and_inf(w, e)),
        Stat::Quantile(q) => quantile(&sorted_finite_and_inf(w, e), q),
        Stat::PercentileRank => {
            let x = value(newest, e);
            let s = sorted_finite_and_inf(w, e);
            if x.is_nan() || s.is_empty() {
                f64::NAN
            } else {
                s.iter().filter(|v| **v <= x).count() as f64 / s.len() as f64
            }
        }
        Stat::Mad => {
            let s = sorted_finite_and_inf(w, e);
            let m = median(&s);
            let mut d: Vec<f64> = s.iter().map(|v| (v - m).abs()).collect();
            d.sort_by(f64::total_cmp);
            median(&d)
        }
    }
}

fn decode_window<'t>(b: &mut Bytes, n: usize, times: &'t mut Vec<i64>) -> (Window<'t>, Option<usize>, Option<i64>) {
    let sel = b.u8();
    if sel % 4 == 3 {
        // a duration over non-decreasing timestamps (repeats allowed, as intraday data)
        let mut t = i64::from(b.u8() as i8) * 1_000;
        times.clear();
        for _ in 0..n {
            t += i64::from(b.u8() % 5);
            times.push(t);
        }
        let span = 1 + i64::from(b.u8() % 9);
        (Window::Span { times, span }, None, Some(span))
    } else {
        let w = 1 + usize::from(b.u8() % 24);
        (Window::Rows(w), Some(w), None)
    }
}

fn stat_of(sel: u8, q: u8, ddof: u8) -> Stat {
    let ddof = usize::from(ddof % 3);
    match sel % 12 {
        0 => Stat::Count,
        1 => Stat::Sum,
        2 => Stat::Mean,
        3 => Stat::Var { ddof },
        4 => Stat::Std { ddof },
        5 => Stat::Zscore { ddof },
        6 => Stat::Min,
        7 => Stat::Max,
        8 => Stat::Median,
        9 => Stat::Quantile(f64::from(q) / 255.0),
        10 => Stat::PercentileRank,
        _ => Stat::Mad,
    }
}

/// Tolerance of a statistic, relative and absolute (in the units of the result).
fn tolerance(stat: Stat, lane: &Lane) -> (f64, f64) {
    let big = lane.floats().iter().filter(|v| v.is_finite()).fold(0.0f64, |m, v| m.max(v.abs()));
    match stat {
        Stat::Count | Stat::Min | Stat::Max | Stat::PercentileRank => (0.0, 0.0),
        Stat::Sum => (1e-14, 0.0),
        // The engine's mean is anchor + mean(x - anchor) (exact next to a 1e9 offset):
        // two roundings, the second at the anchor's magnitude, so a mean far smaller
        // than the window's values is good to an ulp of those values, not of itself.
        Stat::Mean => (1e-14, 4.0 * f64::EPSILON * big),
        Stat::Median | Stat::Quantile(_) | Stat::Mad => (1e-15, 0.0),
        // the engine promises 1e-9 of the spread next to a 1e9 offset (API.md)
        Stat::Var { .. } | Stat::Std { .. } | Stat::Zscore { .. } => (1e-9, 0.0),
    }
}

/// rolling single-series statistics against the naive loop.
pub fn check_rolling_single(data: &[u8]) {
    let mut b = Bytes::new(data);
    let (sel, q, ddof, header) = (b.u8(), b.u8(), b.u8(), b.u8());
    let stat = stat_of(sel, q, ddof);
    let n = usize::from(b.u8() % 48);
    let lane = lane(&mut b, n, header);
    let mut times = Vec::new();
    let (window, rows, span) = decode_window(&mut b, n, &mut times);
    let cap = rows.unwrap_or(n + 1);
    let mp = usize::from(b.u8()) % (cap + 1);
    let x = lane.floats();
    let got = match rolling::rolling(&x, window, mp, stat) {
        Ok(got) => got,
        Err(err) => panic!("rolling refused valid arguments: {err}"),
    };
    let want: Vec<f64> = windows(n, rows, span.map(|s| (times.as_slice(), s)))
        .into_iter()
        .enumerate()
        .map(|(i, (a, z))| {
            let w = &lane.v[a..z];
            if (moments(w).c as usize) < mp {
                f64::NAN
            } else {
                naive(stat, w, lane.v[i], lane.e)
            }
        })
        .collect();
    let tol = tolerance(stat, &lane);
    assert_lane(&format!("{stat:?} window={rows:?}/{span:?} mp={mp}"), &got, &want, &|_| tol);
    // min_periods above a row window is refused, not a panic
    if let Some(w) = rows {
        assert!(rolling::rolling(&x, Window::Rows(w), w + 1, stat).is_err());
    }
}

/// rolling cov/corr/beta against exact pair moments.
pub fn check_rolling_pair(data: &[u8]) {
    let mut b = Bytes::new(data);
    let (sel, ddof, hy, hx) = (b.u8(), usize::from(b.u8() % 3), b.u8(), b.u8());
    let stat = match sel % 3 {
        0 => PairStat::Cov { ddof },
        1 => PairStat::Corr,
        _ => PairStat::Beta,
    };
    let n = usize::from(b.u8() % 40);
    let (ly, lx) = (lane(&mut b, n, hy), lane(&mut b, n, hx));
    let mut times = Vec::new();
    let (window, rows, span) = decode_window(&mut b, n, &mut times);
    let cap = rows.unwrap_or(n + 1);
    let mp = usize::from(b.u8()) % (cap + 1);
    let (y, x) = (ly.floats(), lx.floats());
    let got = rolling::rolling_pair(&y, &x, window, mp, stat).expect("valid arguments");
    let want: Vec<f64> = windows(n, rows, span.map(|s| (times.as_slice(), s)))
        .into_iter()
        .map(|(a, z)| {
            let pairs: Vec<(V, V)> =
                (a..z).map(|j| (ly.v[j], lx.v[j])).filter(|(p, q)| !matches!(p, V::Nan) && !matches!(q, V::Nan)).collect();
            let c = pairs.len() as i128;
            if (c as usize) < mp {
                return f64::NAN;
            }
            if pairs.iter().any(|(p, q)| matches!(p, V::Inf(_)) || matches!(q, V::Inf(_))) {
                return f64::NAN;
            }
            let k = |v: V| if let V::K(k) = v { k as i128 } else { 0 };
            let (sy, sx) = (pairs.iter().map(|p| k(p.0)).sum::<i128>(), pairs.iter().map(|p| k(p.1)).sum::<i128>());
            let sxy = c * pairs.iter().map(|p| k(p.0) * k(p.1)).sum::<i128>() - sy * sx;
            let sxx = c * pairs.iter().map(|p| k(p.1) * k(p.1)).sum::<i128>() - sx * sx;
            let syy = c * pairs.iter().map(|p| k(p.0) * k(p.0)).sum::<i128>() - sy * sy;
            match stat {
                PairStat::Cov { ddof } => {
                    if c <= ddof as i128 {
                        f64::NAN
                    } else {
                        ldexp(sxy as f64 / (c * (c - ddof as i128)) as f64 / 64.0, ly.e + lx.e)
                    }
                }
                PairStat::Corr => {
                    if c < 2 || sxx == 0 || syy == 0 {
                        f64::NAN
                    } else {
                        sxy as f64 / ((sxx as f64) * (syy as f64)).sqrt()
                    }
                }
                PairStat::Beta => {
                    if c < 2 || sxx == 0 {
                        f64::NAN
                    } else {
                        ldexp(sxy as f64 / sxx as f64, ly.e - lx.e)
                    }
                }
            }
        })
        .collect();
    assert_lane(&format!("{stat:?} window={rows:?}/{span:?} mp={mp}"), &got, &want, &|_| (1e-9, 0.0));
}

fn decode_time(b: &mut Bytes, n: usize, unit: Unit) -> Vec<i64> {
    let mut t = match unit {
        Unit::TradingDays => i64::from(b.u8() as i8) * 1_000_000,
        _ => 18_000 + i64::from(b.u8() as i8) * 40,
    };
    (0..n)
        .map(|_| {
            t += 1 + i64::from(b.u8() % 40);
            t
        })
        .collect()
}

/// The row of offset k from event row r (None before or past the data), by scanning.
fn naive_row(time: &[i64], r: usize, k: i64, unit: Unit) -> Option<usize> {
    let n = time.len();
    let target = match unit {
        Unit::TradingDays => {
            let j = r as i64 + k;
            return (0..n as i64).contains(&j).then_some(j as usize);
        }
        Unit::Days => time[r] + k,
        Unit::Months => {
            use chrono::{Datelike, Months, NaiveDate};
            let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
            let date = epoch + chrono::Duration::days(time[r]);
            let m = Months::new(k.unsigned_abs() as u32);
            let d = if k >= 0 { date.checked_add_months(m) } else { date.checked_sub_months(m) }?;
            let _ = d.year();
            (d - epoch).num_days()
        }
    };
    if target < time[0] || target > time[n - 1] {
        return None;
    }
    (0..n).rev().find(|&j| time[j] <= target)
}

/// events::event_paths against a loop over (series, event, offset).
pub fn check_events_paths(data: &[u8]) {
    let mut b = Bytes::new(data);
    let unit = match b.u8() % 3 {
        0 => Unit::TradingDays,
        1 => Unit::Days,
        _ => Unit::Months,
    };
    let kind = if b.u8() % 2 == 0 { Kind::Level } else { Kind::Returns };
    let n = 1 + usize::from(b.u8() % 40);
    let n_series = 1 + usize::from(b.u8() % 3);
    let (before, after) = (usize::from(b.u8() % 30), usize::from(b.u8() % 30));
    let time = decode_time(&mut b, n, unit);
    let columns: Vec<Vec<f64>> = (0..n_series).map(|_| { let h = b.u8(); lane(&mut b, n, h).floats() }).collect();
    let n_events = 1 + usize::from(b.u8() % 5);
    // event rows: mostly valid, sometimes out of range (must be an error, not a panic)
    let rows: Vec<i64> = (0..n_events).map(|_| i64::from(b.u8()) % (n as i64 + 2) - i64::from(b.u8() % 2)).collect();
    let flat: Vec<f64> = columns.iter().flatten().copied().collect();
    // Fortran layout: column-major (rows = time)
    let values = Array2::from_shape_vec((n, n_series).f(), flat).unwrap();
    let result = events::event_paths(&time, values.view(), &rows, before, after, unit, kind);
    let valid = rows.iter().all(|&r| (0..n as i64).contains(&r));
    let paths = match result {
        Err(err) => {
            assert!(!valid, "valid events refused: {err}");
            return;
        }
        Ok(p) => {
            assert!(valid, "an event row outside 0..{n} was accepted: {rows:?}");
            p
        }
    };
    let n_off = before + after + 1;
    assert_eq!(paths.shape(), &[n_off, n_series * n_events]);
    for (s, x) in columns.iter().enumerate() {
        for (e, &r) in rows.iter().enumerate() {
            let r = r as usize;
            for i in 0..n_off {
                let k = i as i64 - before as i64;
                let want = match naive_row(&time, r, k, unit) {
                    None => f64::NAN,
                    Some(j) => match kind {
                        Kind::Level => x[j] / x[r] - 1.0,
                        Kind::Returns if j >= r => (r + 1..=j).fold(1.0, |g, s| g * (1.0 + x[s])) - 1.0,
                        Kind::Returns => 1.0 / (j + 1..=r).rev().fold(1.0, |g, s| g * (1.0 + x[s])) - 1.0,
                    },
                };
                let got = paths[[i, s * n_events + e]];
                assert!(
                    close(got, want, 1e-14, 0.0),
                    "{unit:?} {kind:?} series {s} event row {r} offset {k}: kernel {got:e} vs naive {want:e}"
                );
            }
        }
    }
}

/// events::summarise_paths (the reduction of events::event_summary) against per-offset loops.
pub fn check_events_summary(data: &[u8]) {
    let mut b = Bytes::new(data);
    let n_events = 1 + usize::from(b.u8() % 6);
    let n_series = 1 + usize::from(b.u8() % 3);
    let n_off = usize::from(b.u8() % 12);
    let header = b.u8();
    let cells = lane(&mut b, n_off * n_series * n_events, header);
    let values = cells.floats();
    let paths = Array2::from_shape_vec((n_off, n_series * n_events).f(), values).unwrap();
    let out = events::summarise_paths(paths.view(), n_events).expect("valid");
    assert_eq!(out.shape(), &[n_off, n_series * 6]);
    // a column count that is not a multiple of n_events is an error, not a panic
    if n_events > 1 && n_series * n_events > 1 {
        let odd = Array2::<f64>::zeros((n_off, n_series * n_events - 1));
        assert!(n_series * n_events - 1 == 0 || (n_series * n_events - 1) % n_events == 0 || events::summarise_paths(odd.view(), n_events).is_err());
    }
    let stats = [Stat::Mean, Stat::Median, Stat::Min, Stat::Max, Stat::Std { ddof: 1 }, Stat::Count];
    for s in 0..n_series {
        for i in 0..n_off {
            let w: Vec<V> = (0..n_events).map(|e| cells.v[(s * n_events + e) * n_off + i]).collect();
            for (k, stat) in stats.iter().enumerate() {
                let want = if moments(&w).c == 0 && !matches!(stat, Stat::Count) { f64::NAN } else { naive(*stat, &w, V::Nan, cells.e) };
                let got = out[[i, s * 6 + k]];
                let (r, a) = tolerance(*stat, &cells);
                assert!(close(got, want, r, a), "{stat:?} series {s} offset {i}: kernel {got:e} vs naive {want:e} of {w:?}");
            }
        }
    }
}

/// valuation z-scores, centre/scale lines and percentile ranks against a loop.
pub fn check_valuation(data: &[u8]) {
    let mut b = Bytes::new(data);
    let (sk, sc, ss, header) = (b.u8(), b.u8(), b.u8(), b.u8());
    let n = 1 + usize::from(b.u8() % 48);
    let lane = lane(&mut b, n, header);
    let w = 1 + usize::from(b.u8() % 24);
    let span = match sk % 3 {
        0 => Span::Full,
        1 => Span::Rolling(w),
        _ => Span::Expanding,
    };
    let center = if sc % 2 == 0 { Center::Median } else { Center::Mean };
    let scale = if ss % 2 == 0 { Scale::Std } else { Scale::Mad };
    let ddof = usize::from(b.u8() % 3);
    let mp_byte = b.u8();
    let mp = if mp_byte % 4 == 0 { None } else { Some(usize::from(mp_byte) % (if let Span::Rolling(w) = span { w + 1 } else { n + 2 })) };
    let spec = ValuationSpec::new(span, center, scale, mp, ddof, n).expect("valid");
    let x = lane.floats();
    let (mut z, mut c, mut s, mut r) = (vec![0.0; n], vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    spec.zscore(&x, &mut z);
    spec.center_scale(&x, &mut c, &mut s);
    spec.percentile_rank(&x, &mut r);
    let min_periods = spec.min_periods.max(1);
    for i in 0..n {
        let (a, e) = match span {
            Span::Full => (0, n),
            Span::Rolling(w) => ((i + 1).saturating_sub(w), i + 1),
            Span::Expanding => (0, i + 1),
        };
        let win = &lane.v[a..e];
        let count = moments(win).c as usize;
        let enough = count >= min_periods;
        let wc = if !enough { f64::NAN } else if matches!(center, Center::Median) { naive(Stat::Median, win, V::Nan, lane.e) } else { naive(Stat::Mean, win, V::Nan, lane.e) };
        let ws = if !enough {
            f64::NAN
        } else if matches!(scale, Scale::Std) {
            naive(Stat::Std { ddof }, win, V::Nan, lane.e)
        } else {
            let m = naive(Stat::Median, win, V::Nan, lane.e);
            if m.is_finite() { 1.4826 * naive(Stat::Mad, win, V::Nan, lane.e) } else { f64::NAN }
        };
        let what = format!("{span:?} {center:?} {scale:?} ddof={ddof} mp={mp:?} row {i}");
        // a mean centre is good to an ulp of the window's values (see `tolerance`)
        let big = x.iter().filter(|v| v.is_finite()).fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(close(c[i], wc, 1e-14, 4.0 * f64::EPSILON * big), "{what}: centre kernel {:e} vs naive {wc:e}", c[i]);
        assert!(close(s[i], ws, 1e-9, 0.0), "{what}: scale kernel {:e} vs naive {ws:e}", s[i]);
        // z: the deviation from a rounded centre may lose up to an ulp of the centre
        let wz = if x[i].is_finite() && ws > 0.0 && ws.is_finite() && !wc.is_nan() {
            let m = moments(win);
            if let (Center::Mean, V::K(k), false, false) = (center, lane.v[i], m.pinf, m.ninf) {
                ldexp(((m.c * k as i128 - m.s1) as f64) / (8.0 * m.c as f64), lane.e) / ws
            } else {
                (x[i] - wc) / ws
            }
        } else {
            f64::NAN
        };
        let atol = if wz.is_finite() { 4.0 * f64::EPSILON * (wc.abs() + x[i].abs()) / ws } else { 0.0 };
        assert!(close(z[i], wz, 1e-9, atol), "{what}: z kernel {:e} vs naive {wz:e}", z[i]);
        let wr = if x[i].is_nan() || !enough { f64::NAN } else { naive(Stat::PercentileRank, win, lane.v[i], lane.e) };
        assert!(close(r[i], wr, 0.0, 0.0), "{what}: rank kernel {:e} vs naive {wr:e}", r[i]);
    }
}

use ndarray::ShapeBuilder;
