//! The window engine of extremes and order statistics, and the accumulators it drives.
//!
//! Every rolling and expanding minimum, maximum, median, quantile, MAD and percentile
//! rank in capcycle goes through [`run`] (moments have an engine of their own that
//! never pops: [`crate::kernels::moments`]): it walks a lane (one column) row by row, keeps the window
//! `[start(i), i]` of each output row in an [`Accumulator`] by pushing the row that
//! enters and popping the rows that leave, skips NaN observations, and writes NaN
//! where fewer than `min_periods` observations are in the window.
//!
//! Two accumulators serve those statistics:
//! - [`Extremum`]: a monotonic deque (min, max), O(1) amortised per step;
//! - [`OrderStats`]: a Fenwick tree over value ranks (median, quantile, MAD), O(log w)
//!   per step, used for expanding windows too.
//!
//! A lane is one column ([`&[f64]`](Lane)).

use std::collections::VecDeque;

use crate::kernels::KernelError;

/// Which rows make up the window of output row `i`.
#[derive(Clone, Copy, Debug)]
pub enum Window<'a> {
    /// The last `n` rows, ending at and including row `i` (n >= 1). An `n` of at
    /// least the lane's length is an expanding window.
    Rows(usize),
    /// Rows whose time lies in `(t_i - span, t_i]` (pandas' `closed="right"`);
    /// `times` sorted ascending, one per row; `span >= 1`, in the units of `times`.
    Span { times: &'a [i64], span: i64 },
}

impl<'a> Window<'a> {
    /// Check the window against a lane length; errors name the argument.
    pub fn validate(&self, len: usize) -> Result<(), KernelError> {
        match *self {
            Window::Rows(0) => Err(KernelError::invalid("window", "must be at least 1")),
            Window::Rows(_) => Ok(()),
            Window::Span { times, span } => {
                if span < 1 {
                    return Err(KernelError::invalid(
                        "window",
                        "a duration must be positive",
                    ));
                }
                if times.len() != len {
                    return Err(KernelError::shape(
                        "times",
                        format!("has {} timestamps for {} rows", times.len(), len),
                    ));
                }
                if times.windows(2).any(|w| w[1] < w[0]) {
                    return Err(KernelError::invalid(
                        "times",
                        "must be sorted ascending for a duration window (sort the index first)",
                    ));
                }
                Ok(())
            }
        }
    }

    /// The first row of each output row's window, as an iterator over rows.
    fn starts(&self, len: usize) -> Starts<'a> {
        Starts {
            window: *self,
            len,
            row: 0,
            start: 0,
        }
    }

    /// The most rows any window holds over a lane of `len` rows.
    pub fn max_rows(&self, len: usize) -> usize {
        match *self {
            Window::Rows(n) => n.min(len),
            Window::Span { .. } => self
                .starts(len)
                .enumerate()
                .map(|(i, s)| i + 1 - s)
                .max()
                .unwrap_or(0),
        }
    }
}

/// Window starts, advanced incrementally (O(1) amortised per row for durations).
struct Starts<'a> {
    window: Window<'a>,
    len: usize,
    row: usize,
    start: usize,
}

impl Iterator for Starts<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        let i = self.row;
        if i >= self.len {
            return None;
        }
        self.row += 1;
        match self.window {
            Window::Rows(n) => Some((i + 1).saturating_sub(n)),
            Window::Span { times, span } => {
                // Rows with t <= t_i - span have left; saturating so i64::MIN times do not wrap.
                let oldest_excluded = times[i].saturating_sub(span);
                while self.start < i && times[self.start] <= oldest_excluded {
                    self.start += 1;
                }
                Some(self.start)
            }
        }
    }
}

/// What the engine reads at each row, and what it writes for it.
pub trait Lane: Sync {
    /// The values of one row.
    type Obs: Copy;
    /// The outputs of one row; `EMPTY` where fewer than min_periods observations.
    type Row: Copy;
    const EMPTY: Self::Row;
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    fn obs(&self, i: usize) -> Self::Obs;
    /// Whether a row counts towards the engine's count.
    fn counts(obs: Self::Obs) -> bool;
}

impl Lane for &[f64] {
    type Obs = f64;
    type Row = f64;
    const EMPTY: f64 = f64::NAN;
    fn len(&self) -> usize {
        <[f64]>::len(self)
    }
    #[inline]
    fn obs(&self, i: usize) -> f64 {
        self[i]
    }
    #[inline]
    fn counts(obs: f64) -> bool {
        !obs.is_nan()
    }
}

/// A summary of the observations in the current window.
pub trait Accumulator<L: Lane> {
    /// Re-prepare every `rebuild_every(max_rows)` rows (None: never). The engine pops
    /// the rows that left, then calls `reset` and pushes the window's rows again.
    fn rebuild_every(&self, max_rows: usize) -> Option<usize>;
    /// Empty the accumulator and load the rows `start..now` (the window without row
    /// `now`); until the next reset it will see only rows in `start..end`.
    fn reset(&mut self, lane: &L, start: usize, now: usize, end: usize);
    /// Push the counting rows of `start..now`: what most `reset`s do after clearing.
    fn load(&mut self, lane: &L, start: usize, now: usize) {
        for j in start..now {
            let obs = lane.obs(j);
            if L::counts(obs) {
                self.push(j, obs);
            }
        }
    }
    fn push(&mut self, row: usize, obs: L::Obs);
    fn pop(&mut self, row: usize, obs: L::Obs);
    /// The statistic over the `count` observations in the window; `newest` is row i's.
    fn value(&mut self, count: usize, newest: L::Obs) -> L::Row;
}

/// Run `acc` over every row of `lane`, handing each row's output to `emit(row, output)`.
///
/// The window must have been validated by the caller.
#[inline(always)]
pub fn run<L: Lane, A: Accumulator<L>>(
    lane: &L,
    window: &Window,
    min_periods: usize,
    acc: &mut A,
    mut emit: impl FnMut(usize, L::Row),
) {
    let len = lane.len();
    let max_rows = window.max_rows(len).max(1);
    let period = acc.rebuild_every(max_rows).map(|p| p.max(1));
    let mut next_rebuild = 0;
    let mut oldest = 0; // first row not yet popped
    let mut count = 0;
    for (i, start) in window.starts(len).enumerate() {
        // Pops come first even when a rebuild is due, so that an accumulator made of
        // others (`Standardised`) can leave the parts that are not due untouched.
        for j in oldest..start {
            let obs = lane.obs(j);
            if L::counts(obs) {
                acc.pop(j, obs);
                count -= 1;
            }
        }
        if period.is_some_and(|_| i >= next_rebuild) {
            let p = period.unwrap_or(max_rows);
            acc.reset(lane, start, i, (i + p).min(len));
            count = (start..i).filter(|&j| L::counts(lane.obs(j))).count();
            next_rebuild = i + p;
        }
        oldest = start;
        let obs = lane.obs(i);
        if L::counts(obs) {
            acc.push(i, obs);
            count += 1;
        }
        emit(
            i,
            if count >= min_periods {
                acc.value(count, obs)
            } else {
                L::EMPTY
            },
        );
    }
}

/// A z-score as valuation defines it: `(value - centre) / scale`, NaN where the value
/// is NaN or infinite or the scale is 0 or NaN.
#[inline]
pub fn standardise(value: f64, centre: f64, scale: f64) -> f64 {
    if value.is_finite() && scale > 0.0 && scale.is_finite() {
        (value - centre) / scale
    } else {
        f64::NAN
    }
}

/// The [`standardise`]d newest value against a centre and `factor` times a scale,
/// both accumulated over the same window: one pass of the engine where a centre
/// pass, a scale pass and a combining pass would go over the lane three times.
///
/// A part with a rebuild period is rebuilt with the block; one without never, so
/// each part sees exactly the pushes, pops and resets of a pass of its own and gives
/// the same bits.
#[derive(Clone, Debug)]
pub struct Standardised<C, S> {
    centre: C,
    scale: S,
    factor: f64,
}

impl<C, S> Standardised<C, S> {
    pub fn new(centre: C, scale: S, factor: f64) -> Self {
        Standardised {
            centre,
            scale,
            factor,
        }
    }
}

/// Whether the engine's rebuild at this row is one `acc` asked for.
fn rebuild_due<L: Lane, A: Accumulator<L>>(acc: &A, max_rows: usize) -> bool {
    acc.rebuild_every(max_rows).is_some()
}

impl<L: Lane<Obs = f64, Row = f64>, C: Accumulator<L>, S: Accumulator<L>> Accumulator<L>
    for Standardised<C, S>
{
    fn rebuild_every(&self, max_rows: usize) -> Option<usize> {
        match (
            self.centre.rebuild_every(max_rows),
            self.scale.rebuild_every(max_rows),
        ) {
            (Some(c), Some(s)) => Some(c.min(s)),
            (c, s) => c.or(s),
        }
    }

    fn reset(&mut self, lane: &L, start: usize, now: usize, end: usize) {
        let max_rows = end - start;
        if rebuild_due(&self.centre, max_rows) {
            self.centre.reset(lane, start, now, end);
        }
        if rebuild_due(&self.scale, max_rows) {
            self.scale.reset(lane, start, now, end);
        }
    }

    #[inline]
    fn push(&mut self, row: usize, x: f64) {
        self.centre.push(row, x);
        self.scale.push(row, x);
    }

    #[inline]
    fn pop(&mut self, row: usize, x: f64) {
        self.centre.pop(row, x);
        self.scale.pop(row, x);
    }

    fn value(&mut self, count: usize, newest: f64) -> f64 {
        let centre = self.centre.value(count, newest);
        let scale = self.factor * self.scale.value(count, newest);
        standardise(newest, centre, scale)
    }
}

/// Which end a [`Extremum`] keeps.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Extreme {
    Min,
    Max,
}

/// Window minimum or maximum with a monotonic deque of (row, value): each row is
/// pushed and popped once, so a step costs O(1) amortised whatever the window.
#[derive(Clone, Debug)]
pub struct Extremum {
    which: Extreme,
    deque: VecDeque<(usize, f64)>,
}

impl Extremum {
    pub fn new(which: Extreme) -> Self {
        Extremum {
            which,
            deque: VecDeque::new(),
        }
    }
}

impl<L: Lane<Obs = f64, Row = f64>> Accumulator<L> for Extremum {
    fn rebuild_every(&self, _max_rows: usize) -> Option<usize> {
        None
    }

    fn reset(&mut self, lane: &L, start: usize, now: usize, _end: usize) {
        self.deque.clear();
        self.load(lane, start, now);
    }

    #[inline]
    fn push(&mut self, row: usize, x: f64) {
        // Drop the values the newcomer dominates: they can never be the extreme again.
        while let Some(&(_, back)) = self.deque.back() {
            let dominated = match self.which {
                Extreme::Max => back <= x,
                Extreme::Min => back >= x,
            };
            if !dominated {
                break;
            }
            self.deque.pop_back();
        }
        self.deque.push_back((row, x));
    }

    #[inline]
    fn pop(&mut self, row: usize, _x: f64) {
        if self.deque.front().is_some_and(|&(r, _)| r == row) {
            self.deque.pop_front();
        }
    }

    fn value(&mut self, count: usize, _newest: f64) -> f64 {
        match self.deque.front() {
            Some(&(_, v)) if count > 0 => v,
            _ => f64::NAN,
        }
    }
}

/// A u64 that orders like `x` under `f64::total_cmp` (sign bit flipped for
/// positives, all bits for negatives), so ranking sorts integers.
#[inline]
fn order_key(x: f64) -> u64 {
    let bits = x.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

/// The ascending packed keys `a` and `b` (see `OrderStats::reset`), merged into `out`
/// without a branch on the keys (which way it goes is a coin toss): an exhausted
/// list offers u64::MAX, the packed key of no float.
fn merge_into(a: &[u64], b: &[u64], out: &mut Vec<u64>) {
    out.clear();
    out.reserve(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    for _ in 0..a.len() + b.len() {
        let from_a = a.get(i).copied().unwrap_or(u64::MAX);
        let from_b = b.get(j).copied().unwrap_or(u64::MAX);
        let take_a = from_a < from_b;
        out.push(from_a.min(from_b));
        i += usize::from(take_a);
        j += usize::from(!take_a);
    }
}

/// Which ranks hold a value of the window: a bitset with a summary level per 64
/// words (a word of the level above is set where a word below is non-empty), so the
/// next live rank above or below any rank is found in O(log₆₄ n) word operations
/// however far away it is (a sparse expanding window early on), and the bits of a
/// million ranks (128 KB) stay in cache.
#[derive(Clone, Debug, Default)]
struct LiveSet {
    /// `levels[0]` has one bit per rank; each next level one bit per word below; the
    /// last level is a single word.
    levels: Vec<Vec<u64>>,
}

impl LiveSet {
    /// Empty, with room for ranks `0..ranks`.
    fn reset(&mut self, ranks: usize) {
        let mut words = ranks.div_ceil(64).max(1);
        let mut depth = 0;
        loop {
            if self.levels.len() <= depth {
                self.levels.push(Vec::new());
            }
            self.levels[depth].clear();
            self.levels[depth].resize(words, 0);
            depth += 1;
            if words == 1 {
                break;
            }
            words = words.div_ceil(64);
        }
        self.levels.truncate(depth);
    }

    #[inline]
    fn contains(&self, rank: usize) -> bool {
        self.levels[0][rank >> 6] >> (rank & 63) & 1 == 1
    }

    #[inline]
    fn insert(&mut self, rank: usize) {
        let mut bit = rank;
        for level in self.levels.iter_mut() {
            let word = &mut level[bit >> 6];
            let was_empty = *word == 0;
            *word |= 1 << (bit & 63);
            if !was_empty {
                break;
            }
            bit >>= 6;
        }
    }

    #[inline]
    fn remove(&mut self, rank: usize) {
        let mut bit = rank;
        for level in self.levels.iter_mut() {
            let word = &mut level[bit >> 6];
            *word &= !(1 << (bit & 63));
            if *word != 0 {
                break;
            }
            bit >>= 6;
        }
    }

    /// The rank of the k-th live value (1-based), by counting bits: O(ranks / 64).
    fn nth(&self, k: usize) -> Option<usize> {
        let mut remaining = k.checked_sub(1)?;
        for (index, &word) in self.levels[0].iter().enumerate() {
            let live = word.count_ones() as usize;
            if remaining < live {
                let mut word = word;
                for _ in 0..remaining {
                    word &= word - 1;
                }
                return Some(index * 64 + word.trailing_zeros() as usize);
            }
            remaining -= live;
        }
        None
    }

    /// The first live rank above `rank`.
    #[inline]
    fn above(&self, rank: usize) -> Option<usize> {
        // Climb until a word holds a set bit at or after `from`, then descend to the
        // lowest set bit under it.
        let mut from = rank + 1;
        for (depth, level) in self.levels.iter().enumerate() {
            let word = level.get(from >> 6)? & (u64::MAX << (from & 63));
            if word != 0 {
                let mut found = (from & !63) | word.trailing_zeros() as usize;
                for below in self.levels[..depth].iter().rev() {
                    found = (found << 6) | below[found].trailing_zeros() as usize;
                }
                return Some(found);
            }
            from = (from >> 6) + 1;
        }
        None
    }

    /// The last live rank below `rank`.
    #[inline]
    fn below(&self, rank: usize) -> Option<usize> {
        let mut through = rank.checked_sub(1)?;
        for (depth, level) in self.levels.iter().enumerate() {
            let word = level[through >> 6] & (u64::MAX >> (63 - (through & 63)));
            if word != 0 {
                let mut found = (through & !63) | (63 - word.leading_zeros() as usize);
                for below in self.levels[..depth].iter().rev() {
                    found = (found << 6) | (63 - below[found].leading_zeros() as usize);
                }
                return Some(found);
            }
            through = (through >> 6).checked_sub(1)?;
        }
        None
    }
}

/// What an [`OrderStats`] accumulator reports.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OrderOutput {
    Median,
    /// Linear interpolation between the order statistics around `q * (count - 1)`,
    /// as pandas and numpy's default.
    Quantile(f64),
    /// Share of the window's observations at or below the newest one.
    PercentileRank,
    /// Median absolute deviation from the window's median (unscaled), O(log² w):
    /// see `OrderStats::mad`.
    Mad,
}

/// Order statistics of a window: a Fenwick tree counting the live observations by
/// their rank among the rows the accumulator was prepared for, with O(log w) push,
/// pop and k-th smallest.
///
/// Ranks are computed for the `w + 4w` rows the windows of a block of `4w` rows can
/// hold (`BLOCK_WINDOWS`), so the tree stays a few windows in size and in cache; for
/// an expanding window `w` is the whole lane and the tree is built once.
#[derive(Clone, Debug)]
pub struct OrderStats {
    output: OrderOutput,
    base: usize,
    rank_of: Vec<u32>,
    sorted: Vec<f64>,
    /// The ranks whose value is in the window.
    live: LiveSet,
    /// Fenwick tree of `live`, padded to a power of two so the descent needs no
    /// bounds test (and compiles without branches).
    tree: Vec<u32>,
    /// The rows the last reset sorted (`fresh_from..end`) as packed keys (see
    /// `reset`), ascending: the next reset keeps those still in its rows instead of
    /// sorting them again. `kept` and `merged` are the buffers it ranks through.
    fresh: Vec<u64>,
    kept: Vec<u64>,
    merged: Vec<u64>,
    fresh_from: usize,
    /// The low bits of a packed key that hold `row - base`.
    offset_bits: u32,
    /// One past the last ranked row, once rows are ranked.
    ranked_end: Option<usize>,
    /// The last selected live rank, kept in step with pushes and pops.
    cursor: Option<Cursor>,
    /// Whether pushes and pops update the tree. Medians and quantiles follow the
    /// cursor and rebuild the tree in O(w) only when a selection needs it; a second
    /// such need within a block turns updates on (O(log w) a step, the worst case).
    /// A row-count window's cursor moves at most two positions a step, so after the
    /// first selection of a block it never needs the tree: an expanding median pays
    /// O(log₆₄ n) a step in a cache-sized [`LiveSet`], not a tree update per row.
    eager: bool,
    tree_valid: bool,
    misses: usize,
}

/// A live rank and its position among the live values (1-based): the median of the
/// next window is a step or two away, found by walking [`LiveSet`] instead of a
/// descent of the tree.
#[derive(Clone, Copy, Debug)]
struct Cursor {
    rank: usize,
    position: usize,
}

/// Rows between two resets, in windows. Each reset merges the rows kept from the
/// last block (a window's worth) with the new ones, and loads a window: longer
/// blocks spread that over more rows, at a slightly longer sort per row (a
/// rolling(252) median is 13% faster with 4 than with 1; 8 and 16 gain no more).
const BLOCK_WINDOWS: usize = 4;

/// Rankings up to this size serve every selection the cursor misses by counting
/// live bits (at most 64 words) instead of keeping the tree current at every push
/// and pop.
const COUNTED_RANKS: usize = 64 * 64;

/// The farthest (in positions) a selection walks from the cursor before it descends
/// the tree instead.
const WALK: usize = 4;

impl OrderStats {
    pub fn new(output: OrderOutput) -> Self {
        OrderStats {
            output,
            base: 0,
            rank_of: Vec::new(),
            sorted: Vec::new(),
            live: LiveSet::default(),
            tree: Vec::new(),
            fresh: Vec::new(),
            kept: Vec::new(),
            merged: Vec::new(),
            fresh_from: 0,
            offset_bits: 0,
            ranked_end: None,
            cursor: None,
            eager: !matches!(output, OrderOutput::Median | OrderOutput::Quantile(_)),
            tree_valid: false,
            misses: 0,
        }
    }

    #[inline]
    fn update(&mut self, rank: u32, delta: i32) {
        let mut i = rank as usize + 1;
        while i < self.tree.len() {
            self.tree[i] = self.tree[i].wrapping_add_signed(delta);
            i += i & i.wrapping_neg();
        }
    }

    /// The rank of the k-th smallest live value (1-based), by binary lifting down
    /// the tree.
    #[inline]
    fn kth_rank(&self, k: usize) -> usize {
        let mut pos = 0;
        let mut remaining = k as u32;
        // The tree covers a power of two of ranks, whose total is >= k: start below it.
        let mut step = self.tree.len().saturating_sub(1) / 2;
        while step > 0 {
            let count = self.tree[pos + step];
            let take = (count < remaining) as usize;
            pos += step * take;
            remaining -= count * take as u32;
            step >>= 1;
        }
        pos
    }

    /// The k-th smallest live value (1-based).
    fn kth(&self, k: usize) -> f64 {
        self.sorted
            .get(self.kth_rank(k))
            .copied()
            .unwrap_or(f64::NAN)
    }

    /// The Fenwick tree of `live`, in O(ranks).
    fn build_tree(&mut self) {
        self.tree.clear();
        self.tree
            .resize(self.sorted.len().next_power_of_two() + 1, 0);
        for rank in 0..self.sorted.len() {
            self.tree[rank + 1] = self.live.contains(rank) as u32;
        }
        for i in 1..self.tree.len() {
            let parent = i + (i & i.wrapping_neg());
            if parent < self.tree.len() {
                self.tree[parent] += self.tree[i];
            }
        }
        self.tree_valid = true;
    }

    /// `kth_rank` for a selection the cursor could not make (see `eager`).
    fn kth_rank_uncached(&mut self, k: usize) -> usize {
        if !self.eager {
            self.misses += 1;
            // The first miss of a block is the reset's own; a second means the
            // cursor is not keeping up (a window below min_periods is not selected
            // in, so the cursor drifts): keep the tree current from now on, unless
            // counting the bits of a few windows costs less than that.
            self.eager = self.misses > 1 && self.sorted.len() > COUNTED_RANKS;
            if !self.eager && !self.tree_valid {
                // One selection: counting the live bits, O(ranks / 64), costs less
                // than building the tree, O(ranks).
                return self
                    .live
                    .nth(k)
                    .unwrap_or(self.sorted.len().saturating_sub(1));
            }
        }
        if !self.tree_valid {
            self.build_tree();
        }
        self.kth_rank(k)
    }

    /// The rank of the k-th smallest live value (1-based): from the cursor when it
    /// is a few short scans away, else by the tree.
    fn select(&mut self, k: usize) -> usize {
        if let Some(mut cursor) = self.cursor.filter(|c| c.position.abs_diff(k) <= WALK) {
            while cursor.position != k {
                let next = if cursor.position < k {
                    self.live.above(cursor.rank)
                } else {
                    self.live.below(cursor.rank)
                };
                match next {
                    Some(rank) if cursor.position < k => {
                        cursor = Cursor {
                            rank,
                            position: cursor.position + 1,
                        }
                    }
                    Some(rank) => {
                        cursor = Cursor {
                            rank,
                            position: cursor.position - 1,
                        }
                    }
                    None => break,
                }
            }
            if cursor.position == k {
                self.cursor = Some(cursor);
                return cursor.rank;
            }
        }
        let rank = self.kth_rank_uncached(k);
        self.cursor = Some(Cursor { rank, position: k });
        rank
    }

    /// The next live value above the live value of `rank`.
    fn after(&self, rank: usize) -> f64 {
        self.live
            .above(rank)
            .and_then(|next| self.sorted.get(next))
            .copied()
            .unwrap_or(f64::NAN)
    }

    /// How many live values have rank <= `rank`.
    fn count_through(&self, rank: u32) -> usize {
        let mut i = rank as usize + 1;
        let mut total = 0usize;
        while i > 0 {
            total += self.tree[i] as usize;
            i &= i - 1;
        }
        total
    }

    fn median(&mut self, count: usize) -> f64 {
        if count % 2 == 1 {
            let middle = self.select(count / 2 + 1);
            self.sorted[middle]
        } else {
            // Halve first: the mean of two finite values can not overflow.
            let lower = self.select(count / 2);
            self.sorted[lower] / 2.0 + self.after(lower) / 2.0
        }
    }

    /// The median without moving the cursor (for the MAD's searches).
    fn median_at_rest(&self, count: usize) -> f64 {
        if count % 2 == 1 {
            self.kth(count / 2 + 1)
        } else {
            self.kth(count / 2) / 2.0 + self.kth(count / 2 + 1) / 2.0
        }
    }

    /// The median of |v - m| over the `count` live values v, m their median.
    ///
    /// No second structure: with the live values sorted a_1 <= .. <= a_c and
    /// h = c / 2 (so a_h <= m <= a_{h+1}), the deviations are the union of two
    /// ascending lists read straight off the tree, left(i) = m - a_{h+1-i} and
    /// right(j) = a_{h+j} - m. The k-th smallest of two sorted lists is a binary
    /// search over how many come from the left (O(log c) probes), each probe a
    /// `kth` descent (O(log w)): O(log² w) per row, expanding windows included.
    /// Float subtraction is monotone, so the lists stay sorted after rounding and
    /// the result is bit-identical to `median(abs(w - median(w)))` in numpy.
    fn mad(&self, count: usize) -> f64 {
        let m = self.median_at_rest(count);
        if !m.is_finite() {
            return f64::NAN;
        }
        let (h, r) = (count / 2, count - count / 2);
        let left = |i: usize| m - self.kth(h + 1 - i);
        let right = |j: usize| self.kth(h + j) - m;
        // The k-th smallest deviation, k = ceil(c / 2): take i from the left and
        // k - i from the right, with i the first split whose next left deviation
        // is not below the last right one taken.
        let k = count.div_ceil(2);
        let (mut lo, mut hi) = (k.saturating_sub(r), k.min(h));
        while lo < hi {
            let i = lo + (hi - lo) / 2;
            if left(i + 1) < right(k - i) {
                lo = i + 1;
            } else {
                hi = i;
            }
        }
        let (i, j) = (lo, k - lo);
        let kth = match (i, j) {
            (0, _) => right(j),
            (_, 0) => left(i),
            _ => left(i).max(right(j)),
        };
        if count % 2 == 1 {
            return kth;
        }
        // Even count: average with the (k+1)-th, the smaller of the two next in line.
        let next = match (i < h, j < r) {
            (true, true) => left(i + 1).min(right(j + 1)),
            (true, false) => left(i + 1),
            _ => right(j + 1),
        };
        kth / 2.0 + next / 2.0
    }

    fn quantile(&mut self, count: usize, q: f64) -> f64 {
        let position = q * (count - 1) as f64;
        let below = position.floor();
        let fraction = position - below;
        let low_rank = self.select(below as usize + 1);
        let low = self.sorted[low_rank];
        if fraction == 0.0 {
            return low;
        }
        low + (self.after(low_rank) - low) * fraction
    }
}

impl<L: Lane<Obs = f64, Row = f64>> Accumulator<L> for OrderStats {
    fn rebuild_every(&self, max_rows: usize) -> Option<usize> {
        Some(BLOCK_WINDOWS * max_rows)
    }

    fn reset(&mut self, lane: &L, start: usize, now: usize, end: usize) {
        self.cursor = None;
        // Rows until the next reset lie in start..end: rank exactly those, by
        // integer keys that order like the floats (ties in any fixed order: a rank
        // only has to be unique). Sorting plain u64s is twice as fast as (key, row)
        // pairs, so a row is sorted as its key with the low bits replaced by its
        // offset `row - start`: that orders by the key's high bits, and a run of
        // equal high bits (values a few ulps apart, or equal) is put in key order
        // after the merge. Rows sorted last time (start..now) are still in order:
        // keep them and merge in the sorted new rows, so each row is sorted once.
        let offset_bits = (usize::BITS - (end - start).leading_zeros()).max(self.offset_bits);
        let reuse = self.ranked_end == Some(now)
            && start >= self.fresh_from
            && offset_bits == self.offset_bits;
        self.offset_bits = offset_bits;
        let offset_mask = (1u64 << offset_bits) - 1;
        std::mem::swap(&mut self.kept, &mut self.fresh);
        if reuse {
            // Those of the window at `now`, re-based on `start`, without a branch on
            // which rows leave (in key order, a coin toss).
            let shift = (start - self.base) as u64;
            let mut kept = 0;
            for i in 0..self.kept.len() {
                let packed = self.kept[i];
                self.kept[kept] = packed.wrapping_sub(shift);
                kept += usize::from(packed & offset_mask >= shift);
            }
            self.kept.truncate(kept);
        } else {
            self.kept.clear();
        }
        let fresh_from = if reuse { now } else { start };
        self.fresh.clear();
        self.fresh.extend((fresh_from..end).filter_map(|j| {
            let x = lane.obs(j);
            (!x.is_nan()).then(|| order_key(x) & !offset_mask | (j - start) as u64)
        }));
        self.fresh.sort_unstable();
        self.base = start;
        self.fresh_from = fresh_from;
        self.ranked_end = Some(end);
        let order: &[u64] = if self.kept.is_empty() {
            &self.fresh
        } else {
            merge_into(&self.kept, &self.fresh, &mut self.merged);
            &self.merged
        };
        // Ranks in that order, but a run of equal high bits takes its ranks in key
        // order (the run sorted aside, in `kept`, now free: the packed lists stay as
        // the next merge needs them).
        self.rank_of.clear();
        self.rank_of.resize(end - start, u32::MAX);
        let offset_of = |packed: u64| (packed & offset_mask) as usize;
        let mut run_start = 0;
        for (i, &packed) in order.iter().enumerate() {
            let high = packed >> offset_bits;
            if order
                .get(i + 1)
                .is_some_and(|&next| next >> offset_bits == high)
            {
                continue;
            }
            let run = &order[run_start..=i];
            if let [single] = run {
                if let Some(slot) = self.rank_of.get_mut(offset_of(*single)) {
                    *slot = i as u32;
                }
            } else {
                self.kept.clear();
                self.kept.extend_from_slice(run);
                self.kept
                    .sort_unstable_by_key(|&p| order_key(lane.obs(start + offset_of(p))));
                for (rank, &p) in (run_start..).zip(&self.kept) {
                    if let Some(slot) = self.rank_of.get_mut(offset_of(p)) {
                        *slot = rank as u32;
                    }
                }
            }
            run_start = i + 1;
        }
        // Values in row order, so that a ranking of a whole lane reads it in order
        // (scattered writes are cheaper than scattered reads).
        self.sorted.clear();
        self.sorted.resize(order.len(), f64::NAN);
        for (offset, &rank) in self.rank_of.iter().enumerate() {
            if let Some(value) = self.sorted.get_mut(rank as usize) {
                *value = lane.obs(start + offset);
            }
        }
        // Load the window's rows; the tree is built from them in O(m), not by m pushes.
        self.live.reset(self.sorted.len());
        for offset in 0..now.saturating_sub(start) {
            if let Some(&rank) = self.rank_of.get(offset).filter(|r| **r != u32::MAX) {
                self.live.insert(rank as usize);
            }
        }
        self.misses = 0;
        self.tree_valid = false;
        if self.eager {
            self.build_tree();
        }
    }

    #[inline]
    fn push(&mut self, row: usize, _x: f64) {
        let rank = self.rank_of[row - self.base];
        self.live.insert(rank as usize);
        if self.eager {
            self.update(rank, 1);
        } else {
            self.tree_valid = false;
        }
        if let Some(cursor) = self.cursor.as_mut() {
            cursor.position += usize::from((rank as usize) < cursor.rank);
        }
    }

    #[inline]
    fn pop(&mut self, row: usize, _x: f64) {
        let rank = self.rank_of[row - self.base] as usize;
        self.live.remove(rank);
        if self.eager {
            self.update(rank as u32, -1);
        } else {
            self.tree_valid = false;
        }
        if let Some(cursor) = self.cursor {
            self.cursor = if rank == cursor.rank {
                // Its value left: the next live value takes its position.
                self.live.above(rank).map(|next| Cursor {
                    rank: next,
                    ..cursor
                })
            } else {
                // No branch on the side the row left from: that is a coin toss.
                Some(Cursor {
                    position: cursor.position - usize::from(rank < cursor.rank),
                    ..cursor
                })
            };
        }
    }

    fn value(&mut self, count: usize, newest: f64) -> f64 {
        if count == 0 {
            return f64::NAN;
        }
        match self.output {
            OrderOutput::Median => self.median(count),
            OrderOutput::Mad => self.mad(count),
            OrderOutput::Quantile(q) => self.quantile(count, q),
            OrderOutput::PercentileRank => {
                if newest.is_nan() {
                    return f64::NAN;
                }
                // The highest rank holding a value <= newest: ties all count as "at or below".
                let at_or_below = self.sorted.partition_point(|&v| v <= newest);
                if at_or_below == 0 {
                    return 0.0;
                }
                self.count_through(at_or_below as u32 - 1) as f64 / count as f64
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn run_rows<A: Accumulator<&'static [f64]>>(
        x: &'static [f64],
        w: usize,
        mp: usize,
        mut acc: A,
    ) -> Vec<f64> {
        let lane: &[f64] = x;
        let mut out = vec![0.0; x.len()];
        run(&lane, &Window::Rows(w), mp, &mut acc, |i, v| out[i] = v);
        out
    }

    /// Equal values, NaN where NaN (the comparison every accumulator test makes).
    pub(crate) fn same(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| (x.is_nan() && y.is_nan()) || x == y)
    }

    #[test]
    fn extremes_follow_the_window() {
        static X: [f64; 6] = [3.0, 1.0, f64::NAN, 2.0, 5.0, 0.0];
        let max = run_rows(&X, 3, 1, Extremum::new(Extreme::Max));
        assert!(same(&max, &[3.0, 3.0, 3.0, 2.0, 5.0, 5.0]));
        let min = run_rows(&X, 3, 1, Extremum::new(Extreme::Min));
        assert!(same(&min, &[3.0, 1.0, 1.0, 1.0, 2.0, 0.0]));
    }

    #[test]
    fn median_and_quantile_match_sorting() {
        let x: Vec<f64> = (0..300)
            .map(|i| (((i * 37) % 101) as f64).sin() * 10.0)
            .collect();
        let lane: &[f64] = &x;
        for w in [1usize, 2, 5, 16, 64] {
            for q in [0.0, 0.1, 0.5, 0.9, 1.0] {
                let mut out = vec![0.0; x.len()];
                run(
                    &lane,
                    &Window::Rows(w),
                    1,
                    &mut OrderStats::new(OrderOutput::Quantile(q)),
                    |i, v| out[i] = v,
                );
                for i in 0..x.len() {
                    let mut v: Vec<f64> = x[(i + 1).saturating_sub(w)..=i].to_vec();
                    v.sort_by(f64::total_cmp);
                    let pos = q * (v.len() - 1) as f64;
                    let lo = pos.floor() as usize;
                    let frac = pos - lo as f64;
                    let expected = if frac == 0.0 {
                        v[lo]
                    } else {
                        v[lo] + (v[lo + 1] - v[lo]) * frac
                    };
                    assert_eq!(out[i], expected, "w={w} q={q} i={i}");
                }
            }
        }
    }

    #[test]
    fn median_selected_rarely_follows_the_window() {
        // With min_periods = window, a window holding a NaN is not selected in: the
        // cursor drifts between selections and is found again by counting bits.
        let x: Vec<f64> = (0..3000)
            .map(|i| {
                if (i * 7) % 23 == 3 {
                    f64::NAN
                } else {
                    ((i * 7919) % 997) as f64
                }
            })
            .collect();
        let lane: &[f64] = &x;
        let w = 16;
        let mut out = vec![0.0; x.len()];
        run(
            &lane,
            &Window::Rows(w),
            w,
            &mut OrderStats::new(OrderOutput::Median),
            |i, v| out[i] = v,
        );
        for i in 0..x.len() {
            let window = &x[(i + 1).saturating_sub(w)..=i];
            let mut v: Vec<f64> = window.iter().copied().filter(|v| !v.is_nan()).collect();
            if v.len() < w {
                assert!(out[i].is_nan());
                continue;
            }
            v.sort_by(f64::total_cmp);
            assert_eq!(out[i], v[w / 2 - 1] / 2.0 + v[w / 2] / 2.0, "i={i}");
        }
    }

    #[test]
    fn order_statistics_of_values_a_few_ulps_apart() {
        // Ranking sorts keys whose low bits hold the row: these values differ only
        // there (and repeat), so their order is settled by the full keys.
        let x: Vec<f64> = (0..700)
            .map(|i| match i % 13 {
                5 => f64::NAN,
                7 => -0.0,
                8 => 0.0,
                _ => 1.0 + ((i * 7919) % 600) as f64 * f64::EPSILON,
            })
            .collect();
        let lane: &[f64] = &x;
        for w in [3usize, 64, 300, 700] {
            let mut out = vec![0.0; x.len()];
            run(
                &lane,
                &Window::Rows(w),
                1,
                &mut OrderStats::new(OrderOutput::Quantile(0.3)),
                |i, v| out[i] = v,
            );
            for i in 0..x.len() {
                let mut v: Vec<f64> = x[(i + 1).saturating_sub(w)..=i]
                    .iter()
                    .copied()
                    .filter(|v| !v.is_nan())
                    .collect();
                v.sort_by(f64::total_cmp);
                let pos = 0.3 * (v.len() - 1) as f64;
                let lo = pos.floor() as usize;
                let frac = pos - lo as f64;
                let expected = if frac == 0.0 {
                    v[lo]
                } else {
                    v[lo] + (v[lo + 1] - v[lo]) * frac
                };
                assert_eq!(out[i].to_bits(), expected.to_bits(), "w={w} i={i}");
            }
        }
    }

    #[test]
    fn mad_matches_sorting_with_ties_and_nan() {
        let x: Vec<f64> = (0..400)
            .map(|i| {
                if i % 17 == 5 {
                    f64::NAN
                } else {
                    ((i * 53) % 29) as f64 - 0.5 * ((i * 7) % 5) as f64
                }
            })
            .collect();
        let lane: &[f64] = &x;
        let median = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            let n = v.len();
            if n % 2 == 1 {
                v[n / 2]
            } else {
                v[n / 2 - 1] / 2.0 + v[n / 2] / 2.0
            }
        };
        for w in [1usize, 2, 3, 4, 7, 10, 33, 400] {
            let mut out = vec![0.0; x.len()];
            run(
                &lane,
                &Window::Rows(w),
                1,
                &mut OrderStats::new(OrderOutput::Mad),
                |i, v| out[i] = v,
            );
            for i in 0..x.len() {
                let mut v: Vec<f64> = x[(i + 1).saturating_sub(w)..=i]
                    .iter()
                    .copied()
                    .filter(|v| !v.is_nan())
                    .collect();
                if v.is_empty() {
                    assert!(out[i].is_nan());
                    continue;
                }
                let m = median(&mut v);
                let mut dev: Vec<f64> = v.iter().map(|a| (a - m).abs()).collect();
                assert_eq!(out[i], median(&mut dev), "w={w} i={i}");
            }
        }
    }

    #[test]
    fn live_set_finds_the_nearest_live_rank_at_any_distance() {
        for ranks in [1usize, 63, 64, 65, 4096, 4097, 300_000] {
            let mut live = LiveSet::default();
            live.reset(ranks);
            let mut naive = vec![false; ranks];
            let mut seed = 7u64;
            for step in 0..3000 {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let rank = (seed >> 33) as usize % ranks;
                // Mostly inserts, so the set goes from sparse to dense.
                if step % 3 == 2 {
                    live.remove(rank);
                    naive[rank] = false;
                } else {
                    live.insert(rank);
                    naive[rank] = true;
                }
                let probe = (seed >> 13) as usize % ranks;
                assert_eq!(live.contains(probe), naive[probe]);
                let above = (probe + 1..ranks).find(|&r| naive[r]);
                let below = (0..probe).rev().find(|&r| naive[r]);
                assert_eq!(live.above(probe), above, "ranks={ranks} probe={probe}");
                assert_eq!(live.below(probe), below, "ranks={ranks} probe={probe}");
                let k = probe % 50 + 1;
                assert_eq!(live.nth(k), (0..ranks).filter(|&r| naive[r]).nth(k - 1));
            }
        }
    }

    #[test]
    fn percentile_rank_counts_ties_as_at_or_below() {
        static X: [f64; 5] = [2.0, 1.0, 2.0, 3.0, f64::NAN];
        let ranks = run_rows(&X, 5, 1, OrderStats::new(OrderOutput::PercentileRank));
        assert!(same(&ranks, &[1.0, 0.5, 1.0, 1.0, f64::NAN]));
    }

    #[test]
    fn bad_windows_are_errors_that_name_the_argument() {
        assert!(Window::Rows(0)
            .validate(3)
            .unwrap_err()
            .to_string()
            .starts_with("window:"));
        let unsorted = [2i64, 1];
        let err = Window::Span {
            times: &unsorted,
            span: 1,
        }
        .validate(2)
        .unwrap_err();
        assert!(err.to_string().starts_with("times:"));
    }
}
