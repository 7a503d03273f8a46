// Share links: the whole notebook in the URL fragment. A link opens the
// same notebook in another browser profile, the local workspace it
// replaces is kept, a damaged link is reported, and markup in a shared
// notebook stays text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pagePerTest, launch } from './harness.mjs';
import { WorkspacePage, payloadFor } from './pages/workspace.mjs';

let page;
let ws;
const s = pagePerTest(async (p, { url }) => {
  page = p;
  ws = new WorkspacePage(p, url);
  await ws.open();
});

const MIGRATION = `defmodule M do
  use Ecto.Migration
  def change do
    create table(:notes) do
      add :body, :string
    end
  end
end
Ecto.Migrator.run(Repo, [{1, M}], :up, all: true)`;

const SCHEMA = `defmodule Note do
  use Ecto.Schema
  schema "notes" do
    field :body, :string
  end
end
Repo.insert!(%Note{body: "shared ünïcode ✓"})
Repo.all(from n in Note, select: n.body)`;

test('a share link reproduces the notebook in a fresh browser profile, and it runs', async () => {
  await ws.blank();
  await ws.setCell(0, MIGRATION);
  const n = await ws.addCell();
  await ws.setCell(n, SCHEMA);
  const box = await ws.notebook.boundingBox();
  const { link, status, embed } = await ws.share();
  // The panel overlays the page: opening it moved nothing.
  assert.deepEqual(await ws.notebook.boundingBox(), box);
  assert.ok(await ws.sharePanel.isVisible());
  assert.ok(link.startsWith(`${s.url}#nb=`), link);
  assert.match(link, /^[^#]+#nb=[A-Za-z0-9_-]+$/, 'base64url after #nb=');
  assert.match(status, /Link copied to the clipboard|Copy the link above/);
  assert.ok(embed.includes('?embed=1#nb='), embed);
  await ws.closeShare();
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'share', 'the focus goes back to Share');

  const other = await launch();
  try {
    const p2 = await other.context.newPage();
    const errors = [];
    p2.on('pageerror', (e) => errors.push(e));
    const ws2 = new WorkspacePage(p2, s.url);
    await p2.goto(link);
    await ws2.waitReady();
    assert.deepEqual(await ws2.cellTexts(), [MIGRATION, SCHEMA], 'same cells');
    assert.equal(await ws2.testid('notebook-title').innerText(), 'Untitled notebook');
    await ws2.runAllCells();
    assert.deepEqual(await ws2.states(), ['done', 'done']);
    assert.match(await ws2.cell(1).getByTestId('cell-result').innerText(), /shared ünïcode ✓/);
    // The fragment is gone from the address bar, and the notebook is now this profile's workspace.
    assert.equal(new URL(p2.url()).hash, '');
    const [notice] = await ws2.noticeList();
    assert.equal(notice.topic, 'shared');
    await ws2.reload();
    assert.equal(await ws2.cells.count(), 2);
    assert.deepEqual(errors.map(String), []);
  } finally {
    await other.close();
  }
});

test('opening a link keeps the local workspace aside, and it can be restored', async () => {
  await ws.blank();
  await ws.setCell(0, 'my_local_work = 1');
  await ws.waitSavedContaining('my_local_work');
  const payload = await payloadFor(page, { v: 1, title: 'From a link', cells: [{ source: 'from_the_link = 2' }] });

  await page.goto(`${s.url}#nb=${payload}`);
  await ws.waitReady();
  assert.deepEqual(await ws.cellTexts(), ['from_the_link = 2']);
  assert.equal(await ws.testid('notebook-title').innerText(), 'From a link');
  await ws.waitForNotice('shared');
  const [notice] = await ws.noticeList();
  assert.match(notice.text, /Your previous workspace was kept/);
  assert.match(notice.key, /^ectoplasm-workspace-previous-/);
  assert.match((await ws.storage(notice.key))[notice.key], /my_local_work = 1/);
  await ws.waitSavedContaining('from_the_link');

  await ws.restorePrevious();
  await page.waitForFunction(() => document.querySelector('[data-testid="cell-input"]')?.textContent === 'my_local_work = 1');
  assert.deepEqual(await ws.cellTexts(), ['my_local_work = 1']);
  await ws.waitSavedContaining('my_local_work');
  assert.deepEqual(Object.keys(await ws.storage('ectoplasm-workspace-previous-')), [], 'restored, so no longer kept aside');
});

test('a malformed link gives a clear notice and the saved workspace opens', async () => {
  await ws.blank();
  await ws.setCell(0, 'kept = true');
  await ws.waitSavedContaining('kept = true');
  const valid = await payloadFor(page, { v: 1, cells: [{ source: 'x' }] });
  const newer = await payloadFor(page, { v: 7, cells: [] });
  const notJson = await payloadFor(page, null, '{"v":1,"cells":[');
  const cases = [
    ['not base64', '%%%<script>', /not base64url/],
    ['cut short', valid.slice(0, 1), /cut short|damaged/],
    ['not deflate', 'AAAAAAAAAAAAAAAA', /damaged/],
    ['truncated deflate', valid.slice(0, valid.length - 6), /damaged/],
    ['not JSON', notJson, /not valid JSON/],
    ['a newer format', newer, /format version 7/],
    ['empty', '', /holds no notebook/],
  ];
  for (const [name, payload, why] of cases) {
    await page.goto(`${s.url}#nb=${payload}`);
    await ws.waitReady();
    await ws.waitForNotice('share-error');
    const [notice] = await ws.noticeList();
    assert.match(notice.text, /^The shared notebook could not be opened: /, name);
    assert.match(notice.text, why, name);
    assert.deepEqual(await ws.cellTexts(), ['kept = true'], `${name}: the saved workspace is shown`);
    assert.deepEqual(page.errors.map(String), [], `${name}: no uncaught errors`);
    await page.goto('about:blank');
  }
});

test('markup in a shared notebook and its data renders as text and never runs', async () => {
  const evil = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>';
  const payload = await payloadFor(page, {
    v: 1,
    title: evil,
    description: evil,
    cells: [
      { title: evil, source: `# ${evil}\ndefmodule M do\n  use Ecto.Migration\n  def change do\n    create table(:t) do\n      add :body, :string\n    end\n  end\nend\nEcto.Migrator.run(Repo, [{1, M}], :up, all: true)` },
      { source: `Repo.insert_all("t", [%{body: ${JSON.stringify(evil)}}])\nIO.puts(${JSON.stringify(evil)})\nRepo.all(from t in "t", select: %{body: t.body})` },
    ],
  });
  let dialogs = 0;
  page.on('dialog', (d) => { dialogs += 1; d.dismiss(); });
  // A fresh document opens the link (not a fragment change of this one).
  await page.goto('about:blank');
  await page.goto(`${s.url}#nb=${payload}`);
  await ws.waitReady();
  await ws.runAllCells();
  assert.deepEqual(await ws.states(), ['done', 'done']);

  assert.equal(await ws.testid('notebook-title').innerText(), evil);
  assert.equal(await ws.testid('notebook-description').innerText(), evil);
  assert.equal(await ws.cell(0).getByTestId('cell-title').innerText(), evil);
  const result = await ws.cell(1).getByTestId('cell-result').innerText();
  assert.ok(result.includes(evil), 'the output shows the markup as text');
  const table = await ws.table(ws.cell(1));
  assert.deepEqual(table.rows, [[evil]]);
  // No element came from the data: no <img src=x>, no script besides the page's own.
  assert.equal(await page.locator('img[src="x"]').count(), 0);
  assert.equal(await page.locator('main script, [data-testid="notices"] script').count(), 0);
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => window.__pwned), undefined, 'no injected code ran');
  assert.equal(dialogs, 0);
});
