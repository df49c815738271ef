//! panel kernels (in progress).
