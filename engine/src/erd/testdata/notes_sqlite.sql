CREATE TABLE IF NOT EXISTS "notebooks" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "title" TEXT NOT NULL, "inserted_at" TEXT NOT NULL, "updated_at" TEXT NOT NULL);
CREATE TABLE notes (id INTEGER PRIMARY KEY AUTOINCREMENT, notebook_id INTEGER NOT NULL REFERENCES notebooks(id) ON DELETE CASCADE, body TEXT, pinned BOOLEAN NOT NULL DEFAULT 0, score REAL DEFAULT 1);
CREATE INDEX notes_notebook_id_index ON notes (notebook_id);
CREATE TABLE labels (id INTEGER PRIMARY KEY, name TEXT UNIQUE);
CREATE TABLE note_labels (note_id INTEGER REFERENCES notes(id), label_id INTEGER REFERENCES labels(id));
CREATE UNIQUE INDEX note_labels_note_id_label_id_index ON note_labels (note_id, label_id);
ALTER TABLE notes ADD COLUMN archived_at DATETIME;
CREATE TRIGGER notes_touch AFTER UPDATE ON notes BEGIN UPDATE notebooks SET updated_at = datetime('now'); END;
CREATE VIEW pinned AS SELECT * FROM notes WHERE pinned;
