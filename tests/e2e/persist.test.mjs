// The saved workspace: it survives a reload; a save that cannot be read is
// reported and kept aside, never dropped or overwritten.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pagePerTest } from './harness.mjs';
import { WorkspacePage, WORKSPACE_KEY } from './pages/workspace.mjs';

let page;
let ws;
pagePerTest(async (p, { url }) => {
  page = p;
  ws = new WorkspacePage(p, url);
  await ws.open();
});

test('a reload keeps the notebook: edited cells, added cells, the title', async () => {
  await ws.blank();
  await ws.setCell(0, 'x = 41 + 1');
  const n = await ws.addCell();
  await ws.setCell(n, 'IO.puts("still here: #{x}")');
  await ws.waitSavedContaining('still here');

  await ws.reload();
  assert.deepEqual(await ws.cellTexts(), ['x = 41 + 1', 'IO.puts("still here: #{x}")']);
  assert.equal(await ws.testid('notebook-title').innerText(), 'Untitled notebook');
  assert.equal(await ws.notices.count(), 0, 'nothing to report');
  // And it runs.
  await ws.runAllCells();
  assert.match(await ws.cell(1).getByTestId('cell-result').innerText(), /still here: 42/);

  // An example with a cell added keeps its title and every cell.
  await ws.loadExample('blog');
  const count = await ws.cells.count();
  const m = await ws.addCell();
  await ws.setCell(m, 'Repo.aggregate(Post, :count)');
  await ws.waitSavedContaining('Repo.aggregate(Post, :count)');
  await ws.reload();
  assert.equal(await ws.cells.count(), count + 1);
  assert.equal(await ws.cellText(m), 'Repo.aggregate(Post, :count)');
  assert.equal(await ws.testid('notebook-title').innerText(), 'Blog: associations and preloads');
});

test('the saved format is versioned JSON', async () => {
  await ws.blank();
  await ws.setCell(0, 'x = 1');
  await ws.waitSavedContaining('x = 1');
  const saved = JSON.parse(await ws.saved());
  assert.equal(saved.v, 1);
  assert.deepEqual(saved.cells, [{ source: 'x = 1' }]);
  assert.equal(saved.title, 'Untitled notebook');
});

test('a corrupt saved workspace is reported, kept aside under another key, and the page opens normally', async () => {
  const corrupt = '{"v":1,"cells":[{"source":"my precious work';
  await ws.setSaved(corrupt);
  await ws.reload();
  await ws.waitForNotice('unreadable');
  const [notice] = await ws.noticeList();
  assert.equal(notice.topic, 'unreadable');
  assert.match(notice.text, /Your saved workspace could not be read: it is not valid JSON/);
  assert.match(notice.key, /^ectoplasm-workspace-unreadable-/);
  assert.ok(await page.getByTestId('notice').first().isVisible(), 'the notice is visible');

  // Kept byte for byte under the key the notice names.
  assert.equal((await ws.storage(notice.key))[notice.key], corrupt);
  // The page works: the default example, runnable, saved again under the usual key.
  assert.equal(await ws.testid('notebook-title').innerText(), 'Blog: associations and preloads');
  await ws.runCell(0);
  assert.deepEqual((await ws.states())[0], 'done');
  await ws.waitSavedContaining('"v":1');
  assert.notEqual(await ws.saved(), corrupt);

  // A second reload has nothing to report, and the kept text is still there.
  await ws.reload();
  assert.equal(await ws.notices.count(), 0);
  assert.equal((await ws.storage(notice.key))[notice.key], corrupt);

  // Dismissing works.
  await ws.setSaved('not json at all');
  await ws.reload();
  await ws.waitForNotice('unreadable');
  await ws.notices.first().getByTestId('notice-dismiss').click();
  assert.equal(await ws.notices.count(), 0);
  assert.equal(Object.keys(await ws.storage('ectoplasm-workspace-unreadable-')).length, 2, 'both damaged saves are kept');
});

test('a save in an unknown format version is kept aside, not read or overwritten', async () => {
  const future = JSON.stringify({ v: 99, cells: [{ source: 'from the future' }], extra: true });
  await ws.setSaved(future);
  await ws.reload();
  await ws.waitForNotice('unreadable');
  const [notice] = await ws.noticeList();
  assert.match(notice.text, /format version 99, and this page reads version 1/);
  assert.equal((await ws.storage(notice.key))[notice.key], future);
  assert.notEqual(await ws.cellText(0), 'from the future');
  assert.ok(!(await ws.storage(WORKSPACE_KEY))[WORKSPACE_KEY]?.includes('from the future'));
});
