// PostgreSQL in the page: a notebook switched to PostgreSQL runs on PGlite
// in the engine's worker (arrays, jsonb, constraint errors as changeset
// errors, Stop rolls the database back), keeps the choice across a reload,
// and the SQLite playground never fetches PGlite. The download shows its
// progress in percent; the gallery's PostgreSQL examples open on PostgreSQL
// and run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pagePerTest } from './harness.mjs';
import { DatabasePage } from './pages/postgres.mjs';

let page;
let nb;
const fetched = [];
pagePerTest(async (p, { url }) => {
  page = p;
  fetched.length = 0;
  p.on('request', (r) => fetched.push(new URL(r.url()).pathname));
  nb = new DatabasePage(p, url);
  await nb.open();
});

const SCHEMA = `defmodule Post do
  use Ecto.Schema
  schema "posts" do
    field :title, :string
    field :tags, {:array, :string}
    field :settings, :map
  end
end
Repo.query!("CREATE TABLE posts (id bigserial PRIMARY KEY, title text NOT NULL, tags text[], settings jsonb)")
Repo.query!("CREATE UNIQUE INDEX posts_title_index ON posts (title)")
Repo.insert!(%Post{title: "hello", tags: ["elixir", "ecto"], settings: %{"theme" => "dark"}})
Repo.insert!(%Post{title: "other", tags: ["rust"], settings: %{"theme" => "light"}})
:ok`;

const pglite = (path) => /\/(pglite\.js|pglite\.wasm|initdb\.wasm|pglite\.data)$/.test(path);

async function postgresNotebook() {
  await nb.blank();
  assert.equal(await nb.database(), 'sqlite');
  const ms = await nb.switchTo('postgres');
  console.log(`# PostgreSQL (PGlite) loaded and started in ${ms} ms`);
  assert.equal(await nb.database(), 'postgres');
  await nb.setCell(0, SCHEMA);
  await nb.runCell(0);
  assert.equal(await nb.inspect(0), ':ok');
}

test('the SQLite playground runs without fetching PGlite', async () => {
  await nb.runAllCells();
  assert.deepEqual(fetched.filter(pglite), []);
});

test('loading PostgreSQL shows the bytes fetched as a percentage up to 100%', async () => {
  await nb.blank();
  await nb.recordLoading();
  await nb.switchTo('postgres');
  const texts = await nb.loadingTexts();
  const percents = texts.map((t) => t.match(/(\d+)% of (\d+\.\d) MB/)).filter(Boolean);
  assert.ok(percents.length > 0, `a percentage was shown: ${JSON.stringify(texts)}`);
  const values = percents.map((m) => Number(m[1]));
  assert.deepEqual(values, [...values].sort((a, b) => a - b), 'the percentage only grows');
  assert.equal(values.at(-1), 100, `the download completed: ${JSON.stringify(texts)}`);
  // The total is PGlite's artifacts: several megabytes.
  assert.ok(Number(percents.at(-1)[2]) > 3, percents.at(-1)[0]);
});

test('every PostgreSQL example opens on PostgreSQL and runs with rows and no error', async () => {
  const ids = await nb.postgresExamples();
  assert.ok(ids.length >= 5, `the gallery lists PostgreSQL examples: ${ids}`);
  for (const id of ids) {
    await nb.openExample(id);
    assert.equal(await nb.database(), 'postgres', `${id} opens on PostgreSQL`);
    await nb.runAllCells();
    await page.locator('[data-testid="status"][data-state="ready"]').waitFor({ timeout: 60_000 });
    const states = await nb.states();
    assert.ok(states.length >= 4 && states.every((s) => s === 'done'), `${id}: ${states}`);
    assert.equal(await page.getByTestId('cell-error').count(), 0, `${id}: no cell shows an error`);
    // The last cell shows rows: a list that is not empty.
    const last = await nb.inspect(states.length - 1);
    assert.match(last, /\[\s*[^\]\s]/, `${id}: the last cell's rows: ${last}`);
    // The sidebar lists its tables with their rows.
    await page.locator('[data-testid="table-entry"]').first().waitFor();
  }
  // A SQLite example moves the notebook back to SQLite.
  await nb.openExample('upserts');
  assert.equal(await nb.database(), 'sqlite');
});

test('a notebook on PostgreSQL runs array and jsonb queries and shows their rows', async () => {
  await postgresNotebook();
  assert.ok(fetched.some(pglite), 'PGlite was fetched once PostgreSQL was chosen');
  const n = await nb.addCell();
  await nb.setCell(n, 'tag = "ecto"\nRepo.all(from p in Post, where: ^tag in p.tags, select: {p.title, p.tags})');
  await nb.runCell(n);
  assert.equal(await nb.inspect(n), '[{"hello", ["elixir", "ecto"]}]');
  const m = await nb.addCell();
  await nb.setCell(m, 'Repo.all(from p in Post, where: p.settings["theme"] == "light", select: {p.title, p.settings})');
  await nb.runCell(m);
  assert.equal(await nb.inspect(m), '[{"other", %{"theme" => "light"}}]');
  // The sidebar lists PostgreSQL's tables.
  await page.locator('[data-testid="table-entry"]').first().waitFor();
  assert.match(await nb.tables.first().innerText(), /posts/);
});

test('a unique violation on PostgreSQL is the changeset error', async () => {
  await postgresNotebook();
  const n = await nb.addCell();
  await nb.setCell(
    n,
    '%Post{} |> Ecto.Changeset.cast(%{title: "hello"}, [:title]) |> Ecto.Changeset.unique_constraint(:title) |> Repo.insert()',
  );
  await nb.runCell(n);
  assert.match(await nb.inspect(n), /\{:error,\s+#Ecto\.Changeset<[\s\S]*errors: \[\s*title: \{"has already been taken",\s*\[constraint: :unique, constraint_name: "posts_title_index"\]\}\s*\]/);
});

test('Stop during a long generate_series leaves PostgreSQL as before the cell', async () => {
  await postgresNotebook();
  const n = await nb.addCell();
  await nb.setCell(n, `Repo.query!("INSERT INTO posts (title) SELECT 'p' || g FROM generate_series(1, 500000000) g")`);
  const { done } = await nb.startCell(n);
  await page.waitForTimeout(1_000);
  await nb.stopButton.click();
  await done;
  assert.match(await nb.stoppedMessage(n), /The database is as it was before this cell/);
  await nb.waitDatabaseReady();
  const m = await nb.addCell();
  await nb.setCell(m, 'Repo.aggregate(Post, :count)');
  await nb.runCell(m);
  assert.equal(await nb.inspect(m), '2');
});

test('a reload keeps the notebook on PostgreSQL', async () => {
  await postgresNotebook();
  await nb.waitSavedContaining('"db":"postgres"');
  await nb.reload();
  await nb.waitDatabaseReady();
  assert.equal(await nb.database(), 'postgres');
  await nb.runAllCells();
  const n = await nb.addCell();
  await nb.setCell(n, 'Repo.query!("SELECT ARRAY[1, 2] AS a, \'{\\"k\\": 1}\'::jsonb AS j").rows');
  await nb.runCell(n);
  assert.equal(await nb.inspect(n), '[[[1, 2], %{"k" => 1}]]');
  // And back to SQLite: the choice is saved as such.
  await nb.switchTo('sqlite');
  await page.waitForFunction(() => !(localStorage.getItem('ectoplasm-workspace') || '"db"').includes('"db"'));
});
