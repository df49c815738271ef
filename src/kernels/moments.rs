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
//! whose sums left the safe range (checked on its own sums: see `squares_in_range`)
//! is evaluated directly from its rows, scaled by a power of two chosen from its own
//! deviations (exact), so a huge value changes only the windows that hold it.
//!
//! Infinities. ±inf count as observations (towards `min_periods`) but never enter
//! the finite sums: a window holding one has a sum and mean of ±inf (NaN when it
//! holds both signs), and NaN var, std, zscore, cov, corr and beta. NaN rows are
//! skipped (in a pair, a row where either is NaN).
//!
//! Speed. `block_pair` is the general path (any NaN, infinity, partial block or
//! duration). A row-count window's whole block pairs take `Kind::fast`: the same
//! operations in the same order without choosing anchors, four pairs side by side,
//! on a CPU with AVX2 as explicit intrinsics (`mod avx2`: rows of the four pairs
//! loaded four at a time and transposed in registers, NaN rows counted where the
//! lane has them, the next group's rows prefetched; four windows all short of
//! `min_periods`, as most are with sparse NaN and the default `min_periods` of the
//! window, are NaN without being evaluated). Rust never fuses a multiply
//! and an add, so the AVX2 and scalar kernels give the same bits; a pair the fast
//! path cannot take (a NaN at its anchor, an infinity, a flat or out-of-range
//! window) is redone by the general path, whose bits it reproduces. Blocks are
//! independent, so a long lane's block pairs run on all cores. Tests:
//! `the_fast_path_gives_the_general_bits` below, and
//! `tests/test_moments_exact.py::test_the_avx2_kernels_give_the_baseline_bits`
//! (`CAPCYCLE_SIMD=baseline` runs the scalar kernels).

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
    let var = |ddof: usize| variance(n, s.s1, s.s2, ddof);
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
    // n times the centred sums of squares and cross-products (exactly 0 for a flat
    // series): no division until the statistic's own (see `variance`).
    let positive = |v: f64| if v > 0.0 { v } else { 0.0 };
    let yy = positive(n * syy - sy * sy);
    let xx = positive(n * sxx - sx * sx);
    let xy = if (yy == 0.0) | (xx == 0.0) {
        0.0
    } else {
        n * sxy - sx * sy
    };
    match output {
        CoMomentOutput::Cov { ddof } => {
            let ddof = ddof as f64;
            if n <= ddof {
                f64::NAN
            } else {
                xy / (n * (n - ddof))
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
    /// Whether any of `rows` holds a NaN (in a pair: in either series).
    fn any_nan(&self, rows: Range<usize>) -> bool;
    /// Observations that count towards min_periods.
    fn count(s: &Self::Sums) -> f64;
    /// The window's value from its sums; None when they left the safe range.
    fn value(&self, s: &Self::Sums, anchor: Self::Anchor, last: usize) -> Option<f64>;
    /// The window `rows` evaluated directly (sums out of range).
    fn direct(&self, rows: Range<usize>, anchor: Self::Anchor) -> f64;
    /// The fast path of `K` block pairs of a row-count window side by side: the pair
    /// whose earlier block starts at local row `starts[k]`, that block whole in the
    /// lane and the first `later` (<= w - 1) rows of the next, all rows finite. Writes the pairs' outputs
    /// (row r into `out[r - offset]`) with the bits [`block_pair`] gives them and
    /// returns which pairs it did: a pair with a non-finite row or a window out of
    /// range is left to `block_pair`. `scratch` holds the suffix sums. `nans`: the
    /// min_periods of pairs that may hold NaN rows (the AVX2 kernels then count them;
    /// None: a NaN fails the pair, cheaper where there are none).
    #[allow(clippy::too_many_arguments)]
    fn fast<const K: usize>(
        &self,
        w: usize,
        later: usize,
        starts: [usize; K],
        out: &mut [f64],
        offset: usize,
        scratch: &mut Vec<f64>,
        nans: Option<f64>,
    ) -> [bool; K];
}

/// [`Kind::fast`] for one series, for one `value(n, anchor, s1, s2, newest)`, which
/// returns the window's value and whether it is the one [`moment_value`] gives (in
/// range); `SQUARES`:
/// whether it reads `s2`. The operations and their order are those of
/// [`block_pair`] on finite rows: suffix sums from the block's end backwards, a
/// window's sums as suffix plus prefix, `n` exact.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn single_fast<const K: usize, const SQUARES: bool>(
    x: &[f64],
    w: usize,
    later: usize,
    starts: [usize; K],
    out: &mut [f64],
    offset: usize,
    suffix: &mut Vec<f64>,
    value: impl Fn(f64, f64, f64, f64, f64) -> (f64, bool),
) -> [bool; K] {
    let lanes: [&[f64]; K] = std::array::from_fn(|k| &x[starts[k]..starts[k] + w + later]);
    let anchor: [f64; K] = std::array::from_fn(|k| lanes[k][w - 1]);
    let stride = if SQUARES { 2 * K } else { K };
    // Only the first later + 1 suffix sums are read (each written first: no need to
    // clear), however long the block.
    suffix.resize(suffix.len().max((later + 1) * stride), 0.0);
    let (mut s1, mut s2) = ([0.0f64; K], [0.0f64; K]);
    for j in (0..w).rev() {
        for k in 0..K {
            let d = lanes[k][j] - anchor[k];
            s1[k] += d;
            if SQUARES {
                s2[k] += d * d;
            }
        }
        if let Some(slot) = suffix
            .chunks_exact_mut(stride)
            .nth(j)
            .filter(|_| j <= later)
        {
            slot[..K].copy_from_slice(&s1);
            if SQUARES {
                slot[K..2 * K].copy_from_slice(&s2);
            }
        }
    }
    let n = w as f64;
    let mut fine = [true; K];
    // The earlier block's own window: its suffix and an empty prefix.
    for k in 0..K {
        let (v, ok) = value(n, anchor[k], s1[k] + 0.0, s2[k] + 0.0, anchor[k]);
        out[starts[k] + w - 1 - offset] = v;
        fine[k] &= ok;
    }
    let (mut p1, mut p2) = ([0.0f64; K], [0.0f64; K]);
    for (t, slot) in suffix.chunks_exact(stride).skip(1).take(later).enumerate() {
        for k in 0..K {
            let newest = lanes[k][w + t];
            let d = newest - anchor[k];
            p1[k] += d;
            let s2 = if SQUARES {
                p2[k] += d * d;
                slot[K + k] + p2[k]
            } else {
                0.0
            };
            let (v, ok) = value(n, anchor[k], slot[k] + p1[k], s2, newest);
            out[starts[k] + w + t - offset] = v;
            fine[k] &= ok;
        }
    }
    // A NaN or an infinity anywhere leaves a total non-finite.
    for k in 0..K {
        fine[k] &= (s1[k] + p1[k]).is_finite() & (s2[k] + p2[k]).is_finite();
    }
    fine
}

/// The variance of a window from its sums, as [`moment_value`] computes it.
#[inline(always)]
fn variance(n: f64, s1: f64, s2: f64, ddof: usize) -> f64 {
    // n times the centred sum of squares over n (n - ddof): one division, not two
    // (the fast path's costliest operations); n (n - ddof) is exact below 2^26 rows.
    let var = (n * s2 - s1 * s1) / (n * (n - ddof as f64));
    // Not `max`: its sign of zero is the compiler's choice; this is the AVX2 twin's.
    if var > 0.0 {
        var
    } else {
        0.0
    }
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
    fn any_nan(&self, rows: Range<usize>) -> bool {
        self.x[rows].iter().any(|v| v.is_nan())
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
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn fast<const K: usize>(
        &self,
        w: usize,
        later: usize,
        starts: [usize; K],
        out: &mut [f64],
        offset: usize,
        scratch: &mut Vec<f64>,
        nans: Option<f64>,
    ) -> [bool; K] {
        let x = self.x;
        let too_few = |ddof: usize| w <= ddof;
        #[cfg(target_arch = "x86_64")]
        if K == 4 && avx2_allowed() {
            let ddof = match self.output {
                MomentOutput::Var { ddof }
                | MomentOutput::Std { ddof }
                | MomentOutput::Zscore { ddof } => ddof,
                _ => 0,
            };
            if !too_few(ddof) {
                let starts4 = std::array::from_fn(|k| starts[k]);
                // SAFETY: the CPU has AVX2 (avx2_allowed).
                let fine = unsafe {
                    avx2::single(
                        x,
                        self.output,
                        w,
                        later,
                        starts4,
                        out,
                        offset,
                        scratch,
                        nans,
                    )
                };
                return std::array::from_fn(|k| fine[k]);
            }
        }
        match self.output {
            MomentOutput::Sum => single_fast::<K, false>(
                x,
                w,
                later,
                starts,
                out,
                offset,
                scratch,
                |n, a, s1, _, _| {
                    let sum = a * n + s1;
                    (sum, sum.is_finite())
                },
            ),
            MomentOutput::Mean => single_fast::<K, false>(
                x,
                w,
                later,
                starts,
                out,
                offset,
                scratch,
                |n, a, s1, _, _| {
                    let centred = s1 / n;
                    (a + centred, centred.is_finite())
                },
            ),
            MomentOutput::Var { ddof }
            | MomentOutput::Std { ddof }
            | MomentOutput::Zscore { ddof }
                if w <= ddof =>
            {
                [false; K]
            }
            MomentOutput::Var { ddof } => single_fast::<K, true>(
                x,
                w,
                later,
                starts,
                out,
                offset,
                scratch,
                |n, a, s1, s2, _| (variance(n, s1, s2, ddof), squares_in_range(s2, a)),
            ),
            MomentOutput::Std { ddof } => single_fast::<K, true>(
                x,
                w,
                later,
                starts,
                out,
                offset,
                scratch,
                |n, a, s1, s2, _| (variance(n, s1, s2, ddof).sqrt(), squares_in_range(s2, a)),
            ),
            MomentOutput::Zscore { ddof } => single_fast::<K, true>(
                x,
                w,
                later,
                starts,
                out,
                offset,
                scratch,
                |n, a, s1, s2, newest| {
                    let std = variance(n, s1, s2, ddof).sqrt();
                    let z = ((newest - a) - s1 / n) / std;
                    (
                        if std > 0.0 { z } else { f64::NAN },
                        squares_in_range(s2, a),
                    )
                },
            ),
        }
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
    fn any_nan(&self, rows: Range<usize>) -> bool {
        let (y, x) = (&self.y[rows.clone()], &self.x[rows]);
        y.iter().zip(x).any(|(a, b)| a.is_nan() | b.is_nan())
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
    /// As [`single_fast`], with the five sums of a pair.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn fast<const K: usize>(
        &self,
        w: usize,
        later: usize,
        starts: [usize; K],
        out: &mut [f64],
        offset: usize,
        suffix: &mut Vec<f64>,
        nans: Option<f64>,
    ) -> [bool; K] {
        let output = self.output;
        #[cfg(target_arch = "x86_64")]
        if K == 4 && avx2_allowed() {
            let (ddof, code) = match output {
                CoMomentOutput::Cov { ddof } => (ddof, 0),
                CoMomentOutput::Corr => (1, 1),
                CoMomentOutput::Beta => (1, 2),
            };
            if w > ddof {
                let starts4 = std::array::from_fn(|k| starts[k]);
                let (y, x) = (self.y, self.x);
                // SAFETY: the CPU has AVX2 (avx2_allowed).
                let mp = nans.unwrap_or(0.0);
                let fine = unsafe {
                    match (code, nans.is_some()) {
                        (0, false) => avx2::co_pairs::<0, false>(
                            y, x, ddof, w, later, starts4, out, offset, suffix, mp,
                        ),
                        (1, false) => avx2::co_pairs::<1, false>(
                            y, x, ddof, w, later, starts4, out, offset, suffix, mp,
                        ),
                        (_, false) => avx2::co_pairs::<2, false>(
                            y, x, ddof, w, later, starts4, out, offset, suffix, mp,
                        ),
                        (0, true) => avx2::co_pairs::<0, true>(
                            y, x, ddof, w, later, starts4, out, offset, suffix, mp,
                        ),
                        (1, true) => avx2::co_pairs::<1, true>(
                            y, x, ddof, w, later, starts4, out, offset, suffix, mp,
                        ),
                        (_, true) => avx2::co_pairs::<2, true>(
                            y, x, ddof, w, later, starts4, out, offset, suffix, mp,
                        ),
                    }
                };
                return std::array::from_fn(|k| fine[k]);
            }
        }
        let ys: [&[f64]; K] = std::array::from_fn(|k| &self.y[starts[k]..starts[k] + w + later]);
        let xs: [&[f64]; K] = std::array::from_fn(|k| &self.x[starts[k]..starts[k] + w + later]);
        let ay: [f64; K] = std::array::from_fn(|k| ys[k][w - 1]);
        let ax: [f64; K] = std::array::from_fn(|k| xs[k][w - 1]);
        let stride = 5 * K;
        // Only the first later + 1 suffix sums are read (each written first: no need
        // to clear), however long the block.
        suffix.resize(suffix.len().max((later + 1) * stride), 0.0);
        let mut s = [[0.0f64; K]; 5];
        for j in (0..w).rev() {
            for k in 0..K {
                let (dy, dx) = (ys[k][j] - ay[k], xs[k][j] - ax[k]);
                s[0][k] += dy;
                s[1][k] += dx;
                s[2][k] += dy * dy;
                s[3][k] += dx * dx;
                s[4][k] += dx * dy;
            }
            if let Some(slot) = suffix
                .chunks_exact_mut(stride)
                .nth(j)
                .filter(|_| j <= later)
            {
                for (m, sum) in s.iter().enumerate() {
                    slot[m * K..(m + 1) * K].copy_from_slice(sum);
                }
            }
        }
        let n = w as f64;
        let value = |k: usize, sums: [f64; 5]| {
            let ok = squares_in_range(sums[2], ay[k]) & squares_in_range(sums[3], ax[k]);
            (co_value(output, n, sums), ok)
        };
        let mut fine = [true; K];
        for k in 0..K {
            let (v, ok) = value(k, std::array::from_fn(|m| s[m][k] + 0.0));
            out[starts[k] + w - 1 - offset] = v;
            fine[k] &= ok;
        }
        let mut p = [[0.0f64; K]; 5];
        for (t, slot) in suffix.chunks_exact(stride).skip(1).take(later).enumerate() {
            for k in 0..K {
                let (dy, dx) = (ys[k][w + t] - ay[k], xs[k][w + t] - ax[k]);
                p[0][k] += dy;
                p[1][k] += dx;
                p[2][k] += dy * dy;
                p[3][k] += dx * dx;
                p[4][k] += dx * dy;
                let (v, ok) = value(k, std::array::from_fn(|m| slot[m * K + k] + p[m][k]));
                out[starts[k] + w + t - offset] = v;
                fine[k] &= ok;
            }
        }
        for k in 0..K {
            fine[k] &= (0..5).all(|m| (s[m][k] + p[m][k]).is_finite());
        }
        fine
    }
}

/// The windows of one block pair: `suffix` holds the rows of the earlier block that
/// are in the lane, `prefix` those of the later one; `outputs` yields (last row,
/// first row) of each window to evaluate, ascending, each ending at most at
/// `prefix.end - 1` and starting in `suffix.start..suffix.start + heads` or at
/// `prefix.start` (only those suffix sums are kept: a row-count window's pair needs
/// the first `prefix.len() + 1`, however long its block). `emit(row, value)`.
#[allow(clippy::too_many_arguments)]
fn block_pair<M: Kind>(
    m: &M,
    suffix: Range<usize>,
    prefix: Range<usize>,
    heads: usize,
    outputs: impl Iterator<Item = (usize, usize)>,
    min_periods: f64,
    scratch: &mut Vec<M::Sums>,
    mut emit: impl FnMut(usize, f64),
) {
    let early = suffix.clone().rev().find_map(|i| m.anchor_at(i));
    let late = prefix.clone().find_map(|i| m.anchor_at(i));
    let (early_anchor, late_anchor) = (early.unwrap_or_default(), late.unwrap_or_default());
    // Suffix sums about the early anchor, summed from the block's end backwards, the
    // first `kept` of them kept; one slot more for an empty suffix.
    let kept = heads.min(suffix.len());
    scratch.clear();
    scratch.resize(kept + 1, M::Sums::default());
    let mut running = M::Sums::default();
    for i in suffix.clone().rev() {
        m.add(&mut running, i, early_anchor);
        if let Some(slot) = scratch
            .get_mut(i - suffix.start)
            .filter(|_| i - suffix.start < kept)
        {
            *slot = running;
        }
    }
    // Prefix sums about each anchor, each advanced only as far as a window needs it.
    let (mut about_early, mut about_late) = (M::Sums::default(), M::Sums::default());
    let (mut next_early, mut next_late) = (prefix.start, prefix.start);
    for (last, first) in outputs {
        if ((last + 1 - first) as f64) < min_periods {
            // Fewer rows than min_periods: NaN, without summing anything.
            emit(last, f64::NAN);
            continue;
        }
        let position = first.clamp(suffix.start, suffix.end) - suffix.start;
        let head = &scratch[if position == suffix.len() {
            kept
        } else {
            position
        }];
        let (sums, anchor) = if M::has_finite(head) {
            while next_early <= last {
                m.add(&mut about_early, next_early, early_anchor);
                next_early += 1;
            }
            (M::plus(head, &about_early), early_anchor)
        } else {
            while next_late <= last {
                m.add(&mut about_late, next_late, late_anchor);
                next_late += 1;
            }
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

/// Whether the AVX2 kernels may run: the CPU has AVX2 (and FMA is not used: Rust
/// never fuses a multiply and an add) and `CAPCYCLE_SIMD` is not `baseline`. They
/// do the scalar path's IEEE operations in the same order, so they give its bits
/// (tested by comparing the two).
pub(crate) fn avx2_allowed() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        static AVX2: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *AVX2.get_or_init(|| {
            std::arch::is_x86_feature_detected!("avx2")
                && std::env::var("CAPCYCLE_SIMD").map_or(true, |v| v != "baseline")
        })
    }
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// The AVX2 twin of [`single_fast`] for four block pairs: rows of the four pairs are
/// loaded four at a time and transposed in registers (4x4), so that each vector holds
/// one row of every pair; the same operations in the same order as the scalar path.
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2 {
    use super::{MomentOutput, LARGEST, SMALLEST};
    use std::arch::x86_64::*;

    /// Rows `r[k]` (four values of pair k) to columns (value i of every pair).
    #[inline]
    #[target_feature(enable = "avx2")]
    pub(crate) fn transpose(r: [__m256d; 4]) -> [__m256d; 4] {
        let t0 = _mm256_unpacklo_pd(r[0], r[1]);
        let t1 = _mm256_unpackhi_pd(r[0], r[1]);
        let t2 = _mm256_unpacklo_pd(r[2], r[3]);
        let t3 = _mm256_unpackhi_pd(r[2], r[3]);
        [
            _mm256_permute2f128_pd::<0x20>(t0, t2),
            _mm256_permute2f128_pd::<0x20>(t1, t3),
            _mm256_permute2f128_pd::<0x31>(t0, t2),
            _mm256_permute2f128_pd::<0x31>(t1, t3),
        ]
    }

    /// Ask for the two cache lines at `at` (any address: a prefetch never faults).
    #[inline]
    #[target_feature(enable = "avx2")]
    fn prefetch(at: *const f64) {
        _mm_prefetch::<_MM_HINT_T0>(at.cast());
        _mm_prefetch::<_MM_HINT_T0>(at.wrapping_add(8).cast());
    }

    /// All-ones where `v` is finite.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn finite(v: __m256d) -> __m256d {
        _mm256_cmp_pd::<_CMP_EQ_OQ>(_mm256_sub_pd(v, v), _mm256_setzero_pd())
    }

    /// One window's value for output `OUT` (0 sum, 1 mean, 2 var, 3 std, 4 zscore):
    /// `variance` and `moment_value`, vectorised, and what the caller checks for
    /// range: the sum, the centred mean, or (squares) nothing (it tracks `s2`).
    #[inline]
    #[target_feature(enable = "avx2")]
    fn value<const OUT: u8>(
        n: __m256d,
        n_less_ddof: __m256d,
        a: __m256d,
        s1: __m256d,
        s2: __m256d,
        newest: __m256d,
    ) -> (__m256d, __m256d) {
        match OUT {
            0 => {
                let sum = _mm256_add_pd(_mm256_mul_pd(a, n), s1);
                (sum, sum)
            }
            1 => {
                let centred = _mm256_div_pd(s1, n);
                (_mm256_add_pd(a, centred), centred)
            }
            _ => {
                let centred_squares = _mm256_sub_pd(_mm256_mul_pd(n, s2), _mm256_mul_pd(s1, s1));
                let var = _mm256_div_pd(centred_squares, _mm256_mul_pd(n, n_less_ddof));
                let var = _mm256_and_pd(_mm256_cmp_pd::<_CMP_GT_OQ>(var, _mm256_setzero_pd()), var);
                let v = match OUT {
                    2 => var,
                    3 => _mm256_sqrt_pd(var),
                    _ => {
                        let std = _mm256_sqrt_pd(var);
                        let z = _mm256_div_pd(
                            _mm256_sub_pd(_mm256_sub_pd(newest, a), _mm256_div_pd(s1, n)),
                            std,
                        );
                        // NaN where the newest row is NaN or std is 0: f64::NAN itself,
                        // as the scalar path gives it.
                        let defined = _mm256_and_pd(
                            _mm256_cmp_pd::<_CMP_GT_OQ>(std, _mm256_setzero_pd()),
                            _mm256_cmp_pd::<_CMP_ORD_Q>(newest, newest),
                        );
                        _mm256_blendv_pd(_mm256_set1_pd(f64::NAN), z, defined)
                    }
                };
                (v, _mm256_setzero_pd())
            }
        }
    }

    /// Range checks over a pair's windows, cheaper than one per window: the sum of
    /// the sums or centred means (finite unless one is not, or they are near
    /// overflow: then the general path redoes the pair, with the same bits), and the
    /// least and largest `s2` (a pair with a window below `SMALLEST`, such as a flat
    /// one, or above `LARGEST` is redone too).
    struct Checks {
        total: __m256d,
        least: __m256d,
        largest: __m256d,
    }

    impl Checks {
        #[inline]
        #[target_feature(enable = "avx2")]
        fn new() -> Self {
            Checks {
                total: _mm256_setzero_pd(),
                least: _mm256_set1_pd(f64::INFINITY),
                largest: _mm256_setzero_pd(),
            }
        }

        #[inline]
        #[target_feature(enable = "avx2")]
        fn add<const OUT: u8>(&mut self, checked: __m256d, s2: __m256d) {
            if OUT < 2 {
                self.total = _mm256_add_pd(self.total, checked);
            } else {
                self.squares(s2);
            }
        }

        /// Track a window's sum of squares.
        #[inline]
        #[target_feature(enable = "avx2")]
        fn squares(&mut self, s2: __m256d) {
            self.least = _mm256_min_pd(self.least, s2);
            self.largest = _mm256_max_pd(self.largest, s2);
        }

        /// [`Checks::add`] only where `valid` (windows the caller reports as NaN
        /// are not evaluated by the scalar path either).
        #[inline]
        #[target_feature(enable = "avx2")]
        fn add_where<const OUT: u8>(&mut self, valid: __m256d, checked: __m256d, s2: __m256d) {
            let checked = _mm256_and_pd(valid, checked);
            let s2 = _mm256_blendv_pd(_mm256_set1_pd(SMALLEST), s2, valid);
            self.add::<OUT>(checked, s2);
        }

        /// All-ones where every window was in range.
        #[inline]
        #[target_feature(enable = "avx2")]
        fn fine(&self) -> __m256d {
            _mm256_and_pd(
                finite(self.total),
                _mm256_and_pd(
                    _mm256_cmp_pd::<_CMP_GE_OQ>(self.least, _mm256_set1_pd(SMALLEST)),
                    _mm256_cmp_pd::<_CMP_LE_OQ>(self.largest, _mm256_set1_pd(LARGEST)),
                ),
            )
        }
    }

    /// The rows of four block pairs of one series: `self.0[k]` is pair k's earlier
    /// block and the first w - 1 rows of its later one.
    struct Quad<'a>([&'a [f64]; 4]);

    impl<'a> Quad<'a> {
        fn new(x: &'a [f64], starts: [usize; 4], w: usize, later: usize) -> Self {
            Quad(std::array::from_fn(|k| {
                &x[starts[k]..starts[k] + w + later]
            }))
        }

        /// Rows j..j + 4 of every pair, as four vectors (row j + i of every pair).
        #[inline]
        #[target_feature(enable = "avx2")]
        fn load(&self, j: usize) -> [__m256d; 4] {
            transpose(std::array::from_fn(|k| {
                let values = &self.0[k][j..j + 4];
                // SAFETY: `values` holds four f64.
                unsafe { _mm256_loadu_pd(values.as_ptr()) }
            }))
        }

        /// Row j of every pair.
        #[inline]
        #[target_feature(enable = "avx2")]
        fn gather(&self, j: usize) -> __m256d {
            let r = &self.0;
            _mm256_set_pd(r[3][j], r[2][j], r[1][j], r[0][j])
        }
    }

    /// Where four block pairs write their `later + 1` windows' values: pair k's from
    /// `out[starts[k] + w - 1 - offset]` on (its earlier block's own window first).
    /// Pointers, not slices: a short group repeats a pair, whose copies write the
    /// same values to the same rows.
    struct Outputs {
        dest: [*mut f64; 4],
        count: usize,
    }

    impl Outputs {
        fn new(out: &mut [f64], starts: [usize; 4], w: usize, later: usize, offset: usize) -> Self {
            for &start in &starts {
                assert!(start + w > offset && start + w + later - offset <= out.len());
            }
            Outputs {
                // SAFETY: in bounds (asserted above).
                dest: std::array::from_fn(|k| unsafe {
                    out.as_mut_ptr().add(starts[k] + w - 1 - offset)
                }),
                count: later + 1,
            }
        }

        /// Output `at` of every pair.
        #[inline]
        #[target_feature(enable = "avx2")]
        fn store(&self, at: usize, v: __m256d) {
            assert!(at < self.count);
            let mut lanes = [0.0f64; 4];
            // SAFETY: `lanes` holds four f64; `at` is within every pair's outputs.
            unsafe {
                _mm256_storeu_pd(lanes.as_mut_ptr(), v);
                for (dest, value) in self.dest.iter().zip(lanes) {
                    *dest.add(at) = value;
                }
            }
        }

        /// Outputs at..at + 4 of every pair, from four vectors (output at + i of every
        /// pair).
        #[inline]
        #[target_feature(enable = "avx2")]
        fn store4(&self, at: usize, v: [__m256d; 4]) {
            assert!(at + 4 <= self.count);
            for (dest, column) in self.dest.iter().zip(transpose(v)) {
                // SAFETY: outputs at..at + 4 are within every pair's outputs.
                unsafe { _mm256_storeu_pd(dest.add(at), column) };
            }
        }
    }

    /// `single_fast::<4, _>` for `output` (whose `ddof`, if any, is below `w`).
    #[target_feature(enable = "avx2")]
    #[allow(clippy::too_many_arguments)]
    pub(super) fn single(
        x: &[f64],
        output: MomentOutput,
        w: usize,
        later: usize,
        starts: [usize; 4],
        out: &mut [f64],
        offset: usize,
        suffix: &mut Vec<f64>,
        nans: Option<f64>,
    ) -> [bool; 4] {
        let (code, ddof) = match output {
            MomentOutput::Sum => (0, 0),
            MomentOutput::Mean => (1, 0),
            MomentOutput::Var { ddof } => (2, ddof),
            MomentOutput::Std { ddof } => (3, ddof),
            MomentOutput::Zscore { ddof } => (4, ddof),
        };
        macro_rules! go {
            ($($code:literal),*) => {
                match (code, nans) {
                    $(
                        ($code, None) => pairs::<$code, false>(x, ddof, w, later, starts, out, offset, suffix, 0.0),
                        ($code, Some(mp)) => pairs::<$code, true>(x, ddof, w, later, starts, out, offset, suffix, mp),
                    )*
                    _ => unreachable!("five outputs"),
                }
            };
        }
        go!(0, 1, 2, 3, 4)
    }

    #[inline]
    #[target_feature(enable = "avx2")]
    #[allow(clippy::too_many_arguments)]
    fn pairs<const OUT: u8, const NANS: bool>(
        x: &[f64],
        ddof: usize,
        w: usize,
        later: usize,
        starts: [usize; 4],
        out: &mut [f64],
        offset: usize,
        suffix: &mut Vec<f64>,
        min_periods: f64,
    ) -> [bool; 4] {
        let squares = OUT >= 2;
        let rows = Quad::new(x, starts, w, later);
        let outputs = Outputs::new(out, starts, w, later, offset);
        let a = rows.gather(w - 1);
        let (zero, one) = (_mm256_setzero_pd(), _mm256_set1_pd(1.0));
        let ddof_v = _mm256_set1_pd(ddof as f64);
        // With NaN rows (NANS): counts per window, NaN rows adding an exact +0.0 to
        // the sums where the scalar path skips them (the same sums: none is -0.0).
        let counts = if squares { 8 } else { 4 };
        let stride = counts + if NANS { 4 } else { 0 };
        // Only the first later + 1 suffix sums are read (each written first: no need
        // to clear), however long the block.
        suffix.resize(suffix.len().max((later + 1) * stride), 0.0);
        let sp = suffix.as_mut_ptr();
        let (mut s1, mut s2, mut n1) = (zero, zero, zero);
        let mut add_suffix = |j: usize, row: __m256d| {
            let d = _mm256_sub_pd(row, a);
            let d = if NANS {
                let present = _mm256_cmp_pd::<_CMP_ORD_Q>(row, row);
                n1 = _mm256_add_pd(n1, _mm256_and_pd(present, one));
                _mm256_and_pd(present, d)
            } else {
                d
            };
            s1 = _mm256_add_pd(s1, d);
            if squares {
                s2 = _mm256_add_pd(s2, _mm256_mul_pd(d, d));
            }
            if j <= later {
                // SAFETY: j <= later, and suffix holds (later + 1) * stride values.
                unsafe {
                    _mm256_storeu_pd(sp.add(j * stride), s1);
                    if squares {
                        _mm256_storeu_pd(sp.add(j * stride + 4), s2);
                    }
                    if NANS {
                        _mm256_storeu_pd(sp.add(j * stride + counts), n1);
                    }
                }
            }
        };
        // Backwards from the block's last row, four rows at a time, then the rest.
        let mut j = w;
        while j >= 4 {
            j -= 4;
            let r = rows.load(j);
            for i in (0..4).rev() {
                add_suffix(j + i, r[i]);
            }
        }
        while j > 0 {
            j -= 1;
            add_suffix(j, rows.gather(j));
        }
        let mut checks = Checks::new();
        // A window's value; with NaN rows, f64::NAN below min_periods (or ddof + 1)
        // observations, those windows unchecked.
        let evaluate =
            |n: __m256d, s1: __m256d, s2: __m256d, newest: __m256d, checks: &mut Checks| {
                let n_less_ddof = _mm256_sub_pd(n, ddof_v);
                if !NANS {
                    let (v, checked) = value::<OUT>(n, n_less_ddof, a, s1, s2, newest);
                    checks.add::<OUT>(checked, s2);
                    return v;
                }
                let mut valid = _mm256_cmp_pd::<_CMP_GE_OQ>(n, _mm256_set1_pd(min_periods));
                if squares {
                    valid = _mm256_and_pd(valid, _mm256_cmp_pd::<_CMP_GT_OQ>(n_less_ddof, zero));
                }
                if _mm256_movemask_pd(valid) == 0 {
                    // Four windows short of min_periods (most, where NaN rows are
                    // common and min_periods is the window): NaN, nothing to check.
                    return _mm256_set1_pd(f64::NAN);
                }
                let (v, checked) = value::<OUT>(n, n_less_ddof, a, s1, s2, newest);
                checks.add_where::<OUT>(valid, checked, s2);
                _mm256_blendv_pd(_mm256_set1_pd(f64::NAN), v, valid)
            };
        let n_whole = if NANS {
            _mm256_add_pd(n1, zero)
        } else {
            _mm256_set1_pd(w as f64)
        };
        // The earlier block's own window.
        let whole1 = _mm256_add_pd(s1, zero);
        let whole2 = _mm256_add_pd(s2, zero);
        outputs.store(0, evaluate(n_whole, whole1, whole2, a, &mut checks));
        let (mut p1, mut p2, mut pn) = (zero, zero, zero);
        let n_full = _mm256_set1_pd(w as f64);
        let mut window = |t: usize, row: __m256d, checks: &mut Checks| -> __m256d {
            let d = _mm256_sub_pd(row, a);
            let (d, n) = if NANS {
                let present = _mm256_cmp_pd::<_CMP_ORD_Q>(row, row);
                pn = _mm256_add_pd(pn, _mm256_and_pd(present, one));
                // SAFETY: t + 1 <= w - 1, so slot t + 1 of suffix exists.
                let head = unsafe { _mm256_loadu_pd(sp.add((t + 1) * stride + counts)) };
                (_mm256_and_pd(present, d), _mm256_add_pd(head, pn))
            } else {
                (d, n_full)
            };
            p1 = _mm256_add_pd(p1, d);
            // SAFETY: t + 1 <= w - 1, so slot t + 1 of suffix exists.
            let w1 = _mm256_add_pd(unsafe { _mm256_loadu_pd(sp.add((t + 1) * stride)) }, p1);
            let w2 = if squares {
                p2 = _mm256_add_pd(p2, _mm256_mul_pd(d, d));
                _mm256_add_pd(unsafe { _mm256_loadu_pd(sp.add((t + 1) * stride + 4)) }, p2)
            } else {
                _mm256_setzero_pd()
            };
            evaluate(n, w1, w2, row, checks)
        };
        // Forwards through the later block's first w - 1 rows.
        // The next group's rows (four blocks on) into the cache while these compute:
        // the backward scan's loads would otherwise wait on memory.
        let ahead = x.as_ptr().wrapping_add(starts[3] + 2 * w);
        let mut t = 0;
        while t + 4 <= later {
            prefetch(ahead.wrapping_add(4 * t));
            let r = rows.load(w + t);
            outputs.store4(
                1 + t,
                std::array::from_fn(|i| window(t + i, r[i], &mut checks)),
            );
            t += 4;
        }
        while t < later {
            outputs.store(1 + t, window(t, rows.gather(w + t), &mut checks));
            t += 1;
        }
        // A NaN or an infinity anywhere leaves a total non-finite.
        let totals = _mm256_and_pd(finite(_mm256_add_pd(s1, p1)), finite(_mm256_add_pd(s2, p2)));
        let mask = _mm256_movemask_pd(_mm256_and_pd(totals, checks.fine()));
        std::array::from_fn(|k| mask & (1 << k) != 0)
    }

    /// `co_value` for output `OUT` (0 cov, 1 corr, 2 beta) of windows of `n > ddof`
    /// (and n >= 2) finite pairs, vectorised.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn co_value<const OUT: u8>(n: __m256d, n_less_ddof: __m256d, s: [__m256d; 5]) -> __m256d {
        let zero = _mm256_setzero_pd();
        let positive = |v: __m256d| _mm256_and_pd(_mm256_cmp_pd::<_CMP_GT_OQ>(v, zero), v);
        let [sy, sx, syy, sxx, sxy] = s;
        let yy = positive(_mm256_sub_pd(_mm256_mul_pd(n, syy), _mm256_mul_pd(sy, sy)));
        let xx = positive(_mm256_sub_pd(_mm256_mul_pd(n, sxx), _mm256_mul_pd(sx, sx)));
        let yy_zero = _mm256_cmp_pd::<_CMP_EQ_OQ>(yy, zero);
        let xx_zero = _mm256_cmp_pd::<_CMP_EQ_OQ>(xx, zero);
        let flat = _mm256_or_pd(yy_zero, xx_zero);
        let xy = _mm256_andnot_pd(
            flat,
            _mm256_sub_pd(_mm256_mul_pd(n, sxy), _mm256_mul_pd(sx, sy)),
        );
        let nan = _mm256_set1_pd(f64::NAN);
        match OUT {
            0 => _mm256_div_pd(xy, _mm256_mul_pd(n, n_less_ddof)),
            1 => {
                let product = _mm256_mul_pd(yy, xx);
                let normal = _mm256_and_pd(
                    _mm256_cmp_pd::<_CMP_GE_OQ>(product, _mm256_set1_pd(f64::MIN_POSITIVE)),
                    _mm256_cmp_pd::<_CMP_LT_OQ>(product, _mm256_set1_pd(f64::INFINITY)),
                );
                let mut norm = _mm256_sqrt_pd(product);
                if _mm256_movemask_pd(normal) != 0xF {
                    let apart = _mm256_mul_pd(_mm256_sqrt_pd(yy), _mm256_sqrt_pd(xx));
                    norm = _mm256_blendv_pd(apart, norm, normal);
                }
                let r = _mm256_div_pd(xy, norm);
                let r = _mm256_min_pd(_mm256_set1_pd(1.0), _mm256_max_pd(_mm256_set1_pd(-1.0), r));
                _mm256_blendv_pd(r, nan, flat)
            }
            _ => _mm256_blendv_pd(_mm256_div_pd(xy, xx), nan, xx_zero),
        }
    }

    /// `Paired::fast::<4>` for output `OUT` (0 cov, 1 corr, 2 beta), `w > ddof`:
    /// as [`pairs`], with the five sums of a pair.
    #[allow(clippy::too_many_arguments)]
    #[target_feature(enable = "avx2")]
    pub(super) fn co_pairs<const OUT: u8, const NANS: bool>(
        y: &[f64],
        x: &[f64],
        ddof: usize,
        w: usize,
        later: usize,
        starts: [usize; 4],
        out: &mut [f64],
        offset: usize,
        suffix: &mut Vec<f64>,
        min_periods: f64,
    ) -> [bool; 4] {
        let (ys, xs) = (
            Quad::new(y, starts, w, later),
            Quad::new(x, starts, w, later),
        );
        let outputs = Outputs::new(out, starts, w, later, offset);
        let (ay, ax) = (ys.gather(w - 1), xs.gather(w - 1));
        let n_full = _mm256_set1_pd(w as f64);
        let ddof_v = _mm256_set1_pd(ddof as f64);
        // As in `pairs`: with NaN rows, counts per window after the five sums.
        let stride = if NANS { 24 } else { 20 };
        // Only the first later + 1 suffix sums are read (each written first: no need
        // to clear), however long the block.
        suffix.resize(suffix.len().max((later + 1) * stride), 0.0);
        let sp = suffix.as_mut_ptr();
        let (zero, one) = (_mm256_setzero_pd(), _mm256_set1_pd(1.0));
        // Add a row to the sums (and return 1 where it counts, with NaN rows).
        let step = |s: &mut [__m256d; 5], yrow: __m256d, xrow: __m256d| -> __m256d {
            let (dy, dx) = (_mm256_sub_pd(yrow, ay), _mm256_sub_pd(xrow, ax));
            let present = if NANS {
                _mm256_and_pd(
                    _mm256_cmp_pd::<_CMP_ORD_Q>(yrow, yrow),
                    _mm256_cmp_pd::<_CMP_ORD_Q>(xrow, xrow),
                )
            } else {
                _mm256_castsi256_pd(_mm256_set1_epi64x(-1))
            };
            let (dy, dx) = if NANS {
                (_mm256_and_pd(present, dy), _mm256_and_pd(present, dx))
            } else {
                (dy, dx)
            };
            s[0] = _mm256_add_pd(s[0], dy);
            s[1] = _mm256_add_pd(s[1], dx);
            s[2] = _mm256_add_pd(s[2], _mm256_mul_pd(dy, dy));
            s[3] = _mm256_add_pd(s[3], _mm256_mul_pd(dx, dx));
            s[4] = _mm256_add_pd(s[4], _mm256_mul_pd(dx, dy));
            _mm256_and_pd(present, one)
        };
        let mut s = [zero; 5];
        let mut n1 = zero;
        let mut add_suffix = |j: usize, yrow: __m256d, xrow: __m256d, s: &mut [__m256d; 5]| {
            let counted = step(s, yrow, xrow);
            if NANS {
                n1 = _mm256_add_pd(n1, counted);
            }
            if j <= later {
                // SAFETY: j <= later, and suffix holds (later + 1) * stride values.
                unsafe {
                    for (m, sum) in s.iter().enumerate() {
                        _mm256_storeu_pd(sp.add(j * stride + 4 * m), *sum);
                    }
                    if NANS {
                        _mm256_storeu_pd(sp.add(j * stride + 20), n1);
                    }
                }
            }
        };
        let mut j = w;
        while j >= 4 {
            j -= 4;
            let (yr, xr) = (ys.load(j), xs.load(j));
            for i in (0..4).rev() {
                add_suffix(j + i, yr[i], xr[i], &mut s);
            }
        }
        while j > 0 {
            j -= 1;
            add_suffix(j, ys.gather(j), xs.gather(j), &mut s);
        }
        // Range: least and largest sums of squares of y and of x over the windows
        // (with NaN rows, over those not below min_periods or ddof + 1 pairs, which
        // are f64::NAN, unchecked, as in the scalar path).
        let (mut least, mut largest) = (_mm256_set1_pd(f64::INFINITY), zero);
        let mut evaluate = |n: __m256d, sums: &[__m256d; 5]| -> __m256d {
            let n_less_ddof = _mm256_sub_pd(n, ddof_v);
            let (small, large) = (
                _mm256_min_pd(sums[2], sums[3]),
                _mm256_max_pd(sums[2], sums[3]),
            );
            if !NANS {
                least = _mm256_min_pd(least, small);
                largest = _mm256_max_pd(largest, large);
                return co_value::<OUT>(n, n_less_ddof, *sums);
            }
            let valid = _mm256_and_pd(
                _mm256_cmp_pd::<_CMP_GE_OQ>(n, _mm256_set1_pd(min_periods)),
                _mm256_cmp_pd::<_CMP_GT_OQ>(n_less_ddof, zero),
            );
            if _mm256_movemask_pd(valid) == 0 {
                // As in `pairs`: four windows short of min_periods, NaN unchecked.
                return _mm256_set1_pd(f64::NAN);
            }
            let v = co_value::<OUT>(n, n_less_ddof, *sums);
            least = _mm256_min_pd(
                least,
                _mm256_blendv_pd(_mm256_set1_pd(SMALLEST), small, valid),
            );
            largest = _mm256_max_pd(largest, _mm256_and_pd(valid, large));
            _mm256_blendv_pd(_mm256_set1_pd(f64::NAN), v, valid)
        };
        let whole: [__m256d; 5] = std::array::from_fn(|m| _mm256_add_pd(s[m], zero));
        let n_whole = if NANS {
            _mm256_add_pd(n1, zero)
        } else {
            n_full
        };
        outputs.store(0, evaluate(n_whole, &whole));
        let mut p = [zero; 5];
        let mut pn = zero;
        let mut window =
            |t: usize, yrow: __m256d, xrow: __m256d, p: &mut [__m256d; 5]| -> __m256d {
                let counted = step(p, yrow, xrow);
                // SAFETY: t + 1 <= w - 1, so slot t + 1 of suffix exists.
                let sums: [__m256d; 5] = std::array::from_fn(|m| {
                    _mm256_add_pd(
                        unsafe { _mm256_loadu_pd(sp.add((t + 1) * stride + 4 * m)) },
                        p[m],
                    )
                });
                let n = if NANS {
                    pn = _mm256_add_pd(pn, counted);
                    // SAFETY: as above.
                    _mm256_add_pd(
                        unsafe { _mm256_loadu_pd(sp.add((t + 1) * stride + 20)) },
                        pn,
                    )
                } else {
                    n_full
                };
                evaluate(n, &sums)
            };
        // As in `pairs`: the next group's rows into the cache.
        let ahead_y = y.as_ptr().wrapping_add(starts[3] + 2 * w);
        let ahead_x = x.as_ptr().wrapping_add(starts[3] + 2 * w);
        let mut t = 0;
        while t + 4 <= later {
            prefetch(ahead_y.wrapping_add(4 * t));
            prefetch(ahead_x.wrapping_add(4 * t));
            let (yr, xr) = (ys.load(w + t), xs.load(w + t));
            outputs.store4(
                1 + t,
                std::array::from_fn(|i| window(t + i, yr[i], xr[i], &mut p)),
            );
            t += 4;
        }
        while t < later {
            outputs.store(1 + t, window(t, ys.gather(w + t), xs.gather(w + t), &mut p));
            t += 1;
        }
        let mut fine = _mm256_and_pd(
            _mm256_cmp_pd::<_CMP_GE_OQ>(least, _mm256_set1_pd(SMALLEST)),
            _mm256_cmp_pd::<_CMP_LE_OQ>(largest, _mm256_set1_pd(LARGEST)),
        );
        for m in 0..5 {
            fine = _mm256_and_pd(fine, finite(_mm256_add_pd(s[m], p[m])));
        }
        let mask = _mm256_movemask_pd(fine);
        std::array::from_fn(|k| mask & (1 << k) != 0)
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
    // Pair c is whole when its earlier block and the first w - 1 rows of its later
    // one are in the lane: the fast path's pairs, whose windows all hold w rows (so
    // it serves only a min_periods of at most w: callers such as valuation's
    // expanding span may ask for more).
    let fast = min_periods <= w as f64;
    let whole = move |c: u128| {
        fast && c >= 1 && (c - 1) * w128 >= r0 && (c + 1) * w128 - 1 <= r0 + len as u128
    };
    let run = |(sums, suffix): &mut (Vec<M::Sums>, Vec<f64>), (c0, piece): (u128, &mut [f64])| {
        let offset = bound(c0);
        let task_end = (c0 + per_task as u128).min(last_block + 2);
        // Whole pairs in groups of four side by side, then one by one; `done[c]`.
        let mut done = vec![false; (task_end - c0) as usize];
        let starts = |c: u128| ((c - 1) * w128 - r0) as usize;
        // Whether to count NaN rows from the start: a guess from the task's first
        // rows (a wrong guess costs a redone group or a slower kernel, not bits).
        let head = bound(c0)..bound(c0 + 4).min(bound(c0) + PARALLEL_ROWS);
        let mut nans = m.any_nan(head);
        let mut c = c0;
        while c < task_end {
            // Whole pairs four at a time; a last group of fewer repeats its last pair
            // (the same bits written twice).
            let group = (c..task_end).take(4).take_while(|&c| whole(c)).count() as u128;
            if group > 1 {
                let pair = |k: u128| starts(c + k.min(group - 1));
                let group_starts = [pair(0), pair(1), pair(2), pair(3)];
                let mut in_lockstep = |suffix: &mut Vec<f64>, nans| {
                    m.fast::<4>(w, w - 1, group_starts, piece, offset, suffix, nans)
                };
                let mut fine = in_lockstep(suffix, nans.then_some(min_periods));
                if !nans && fine.contains(&false) {
                    // Most likely a NaN: from here on, the kernels that count them.
                    nans = true;
                    fine = in_lockstep(suffix, Some(min_periods));
                }
                for (k, ok) in fine.into_iter().take(group as usize).enumerate() {
                    done[(c - c0) as usize + k] = ok;
                }
                c += group;
                continue;
            }
            // One pair, possibly cut short by the lane's end.
            let block_end = c * w128;
            if fast && c >= 1 && (c - 1) * w128 >= r0 && block_end <= r0 + len as u128 {
                let later = ((r0 + len as u128 - block_end) as usize).min(w - 1);
                let start = starts(c);
                let with_nan = m.any_nan(start..start + w + later);
                if avx2_allowed() {
                    // The AVX2 kernels with the pair in all four lanes (the same values
                    // written four times), counting NaN rows where there are some.
                    let nans = with_nan.then_some(min_periods);
                    let fine = m.fast::<4>(w, later, [start; 4], piece, offset, suffix, nans);
                    done[(c - c0) as usize] = fine[0];
                } else if !with_nan {
                    // The scalar fast path fails on a NaN: looked for first (a cheap
                    // pass) rather than scanning a block twice.
                    let [ok] = m.fast::<1>(w, later, [start], piece, offset, suffix, None);
                    done[(c - c0) as usize] = ok;
                }
            }
            c += 1;
        }
        for c in c0..task_end {
            if done[(c - c0) as usize] {
                continue;
            }
            let suffix = local((c.max(1) - 1) * w128)..local(c * w128);
            let suffix = if c == 0 { 0..0 } else { suffix };
            let prefix = local(c * w128)..local((c + 1) * w128);
            let rows = bound(c)..bound(c + 1);
            let outputs = rows.map(|i| (i, (i + 1).saturating_sub(w).max(suffix.start)));
            let heads = prefix.len() + 1;
            block_pair(
                m,
                suffix.clone(),
                prefix,
                heads,
                outputs,
                min_periods,
                sums,
                |i, v| piece[i - offset] = v,
            );
        }
    };
    if parallel && tasks > 1 {
        pieces.into_par_iter().for_each_init(Default::default, run);
    } else {
        let mut scratch = Default::default();
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
        let heads = suffix.len();
        block_pair(
            m,
            suffix,
            i..end,
            heads,
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

    /// Every pair of a row-count window through the general path alone.
    fn general<M: Kind>(m: &M, len: usize, w: usize, mp: usize) -> Vec<f64> {
        let mut out = vec![f64::NAN; len];
        let mut scratch = Vec::new();
        for c in 0..=len / w + 1 {
            let suffix = (c.max(1) - 1) * w..(c * w).min(len);
            let suffix = if c == 0 {
                0..0
            } else {
                suffix.start.min(len)..suffix.end
            };
            let prefix = (c * w).min(len)..((c + 1) * w).min(len);
            let rows = (c * w).saturating_sub(1).min(len)..((c + 1) * w - 1).min(len);
            let outputs = rows.map(|i| (i, (i + 1).saturating_sub(w)));
            let heads = prefix.len() + 1;
            block_pair(
                m,
                suffix,
                prefix,
                heads,
                outputs,
                mp as f64,
                &mut scratch,
                |i, v| out[i] = v,
            );
        }
        out
    }

    #[test]
    fn the_fast_path_gives_the_general_bits() {
        let finite: Vec<f64> = hostile(2000)
            .into_iter()
            .map(|v| if v.is_nan() { 0.5 } else { v })
            .collect();
        // Sparse NaN (the counting kernels), and NaN at a block's last row.
        let mut sparse = finite.clone();
        for i in [7usize, 63, 64, 300, 301, 599, 1200, 1201, 1202] {
            sparse[i] = f64::NAN;
        }
        // NaN every 29 rows: every 64-row window holds two or three, so at
        // min_periods 64 all four pairs of a group are short at once (the counting
        // kernels skip their values), at 62 some are.
        let mut dense = finite.clone();
        for v in dense.iter_mut().skip(3).step_by(29) {
            *v = f64::NAN;
        }
        for x in [finite, sparse, dense, hostile(2000)] {
            let y: Vec<f64> = x.iter().rev().map(|v| v * 0.5 + 3.0).collect();
            for (w, mp) in [
                (1usize, 1usize),
                (2, 0),
                (5, 5),
                (5, 2),
                (64, 0),
                (64, 60),
                (64, 62),
                (64, 64),
                (300, 1),
            ] {
                for output in [
                    MomentOutput::Sum,
                    MomentOutput::Mean,
                    MomentOutput::Var { ddof: 1 },
                    MomentOutput::Std { ddof: 0 },
                    MomentOutput::Zscore { ddof: 1 },
                ] {
                    let fast = rolled(&x, w, 0, mp, output);
                    let single = Single { x: &x, output };
                    let want = general(&single, x.len(), w, mp);
                    let first = (0..x.len()).find(|&i| !same(&fast[i..=i], &want[i..=i]));
                    let context = format!(
                        "{output:?} w={w} mp={mp} row {first:?}: {:?}",
                        first.map(|i| (fast[i], want[i], &x[i.saturating_sub(6)..=i]))
                    );
                    assert!(same(&fast, &want), "{context}");
                }
                for output in [
                    CoMomentOutput::Cov { ddof: 1 },
                    CoMomentOutput::Corr,
                    CoMomentOutput::Beta,
                ] {
                    let mut fast = vec![0.0; x.len()];
                    let grid = Grid::Rows { w, first_row: 0 };
                    co_moments(&y, &x, grid, mp, output, &mut fast, true);
                    let paired = Paired {
                        y: &y,
                        x: &x,
                        output,
                    };
                    let context = format!("{output:?} w={w} mp={mp}");
                    assert!(same(&fast, &general(&paired, x.len(), w, mp)), "{context}");
                }
            }
        }
    }

    #[test]
    fn thread_counts_give_the_same_bits() {
        let x = hostile(300_000);
        for w in [3usize, 252, 100_000] {
            let in_pool = |threads: usize| {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .expect("a thread pool");
                pool.install(|| rolled(&x, w, 0, 1, MomentOutput::Std { ddof: 1 }))
            };
            assert!(same(&in_pool(1), &in_pool(3)), "w={w}");
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
    fn tiny_values_after_large_ones_keep_their_spread() {
        // Found by a thorough hypothesis run of the old engine: the window of 2^-149
        // and 0 after values near 1e5 (squares of its deviations underflow: evaluated
        // directly, scaled).
        let x = [
            0.0,
            628105.0,
            394005.2890625,
            2f64.powi(-149),
            f64::NAN,
            0.0,
        ];
        let z = rolled(&x, 3, 0, 0, MomentOutput::Zscore { ddof: 1 });
        assert!((z[5] + 0.5f64.sqrt()).abs() < 1e-12, "{}", z[5]);
        let std = rolled(&x, 3, 0, 0, MomentOutput::Std { ddof: 1 });
        let expected = 2f64.powi(-149) / 2f64.sqrt();
        assert!((std[5] - expected).abs() <= 1e-12 * expected, "{}", std[5]);
    }

    #[test]
    fn min_periods_above_the_window_gives_nan() {
        // Valuation's expanding span runs a window of the lane's length with its own
        // min_periods, which may exceed it.
        for output in [MomentOutput::Mean, MomentOutput::Zscore { ddof: 1 }] {
            let out = rolled(&[0.0, 0.01], 2, 0, 3, output);
            assert!(out.iter().all(|v| v.is_nan()), "{output:?}");
        }
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
