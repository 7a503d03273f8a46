// Measures keystroke → live SQL preview on the built page (dist/): with the
// blog example run, a query in a new cell is edited one key at a time
// (typing a digit into its limit, then deleting it) and, in headless
// Chromium, each keydown is timed to the moment the SQLite preview shows
// the new SQL (DOM updated) and to the frame after it (painted).
// Not a test: it prints figures.
//   node scripts/preview-latency.mjs [KEYSTROKES]
import { serve, launch } from '../tests/e2e/harness.mjs';
import { NotebookPage } from '../tests/e2e/pages/notebook.mjs';

const keystrokes = Number(process.argv[2] || 40);
const QUERY = 'from p in Post, join: a in assoc(p, :author), where: a.name == "Ada", order_by: p.id, limit: 1';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const fmt = (xs) => `median ${median(xs).toFixed(1)} ms, p95 ${pct(xs, 0.95).toFixed(1)} ms, max ${Math.max(...xs).toFixed(1)} ms`;

const server = await serve();
const browser = await launch({ viewport: { width: 1440, height: 900 } });
try {
  const page = await browser.context.newPage();
  const nb = await new NotebookPage(page, server.url).open();
  await nb.loadExample('blog');
  await nb.runAllCells();
  const n = await nb.addCell();
  await nb.setCell(n, QUERY);
  await page.keyboard.press('Control+End');
  await page.waitForFunction(() => document.querySelector('[data-testid="sql-preview-sqlite"] [data-testid="sql-text"]')
    ?.textContent.includes('LIMIT 1'));
  await page.evaluate(() => {
    window.__samples = [];
    window.__t0 = null;
    window.__last = document.querySelector('[data-testid="sql-preview-sqlite"]').textContent;
    addEventListener('keydown', () => { window.__t0 = performance.now(); }, true);
    new MutationObserver(() => {
      const text = document.querySelector('[data-testid="sql-preview-sqlite"]').textContent;
      if (window.__t0 === null || text === window.__last) return;
      const t0 = window.__t0;
      const dom = performance.now() - t0;
      window.__t0 = null;
      window.__last = text;
      requestAnimationFrame(() => window.__samples.push({ dom, paint: performance.now() - t0 }));
    }).observe(document.querySelector('[data-testid="sql-pane"]'), { subtree: true, childList: true, characterData: true });
  });
  for (let i = 0; i < keystrokes; i += 1) {
    const typing = i % 2 === 0;
    await page.keyboard.press(typing ? '2' : 'Backspace');
    const want = typing ? 'LIMIT 12' : 'LIMIT 1';
    await page.waitForFunction((w) => {
      const t = document.querySelector('[data-testid="sql-preview-sqlite"] [data-testid="sql-text"]')?.textContent || '';
      return t.trimEnd().endsWith(w);
    }, want);
    await page.waitForFunction((k) => window.__samples.length >= k, i + 1);
    await page.waitForTimeout(30);
  }
  const samples = await page.evaluate(() => window.__samples);
  console.log(`Keystroke → SQL preview, ${samples.length} keystrokes, headless Chromium, debug or release as built in dist/:`);
  console.log(`  preview in the DOM: ${fmt(samples.map((s) => s.dom))}`);
  console.log(`  next frame painted: ${fmt(samples.map((s) => s.paint))}`);
} finally {
  await browser.close();
  await server.stop();
}
