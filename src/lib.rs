//! capcycle: exact rolling, event-window and valuation kernels.
//!
//! `kernels` holds the algorithms as plain Rust over slices and ndarray views; it does
//! not know Python, so `cargo test --no-default-features` exercises it alone.
//! `python` is the thin pyo3 layer: one binding file per kernel module.

pub mod kernels;

#[cfg(feature = "python")]
mod python;
