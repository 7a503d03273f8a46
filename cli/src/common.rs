//! Shared driver: evaluate a corpus file top to bottom and find its entries.
