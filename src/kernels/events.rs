//! events kernels (in progress).
