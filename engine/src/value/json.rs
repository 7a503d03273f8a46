//! The conformance JSON encoding of values.
