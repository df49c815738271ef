//! valuation kernels (in progress).
