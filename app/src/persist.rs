//! The notebook as data: the versioned format a workspace is saved in
//! (localStorage) and shared in (a link's fragment, see [`crate::share`]),
//! and the local store that keeps it across reloads.
//!
//! The format is JSON: `{"v": 1, "title", "description", "example",
//! "cells": [{"title", "source", "kind"}], "positions", "db"}` (everything but `v`
//! and `cells` optional; a cell without `kind` is code, so saves and links from
//! before Markdown cells read as they were; `db` is `"postgres"` for a PostgreSQL
//! notebook). A saved text that cannot be read (not JSON, another version,
//! wrong shape) is never dropped: [`Store::load`] moves it aside under a
//! key of its own and says where, so the page can tell the user.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The version of the format this page writes and reads.
pub const FORMAT_VERSION: u64 = 1;

/// The localStorage key of the workspace.
pub const WORKSPACE_KEY: &str = "ectoplasm-workspace";

/// Key prefixes for texts moved aside (a timestamp follows).
pub const UNREADABLE_PREFIX: &str = "ectoplasm-workspace-unreadable-";
pub const PREVIOUS_PREFIX: &str = "ectoplasm-workspace-previous-";

/// What a cell holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CellKind {
    /// Elixir, run in order.
    #[default]
    Code,
    /// Text, rendered as Markdown; never run.
    Markdown,
}

impl CellKind {
    pub fn is_code(&self) -> bool {
        *self == CellKind::Code
    }

    pub fn name(self) -> &'static str {
        match self {
            CellKind::Code => "code",
            CellKind::Markdown => "markdown",
        }
    }
}

/// A cell's part in a lesson (the lesson markup of `docs/lessons.md`),
/// or a Livebook cell that cannot run here.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellRole {
    /// The exercise it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exercise: Option<String>,
    /// `starter`, `solution`, `test` or `hint`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Runs, cannot be edited.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub locked: bool,
    /// A cell kept from a Livebook file that does not run here (a smart
    /// cell), shown read-only with this note; or a note on a cell that runs
    /// differently here (`Mix.install`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Shown, never run (a smart cell).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub inert: bool,
    /// A starter's text as the lesson gives it ("Reset this exercise").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original: Option<String>,
}

impl CellRole {
    pub fn is(&self, role: &str) -> bool {
        self.role.as_deref() == Some(role)
    }

    /// Shown as code that cannot be edited.
    pub fn read_only(&self) -> bool {
        self.locked || self.inert || self.is("test") || self.is("solution")
    }
}

/// One cell of a saved notebook.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedCell {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub source: String,
    #[serde(default, skip_serializing_if = "CellKind::is_code")]
    pub kind: CellKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<CellRole>,
    /// Its place in the Livebook file the notebook was opened from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub livemd: Option<usize>,
}

impl SavedCell {
    pub fn code(title: Option<String>, source: String) -> SavedCell {
        SavedCell { title, source, kind: CellKind::Code, role: None, livemd: None }
    }
}

/// How a lesson treats its solutions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Solutions {
    /// The learner may reveal them.
    #[default]
    Hidden,
    /// Not shown unless the link unlocks them (`&solutions=1`).
    Locked,
}

/// A notebook in lesson mode.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LessonMeta {
    #[serde(default)]
    pub solutions: Solutions,
    /// Where it came from (a `?livemd=` address or a file's name), for the
    /// key its progress is kept under.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub origin: String,
}

/// A notebook as saved and shared.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SavedNotebook {
    pub v: u64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The gallery example it started from, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<String>,
    pub cells: Vec<SavedCell>,
    /// Where the ER diagram's boxes were dragged to: table → [x, y].
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub positions: BTreeMap<String, [f64; 2]>,
    /// Lesson mode (set by the lesson markup of an imported `.livemd`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lesson: Option<LessonMeta>,
    /// The Livebook file the notebook was opened from, as it was: export
    /// writes it back with only the edited parts changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub livemd: Option<String>,
    /// The database the notebook runs on (`"postgres"`; absent: SQLite).
    #[serde(default, skip_serializing_if = "Database::is_sqlite")]
    pub db: Database,
}

/// The database a notebook runs on: SQLite (sql.js) or PostgreSQL (PGlite).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Database {
    #[default]
    Sqlite,
    Postgres,
}

impl Database {
    pub fn is_sqlite(&self) -> bool {
        *self == Database::Sqlite
    }

    /// Its name in saves, links and `?db=`: `sqlite` or `postgres`.
    pub fn name(self) -> &'static str {
        match self {
            Database::Sqlite => "sqlite",
            Database::Postgres => "postgres",
        }
    }

    /// The database a name stands for (`postgresql` and `pg` too).
    pub fn from_name(name: &str) -> Option<Database> {
        match name {
            "sqlite" => Some(Database::Sqlite),
            "postgres" | "postgresql" | "pg" => Some(Database::Postgres),
            _ => None,
        }
    }

    /// How the page names it.
    pub fn label(self) -> &'static str {
        match self {
            Database::Sqlite => "SQLite",
            Database::Postgres => "PostgreSQL",
        }
    }
}

impl SavedNotebook {
    pub fn to_json(&self) -> String {
        // Serializing plain strings and numbers cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a saved or shared notebook; the error says what is wrong, in
    /// words for the user.
    pub fn from_json(text: &str) -> Result<SavedNotebook, String> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("it is not valid JSON ({e})"))?;
        let Some(object) = value.as_object() else {
            return Err("it is not a notebook (a JSON object was expected)".to_string());
        };
        match object.get("v").map(|v| v.as_u64()) {
            None => return Err("it has no format version".to_string()),
            Some(Some(FORMAT_VERSION)) => {}
            Some(Some(v)) => {
                return Err(format!("it is in format version {v}, and this page reads version {FORMAT_VERSION}"));
            }
            Some(None) => return Err("its format version is not a number".to_string()),
        }
        serde_json::from_value(value).map_err(|e| format!("it does not match format version {FORMAT_VERSION} ({e})"))
    }

    /// The same cells (titles and text), whatever the rest.
    pub fn same_cells(&self, other: &SavedNotebook) -> bool {
        self.cells == other.cells
    }
}

/// What [`Store::load`] found.
#[derive(Clone, Debug, PartialEq)]
pub enum Loaded {
    /// Nothing saved (or no storage).
    Nothing,
    Notebook(SavedNotebook),
    /// A saved text that could not be read: why, and the key it now lives
    /// under (None if it could not be moved, in which case it stays where
    /// it was and nothing is saved over it).
    Unreadable {
        reason: String,
        kept_as: Option<String>,
    },
}

/// The workspace in localStorage.
#[derive(Clone)]
pub struct Store {
    storage: Option<web_sys::Storage>,
    /// False after an unreadable text could not be moved aside: saving
    /// would overwrite it.
    writable: bool,
}

impl Store {
    /// The page's localStorage (a store that holds nothing when the
    /// browser refuses storage).
    pub fn local() -> Store {
        let storage = web_sys::window().and_then(|w| w.local_storage().ok().flatten());
        Store { storage, writable: true }
    }

    /// Never writes again (for this page's lifetime): what is saved
    /// could not be kept aside, so it must not be overwritten.
    pub fn freeze(&mut self) {
        self.writable = false;
    }

    pub fn available(&self) -> bool {
        self.storage.is_some()
    }

    /// Reads the saved workspace, moving an unreadable one aside.
    pub fn load(&mut self) -> Loaded {
        let Some(storage) = &self.storage else { return Loaded::Nothing };
        let Ok(Some(text)) = storage.get_item(WORKSPACE_KEY) else { return Loaded::Nothing };
        match SavedNotebook::from_json(&text) {
            Ok(nb) => Loaded::Notebook(nb),
            Err(reason) => {
                let kept_as = self.keep_aside(UNREADABLE_PREFIX, &text);
                match &kept_as {
                    Some(_) => {
                        let _ = storage.remove_item(WORKSPACE_KEY);
                    }
                    None => self.writable = false,
                }
                Loaded::Unreadable { reason, kept_as }
            }
        }
    }

    /// Stores `text` under `prefix` + a fresh timestamp; the key, or None
    /// when storage refused it (full, say).
    pub fn keep_aside(&self, prefix: &str, text: &str) -> Option<String> {
        let storage = self.storage.as_ref()?;
        let stamp = js_sys::Date::new_0().to_iso_string().as_string().unwrap_or_default();
        let mut key = format!("{prefix}{stamp}");
        let mut n = 1;
        while matches!(storage.get_item(&key), Ok(Some(_))) {
            n += 1;
            key = format!("{prefix}{stamp}-{n}");
        }
        storage.set_item(&key, text).ok()?;
        Some(key)
    }

    /// The raw text saved as the workspace.
    pub fn raw(&self) -> Option<String> {
        self.storage.as_ref()?.get_item(WORKSPACE_KEY).ok().flatten()
    }

    /// Reads a notebook kept aside under `key`.
    pub fn read_key(&self, key: &str) -> Result<SavedNotebook, String> {
        let storage = self.storage.as_ref().ok_or("storage is not available")?;
        let text = storage.get_item(key).ok().flatten().ok_or_else(|| format!("nothing is saved under {key}"))?;
        SavedNotebook::from_json(&text)
    }

    pub fn remove_key(&self, key: &str) {
        if let Some(storage) = &self.storage {
            let _ = storage.remove_item(key);
        }
    }

    /// Saves the workspace (quietly does nothing without storage).
    pub fn save(&self, nb: &SavedNotebook) -> Result<(), String> {
        if !self.writable {
            return Ok(());
        }
        let Some(storage) = &self.storage else { return Ok(()) };
        storage.set_item(WORKSPACE_KEY, &nb.to_json()).map_err(|_| "the browser refused to store the workspace (storage full?)".to_string())
    }
}
