//! Rolling statistics: validate once, then run the window engine per lane.
//!
//! [`RollingSpec`] is the checked description of a computation (statistic, window,
//! min_periods); [`RollingSpec::apply`] fills one lane and cannot fail, so a panel
//! can run its columns in parallel after one validation. [`reduce`] is the
//! full-sample form (one window holding every row) for other kernels to share.

use crate::kernels::window::{
    run, Accumulator, CoMomentOutput, CoMoments, Extreme, Extremum, MomentOutput, Moments,
    OrderOutput, OrderStats, Pair, Window,
};
use crate::kernels::KernelError;
use rayon::prelude::*;
use std::ops::Range;

/// Lanes of at least twice this many rows run in chunks of it, in parallel.
const CHUNK_ROWS: usize = 1 << 16;

/// A single-series statistic.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Stat {
    Count,
    Sum,
    Mean,
    Var {
        ddof: usize,
    },
    Std {
        ddof: usize,
    },
    Zscore {
        ddof: usize,
    },
    Min,
    Max,
    Median,
    Quantile(f64),
    /// Share of the window at or below the newest value.
    PercentileRank,
    /// Median absolute deviation from the window's median (unscaled).
    Mad,
}

/// A two-series statistic of (y, x).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PairStat {
    Cov {
        ddof: usize,
    },
    Corr,
    /// cov(y, x) / var(x)
    Beta,
}

impl Stat {
    /// Parse a statistic by name (`"std"`, `"quantile"`, ...), with its parameters.
    pub fn parse(name: &str, ddof: usize, q: f64) -> Result<Stat, KernelError> {
        let stat = match name {
            "count" => Stat::Count,
            "sum" => Stat::Sum,
            "mean" => Stat::Mean,
            "var" => Stat::Var { ddof },
            "std" => Stat::Std { ddof },
            "zscore" => Stat::Zscore { ddof },
            "min" => Stat::Min,
            "max" => Stat::Max,
            "median" => Stat::Median,
            "quantile" => Stat::Quantile(q),
            "percentile_rank" => Stat::PercentileRank,
            _ => {
                return Err(KernelError::invalid(
                    "stat",
                    format!("unknown statistic {name:?}"),
                ))
            }
        };
        if let Stat::Quantile(q) = stat {
            if !(0.0..=1.0).contains(&q) {
                return Err(KernelError::invalid(
                    "q",
                    format!("must be in [0, 1], got {q}"),
                ));
            }
        }
        Ok(stat)
    }
}

impl PairStat {
    pub fn parse(name: &str, ddof: usize) -> Result<PairStat, KernelError> {
        match name {
            "cov" => Ok(PairStat::Cov { ddof }),
            "corr" => Ok(PairStat::Corr),
            "beta" => Ok(PairStat::Beta),
            _ => Err(KernelError::invalid(
                "stat",
                format!("unknown pair statistic {name:?}"),
            )),
        }
    }
}

/// A validated rolling computation over lanes of `len` rows.
#[derive(Clone, Copy, Debug)]
pub struct RollingSpec<'a> {
    pub window: Window<'a>,
    pub min_periods: usize,
    pub len: usize,
}

impl<'a> RollingSpec<'a> {
    /// Check the window and `min_periods` (at most the window for row-count windows,
    /// as pandas) against lanes of `len` rows.
    pub fn new(window: Window<'a>, min_periods: usize, len: usize) -> Result<Self, KernelError> {
        window.validate(len)?;
        if let Window::Rows(n) = window {
            if min_periods > n {
                return Err(KernelError::invalid(
                    "min_periods",
                    format!("{min_periods} is larger than the window ({n})"),
                ));
            }
        }
        Ok(RollingSpec {
            window,
            min_periods,
            len,
        })
    }

    /// Check that a lane called `name` has the spec's length.
    pub fn expect_len(&self, name: &'static str, lane_len: usize) -> Result<(), KernelError> {
        if lane_len != self.len {
            return Err(KernelError::shape(
                name,
                format!("has {lane_len} rows, expected {}", self.len),
            ));
        }
        Ok(())
    }

    /// `stat` over one lane into `out`; both must have `len` rows (checked by
    /// [`rolling`]/[`crate::kernels::panel`]).
    pub fn apply(&self, stat: Stat, x: &[f64], out: &mut [f64]) {
        // The power of x's unit in the result, for statistics that square x.
        let power = match stat {
            Stat::Var { .. } => 2,
            Stat::Std { .. } => 1,
            Stat::Zscore { .. } => 0,
            _ => return self.apply_unscaled(stat, x, out),
        };
        let exponent = squaring_exponent(x);
        if exponent == 0 {
            return self.apply_unscaled(stat, x, out);
        }
        // Squares of this lane would under- or overflow: compute on the lane scaled
        // by 2^exponent (exact) and scale the result back.
        let scaled: Vec<f64> = x.iter().map(|v| scale(*v, exponent)).collect();
        self.apply_unscaled(stat, &scaled, out);
        if power != 0 {
            out.iter_mut()
                .for_each(|v| *v = scale(*v, -power * exponent));
        }
    }

    /// A unitless statistic of one lane (a z-score made of other statistics) by
    /// accumulators from `new`, chunked like [`RollingSpec::apply`]; where squares of
    /// the lane would leave f64's range it runs on the lane scaled by a power of two,
    /// which a unitless statistic does not see (as `Stat::Zscore` in `apply`).
    pub fn apply_unitless<A, F>(&self, new: F, x: &[f64], out: &mut [f64])
    where
        A: for<'l> Accumulator<&'l [f64]>,
        F: Fn() -> A + Sync,
    {
        let exponent = squaring_exponent(x);
        let scaled: Vec<f64>;
        let lane = if exponent == 0 {
            x
        } else {
            scaled = x.iter().map(|v| scale(*v, exponent)).collect();
            &scaled
        };
        self.chunked(out, |window, rows, dest| {
            run(&&lane[rows], window, self.min_periods, &mut new(), dest)
        });
    }

    fn apply_unscaled(&self, stat: Stat, x: &[f64], out: &mut [f64]) {
        self.chunked(out, |window, rows, dest| {
            run_stat(stat, window, self.min_periods, &x[rows], dest)
        });
    }

    /// A pair statistic of (y, x) over one lane into `out`.
    pub fn apply_pair(&self, stat: PairStat, y: &[f64], x: &[f64], out: &mut [f64]) {
        let (ey, ex) = (squaring_exponent(y), squaring_exponent(x));
        if ey != 0 || ex != 0 {
            // As in `apply`: exact power-of-two scaling keeps the products finite.
            let ys: Vec<f64> = y.iter().map(|v| scale(*v, ey)).collect();
            let xs: Vec<f64> = x.iter().map(|v| scale(*v, ex)).collect();
            self.apply_pair_unscaled(stat, &ys, &xs, out);
            let back = match stat {
                PairStat::Cov { .. } => -(ey + ex),
                PairStat::Corr => 0,
                PairStat::Beta => ex - ey,
            };
            out.iter_mut().for_each(|v| *v = scale(*v, back));
            return;
        }
        self.apply_pair_unscaled(stat, y, x, out)
    }

    fn apply_pair_unscaled(&self, stat: PairStat, y: &[f64], x: &[f64], out: &mut [f64]) {
        let output = match stat {
            PairStat::Cov { ddof } => CoMomentOutput::Cov { ddof },
            PairStat::Corr => CoMomentOutput::Corr,
            PairStat::Beta => CoMomentOutput::Beta,
        };
        self.chunked(out, |window, rows, dest| {
            let lane = Pair {
                y: &y[rows.clone()],
                x: &x[rows],
            };
            run(
                &lane,
                window,
                self.min_periods,
                &mut CoMoments::new(output),
                dest,
            )
        });
    }

    /// Run `fill(window, lane rows, output)` over the lane: whole, or for a long lane
    /// with short windows, as fixed chunks of [`CHUNK_ROWS`] outputs on all cores,
    /// each starting from its first row's window. The chunks do not depend on the
    /// thread count, so neither do the bits of the result.
    fn chunked<F>(&self, out: &mut [f64], fill: F)
    where
        F: Fn(&Window, Range<usize>, &mut [f64]) + Sync,
    {
        let len = out.len();
        if len < 2 * CHUNK_ROWS || self.window.max_rows(len) > CHUNK_ROWS / 4 {
            return fill(&self.window, 0..len, out);
        }
        out.par_chunks_mut(CHUNK_ROWS)
            .enumerate()
            .for_each_init(Vec::new, |scratch, (c, dest)| {
                let first = c * CHUNK_ROWS;
                let end = first + dest.len();
                let (warm, window) = match self.window {
                    Window::Rows(n) => ((first + 1).saturating_sub(n), self.window),
                    Window::Span { times, span } => {
                        let oldest_excluded = times[first].saturating_sub(span);
                        let warm = times[..first].partition_point(|&t| t <= oldest_excluded);
                        (
                            warm,
                            Window::Span {
                                times: &times[warm..end],
                                span,
                            },
                        )
                    }
                };
                scratch.clear();
                scratch.resize(end - warm, f64::NAN);
                fill(&window, warm..end, scratch);
                dest.copy_from_slice(&scratch[first - warm..]);
            });
    }
}

/// `stat` over one whole lane with the window engine.
fn run_stat(stat: Stat, window: &Window, mp: usize, x: &[f64], out: &mut [f64]) {
    match stat {
        Stat::Count => {
            // Count is a sum of validity flags; no accumulator needed beyond the engine's.
            let flags: Vec<f64> = x
                .iter()
                .map(|v| if v.is_nan() { f64::NAN } else { 1.0 })
                .collect();
            let lane: &[f64] = &flags;
            run(&lane, window, mp, &mut Moments::new(MomentOutput::Sum), out);
        }
        Stat::Sum => run(&x, window, mp, &mut Moments::new(MomentOutput::Sum), out),
        Stat::Mean => run(&x, window, mp, &mut Moments::new(MomentOutput::Mean), out),
        Stat::Var { ddof } => run(
            &x,
            window,
            mp,
            &mut Moments::new(MomentOutput::Var { ddof }),
            out,
        ),
        Stat::Std { ddof } => run(
            &x,
            window,
            mp,
            &mut Moments::new(MomentOutput::Std { ddof }),
            out,
        ),
        Stat::Zscore { ddof } => run(
            &x,
            window,
            mp,
            &mut Moments::new(MomentOutput::Zscore { ddof }),
            out,
        ),
        Stat::Min => run(&x, window, mp, &mut Extremum::new(Extreme::Min), out),
        Stat::Max => run(&x, window, mp, &mut Extremum::new(Extreme::Max), out),
        Stat::Median => run(
            &x,
            window,
            mp,
            &mut OrderStats::new(OrderOutput::Median),
            out,
        ),
        Stat::Quantile(q) => run(
            &x,
            window,
            mp,
            &mut OrderStats::new(OrderOutput::Quantile(q)),
            out,
        ),
        Stat::PercentileRank => run(
            &x,
            window,
            mp,
            &mut OrderStats::new(OrderOutput::PercentileRank),
            out,
        ),
        Stat::Mad => run(&x, window, mp, &mut OrderStats::new(OrderOutput::Mad), out),
    }
}

/// The power of two that brings a lane's largest finite magnitude to about 1 when
/// its squares would leave the range of f64 (|x| beyond 1e±150), else 0. Values
/// 1e150 times smaller than the lane's largest still square to zero: a limit of
/// f64 sums of squares, documented in the README.
fn squaring_exponent(x: &[f64]) -> i32 {
    let largest = x
        .iter()
        .filter(|v| v.is_finite())
        .fold(0.0f64, |m, v| m.max(v.abs()));
    if largest == 0.0 || (1e-150..=1e150).contains(&largest) {
        0
    } else {
        -(largest.log2().floor() as i32)
    }
}

/// `value * 2^exponent`, exact, in two steps so 2^exponent itself stays finite.
fn scale(value: f64, exponent: i32) -> f64 {
    let half = exponent / 2;
    value * 2f64.powi(half) * 2f64.powi(exponent - half)
}

/// `stat` over `x` in `window`, NaN where fewer than `min_periods` non-NaN values.
pub fn rolling(
    x: &[f64],
    window: Window,
    min_periods: usize,
    stat: Stat,
) -> Result<Vec<f64>, KernelError> {
    let spec = RollingSpec::new(window, min_periods, x.len())?;
    let mut out = vec![f64::NAN; x.len()];
    spec.apply(stat, x, &mut out);
    Ok(out)
}

/// A pair statistic of (y, x) in `window`, over rows where both are non-NaN.
pub fn rolling_pair(
    y: &[f64],
    x: &[f64],
    window: Window,
    min_periods: usize,
    stat: PairStat,
) -> Result<Vec<f64>, KernelError> {
    let spec = RollingSpec::new(window, min_periods, y.len())?;
    spec.expect_len("x", x.len())?;
    let mut out = vec![f64::NAN; y.len()];
    spec.apply_pair(stat, y, x, &mut out);
    Ok(out)
}

/// `stat` over all of `values`, NaN skipped: NaN when no value counts (0 for Count
/// and Sum), like the last row of an expanding window with `min_periods = 0`.
pub fn reduce(values: &[f64], stat: Stat) -> f64 {
    let mut out = [f64::NAN];
    reduce_many(values, &[stat], &mut out);
    out[0]
}

/// Several full-sample statistics of `values` at once, `out[k]` for `stats[k]`:
/// one pass of the same compensated moments the window engine uses, and one sort
/// for every order statistic. The "newest" value (z-score, percentile rank) is the
/// last element. Serves the cross-event statistics and full-sample valuation.
pub fn reduce_many(values: &[f64], stats: &[Stat], out: &mut [f64]) {
    let squares = stats
        .iter()
        .any(|s| matches!(s, Stat::Var { .. } | Stat::Std { .. } | Stat::Zscore { .. }));
    let exponent = if squares {
        squaring_exponent(values)
    } else {
        0
    };
    if exponent != 0 {
        // As in `RollingSpec::apply`: squares of this sample would leave f64's range;
        // compute on it scaled by 2^exponent (exact) and scale each result back by
        // the power of x's unit it carries.
        let scaled: Vec<f64> = values.iter().map(|v| scale(*v, exponent)).collect();
        reduce_many_unscaled(&scaled, stats, out);
        for (value, stat) in out.iter_mut().zip(stats) {
            let power = match stat {
                Stat::Count | Stat::Zscore { .. } | Stat::PercentileRank => 0,
                Stat::Var { .. } => 2,
                _ => 1,
            };
            *value = scale(*value, -power * exponent);
        }
        return;
    }
    reduce_many_unscaled(values, stats, out)
}

fn reduce_many_unscaled(values: &[f64], stats: &[Stat], out: &mut [f64]) {
    let newest = values.last().copied().unwrap_or(f64::NAN);
    // Squares only when a statistic needs them (see `Moments::add`).
    let squares = stats
        .iter()
        .any(|s| matches!(s, Stat::Var { .. } | Stat::Std { .. } | Stat::Zscore { .. }));
    let mut moments = Moments::new(if squares {
        MomentOutput::Var { ddof: 0 }
    } else {
        MomentOutput::Sum
    });
    let mut count = 0;
    let (mut low, mut high) = (f64::NAN, f64::NAN);
    for (row, &x) in values.iter().enumerate() {
        if !x.is_nan() {
            Accumulator::<&[f64]>::push(&mut moments, row, x);
            count += 1;
            // `low`/`high` start as NaN, which f64::min/max skip.
            low = low.min(x);
            high = high.max(x);
        }
    }
    let needs_order = stats
        .iter()
        .any(|s| matches!(s, Stat::Median | Stat::Quantile(_) | Stat::Mad));
    let sorted: Vec<f64> = if needs_order {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
        v.sort_unstable_by(f64::total_cmp);
        v
    } else {
        Vec::new()
    };
    for (dest, stat) in out.iter_mut().zip(stats) {
        *dest = match *stat {
            Stat::Count => count as f64,
            Stat::Sum => moments.evaluate(MomentOutput::Sum, count, newest),
            Stat::Mean => moments.evaluate(MomentOutput::Mean, count, newest),
            Stat::Var { ddof } => moments.evaluate(MomentOutput::Var { ddof }, count, newest),
            Stat::Std { ddof } => moments.evaluate(MomentOutput::Std { ddof }, count, newest),
            Stat::Zscore { ddof } => moments.evaluate(MomentOutput::Zscore { ddof }, count, newest),
            Stat::Min => low,
            Stat::Max => high,
            Stat::Median => sorted_quantile(&sorted, None),
            Stat::Quantile(q) => sorted_quantile(&sorted, Some(q)),
            Stat::PercentileRank if newest.is_nan() || count == 0 => f64::NAN,
            Stat::PercentileRank => {
                values.iter().filter(|x| **x <= newest).count() as f64 / count as f64
            }
            Stat::Mad => {
                let median = sorted_quantile(&sorted, None);
                let mut deviations: Vec<f64> = sorted.iter().map(|v| (v - median).abs()).collect();
                deviations.sort_unstable_by(f64::total_cmp);
                if median.is_finite() {
                    sorted_quantile(&deviations, None)
                } else {
                    f64::NAN
                }
            }
        };
    }
}

/// The median (`q = None`, halves summed as the window engine does) or the linearly
/// interpolated quantile `q` of ascending, NaN-free values; NaN when empty.
fn sorted_quantile(sorted: &[f64], q: Option<f64>) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    match q {
        None if n % 2 == 1 => sorted[n / 2],
        None => sorted[n / 2 - 1] / 2.0 + sorted[n / 2] / 2.0,
        Some(q) => {
            let position = q * (n - 1) as f64;
            let below = position.floor();
            let fraction = position - below;
            let low = sorted[below as usize];
            if fraction == 0.0 {
                low
            } else {
                low + (sorted[below as usize + 1] - low) * fraction
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_periods_above_window_is_an_error() {
        let err = rolling(&[1.0, 2.0], Window::Rows(2), 3, Stat::Mean).unwrap_err();
        assert!(err.to_string().starts_with("min_periods:"));
    }

    #[test]
    fn unknown_statistic_and_bad_q_are_errors() {
        assert!(Stat::parse("mode", 1, 0.5)
            .unwrap_err()
            .to_string()
            .starts_with("stat:"));
        assert!(Stat::parse("quantile", 1, 1.5)
            .unwrap_err()
            .to_string()
            .starts_with("q:"));
    }

    #[test]
    fn reduce_is_the_full_sample_statistic() {
        let x = [3.0, f64::NAN, 1.0, 2.0];
        assert_eq!(reduce(&x, Stat::Median), 2.0);
        assert_eq!(reduce(&x, Stat::Mean), 2.0);
        assert_eq!(reduce(&x, Stat::Std { ddof: 1 }), 1.0);
        assert_eq!(reduce(&x, Stat::Count), 3.0);
        assert!(reduce(&[f64::NAN], Stat::Mean).is_nan());
        assert_eq!(reduce(&[], Stat::Sum), 0.0);
    }

    #[test]
    fn reduce_many_matches_the_window_engine_on_its_last_row() {
        let x: Vec<f64> = (0..57)
            .map(|i| {
                if i % 7 == 3 {
                    f64::NAN
                } else {
                    ((i * 37 % 23) as f64).cos() * 1e3 + 1e9
                }
            })
            .collect();
        let stats = [
            Stat::Count,
            Stat::Sum,
            Stat::Mean,
            Stat::Var { ddof: 1 },
            Stat::Std { ddof: 0 },
            Stat::Zscore { ddof: 1 },
            Stat::Min,
            Stat::Max,
            Stat::Median,
            Stat::Quantile(0.3),
            Stat::PercentileRank,
            Stat::Mad,
        ];
        let mut many = vec![0.0; stats.len()];
        reduce_many(&x, &stats, &mut many);
        for (stat, got) in stats.iter().zip(&many) {
            let engine = rolling(&x, Window::Rows(x.len()), 0, *stat).unwrap()[x.len() - 1];
            let tolerance = if matches!(stat, Stat::Sum) {
                1e-6
            } else {
                1e-9 * engine.abs().max(1.0)
            };
            assert!(
                (got - engine).abs() <= tolerance,
                "{stat:?}: {got} vs {engine}"
            );
        }
    }

    #[test]
    fn pair_length_mismatch_is_an_error() {
        let err =
            rolling_pair(&[1.0, 2.0], &[1.0], Window::Rows(2), 2, PairStat::Corr).unwrap_err();
        assert!(err.to_string().starts_with("x:"));
    }

    #[test]
    fn extreme_magnitudes_keep_their_variance() {
        for magnitude in [1e-300, 1e300] {
            let x = [magnitude, 2.0 * magnitude, 4.0 * magnitude];
            let std = rolling(&x, Window::Rows(3), 3, Stat::Std { ddof: 1 }).unwrap()[2];
            let expected = magnitude * (7.0f64 / 3.0).sqrt();
            assert!(
                (std - expected).abs() <= 1e-15 * expected,
                "{std} vs {expected}"
            );
            let corr =
                rolling_pair(&x, &[1.0, 2.0, 3.0], Window::Rows(3), 3, PairStat::Corr).unwrap()[2];
            assert!(corr > 0.98 && corr < 1.0);
        }
    }

    #[test]
    fn full_sample_std_of_extreme_magnitudes() {
        for magnitude in [1e-300, 1e300] {
            let x = [magnitude, 2.0 * magnitude, 4.0 * magnitude];
            let expected = magnitude * (7.0f64 / 3.0).sqrt();
            let std = reduce(&x, Stat::Std { ddof: 1 });
            assert!(
                (std - expected).abs() <= 1e-15 * expected,
                "{std} vs {expected}"
            );
            assert_eq!(reduce(&x, Stat::Max), 4.0 * magnitude);
        }
    }

    #[test]
    fn count_counts_non_nan() {
        let out = rolling(&[1.0, f64::NAN, 3.0], Window::Rows(2), 0, Stat::Count).unwrap();
        assert_eq!(out, vec![1.0, 1.0, 1.0]);
    }
}
