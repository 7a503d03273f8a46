// From SQL: pasted SQL becomes Ecto that uses the notebook's schemas, the
// engine prints its SQL for both adapters, both queries run on the
// notebook's database and their rows are compared; the proposal runs as a
// new cell. Its control and the tools worker load only when the box opens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pagePerTest } from './harness.mjs';
import { FromSqlPage } from './pages/from-sql.mjs';

// The default notebook is the blog example: authors, posts, comments, tags.
// Ada's first post has 2 comments (one "What about joins?"), her second
// none; Grace's post has 1.
const THREE_TABLES = `SELECT a.name, count(c.id) AS comments
FROM authors a
JOIN posts p ON p.author_id = a.id
JOIN comments c ON c.post_id = p.id
WHERE c.body <> 'What about joins?'
GROUP BY a.name
ORDER BY a.name`;

let nb;
pagePerTest(async (page, { url }) => {
  page.fetched = [];
  page.on('request', (r) => page.fetched.push(new URL(r.url()).pathname));
  nb = await new FromSqlPage(page, url).open();
});

const lazy = (paths) => paths.filter((p) => p.endsWith('/from-sql.js') || p.includes('ectoplasm-tools'));

test('a three-table join with a filter and a group by becomes Ecto that returns the same rows, and runs as a new cell', async () => {
  const { page } = nb;
  assert.deepEqual(lazy(page.fetched), [], 'nothing of From SQL at load');
  await nb.runAllCells();
  const cells = await nb.cells.count();
  await nb.openFromSql();
  assert.ok(page.fetched.some((p) => p.endsWith('/from-sql.js')), page.fetched.join('\n'));

  const [r] = await nb.translate(THREE_TABLES);
  assert.equal(r.error, null);
  assert.equal(r.kind, 'all');
  // The schemas, their associations and a select in the SQL's column order.
  assert.match(r.code, /^from\(a in Blog\.Author,/);
  assert.match(r.code, /join: p in assoc\(a, :posts\)/);
  assert.match(r.code, /join: c in assoc\(p, :comments\)/);
  assert.match(r.code, /where: c\.body != "What about joins\?"/);
  assert.match(r.code, /group_by: a\.name/);
  assert.match(r.code, /select: %\{name: a\.name, comments: count\(c\.id\)\}/);
  // Beside the input, the SQL Ecto prints for each adapter.
  assert.equal(r.sql.input, THREE_TABLES);
  assert.match(r.sql.sqlite, /INNER JOIN "posts" AS p1\s+ON p1\."author_id" = a0\."id"/);
  assert.match(r.sql.postgres, /GROUP BY a0\."name"/);
  assert.equal(r.outcome, 'equal');
  assert.match(r.proof, /equal on 2 rows, in the same order/);

  await nb.insert(0, cells + 1);
  const last = nb.cell(cells);
  assert.equal(await last.getAttribute('data-state'), 'done');
  assert.equal(await last.getByTestId('cell-title').innerText(), 'From SQL');
  assert.match(await nb.cellText(cells), /query = from\(a in Blog\.Author,[\s\S]*Repo\.all\(query\)/);
  // The rows of Repo.all: maps (whose keys a table shows in Elixir's order).
  const table = await nb.table(last);
  assert.deepEqual(table.columns, ['comments', 'name']);
  assert.deepEqual(table.rows, [['1', 'Ada'], ['1', 'Grace']]);
});

test('options: the pipe form, pinned literals, and the dialect the SQL is read in', async () => {
  await nb.runAllCells();
  await nb.openFromSql();
  await nb.options({ pipe: true, pin: true });
  const [r] = await nb.translate("SELECT p.title FROM posts p WHERE p.title LIKE '%data%' ORDER BY p.id LIMIT 5");
  assert.match(r.code, /^Blog\.Post\n\|> where\(\[p\], like\(p\.title, \^"%data%"\)\)/);
  assert.match(r.code, /\|> limit\(\^5\)/);
  assert.equal(r.outcome, 'equal');
  assert.match(r.proof, /equal on 1 row\b/);
  // `$1` placeholders are pins the cell must bind.
  await nb.options({ pipe: false, pin: false, dialect: 'postgres' });
  const [q] = await nb.translate('SELECT id FROM authors WHERE name = $1');
  assert.match(q.code, /where: a\.name == \^p1/);
  assert.match(await nb.results.first().getByTestId('from-sql-params').innerText(), /bind p1/);
});

test('errors: SQL that does not parse says where, SQL Ecto cannot write says so with the nearest form', async () => {
  await nb.openFromSql();
  const [bad] = await nb.translate('SELECT id\nFROM posts WHERE');
  assert.equal(bad.error.kind, 'parse');
  assert.equal(bad.error.line, '2');
  assert.match(bad.error.column, /^\d+$/);
  assert.match(bad.error.text, /^The SQL does not parse\. Line 2, column \d+: /);
  assert.equal(bad.code, null);

  const [natural] = await nb.translate('SELECT p.title, c.body FROM posts p NATURAL JOIN comments c');
  assert.equal(natural.error.kind, 'unsupported');
  assert.match(natural.error.text, /NATURAL JOIN has no Ecto form/);
  assert.match(natural.nearest, /join: c in Blog\.Comment, on: /);
  assert.equal(await nb.testid('from-sql-insert').count(), 0);

  // Several statements, each with its own outcome; nothing has run yet, so
  // the comparison says why it was not made.
  const both = await nb.translate("SELECT name FROM authors;\nDELETE FROM comments WHERE body = 'x'");
  assert.equal(both.length, 2);
  assert.equal(both[0].kind, 'all');
  assert.match(both[0].proof, /^Not compared: the notebook's database has no tables yet/);
  assert.equal(both[1].kind, 'delete_all');
  assert.match(both[1].code, /Repo\.delete_all\(/);
  assert.match(both[1].proof, /^Not compared: writes are not run/);
});

test('markup in the SQL stays text', async () => {
  await nb.openFromSql();
  const [r] = await nb.translate(`SELECT '<img src=x onerror=alert(1)>' AS x FROM authors`);
  assert.equal(await nb.box.locator('img').count(), 0);
  assert.match(r.sql.input, /<img src=x/);
});

test('a comparison that never ends is stopped by the time limit, and the notebook goes on', async () => {
  const { page } = nb;
  await page.goto(`${nb.url}?time-limit=1.5`);
  await page.locator('[data-testid="run-all"]:enabled').waitFor({ timeout: 30_000 });
  await nb.runAllCells();
  await nb.openFromSql();
  await nb.input.fill('WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n');
  await page.locator('[data-testid="from-sql-run"]:enabled').click();
  const failed = page.locator('[data-testid="from-sql-failed"]:not([hidden])');
  await failed.waitFor({ timeout: 30_000 });
  assert.match(await failed.innerText(), /^Stopped after 1\.5 s \(time limit\)\. The database is as it was before the comparison\./);
  // The engine was restored: the next translation is proved on the same data.
  const [r] = await nb.translate('SELECT count(*) FROM comments');
  assert.equal(r.outcome, 'equal');
  assert.match(r.proof, /equal on 1 row\b/);
  assert.equal(await page.locator('[data-testid="status"]').getAttribute('data-state'), 'ready');
});
