//! Rolling statistics: validate once, then fill each lane.
//!
//! [`RollingSpec`] is the checked description of a computation (statistic, window,
//! min_periods, the global row of the lane's first row); [`RollingSpec::apply`]
//! fills one lane and cannot fail, so a panel can run its columns in parallel after
//! one validation. Moment statistics (sum ... zscore, cov, corr, beta) come from the
//! block engine of [`crate::kernels::moments`]; the others from the window engine
//! ([`run`]) with its extremum and order-statistics accumulators. [`reduce`] is the
//! full-sample form (one window holding every row) for other kernels to share.

use crate::kernels::moments::{
    co_moments, direct_value, moment_value, moments, CoMomentOutput, Grid, MomentOutput, Sums,
};
use crate::kernels::window::{
    run, Accumulator, Extreme, Extremum, OrderOutput, OrderStats, Window,
};
use crate::kernels::KernelError;
use rayon::prelude::*;
use std::ops::Range;

/// Lanes of at least twice this many rows run the window engine in chunks of it, in
/// parallel (order statistics and extremes; moments share out their own blocks).
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
    /// The global row index of the lanes' first row: row-count moments are computed
    /// on blocks counted from global row 0, so a chunk of a longer series that says
    /// where it starts gets the bits of the whole (durations count from time 0).
    pub first_row: usize,
}

impl<'a> RollingSpec<'a> {
    /// Check the window and `min_periods` (at most the window for row-count windows,
    /// as pandas) against lanes of `len` rows starting at global row 0.
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
            first_row: 0,
        })
    }

    /// The same computation on lanes whose first row is global row `first_row`.
    pub fn starting_at(self, first_row: usize) -> Self {
        RollingSpec { first_row, ..self }
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

    /// The moment engine's grid for this window.
    fn grid(&self) -> Grid<'a> {
        match self.window {
            Window::Rows(w) => Grid::Rows {
                w,
                first_row: self.first_row,
            },
            Window::Span { times, span } => Grid::Span { times, span },
        }
    }

    /// `stat` over one lane into `out`; both must have `len` rows (checked by
    /// [`rolling`]/[`crate::kernels::panel`]). A lane alone shares its blocks out
    /// over all cores.
    pub fn apply(&self, stat: Stat, x: &[f64], out: &mut [f64]) {
        self.apply_columns(stat, &[x], &mut [out]);
    }

    /// A statistic of one lane made of window accumulators from `new` (a z-score of
    /// order statistics), chunked like [`RollingSpec::apply`].
    pub fn apply_accumulator<A, F>(&self, new: F, x: &[f64], out: &mut [f64])
    where
        A: for<'l> Accumulator<&'l [f64]>,
        F: Fn() -> A + Sync,
    {
        self.chunked(out, |window, rows, dest| {
            run(&&x[rows], window, self.min_periods, &mut new(), |i, v| {
                dest[i] = v
            })
        });
    }

    /// `stat` over each of `columns` into the matching `outs` (all `len` rows).
    pub fn apply_columns(&self, stat: Stat, columns: &[&[f64]], outs: &mut [&mut [f64]]) {
        let mp = self.min_periods;
        let alone = columns.len() == 1;
        for (x, out) in columns.iter().zip(outs.iter_mut()) {
            match moment_output(stat) {
                Some(output) => moments(x, self.grid(), mp, output, out, alone),
                // A count is the sum of validity flags (sums of ones are exact).
                None if stat == Stat::Count => {
                    let flags: Vec<f64> = x
                        .iter()
                        .map(|v| if v.is_nan() { f64::NAN } else { 1.0 })
                        .collect();
                    moments(&flags, self.grid(), mp, MomentOutput::Sum, out, alone)
                }
                None => self.chunked(out, |window, rows, dest| {
                    run_stat(stat, window, mp, &x[rows], dest)
                }),
            }
        }
    }

    /// A pair statistic of (y, x) over one lane into `out`.
    pub fn apply_pair(&self, stat: PairStat, y: &[f64], x: &[f64], out: &mut [f64]) {
        self.apply_pair_columns(stat, &[y], &[x], &mut [out]);
    }

    /// A pair statistic of each (`ys[j]`, `xs[j]`) into `outs[j]`.
    pub fn apply_pair_columns(
        &self,
        stat: PairStat,
        ys: &[&[f64]],
        xs: &[&[f64]],
        outs: &mut [&mut [f64]],
    ) {
        let output = match stat {
            PairStat::Cov { ddof } => CoMomentOutput::Cov { ddof },
            PairStat::Corr => CoMomentOutput::Corr,
            PairStat::Beta => CoMomentOutput::Beta,
        };
        let alone = ys.len() == 1;
        for ((y, x), out) in ys.iter().zip(xs).zip(outs.iter_mut()) {
            co_moments(y, x, self.grid(), self.min_periods, output, out, alone);
        }
    }

    /// Run `fill(window, lane rows, output)` over the lane: whole, or for a long lane
    /// with short windows, as fixed chunks of [`CHUNK_ROWS`] outputs on all cores,
    /// each starting from its first row's window. The chunks do not depend on the
    /// thread count, and the accumulators run here (extremes, order statistics) give
    /// the same bits wherever they start, so neither do the results.
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

/// `stat`'s output if the moment engine computes it.
fn moment_output(stat: Stat) -> Option<MomentOutput> {
    match stat {
        Stat::Sum => Some(MomentOutput::Sum),
        Stat::Mean => Some(MomentOutput::Mean),
        Stat::Var { ddof } => Some(MomentOutput::Var { ddof }),
        Stat::Std { ddof } => Some(MomentOutput::Std { ddof }),
        Stat::Zscore { ddof } => Some(MomentOutput::Zscore { ddof }),
        _ => None,
    }
}

/// A statistic other than a moment over one whole lane with the window engine.
fn run_stat(stat: Stat, window: &Window, mp: usize, x: &[f64], out: &mut [f64]) {
    let emit = |i: usize, v: f64| out[i] = v;
    match stat {
        Stat::Min => run(&x, window, mp, &mut Extremum::new(Extreme::Min), emit),
        Stat::Max => run(&x, window, mp, &mut Extremum::new(Extreme::Max), emit),
        Stat::Median => run(
            &x,
            window,
            mp,
            &mut OrderStats::new(OrderOutput::Median),
            emit,
        ),
        Stat::Quantile(q) => run(
            &x,
            window,
            mp,
            &mut OrderStats::new(OrderOutput::Quantile(q)),
            emit,
        ),
        Stat::PercentileRank => run(
            &x,
            window,
            mp,
            &mut OrderStats::new(OrderOutput::PercentileRank),
            emit,
        ),
        Stat::Mad => run(&x, window, mp, &mut OrderStats::new(OrderOutput::Mad), emit),
        // Moments and counts run on the block engine (`RollingSpec::apply_columns`).
        Stat::Count
        | Stat::Sum
        | Stat::Mean
        | Stat::Var { .. }
        | Stat::Std { .. }
        | Stat::Zscore { .. } => {}
    }
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
/// [`reduce_lanes`] of one lane. Serves full-sample valuation.
pub fn reduce_many(values: &[f64], stats: &[Stat], out: &mut [f64]) {
    reduce_lanes(values, 1, stats, out, &mut Vec::new());
}

/// Full-sample statistics of `lanes` samples stored together, observation by
/// observation: `values[o * lanes + i]` is observation `o` of lane `i` (an event
/// study's paths of one series: one observation per event, one lane per offset).
/// `out[k * lanes + i]` receives `stats[k]` of lane `i`, NaN skipped: NaN when no
/// value counts (0 for Count and Sum), like the last row of an expanding window
/// with `min_periods = 0`. The "newest" value (z-score, percentile rank) is a
/// lane's last observation. `scratch` is reused across calls.
///
/// Moments are the block engine's about one anchor, each lane's first finite value
/// (a value of the sample, so the cancellation is bounded as in a window; a lane
/// whose squares leave the safe range is evaluated directly, scaled), every lane
/// advancing with each observation so that memory streams; then one selection per
/// order statistic and lane, not a sort. Each lane gets exactly what it would get
/// alone.
pub fn reduce_lanes(
    values: &[f64],
    lanes: usize,
    stats: &[Stat],
    out: &mut [f64],
    scratch: &mut Vec<f64>,
) {
    if lanes == 0 {
        return;
    }
    debug_assert!(values.len() % lanes == 0 && out.len() >= stats.len() * lanes);
    let needs_moments = stats.iter().any(|s| moment_output(*s).is_some());
    let mut anchors = vec![f64::NAN; lanes];
    let mut sums = vec![Sums::default(); lanes];
    if needs_moments {
        for row in values.chunks_exact(lanes) {
            for (anchor, &x) in anchors.iter_mut().zip(row) {
                if anchor.is_nan() && x.is_finite() {
                    *anchor = x;
                }
            }
        }
        for row in values.chunks_exact(lanes) {
            for ((s, anchor), &x) in sums.iter_mut().zip(&anchors).zip(row) {
                s.add(x, *anchor);
            }
        }
    }
    let mut counts = vec![0.0f64; lanes];
    // NaN, which f64::min/max skip.
    let (mut lows, mut highs) = (vec![f64::NAN; lanes], vec![f64::NAN; lanes]);
    for row in values.chunks_exact(lanes) {
        for (((count, low), high), &x) in counts.iter_mut().zip(&mut lows).zip(&mut highs).zip(row)
        {
            *count += f64::from(u8::from(!x.is_nan()));
            *low = low.min(x);
            *high = high.max(x);
        }
    }
    let newest_row = values
        .len()
        .checked_sub(lanes)
        .map(|start| &values[start..]);
    let needs_order = stats
        .iter()
        .any(|s| matches!(s, Stat::Median | Stat::Quantile(_) | Stat::Mad));
    let rows = values.len().checked_div(lanes).unwrap_or(0);
    // Order statistics read each lane whole: transpose to lane-major first, in tiles
    // of lanes, so that neither the reads nor the writes stride through memory.
    let by_lane: Vec<f64> = if needs_order {
        let mut by_lane = vec![f64::NAN; values.len()];
        const TILE: usize = 64;
        for first in (0..lanes).step_by(TILE) {
            let tile = first..(first + TILE).min(lanes);
            for (r, row) in values.chunks_exact(lanes).enumerate() {
                for (i, &x) in tile.clone().zip(&row[tile.clone()]) {
                    by_lane[i * rows + r] = x;
                }
            }
        }
        by_lane
    } else {
        Vec::new()
    };
    for i in 0..lanes {
        let newest = newest_row.map_or(f64::NAN, |row| row[i]);
        let observations = || values.iter().skip(i).step_by(lanes);
        if needs_order {
            scratch.clear();
            scratch.extend(
                by_lane[i * rows..(i + 1) * rows]
                    .iter()
                    .copied()
                    .filter(|x| !x.is_nan()),
            );
        }
        let count = counts[i] as usize;
        let moment = |output: MomentOutput| {
            moment_value(output, &sums[i], anchors[i], newest).unwrap_or_else(|| {
                direct_value(output, observations().copied(), anchors[i], newest)
            })
        };
        for (k, stat) in stats.iter().enumerate() {
            out[k * lanes + i] = match *stat {
                Stat::Count => count as f64,
                Stat::Sum => moment(MomentOutput::Sum),
                Stat::Mean => moment(MomentOutput::Mean),
                Stat::Var { ddof } => moment(MomentOutput::Var { ddof }),
                Stat::Std { ddof } => moment(MomentOutput::Std { ddof }),
                Stat::Zscore { ddof } => moment(MomentOutput::Zscore { ddof }),
                Stat::Min => lows[i],
                Stat::Max => highs[i],
                Stat::Median => select_quantile(scratch, None),
                Stat::Quantile(q) => select_quantile(scratch, Some(q)),
                Stat::PercentileRank if newest.is_nan() || count == 0 => f64::NAN,
                Stat::PercentileRank => {
                    observations().filter(|x| **x <= newest).count() as f64 / count as f64
                }
                Stat::Mad => {
                    let median = select_quantile(scratch, None);
                    let mut deviations: Vec<f64> =
                        scratch.iter().map(|v| (v - median).abs()).collect();
                    if median.is_finite() {
                        select_quantile(&mut deviations, None)
                    } else {
                        f64::NAN
                    }
                }
            };
        }
    }
}

/// The median (`q = None`, halves summed as the window engine does) or the linearly
/// interpolated quantile `q` of NaN-free values, in the order of `f64::total_cmp`;
/// NaN when empty. Selects in place (reorders `values`, keeps them): O(n), where a
/// sort would be O(n log n).
fn select_quantile(values: &mut [f64], q: Option<f64>) -> f64 {
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    match q {
        None => {
            let (lower, upper, _) = values.select_nth_unstable_by(n / 2, f64::total_cmp);
            let upper = *upper;
            if n % 2 == 1 {
                upper
            } else {
                // the largest of the lower half is the other middle value
                let lower = lower
                    .iter()
                    .copied()
                    .max_by(f64::total_cmp)
                    .unwrap_or(upper);
                lower / 2.0 + upper / 2.0
            }
        }
        Some(q) => {
            let position = q * (n - 1) as f64;
            let below = position.floor();
            let fraction = position - below;
            let (_, low, higher) = values.select_nth_unstable_by(below as usize, f64::total_cmp);
            let low = *low;
            if fraction == 0.0 {
                low
            } else {
                // fraction > 0: `below` is not the last index, so `higher` is not empty
                let next = higher.iter().copied().min_by(f64::total_cmp).unwrap_or(low);
                low + (next - low) * fraction
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
    fn each_lane_gets_what_it_gets_alone() {
        // lanes of different magnitudes (one whose squares need scaling), NaN,
        // infinities, ties, odd and even counts
        let lanes = 5;
        let lane_value = |o: usize, i: usize| -> f64 {
            let v = ((o * 37 + i * 11) % 23) as f64 - 11.0;
            match i {
                0 => v * 1e300,
                1 if o % 4 == 1 => f64::NAN,
                1 => v + 1e9,
                2 if o == 3 => f64::INFINITY,
                2 => v,
                3 => f64::NAN,
                _ => (o % 3) as f64,
            }
        };
        let observations = 14;
        let values: Vec<f64> = (0..observations)
            .flat_map(|o| (0..lanes).map(move |i| lane_value(o, i)))
            .collect();
        let stats = [
            Stat::Count,
            Stat::Sum,
            Stat::Mean,
            Stat::Var { ddof: 1 },
            Stat::Std { ddof: 1 },
            Stat::Zscore { ddof: 0 },
            Stat::Min,
            Stat::Max,
            Stat::Median,
            Stat::Quantile(0.35),
            Stat::PercentileRank,
            Stat::Mad,
        ];
        let mut together = vec![0.0; stats.len() * lanes];
        reduce_lanes(&values, lanes, &stats, &mut together, &mut Vec::new());
        for i in 0..lanes {
            let lane: Vec<f64> = (0..observations).map(|o| lane_value(o, i)).collect();
            for (k, stat) in stats.iter().enumerate() {
                let alone = reduce(&lane, *stat);
                let got = together[k * lanes + i];
                assert!(
                    got.to_bits() == alone.to_bits() || (got.is_nan() && alone.is_nan()),
                    "lane {i} {stat:?}: {got} vs {alone}"
                );
            }
        }
    }

    #[test]
    fn selected_order_statistics_are_the_sorted_ones() {
        for n in 1..30 {
            let x: Vec<f64> = (0..n).map(|i| ((i * 17 % 11) as f64) - 5.0).collect();
            let mut sorted = x.clone();
            sorted.sort_by(f64::total_cmp);
            let median = if n % 2 == 1 {
                sorted[n / 2]
            } else {
                sorted[n / 2 - 1] / 2.0 + sorted[n / 2] / 2.0
            };
            assert_eq!(select_quantile(&mut x.clone(), None), median);
            for q in [0.0, 0.1, 0.5, 0.77, 1.0] {
                let position = q * (n - 1) as f64;
                let below = position.floor() as usize;
                let fraction = position - below as f64;
                let want = if fraction == 0.0 {
                    sorted[below]
                } else {
                    sorted[below] + (sorted[below + 1] - sorted[below]) * fraction
                };
                assert_eq!(
                    select_quantile(&mut x.clone(), Some(q)),
                    want,
                    "n {n} q {q}"
                );
            }
        }
        assert!(select_quantile(&mut [], None).is_nan());
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
