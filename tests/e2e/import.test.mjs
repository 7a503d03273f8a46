// SQL DDL import in the Diagram view: the tools worker (sqlparser) is
// fetched only when the import is opened; a pg_dump of 13 tables becomes
// schema and migration cells that run, and the diagram shows every table,
// column and association of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pagePerTest, ROOT } from './harness.mjs';
import { ImportPage } from './pages/import.mjs';

const SHOP_DUMP = join(ROOT, 'engine', 'src', 'erd', 'testdata', 'shop_pg_dump.sql');

/** The model in shop_pg_dump.sql: each table's columns, in order
 * (schema_migrations is Ecto's own and left out). */
const SHOP_TABLES = {
  users: ['id', 'email', 'name', 'admin', 'settings', 'inserted_at', 'updated_at'],
  profiles: ['id', 'user_id', 'bio'],
  organizations: ['id', 'name'],
  org_members: ['id', 'organization_id', 'user_id', 'role'],
  posts: ['id', 'author_id', 'title', 'body', 'tags', 'published_at', 'views', 'inserted_at', 'updated_at'],
  comments: ['id', 'post_id', 'author_id', 'body'],
  tags: ['id', 'name'],
  posts_tags: ['post_id', 'tag_id'],
  countries: ['code', 'name'],
  addresses: ['id', 'user_id', 'country_code', 'street'],
  categories: ['id', 'parent_id', 'name'],
  products: ['id', 'category_id', 'sku', 'price', 'weight', 'released_on', 'data'],
  transfers: ['id', 'from_user_id', 'to_user_id', 'amount'],
};

/** Its foreign keys as associations: belongs_to on the referencing side,
 * has_many (has_one over the unique profiles.user_id) on the other, and
 * many_to_many both ways through the bare join table posts_tags. */
const SHOP_EDGES = [
  'profiles belongs_to users', 'users has_one profiles',
  'org_members belongs_to organizations', 'organizations has_many org_members',
  'org_members belongs_to users', 'users has_many org_members',
  'posts belongs_to users', 'users has_many posts',
  'comments belongs_to posts', 'posts has_many comments',
  'comments belongs_to users', 'users has_many comments',
  'posts many_to_many tags', 'tags many_to_many posts',
  'addresses belongs_to users', 'users has_many addresses',
  'addresses belongs_to countries', 'countries has_many addresses',
  'categories belongs_to categories', 'categories has_many categories',
  'products belongs_to categories', 'categories has_many products',
  'transfers belongs_to users', 'users has_many transfers',
  'transfers belongs_to users', 'users has_many transfers',
].sort();

let nb;
pagePerTest(async (page, { url }) => {
  // Every URL the page and its workers fetch, from the first request on.
  page.fetched = [];
  page.on('request', (r) => page.fetched.push(new URL(r.url()).pathname));
  page.workers = [];
  page.on('worker', (w) => page.workers.push(new URL(w.url()).pathname));
  nb = await new ImportPage(page, url).open();
});

const tools = (paths) => paths.filter((p) => p.includes('ectoplasm-tools'));

test('the tools worker is not fetched at page load, only when the import is opened', async () => {
  const { page } = nb;
  // The engine's worker and its wasm are seen: requests from workers are recorded.
  assert.ok(page.fetched.some((p) => p.endsWith('_bg.wasm') && !p.includes('tools')), page.fetched.join('\n'));
  assert.deepEqual(tools(page.fetched), [], 'nothing of the tools at load');
  await nb.openDiagram();
  await nb.testid('er-diagram').waitFor({ timeout: 30_000 });
  assert.deepEqual(tools(page.fetched), [], 'nor when the diagram opens');
  assert.deepEqual(tools(page.workers), []);
  await nb.testid('import-sql-open').click();
  const until = Date.now() + 15_000;
  while (!page.fetched.some((p) => p.endsWith('/ectoplasm-tools_bg.wasm')) && Date.now() < until) await page.waitForTimeout(50);
  assert.ok(page.fetched.some((p) => p.endsWith('/ectoplasm-tools_bg.wasm')), page.fetched.join('\n'));
  assert.deepEqual(tools(page.workers), ['/ectoplasm-tools_loader.js']);
  // Opening it again starts no second worker.
  await nb.testid('import-sql-open').click();
  await nb.testid('import-sql-open').click();
  await page.waitForTimeout(200);
  assert.equal(tools(page.workers).length, 1);
});

test('pasted DDL shows its code and what was not imported, by line, before anything changes', async () => {
  await nb.blank();
  await nb.openImport();
  await nb.paste([
    'CREATE TABLE authors (id integer PRIMARY KEY, name text NOT NULL);',
    'CREATE VIEW names AS SELECT name FROM authors;',
    'CREATE TABLE books (',
    '  id integer PRIMARY KEY,',
    '  author_id integer NOT NULL REFERENCES authors(id),',
    '  title varchar(200)',
    ');',
    'GRANT SELECT ON books TO reader;',
  ].join('\n'));
  await nb.testid('import-sql-namespace').fill('Library');
  const got = await nb.convert();
  assert.equal(got.tables, 2);
  assert.equal(got.schemas.length, 2);
  assert.match(got.schemas[0], /defmodule Library\.Author do/);
  assert.match(got.schemas[1], /belongs_to :author, Library\.Author/);
  assert.match(got.migration, /create table\(:books\)/);
  assert.match(got.migration, /Ecto\.Migrator\.up\(Repo, \d{14}, Library\.Migrations\.CreateTables\)/);
  assert.deepEqual(got.warnings.map((w) => w.line), [2, 8]);
  assert.match(got.warnings[0].text, /^⚠ Line 2: not imported: CREATE VIEW/);
  // Nothing was added to the notebook yet; Discard leaves it so.
  assert.equal(await nb.cells.count(), 1);
  await nb.testid('import-sql-discard').click();
  assert.equal(await nb.result.count(), 0);
  assert.equal(await nb.cells.count(), 1);
  // Text without a table says so, with its warnings, and offers nothing to add.
  await nb.paste('DROP TABLE books;');
  const none = await nb.convert();
  assert.equal(none.tables, 0);
  assert.deepEqual(none.warnings.map((w) => w.line), [1]);
  assert.equal(await nb.testid('import-sql-apply').count(), 0);
  assert.match(await nb.testid('import-sql-summary').innerText(), /No CREATE TABLE/);
});

test('a pg_dump of 13 tables runs as schemas and a migration, and the diagram shows all of it', async () => {
  await nb.blank();
  await nb.openImport();
  await nb.chooseFile(SHOP_DUMP);
  assert.match(await nb.input.inputValue(), /CREATE TABLE public\.users/);
  const got = await nb.convert();
  assert.equal(got.tables, 13);
  // One schema per table but the bare join table, then the migration creating all 13.
  assert.equal(got.schemas.length, 12);
  for (const t of Object.keys(SHOP_TABLES)) assert.match(got.migration, new RegExp(`create table\\(:${t}\\b`), t);
  const lines = got.warnings.map((w) => w.line);
  for (const line of [5, 6, 7, 19, 21, 28, 140]) assert.ok(lines.includes(line), `line ${line} in ${lines}`);
  assert.match(got.warnings.find((w) => w.line === 5).text, /SET statement_timeout/);
  assert.equal(await nb.cells.count(), 1, 'nothing added before the apply');

  await nb.apply(1 + 12 + 1);
  assert.deepEqual(await nb.states(), Array(14).fill('done'));
  const titles = await nb.cellTitles();
  assert.equal(titles[1], 'Schema MyApp.User');
  assert.equal(titles[13], 'Migration MyApp.Migrations.CreateTables');
  await nb.testid('view-notebook').click();
  await nb.openDiagram();
  const diagram = await nb.diagram(13);
  assert.deepEqual(
    Object.keys(diagram.tables).sort(),
    Object.keys(SHOP_TABLES).sort(),
  );
  for (const [table, columns] of Object.entries(SHOP_TABLES)) assert.deepEqual(diagram.tables[table], columns, table);
  assert.deepEqual(diagram.edges, SHOP_EDGES);
  // The schemas and the tables they created agree; what is left is the
  // dump's own: foreign keys it gave no index.
  await nb.testid('drift-item').first().waitFor();
  const drift = await nb.testid('drift-item').evaluateAll((ds) => ds.map((d) => ({
    kind: d.dataset.kind.replace(/_/g, ''),
    column: /foreign key (\w+\.\w+)/.exec(d.querySelector('[data-testid="drift-message"]').textContent)?.[1],
  })));
  assert.deepEqual(new Set(drift.map((d) => d.kind)), new Set(['missingfkindex']));
  assert.deepEqual(drift.map((d) => d.column).sort(), [
    'addresses.country_code', 'addresses.user_id', 'categories.parent_id', 'comments.author_id',
    'org_members.organization_id', 'org_members.user_id', 'products.category_id',
    'transfers.from_user_id', 'transfers.to_user_id',
  ]);
});
