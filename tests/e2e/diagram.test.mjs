// The Diagram view: the blog example drawn from its evaluated cells and its
// database, boxes that keep where they were dragged, the designer writing
// cells that change the database, and drift fixed by its migration.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pagePerTest } from './harness.mjs';
import { NotebookPage } from './pages/notebook.mjs';

let page;
let nb;
const s = pagePerTest(async (p) => {
  page = p;
});

async function openDiagram() {
  await page.getByTestId('view-diagram').click();
  await page.getByTestId('er-diagram').waitFor();
}

/** The drawing as data: tables with their fields, and edges. */
async function drawing() {
  await page.locator('[data-testid="er-table"]').first().waitFor();
  return page.evaluate(() => {
    const tables = {};
    for (const t of document.querySelectorAll('[data-testid="er-table"]')) {
      tables[t.dataset.table] = [...t.querySelectorAll('[data-testid="er-field"]')].map((f) => f.dataset.field);
    }
    const edges = [...document.querySelectorAll('[data-testid="er-edge"]')]
      .map((e) => `${e.dataset.from} ${e.dataset.kind} ${e.dataset.to}`).sort();
    return { tables, edges };
  });
}

async function blogRan() {
  nb = await new NotebookPage(page, s.url).open();
  await nb.loadExample('blog');
  await nb.runAllCells();
  const states = await nb.states();
  assert.ok(states.every((st) => st === 'done'), `every cell ran: ${states}`);
}

test('the blog example is drawn: every table with its columns, every association with its ends', async () => {
  const fetched = [];
  page.on('request', (r) => fetched.push(new URL(r.url()).pathname));
  await blogRan();
  assert.ok(!fetched.some((p) => p.endsWith('/diagram.js')), 'the diagram code loads only when its view opens');
  await openDiagram();
  const { tables, edges } = await drawing();
  assert.deepEqual(Object.keys(tables).sort(), ['authors', 'comments', 'posts', 'posts_tags', 'tags']);
  assert.deepEqual(tables.posts, ['id', 'title', 'body', 'author_id', 'inserted_at', 'updated_at']);
  assert.deepEqual(tables.authors, ['id', 'name', 'inserted_at', 'updated_at']);
  assert.deepEqual(tables.posts_tags.sort(), ['post_id', 'tag_id']);
  assert.deepEqual(edges, [
    'authors has_many posts',
    'comments belongs_to posts',
    'posts belongs_to authors',
    'posts has_many comments',
    'posts many_to_many tags',
    'tags many_to_many posts',
  ]);
  assert.match(await page.getByTestId('er-summary').innerText(), /5 tables · 6 associations/);
  assert.equal(await page.getByTestId('drift-item').count(), 0, 'the blog schemas match their tables');
  // Hovering an edge shows the association's code.
  await page.getByTestId('er-diagram').scrollIntoViewIfNeeded();
  await page.locator('[data-testid="er-edge"][data-from="posts"][data-kind="belongs_to"] .er-hit').hover({ force: true });
  assert.match(await page.getByTestId('er-edge-code').innerText(), /belongs_to :author, Blog\.Author/);
});

test('a dragged box keeps its place after a reload', async () => {
  await blogRan();
  await openDiagram();
  const box = page.locator('[data-testid="er-table"][data-table="tags"]');
  const before = await box.getAttribute('transform');
  await page.getByTestId('er-diagram').scrollIntoViewIfNeeded();
  const r = await box.locator('.er-head').boundingBox();
  await page.mouse.move(r.x + 20, r.y + 8);
  await page.mouse.down();
  await page.mouse.move(r.x + 80, r.y + 68, { steps: 6 });
  await page.mouse.up();
  const after = await box.getAttribute('transform');
  assert.notEqual(after, before, 'the box moved');
  await page.waitForTimeout(400); // the workspace is saved as it changes
  await page.reload();
  nb = new NotebookPage(page, s.url);
  await page.locator('[data-testid="run-all"]:enabled').waitFor();
  await nb.runAllCells();
  await openDiagram();
  await page.locator('[data-testid="er-table"][data-table="tags"]').waitFor();
  assert.equal(await page.locator('[data-testid="er-table"][data-table="tags"]').getAttribute('transform'), after);
});

test('a field added in the designer becomes schema and migration cells, and a column in the database', async () => {
  await blogRan();
  const cellsBefore = await nb.cells.count();
  await openDiagram();
  await page.getByTestId('design-add-field').click();
  await page.getByTestId('design-table').selectOption('posts');
  await page.getByTestId('design-name').fill('subtitle');
  await page.getByTestId('design-type').selectOption(':string');
  await page.getByTestId('design-preview').click();
  assert.match(await page.getByTestId('design-migration').innerText(), /alter table\(:posts\) do\s+add :subtitle, :string/);
  assert.match(await page.getByTestId('design-schema').first().innerText(), /field :subtitle, :string/);
  assert.equal(await nb.cells.count(), cellsBefore, 'nothing is written before it is confirmed');
  await nb.afterRun(() => page.getByTestId('design-apply').click());
  assert.ok(await nb.cells.count() >= cellsBefore + 2, 'the schema and migration cells were added');
  const states = await nb.states();
  assert.ok(states.every((st) => st === 'done'), `the new cells ran: ${states}`);
  await page.locator('[data-testid="er-table"][data-table="posts"] [data-testid="er-field"][data-field="subtitle"]').waitFor();
  assert.equal(await page.locator('[data-testid="er-field"][data-field="subtitle"].missing').count(), 0, 'the column exists');
  assert.equal(await page.getByTestId('drift-item').count(), 0);
  await page.getByTestId('view-notebook').click();
  const n = await nb.addCell();
  await nb.setCell(n, 'Repo.query!("SELECT subtitle FROM posts").columns');
  await nb.runCell(n);
  assert.equal(await nb.inspect(n), '["subtitle"]');
});

test('a schema that drifts from its table is flagged, and its migration clears the warning', async () => {
  await blogRan();
  await page.getByTestId('view-notebook').click();
  const n = await nb.addCell();
  await nb.setCell(n, `defmodule Blog.Tag do
  use Ecto.Schema

  schema "tags" do
    field :name, :string
    field :color, :string
    many_to_many :posts, Blog.Post, join_through: "posts_tags"
  end
end`);
  await nb.runCell(n);
  await openDiagram();
  const item = page.locator('[data-testid="drift-item"][data-table="tags"]');
  await item.waitFor();
  assert.match(await item.getByTestId('drift-message').innerText(), /color/);
  assert.match(await item.getByTestId('drift-migration').textContent(), /add :color, :string/);
  await nb.afterRun(() => item.getByTestId('drift-fix').click());
  await page.getByTestId('drift-none').waitFor();
  assert.equal(await page.getByTestId('drift-item').count(), 0);
});

test('a schema typed into a cell is drawn before the cell runs, and edits to it follow', async () => {
  nb = await new NotebookPage(page, s.url).open();
  await nb.blank();
  const schema = (extra) => `defmodule Shelf.Item do
  use Ecto.Schema
  schema "items" do
    field :name, :string${extra}
    belongs_to :bin, Shelf.Bin
  end
end

defmodule Shelf.Bin do
  use Ecto.Schema
  schema "bins" do
    has_many :items, Shelf.Item
  end
end`;
  await nb.setCell(0, schema(''));
  await openDiagram();
  await page.locator('[data-testid="er-table"][data-table="items"]').waitFor();
  let { tables, edges } = await drawing();
  assert.deepEqual(tables.items, ['id', 'name', 'bin_id']);
  assert.deepEqual(edges, ['bins has_many items', 'items belongs_to bins']);
  await page.getByTestId('view-notebook').click();
  await nb.setCell(0, schema('\n    field :qty, :integer'));
  await openDiagram();
  await page.locator('[data-testid="er-table"][data-table="items"] [data-testid="er-field"][data-field="qty"]').waitFor();
  ({ tables } = await drawing());
  assert.deepEqual(tables.items, ['id', 'name', 'qty', 'bin_id']);
  assert.deepEqual(await nb.states(), ['fresh'], 'nothing ran');
});

test('clicking a box opens the cell that defines its schema', async () => {
  await blogRan();
  await openDiagram();
  await page.getByTestId('er-diagram').scrollIntoViewIfNeeded();
  await page.locator('[data-testid="er-table"][data-table="comments"] .er-head').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="view-notebook"]').getAttribute('aria-selected') === 'true');
  await page.waitForFunction(() => document.activeElement && document.activeElement.closest('[data-testid="cell"]'));
  const focused = await page.evaluate(() => [...document.querySelectorAll('[data-testid="cell"]')].indexOf(document.activeElement.closest('[data-testid="cell"]')));
  assert.equal(focused, 0, 'the Schemas cell, where Blog.Comment is defined');
});
