//! Pure kernels: plain Rust over slices and ndarray views, no Python bindings here
//! (scripts/test greps this folder for the binding crate), so `cargo test` covers them alone.
//!
//! - `window`: the one window engine (bounds per output row, NaN skipping, min_periods)
//!   and the accumulators it drives (extrema, order statistics).
//! - `moments`: the compensated moment accumulators (sum ... std; cov, corr, beta),
//!   several columns in lockstep.
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
