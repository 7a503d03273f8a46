// Embed mode (?embed=1): cells, run and results only, optionally read-only,
// with an "Open in ectoplasm" link; and embed.js on a host page, which turns
// <pre data-ectoplasm> blocks into iframes that follow their content's height.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pagePerTest, serve } from './harness.mjs';
import { EmbedPage, HostPage } from './pages/embed.mjs';
import { WORKSPACE_KEY } from './pages/workspace.mjs';

let page;
let em;
const s = pagePerTest(async (p, { url }) => {
  page = p;
  em = new EmbedPage(p, url);
});

// A lesson of the built-in course (dist/lessons/).
const LESSON = '01-schemas-and-associations.livemd';

const NOTEBOOK = {
  v: 1,
  title: 'Embedded',
  cells: [
    { title: 'Numbers', source: 'xs = Enum.map(1..3, &(&1 * 2))' },
    { source: 'IO.puts("sum: #{Enum.sum(xs)}")\nxs' },
  ],
};

test('embed mode shows the cells with run buttons and results, and no playground chrome', async () => {
  await em.openNotebook(NOTEBOOK);
  assert.deepEqual(await em.cellTexts(), NOTEBOOK.cells.map((c) => c.source));
  assert.equal(await em.cell(0).getByTestId('cell-title').innerText(), 'Numbers');
  for (const absent of ['gallery', 'tables', 'sql-pane', 'share', 'export-db', 'add-cell', 'theme-toggle']) {
    assert.equal(await em.testid(absent).count(), 0, `no ${absent} in embed mode`);
  }
  await em.runCell(1);
  assert.deepEqual(await em.states(), ['done', 'done'], 'the earlier cell ran first');
  const result = await em.cell(1).getByTestId('cell-result').innerText();
  assert.match(result, /sum: 12/);
  assert.match(await em.cell(1).getByTestId('cell-inspect').textContent(), /\[2, 4, 6\]/);

  // Editable (not read-only): an edit runs, and is never saved as the visitor's workspace.
  await em.setCell(0, 'xs = [10]');
  await em.runAllCells();
  assert.match(await em.cell(1).getByTestId('cell-result').innerText(), /sum: 10/);
  assert.equal(await em.saved(), null, 'nothing saved in embed mode');
  assert.equal(await page.evaluate((k) => Object.keys(localStorage).filter((x) => x.startsWith(k)).length, WORKSPACE_KEY), 0);

  // "Open in ectoplasm" carries the notebook as edited.
  await page.waitForFunction(() => /#nb=[A-Za-z0-9_-]+$/.test(document.querySelector('[data-testid="open-in-ectoplasm"]').href));
  const href = await em.openLink.getAttribute('href');
  assert.ok(href.startsWith(`${s.url}#nb=`), href);
  assert.equal(await em.openLink.getAttribute('target'), '_blank');
  const full = await s.newPage();
  try {
    await full.goto(href);
    const ws = new EmbedPage(full, s.url);
    await ws.waitReady();
    assert.deepEqual(await ws.cellTexts(), ['xs = [10]', NOTEBOOK.cells[1].source]);
    assert.equal(await ws.testid('notebook-title').innerText(), 'Embedded');
    assert.equal(await ws.testid('gallery').count(), 1, 'the full playground');
  } finally {
    await full.close();
  }
});

test('read-only embed: the code is shown and runs but cannot be edited', async () => {
  await em.openNotebook(NOTEBOOK, { readonly: true });
  assert.equal(await em.root.getAttribute('data-readonly'), 'true');
  assert.equal(await em.editor(0).getAttribute('aria-readonly'), 'true');
  await em.editor(0).click();
  await page.keyboard.press('Control+A');
  await page.keyboard.type('changed');
  await page.keyboard.press('Delete');
  assert.equal(await em.cellText(0), NOTEBOOK.cells[0].source, 'typing changes nothing');
  assert.equal(await em.cell(0).getByTestId('cell-delete').isVisible(), false, 'no delete button');
  // Ctrl+Enter in the read-only editor still runs the cell.
  await em.afterRun(() => page.keyboard.press('Control+Enter'));
  assert.deepEqual(await em.states(), ['done', 'fresh']);
  await em.runAllCells();
  assert.match(await em.cell(1).getByTestId('cell-result').innerText(), /sum: 12/);
});

test('a runaway cell in an embed can be stopped', async () => {
  await em.openNotebook({
    v: 1,
    cells: [
      { source: 'Repo.query!("CREATE TABLE items (id INTEGER PRIMARY KEY)")\n:ok' },
      { source: 'Repo.query!("WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT count(*) FROM c")' },
    ],
  }, { readonly: true });
  assert.equal(await em.stopButton.isVisible(), false, 'Stop shows only while a cell runs');
  // The first cell on its own (SQLite loads with it), so Stop meets the second.
  await em.runCell(0);
  const run = await em.startCell(1);
  assert.equal(await em.stopButton.isVisible(), true);
  await em.stopButton.click();
  await run.done;
  assert.match(await em.stoppedMessage(1), /^Stopped after \d+(\.\d)? s\./);
  assert.deepEqual(await em.states(), ['done', 'failed']);
  assert.equal(await em.status.getAttribute('data-state'), 'ready');
});

test('a damaged embed link shows a notice instead of crashing', async () => {
  await page.goto(`${s.url}?embed=1#nb=%%%`);
  await em.waitReady();
  await em.waitForNotice('share-error');
  assert.match((await em.noticeList())[0].text, /could not be opened: it contains a character that is not base64url/);
  assert.equal(await em.cells.count(), 1);
});

test('embed.js turns <pre data-ectoplasm> blocks into iframes that run and follow their content\'s height', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ectoplasm-host-'));
  await writeFile(join(dir, 'index.html'), `<!doctype html>
<html><head><meta charset="utf-8"><title>Docs</title></head>
<body style="margin:0;padding:1rem;font-family:sans-serif">
<h1>Docs page</h1>
<pre data-ectoplasm data-title="Sums">
xs = [1, 2, 3]
# %% Sum
IO.puts("total: #{Enum.sum(xs)}")
Enum.map(xs, fn x -> %{n: x, square: x * x} end)
</pre>
<p>Between the examples.</p>
<pre data-ectoplasm data-readonly data-theme="dark">
"read" &lt;&gt; "only"
</pre>
<p id="after">After.</p>
<script src="${s.url}embed.js"></script>
</body></html>`);
  const host = await serve(dir);
  try {
    const hp = new HostPage(page, host.url);
    await hp.open();
    assert.equal(await hp.frames.count(), 2);
    assert.equal(await page.locator('pre[data-ectoplasm]').count(), 0, 'the blocks were replaced');
    const src = await hp.frames.first().getAttribute('src');
    assert.ok(src.startsWith(`${s.url}?embed=1#nb=`), src);
    assert.ok((await hp.frames.nth(1).getAttribute('src')).startsWith(`${s.url}?embed=1&readonly=1&theme=dark#nb=`));
    assert.equal(await hp.frames.first().getAttribute('title'), 'ectoplasm notebook: Sums');

    // The cells split at "# %%", with titles.
    const f = await hp.frame(0);
    const texts = await f.getByTestId('cell-input').allInnerTexts();
    assert.deepEqual(texts, ['xs = [1, 2, 3]', 'IO.puts("total: #{Enum.sum(xs)}")\nEnum.map(xs, fn x -> %{n: x, square: x * x} end)']);
    assert.equal(await f.getByTestId('cell-title').nth(1).innerText(), 'Sum');
    const f2 = await hp.frame(1);
    assert.deepEqual(await f2.getByTestId('cell-input').allInnerTexts(), ['"read" <> "only"']);
    assert.equal(await f2.evaluate(() => document.documentElement.dataset.theme), 'dark', 'the host chose the theme');
    assert.equal(await f.evaluate(() => document.documentElement.dataset.theme), undefined, 'else the visitor\'s');

    // The iframe fits its content, and grows with it.
    const before = await hp.waitFitted(0);
    await f.getByTestId('cell-run').nth(1).click();
    await f.getByTestId('result-table').first().waitFor({ timeout: 30_000 });
    assert.match(await f.getByTestId('cell-result').nth(1).innerText(), /total: 6/);
    const grown = await hp.waitFitted(0);
    assert.ok(grown > before + 40, `grew from ${before} to ${grown}`);
    // The iframe shows all of it: nothing to scroll inside.
    assert.equal(await f.evaluate(() => document.documentElement.scrollHeight <= window.innerHeight + 1), true);
    await hp.waitFitted(1);
  } finally {
    await host.stop();
    await rm(dir, { recursive: true, force: true });
  }
});

test('embed.js embeds a lesson (data-livemd) with working exercises, and Markdown cells in blocks', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ectoplasm-host-'));
  await writeFile(join(dir, 'index.html'), `<!doctype html>
<html><head><meta charset="utf-8"><title>Course</title></head>
<body>
<pre data-ectoplasm data-livemd="${s.url}lessons/${LESSON}"></pre>
<pre data-ectoplasm>
# %% [markdown] Intro
## Counting *rows*
# %%
1 + 1
</pre>
<script src="${s.url}embed.js"></script>
</body></html>`);
  const host = await serve(dir);
  try {
    const hp = new HostPage(page, host.url);
    await hp.open();
    assert.equal(await hp.frames.count(), 2);
    const src = await hp.frames.first().getAttribute('src');
    assert.ok(src.startsWith(`${s.url}?embed=1&livemd=`), src);
    const lesson = await hp.frame(0);
    const exercise = lesson.locator('[data-testid="exercise"]').first();
    await exercise.waitFor({ timeout: 30_000 });
    await lesson.getByTestId('lesson-progress').waitFor();
    await exercise.getByTestId('check-exercise').click();
    await exercise.locator('[data-testid="exercise-result"][data-status="fail"]').waitFor({ timeout: 30_000 });
    assert.equal(await lesson.getByTestId('lesson-progress').getAttribute('data-passed'), '0');

    const blocks = await hp.frame(1);
    assert.equal(await blocks.locator('[data-testid="markdown-cell"] h2').innerText(), 'Counting rows');
    assert.deepEqual(await blocks.getByTestId('cell-input').allInnerTexts(), ['1 + 1']);
  } finally {
    await host.stop();
  }
});
