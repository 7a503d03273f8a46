// The notebook's tools on PostgreSQL: rows generated with PostgreSQL's types
// (arrays, jsonb, uuid, timestamps, foreign keys), PostgreSQL's own plan
// (EXPLAIN ANALYZE as a tree: a Seq Scan, then after the advised index an
// index scan), the ER diagram read from PostgreSQL's catalog, and Export DB's
// data directory imported back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { pagePerTest } from './harness.mjs';
import { DatabasePage } from './pages/postgres.mjs';
import { InsightPage } from './pages/insight.mjs';

let page;
let nb;
let ins;
pagePerTest(async (p, { url }) => {
  page = p;
  nb = new DatabasePage(p, url);
  ins = new InsightPage(nb);
  await nb.open();
});

const SCHEMA = `defmodule Blog.Author do
  use Ecto.Schema
  schema "authors" do
    field :name, :string
    has_many :posts, Blog.Post
    timestamps()
  end
end

defmodule Blog.Post do
  use Ecto.Schema
  schema "posts" do
    field :title, :string
    field :views, :integer
    field :tags, {:array, :string}
    field :meta, :map
    field :token, Ecto.UUID
    field :published_at, :naive_datetime
    belongs_to :author, Blog.Author
    timestamps()
  end
end

defmodule Blog.Migrations.CreateTables do
  use Ecto.Migration

  def change do
    create table(:authors) do
      add :name, :string, null: false
      timestamps()
    end

    create table(:posts) do
      add :title, :string
      add :views, :integer
      add :tags, {:array, :string}
      add :meta, :map
      add :token, :uuid
      add :published_at, :naive_datetime
      add :author_id, references(:authors)
      timestamps()
    end

    create index(:posts, [:author_id])
  end
end

Ecto.Migrator.up(Repo, 1, Blog.Migrations.CreateTables)`;

/** A blank notebook on PostgreSQL with the blog's tables, and `posts`
 * generated rows (and 50 authors). */
async function blogOnPostgres(posts) {
  await nb.blank();
  await nb.switchTo('postgres');
  await nb.setCell(0, SCHEMA);
  await nb.runCell(0);
  assert.equal(await nb.inspect(0), ':ok');
  await ins.options({ rows: 50 });
  const authors = await ins.generate('authors');
  assert.match(authors.status, /Inserted 50 rows into authors/);
  await ins.options({ rows: posts });
  const generated = await ins.generate('posts');
  assert.match(generated.status, new RegExp(`Inserted ${posts.toLocaleString('en-US')} rows into posts`));
  console.log(`# PostgreSQL: ${posts} posts generated in ${generated.ms} ms, click to done`);
  // The sidebar's tables are read again once the generation has ended.
  let counts = {};
  for (let waited = 0; waited < 10_000; waited += 100) {
    counts = await nb.tableCounts();
    if (counts.authors === '50 rows' && counts.posts === `${posts} rows`) break;
    await page.waitForTimeout(100);
  }
  assert.equal(counts.authors, '50 rows');
  assert.equal(counts.posts, `${posts} rows`);
}

test('generated rows on PostgreSQL have its types, and the plan is PostgreSQL’s: a Seq Scan, then an index scan after the advised index', async () => {
  await blogOnPostgres(5_000);

  // The generated values read back as the schema's types.
  const check = await nb.addCell();
  await nb.setCell(check, `posts = Repo.all(from p in Blog.Post, where: not is_nil(p.tags) and not is_nil(p.meta) and not is_nil(p.token), limit: 20)
{length(posts) > 0,
 Enum.all?(posts, &(is_list(&1.tags) and Enum.all?(&1.tags, fn t -> is_binary(t) end))),
 Enum.all?(posts, &is_map(&1.meta)),
 Enum.all?(posts, &match?({:ok, _}, Ecto.UUID.cast(&1.token))),
 Enum.all?(posts, &match?(%NaiveDateTime{}, &1.inserted_at)),
 Repo.aggregate(from(p in Blog.Post, join: a in assoc(p, :author)), :count) == Repo.aggregate(from(p in Blog.Post, where: not is_nil(p.author_id)), :count)}`);
  await nb.runCell(check);
  assert.equal(await nb.inspect(check), '{true, true, true, true, true, true}');

  const n = await nb.addCell();
  await nb.setCell(n, 'from p in Blog.Post,\n  where: p.title == "birch cedar",\n  select: {p.id, p.views}');
  const nodes = await ins.planNodes({ timeout: 20_000 });
  const summary = await ins.testid('plan-summary').innerText();
  assert.match(summary, /PostgreSQL's plan \(EXPLAIN ANALYZE, run in a transaction rolled back\): planning [\d.]+ ms, execution [\d.]+ ms/);
  const scan = await page.locator('[data-testid="plan-node"][data-node-type="Seq Scan"]');
  assert.equal(await scan.count(), 1, JSON.stringify(nodes));
  assert.equal(await scan.getAttribute('data-relation'), 'posts');
  assert.match(await scan.getAttribute('data-detail'), /^Seq Scan on posts p0 \(Filter: \(\(title\)::text = 'birch cedar'::text\)\)$/);
  assert.equal(await scan.getAttribute('data-flagged'), 'true');
  const stats = scan.getByTestId('plan-stats').first();
  assert.match(await stats.innerText(), /^estimated [\d,]+ rows · actual [\d,]+ · [\d.]+ ms · cost [\d.]+$/);
  assert.notEqual(await stats.getAttribute('data-actual'), '');
  // Hovering the scan marks the clauses it comes from.
  await scan.locator('> .plan-line').hover();
  assert.deepEqual((await ins.marked()).sort(), ['p in Blog.Post', 'p.title == "birch cedar"'].sort());

  // The advice: the index migration, with what PostgreSQL's plan shows.
  assert.equal(await ins.advice.count(), 1);
  const advice = await ins.advice.first().innerText();
  assert.match(advice, /create index\(:posts, \[:title\]\)/);
  assert.match(advice, /PostgreSQL reads every row of `posts` \(Seq Scan; its filter dropped [\d.]+ rows\)/);
  assert.match(advice, /CREATE INDEX "posts_title_index" ON "posts" \("title"\)/);

  const timed = await ins.time();
  assert.ok(timed.medianUs > 0, timed.text);

  const applied = await ins.applyAdvice(0);
  console.log(`# PostgreSQL index added: click to before/after ${applied.ms} ms; median ${applied.beforeUs} µs -> ${applied.afterUs} µs`);
  assert.match(await nb.cellText(n), /Ecto\.Migrator\.up\(Repo, 2, Blog\.Migrations\.CreatePostsTitleIndex\)/);
  assert.equal((await nb.states())[n], 'done');
  await ins.waitForNode(/^(Bitmap )?Index (Only )?Scan using posts_title_index/);
  assert.equal(await page.locator('[data-testid="plan-node"][data-node-type="Seq Scan"]').count(), 0);
  assert.equal(await page.locator('[data-testid="plan-node"][data-index="posts_title_index"]').count() > 0, true);
  assert.match(applied.text, /Before[\s\S]*sequential scan of `posts`[\s\S]*After[\s\S]*index scan of `posts` using index `posts_title_index`/i);
  assert.equal(await ins.advice.count(), 0, 'nothing more to add');
});

test('the diagram reads PostgreSQL’s catalog, and Export DB’s data directory imports back', async () => {
  await blogOnPostgres(300);
  const n = await nb.addCell();
  // A table no schema maps: only the catalog knows it.
  await nb.setCell(n, 'Repo.query!("CREATE TABLE audit_log (id bigserial PRIMARY KEY, post_id bigint NOT NULL REFERENCES posts (id), note text)")\n:ok');
  await nb.runCell(n);
  assert.equal(await nb.inspect(n), ':ok');

  await page.getByTestId('view-diagram').click();
  await page.getByTestId('er-diagram').waitFor();
  await page.locator('[data-testid="er-table"][data-table="audit_log"]').waitFor({ timeout: 15_000 });
  const tables = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('[data-testid="er-table"]')]
    .map((t) => [t.dataset.table, [...t.querySelectorAll('[data-testid="er-field"]')].map((f) => f.dataset.field)])));
  assert.deepEqual(Object.keys(tables).sort(), ['audit_log', 'authors', 'posts']);
  assert.deepEqual(tables.audit_log, ['id', 'post_id', 'note']);
  assert.deepEqual(tables.posts, ['id', 'title', 'views', 'tags', 'meta', 'token', 'published_at', 'author_id', 'inserted_at', 'updated_at']);
  // PostgreSQL's types (jsonb, arrays, uuid) match the schemas' fields; the one
  // drift is the foreign key PostgreSQL's catalog reports without an index.
  const drift = await page.getByTestId('drift-item').allInnerTexts();
  assert.equal(drift.length, 1, drift.join('\n'));
  assert.match(drift[0], /foreign key audit_log\.post_id \(to posts\) has no index/);
  await page.getByTestId('view-notebook').click();

  const [download] = await Promise.all([page.waitForEvent('download'), nb.testid('export-db').click()]);
  assert.equal(download.suggestedFilename(), 'ectoplasm-pgdata.tar');
  const bytes = await readFile(await download.path());
  assert.equal(bytes.subarray(257, 262).toString(), 'ustar');

  const m = await nb.addCell();
  await nb.setCell(m, 'Repo.delete_all(Blog.Post)\nRepo.aggregate(Blog.Post, :count)');
  await nb.runCell(m);
  assert.equal(await nb.inspect(m), '0');

  await nb.testid('import-db-input').setInputFiles({ name: 'ectoplasm-pgdata.tar', mimeType: 'application/x-tar', buffer: bytes });
  await page.waitForFunction(() => document.querySelector('[data-testid="table-entry"][data-name="posts"] [data-testid="table-row-count"]')?.textContent === '300 rows', null, { timeout: 60_000 });
  await nb.setCell(m, 'Repo.aggregate(Blog.Post, :count)');
  await nb.runCell(m);
  assert.equal(await nb.inspect(m), '300');

  // An SQLite file is refused on PostgreSQL, in words, and the data stays.
  const sqlite = Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(1024)]);
  const refused = page.waitForEvent('console', {
    predicate: (msg) => msg.type() === 'error' && /runs on PostgreSQL: open the \.tar/.test(msg.text()),
    timeout: 30_000,
  });
  await nb.testid('import-db-input').setInputFiles({ name: 'x.sqlite3', mimeType: 'application/vnd.sqlite3', buffer: sqlite });
  await refused;
  await nb.runCell(m);
  assert.equal(await nb.inspect(m), '300');
});

test('a stopped cell after a generation on PostgreSQL comes back with the generated rows', async () => {
  await blogOnPostgres(1_000);
  const n = await nb.addCell();
  await nb.setCell(n, 'defmodule Spin do\n  def go(n), do: go(n + 1)\nend\nSpin.go(0)');
  const { done } = await nb.startCell(n);
  await page.waitForTimeout(300);
  await nb.stopButton.click();
  await done;
  await nb.waitDatabaseReady();
  await nb.setCell(n, 'Repo.aggregate(Blog.Post, :count)');
  await nb.runCell(n);
  assert.equal(await nb.inspect(n), '1000');
});
