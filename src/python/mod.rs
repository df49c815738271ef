//! The pyo3 layer: one thin binding file per kernel module. Each validates and borrows
//! its arguments, releases the GIL around the kernel and maps `KernelError`s.

use pyo3::prelude::*;

mod common;
mod error;
mod events;
mod quality;
mod rolling;
mod valuation;

#[pymodule]
mod _core {
    use super::*;

    #[allow(non_upper_case_globals)]
    #[pymodule_export]
    const __version__: &str = env!("CARGO_PKG_VERSION");

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        rolling::register(m)?;
        events::register(m)?;
        valuation::register(m)?;
        quality::register(m)?;
        Ok(())
    }
}
