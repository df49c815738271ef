//! Valuation z-scores, bands and percentile ranks (`capcycle.valuation`).
//!
//! Everything here composes the one window engine through [`RollingSpec::apply`]
//! (rolling and expanding) and [`reduce`] (full sample): a centre lane (median or
//! mean) and a scale lane (standard deviation, or the median absolute deviation
//! scaled to sigma) are filled by the engine, then combined row by row. A rolling or
//! expanding z-score accumulates both side by side in one pass instead
//! ([`Standardised`], same bits), except on a long lane, where the two lanes are
//! filled on two cores. There is no window loop and no order-statistics structure
//! of its own.
//!
//! - Full sample (`Span::Full`): one centre and one scale for every row (they use
//!   the future: that is what "relative to its history" means in a chart).
//! - Rolling (`Span::Rolling(n)`): the last `n` rows, including the row itself.
//! - Expanding (`Span::Expanding`): rows `0..=i` only, so no look-ahead; the engine
//!   ranks the lane once (`Window::Rows(len)`), so a median costs O(log n) per row,
//!   a MAD O(log² n) (`OrderStats::mad`) and moments O(1).
//!
//! `min_periods` counts non-NaN values in the window (the whole lane for the full
//! sample); below it every output is NaN. Defaults: `window` for rolling (as pandas
//! `rolling`), 1 for expanding (as pandas `expanding`) and the full sample.
//!
//! A z-score is NaN where the value is NaN or infinite, or where the scale is 0
//! (a constant window; with `Scale::Mad` also a window where more than half the
//! values are equal) or NaN (a standard deviation of fewer than `ddof + 1` values).

use crate::kernels::rolling::{reduce, RollingSpec, Stat};
use crate::kernels::window::{standardise, OrderOutput, OrderStats, Standardised, Window};
use crate::kernels::KernelError;

/// Lanes of at least this many rows compute their centre and scale in parallel.
const PARALLEL_LANE_ROWS: usize = 1 << 16;

/// The MAD of a normal sample estimates sigma / 1.4826 (1 / Phi^-1(3/4)).
pub const MAD_TO_SIGMA: f64 = 1.4826;

/// The centre a z-score is measured from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Center {
    Median,
    Mean,
}

impl Center {
    pub fn parse(name: &str) -> Result<Center, KernelError> {
        match name {
            "median" => Ok(Center::Median),
            "mean" => Ok(Center::Mean),
            _ => Err(KernelError::invalid(
                "center",
                format!("must be \"median\" or \"mean\", got {name:?}"),
            )),
        }
    }
}

/// The unit of a z-score: one standard deviation, or the MAD scaled to sigma.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scale {
    Std,
    /// `MAD_TO_SIGMA * median(|x - median(x)|)`; ignores `ddof`.
    Mad,
}

impl Scale {
    pub fn parse(name: &str) -> Result<Scale, KernelError> {
        match name {
            "std" => Ok(Scale::Std),
            "mad" => Ok(Scale::Mad),
            _ => Err(KernelError::invalid(
                "scale",
                format!("must be \"std\" or \"mad\", got {name:?}"),
            )),
        }
    }
}

/// Which rows a row's centre and scale come from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Span {
    Full,
    Rolling(usize),
    Expanding,
}

impl Span {
    /// `kind` is `"full"`, `"rolling"` (with `window` >= 1 rows) or `"expanding"`.
    pub fn parse(kind: &str, window: i64) -> Result<Span, KernelError> {
        match kind {
            "full" => Ok(Span::Full),
            "expanding" => Ok(Span::Expanding),
            "rolling" => match usize::try_from(window) {
                Ok(n) if n >= 1 => Ok(Span::Rolling(n)),
                _ => Err(KernelError::invalid(
                    "window",
                    format!("must be >= 1, got {window}"),
                )),
            },
            _ => Err(KernelError::invalid(
                "window",
                format!("kind must be \"full\", \"rolling\" or \"expanding\", got {kind:?}"),
            )),
        }
    }
}

/// A validated valuation computation over lanes of `len` rows; applying it cannot
/// fail, so a panel runs its columns in parallel after one validation.
#[derive(Clone, Copy, Debug)]
pub struct ValuationSpec {
    pub span: Span,
    pub center: Center,
    pub scale: Scale,
    pub ddof: usize,
    pub min_periods: usize,
    pub len: usize,
    /// The global row of the lanes' first row: a rolling window's moments sit on the
    /// engine's block grid counted from global row 0 (chunked callers pass it).
    pub first_row: usize,
}

impl ValuationSpec {
    /// `min_periods: None` takes the default of the span (module docs).
    pub fn new(
        span: Span,
        center: Center,
        scale: Scale,
        min_periods: Option<usize>,
        ddof: usize,
        len: usize,
    ) -> Result<Self, KernelError> {
        let min_periods = match (span, min_periods) {
            (Span::Rolling(n), None) => n,
            (Span::Rolling(n), Some(mp)) if mp > n => {
                return Err(KernelError::invalid(
                    "min_periods",
                    format!("{mp} is larger than the window ({n})"),
                ))
            }
            (_, Some(mp)) => mp,
            (_, None) => 1,
        };
        Ok(ValuationSpec {
            span,
            center,
            scale,
            ddof,
            min_periods,
            len,
            first_row: 0,
        })
    }

    /// The same computation on lanes whose first row is global row `first_row`.
    pub fn starting_at(self, first_row: usize) -> Self {
        ValuationSpec { first_row, ..self }
    }

    /// The engine's spec for rolling and expanding spans (None for the full sample).
    fn engine(&self) -> Option<RollingSpec<'static>> {
        let window = match self.span {
            Span::Full => return None,
            Span::Rolling(n) => Window::Rows(n),
            // A window of at least the lane's length is expanding: ranked once. Its
            // length is that of the longest row window callers pass (counts capped at
            // len + 1, _adapt.cap_count), so that window and "expanding" share the
            // moments' block grid and give the same bits.
            Span::Expanding => Window::Rows(self.len + 1),
        };
        Some(RollingSpec {
            window,
            min_periods: self.min_periods,
            len: self.len,
            first_row: self.first_row,
        })
    }

    fn center_stat(&self) -> Stat {
        match self.center {
            Center::Median => Stat::Median,
            Center::Mean => Stat::Mean,
        }
    }

    /// Fill `center` and `scale` (each `x.len()` rows) for every row of `x`.
    pub fn center_scale(&self, x: &[f64], center: &mut [f64], scale: &mut [f64]) {
        match self.engine() {
            Some(spec) => {
                let mut centre = || spec.apply(self.center_stat(), x, center);
                let mut spread = || match self.scale {
                    Scale::Std => spec.apply(Stat::Std { ddof: self.ddof }, x, scale),
                    Scale::Mad => {
                        spec.apply(Stat::Mad, x, scale);
                        scale.iter_mut().for_each(|s| *s *= MAD_TO_SIGMA);
                    }
                };
                // The two lines are independent passes: a long lane runs them on two
                // cores (a panel's columns already share the cores out).
                if x.len() >= PARALLEL_LANE_ROWS {
                    rayon::join(centre, spread);
                } else {
                    centre();
                    spread();
                }
            }
            None => {
                let count = x.iter().filter(|v| !v.is_nan()).count();
                let (c, s) = if count < self.min_periods.max(1) {
                    (f64::NAN, f64::NAN)
                } else {
                    (reduce(x, self.center_stat()), self.full_scale(x))
                };
                center.fill(c);
                scale.fill(s);
            }
        }
    }

    fn full_scale(&self, x: &[f64]) -> f64 {
        match self.scale {
            Scale::Std => reduce(x, Stat::Std { ddof: self.ddof }),
            Scale::Mad => {
                // Two medians through the engine: of x, then of |x - median|.
                let m = reduce(x, Stat::Median);
                if !m.is_finite() {
                    return f64::NAN;
                }
                let deviations: Vec<f64> = x.iter().map(|v| (v - m).abs()).collect();
                MAD_TO_SIGMA * reduce(&deviations, Stat::Median)
            }
        }
    }

    /// (x - centre) / scale for every row of `x` into `out`.
    pub fn zscore(&self, x: &[f64], out: &mut [f64]) {
        let median = || OrderStats::new(OrderOutput::Median);
        let mad = || OrderStats::new(OrderOutput::Mad);
        let short = x.len() < PARALLEL_LANE_ROWS;
        match (self.engine(), self.center, self.scale) {
            // The engine's own anchored z-score: exact for data offset by 1e9.
            (Some(spec), Center::Mean, Scale::Std) => {
                spec.apply(Stat::Zscore { ddof: self.ddof }, x, out)
            }
            // A median/MAD z-score of a short lane: the centre and the scale of each
            // window accumulated side by side, in one pass of the engine instead of
            // three over the lane, with the bits of the combined lines.
            (Some(spec), Center::Median, Scale::Mad) if short => {
                spec.apply_accumulator(|| Standardised::new(median(), mad(), MAD_TO_SIGMA), x, out)
            }
            // The full sample, a long lane (its centre and scale lines in parallel),
            // a mean/MAD or a median/std z-score: the moments come from their block
            // engine, the order statistics from the window engine, then combined.
            _ => {
                let mut scale = vec![f64::NAN; x.len()];
                self.center_scale(x, out, &mut scale);
                for ((z, &v), &s) in out.iter_mut().zip(x).zip(&scale) {
                    *z = standardise(v, *z, s);
                }
            }
        }
    }

    /// Share of the window's non-NaN values at or below each row's value, in [0, 1];
    /// NaN where the value is NaN or the window has fewer than `min_periods` values.
    pub fn percentile_rank(&self, x: &[f64], out: &mut [f64]) {
        if let Some(spec) = self.engine() {
            spec.apply(Stat::PercentileRank, x, out);
            return;
        }
        // The full sample: every row against one sorted copy (no window to slide).
        let mut sorted: Vec<f64> = x.iter().copied().filter(|v| !v.is_nan()).collect();
        if sorted.len() < self.min_periods.max(1) {
            out.fill(f64::NAN);
            return;
        }
        sorted.sort_unstable_by(f64::total_cmp);
        let count = sorted.len() as f64;
        for (r, &v) in out.iter_mut().zip(x) {
            *r = if v.is_nan() {
                f64::NAN
            } else {
                sorted.partition_point(|&s| s <= v) as f64 / count
            };
        }
    }
}

/// `name` must hold at least one non-NaN value (an empty or all-NaN input is almost
/// always a loading mistake, so it is an error rather than a column of NaN).
pub fn check_has_values<'a>(
    name: &'static str,
    values: impl IntoIterator<Item = &'a f64>,
) -> Result<(), KernelError> {
    if values.into_iter().any(|v| !v.is_nan()) {
        Ok(())
    } else {
        Err(KernelError::invalid(
            name,
            "has no non-NaN values (empty or all-NaN input)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAN: f64 = f64::NAN;

    fn spec(
        span: Span,
        center: Center,
        scale: Scale,
        mp: Option<usize>,
        len: usize,
    ) -> ValuationSpec {
        ValuationSpec::new(span, center, scale, mp, 1, len).unwrap()
    }

    /// A chunk that starts `window - 1` rows early and says where (`starting_at`)
    /// gets the whole lane's bits: what capcycle._lazy relies on.
    #[test]
    fn a_chunk_started_at_its_global_row_has_the_bits_of_the_whole_lane() {
        let x: Vec<f64> = (0..300)
            .map(|i| {
                if i % 17 == 5 {
                    NAN
                } else {
                    1e9 + ((i * 37) % 101) as f64 * 0.1
                }
            })
            .collect();
        for center in [Center::Mean, Center::Median] {
            let whole_spec = spec(Span::Rolling(20), center, Scale::Std, Some(3), x.len());
            let mut whole = vec![0.0; x.len()];
            whole_spec.zscore(&x, &mut whole);
            for start in [19, 77, 150, 281] {
                let chunk = &x[start - 19..];
                let chunk_spec = spec(Span::Rolling(20), center, Scale::Std, Some(3), chunk.len())
                    .starting_at(start - 19);
                let mut out = vec![0.0; chunk.len()];
                chunk_spec.zscore(chunk, &mut out);
                for (row, (a, b)) in out[19..].iter().zip(&whole[start..]).enumerate() {
                    assert_eq!(
                        a.to_bits(),
                        b.to_bits(),
                        "{center:?} start {start} row {row}"
                    );
                }
            }
        }
    }

    fn zscores(s: &ValuationSpec, x: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; x.len()];
        s.zscore(x, &mut out);
        out
    }

    fn close(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len()
            && a.iter().zip(b).all(|(x, y)| {
                (x.is_nan() && y.is_nan()) || (x - y).abs() <= 1e-12 * (1.0 + y.abs())
            })
    }

    #[test]
    fn full_sample_median_zscore_uses_the_sample_std() {
        let x = [1.0, 2.0, NAN, 3.0, 10.0];
        let s = spec(Span::Full, Center::Median, Scale::Std, None, x.len());
        let std = reduce(&x, Stat::Std { ddof: 1 });
        let expected: Vec<f64> = x
            .iter()
            .map(|v| if v.is_nan() { NAN } else { (v - 2.5) / std })
            .collect();
        assert!(close(&zscores(&s, &x), &expected));
    }

    #[test]
    fn full_sample_mad_is_scaled_to_sigma() {
        let x = [1.0, 2.0, 3.0, 4.0, 100.0];
        let s = spec(Span::Full, Center::Median, Scale::Mad, None, x.len());
        let (mut c, mut sc) = (vec![0.0; 5], vec![0.0; 5]);
        s.center_scale(&x, &mut c, &mut sc);
        // median 3, |x - 3| = 2 1 0 1 97 -> median 1
        assert_eq!(c, vec![3.0; 5]);
        assert_eq!(sc, vec![MAD_TO_SIGMA; 5]);
    }

    #[test]
    fn rolling_median_zscore_matches_a_window_by_window_computation() {
        let x: Vec<f64> = (0..60)
            .map(|i| {
                if i % 11 == 3 {
                    NAN
                } else {
                    ((i * 37) % 23) as f64
                }
            })
            .collect();
        let s = spec(
            Span::Rolling(7),
            Center::Median,
            Scale::Std,
            Some(3),
            x.len(),
        );
        let z = zscores(&s, &x);
        for i in 0..x.len() {
            let w: Vec<f64> = x[(i + 1).saturating_sub(7)..=i]
                .iter()
                .copied()
                .filter(|v| !v.is_nan())
                .collect();
            let expected = if w.len() < 3 || x[i].is_nan() {
                NAN
            } else {
                let (m, sd) = (reduce(&w, Stat::Median), reduce(&w, Stat::Std { ddof: 1 }));
                if sd > 0.0 {
                    (x[i] - m) / sd
                } else {
                    NAN
                }
            };
            assert!(
                close(&[z[i]], &[expected]),
                "row {i}: {} vs {expected}",
                z[i]
            );
        }
    }

    #[test]
    fn one_pass_zscore_has_the_bits_of_the_combined_lines() {
        // NaN gaps, ties, and a level shift.
        let x: Vec<f64> = (0..900)
            .map(|i| match i {
                _ if i % 17 == 4 => NAN,
                400..=420 => 7.0,
                _ => ((i * 7919) % 101) as f64 / 3.0 + if i > 500 { 1e9 } else { 0.0 },
            })
            .collect();
        for span in [
            Span::Rolling(1),
            Span::Rolling(40),
            Span::Rolling(300),
            Span::Expanding,
        ] {
            for (center, scale) in [
                (Center::Median, Scale::Std),
                (Center::Median, Scale::Mad),
                (Center::Mean, Scale::Mad),
            ] {
                let s = spec(span, center, scale, Some(1), x.len());
                let (mut c, mut sc) = (vec![0.0; x.len()], vec![0.0; x.len()]);
                s.center_scale(&x, &mut c, &mut sc);
                let combined: Vec<u64> = (0..x.len())
                    .map(|i| standardise(x[i], c[i], sc[i]).to_bits())
                    .collect();
                let one_pass: Vec<u64> = zscores(&s, &x).iter().map(|z| z.to_bits()).collect();
                assert_eq!(one_pass, combined, "{span:?} {center:?} {scale:?}");
            }
        }
    }

    #[test]
    fn expanding_has_no_look_ahead() {
        let mut x: Vec<f64> = (0..200).map(|i| ((i * 7919) % 101) as f64 / 7.0).collect();
        for (center, scale) in [
            (Center::Median, Scale::Std),
            (Center::Mean, Scale::Std),
            (Center::Median, Scale::Mad),
        ] {
            let s = spec(Span::Expanding, center, scale, None, x.len());
            let before = zscores(&s, &x);
            x[150] = 1e6;
            let after = zscores(&s, &x);
            x[150] = (150 * 7919 % 101) as f64 / 7.0;
            assert_eq!(
                before[..150]
                    .iter()
                    .map(|v| v.to_bits())
                    .collect::<Vec<_>>(),
                after[..150].iter().map(|v| v.to_bits()).collect::<Vec<_>>()
            );
            assert_ne!(before[150], after[150]);
        }
    }

    #[test]
    fn fewer_than_min_periods_gives_nan_not_an_error() {
        let x = [1.0, NAN, 2.0];
        for span in [Span::Full, Span::Expanding, Span::Rolling(3)] {
            let s = spec(span, Center::Median, Scale::Std, Some(3), x.len());
            assert!(zscores(&s, &x).iter().all(|v| v.is_nan()));
            let mut r = vec![0.0; 3];
            s.percentile_rank(&x, &mut r);
            assert!(r.iter().all(|v| v.is_nan()));
        }
    }

    #[test]
    fn percentile_rank_full_sample_counts_ties_as_at_or_below() {
        let x = [2.0, 1.0, NAN, 2.0, 4.0];
        let s = spec(Span::Full, Center::Median, Scale::Std, None, x.len());
        let mut r = vec![0.0; 5];
        s.percentile_rank(&x, &mut r);
        assert!(close(&r, &[0.75, 0.25, NAN, 0.75, 1.0]));
        let s = spec(Span::Expanding, Center::Median, Scale::Std, None, x.len());
        s.percentile_rank(&x, &mut r);
        assert!(close(&r, &[1.0, 0.5, NAN, 1.0, 1.0]));
    }

    #[test]
    fn constant_window_and_infinite_values_give_nan() {
        let x = [5.0, 5.0, 5.0, f64::INFINITY];
        let s = spec(Span::Rolling(3), Center::Median, Scale::Mad, None, x.len());
        assert!(zscores(&s, &x).iter().all(|v| v.is_nan()));
    }

    #[test]
    fn bad_arguments_name_themselves() {
        assert!(Center::parse("mode")
            .unwrap_err()
            .to_string()
            .starts_with("center:"));
        assert!(Scale::parse("iqr")
            .unwrap_err()
            .to_string()
            .starts_with("scale:"));
        assert!(Span::parse("rolling", 0)
            .unwrap_err()
            .to_string()
            .starts_with("window:"));
        assert!(Span::parse("weekly", 5)
            .unwrap_err()
            .to_string()
            .starts_with("window:"));
        let err = ValuationSpec::new(Span::Rolling(3), Center::Mean, Scale::Std, Some(4), 1, 10)
            .unwrap_err();
        assert!(err.to_string().starts_with("min_periods:"));
        assert!(check_has_values("x", &[NAN, NAN])
            .unwrap_err()
            .to_string()
            .starts_with("x:"));
        assert!(check_has_values("x", &[]).is_err());
        assert!(check_has_values("x", &[NAN, 1.0]).is_ok());
    }

    #[test]
    fn empty_lanes_do_not_panic() {
        for span in [Span::Full, Span::Expanding, Span::Rolling(2)] {
            let s = spec(span, Center::Median, Scale::Mad, None, 0);
            assert!(zscores(&s, &[]).is_empty());
            s.percentile_rank(&[], &mut []);
        }
    }
}
