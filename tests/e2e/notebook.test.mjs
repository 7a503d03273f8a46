// The playground, end to end: the built page (dist/) in headless Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pagePerTest } from './harness.mjs';
import { NotebookPage } from './pages/notebook.mjs';

let page;
let nb;
pagePerTest(async (p, { url }) => {
  page = p;
  nb = await new NotebookPage(p, url).open();
});

const POST_SCHEMA = `defmodule Post do
  use Ecto.Schema

  schema "posts" do
    field :title, :string
    field :views, :integer
    belongs_to :author, Author
  end
end`;

test('a schema and a query pasted into one fresh cell show both SQL texts before the cell runs', async () => {
  await nb.blank();
  await nb.setCell(0, `defmodule Shelf.Item do
  use Ecto.Schema
  schema "items" do
    field :name, :string
    field :qty, :integer
  end
end

Repo.all(from i in Shelf.Item, where: i.qty > 2, select: i.name)`);
  await nb.waitForPreviewSql('sqlite', 'SELECT i0."name" FROM "items" AS i0 WHERE (i0."qty" > 2)');
  await nb.waitForPreviewSql('postgres', 'SELECT i0."name" FROM "items" AS i0 WHERE (i0."qty" > 2)');
  assert.equal(await nb.cell(0).getAttribute('data-state'), 'fresh', 'nothing ran');
});

test('a schema in an earlier cell not run yet counts for the preview of a later cell', async () => {
  await nb.blank();
  await nb.setCell(0, `defmodule Shelf.Bin do
  use Ecto.Schema
  schema "bins" do
    field :label, :string
  end
end`);
  await nb.addCell();
  await nb.setCell(1, 'from b in Shelf.Bin, select: b.label');
  await nb.waitForPreviewSql('sqlite', 'SELECT b0."label" FROM "bins" AS b0');
  assert.deepEqual(await nb.states(), ['fresh', 'fresh'], 'nothing ran');
});

test('typing a query shows its SQL for SQLite and PostgreSQL before anything runs', async () => {
  await nb.blank();
  await nb.typeInCell(0, 'min = 3\nfrom p in "posts", where: p.views > ^min, select: p.title');
  await nb.waitForPreviewSql('sqlite', 'SELECT p0."title" FROM "posts" AS p0 WHERE (p0."views" > ?)');
  await nb.waitForPreviewSql('postgres', 'SELECT p0."title" FROM "posts" AS p0 WHERE (p0."views" > $1)');
  const sqlite = await nb.preview('sqlite');
  assert.equal(sqlite.sql, 'SELECT p0."title"\nFROM "posts" AS p0\nWHERE (p0."views" > ?)', 'pretty-printed, Ecto\'s text kept');
  assert.deepEqual(sqlite.params, ['3']);
  assert.deepEqual((await nb.preview('postgres')).params, ['3']);

  // Typing on updates it; the raw text is one click away.
  await nb.typeInCell(0, ', limit: 5');
  await nb.waitForPreviewSql('sqlite', 'SELECT p0."title" FROM "posts" AS p0 WHERE (p0."views" > ?) LIMIT 5');
  await nb.testid('sql-raw-toggle').check();
  assert.equal((await nb.preview('sqlite')).sql, 'SELECT p0."title" FROM "posts" AS p0 WHERE (p0."views" > ?) LIMIT 5');

  // Nothing ran: no result, no statements.
  assert.deepEqual(await nb.states(), ['fresh']);
  assert.equal(await nb.logStatements.count(), 0);
  assert.equal(await nb.cell(0).getByTestId('cell-result').innerText(), '');
});

test('an invalid query previews Ecto\'s error in place of the SQL', async () => {
  await nb.blank();
  await nb.setCell(0, POST_SCHEMA);
  await nb.runCell(0);
  const n = await nb.addCell();
  await nb.typeInCell(n, 'from p in Post, select: p.nope');
  await page.waitForFunction(() => document.querySelector('[data-testid="sql-preview-sqlite"] [data-testid="sql-error"]'));
  assert.match((await nb.preview('sqlite')).error, /Ecto\.QueryError/);
});

test('running the blog example renders results tables, the statement log and per-cell query counts', async () => {
  await nb.loadExample('blog');
  await nb.runAllCells();
  assert.ok((await nb.states()).every((st) => st === 'done'), `every cell ran: ${await nb.states()}`);

  const preload = nb.cellByTitle('Preload: one query per association');
  assert.deepEqual(await nb.table(preload), {
    columns: ['author', 'comments', 'tags', 'title'],
    rows: [
      ['Ada', '2', '["elixir", "ecto"]', 'Preloading without N+1'],
      ['Ada', '0', '["ecto"]', 'Changesets are data'],
      ['Grace', '1', '["sql"]', 'Indexes you forgot'],
    ],
  });
  // One query for the posts and one per association, whatever the number of posts.
  assert.equal(await preload.getByTestId('cell-query-count').innerText(), '4 queries');
  assert.match(await preload.getByTestId('cell-inspect').textContent(), /^\[\n?\s*%\{/);

  // The log: one group per cell, with begin/commit around the inserts.
  assert.equal(await nb.logGroups.count(), await nb.cells.count());
  const kinds = await nb.logStatements.evaluateAll((ls) => ls.map((l) => l.dataset.kind));
  assert.ok(kinds.includes('begin') && kinds.includes('commit') && kinds.includes('query'));
  const seedGroup = nb.logGroups.filter({ hasText: 'Seed data' });
  assert.match(await seedGroup.innerText(), /INSERT INTO "posts"/);
  assert.ok((await seedGroup.getByTestId('log-params').count()) > 0, 'params are listed');

  // The sidebar lists the tables with their row counts.
  const counts = await nb.tableCounts();
  assert.equal(counts.posts, '3 rows');
  assert.equal(counts.authors, '2 rows');

  // An N+1 pattern stands out.
  const n = await nb.addCell();
  await nb.setCell(n, 'Repo.all(Post) |> Enum.map(fn p -> Repo.preload(p, :author).author.name end)');
  await nb.runCell(n);
  const badge = nb.cell(n).getByTestId('cell-query-count');
  assert.equal(await badge.innerText(), '4 queries');
  assert.match(await badge.getAttribute('class'), /warn/);
  assert.match(await nb.logGroups.first().getByTestId('log-repeated').innerText(), /ran 3 times/);
});

test('a syntax error is underlined where it is, explained on hover, and the page keeps working', async () => {
  await nb.blank();
  await nb.setCell(0, 'x = 1 +\ny = )');
  assert.deepEqual(await nb.underlines(0), [')']);
  assert.match(await nb.hoverUnderline(0), /SyntaxError: syntax error before: '\)'/);

  await nb.runCell(0);
  assert.deepEqual(await nb.states(), ['failed']);
  assert.match(await nb.cell(0).getByTestId('cell-error').innerText(), /SyntaxError.*line 2, column 5/s);

  // Fixing it clears the underline; the cell then runs.
  await nb.setCell(0, 'x = 1 + 2\ny = x * 2');
  await page.waitForFunction(() => !document.querySelector('[data-testid="cell"] .cm-lintRange-error'));
  await nb.runCell(0);
  assert.deepEqual(await nb.states(), ['done']);
  assert.equal(await nb.cell(0).getByTestId('cell-inspect').innerText(), '6');
});

test('a runtime error is reported under its cell and later cells wait', async () => {
  await nb.blank();
  await nb.setCell(0, 'a = 1\nb = a + :oops');
  const n = await nb.addCell();
  await nb.setCell(n, 'a');
  await nb.runAllCells();
  assert.deepEqual(await nb.states(), ['failed', 'fresh']);
  assert.match(await nb.cell(0).getByTestId('cell-error').innerText(), /ArithmeticError/);
  assert.deepEqual(await nb.underlines(0), ['a + :oops']);
});

test('markup in data, output, SQL and table names stays text and never runs', async () => {
  await nb.blank();
  const evil = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2"><b>bold</b>';
  const literal = JSON.stringify(evil);
  await nb.setCell(0, [
    `evil = ${literal}`,
    'Repo.query!("CREATE TABLE \\"<img src=x onerror=alert(1)>\\" (id INTEGER, name TEXT)")',
    'Repo.query!("INSERT INTO \\"<img src=x onerror=alert(1)>\\" (id, name) VALUES (1, ?)", [evil])',
    'IO.puts(evil)',
    '[%{name: evil, n: 1}]',
  ].join('\n'));
  await nb.runCell(0);
  const cell = nb.cell(0);
  assert.equal(await cell.getByTestId('cell-output').textContent(), `${evil}\n`);
  assert.deepEqual((await nb.table(cell)).rows, [['1', evil]]);
  assert.ok((await cell.getByTestId('cell-inspect').textContent()).includes(literal));
  assert.ok((await nb.log.textContent()).includes(literal), 'params in the statement log, as inspect shows them');
  assert.ok(Object.keys(await nb.tableCounts()).includes('<img src=x onerror=alert(1)>'));

  // And in the live SQL preview.
  const n = await nb.addCell();
  await nb.typeInCell(n, `from p in "posts", where: p.title == ${literal}, select: p.id`);
  await page.waitForFunction(() => document.querySelector('[data-testid="sql-preview-sqlite"] [data-testid="sql-text"]')
    ?.textContent.includes('<script>'));

  assert.equal(await page.locator('main img, main script, main b, aside img, aside b, nav img').count(), 0);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
});

test('Ctrl+Enter runs a cell; Shift+Enter runs it and moves on, adding a cell at the end', async () => {
  await nb.blank();
  await nb.setCell(0, '21 * 2');
  await nb.afterRun(() => page.keyboard.press('Control+Enter'));
  assert.equal(await nb.cell(0).getByTestId('cell-inspect').innerText(), '42');
  assert.equal(await nb.cellText(0), '21 * 2', 'no newline inserted');

  await nb.afterRun(() => page.keyboard.press('Shift+Enter'));
  assert.equal(await nb.cells.count(), 2);
  await page.waitForFunction(() => document.activeElement?.closest('[data-testid="cell"]')?.dataset.index === '1');
  await page.keyboard.insertText('"next"');
  await nb.afterRun(() => page.keyboard.press('Control+Enter'));
  assert.equal(await nb.cell(1).getByTestId('cell-inspect').innerText(), '"next"');
});

test('running a later cell first runs the earlier cells that have not run', async () => {
  await nb.blank();
  await nb.setCell(0, 'x = 20');
  const n = await nb.addCell();
  await nb.setCell(n, 'x + 1');
  await nb.runCell(n);
  assert.deepEqual(await nb.states(), ['done', 'done']);
  assert.equal(await nb.cell(1).getByTestId('cell-inspect').innerText(), '21');
});

test('completion offers Ecto functions, schema fields and associations', async () => {
  await nb.blank();
  await nb.setCell(0, `${POST_SCHEMA}\n\ndefmodule Author do\n  use Ecto.Schema\n\n  schema "authors" do\n    field :name, :string\n    has_many :posts, Post\n  end\nend`);
  await nb.runCell(0);
  const n = await nb.addCell();
  await nb.typeInCell(n, 'from p in Post, where: p.');
  await page.keyboard.press('Control+Space');
  const fields = await nb.completions('title');
  for (const f of ['title', 'views', 'author', 'author_id', 'id']) assert.ok(fields.includes(f), `${f} in ${fields}`);
  await page.keyboard.press('Escape');

  await nb.setCell(n, '');
  await nb.typeInCell(n, 'Repo.pre');
  const repo = await nb.completions('preload', { only: true });
  assert.deepEqual(repo, ['preload'], 'the list is filtered by what was typed');
  await nb.acceptCompletion();
  assert.equal(await nb.cellText(n), 'Repo.preload');
});

test('every example in the gallery runs from top to bottom', async () => {
  const ids = await nb.testid('example').evaluateAll((bs) => bs.map((b) => b.dataset.id));
  assert.ok(ids.length >= 8, `${ids}`);
  for (const id of ids) {
    await nb.loadExample(id);
    await nb.runAllCells();
    const states = await nb.states();
    const failed = states.map((st, i) => [st, i]).filter(([st]) => st !== 'done');
    const errors = await nb.testid('cell-error').allInnerTexts();
    assert.deepEqual(failed, [], `${id}: ${errors.join('\n')}`);
  }
});

test('transactions show begin and rollback in the statement log', async () => {
  await nb.blank();
  await nb.setCell(0, 'Repo.transaction(fn ->\n  Repo.query!("SELECT 1")\n  Repo.rollback(:changed_my_mind)\nend)');
  await nb.runCell(0);
  assert.equal(await nb.cell(0).getByTestId('cell-inspect').innerText(), '{:error, :changed_my_mind}');
  const kinds = await nb.logStatements.evaluateAll((ls) => ls.map((l) => l.dataset.kind));
  assert.deepEqual(kinds, ['begin', 'query', 'rollback']);
  assert.equal(await nb.cell(0).getByTestId('cell-query-count').innerText(), '1 query');
});

test('the database exports as an SQLite file and imports back', async () => {
  await nb.blank();
  await nb.setCell(0, 'Repo.query!("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")\nRepo.query!("INSERT INTO notes (body) VALUES (?), (?)", ["a", "b"])');
  await nb.runCell(0);
  assert.deepEqual(await nb.tableCounts(), { notes: '2 rows' });
  const [download] = await Promise.all([page.waitForEvent('download'), nb.testid('export-db').click()]);
  const path = await download.path();
  const { readFile } = await import('node:fs/promises');
  const bytes = await readFile(path);
  assert.equal(bytes.subarray(0, 15).toString(), 'SQLite format 3');

  await nb.testid('reset').click();
  await page.waitForFunction(() => !document.querySelector('[data-testid="table-entry"]'));
  await page.locator('[data-testid="run-all"]:enabled').waitFor();
  await nb.testid('import-db-input').setInputFiles({ name: 'notes.sqlite3', mimeType: 'application/vnd.sqlite3', buffer: bytes });
  await page.waitForFunction(() => document.querySelector('[data-testid="table-entry"][data-name="notes"]'));
  await nb.setCell(0, 'Repo.query!("SELECT body FROM notes ORDER BY id").rows');
  await nb.runCell(0);
  assert.equal(await nb.cell(0).getByTestId('cell-inspect').innerText(), '[["a"], ["b"]]');
});

test('light and dark themes; the choice is remembered', async () => {
  const theme = () => page.evaluate(() => document.documentElement.dataset.theme ?? null);
  const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const first = await bg();
  await nb.testid('theme-toggle').click();
  const chosen = await theme();
  assert.ok(chosen === 'dark' || chosen === 'light');
  assert.notEqual(await bg(), first);
  await nb.open();
  assert.equal(await theme(), chosen);
  await nb.testid('theme-toggle').click();
  assert.equal(await bg(), first);
});

test('narrow screens stack the panes without horizontal scrolling', async () => {
  await page.setViewportSize({ width: 390, height: 800 });
  await nb.loadExample('blog');
  await nb.runAllCells();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `page scrolls sideways by ${overflow}px`);
  const missing = await page.evaluate(() => [...document.querySelectorAll('button, input, select, textarea, summary')]
    .filter((el) => !el.closest('.cm-editor') && !el.dataset.testid && !el.closest('[data-testid="table-entry"]'))
    .map((el) => el.outerHTML.slice(0, 80)));
  assert.deepEqual(missing, [], 'every control has a data-testid');
});

test('an example other than the default is fetched when opened, and runs', async () => {
  await page.locator('[data-testid="example"][data-id="window_functions"]').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="notebook-title"]').textContent === 'Rankings with window functions');
  await nb.runAllCells();
  const states = await nb.states();
  assert.ok(states.length > 1 && states.every((s) => s === 'done'), `every cell ran: ${states}`);
});
