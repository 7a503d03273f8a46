// Measures the built page (dist/, from `make build`): download sizes, raw and
// gzip, of every file, and the playground's first load: the files the
// browser fetched (the page's and the engine's worker's) from navigation
// until the engine is ready; in headless Chromium with a cold cache, the playground's time
// from navigation to the first editor and to the engine being ready, and on
// the SQL console (#console) the time to "SQLite ready" and to the first
// rendered result (the example script, run by clicking Run as soon as the
// button is enabled). Not a test: it prints figures.
//   node scripts/measure.mjs [RUNS]      (make measure)
import { readdir, readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { serve, launch, DIST } from '../tests/e2e/harness.mjs';

const runs = Number(process.argv[2] || 5);

async function sizes() {
  const rows = [];
  const names = (await readdir(DIST, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? e.path, e.name).slice(DIST.length + 1))
    .sort();
  for (const name of names) {
    const bytes = await readFile(join(DIST, name));
    rows.push({ label: name.replace(/-[0-9a-f]{16}/, ''), name, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length });
  }
  return rows;
}

// Installed before the page's scripts: stamps performance.now() when the Run
// button first becomes enabled and when the first result table appears.
const observer = () => {
  window.__marks = {};
  new MutationObserver(() => {
    const m = window.__marks;
    const button = document.querySelector('[data-testid="run-button"]');
    if (!m.ready && button && !button.disabled) m.ready = performance.now();
    if (!m.result && document.querySelector('[data-testid="result-table"]')) m.result = performance.now();
  }).observe(document, { subtree: true, childList: true, attributes: true });
};

async function timing(url) {
  const samples = [];
  for (let i = 0; i < runs; i += 1) {
    const browser = await launch(); // a fresh profile: nothing cached
    try {
      const page = await browser.context.newPage();
      await page.addInitScript(observer);
      await page.goto(`${url}#console`);
      const button = page.locator('[data-testid="run-button"]:enabled');
      await button.waitFor({ timeout: 20_000 });
      await button.click();
      await page.waitForFunction(() => window.__marks.result !== undefined, null, { timeout: 20_000 });
      const marks = await page.evaluate(() => window.__marks);
      const summary = await page.getByTestId('summary').textContent();
      marks.run = Number((/in ([\d.]+) ms/.exec(summary) || [])[1]);
      samples.push(marks);
    } finally {
      await browser.close();
    }
  }
  return samples;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;

const rows = await sizes();
console.log('Sizes (dist/):');
for (const r of rows) console.log(`  ${r.label.padEnd(28)} ${kb(r.raw).padStart(11)} raw ${kb(r.gzip).padStart(11)} gzip   ${r.name}`);

// Installed before the playground's scripts: stamps performance.now() when
// the first editor appears and when Run all is first enabled (the engine's
// worker ready), each as it happens.
const playgroundObserver = () => {
  window.__marks = {};
  new MutationObserver(() => {
    const m = window.__marks;
    if (m.editor === undefined && document.querySelector('[data-testid="cell-input"]')) m.editor = performance.now();
    const button = document.querySelector('[data-testid="run-all"]');
    if (m.ready === undefined && button && !button.disabled) m.ready = performance.now();
  }).observe(document, { subtree: true, childList: true, attributes: true });
};

// The playground: navigation to the first editor, and to the engine's
// worker being ready (Run all enabled).
async function playground(url) {
  const samples = [];
  for (let i = 0; i < runs; i += 1) {
    const browser = await launch();
    try {
      const page = await browser.context.newPage();
      const fetched = new Set();
      let done = false;
      page.on('request', (r) => { if (!done) fetched.add(new URL(r.url()).pathname.slice(1) || 'index.html'); });
      await page.addInitScript(playgroundObserver);
      await page.goto(url);
      await page.locator('[data-testid="run-all"]:enabled').waitFor({ timeout: 20_000 });
      done = true;
      await page.getByTestId('cell-input').first().waitFor({ timeout: 20_000 });
      await page.waitForFunction(() => window.__marks.editor !== undefined && window.__marks.ready !== undefined, null, { timeout: 20_000 });
      const { editor, ready } = await page.evaluate(() => window.__marks);
      samples.push({ editor, ready, fetched });
    } finally {
      await browser.close();
    }
  }
  return samples;
}

const server = await serve();
try {
  const pg = await playground(server.url);
  // Every file any run fetched before the engine was ready.
  const first = rows.filter((r) => pg.some((s) => s.fetched.has(r.name)));
  const total = first.reduce((a, r) => ({ raw: a.raw + r.raw, gzip: a.gzip + r.gzip }), { raw: 0, gzip: 0 });
  console.log('The playground\'s first load (fetched before the engine is ready):');
  for (const r of first) console.log(`  ${r.name.padEnd(40)} ${kb(r.gzip).padStart(11)} gzip`);
  console.log(`  ${'total'.padEnd(40)} ${kb(total.gzip).padStart(11)} gzip (${total.gzip} bytes), ${kb(total.raw)} raw`);
  const later = rows.filter((r) => !first.includes(r)).map((r) => r.name);
  console.log(`  not fetched before ready: ${later.join(', ')}`);
  const fmtp = (xs) => `median ${median(xs).toFixed(0)} ms (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})`;
  console.log(`Playground, headless Chromium, cold cache, ${runs} runs, from navigation start:`);
  console.log(`  first editor shown:          ${fmtp(pg.map((s) => s.editor))}`);
  console.log(`  engine ready (Run all):      ${fmtp(pg.map((s) => s.ready))}`);
  const samples = await timing(server.url);
  const ready = samples.map((s) => s.ready);
  const result = samples.map((s) => s.result);
  const fmt = (xs) => `median ${median(xs).toFixed(0)} ms (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})`;
  console.log(`SQL console (#console), headless Chromium, cold cache, ${runs} runs, from navigation start:`);
  console.log(`  SQLite ready (Run enabled): ${fmt(ready)}`);
  console.log(`  first result table shown:   ${fmt(result)}`);
  console.log(`  of which the script's run:  ${fmt(samples.map((s) => s.run))} (as the page reports it)`);
} finally {
  await server.stop();
}
