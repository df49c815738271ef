//! The one error type of the kernels. The binding layer maps each variant to a
//! Python exception (`src/python/error.rs`); every message names the argument.

use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum KernelError {
    /// An argument is out of its domain: (argument name, what is wrong).
    InvalidArgument { name: &'static str, message: String },
    /// Two inputs that must share a length or shape do not.
    ShapeMismatch { name: &'static str, message: String },
    /// An output would not fit in memory (checked before allocating).
    TooLarge { name: &'static str, message: String },
}

impl KernelError {
    pub fn invalid(name: &'static str, message: impl Into<String>) -> Self {
        KernelError::InvalidArgument {
            name,
            message: message.into(),
        }
    }
    pub fn shape(name: &'static str, message: impl Into<String>) -> Self {
        KernelError::ShapeMismatch {
            name,
            message: message.into(),
        }
    }
    pub fn too_large(name: &'static str, message: impl Into<String>) -> Self {
        KernelError::TooLarge {
            name,
            message: message.into(),
        }
    }
}

impl fmt::Display for KernelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KernelError::InvalidArgument { name, message }
            | KernelError::ShapeMismatch { name, message }
            | KernelError::TooLarge { name, message } => write!(f, "{name}: {message}"),
        }
    }
}

impl std::error::Error for KernelError {}
