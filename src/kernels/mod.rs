//! Pure kernels: plain Rust over slices and ndarray views, no Python bindings here
//! (scripts/test greps this folder for the binding crate), so `cargo test` covers them alone.
//!
//! - `window`: the window engine of extremes and order statistics (bounds per output
//!   row, NaN skipping, min_periods) and the accumulators it drives.
//! - `moments`: the block engine of the moments (sum ... zscore; cov, corr, beta) over
//!   row-count and duration windows, and their full-sample sums.
//! - `panel`: runs a per-lane kernel over the columns of a 2-D view, in parallel.
//! - `rolling`, `events`, `valuation`, `quality`: the statistics the Python modules expose.

pub mod error;
pub mod events;
pub mod moments;
pub mod panel;
pub mod quality;
pub mod rolling;
pub mod valuation;
pub mod window;

pub use error::KernelError;
