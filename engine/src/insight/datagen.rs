//! Data generation (below).
