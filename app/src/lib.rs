//! The ectoplasm web page.
//!
//! - [`sqljs`]: the sql.js wrapper, the only module that sees JavaScript
//!   values; usable from the page or a Web Worker.
//! - [`console`]: running an SQL script statement by statement (plain Rust).
//! - [`ui`]: the SQL console (at `#console`): components over `console`.
//! - [`backend`]: the typed Request/Response interface to the engine (the
//!   page's side, talking to the worker).
//! - [`worker`]: the engine's side, run in a Web Worker.
//! - [`tools`]: the tools worker (SQL import, From SQL), started only when needed,
//!   and the page's client of it.
//! - [`editor`]: the CodeMirror wrapper (the only module that touches it).
//! - [`diagram`], [`from_sql`], [`insight`]: the lazily loaded bundles'
//!   controls (ER diagram and SQL import; From SQL; the query plan panel),
//!   each wrapped once.
//! - [`notebook`]: the playground's components.
//! - [`persist`]: the saved notebook format and the local store.
//! - [`share`]: share links (the notebook in a `#nb=` fragment).
//! - [`embed`]: embed mode (`?embed=1`) and the host page's height messages.

pub mod backend;
pub mod console;
pub mod diagram;
pub mod editor;
pub mod embed;
pub mod from_sql;
pub mod insight;
pub mod livemd;
pub mod notebook;
pub mod persist;
pub mod pglite;
pub mod share;
pub mod sqljs;
pub mod tools;
pub mod ui;
pub mod worker;

/// The page's entry point: mounts the UI for the page's address (the SQL
/// console at `#console`, embed mode, or the playground).
pub fn mount_page() {
    let hash = web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default();
    if hash == "#console" {
        leptos::mount::mount_to_body(ui::App);
    } else if embed::Mode::current().embed {
        leptos::mount::mount_to_body(notebook::embed::EmbedApp);
    } else {
        leptos::mount::mount_to_body(notebook::App);
    }
}
