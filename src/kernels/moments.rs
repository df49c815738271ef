//! Anchored, compensated moments: the accumulators behind sum, mean, var, std,
//! zscore ([`Moments`]) and cov, corr, beta ([`CoMoments`]).
//!
//! Exactness, and why. Running sums of `x` lose everything when the data sit far
//! from zero (`1e9 + noise`: `sum(x^2) - sum(x)^2/n` cancels ~18 digits) or after a
//! level shift (a window that has left the old level still carries the rounding
//! error of the big terms it subtracted). So moments are sums of `x - anchor`,
//! where the anchor is a value of the window, re-chosen (the newest value, the sums
//! rebuilt from the window itself) only when it has drifted from the window's data:
//! when the centred part of the sum of squares, n·S2 - S1², falls below S1²/16. The
//! cancellation in `S2 - S1²/n` then never costs more than ~33 ulps, while
//! stationary data never pay for a rebuild; a level shift or a departing outlier
//! triggers one. So does a window whose sum of squares collapses far below the
//! largest square added since its last rebuild (tiny values left behind by huge
//! ones would otherwise be measured from the huge ones' rounding residue). An
//! emptied window forgets its anchor. The sums are compensated
//! (TwoSum), so the terms a pop subtracts cancel exactly what their push added. A
//! window of identical values is detected (as pandas does) and gives a variance of
//! exactly 0 and a mean of exactly that value. Infinite values are counted apart so
//! that they never poison the finite sums. Tests:
//! `tests/test_rolling.py::test_std_offset_1e9`, `::test_level_shift_1e9`,
//! `::test_constant_window_std_is_exactly_zero` and the unit tests below.
//!
//! Speed, and how. Both accumulators keep `K` lanes (columns) side by side and are
//! driven by the window engine over [`Columns`]/[`PairColumns`]: every update is
//! written without branches on the data (a NaN adds an exact zero, a lane that
//! has no anchor yet takes the value) so the compiler turns the `K` lanes into SIMD
//! and the `K` dependency chains of the compensated sums overlap. Each lane keeps
//! its own anchor, counts and rebuilds, so a column's result does not depend on
//! which other columns share its group: `K = 1` is the plain scalar accumulator
//! (which takes cheap predictable branches where `K` lanes take selects). Past the
//! first rows of a row-count window, [`Accumulator::slide`] runs the steady state
//! (one finite value leaves and one enters each lane) on copies of the state held
//! in registers, and hands any other row to the same per-lane steps. Results are
//! bit for bit those of one column stepped row by row (tested below).

use crate::kernels::window::{each_lane, lanes_of, Accumulator, Columns, Lane, PairColumns};
use std::ops::Range;

/// `K` compensated sums side by side: `sum + compensation` carries the low-order
/// bits that plain addition drops, so adding a term and later adding its negation
/// cancels exactly even when the running total is far larger than what remains.
#[derive(Clone, Copy, Debug)]
struct CompensatedSums<const K: usize> {
    sum: [f64; K],
    compensation: [f64; K],
    /// The largest term `add_square` has added since the lane was cleared: the
    /// scale of the rounding that cancelled terms leave behind (see [`drifted`]).
    peak: [f64; K],
}

impl<const K: usize> CompensatedSums<K> {
    const ZERO: Self = CompensatedSums {
        sum: [0.0; K],
        compensation: [0.0; K],
        peak: [0.0; K],
    };

    #[inline(always)]
    fn add(&mut self, k: usize, x: f64) {
        // Knuth's TwoSum: the exact rounding error of `sum + x` without the branch
        // of Neumaier's form, which mispredicts on data of mixed magnitudes. Adding
        // 0.0 (a NaN row) leaves both parts unchanged.
        let sum = self.sum[k];
        let t = sum + x;
        let x_part = t - sum;
        let error = (sum - (t - x_part)) + (x - x_part);
        self.compensation[k] += error;
        self.sum[k] = t;
    }

    /// [`add`](Self::add) a square (negative when removed), keeping the peak.
    #[inline(always)]
    fn add_square(&mut self, k: usize, x: f64) {
        self.add(k, x);
        self.peak[k] = self.peak[k].max(x);
    }

    #[inline(always)]
    fn total(&self, k: usize) -> f64 {
        self.sum[k] + self.compensation[k]
    }

    /// Zero lane `k` where `empty`, as a select.
    #[inline(always)]
    fn clear_if(&mut self, k: usize, empty: bool) {
        self.sum[k] = if empty { 0.0 } else { self.sum[k] };
        self.compensation[k] = if empty { 0.0 } else { self.compensation[k] };
        self.peak[k] = if empty { 0.0 } else { self.peak[k] };
    }

    #[inline(always)]
    fn clear(&mut self, k: usize) {
        self.sum[k] = 0.0;
        self.compensation[k] = 0.0;
        self.peak[k] = 0.0;
    }
}

/// Per lane, how many of the newest observations are identical: a window whose
/// count does not exceed it holds one repeated value (then variance is exactly 0,
/// as in pandas).
#[derive(Clone, Copy, Debug)]
struct Runs<const K: usize> {
    value: [f64; K],
    len: [f64; K],
}

impl<const K: usize> Runs<K> {
    const EMPTY: Self = Runs {
        value: [0.0; K],
        len: [0.0; K],
    };

    /// Extend lane `k`'s run with `x` when `counts` (a non-NaN observation).
    #[inline(always)]
    fn push(&mut self, k: usize, x: f64, counts: bool) {
        // Numeric, not bitwise, equality: 0.0 and -0.0 are one value; the run keeps
        // its first spelling.
        let same = (self.len[k] > 0.0) & (x == self.value[k]);
        let len = if same { self.len[k] + 1.0 } else { 1.0 };
        self.len[k] = if counts { len } else { self.len[k] };
        self.value[k] = if counts & !same { x } else { self.value[k] };
    }

    #[inline(always)]
    fn covers(&self, k: usize, count: f64) -> bool {
        (count > 0.0) & (self.len[k] >= count)
    }
}

/// How far a window's sum of squares may fall below the largest square added since
/// its last rebuild: compensated sums leave about 2^-100 of the terms they cancel,
/// so below 2^-60 of them the window's own spread would no longer be exact.
const COLLAPSE: f64 = 1.0 / (1u64 << 60) as f64;

/// Whether a window's sums must be rebuilt: the anchor has drifted from the `n`
/// values it measures (their anchored sum `s1` and sum of squares `s2` satisfy
/// 17·s1² > 16·n·s2, i.e. the squared distance from the anchor to their mean exceeds
/// 16 times their variance; module docs), or `s2` has collapsed far below `peak`,
/// the largest square added since the last rebuild (values far larger than the
/// window's have left it, e.g. 1e5 leaving a window of 1e-45 and 0).
#[inline(always)]
fn drifted(n: f64, s1: f64, s2: f64, peak: f64) -> bool {
    (17.0 * s1 * s1 > 16.0 * n * s2) | (s2 < peak * COLLAPSE)
}

/// What a [`Moments`] accumulator reports.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MomentOutput {
    Sum,
    Mean,
    Var {
        ddof: usize,
    },
    Std {
        ddof: usize,
    },
    /// (x_i - mean) / std, the window including x_i.
    Zscore {
        ddof: usize,
    },
}

impl MomentOutput {
    /// Sums and means need no squares: half the work on their hot path.
    fn needs_squares(self) -> bool {
        !matches!(self, MomentOutput::Sum | MomentOutput::Mean)
    }
}

/// Anchored, compensated first and second moments of `K` series (module docs).
#[derive(Clone, Debug)]
pub struct Moments<const K: usize> {
    output: MomentOutput,
    min_periods: f64,
    /// NaN until a lane's first finite value, and again once its window empties.
    anchor: [f64; K],
    /// Set by a pop that left the anchor far from the window's data.
    drifted: [bool; K],
    sum: CompensatedSums<K>,
    sum_sq: CompensatedSums<K>,
    finite: [f64; K],
    pos_inf: [f64; K],
    neg_inf: [f64; K],
    run: Runs<K>,
}

impl<const K: usize> Moments<K> {
    /// Report `output` where a lane holds at least `min_periods` observations.
    pub fn new(output: MomentOutput, min_periods: usize) -> Self {
        Moments {
            output,
            min_periods: min_periods as f64,
            anchor: [f64::NAN; K],
            drifted: [false; K],
            sum: CompensatedSums::ZERO,
            sum_sq: CompensatedSums::ZERO,
            finite: [0.0; K],
            pos_inf: [0.0; K],
            neg_inf: [0.0; K],
            run: Runs::EMPTY,
        }
    }

    /// Add (`sign` 1) or remove (-1) `x` in lane `k` (its square only when
    /// `squares`); NaN changes nothing. Selects, not branches: see the module docs.
    #[inline(always)]
    fn add(&mut self, k: usize, x: f64, sign: f64, squares: bool) {
        let finite = x.is_finite();
        if K == 1 && !finite {
            // One lane: a predictable branch beats the selects (same sums: a NaN or
            // an infinity adds nothing to them).
            self.pos_inf[k] += if x == f64::INFINITY { sign } else { 0.0 };
            self.neg_inf[k] += if x == f64::NEG_INFINITY { sign } else { 0.0 };
            return;
        }
        self.anchor[k] = if finite & self.anchor[k].is_nan() {
            x
        } else {
            self.anchor[k]
        };
        let d = if finite { x - self.anchor[k] } else { 0.0 };
        let signed = sign * d;
        self.sum.add(k, signed);
        if squares {
            self.sum_sq.add_square(k, signed * d);
        }
        self.finite[k] += if finite { sign } else { 0.0 };
        if K > 1 {
            self.pos_inf[k] += if x == f64::INFINITY { sign } else { 0.0 };
            self.neg_inf[k] += if x == f64::NEG_INFINITY { sign } else { 0.0 };
        }
    }

    /// Push one value into each lane (NaN: none).
    #[inline(always)]
    pub fn push_row(&mut self, x: [f64; K]) {
        // One branch per row, not per lane, so each lane's update is straight-line.
        if self.output.needs_squares() {
            each_lane!(K, k => {
                self.add(k, x[k], 1.0, true);
                self.run.push(k, x[k], !x[k].is_nan());
            });
        } else {
            each_lane!(K, k => {
                self.add(k, x[k], 1.0, false);
                self.run.push(k, x[k], !x[k].is_nan());
            });
        }
    }

    #[inline(always)]
    fn pop_lane(&mut self, k: usize, x: f64, squares: bool) {
        self.add(k, x, -1.0, squares);
        // An empty window measures the next values from the next value.
        let empty = self.finite[k] == 0.0;
        if K == 1 && !empty {
            // One lane: branches, as in `add`.
            if squares && !x.is_nan() {
                self.drifted[k] = drifted(
                    self.finite[k],
                    self.sum.total(k),
                    self.sum_sq.total(k),
                    self.sum_sq.peak[k],
                );
            }
            return;
        }
        self.anchor[k] = if empty { f64::NAN } else { self.anchor[k] };
        self.sum.clear_if(k, empty);
        if squares {
            self.sum_sq.clear_if(k, empty);
            let drift = drifted(
                self.finite[k],
                self.sum.total(k),
                self.sum_sq.total(k),
                self.sum_sq.peak[k],
            );
            let measured = !empty & !x.is_nan();
            self.drifted[k] = if measured { drift } else { self.drifted[k] };
        }
    }

    /// Rebuild lane `k` from `column[start..now]`, anchored on the newest finite
    /// value of `column[start..=now]` (none: the next pushed).
    fn rebuild_lane(&mut self, k: usize, column: &[f64], start: usize, now: usize) {
        self.drifted[k] = false;
        self.sum.clear(k);
        self.sum_sq.clear(k);
        self.finite[k] = 0.0;
        self.pos_inf[k] = 0.0;
        self.neg_inf[k] = 0.0;
        let last = now.min(column.len().saturating_sub(1));
        self.anchor[k] = column
            .get(start..=last)
            .and_then(|window| window.iter().rev().find(|x| x.is_finite()))
            .copied()
            .unwrap_or(f64::NAN);
        // The run needs no rebuild: it only ever compares with the window's count.
        for &x in column.get(start..now).unwrap_or(&[]) {
            self.add(k, x, 1.0, self.output.needs_squares());
        }
    }

    /// Observations (finite or not) in lane `k`.
    #[inline(always)]
    fn count(&self, k: usize) -> f64 {
        self.finite[k] + self.pos_inf[k] + self.neg_inf[k]
    }

    /// What a window holding an infinity sums to: NaN with both signs.
    #[inline(always)]
    fn infinite_sum(&self, k: usize) -> f64 {
        let (pos, neg) = (self.pos_inf[k] > 0.0, self.neg_inf[k] > 0.0);
        if pos & neg {
            f64::NAN
        } else if pos {
            f64::INFINITY
        } else {
            f64::NEG_INFINITY
        }
    }

    /// `output` over lane `k`'s observations, `newest` being its last row's value.
    #[inline(always)]
    pub fn evaluate(&self, output: MomentOutput, k: usize, newest: f64) -> f64 {
        let finite = finite_value(
            output,
            self.finite[k],
            self.anchor[k],
            self.sum.total(k),
            self.sum_sq.total(k),
            self.run.covers(k, self.count(k)),
            self.run.value[k],
            newest,
        );
        let infinite = match output {
            MomentOutput::Sum | MomentOutput::Mean => self.infinite_sum(k),
            _ => f64::NAN,
        };
        if self.pos_inf[k] + self.neg_inf[k] > 0.0 {
            infinite
        } else {
            finite
        }
    }
}

/// `output` of a window of `n` finite values anchored at `anchor`, with anchored
/// sums `s1` and `s2`; `flat` when they all equal `run_value`; `newest` is the last
/// row's value. Every case is computed and the right one selected, so that lanes
/// vectorise.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn finite_value(
    output: MomentOutput,
    n: f64,
    anchor: f64,
    s1: f64,
    s2: f64,
    flat: bool,
    run_value: f64,
    newest: f64,
) -> f64 {
    // (mean - anchor), the centre in anchored units; a closure so that outputs
    // without it do not pay its division.
    let centred_mean = || s1 / n;
    let var = |ddof: usize| {
        let ddof = ddof as f64;
        let var = ((s2 - s1 * s1 / n) / (n - ddof)).max(0.0);
        let var = if flat { 0.0 } else { var };
        if n <= ddof {
            f64::NAN
        } else {
            var
        }
    };
    match output {
        MomentOutput::Sum => {
            let sum = if anchor.is_nan() {
                0.0
            } else {
                anchor * n + s1
            };
            if flat {
                run_value * n
            } else {
                sum
            }
        }
        MomentOutput::Mean => {
            let mean = if flat {
                run_value
            } else {
                anchor + centred_mean()
            };
            if n == 0.0 {
                f64::NAN
            } else {
                mean
            }
        }
        MomentOutput::Var { ddof } => var(ddof),
        MomentOutput::Std { ddof } => var(ddof).sqrt(),
        MomentOutput::Zscore { ddof } => {
            let std = var(ddof).sqrt();
            // Centre in anchored units so a 1e9 offset costs no digits.
            let z = ((newest - anchor) - centred_mean()) / std;
            if !newest.is_finite() | std.is_nan() | (std <= 0.0) {
                f64::NAN
            } else {
                z
            }
        }
    }
}

impl<const K: usize> Moments<K> {
    /// [`Accumulator::slide`] for one `output` (whose squares `SQUARES` says).
    #[inline(always)]
    fn slide_as<const SQUARES: bool, E: FnMut(usize, [f64; K])>(
        &mut self,
        output: MomentOutput,
        lanes: &Columns<'_, K>,
        w: usize,
        rows: Range<usize>,
        emit: &mut E,
    ) {
        let len = lanes.len();
        let min_periods = self.min_periods;
        // The steady state of finite data, on local copies of the state that never
        // escape (so they live in registers): one value leaves and one enters each
        // lane, counts and anchors stay, no infinity is in any window. Any other row
        // takes the general per-lane steps on `self` (same operations, same bits).
        let reload = |m: &Moments<K>, no_infinity: &mut [bool; K]| {
            *no_infinity = std::array::from_fn(|k| m.pos_inf[k] + m.neg_inf[k] == 0.0);
            (m.anchor, m.sum, m.sum_sq, m.run)
        };
        let mut no_infinity = [false; K];
        let (mut anchor, mut sum, mut sum_sq, mut run) = reload(self, &mut no_infinity);
        let mut finite = self.finite;
        for i in rows {
            let leaving = lanes.obs(i - w);
            let entering = lanes.obs(i);
            let mut steady = true;
            for k in 0..K {
                steady &= leaving[k].is_finite()
                    & entering[k].is_finite()
                    & (finite[k] >= 2.0)
                    & no_infinity[k];
            }
            if !steady {
                (self.anchor, self.sum, self.sum_sq, self.run) = (anchor, sum, sum_sq, run);
                Accumulator::<Columns<'_, K>>::pop(self, i - w, leaving);
                if self.drifted.contains(&true) {
                    self.reset(lanes, i + 1 - w, i, len);
                }
                Accumulator::<Columns<'_, K>>::push(self, i, entering);
                emit(i, Accumulator::<Columns<'_, K>>::value(self, 0, entering));
                (anchor, sum, sum_sq, run) = reload(self, &mut no_infinity);
                finite = self.finite;
                continue;
            }
            for k in 0..K {
                let d = leaving[k] - anchor[k];
                let signed = -d;
                sum.add(k, signed);
                if SQUARES {
                    sum_sq.add_square(k, signed * d);
                }
            }
            if SQUARES {
                // Measured, as `pop_lane` does, on the window without the leaving value.
                let mut drift = [false; K];
                for k in 0..K {
                    drift[k] = drifted(
                        finite[k] - 1.0,
                        sum.total(k),
                        sum_sq.total(k),
                        sum_sq.peak[k],
                    );
                }
                if drift.contains(&true) {
                    (self.anchor, self.sum, self.sum_sq, self.run) = (anchor, sum, sum_sq, run);
                    self.finite = finite.map(|n| n - 1.0);
                    self.drifted = drift;
                    self.reset(lanes, i + 1 - w, i, len);
                    (anchor, sum, sum_sq, run) = reload(self, &mut no_infinity);
                    // The entering value is counted below, as in the steady state.
                    finite = self.finite.map(|n| n + 1.0);
                    self.finite = finite;
                }
            }
            let mut row = [0.0; K];
            for k in 0..K {
                let x = entering[k];
                let d = x - anchor[k];
                sum.add(k, d);
                if SQUARES {
                    sum_sq.add_square(k, d * d);
                }
                run.push(k, x, true);
                let value = finite_value(
                    output,
                    finite[k],
                    anchor[k],
                    sum.total(k),
                    sum_sq.total(k),
                    run.covers(k, finite[k]),
                    run.value[k],
                    x,
                );
                row[k] = if finite[k] >= min_periods {
                    value
                } else {
                    f64::NAN
                };
            }
            emit(i, row);
        }
        (self.anchor, self.sum, self.sum_sq, self.run) = (anchor, sum, sum_sq, run);
    }
}

impl<'a, const K: usize> Accumulator<Columns<'a, K>> for Moments<K> {
    fn rebuild_every(&self, _max_rows: usize) -> Option<usize> {
        None
    }

    /// Rebuild the lanes whose anchor drifted (the only reason the engine asks).
    fn reset(&mut self, lanes: &Columns<'a, K>, start: usize, now: usize, _end: usize) {
        for k in 0..K {
            if self.drifted[k] {
                self.rebuild_lane(k, lanes.0[k], start, now);
            }
        }
    }

    #[inline(always)]
    fn push(&mut self, _row: usize, x: [f64; K]) {
        self.push_row(x);
    }

    #[inline(always)]
    fn pop(&mut self, _row: usize, x: [f64; K]) {
        if self.output.needs_squares() {
            each_lane!(K, k => self.pop_lane(k, x[k], true));
        } else {
            each_lane!(K, k => self.pop_lane(k, x[k], false));
        }
    }

    fn wants_rebuild(&self) -> bool {
        self.drifted.contains(&true)
    }

    #[inline(always)]
    fn slide<E: FnMut(usize, [f64; K])>(
        &mut self,
        lanes: &Columns<'a, K>,
        w: usize,
        rows: Range<usize>,
        emit: &mut E,
    ) -> bool {
        // One loop per output, so that neither the output nor the squares are
        // decided per row.
        match self.output {
            MomentOutput::Sum => self.slide_as::<false, E>(MomentOutput::Sum, lanes, w, rows, emit),
            MomentOutput::Mean => {
                self.slide_as::<false, E>(MomentOutput::Mean, lanes, w, rows, emit)
            }
            MomentOutput::Var { ddof } => {
                self.slide_as::<true, E>(MomentOutput::Var { ddof }, lanes, w, rows, emit)
            }
            MomentOutput::Std { ddof } => {
                self.slide_as::<true, E>(MomentOutput::Std { ddof }, lanes, w, rows, emit)
            }
            MomentOutput::Zscore { ddof } => {
                self.slide_as::<true, E>(MomentOutput::Zscore { ddof }, lanes, w, rows, emit)
            }
        }
        true
    }

    #[inline(always)]
    fn value(&mut self, _rows: usize, newest: [f64; K]) -> [f64; K] {
        let output = self.output;
        lanes_of!(K, k => {
            let value = self.evaluate(output, k, newest[k]);
            if self.count(k) >= self.min_periods {
                value
            } else {
                f64::NAN
            }
        })
    }
}

impl Moments<1> {
    /// One series' moments as a part of another accumulator on a plain lane (the
    /// engine applies min_periods to the whole).
    pub fn single(output: MomentOutput) -> Self {
        Moments::new(output, 0)
    }
}

/// One series as a plain lane: what accumulators composed of others (e.g.
/// [`Standardised`](crate::kernels::window::Standardised)) drive.
impl<'a> Accumulator<&'a [f64]> for Moments<1> {
    fn rebuild_every(&self, _max_rows: usize) -> Option<usize> {
        None
    }

    fn reset(&mut self, lane: &&'a [f64], start: usize, now: usize, end: usize) {
        Accumulator::<Columns<'a, 1>>::reset(self, &Columns([*lane]), start, now, end);
    }

    #[inline(always)]
    fn push(&mut self, row: usize, x: f64) {
        Accumulator::<Columns<'a, 1>>::push(self, row, [x]);
    }

    #[inline(always)]
    fn pop(&mut self, row: usize, x: f64) {
        Accumulator::<Columns<'a, 1>>::pop(self, row, [x]);
    }

    fn wants_rebuild(&self) -> bool {
        self.drifted[0]
    }

    #[inline(always)]
    fn value(&mut self, count: usize, newest: f64) -> f64 {
        let [value] = Accumulator::<Columns<'a, 1>>::value(self, count, [newest]);
        value
    }
}

/// What a [`CoMoments`] accumulator reports.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CoMomentOutput {
    Cov {
        ddof: usize,
    },
    Corr,
    /// Slope of y on x: cov(y, x) / var(x).
    Beta,
}

/// Anchored, compensated co-moments of `K` pairs (y, x): the two-series sibling of
/// [`Moments`], with the same anchoring and constant-window rules per series. A row
/// counts in a lane where neither y nor x is NaN.
#[derive(Clone, Debug)]
pub struct CoMoments<const K: usize> {
    output: CoMomentOutput,
    min_periods: f64,
    /// NaN until a lane's first finite pair, and again once its window empties.
    anchor_y: [f64; K],
    anchor_x: [f64; K],
    finite: [f64; K],
    /// Pairs with an infinite member.
    infinite: [f64; K],
    drifted: [bool; K],
    sum_y: CompensatedSums<K>,
    sum_x: CompensatedSums<K>,
    sum_yy: CompensatedSums<K>,
    sum_xx: CompensatedSums<K>,
    sum_xy: CompensatedSums<K>,
    run_y: Runs<K>,
    run_x: Runs<K>,
}

impl<const K: usize> CoMoments<K> {
    pub fn new(output: CoMomentOutput, min_periods: usize) -> Self {
        CoMoments {
            output,
            min_periods: min_periods as f64,
            anchor_y: [f64::NAN; K],
            anchor_x: [f64::NAN; K],
            finite: [0.0; K],
            infinite: [0.0; K],
            drifted: [false; K],
            sum_y: CompensatedSums::ZERO,
            sum_x: CompensatedSums::ZERO,
            sum_yy: CompensatedSums::ZERO,
            sum_xx: CompensatedSums::ZERO,
            sum_xy: CompensatedSums::ZERO,
            run_y: Runs::EMPTY,
            run_x: Runs::EMPTY,
        }
    }

    /// Add (`sign` 1) or remove (-1) the pair (y, x) in lane `k`; a pair with a NaN
    /// changes nothing.
    #[inline(always)]
    fn add(&mut self, k: usize, y: f64, x: f64, sign: f64) {
        let counts = !y.is_nan() & !x.is_nan();
        let finite = y.is_finite() & x.is_finite();
        let take = finite & self.anchor_y[k].is_nan();
        self.anchor_y[k] = if take { y } else { self.anchor_y[k] };
        self.anchor_x[k] = if take { x } else { self.anchor_x[k] };
        self.infinite[k] += if counts & !finite { sign } else { 0.0 };
        self.finite[k] += if finite { sign } else { 0.0 };
        let dy = if finite { y - self.anchor_y[k] } else { 0.0 };
        let dx = if finite { x - self.anchor_x[k] } else { 0.0 };
        let (signed_y, signed_x) = (sign * dy, sign * dx);
        self.sum_y.add(k, signed_y);
        self.sum_x.add(k, signed_x);
        self.sum_yy.add_square(k, signed_y * dy);
        self.sum_xx.add_square(k, signed_x * dx);
        self.sum_xy.add(k, signed_x * dy);
    }

    #[inline(always)]
    fn pop_lane(&mut self, k: usize, y: f64, x: f64) {
        self.add(k, y, x, -1.0);
        let empty = self.finite[k] == 0.0;
        self.anchor_y[k] = if empty { f64::NAN } else { self.anchor_y[k] };
        self.anchor_x[k] = if empty { f64::NAN } else { self.anchor_x[k] };
        for sums in [
            &mut self.sum_y,
            &mut self.sum_x,
            &mut self.sum_yy,
            &mut self.sum_xx,
            &mut self.sum_xy,
        ] {
            sums.clear_if(k, empty);
        }
        let n = self.finite[k];
        let drift = drifted(
            n,
            self.sum_y.total(k),
            self.sum_yy.total(k),
            self.sum_yy.peak[k],
        ) | drifted(
            n,
            self.sum_x.total(k),
            self.sum_xx.total(k),
            self.sum_xx.peak[k],
        );
        let measured = !empty & !y.is_nan() & !x.is_nan();
        self.drifted[k] = if empty {
            false
        } else if measured {
            drift
        } else {
            self.drifted[k]
        };
    }

    /// Rebuild lane `k` from rows `start..now`, anchored on the newest finite pair
    /// of rows `start..=now`.
    fn rebuild_lane(&mut self, k: usize, y: &[f64], x: &[f64], start: usize, now: usize) {
        self.drifted[k] = false;
        self.finite[k] = 0.0;
        self.infinite[k] = 0.0;
        for sums in [
            &mut self.sum_y,
            &mut self.sum_x,
            &mut self.sum_yy,
            &mut self.sum_xx,
            &mut self.sum_xy,
        ] {
            sums.clear(k);
        }
        let last = now.min(y.len().min(x.len()).saturating_sub(1));
        let anchor = (start..=last)
            .rev()
            .map(|j| (y[j], x[j]))
            .find(|(yj, xj)| yj.is_finite() && xj.is_finite());
        (self.anchor_y[k], self.anchor_x[k]) = anchor.unwrap_or((f64::NAN, f64::NAN));
        for j in start..now.min(last + 1) {
            self.add(k, y[j], x[j], 1.0);
        }
    }

    #[inline(always)]
    fn evaluate(&self, k: usize) -> f64 {
        let count = self.finite[k] + self.infinite[k];
        let value = co_value(
            self.output,
            count,
            self.sums(k),
            self.run_y.covers(k, count),
            self.run_x.covers(k, count),
        );
        if (count == 0.0) | (self.infinite[k] > 0.0) {
            f64::NAN
        } else {
            value
        }
    }

    /// Lane `k`'s anchored sums (y, x, yy, xx, xy).
    #[inline(always)]
    fn sums(&self, k: usize) -> [f64; 5] {
        [
            self.sum_y.total(k),
            self.sum_x.total(k),
            self.sum_yy.total(k),
            self.sum_xx.total(k),
            self.sum_xy.total(k),
        ]
    }
}

/// `output` of `n` finite pairs with anchored sums `[y, x, yy, xx, xy]`; `flat_y` /
/// `flat_x` when all y / all x are equal (their variance is then exactly 0).
#[inline(always)]
fn co_value(output: CoMomentOutput, n: f64, sums: [f64; 5], flat_y: bool, flat_x: bool) -> f64 {
    let [sy, sx, syy, sxx, sxy] = sums;
    // Centred sums of squares and cross-products.
    let yy = if flat_y {
        0.0
    } else {
        (syy - sy * sy / n).max(0.0)
    };
    let xx = if flat_x {
        0.0
    } else {
        (sxx - sx * sx / n).max(0.0)
    };
    let xy = if (yy == 0.0) | (xx == 0.0) {
        0.0
    } else {
        sxy - sx * sy / n
    };
    match output {
        CoMomentOutput::Cov { ddof } => {
            let ddof = ddof as f64;
            if n <= ddof {
                f64::NAN
            } else {
                xy / (n - ddof)
            }
        }
        CoMomentOutput::Corr => {
            // One root of the product rounds once (a perfect fit gives exactly 1); two
            // roots only where the product would under- or overflow.
            let product = yy * xx;
            let norm = if product.is_normal() {
                product.sqrt()
            } else {
                yy.sqrt() * xx.sqrt()
            };
            if (n < 2.0) | (yy == 0.0) | (xx == 0.0) {
                f64::NAN
            } else {
                (xy / norm).clamp(-1.0, 1.0)
            }
        }
        CoMomentOutput::Beta => {
            if (n < 2.0) | (xx == 0.0) {
                f64::NAN
            } else {
                xy / xx
            }
        }
    }
}

impl<const K: usize> CoMoments<K> {
    #[inline(always)]
    fn push_lane(&mut self, k: usize, y: f64, x: f64) {
        self.add(k, y, x, 1.0);
        let counts = !y.is_nan() & !x.is_nan();
        self.run_y.push(k, y, counts);
        self.run_x.push(k, x, counts);
    }

    #[inline(always)]
    fn value_lane(&self, k: usize) -> f64 {
        let value = self.evaluate(k);
        if self.finite[k] + self.infinite[k] >= self.min_periods {
            value
        } else {
            f64::NAN
        }
    }
}

impl<'a, const K: usize> Accumulator<PairColumns<'a, K>> for CoMoments<K> {
    fn rebuild_every(&self, _max_rows: usize) -> Option<usize> {
        None
    }

    /// Rebuild the lanes whose anchor drifted (the only reason the engine asks).
    fn reset(&mut self, lanes: &PairColumns<'a, K>, start: usize, now: usize, _end: usize) {
        for k in 0..K {
            if self.drifted[k] {
                self.rebuild_lane(k, lanes.y[k], lanes.x[k], start, now);
            }
        }
    }

    #[inline(always)]
    fn push(&mut self, _row: usize, (y, x): ([f64; K], [f64; K])) {
        each_lane!(K, k => self.push_lane(k, y[k], x[k]));
    }

    #[inline(always)]
    fn pop(&mut self, _row: usize, (y, x): ([f64; K], [f64; K])) {
        each_lane!(K, k => self.pop_lane(k, y[k], x[k]));
    }

    fn wants_rebuild(&self) -> bool {
        self.drifted.contains(&true)
    }

    #[inline(always)]
    fn value(&mut self, _rows: usize, _newest: ([f64; K], [f64; K])) -> [f64; K] {
        lanes_of!(K, k => self.value_lane(k))
    }

    #[inline(always)]
    fn slide<E: FnMut(usize, [f64; K])>(
        &mut self,
        lanes: &PairColumns<'a, K>,
        w: usize,
        rows: Range<usize>,
        emit: &mut E,
    ) -> bool {
        let len = lanes.len();
        let (output, min_periods) = (self.output, self.min_periods);
        // As in `Moments::slide_as`: finite pairs on local copies of the state, any
        // other row by the general per-lane steps on `self`.
        let reload = |m: &CoMoments<K>, no_infinity: &mut [bool; K]| {
            *no_infinity = m.infinite.map(|n| n == 0.0);
            (
                (m.anchor_y, m.anchor_x),
                [m.sum_y, m.sum_x, m.sum_yy, m.sum_xx, m.sum_xy],
                (m.run_y, m.run_x),
            )
        };
        let store = |m: &mut CoMoments<K>, anchors, sums: [CompensatedSums<K>; 5], runs| {
            ((m.anchor_y, m.anchor_x), (m.run_y, m.run_x)) = (anchors, runs);
            [m.sum_y, m.sum_x, m.sum_yy, m.sum_xx, m.sum_xy] = sums;
        };
        let mut no_infinity = [false; K];
        let (mut anchors, mut sums, mut runs) = reload(self, &mut no_infinity);
        let mut finite = self.finite;
        for i in rows {
            let (leaving_y, leaving_x) = lanes.obs(i - w);
            let (entering_y, entering_x) = lanes.obs(i);
            let mut steady = true;
            for k in 0..K {
                steady &= leaving_y[k].is_finite()
                    & leaving_x[k].is_finite()
                    & entering_y[k].is_finite()
                    & entering_x[k].is_finite()
                    & (finite[k] >= 2.0)
                    & no_infinity[k];
            }
            if !steady {
                store(self, anchors, sums, runs);
                each_lane!(K, k => self.pop_lane(k, leaving_y[k], leaving_x[k]));
                if self.drifted.contains(&true) {
                    self.reset(lanes, i + 1 - w, i, len);
                }
                each_lane!(K, k => self.push_lane(k, entering_y[k], entering_x[k]));
                emit(i, lanes_of!(K, k => self.value_lane(k)));
                (anchors, sums, runs) = reload(self, &mut no_infinity);
                finite = self.finite;
                continue;
            }
            let [sum_y, sum_x, sum_yy, sum_xx, sum_xy] = &mut sums;
            for k in 0..K {
                let (dy, dx) = (leaving_y[k] - anchors.0[k], leaving_x[k] - anchors.1[k]);
                let (signed_y, signed_x) = (-dy, -dx);
                sum_y.add(k, signed_y);
                sum_x.add(k, signed_x);
                sum_yy.add_square(k, signed_y * dy);
                sum_xx.add_square(k, signed_x * dx);
                sum_xy.add(k, signed_x * dy);
            }
            // Measured, as `pop_lane` does, on the window without the leaving pair.
            let mut drift = [false; K];
            for k in 0..K {
                let n = finite[k] - 1.0;
                drift[k] = drifted(n, sum_y.total(k), sum_yy.total(k), sum_yy.peak[k])
                    | drifted(n, sum_x.total(k), sum_xx.total(k), sum_xx.peak[k]);
            }
            if drift.contains(&true) {
                store(self, anchors, sums, runs);
                self.finite = finite.map(|n| n - 1.0);
                self.drifted = drift;
                self.reset(lanes, i + 1 - w, i, len);
                (anchors, sums, runs) = reload(self, &mut no_infinity);
                // The entering pair is counted below, as in the steady state.
                finite = self.finite.map(|n| n + 1.0);
                self.finite = finite;
            }
            let [sum_y, sum_x, sum_yy, sum_xx, sum_xy] = &mut sums;
            let mut row = [0.0; K];
            for k in 0..K {
                let (y, x) = (entering_y[k], entering_x[k]);
                let (dy, dx) = (y - anchors.0[k], x - anchors.1[k]);
                sum_y.add(k, dy);
                sum_x.add(k, dx);
                sum_yy.add_square(k, dy * dy);
                sum_xx.add_square(k, dx * dx);
                sum_xy.add(k, dx * dy);
                runs.0.push(k, y, true);
                runs.1.push(k, x, true);
                let totals = [
                    sum_y.total(k),
                    sum_x.total(k),
                    sum_yy.total(k),
                    sum_xx.total(k),
                    sum_xy.total(k),
                ];
                let n = finite[k];
                let value = co_value(output, n, totals, runs.0.covers(k, n), runs.1.covers(k, n));
                row[k] = if n >= min_periods { value } else { f64::NAN };
            }
            emit(i, row);
        }
        store(self, anchors, sums, runs);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::window::tests::same;
    use crate::kernels::window::{run, Window};

    fn moments(x: &[f64], window: &Window, mp: usize, output: MomentOutput) -> Vec<f64> {
        let mut out = vec![0.0; x.len()];
        let mut acc = Moments::<1>::new(output, mp);
        run(&Columns([x]), window, mp, &mut acc, |i, [v]| out[i] = v);
        out
    }

    fn co_moments(
        y: &[f64],
        x: &[f64],
        window: &Window,
        mp: usize,
        output: CoMomentOutput,
    ) -> Vec<f64> {
        let mut out = vec![0.0; y.len()];
        let lane = PairColumns { y: [y], x: [x] };
        run(
            &lane,
            window,
            mp,
            &mut CoMoments::<1>::new(output, mp),
            |i, [v]| out[i] = v,
        );
        out
    }

    #[test]
    fn sum_and_mean_skip_nan_and_respect_min_periods() {
        static X: [f64; 5] = [1.0, f64::NAN, 3.0, 4.0, f64::NAN];
        let sums = moments(&X, &Window::Rows(2), 1, MomentOutput::Sum);
        assert!(same(&sums, &[1.0, 1.0, 3.0, 7.0, 4.0]));
        let means = moments(&X, &Window::Rows(2), 2, MomentOutput::Mean);
        assert!(same(&means, &[f64::NAN, f64::NAN, f64::NAN, 3.5, f64::NAN]));
    }

    #[test]
    fn sum_of_empty_window_is_zero_with_min_periods_zero() {
        static X: [f64; 3] = [f64::NAN, f64::NAN, 2.0];
        let sums = moments(&X, &Window::Rows(2), 0, MomentOutput::Sum);
        assert!(same(&sums, &[0.0, 0.0, 2.0]));
    }

    #[test]
    fn constant_window_has_exactly_zero_variance_after_a_shift() {
        static X: [f64; 8] = [1e9 + 0.1, 3.7, 1e9, 0.3, 0.3, 0.3, 0.3, 0.3];
        let var = moments(&X, &Window::Rows(3), 3, MomentOutput::Var { ddof: 1 });
        assert_eq!(&var[5..], &[0.0, 0.0, 0.0]);
        let mean = moments(&X, &Window::Rows(3), 3, MomentOutput::Mean);
        assert_eq!(&mean[5..], &[0.3, 0.3, 0.3]);
    }

    #[test]
    fn variance_with_a_1e9_offset_matches_two_pass() {
        let base: Vec<f64> = (0..500).map(|i| ((i * 7919) % 113) as f64 / 10.0).collect();
        let shifted: Vec<f64> = base.iter().map(|v| v + 1e9).collect();
        let out = moments(
            &shifted,
            &Window::Rows(20),
            20,
            MomentOutput::Var { ddof: 1 },
        );
        for i in 19..shifted.len() {
            let w = &shifted[i - 19..=i];
            let m = w.iter().sum::<f64>() / 20.0;
            let two_pass = w.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / 19.0;
            assert!(
                (out[i] - two_pass).abs() <= 1e-9 * two_pass,
                "row {i}: {} vs {two_pass}",
                out[i]
            );
        }
    }

    #[test]
    fn infinities_are_counted_apart() {
        static X: [f64; 4] = [1.0, f64::INFINITY, 2.0, 3.0];
        let sums = moments(&X, &Window::Rows(2), 1, MomentOutput::Sum);
        assert!(same(&sums, &[1.0, f64::INFINITY, f64::INFINITY, 5.0]));
        let var = moments(&X, &Window::Rows(2), 1, MomentOutput::Var { ddof: 1 });
        assert!(var[1].is_nan() && var[2].is_nan() && var[3] == 0.5);
    }

    #[test]
    fn duration_windows_drop_rows_at_or_before_t_minus_span() {
        let times = [0i64, 1, 2, 5, 6, 10];
        let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let window = Window::Span {
            times: &times,
            span: 3,
        };
        window.validate(6).unwrap();
        let out = moments(&x, &window, 1, MomentOutput::Sum);
        assert_eq!(out, vec![1.0, 3.0, 6.0, 4.0, 9.0, 6.0]);
        assert_eq!(window.max_rows(6), 3);
    }

    #[test]
    fn pair_statistics_skip_rows_where_either_is_nan() {
        let y = [1.0, 2.0, f64::NAN, 4.0, 5.0];
        let x = [2.0, 4.0, 6.0, f64::NAN, 10.0];
        let beta = co_moments(&y, &x, &Window::Rows(5), 2, CoMomentOutput::Beta);
        assert!(same(&beta, &[f64::NAN, 0.5, 0.5, 0.5, 0.5]));
        let corr = co_moments(&y, &x, &Window::Rows(5), 2, CoMomentOutput::Corr);
        assert!((corr[4] - 1.0).abs() < 1e-15);
    }

    /// Columns that exercise every branch of the lockstep updates: NaN runs, an
    /// infinity, a level shift of 1e9 (a rebuild), a constant stretch, empty windows.
    fn awkward_columns(rows: usize) -> Vec<Vec<f64>> {
        (0..5)
            .map(|c| {
                (0..rows)
                    .map(|i| {
                        let noise = (((i * 7919 + c * 104729) % 1013) as f64).sin();
                        match (c, i) {
                            (0, _) if i % 5 == 2 => f64::NAN,
                            (1, 40..=70) => f64::NAN,
                            (2, 33) => f64::INFINITY,
                            (2, 90) => f64::NEG_INFINITY,
                            (3, 50..=79) => 4.25,
                            (3, 80..) => 1e9 + noise,
                            (4, _) if i < 60 => 1e9 + noise,
                            _ => noise,
                        }
                    })
                    .collect()
            })
            .collect()
    }

    fn identical(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()))
    }

    /// Column `k` of lockstep rows.
    fn column(rows: &[[f64; 4]], k: usize) -> Vec<f64> {
        rows.iter().map(|row| row[k]).collect()
    }

    #[test]
    fn lockstep_lanes_and_the_steady_state_equal_step_by_step_bit_for_bit() {
        let columns = awkward_columns(160);
        let lanes: [&[f64]; 4] = std::array::from_fn(|k| columns[k + 1].as_slice());
        let (ys, xs): ([&[f64]; 4], [&[f64]; 4]) =
            (lanes, [lanes[3], &columns[0], lanes[0], lanes[2]]);
        let times: Vec<i64> = (0..160).collect();
        let outputs = [
            MomentOutput::Sum,
            MomentOutput::Mean,
            MomentOutput::Var { ddof: 1 },
            MomentOutput::Std { ddof: 0 },
            MomentOutput::Zscore { ddof: 1 },
        ];
        let pair_outputs = [
            CoMomentOutput::Cov { ddof: 1 },
            CoMomentOutput::Corr,
            CoMomentOutput::Beta,
        ];
        for w in [1usize, 2, 7, 30, 500] {
            let window = Window::Rows(w);
            // The same windows as a duration: the engine then steps row by row and
            // never slides, so this is the reference for the steady state too.
            let stepped = Window::Span {
                times: &times,
                span: w as i64,
            };
            for mp in [0usize, 1, 5] {
                for output in outputs {
                    let mut together = vec![[0.0; 4]; 160];
                    let mut acc = Moments::<4>::new(output, mp);
                    run(&Columns(lanes), &window, mp, &mut acc, |i, v| {
                        together[i] = v
                    });
                    for (k, lane) in lanes.iter().enumerate() {
                        let steps = moments(lane, &stepped, mp, output);
                        let context = format!("{output:?} w={w} mp={mp} lane {k}");
                        assert!(identical(&column(&together, k), &steps), "{context}");
                        assert!(
                            identical(&moments(lane, &window, mp, output), &steps),
                            "{context}"
                        );
                    }
                }
                for output in pair_outputs {
                    let mut together = vec![[0.0; 4]; 160];
                    let lane = PairColumns { y: ys, x: xs };
                    let mut acc = CoMoments::<4>::new(output, mp);
                    run(&lane, &window, mp, &mut acc, |i, v| together[i] = v);
                    for k in 0..4 {
                        let steps = co_moments(ys[k], xs[k], &stepped, mp, output);
                        let alone = co_moments(ys[k], xs[k], &window, mp, output);
                        let context = format!("{output:?} w={w} mp={mp} pair {k}");
                        assert!(identical(&column(&together, k), &steps), "{context}");
                        assert!(identical(&alone, &steps), "{context}");
                    }
                }
            }
        }
    }

    #[test]
    fn tiny_values_left_behind_by_large_ones_keep_their_spread() {
        // Found by the thorough hypothesis run: the 1e5 values leave a window of
        // 2^-149 and 0 whose anchored sums are pure rounding unless rebuilt.
        let x = [
            0.0,
            628105.0,
            394005.2890625,
            2f64.powi(-149),
            f64::NAN,
            0.0,
        ];
        let z = moments(&x, &Window::Rows(3), 0, MomentOutput::Zscore { ddof: 1 });
        assert!((z[5] + 0.5f64.sqrt()).abs() < 1e-12, "{}", z[5]);
        let std = moments(&x, &Window::Rows(3), 0, MomentOutput::Std { ddof: 1 });
        let expected = 2f64.powi(-149) / 2f64.sqrt();
        assert!((std[5] - expected).abs() <= 1e-12 * expected, "{}", std[5]);
    }

    #[test]
    fn a_level_shift_rebuilds_only_the_lane_that_drifted() {
        let columns = awkward_columns(160);
        let std = moments(
            &columns[3],
            &Window::Rows(10),
            10,
            MomentOutput::Std { ddof: 1 },
        );
        // Rows 70..79: a flat window; rows 90..: noise around 1e9 measured exactly.
        assert!(std[70..80].iter().all(|v| *v == 0.0));
        for i in 95..160 {
            let w = &columns[3][i - 9..=i];
            let m = w.iter().sum::<f64>() / 10.0;
            let two_pass = (w.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / 9.0).sqrt();
            assert!((std[i] - two_pass).abs() <= 1e-6 * two_pass, "row {i}");
        }
    }
}
