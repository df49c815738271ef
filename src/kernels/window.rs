//! window kernels (in progress).
