// The SQL console, end to end: the built page (dist/) in headless Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pagePerTest } from './harness.mjs';
import { ConsolePage } from './pages/console.mjs';

let page;
let console_;
pagePerTest(async (p, { url }) => {
  page = p;
  console_ = await new ConsolePage(p, url).open();
});

test('CREATE TABLE, INSERT and SELECT show the rows in a table', async () => {
  await console_.run(`
    CREATE TABLE pets (id INTEGER PRIMARY KEY, name TEXT NOT NULL, legs INTEGER);
    INSERT INTO pets (name, legs) VALUES ('Rex', 4), ('Tweety', 2);
    SELECT id, name, legs FROM pets ORDER BY id;
  `);
  assert.equal(await console_.errorText(), null);
  assert.equal(await console_.statements.count(), 3);
  assert.equal(await console_.tables.count(), 1);
  assert.deepEqual(await console_.table(), {
    columns: ['id', 'name', 'legs'],
    rows: [['1', 'Rex', '4'], ['2', 'Tweety', '2']],
  });
  assert.match(await console_.statements.nth(1).textContent(), /2 rows changed/);
  assert.match(await console_.summary.textContent(), /^3 statements in/);
});

test('an SQL error is shown in place and the page keeps working', async () => {
  await console_.run('SELEC 1;');
  assert.match(await console_.errorText(), /syntax error/);
  assert.equal(await console_.tables.count(), 0);

  await console_.run('SELECT 40 + 2 AS answer;');
  assert.equal(await console_.errorText(), null);
  assert.deepEqual(await console_.table(), { columns: ['answer'], rows: [['42']] });
});

test('statements before a failing one keep their results; constraint errors carry SQLite codes', async () => {
  await console_.run(`
    CREATE TABLE users (email TEXT UNIQUE, age INTEGER CHECK (age >= 0));
    INSERT INTO users VALUES ('a@example.com', 30);
    INSERT INTO users VALUES ('a@example.com', 31);
    SELECT 'never reached';
  `);
  assert.equal(await console_.statements.count(), 2);
  const error = await console_.errorText();
  assert.match(error, /UNIQUE constraint failed: users\.email/);
  assert.match(error, /code 2067/);

  await console_.run("INSERT INTO users VALUES ('b@example.com', -1);");
  assert.match(await console_.errorText(), /CHECK constraint failed.*code 275/s);
});

test('Ctrl+Enter in the editor runs the script', async () => {
  await console_.runWithKeyboard('SELECT 1 AS one, 2 AS two;');
  assert.deepEqual(await console_.table(), { columns: ['one', 'two'], rows: [['1', '2']] });
});

test('values keep their SQLite types: NULL, REAL, BLOB and 64-bit integers', async () => {
  await console_.run("SELECT NULL AS n, 1.5 AS r, 2.0 AS whole, x'00ff' AS b, 9007199254740993 AS big, 'text' AS t;");
  assert.deepEqual(await console_.table(), {
    columns: ['n', 'r', 'whole', 'b', 'big', 't'],
    rows: [['NULL', '1.5', '2.0', "X'00FF'", '9007199254740993', 'text']],
  });
});

test('user strings are shown as text, never as HTML', async () => {
  const markup = '<img src=x onerror="document.title=1"><b>bold</b>';
  await console_.run(`SELECT '${markup}' AS html;`);
  assert.deepEqual((await console_.table()).rows, [[markup]]);
  assert.equal(await console_.results.locator('img, b').count(), 0);
});
