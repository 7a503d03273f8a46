//! The ectoplasm web page.
//!
//! - [`sqljs`]: the sql.js wrapper, the only module that sees JavaScript
//!   values; usable from the page or a Web Worker.
//! - [`console`]: running an SQL script statement by statement (plain Rust).
//! - [`ui`]: Leptos components, kept thin: they render what `console` returns.

pub mod console;
pub mod sqljs;
pub mod ui;
