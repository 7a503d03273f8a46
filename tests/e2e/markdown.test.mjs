// Markdown cells: rendered by the engine (headings, lists, links, code,
// tables), raw HTML shown as text, unsafe links dropped; double-click
// edits; saved across a reload and carried by share links.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pagePerTest } from './harness.mjs';
import { LessonPage } from './pages/lesson.mjs';

let page;
let nb;
pagePerTest(async (p, { url }) => {
  page = p;
  nb = new LessonPage(p, url);
  await nb.open();
});

const TEXT = [
  '# Joins',
  '',
  'A *join* reads two tables: see [the guide](https://hexdocs.pm/ecto/Ecto.Query.html).',
  '',
  '- one',
  '- `two`',
  '',
  '| a | b |',
  '|---|---|',
  '| 1 | 2 |',
  '',
  '> [!TIP]',
  '> Preload in one query.',
  '',
  '<script>window.pwned = 1</script> <img src=x onerror="window.pwned = 2">',
  '',
  '[bad](javascript:window.pwned=3)',
].join('\n');

test('a Markdown cell renders, escapes raw HTML and drops unsafe links', async () => {
  await nb.blank();
  const n = await nb.addMarkdown(TEXT);
  const cell = nb.markdownCell(n);
  assert.equal(await cell.locator('h1').innerText(), 'Joins');
  assert.equal(await cell.locator('em').innerText(), 'join');
  const link = cell.locator('a');
  assert.equal(await link.count(), 1, 'the javascript: link is dropped');
  assert.equal(await link.getAttribute('href'), 'https://hexdocs.pm/ecto/Ecto.Query.html');
  assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
  assert.deepEqual(await cell.locator('li').allInnerTexts(), ['one', 'two']);
  assert.equal(await cell.locator('td').count(), 2);
  assert.match(await cell.locator('blockquote.admonition').innerText(), /Tip\s+Preload in one query\./);
  assert.equal(await cell.locator('script, img').count(), 0);
  assert.match(await cell.innerText(), /<script>window\.pwned = 1<\/script>/);
  assert.match(await cell.innerText(), /bad/);
  assert.equal(await page.evaluate(() => window.pwned), undefined);

  // Double-click edits; Ctrl+Enter renders again.
  await cell.locator('.markdown-view').dblclick();
  const editor = cell.getByTestId('markdown-editor');
  await editor.waitFor();
  assert.equal(await editor.inputValue(), TEXT);
  await editor.fill('## Changed');
  await editor.press('Control+Enter');
  await cell.locator('h2').waitFor();
  assert.equal(await cell.locator('h2').innerText(), 'Changed');
  // Markdown cells never run.
  await nb.setCell(0, 'IO.puts("ran")');
  await nb.runAllCells();
  assert.match(await nb.cell(0).getByTestId('cell-result').innerText(), /ran/);
});

test('Markdown cells are saved and come back after a reload, old saves still load', async () => {
  await nb.blank();
  await nb.setCell(0, 'x = 1');
  await nb.addMarkdown('## Notes\n\nKept.');
  await nb.waitSavedContaining('## Notes');
  const saved = JSON.parse(await nb.saved());
  assert.deepEqual(saved.cells, [{ source: 'x = 1' }, { source: '## Notes\n\nKept.', kind: 'markdown' }]);
  await nb.reload();
  assert.equal(await nb.markdownCells.count(), 1);
  assert.equal(await nb.markdownCell(0).locator('h2').innerText(), 'Notes');
  assert.equal(await nb.cellText(0), 'x = 1');
});

test('a share link carries Markdown cells', async () => {
  await nb.blank();
  await nb.addMarkdown('### Shared *text*');
  await nb.shareButton.click();
  const link = await nb.testid('share-link').inputValue();
  const other = await page.context().newPage();
  try {
    const second = new LessonPage(other, nb.url);
    await other.goto(link);
    await other.locator('[data-testid="markdown-cell"] h3').waitFor({ timeout: 30_000 });
    assert.equal(await second.markdownCell(0).locator('h3').innerText(), 'Shared text');
  } finally {
    await other.close();
  }
});
