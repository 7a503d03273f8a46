// The engine in its Web Worker: runaway cells end (time limit, Stop, Escape)
// with a clear message, the database as it was before the cell, the
// workspace's bindings kept and the page usable throughout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pagePerTest } from './harness.mjs';
import { NotebookPage } from './pages/notebook.mjs';

let page;
let nb;
const s = pagePerTest(async (p) => {
  page = p;
});

const SETUP = `Repo.query!("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)")
Repo.query!("INSERT INTO items (name) VALUES ('a'), ('b')")
defmodule Label do
  def of(n), do: "item " <> Integer.to_string(n)
end
answer = 41`;

const ENDLESS_CTE = `Repo.query!("INSERT INTO items (name) VALUES ('written by the stopped cell')")
Repo.query!("WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT count(*) FROM c")`;

const AFTER = `{answer + 1, Label.of(7), Repo.query!("SELECT name FROM items ORDER BY id").rows}`;

/** A blank notebook whose cells hold `sources`. */
async function notebook(sources) {
  await nb.blank();
  for (let i = 0; i < sources.length; i += 1) {
    if (i > 0) await nb.addCell();
    await nb.setCell(i, sources[i]);
  }
}

test('an endless recursive CTE is stopped by the time limit; data and bindings are as before the cell', async () => {
  nb = await new NotebookPage(page, s.url).open('?time-limit=1.5');
  assert.equal(await nb.timeLimit.inputValue(), '1.5', 'the URL sets the limit');
  await notebook([SETUP, ENDLESS_CTE, AFTER]);
  await nb.runCell(0);
  assert.deepEqual(await nb.states(), ['done', 'fresh', 'fresh']);

  const run = await nb.startCell(1);
  assert.equal(await nb.stopButton.isVisible(), true, 'Stop shows while a cell runs');
  await run.done;
  assert.equal(
    await nb.stoppedMessage(1),
    'Stopped after 1.5 s (time limit). The database is as it was before this cell.',
  );
  assert.deepEqual(await nb.states(), ['done', 'failed', 'fresh']);
  assert.equal(await nb.stopButton.isVisible(), false, 'Stop hides once nothing runs');
  assert.equal(await nb.status.getAttribute('data-state'), 'ready');

  // The page goes on: the next cell runs with the earlier cells' bindings
  // and modules, and sees the rows written before the stopped cell only.
  await nb.runCell(2);
  assert.equal(await nb.inspect(2), '{42, "item 7", [["a"], ["b"]]}');
  assert.deepEqual(await nb.tableCounts(), { items: '2 rows' });
});

test('Stop ends a runaway query while previews stay live; Escape stops a runaway script', async () => {
  nb = await new NotebookPage(page, s.url).open('?time-limit=60');
  const query = 'from i in "items", where: i.name == ^Label.of(1), select: i.id';
  await notebook([SETUP, ENDLESS_CTE, query]);
  await nb.runCell(0);

  let run = await nb.startCell(1);
  // While it runs, the query in cell 2 still gets its SQL preview (a second
  // worker has replayed cell 0, so Label is defined there).
  await nb.editor(2).click();
  await page.keyboard.press('Control+End');
  await nb.waitForPreviewSql('sqlite', 'SELECT i0."id" FROM "items" AS i0 WHERE (i0."name" = ?)', 20_000);
  assert.equal(await nb.status.getAttribute('data-state'), 'running');
  await nb.stopButton.click();
  await run.done;
  assert.match(await nb.stoppedMessage(1), /^Stopped after \d+(\.\d)? s\. The database is as it was before this cell\.$/);
  assert.deepEqual(await nb.states(), ['done', 'failed', 'fresh']);

  await nb.setCell(1, 'Stream.iterate(0, &(&1 + 1))\n|> Stream.map(fn n -> Repo.query!("INSERT INTO items (name) VALUES (?)", [Label.of(n)]) end)\n|> Enum.find(&(&1 == :never))');
  run = await nb.startCell(1);
  await page.keyboard.press('Escape');
  await run.done;
  assert.match(await nb.stoppedMessage(1), /^Stopped after \d+(\.\d)? s\. The database is as it was before this cell\.$/);

  await nb.setCell(2, AFTER);
  await nb.runCell(2);
  assert.equal(await nb.inspect(2), '{42, "item 7", [["a"], ["b"]]}');
  assert.deepEqual(await nb.tableCounts(), { items: '2 rows' });
});

test('unbounded recursion in user code ends in an error, never a dead page', async () => {
  nb = await new NotebookPage(page, s.url).open();
  await notebook([
    SETUP,
    'defmodule R do\n  def f(n), do: 1 + f(n + 1)\nend\nR.f(0)',
  ]);
  await nb.runCell(0);
  await nb.runCell(1);
  assert.equal(await nb.cell(1).getAttribute('data-state'), 'failed');
  assert.match(await nb.cell(1).getByTestId('cell-error').innerText(), /call depth exceeded \d+ \(infinite recursion\?\)/);
  // The page goes on with the workspace as it was.
  await nb.setCell(1, AFTER);
  await nb.runCell(1);
  assert.equal(await nb.inspect(1), '{42, "item 7", [["a"], ["b"]]}');
});

test('SQLite is fetched when a cell first needs a database, not before the engine is ready', async () => {
  const fetched = [];
  page.on('request', (r) => fetched.push(new URL(r.url()).pathname));
  nb = await new NotebookPage(page, s.url).open();
  await nb.blank();
  await nb.setCell(0, 'from p in "posts", where: p.views > 2, select: p.title');
  await nb.waitForPreviewSql('sqlite', 'SELECT p0."title" FROM "posts" AS p0 WHERE (p0."views" > 2)');
  assert.ok(fetched.some((p) => p.endsWith('_bg.wasm')), 'the engine was fetched');
  assert.deepEqual(fetched.filter((p) => p.includes('sql-wasm')), [], 'ready, previewing and listing tables need no SQLite');
  await nb.setCell(0, 'Repo.query!("SELECT 2000 + 26 AS answer").rows');
  await nb.runCell(0);
  assert.equal(await nb.inspect(0), '[[2026]]');
  assert.ok(fetched.some((p) => p.endsWith('/sql-wasm.wasm')), 'SQLite came with the first run');
});
