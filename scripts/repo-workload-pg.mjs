// The page's Repo workload on PostgreSQL (PGlite in the engine's worker),
// timed as a user sees it (each cell's own time, from the engine's worker):
// 10,000 authors and 10,000 posts inserted with insert_all in one
// transaction, then Repo.all of the authors with their posts preloaded.
// Beside it, the same SQL statements sent straight to PGlite from
// JavaScript, in a worker of the same page (PGlite's own `query`, text
// parameters, rows as JS objects): the difference is the cost of the
// engine's layers (Elixir evaluation, Ecto's planning, dumping and loading,
// the wire protocol's encoding) over PGlite itself. Runs against dist/
// (`make build`) in headless Chromium, a fresh page per round; prints each
// round and the medians. Not a test.
//   node scripts/repo-workload-pg.mjs [ROUNDS]
import { serve, launch } from '../tests/e2e/harness.mjs';
import { N, setup, INSERTS, PRELOAD } from './workload-cells.mjs';
import { DatabasePage } from '../tests/e2e/pages/postgres.mjs';

const rounds = Number(process.argv[2] || 5);

const SETUP = setup([
  'CREATE TABLE authors (id bigint PRIMARY KEY, name text)',
  'CREATE TABLE posts (id bigserial PRIMARY KEY, title text, author_id bigint REFERENCES authors(id))',
  'CREATE INDEX posts_author_id_index ON posts (author_id)',
]);

// The statements Ecto sends for the cells above (checked against the
// page's statement log in the first round).
const placeholders = (rows, cols) =>
  Array.from({ length: rows }, (_, r) => `(${Array.from({ length: cols }, (_, c) => `$${r * cols + c + 1}`).join(',')})`).join(',');
const STATEMENTS = {
  authors: `INSERT INTO "authors" ("id","name") VALUES ${placeholders(N, 2)}`,
  posts: `INSERT INTO "posts" ("author_id","title") VALUES ${placeholders(N, 2)}`,
  all: 'SELECT a0."id", a0."name" FROM "authors" AS a0',
  preload: 'SELECT p0."id", p0."title", p0."author_id", p0."author_id" FROM "posts" AS p0 WHERE (p0."author_id" = ANY($1)) ORDER BY p0."author_id"',
};

// Runs in a worker of the page: PGlite from the page's own bundle, the same
// DDL, then the statements timed with performance.now().
const DIRECT = `
self.onmessage = async ({ data: { base, statements, n } }) => {
  try {
    importScripts(base + 'pglite.js');
    const pg = await EctoplasmPglite.start(base, null);
    await pg.exec('CREATE TABLE authors (id bigint PRIMARY KEY, name text)');
    await pg.exec('CREATE TABLE posts (id bigserial PRIMARY KEY, title text, author_id bigint REFERENCES authors(id))');
    await pg.exec('CREATE INDEX posts_author_id_index ON posts (author_id)');
    let t = performance.now();
    const authors = [], posts = [];
    for (let i = 1; i <= n; i += 1) authors.push(i, 'author ' + i);
    for (let i = 1; i <= n; i += 1) posts.push(i, 'post ' + i);
    await pg.query('BEGIN');
    await pg.query(statements.authors, authors);
    await pg.query(statements.posts, posts);
    await pg.query('COMMIT');
    const insert = performance.now() - t;
    t = performance.now();
    const rows = (await pg.query(statements.all)).rows;
    const children = (await pg.query(statements.preload, [rows.map((r) => r.id)])).rows;
    const byAuthor = new Map();
    for (const c of children) {
      if (!byAuthor.has(c.author_id)) byAuthor.set(c.author_id, []);
      byAuthor.get(c.author_id).push(c);
    }
    const loaded = rows.map((r) => ({ ...r, posts: byAuthor.get(r.id) || [] }));
    const preload = performance.now() - t;
    await pg.close();
    postMessage({ insert, preload, authors: loaded.length, posts: children.length });
  } catch (e) {
    postMessage({ error: String(e && e.stack || e) });
  }
};`;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = async (nb, n) => Number.parseFloat(await nb.cell(n).getByTestId('cell-time').innerText());

const server = await serve(process.env.DIST || undefined);
const browser = await launch();
try {
  const t = { insert: [], preload: [], directInsert: [], directPreload: [] };
  for (let round = 0; round < rounds; round += 1) {
    const page = await browser.context.newPage();
    const nb = await new DatabasePage(page, server.url).open('?time-limit=300');
    await nb.blank();
    await nb.switchTo('postgres');
    await nb.setCell(0, SETUP);
    for (const [i, src] of [[1, INSERTS], [2, PRELOAD]]) {
      await nb.addCell();
      await nb.setCell(i, src);
    }
    for (const i of [0, 1, 2]) {
      await nb.runCell(i);
      await page.locator('[data-testid="status"][data-state="ready"]').waitFor({ timeout: 300_000 });
    }
    const states = await nb.states();
    if (states.some((s) => s !== 'done')) throw new Error(`a cell failed: ${states}: ${await nb.result(states.indexOf('failed'))}`);
    const result = await nb.inspect(2);
    if (result !== String(N)) throw new Error(`preload returned ${result}`);
    if (round === 0) {
      const logged = await nb.logStatements.allInnerTexts();
      for (const [name, sql] of Object.entries(STATEMENTS)) {
        const head = sql.slice(0, 60);
        if (!logged.some((l) => l.replace(/\s+/g, ' ').includes(head))) {
          throw new Error(`the page did not send ${name}: ${head}…\nit sent:\n${logged.map((l) => l.slice(0, 100)).join('\n')}`);
        }
      }
    }
    t.insert.push(await ms(nb, 1));
    t.preload.push(await ms(nb, 2));
    const direct = await page.evaluate(
      ({ code, base, statements, n }) =>
        new Promise((resolve) => {
          const w = new Worker(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })));
          w.onmessage = ({ data }) => {
            w.terminate();
            resolve(data);
          };
          w.postMessage({ base, statements, n });
        }),
      { code: DIRECT, base: new URL('.', page.url()).href, statements: STATEMENTS, n: N },
    );
    if (direct.error) throw new Error(`PGlite directly: ${direct.error}`);
    if (direct.authors !== N || direct.posts !== N) throw new Error(`PGlite directly read ${direct.authors} authors, ${direct.posts} posts`);
    t.directInsert.push(direct.insert);
    t.directPreload.push(direct.preload);
    console.log(
      `round ${round + 1}: insert_all ${t.insert.at(-1).toFixed(1)} ms (PGlite alone ${direct.insert.toFixed(1)} ms), ` +
        `all + preload ${t.preload.at(-1).toFixed(1)} ms (PGlite alone ${direct.preload.toFixed(1)} ms)`,
    );
    await page.close();
  }
  const m = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, median(v)]));
  console.log(
    `median of ${rounds} on PostgreSQL (PGlite): insert_all ${m.insert.toFixed(1)} ms vs ${m.directInsert.toFixed(1)} ms straight to PGlite ` +
      `(${(m.insert / m.directInsert).toFixed(1)}x); all + preload ${m.preload.toFixed(1)} ms vs ${m.directPreload.toFixed(1)} ms ` +
      `(${(m.preload / m.directPreload).toFixed(1)}x)`,
  );
} finally {
  await browser.close();
  await server.stop();
}
