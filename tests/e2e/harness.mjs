// The end-to-end harness: serves dist/ with python's http.server on a free
// loopback port and drives Debian's Chromium, headless, through playwright-core.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, access } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DIST = join(ROOT, 'dist');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

// Flags for a closed network: no background connections, no sandbox as root.
export const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

async function waitForHttp(url, child, timeoutMs = 10_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`http.server exited with ${child.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

/** Serves `dir` on 127.0.0.1; returns { url, stop }. */
export async function serve(dir = DIST) {
  await access(join(dir, 'index.html')).catch(() => {
    throw new Error(`${dir}/index.html is missing: build the page first (make build)`);
  });
  const port = await freePort();
  const child = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', dir], {
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const url = `http://127.0.0.1:${port}/`;
  await waitForHttp(url, child);
  return {
    url,
    stop: () => new Promise((ok) => {
      if (child.exitCode !== null) return ok();
      child.once('exit', () => ok());
      child.kill('SIGTERM');
    }),
  };
}

/** A fresh Chromium profile; returns { context, close }. */
export async function launch(options = {}) {
  const profile = await mkdtemp(join(tmpdir(), 'ectoplasm-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1100, height: 760 },
    ...options,
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Empties the local storage (and other site data) of `url`'s origin. */
export async function clearStorage(page, url) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Storage.clearDataForOrigin', { origin: new URL(url).origin, storageTypes: 'local_storage,indexeddb' });
  await cdp.detach();
}

/** Server + browser for a test file: call start() in before(), stop() in after(). */
export function site() {
  let server;
  let browser;
  return {
    async start() {
      server = await serve();
      browser = await launch();
    },
    get url() { return server.url; },
    get context() { return browser.context; },
    /** A new tab that records uncaught page errors in `page.errors`. The
     * site's local storage (the saved workspace) starts empty unless
     * `keepStorage` is set, so tests do not see each other's notebooks. */
    async newPage({ keepStorage = false } = {}) {
      const page = await browser.context.newPage();
      if (!keepStorage) await clearStorage(page, server.url);
      page.errors = [];
      page.on('pageerror', (e) => page.errors.push(e));
      return page;
    },
    async stop() {
      await browser?.close();
      await server?.stop();
    },
  };
}

/** The hooks of a test file: the site runs for the whole file, each test
 * gets a new page (handed to `setup`, which opens what it needs) and must
 * end without uncaught errors in it. Returns the site. */
export function pagePerTest(setup = async () => {}) {
  const s = site();
  let page;
  before(() => s.start());
  after(() => s.stop());
  beforeEach(async () => {
    page = await s.newPage();
    await setup(page, s);
  });
  afterEach(async () => {
    assert.deepEqual(page.errors.map(String), [], 'no uncaught errors in the page');
    await page.close();
  });
  return s;
}
