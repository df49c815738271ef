//! Rolling statistics: validate once, then run the window engine per lane.
//!
//! [`RollingSpec`] is the checked description of a computation (statistic, window,
//! min_periods); [`RollingSpec::apply`] fills one lane and cannot fail, so a panel
//! can run its columns in parallel after one validation. [`reduce`] is the
//! full-sample form (one window holding every row) for other kernels to share.

use crate::kernels::moments::{CoMomentOutput, CoMoments, MomentOutput, Moments};
use crate::kernels::window::{
    lanes_of, run, Accumulator, Columns, Extreme, Extremum, Lane, OrderOutput, OrderStats,
    PairColumns, Window,
};
use crate::kernels::KernelError;
use rayon::prelude::*;
use std::ops::Range;

/// Lanes of at least twice this many rows run in chunks of it, in parallel.
const CHUNK_ROWS: usize = 1 << 16;

/// Columns the moment accumulators run in lockstep (SIMD lanes; see
/// `kernels::moments`). Four f64 fill one AVX register and give four independent
/// dependency chains to overlap.
pub const LANES: usize = 4;

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
        self.apply_columns(stat, &[x], &mut [out]);
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
            run(
                &&lane[rows],
                window,
                self.min_periods,
                &mut new(),
                |i, v| dest[i] = v,
            )
        });
    }

    /// `stat` over each of `columns` into the matching `outs` (all `len` rows): moment
    /// statistics run [`LANES`] columns at a time in lockstep, the rest column by column.
    pub fn apply_columns(&self, stat: Stat, columns: &[&[f64]], outs: &mut [&mut [f64]]) {
        // The power of x's unit in the result, for statistics that square x.
        let power = match stat {
            Stat::Var { .. } => Some(2),
            Stat::Std { .. } => Some(1),
            Stat::Zscore { .. } => Some(0),
            _ => None,
        };
        let mut together = Vec::with_capacity(columns.len());
        for (j, x) in columns.iter().enumerate() {
            let exponent = power.map_or(0, |_| squaring_exponent(x));
            if exponent == 0 {
                together.push(j);
                continue;
            }
            // Squares of this lane would under- or overflow: compute on the lane scaled
            // by 2^exponent (exact) and scale the result back.
            let scaled: Vec<f64> = x.iter().map(|v| scale(*v, exponent)).collect();
            self.apply_unscaled(stat, &[&scaled], &mut [&mut *outs[j]]);
            let back = -power.unwrap_or(0) * exponent;
            if back != 0 {
                outs[j].iter_mut().for_each(|v| *v = scale(*v, back));
            }
        }
        let columns: Vec<&[f64]> = together.iter().map(|&j| columns[j]).collect();
        let mut chosen = pick_outputs(outs, &together);
        self.apply_unscaled(stat, &columns, &mut chosen);
    }

    fn apply_unscaled(&self, stat: Stat, columns: &[&[f64]], outs: &mut [&mut [f64]]) {
        let mp = self.min_periods;
        let grouped = match moment_output(stat) {
            Some(output) => {
                let grouped = columns.len() / LANES * LANES;
                for (lanes, dest) in columns[..grouped].chunks(LANES).zip(outs.chunks_mut(LANES)) {
                    let lanes = std::array::from_fn(|k| lanes[k]);
                    moments_of_group(output, &self.window, mp, lanes, dest);
                }
                grouped
            }
            None => 0,
        };
        for (x, out) in columns[grouped..].iter().zip(&mut outs[grouped..]) {
            self.chunked(out, |window, rows, dest| {
                run_stat(stat, window, mp, &x[rows], dest)
            });
        }
    }

    /// A pair statistic of (y, x) over one lane into `out`.
    pub fn apply_pair(&self, stat: PairStat, y: &[f64], x: &[f64], out: &mut [f64]) {
        self.apply_pair_columns(stat, &[y], &[x], &mut [out]);
    }

    /// A pair statistic of each (`ys[j]`, `xs[j]`) into `outs[j]`, [`LANES`] pairs at a
    /// time in lockstep.
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
        let mut together = Vec::with_capacity(ys.len());
        for (j, (y, x)) in ys.iter().zip(xs).enumerate() {
            let (ey, ex) = (squaring_exponent(y), squaring_exponent(x));
            if ey == 0 && ex == 0 {
                together.push(j);
                continue;
            }
            // As in `apply_columns`: exact power-of-two scaling keeps the products finite.
            let scaled_y: Vec<f64> = y.iter().map(|v| scale(*v, ey)).collect();
            let scaled_x: Vec<f64> = x.iter().map(|v| scale(*v, ex)).collect();
            self.co_moments(output, &[&scaled_y], &[&scaled_x], &mut [&mut *outs[j]]);
            let back = match stat {
                PairStat::Cov { .. } => -(ey + ex),
                PairStat::Corr => 0,
                PairStat::Beta => ex - ey,
            };
            if back != 0 {
                outs[j].iter_mut().for_each(|v| *v = scale(*v, back));
            }
        }
        let (ys, xs): (Vec<&[f64]>, Vec<&[f64]>) = together.iter().map(|&j| (ys[j], xs[j])).unzip();
        let mut chosen = pick_outputs(outs, &together);
        self.co_moments(output, &ys, &xs, &mut chosen);
    }

    /// Co-moments of each (`ys[j]`, `xs[j]`) into `outs[j]`, data already in range.
    fn co_moments(
        &self,
        output: CoMomentOutput,
        ys: &[&[f64]],
        xs: &[&[f64]],
        outs: &mut [&mut [f64]],
    ) {
        let mp = self.min_periods;
        let grouped = ys.len() / LANES * LANES;
        let (group_outs, single_outs) = outs.split_at_mut(grouped);
        for (g, dest) in group_outs.chunks_mut(LANES).enumerate() {
            let ys = std::array::from_fn(|k| ys[g * LANES + k]);
            let xs = std::array::from_fn(|k| xs[g * LANES + k]);
            co_moments_of_group(output, &self.window, mp, ys, xs, dest);
        }
        for ((y, x), out) in ys[grouped..].iter().zip(&xs[grouped..]).zip(single_outs) {
            self.chunked(out, |window, rows, dest| {
                co_moments_of_lane(output, window, mp, &y[rows.clone()], &x[rows], dest)
            });
        }
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

/// `stat`'s output if the moment accumulators compute it.
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

/// The outputs at the (ascending) indices `chosen`.
fn pick_outputs<'o>(outs: &'o mut [&mut [f64]], chosen: &[usize]) -> Vec<&'o mut [f64]> {
    outs.iter_mut()
        .enumerate()
        .filter(|(j, _)| chosen.binary_search(j).is_ok())
        .map(|(_, out)| &mut **out)
        .collect()
}

/// A long lane cut into [`LANES`] pieces that run side by side, for the lockstep
/// accumulators: piece k outputs the rows `keep[k]` and reads from `window - 1` rows
/// earlier (the last piece from further back, so all pieces have one length). The
/// cut depends only on the lane's length and window, so the bits of a result do
/// not depend on the machine or thread count.
struct Split {
    /// Input rows of each piece.
    pieces: [Range<usize>; LANES],
    /// Output rows each piece writes.
    keep: [Range<usize>; LANES],
}

impl Split {
    /// The split of a lane of `len` rows, if the window is a short row count: each
    /// piece re-reads `window - 1` rows, worth it only when that is a small share.
    fn of(window: &Window, len: usize) -> Option<Split> {
        let Window::Rows(w) = *window else {
            return None;
        };
        let piece = len.div_ceil(LANES);
        if piece < 8 * w {
            return None;
        }
        let rows = piece + w - 1;
        let keep: [Range<usize>; LANES] =
            std::array::from_fn(|k| (k * piece).min(len)..((k + 1) * piece).min(len));
        let pieces = std::array::from_fn(|k| {
            let first = keep[k].start.saturating_sub(w - 1).min(len - rows);
            first..first + rows
        });
        Some(Split { pieces, keep })
    }

    /// Run `acc` over the pieces of lane `lanes` and write what each piece keeps into
    /// `out`. The pieces' rows go to a buffer first: one contiguous store per row in
    /// the hot loop, the scatter after it.
    #[inline(always)]
    fn run<L, A>(&self, lanes: &L, window: &Window, mp: usize, acc: &mut A, out: &mut [f64])
    where
        L: Lane<Row = [f64; LANES]>,
        A: Accumulator<L>,
    {
        let mut rows = vec![[f64::NAN; LANES]; lanes.len()];
        run(lanes, window, mp, acc, |r, row| rows[r] = row);
        for (k, (piece, keep)) in self.pieces.iter().zip(&self.keep).enumerate() {
            let kept = keep.start - piece.start..keep.end - piece.start;
            for (dest, row) in out[keep.clone()].iter_mut().zip(&rows[kept]) {
                *dest = row[k];
            }
        }
    }
}

/// Define a moment kernel compiled twice: for AVX2, chosen at run time where the CPU
/// has it (the four lanes then fill one 256-bit register instead of two 128-bit
/// halves), and as built. Both do the same IEEE operations (Rust never fuses a
/// multiply and an add), so a result's bits do not depend on the CPU. The body is
/// an `#[inline(always)]` function so that each twin compiles it with its own
/// target features.
macro_rules! with_avx2_twin {
    ($(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $body:block) => {
        $(#[$doc])*
        fn $name($($arg: $ty),*) {
            #[inline(always)]
            fn body($($arg: $ty),*) $body
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx2")]
            unsafe fn avx2($($arg: $ty),*) {
                body($($arg),*)
            }
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU has AVX2, checked just above.
                return unsafe { avx2($($arg),*) };
            }
            body($($arg),*)
        }
    };
}

with_avx2_twin! {
    /// Moments of [`LANES`] columns in lockstep, column k into `outs[k]`.
    fn moments_of_group(
        output: MomentOutput,
        window: &Window,
        mp: usize,
        lanes: [&[f64]; LANES],
        outs: &mut [&mut [f64]],
    ) {
        let mut acc = Moments::<LANES>::new(output, mp);
        run(&Columns(lanes), window, mp, &mut acc, |i, row| {
            outs.iter_mut().zip(row).for_each(|(d, v)| d[i] = v)
        });
    }
}

with_avx2_twin! {
    /// Push lanes `first..first + LANES` of every row of `values` (rows of `lanes`
    /// values) into `moments`, one group at a time so that its state stays in
    /// registers across the rows. Lanes past `lanes` read NaN, which changes nothing.
    fn push_rows(moments: &mut Moments<LANES>, values: &[f64], lanes: usize, first: usize) {
        let mut group = moments.clone();
        for row in values.chunks_exact(lanes) {
            group.push_row(lanes_of!(LANES, k => row.get(first + k).copied().unwrap_or(f64::NAN)));
        }
        *moments = group;
    }
}

with_avx2_twin! {
    /// Moments of one lane: a long lane with a short window as a [`Split`] in lockstep.
    fn moments_of_lane(
        output: MomentOutput,
        window: &Window,
        mp: usize,
        x: &[f64],
        out: &mut [f64],
    ) {
        match Split::of(window, x.len()) {
            Some(split) => {
                let lanes = Columns(split.pieces.clone().map(|r| &x[r]));
                split.run(&lanes, window, mp, &mut Moments::new(output, mp), out);
            }
            None => {
                let mut acc = Moments::<1>::new(output, mp);
                run(&Columns([x]), window, mp, &mut acc, |i, [v]| out[i] = v);
            }
        }
    }
}

with_avx2_twin! {
    /// Co-moments of [`LANES`] pairs of columns in lockstep, pair k into `outs[k]`.
    fn co_moments_of_group(
        output: CoMomentOutput,
        window: &Window,
        mp: usize,
        ys: [&[f64]; LANES],
        xs: [&[f64]; LANES],
        outs: &mut [&mut [f64]],
    ) {
        let mut acc = CoMoments::<LANES>::new(output, mp);
        run(&PairColumns { y: ys, x: xs }, window, mp, &mut acc, |i, row| {
            outs.iter_mut().zip(row).for_each(|(d, v)| d[i] = v)
        });
    }
}

with_avx2_twin! {
    /// Co-moments of one pair of lanes, a long one as a [`Split`] in lockstep.
    fn co_moments_of_lane(
        output: CoMomentOutput,
        window: &Window,
        mp: usize,
        y: &[f64],
        x: &[f64],
        out: &mut [f64],
    ) {
        match Split::of(window, y.len()) {
            Some(split) => {
                let lanes = PairColumns {
                    y: split.pieces.clone().map(|r| &y[r]),
                    x: split.pieces.clone().map(|r| &x[r]),
                };
                split.run(&lanes, window, mp, &mut CoMoments::new(output, mp), out);
            }
            None => {
                let lanes = PairColumns { y: [y], x: [x] };
                let mut acc = CoMoments::<1>::new(output, mp);
                run(&lanes, window, mp, &mut acc, |i, [v]| out[i] = v);
            }
        }
    }
}

/// `stat` over one whole lane with the window engine; moments of a long lane with a
/// short window run as a [`Split`] in lockstep.
fn run_stat(stat: Stat, window: &Window, mp: usize, x: &[f64], out: &mut [f64]) {
    if let Some(output) = moment_output(stat) {
        return moments_of_lane(output, window, mp, x, out);
    }
    let emit = |i: usize, v: f64| out[i] = v;
    match stat {
        Stat::Count => {
            // Count is a sum of validity flags; no accumulator needed beyond the engine's.
            let flags: Vec<f64> = x
                .iter()
                .map(|v| if v.is_nan() { f64::NAN } else { 1.0 })
                .collect();
            let mut acc = Moments::<1>::new(MomentOutput::Sum, mp);
            run(&Columns([&flags]), window, mp, &mut acc, |i, [v]| {
                out[i] = v
            });
        }
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
        // Moments returned above.
        Stat::Sum | Stat::Mean | Stat::Var { .. } | Stat::Std { .. } | Stat::Zscore { .. } => {}
    }
}

/// The power of two that brings a lane's largest finite magnitude to about 1 when
/// its squares would leave the range of f64 (|x| beyond 1e±150), else 0. Values
/// 1e150 times smaller than the lane's largest still square to zero: a limit of
/// f64 sums of squares, documented in the README.
fn squaring_exponent(x: &[f64]) -> i32 {
    exponent_for_largest(
        x.iter()
            .filter(|v| v.is_finite())
            .fold(0.0f64, |m, v| m.max(v.abs())),
    )
}

/// [`squaring_exponent`] of a lane whose largest finite magnitude is `largest`.
fn exponent_for_largest(largest: f64) -> i32 {
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
/// One pass of the same compensated moments the window engine uses, every lane's
/// accumulator advancing with each observation (so memory streams and one lane's
/// sums never wait on another's), then one selection per order statistic and
/// lane, not a sort. Each lane gets exactly what it would get alone.
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
    let squares = stats
        .iter()
        .any(|s| matches!(s, Stat::Var { .. } | Stat::Std { .. } | Stat::Zscore { .. }));
    if !squares {
        return reduce_lanes_unscaled(values, lanes, stats, out, scratch);
    }
    let mut largest = vec![0.0f64; lanes];
    for row in values.chunks_exact(lanes) {
        for (m, v) in largest.iter_mut().zip(row) {
            if v.is_finite() {
                *m = m.max(v.abs());
            }
        }
    }
    let exponents: Vec<i32> = largest.into_iter().map(exponent_for_largest).collect();
    if exponents.iter().all(|e| *e == 0) {
        return reduce_lanes_unscaled(values, lanes, stats, out, scratch);
    }
    // As in `RollingSpec::apply`: squares of some lane would leave f64's range;
    // compute on each lane scaled by its 2^exponent (exact) and scale each result
    // back by the power of x's unit it carries.
    let scaled: Vec<f64> = values
        .chunks_exact(lanes)
        .flat_map(|row| row.iter().zip(&exponents).map(|(v, e)| scale(*v, *e)))
        .collect();
    reduce_lanes_unscaled(&scaled, lanes, stats, out, scratch);
    for (results, stat) in out.chunks_exact_mut(lanes).zip(stats) {
        let power = match stat {
            Stat::Count | Stat::Zscore { .. } | Stat::PercentileRank => 0,
            Stat::Var { .. } => 2,
            _ => 1,
        };
        for (value, exponent) in results.iter_mut().zip(&exponents) {
            *value = scale(*value, -power * exponent);
        }
    }
}

fn reduce_lanes_unscaled(
    values: &[f64],
    lanes: usize,
    stats: &[Stat],
    out: &mut [f64],
    scratch: &mut Vec<f64>,
) {
    // Squares only when a statistic needs them (see `Moments::add`).
    let squares = stats
        .iter()
        .any(|s| matches!(s, Stat::Var { .. } | Stat::Std { .. } | Stat::Zscore { .. }));
    let output = if squares {
        MomentOutput::Var { ddof: 0 }
    } else {
        MomentOutput::Sum
    };
    // Every lane's moments, LANES lanes per accumulator in lockstep.
    let moments: Vec<Moments<LANES>> = (0..lanes.div_ceil(LANES))
        .map(|g| {
            let mut moments = Moments::new(output, 0);
            push_rows(&mut moments, values, lanes, g * LANES);
            moments
        })
        .collect();
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
        let (moments, lane, count) = (&moments[i / LANES], i % LANES, counts[i] as usize);
        for (k, stat) in stats.iter().enumerate() {
            out[k * lanes + i] = match *stat {
                Stat::Count => count as f64,
                Stat::Sum => moments.evaluate(MomentOutput::Sum, lane, newest),
                Stat::Mean => moments.evaluate(MomentOutput::Mean, lane, newest),
                Stat::Var { ddof } => moments.evaluate(MomentOutput::Var { ddof }, lane, newest),
                Stat::Std { ddof } => moments.evaluate(MomentOutput::Std { ddof }, lane, newest),
                Stat::Zscore { ddof } => {
                    moments.evaluate(MomentOutput::Zscore { ddof }, lane, newest)
                }
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
        // lanes of different magnitudes (one needs rescaling for its squares), NaN,
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
    fn the_avx2_twins_give_the_baseline_bits() {
        // Groups and splits run in the AVX2 twin where the CPU has it; the engine
        // called directly here is compiled for baseline x86-64.
        let column = |c: usize| -> Vec<f64> {
            (0..40_000)
                .map(|i| match (i * 7 + c) % 101 {
                    0 => f64::NAN,
                    r => 1e9 * (c % 2) as f64 + ((i * 7919 + c) % 1013) as f64 / r as f64,
                })
                .collect()
        };
        let same = |a: &[f64], b: &[f64]| {
            a.iter()
                .zip(b)
                .all(|(a, b)| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()))
        };
        let columns: Vec<Vec<f64>> = (0..5).map(column).collect();
        let lanes: Vec<&[f64]> = columns.iter().map(|c| c.as_slice()).collect();
        let window = Window::Rows(30);
        let spec = RollingSpec::new(window, 10, 40_000).unwrap();
        let split = Split::of(&window, 40_000).unwrap();
        for stat in [Stat::Mean, Stat::Std { ddof: 1 }, Stat::Zscore { ddof: 0 }] {
            let output = moment_output(stat).unwrap();
            let mut outs = vec![vec![0.0; 40_000]; 5];
            let mut dests: Vec<&mut [f64]> = outs.iter_mut().map(|o| o.as_mut_slice()).collect();
            // Four columns in a group, the fifth alone (split in four pieces).
            spec.apply_columns(stat, &lanes, &mut dests);
            for (lane, got) in lanes.iter().zip(&outs).take(LANES) {
                let mut stepped = vec![0.0; lane.len()];
                let mut acc = Moments::<1>::new(output, 10);
                run(&Columns([*lane]), &window, 10, &mut acc, |i, [v]| {
                    stepped[i] = v
                });
                assert!(same(got, &stepped), "{stat:?}");
            }
            let mut pieces = vec![0.0; 40_000];
            let lane = Columns(split.pieces.clone().map(|r| &lanes[4][r]));
            split.run(
                &lane,
                &window,
                10,
                &mut Moments::new(output, 10),
                &mut pieces,
            );
            assert!(same(&outs[4], &pieces), "{stat:?} split");
        }
        let (y, x) = (lanes[0], lanes[1]);
        let mut out = vec![0.0; 40_000];
        spec.apply_pair(PairStat::Corr, y, x, &mut out);
        let mut pieces = vec![0.0; 40_000];
        let lane = PairColumns {
            y: split.pieces.clone().map(|r| &y[r]),
            x: split.pieces.clone().map(|r| &x[r]),
        };
        split.run(
            &lane,
            &window,
            10,
            &mut CoMoments::new(CoMomentOutput::Corr, 10),
            &mut pieces,
        );
        assert!(same(&out, &pieces), "corr split");
    }

    #[test]
    fn count_counts_non_nan() {
        let out = rolling(&[1.0, f64::NAN, 3.0], Window::Rows(2), 0, Stat::Count).unwrap();
        assert_eq!(out, vec![1.0, 1.0, 1.0]);
    }
}
