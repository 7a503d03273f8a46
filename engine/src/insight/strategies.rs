//! Preload strategies compared (below).
