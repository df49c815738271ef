//! `KernelError` -> Python exception: invalid arguments and shape mismatches are
//! `ValueError`, an output too large for memory is `MemoryError`.

use pyo3::exceptions::{PyMemoryError, PyValueError};
use pyo3::PyErr;

use crate::kernels::KernelError;

impl From<KernelError> for PyErr {
    fn from(err: KernelError) -> PyErr {
        match err {
            KernelError::TooLarge { .. } => PyMemoryError::new_err(err.to_string()),
            _ => PyValueError::new_err(err.to_string()),
        }
    }
}
