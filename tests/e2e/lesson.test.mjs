// Livebook files and lesson mode: a lesson opened from a file, an
// exercise failed (ExUnit's left/right shown), fixed and passed, progress
// kept across a reload; a hand-written .livemd round-trips byte-equal;
// a lesson with locked solutions shows none unless the link unlocks them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pagePerTest, ROOT } from './harness.mjs';
import { LessonPage } from './pages/lesson.mjs';

const fixture = (name) => readFile(join(ROOT, 'tests', 'e2e', 'fixtures', name), 'utf8');

let page;
let nb;
const site = pagePerTest(async (p, { url }) => {
  page = p;
  nb = new LessonPage(p, url);
  await nb.open();
});

/** Serves `text` at `path` beside the page (as a lesson file would be). */
async function serveFile(path, text) {
  await page.route(`**/${path}`, (route) => route.fulfill({ status: 200, contentType: 'text/markdown', body: text }));
}

test('a lesson: fail an exercise, fix it, pass, and the progress survives a reload', async () => {
  await nb.importLivemd('joins.livemd', await fixture('joins.livemd'));
  await nb.exercise('double').waitFor();
  assert.equal(await nb.testid('notebook-title').innerText(), 'Lesson: counting with Ecto');
  assert.deepEqual(await nb.progressState(), { passed: 0, total: 1, text: '0 of 1 exercises pass' });
  // Hints and the solution are hidden until asked for.
  assert.doesNotMatch(await nb.notebook.innerText(), /Multiply by two|n \* 2/);

  const failed = await nb.check('double');
  assert.equal(failed.status, 'fail');
  assert.match(failed.text, /1\) test doubles \(Shop\.MathTest\)/);
  assert.match(failed.text, /left:\s+21/);
  assert.match(failed.text, /right:\s+42/);
  assert.match(failed.text, /1 test, 1 failure/);

  // One hint at a time.
  const ex = nb.exercise('double');
  await ex.getByTestId('show-hint').click();
  await page.getByText('Multiply by two.').waitFor();
  assert.doesNotMatch(await nb.notebook.innerText(), /is the whole body/);
  await ex.getByTestId('show-hint').click();
  await page.getByText('is the whole body').waitFor();
  assert.equal(await ex.getByTestId('show-hint').count(), 0, 'no hints left');

  // Fix the starter (the exercise's cell) and check again.
  const starter = nb.cells.filter({ has: ex });
  await starter.getByTestId('cell-input').click();
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText('defmodule Shop.Math do\n  def double(n), do: n * 2\nend');
  const passed = await nb.check('double');
  assert.equal(passed.status, 'pass', passed.text);
  assert.deepEqual(await nb.progressState(), { passed: 1, total: 1, text: '1 of 1 exercises pass' });

  await nb.reload();
  await nb.progress.waitFor();
  assert.deepEqual(await nb.progressState(), { passed: 1, total: 1, text: '1 of 1 exercises pass' });

  // Reset puts the starter back; the solution shows when asked.
  await nb.exercise('double').getByTestId('reset-exercise').click();
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="cell-input"]')].some((e) => e.textContent.includes('def double(n), do: n')
    && !e.textContent.includes('n * 2')));
  await nb.exercise('double').getByTestId('show-solution').click();
  await page.locator('[data-testid="cell"][data-role="solution"]').waitFor();
  assert.match(await page.locator('[data-testid="cell"][data-role="solution"]').innerText(), /n \* 2/);
});

test('a hand-written .livemd with Mix.install round-trips byte-equal, and only edits change it', async () => {
  const text = await fixture('roundtrip.livemd');
  // Dropped on the page, as from a file manager.
  await nb.dropLivemd('roundtrip.livemd', text);
  await nb.markdownCells.first().waitFor();
  assert.equal(await nb.testid('notebook-title').innerText(), 'Ecto by hand');
  const out = await nb.exportLivemd();
  assert.equal(out.name, 'ecto-by-hand.livemd');
  assert.equal(out.text, text);

  // Mix.install runs as the engine decides (a no-op with a note); the smart cell is kept, read-only.
  await nb.runAllCells();
  assert.match(await nb.cell(0).getByTestId('cell-result').innerText(), /:ok/);
  assert.equal(await page.locator('[data-testid="cell"][data-role="read-only"]').count(), 1);

  // An edit changes that cell and nothing else.
  await nb.setCell(1, 'x = 40 + 3');
  await nb.waitSavedContaining('x = 40 + 3');
  const edited = await nb.exportLivemd();
  assert.equal(edited.text, text.replace('x = 40 + 2', 'x = 40 + 3'));
});

test('a lesson with locked solutions shows none; the teacher link (solutions=1) does', async () => {
  const text = await fixture('locked.livemd');
  await serveFile('lessons/locked.livemd', text);
  await page.goto(`${nb.url}?livemd=lessons/locked.livemd`);
  await nb.exercise('double').waitFor({ timeout: 30_000 });
  await nb.waitReady();
  assert.equal(await nb.exercise('double').getByTestId('show-solution').count(), 0);
  const html = await page.content();
  assert.doesNotMatch(html, /def double\(n\), do: n \* 2/);

  await page.goto(`${nb.url}?livemd=lessons/locked.livemd&solutions=1`);
  await nb.exercise('double').waitFor({ timeout: 30_000 });
  await nb.exercise('double').getByTestId('show-solution').click();
  await page.locator('[data-testid="cell"][data-role="solution"]').waitFor();
  assert.match(await page.locator('[data-testid="cell"][data-role="solution"]').innerText(), /n \* 2/);
  assert.ok(site.url);
});

test('the built-in course opens from the sidebar, and its solutions pass', async () => {
  const entry = nb.testid('lesson').first();
  const file = await entry.getAttribute('data-file');
  await entry.click();
  await nb.progress.waitFor({ timeout: 30_000 });
  await nb.waitReady();
  const { total } = await nb.progressState();
  assert.ok(total >= 2, `${file}: ${total} exercises`);
  // Locked cells and tests run but cannot be edited.
  const locked = page.locator('[data-testid="cell"][data-role="locked"], [data-testid="cell"][data-role="tests"]');
  assert.ok(await locked.count() >= 2);
  for (const input of await locked.getByTestId('cell-input').all()) {
    assert.equal(await input.getAttribute('aria-readonly'), 'true');
  }
  // The first exercise fails as given and passes with its solution in place.
  const first = await page.locator('[data-testid="exercise"]').first().getAttribute('data-exercise');
  assert.equal((await nb.check(first)).status, 'fail', `${file}: the starter of ${first} fails`);
  await nb.exercise(first).getByTestId('show-solution').click();
  const solution = page.locator('[data-testid="cell"][data-role="solution"]').first();
  await solution.waitFor();
  const code = await solution.getByTestId('cell-input').innerText();
  const starter = nb.cells.filter({ has: nb.exercise(first) });
  await starter.getByTestId('cell-input').click();
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(code);
  const passed = await nb.check(first);
  assert.equal(passed.status, 'pass', `${file}: ${passed.text}`);
});
