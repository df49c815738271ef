//! rolling kernels (in progress).
