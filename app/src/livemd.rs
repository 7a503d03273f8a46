//! The notebook as a Livebook file and back, for the engine's worker
//! (`Request::ImportLivemd`, `ExportLivemd`, `CheckExercise`): the page's
//! [`SavedNotebook`] on one side, the engine's `lesson::livemd` model on
//! the other. Only the worker calls this, so the page's wasm does not
//! carry the format.
//!
//! Cells map one to one (a heading line is a Markdown cell, a smart cell a
//! read-only code cell with its note). Each imported cell remembers its
//! place in the file (`SavedCell::livemd`), and the file itself travels
//! with the notebook (`SavedNotebook::livemd`), so writing it back
//! changes only what was edited, added or deleted: an unchanged notebook
//! is the file, byte for byte.

use engine::lesson::livemd::{self, Cell, CellKind as LiveKind, Notebook};

use crate::persist::{CellKind, CellRole, LessonMeta, SavedCell, SavedNotebook, Solutions, FORMAT_VERSION};

/// A Livebook file as the page's notebook.
pub fn import(text: &str) -> SavedNotebook {
    let parsed = livemd::parse(text);
    let mut lesson = None;
    let mut cells = Vec::new();
    for (index, cell) in parsed.cells.iter().enumerate() {
        if let Some(markup) = &cell.markup {
            if markup.lesson == Some(true) {
                let solutions = if markup.solutions.as_deref() == Some("locked") { Solutions::Locked } else { Solutions::Hidden };
                lesson = Some(LessonMeta { solutions, origin: String::new() });
            }
        }
        let markup = cell.markup.as_ref().filter(|m| m.exercise.is_some() || m.role.is_some() || m.locked == Some(true));
        let inert = cell.kind == LiveKind::ReadOnly;
        let role = (markup.is_some() || inert || cell.note.is_some()).then(|| CellRole {
            exercise: markup.and_then(|m| m.exercise.clone()),
            role: markup.and_then(|m| m.role.clone()),
            locked: cell.locked(),
            note: cell.note.clone(),
            inert,
            original: markup.filter(|m| m.role.as_deref() == Some("starter")).map(|_| cell.source.clone()),
        });
        let kind = if cell.kind == LiveKind::Markdown { CellKind::Markdown } else { CellKind::Code };
        cells.push(SavedCell { title: None, source: cell.source.clone(), kind, role, livemd: Some(index) });
    }
    SavedNotebook {
        v: FORMAT_VERSION,
        title: parsed.title().unwrap_or("Untitled notebook").to_string(),
        description: String::new(),
        example: None,
        cells,
        positions: Default::default(),
        lesson,
        livemd: Some(text.to_string()),
        db: Default::default(),
    }
}

/// The page's notebook as the engine's Livebook model: each cell read from
/// the file keeps its surroundings there (edited sources replace the text
/// read); new cells are written the way Livebook writes them. A notebook
/// that never was a file starts with its title (and description), and a
/// titled code cell with a section heading.
pub fn model(nb: &SavedNotebook) -> Notebook {
    let original = nb.livemd.as_deref().map(livemd::parse);
    let mut cells = Vec::new();
    if original.is_none() {
        let title = if nb.title.is_empty() { "Untitled notebook" } else { &nb.title };
        cells.push(Cell::new(LiveKind::Markdown, format!("# {title}")));
        if !nb.description.is_empty() {
            cells.push(Cell::new(LiveKind::Markdown, nb.description.clone()));
        }
    }
    for saved in &nb.cells {
        let from_file = original.as_ref().zip(saved.livemd).and_then(|(o, i)| o.cells.get(i));
        let cell = match from_file {
            Some(cell) => {
                let mut cell = cell.clone();
                cell.source = saved.source.clone();
                cell
            }
            None => {
                if let Some(title) = saved.title.as_deref().filter(|t| !t.is_empty() && original.is_none()) {
                    cells.push(Cell::new(LiveKind::Markdown, format!("## {title}")));
                }
                let kind = if saved.kind == CellKind::Markdown { LiveKind::Markdown } else { LiveKind::Code };
                Cell::new(kind, saved.source.clone())
            }
        };
        cells.push(cell);
    }
    Notebook { cells, trailer: original.map(|o| o.trailer).unwrap_or_default() }
}

/// The page's notebook as a Livebook file.
pub fn export(nb: &SavedNotebook) -> String {
    livemd::write(&model(nb))
}
