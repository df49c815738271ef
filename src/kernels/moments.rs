//! Exact moments by block pairs: sum, mean, var, std, zscore ([`MomentOutput`]) and
//! cov, corr, beta ([`CoMomentOutput`]) over row-count windows, duration windows and
//! full samples. Nothing here ever subtracts a value that left a window.
//!
//! The grid. A lane is cut into blocks: for a window of `w` rows, blocks of `w` rows
//! counted from global row 0 (the lane's first row is global row `first_row`); for a
//! duration `span`, the rows whose time lies in `[k·span, (k+1)·span)`. Either way
//! every window ending in block `c` is a suffix of block `c-1` (from the window's
//! first row) plus a prefix of block `c` (up to the window's last row), and the
//! grid does not move when rows are appended or the lane is cut into chunks.
//!
//! The anchor. All windows of the pair (`c-1`, `c`) whose suffix holds a finite value
//! share the anchor `a` = the last finite value of block `c-1`, which lies inside each
//! of them. The other windows ("late": the suffix holds none) take the first finite
//! value of block `c`, also inside each of them. One backward scan of block `c-1`
//! gives suffix sums of `d = x - a`, `d·d` and counts; one forward scan of block `c`
//! gives prefix sums; a window's sums are one suffix plus one prefix. Then
//! `mean = a + S1/n`, `var = (S2 - S1²/n)/(n - ddof)`; pairs alike with five sums.
//! Because the anchor is a value of the window, `S2` exceeds `n·var` by at most a
//! factor of about `2n`, so plain f64 sums lose at most a few digits to cancellation,
//! never all of them; no compensation, drift check or rebuild. A window of one
//! repeated value has every `d = 0`: its variance is exactly 0 and its mean exactly
//! that value.
//!
//! Position independence. A window's bits depend only on its rows (the anchor is one
//! of them, chosen by the grid; the suffix is summed backwards from the block's end,
//! the prefix forwards from the block's start, both inside the window), so they do
//! not depend on the thread count, on the rows after the window, or on where a
//! chunked caller cut the lane (given the right `first_row`). Tested bit for bit.
//!
//! Range. Squares leave f64's range for deviations beyond about 2^±450. A window
//! whose sums left the safe range (checked on its own sums: see [`squares_in_range`])
//! is evaluated directly from its rows, scaled by a power of two chosen from its own
//! deviations (exact), so a huge value changes only the windows that hold it.
//!
//! Infinities. ±inf count as observations (towards `min_periods`) but never enter
//! the finite sums: a window holding one has a sum and mean of ±inf (NaN when it
//! holds both signs), and NaN var, std, zscore, cov, corr and beta. NaN rows are
//! skipped (in a pair, a row where either is NaN).

use std::ops::Range;

use rayon::prelude::*;

/// `2^e` for `e` in f64's normal exponent range.
const fn pow2(e: i32) -> f64 {
    f64::from_bits(((1023 + e) as u64) << 52)
}

/// Sums of squared deviations inside `[SMALLEST, LARGEST]` are computed as they are:
/// every square above 2^-1022 (so terms that underflow are below 2^-122 of the sum)
/// and `S1²` far from overflow for any window a lane can hold.
const SMALLEST: f64 = pow2(-900);
const LARGEST: f64 = pow2(900);
/// A sum of squares of exactly 0 is a flat window when the anchor is at least this
/// large: two distinct floats that large differ by more than 2^-537, whose square
/// does not underflow to 0.
const FLAT_ANCHOR: f64 = pow2(-480);

/// What the moments of one series report.
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

/// What the co-moments of a pair (y, x) report.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CoMomentOutput {
    Cov {
        ddof: usize,
    },
    Corr,
    /// Slope of y on x: cov(y, x) / var(x).
    Beta,
}

/// `value * 2^exponent`, exact unless the result leaves the normal range, in steps
/// that keep each power of two finite.
pub fn scale(value: f64, exponent: i32) -> f64 {
    let mut value = value;
    let mut left = exponent;
    while left != 0 {
        let step = left.clamp(-1000, 1000);
        value *= pow2(step);
        left -= step;
    }
    value
}

/// The power of two that brings `largest` (> 0, finite) to [1, 2).
fn exponent_to_unit(largest: f64) -> i32 {
    if largest > 0.0 && largest.is_finite() {
        -(largest.log2().floor() as i32)
    } else {
        0
    }
}

/// Whether a sum of squared deviations `s2` about `anchor` can be used as it is.
#[inline(always)]
fn squares_in_range(s2: f64, anchor: f64) -> bool {
    (SMALLEST..=LARGEST).contains(&s2) || (s2 == 0.0 && anchor.abs() >= FLAT_ANCHOR)
}

/// What a window holding infinities sums to: NaN with both signs.
fn infinite_sum(pos: f64, neg: f64) -> f64 {
    match (pos > 0.0, neg > 0.0) {
        (true, true) => f64::NAN,
        (true, false) => f64::INFINITY,
        _ => f64::NEG_INFINITY,
    }
}

// ------------------------------------------------------------------ one series

/// Anchored sums of one series' window.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sums {
    s1: f64,
    s2: f64,
    finite: f64,
    pos_inf: f64,
    neg_inf: f64,
}

impl Sums {
    /// Add `v` about `anchor`; NaN adds nothing.
    #[inline(always)]
    pub fn add(&mut self, v: f64, anchor: f64) {
        if v.is_finite() {
            let d = v - anchor;
            self.s1 += d;
            self.s2 += d * d;
            self.finite += 1.0;
        } else if v == f64::INFINITY {
            self.pos_inf += 1.0;
        } else if v == f64::NEG_INFINITY {
            self.neg_inf += 1.0;
        }
    }

    #[inline(always)]
    fn plus(&self, other: &Sums) -> Sums {
        Sums {
            s1: self.s1 + other.s1,
            s2: self.s2 + other.s2,
            finite: self.finite + other.finite,
            pos_inf: self.pos_inf + other.pos_inf,
            neg_inf: self.neg_inf + other.neg_inf,
        }
    }

    /// Observations (finite or infinite).
    pub fn count(&self) -> f64 {
        self.finite + self.pos_inf + self.neg_inf
    }
}

/// `output` of a window with sums `s` about `anchor` whose last row is `newest`;
/// None when its squares left the safe range (then [`direct_value`] it).
#[inline(always)]
pub fn moment_value(output: MomentOutput, s: &Sums, anchor: f64, newest: f64) -> Option<f64> {
    if s.pos_inf + s.neg_inf > 0.0 {
        return Some(match output {
            MomentOutput::Sum | MomentOutput::Mean => infinite_sum(s.pos_inf, s.neg_inf),
            _ => f64::NAN,
        });
    }
    let n = s.finite;
    let var = |ddof: usize| {
        let ddof = ddof as f64;
        ((s.s2 - s.s1 * s.s1 / n) / (n - ddof)).max(0.0)
    };
    let in_range = squares_in_range(s.s2, anchor);
    match output {
        MomentOutput::Sum => {
            if n == 0.0 {
                return Some(0.0);
            }
            let sum = anchor * n + s.s1;
            sum.is_finite().then_some(sum)
        }
        MomentOutput::Mean => {
            if n == 0.0 {
                return Some(f64::NAN);
            }
            let centred = s.s1 / n;
            centred.is_finite().then_some(anchor + centred)
        }
        MomentOutput::Var { ddof } | MomentOutput::Std { ddof } | MomentOutput::Zscore { ddof }
            if n <= ddof as f64 =>
        {
            Some(f64::NAN)
        }
        _ if !in_range => None,
        MomentOutput::Var { ddof } => Some(var(ddof)),
        MomentOutput::Std { ddof } => Some(var(ddof).sqrt()),
        MomentOutput::Zscore { ddof } => {
            let std = var(ddof).sqrt();
            Some(if newest.is_finite() && std > 0.0 {
                ((newest - anchor) - s.s1 / n) / std
            } else {
                f64::NAN
            })
        }
    }
}

/// `output` of the finite `values` of a window (the last being `newest`) about
/// `anchor`, scaled by powers of two chosen from their own deviations, so that no
/// square over- or underflows: the path of windows whose sums left the safe range.
pub fn direct_value<I>(output: MomentOutput, values: I, anchor: f64, newest: f64) -> f64
where
    I: Iterator<Item = f64> + Clone,
{
    let finite = values.filter(|v| v.is_finite());
    let huge = pow2(1000);
    let pre = if anchor.abs() > huge || finite.clone().any(|v| v.abs() > huge) {
        -2
    } else {
        0
    };
    let (a, newest) = (scale(anchor, pre), scale(newest, pre));
    let largest = finite
        .clone()
        .fold(0.0f64, |m, v| m.max((scale(v, pre) - a).abs()));
    let e = exponent_to_unit(largest);
    let (mut s1, mut s2, mut n) = (0.0, 0.0, 0.0);
    for v in finite {
        let d = scale(scale(v, pre) - a, e);
        s1 += d;
        s2 += d * d;
        n += 1.0;
    }
    let unit = pre + e;
    let var = |ddof: usize| ((s2 - s1 * s1 / n) / (n - ddof as f64)).max(0.0);
    match output {
        MomentOutput::Sum => scale(a * n + scale(s1, -e), -pre),
        MomentOutput::Mean => anchor + scale(s1 / n, -unit),
        MomentOutput::Var { ddof } => scale(var(ddof), -2 * unit),
        MomentOutput::Std { ddof } => scale(var(ddof).sqrt(), -unit),
        MomentOutput::Zscore { ddof } => {
            let std = var(ddof).sqrt();
            if newest.is_finite() && std > 0.0 {
                (scale(newest - a, e) - s1 / n) / std
            } else {
                f64::NAN
            }
        }
    }
}

// ------------------------------------------------------------------ pairs

/// Anchored sums of a pair's window.
#[derive(Clone, Copy, Debug, Default)]
pub struct CoSums {
    y: f64,
    x: f64,
    yy: f64,
    xx: f64,
    xy: f64,
    finite: f64,
    /// Rows with an infinite member (and no NaN).
    infinite: f64,
}

impl CoSums {
    #[inline(always)]
    fn add(&mut self, y: f64, x: f64, (ay, ax): (f64, f64)) {
        if y.is_finite() && x.is_finite() {
            let (dy, dx) = (y - ay, x - ax);
            self.y += dy;
            self.x += dx;
            self.yy += dy * dy;
            self.xx += dx * dx;
            self.xy += dx * dy;
            self.finite += 1.0;
        } else if !y.is_nan() && !x.is_nan() {
            self.infinite += 1.0;
        }
    }

    #[inline(always)]
    fn plus(&self, o: &CoSums) -> CoSums {
        CoSums {
            y: self.y + o.y,
            x: self.x + o.x,
            yy: self.yy + o.yy,
            xx: self.xx + o.xx,
            xy: self.xy + o.xy,
            finite: self.finite + o.finite,
            infinite: self.infinite + o.infinite,
        }
    }
}

/// `output` of `n` finite pairs with sums `[y, x, yy, xx, xy]` about their anchor.
#[inline(always)]
fn co_value(output: CoMomentOutput, n: f64, [sy, sx, syy, sxx, sxy]: [f64; 5]) -> f64 {
    // Centred sums of squares and cross-products (exactly 0 for a flat series).
    let yy = (syy - sy * sy / n).max(0.0);
    let xx = (sxx - sx * sx / n).max(0.0);
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

/// A pair's `output` from its sums about `anchor`; None when out of range.
#[inline(always)]
fn co_moment_value(output: CoMomentOutput, s: &CoSums, (ay, ax): (f64, f64)) -> Option<f64> {
    if s.infinite > 0.0 || s.finite == 0.0 {
        return Some(f64::NAN);
    }
    if !squares_in_range(s.yy, ay) || !squares_in_range(s.xx, ax) {
        return None;
    }
    Some(co_value(output, s.finite, [s.y, s.x, s.yy, s.xx, s.xy]))
}

/// [`direct_value`] for pairs: y and x each scaled by their own power of two.
fn co_direct_value<I>(output: CoMomentOutput, pairs: I, (ay, ax): (f64, f64)) -> f64
where
    I: Iterator<Item = (f64, f64)> + Clone,
{
    let finite = pairs.filter(|(y, x)| y.is_finite() && x.is_finite());
    let huge = pow2(1000);
    let pre = |big: bool| if big { -2 } else { 0 };
    let pre_y = pre(ay.abs() > huge || finite.clone().any(|(y, _)| y.abs() > huge));
    let pre_x = pre(ax.abs() > huge || finite.clone().any(|(_, x)| x.abs() > huge));
    let (ay, ax) = (scale(ay, pre_y), scale(ax, pre_x));
    let (mut ly, mut lx) = (0.0f64, 0.0f64);
    for (y, x) in finite.clone() {
        ly = ly.max((scale(y, pre_y) - ay).abs());
        lx = lx.max((scale(x, pre_x) - ax).abs());
    }
    let (ey, ex) = (exponent_to_unit(ly), exponent_to_unit(lx));
    let mut s = CoSums::default();
    for (y, x) in finite {
        let (dy, dx) = (
            scale(scale(y, pre_y) - ay, ey),
            scale(scale(x, pre_x) - ax, ex),
        );
        s.add(dy, dx, (0.0, 0.0));
    }
    let value = co_value(output, s.finite, [s.y, s.x, s.yy, s.xx, s.xy]);
    let (uy, ux) = (pre_y + ey, pre_x + ex);
    match output {
        CoMomentOutput::Cov { .. } => scale(value, -(uy + ux)),
        CoMomentOutput::Corr => value,
        CoMomentOutput::Beta => scale(value, ux - uy),
    }
}

// ------------------------------------------------------------------ the engine

/// What the block engine needs of a lane of one kind of moments.
trait Kind: Sync {
    type Sums: Copy + Default + Send;
    type Anchor: Copy + Default;
    /// Row `i`'s anchor, if it can be one (finite).
    fn anchor_at(&self, i: usize) -> Option<Self::Anchor>;
    fn add(&self, sums: &mut Self::Sums, i: usize, anchor: Self::Anchor);
    fn plus(a: &Self::Sums, b: &Self::Sums) -> Self::Sums;
    fn has_finite(s: &Self::Sums) -> bool;
    /// Observations that count towards min_periods.
    fn count(s: &Self::Sums) -> f64;
    /// The window's value from its sums; None when they left the safe range.
    fn value(&self, s: &Self::Sums, anchor: Self::Anchor, last: usize) -> Option<f64>;
    /// The window `rows` evaluated directly (sums out of range).
    fn direct(&self, rows: Range<usize>, anchor: Self::Anchor) -> f64;
}

struct Single<'a> {
    x: &'a [f64],
    output: MomentOutput,
}

impl Kind for Single<'_> {
    type Sums = Sums;
    type Anchor = f64;
    #[inline(always)]
    fn anchor_at(&self, i: usize) -> Option<f64> {
        Some(self.x[i]).filter(|v| v.is_finite())
    }
    #[inline(always)]
    fn add(&self, sums: &mut Sums, i: usize, anchor: f64) {
        sums.add(self.x[i], anchor);
    }
    #[inline(always)]
    fn plus(a: &Sums, b: &Sums) -> Sums {
        a.plus(b)
    }
    #[inline(always)]
    fn has_finite(s: &Sums) -> bool {
        s.finite > 0.0
    }
    #[inline(always)]
    fn count(s: &Sums) -> f64 {
        s.count()
    }
    #[inline(always)]
    fn value(&self, s: &Sums, anchor: f64, last: usize) -> Option<f64> {
        moment_value(self.output, s, anchor, self.x[last])
    }
    fn direct(&self, rows: Range<usize>, anchor: f64) -> f64 {
        let newest = self.x[rows.end - 1];
        direct_value(self.output, self.x[rows].iter().copied(), anchor, newest)
    }
}

struct Paired<'a> {
    y: &'a [f64],
    x: &'a [f64],
    output: CoMomentOutput,
}

impl Kind for Paired<'_> {
    type Sums = CoSums;
    type Anchor = (f64, f64);
    #[inline(always)]
    fn anchor_at(&self, i: usize) -> Option<(f64, f64)> {
        let (y, x) = (self.y[i], self.x[i]);
        (y.is_finite() && x.is_finite()).then_some((y, x))
    }
    #[inline(always)]
    fn add(&self, sums: &mut CoSums, i: usize, anchor: (f64, f64)) {
        sums.add(self.y[i], self.x[i], anchor);
    }
    #[inline(always)]
    fn plus(a: &CoSums, b: &CoSums) -> CoSums {
        a.plus(b)
    }
    #[inline(always)]
    fn has_finite(s: &CoSums) -> bool {
        s.finite > 0.0
    }
    #[inline(always)]
    fn count(s: &CoSums) -> f64 {
        s.finite + s.infinite
    }
    #[inline(always)]
    fn value(&self, s: &CoSums, anchor: (f64, f64), _last: usize) -> Option<f64> {
        co_moment_value(self.output, s, anchor)
    }
    fn direct(&self, rows: Range<usize>, anchor: (f64, f64)) -> f64 {
        let pairs = self.y[rows.clone()]
            .iter()
            .copied()
            .zip(self.x[rows].iter().copied());
        co_direct_value(self.output, pairs, anchor)
    }
}

/// The windows of one block pair: `suffix` holds the rows of the earlier block that
/// are in the lane, `prefix` those of the later one; `outputs` yields (last row,
/// first row) of each window to evaluate, ascending, each ending at most at
/// `prefix.end - 1` and starting in `suffix.start..=prefix.start`. `emit(row, value)`.
fn block_pair<M: Kind>(
    m: &M,
    suffix: Range<usize>,
    prefix: Range<usize>,
    outputs: impl Iterator<Item = (usize, usize)>,
    min_periods: f64,
    scratch: &mut Vec<M::Sums>,
    mut emit: impl FnMut(usize, f64),
) {
    let early = suffix.clone().rev().find_map(|i| m.anchor_at(i));
    let late = prefix.clone().find_map(|i| m.anchor_at(i));
    let (early_anchor, late_anchor) = (early.unwrap_or_default(), late.unwrap_or_default());
    // Suffix sums about the early anchor, summed from the block's end backwards; one
    // slot past the end for an empty suffix.
    scratch.clear();
    scratch.resize(suffix.len() + 1, M::Sums::default());
    let mut running = M::Sums::default();
    for i in suffix.clone().rev() {
        m.add(&mut running, i, early_anchor);
        scratch[i - suffix.start] = running;
    }
    // Prefix sums about each anchor (the early one only if some suffix has one).
    let (mut about_early, mut about_late) = (M::Sums::default(), M::Sums::default());
    let mut next = prefix.start;
    for (last, first) in outputs {
        while next <= last {
            if early.is_some() {
                m.add(&mut about_early, next, early_anchor);
            }
            m.add(&mut about_late, next, late_anchor);
            next += 1;
        }
        let head = &scratch[first.clamp(suffix.start, suffix.end) - suffix.start];
        let (sums, anchor) = if M::has_finite(head) {
            (M::plus(head, &about_early), early_anchor)
        } else {
            (M::plus(head, &about_late), late_anchor)
        };
        let value = if M::count(&sums) < min_periods {
            f64::NAN
        } else {
            m.value(&sums, anchor, last)
                .unwrap_or_else(|| m.direct(first..last + 1, anchor))
        };
        emit(last, value);
    }
}

/// Outputs of a lane this many rows long at least are shared out in parallel.
const PARALLEL_ROWS: usize = 1 << 16;

/// A row-count window of `w` rows over a lane of `out.len()` rows whose first row is
/// global row `first_row`: block pairs in groups of about [`PARALLEL_ROWS`] outputs,
/// in parallel when `parallel`.
fn rows_lane<M: Kind>(
    m: &M,
    w: usize,
    first_row: usize,
    min_periods: usize,
    out: &mut [f64],
    parallel: bool,
) {
    let len = out.len();
    if len == 0 {
        return;
    }
    let (w128, r0) = (w as u128, first_row as u128);
    // Local row of global row g, clipped to the lane.
    let local = move |g: u128| -> usize { g.saturating_sub(r0).min(len as u128) as usize };
    let first_block = r0 / w128;
    let last_block = (r0 + len as u128 - 1) / w128;
    // Pair c (blocks c-1, c) writes the outputs of global rows [c·w - 1, (c+1)·w - 1).
    let bound = move |c: u128| local((c * w128).saturating_sub(1));
    let pairs = (last_block + 2 - first_block) as usize;
    let per_task = (PARALLEL_ROWS / w).max(1);
    let tasks = pairs.div_ceil(per_task);
    // Cut `out` at the first output row of each task.
    let mut pieces: Vec<(u128, &mut [f64])> = Vec::with_capacity(tasks);
    let mut rest = out;
    let mut at = bound(first_block);
    for t in 0..tasks {
        let c = first_block + (t * per_task) as u128;
        let end = if t + 1 == tasks {
            len
        } else {
            bound(c + per_task as u128)
        };
        let (piece, tail) = rest.split_at_mut(end - at);
        pieces.push((c, piece));
        rest = tail;
        at = end;
    }
    let min_periods = min_periods as f64;
    let run = |scratch: &mut Vec<M::Sums>, (c0, piece): (u128, &mut [f64])| {
        let offset = bound(c0);
        for c in c0..c0 + per_task as u128 {
            if c > last_block + 1 {
                break;
            }
            let suffix = local((c.max(1) - 1) * w128)..local(c * w128);
            let suffix = if c == 0 { 0..0 } else { suffix };
            let prefix = local(c * w128)..local((c + 1) * w128);
            let rows = bound(c)..bound(c + 1);
            let outputs = rows.map(|i| (i, (i + 1).saturating_sub(w).max(suffix.start)));
            block_pair(
                m,
                suffix.clone(),
                prefix,
                outputs,
                min_periods,
                scratch,
                |i, v| piece[i - offset] = v,
            );
        }
    };
    if parallel && tasks > 1 {
        pieces.into_par_iter().for_each_init(Vec::new, run);
    } else {
        let mut scratch = Vec::new();
        pieces.into_iter().for_each(|p| run(&mut scratch, p));
    }
}

/// A duration window of `span` (times sorted ascending, one per row): blocks of
/// `span` time units counted from time 0; the window of row i holds the rows up to i
/// whose time is after `times[i] - span`.
fn span_lane<M: Kind>(m: &M, times: &[i64], span: i64, min_periods: usize, out: &mut [f64]) {
    let len = out.len();
    let block = |i: usize| times[i].div_euclid(span);
    let min_periods = min_periods as f64;
    let mut scratch = Vec::new();
    let mut previous: Option<(i64, Range<usize>)> = None;
    let mut start = 0;
    let mut i = 0;
    while i < len {
        let c = block(i);
        let mut end = i + 1;
        while end < len && block(end) == c {
            end += 1;
        }
        let suffix = match previous {
            Some((p, rows)) if c.checked_sub(1) == Some(p) => rows,
            _ => i..i,
        };
        start = start.max(suffix.start);
        let outputs = (i..end).map(|row| {
            let oldest_excluded = times[row].saturating_sub(span);
            while start < row && times[start] <= oldest_excluded {
                start += 1;
            }
            (row, start)
        });
        block_pair(
            m,
            suffix,
            i..end,
            outputs,
            min_periods,
            &mut scratch,
            |r, v| out[r] = v,
        );
        previous = Some((c, i..end));
        i = end;
    }
}

/// Which rows a moment window covers.
#[derive(Clone, Copy, Debug)]
pub enum Grid<'a> {
    /// `w` rows ending at each row; the lane's first row is global row `first_row`.
    Rows { w: usize, first_row: usize },
    /// Rows in `(t_i - span, t_i]`.
    Span { times: &'a [i64], span: i64 },
}

fn run_kind<M: Kind>(m: &M, grid: Grid, min_periods: usize, out: &mut [f64], parallel: bool) {
    match grid {
        Grid::Rows { w, first_row } => rows_lane(m, w, first_row, min_periods, out, parallel),
        Grid::Span { times, span } => span_lane(m, times, span, min_periods, out),
    }
}

/// Moments of one series over `grid` into `out` (`x.len()` rows); NaN below
/// `min_periods` observations. `parallel`: share a long lane out over all cores.
pub fn moments(
    x: &[f64],
    grid: Grid,
    min_periods: usize,
    output: MomentOutput,
    out: &mut [f64],
    parallel: bool,
) {
    run_kind(&Single { x, output }, grid, min_periods, out, parallel);
}

/// Co-moments of (y, x) over `grid` into `out`, over rows where neither is NaN.
pub fn co_moments(
    y: &[f64],
    x: &[f64],
    grid: Grid,
    min_periods: usize,
    output: CoMomentOutput,
    out: &mut [f64],
    parallel: bool,
) {
    run_kind(&Paired { y, x, output }, grid, min_periods, out, parallel);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()))
    }

    fn rolled(x: &[f64], w: usize, first_row: usize, mp: usize, output: MomentOutput) -> Vec<f64> {
        let mut out = vec![0.0; x.len()];
        moments(x, Grid::Rows { w, first_row }, mp, output, &mut out, true);
        out
    }

    /// Every window evaluated directly, as a reference in f64 (two-pass).
    fn two_pass(window: &[f64], output: MomentOutput, mp: usize) -> f64 {
        let v: Vec<f64> = window.iter().copied().filter(|v| !v.is_nan()).collect();
        if v.len() < mp {
            return f64::NAN;
        }
        let n = v.len() as f64;
        match output {
            MomentOutput::Mean if n == 0.0 => return f64::NAN,
            MomentOutput::Var { ddof }
            | MomentOutput::Std { ddof }
            | MomentOutput::Zscore { ddof }
                if n <= ddof as f64 =>
            {
                return f64::NAN
            }
            _ => {}
        }
        // Shifted by a value of the window, so that the reference keeps its digits.
        let shift = v.first().copied().unwrap_or(0.0);
        let centre = v.iter().map(|x| x - shift).sum::<f64>() / n;
        let mean = shift + centre;
        let ss: f64 = v
            .iter()
            .map(|x| (x - shift - centre) * (x - shift - centre))
            .sum();
        match output {
            MomentOutput::Sum => v.iter().sum(),
            MomentOutput::Mean => mean,
            MomentOutput::Var { ddof } => ss / (n - ddof as f64),
            MomentOutput::Std { ddof } => (ss / (n - ddof as f64)).sqrt(),
            MomentOutput::Zscore { ddof } => {
                (window[window.len() - 1] - shift - centre) / (ss / (n - ddof as f64)).sqrt()
            }
        }
    }

    fn hostile(rows: usize) -> Vec<f64> {
        (0..rows)
            .map(|i| {
                let noise = ((i * 7919 % 1013) as f64).sin();
                match i {
                    _ if i % 11 == 3 => f64::NAN,
                    0..=40 => 1e9 + noise,
                    41..=60 => noise,
                    61..=70 => 4.25,
                    75 => 1e12,
                    _ => noise * 1e-3 + 7.0,
                }
            })
            .collect()
    }

    #[test]
    fn windows_match_two_pass_on_hostile_data() {
        let x = hostile(200);
        for w in [1usize, 2, 3, 7, 20, 199, 200, 500] {
            for mp in [0usize, 1, 3] {
                let mp = mp.min(w);
                for output in [
                    MomentOutput::Sum,
                    MomentOutput::Mean,
                    MomentOutput::Var { ddof: 1 },
                    MomentOutput::Std { ddof: 0 },
                    MomentOutput::Zscore { ddof: 1 },
                ] {
                    let got = rolled(&x, w, 0, mp, output);
                    for i in 0..x.len() {
                        let window = &x[(i + 1).saturating_sub(w)..=i];
                        let want = two_pass(window, output, mp);
                        let scale = window
                            .iter()
                            .filter(|v| v.is_finite())
                            .fold(0.0f64, |m, v| m.max(v.abs()));
                        let tolerance = match output {
                            MomentOutput::Sum | MomentOutput::Mean => 1e-13 * scale * w as f64,
                            _ => 1e-9 * want.abs().max(1e-300),
                        };
                        assert!(
                            (got[i].is_nan() && want.is_nan())
                                || got[i] == want
                                || (got[i] - want).abs() <= tolerance,
                            "{output:?} w={w} mp={mp} row {i}: {} vs {want}",
                            got[i]
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_issue_examples() {
        let sums = rolled(&[1e17, 1.0, 2.0, 3.0], 2, 0, 2, MomentOutput::Sum);
        assert!(same(&sums, &[f64::NAN, 1e17, 3.0, 5.0]));
        let var = rolled(&[1.0, 2.0, 1e200], 2, 0, 2, MomentOutput::Var { ddof: 1 });
        assert!(same(&var, &[f64::NAN, 0.5, f64::INFINITY]));
    }

    #[test]
    fn appended_rows_chunks_and_threads_leave_the_bits() {
        let x = hostile(3000);
        for w in [1usize, 5, 64, 300, 5000] {
            for output in [MomentOutput::Mean, MomentOutput::Std { ddof: 1 }] {
                let whole = rolled(&x, w, 0, 1, output);
                let shorter = rolled(&x[..2000], w, 0, 1, output);
                assert!(same(&whole[..2000], &shorter), "appended w={w}");
                for first in [1usize, 999, 1500] {
                    let from = first.saturating_sub(w - 1);
                    let chunk = rolled(&x[from..], w, from, 1, output);
                    assert!(same(&whole[first..], &chunk[first - from..]), "chunk w={w}");
                }
                let mut serial = vec![0.0; x.len()];
                let grid = Grid::Rows { w, first_row: 0 };
                moments(&x, grid, 1, output, &mut serial, false);
                assert!(same(&whole, &serial));
            }
        }
    }

    #[test]
    fn constant_windows_have_zero_variance_and_their_value_as_mean() {
        let x = [1e9 + 0.1, 3.7, 1e9, 0.3, 0.3, 0.3, 0.3, 0.3];
        let var = rolled(&x, 3, 0, 3, MomentOutput::Var { ddof: 1 });
        assert_eq!(&var[5..], &[0.0, 0.0, 0.0]);
        let mean = rolled(&x, 3, 0, 3, MomentOutput::Mean);
        assert_eq!(&mean[5..], &[0.3, 0.3, 0.3]);
    }

    #[test]
    fn infinities_count_and_stay_in_their_windows() {
        let x = [
            1.0,
            f64::INFINITY,
            2.0,
            3.0,
            f64::NEG_INFINITY,
            f64::INFINITY,
        ];
        let sums = rolled(&x, 2, 0, 1, MomentOutput::Sum);
        assert!(same(
            &sums,
            &[
                1.0,
                f64::INFINITY,
                f64::INFINITY,
                5.0,
                f64::NEG_INFINITY,
                f64::NAN
            ]
        ));
        let var = rolled(&x, 2, 0, 2, MomentOutput::Var { ddof: 1 });
        assert!(var[1].is_nan() && var[2].is_nan() && var[3] == 0.5);
    }

    #[test]
    fn extreme_magnitudes_keep_their_spread_window_by_window() {
        for magnitude in [1e-300, 1e300] {
            let x = [magnitude, 2.0 * magnitude, 4.0 * magnitude, 1.0, 2.0];
            let std = rolled(&x, 3, 0, 3, MomentOutput::Std { ddof: 1 });
            let expected = magnitude * (7.0f64 / 3.0).sqrt();
            assert!((std[2] - expected).abs() <= 1e-15 * expected, "{}", std[2]);
            let mut corr = vec![0.0; 5];
            let grid = Grid::Rows { w: 3, first_row: 0 };
            co_moments(
                &x,
                &[1.0, 2.0, 3.0, 4.0, 5.0],
                grid,
                3,
                CoMomentOutput::Corr,
                &mut corr,
                false,
            );
            assert!(corr[2] > 0.98 && corr[2] < 1.0);
        }
        // A huge value leaves the windows before it alone.
        let x = [1.0, 2.0, 4.0, 1e200, 3.0];
        let std = rolled(&x, 2, 0, 2, MomentOutput::Std { ddof: 1 });
        assert_eq!(std[1], 0.5f64.sqrt());
        assert_eq!(std[2], 2.0f64.sqrt());
    }

    #[test]
    fn durations_drop_rows_at_or_before_t_minus_span() {
        let times = [0i64, 1, 2, 5, 6, 10];
        let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let mut out = vec![0.0; 6];
        let grid = Grid::Span {
            times: &times,
            span: 3,
        };
        moments(&x, grid, 1, MomentOutput::Sum, &mut out, false);
        assert_eq!(out, vec![1.0, 3.0, 6.0, 4.0, 9.0, 6.0]);
    }

    #[test]
    fn huge_windows_do_not_panic() {
        let x = [1.0, 2.0, 3.0];
        let out = rolled(&x, 1 << 62, 5, 1, MomentOutput::Mean);
        assert_eq!(out, vec![1.0, 1.5, 2.0]);
        let out = rolled(&x, usize::MAX, usize::MAX - 3, 1, MomentOutput::Sum);
        assert_eq!(out, vec![1.0, 3.0, 6.0]);
    }

    #[test]
    fn pairs_skip_rows_where_either_is_nan() {
        let y = [1.0, 2.0, f64::NAN, 4.0, 5.0];
        let x = [2.0, 4.0, 6.0, f64::NAN, 10.0];
        let mut beta = vec![0.0; 5];
        let grid = Grid::Rows { w: 5, first_row: 0 };
        co_moments(&y, &x, grid, 2, CoMomentOutput::Beta, &mut beta, false);
        assert!(same(&beta, &[f64::NAN, 0.5, 0.5, 0.5, 0.5]));
    }
}
