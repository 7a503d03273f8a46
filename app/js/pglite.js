// PostgreSQL in the engine's worker: PGlite (npm @electric-sql/pglite),
// bundled by esbuild into app/js/build/pglite.js (a classic script, global
// `EctoplasmPglite`), which the worker loads with importScripts only when a
// notebook uses PostgreSQL. The Rust side is app/src/pglite.rs; nothing
// else calls this.
//
// PGlite's three artifacts (pglite.wasm, initdb.wasm, pglite.data) are
// shipped beside the page and fetched here, so the library never has to
// locate them itself. Under Node (the app's wasm tests) the host defines
// `globalThis.ectoplasmPgliteArtifact(name)` to read them from node_modules.

import { PGlite } from '@electric-sql/pglite';

const ARTIFACTS = ['pglite.wasm', 'initdb.wasm', 'pglite.data'];

// Bytes fetched of the artifacts, for the page's progress bar.
class Progress {
  constructor(report) {
    this.report = report;
    this.loaded = new Map();
    this.total = new Map();
    this.finished = new Set();
    this.percent = -1;
  }

  /** `name` is `total` bytes long (0: not known, as when the server compresses it). */
  expect(name, total) {
    this.total.set(name, total);
    this.loaded.set(name, 0);
  }

  /** `bytes` more of `name` arrived (`done`: all of it). */
  add(name, bytes, done = false) {
    this.loaded.set(name, (this.loaded.get(name) || 0) + bytes);
    if (done) this.finished.add(name);
    const loaded = [...this.loaded.values()].reduce((a, b) => a + b, 0);
    // A total only once every artifact's size is known.
    const known = ARTIFACTS.every((n) => this.total.get(n) > 0);
    const total = known ? [...this.total.values()].reduce((a, b) => a + b, 0) : 0;
    // One report per percent (per 256 KiB without a total), and the last one.
    const percent = total ? Math.floor((100 * loaded) / total) : Math.floor(loaded / 262144);
    if (percent !== this.percent || (done && this.finished.size === ARTIFACTS.length)) {
      this.percent = percent;
      this.report(loaded, total);
    }
  }
}

// The contrib extensions a notebook can CREATE EXTENSION (PGlite ships each
// as NAME.tar.gz, loaded only when named here): btree_gist, for exclusion
// constraints over scalar columns (`EXCLUDE USING gist (room WITH =, ...)`).
// Shipped beside the page as the artifacts are; under Node the host defines
// `globalThis.ectoplasmPgliteExtension(name)` (a file URL in node_modules).
const EXTENSIONS = ['btree_gist'];

function extensions(base) {
  const url = (name) =>
    typeof globalThis.ectoplasmPgliteExtension === 'function'
      ? globalThis.ectoplasmPgliteExtension(name)
      : new URL(`${name}.tar.gz`, base || globalThis.location.href);
  return Object.fromEntries(EXTENSIONS.map((name) => [name, url(name)]));
}

async function artifact(base, name, progress) {
  if (typeof globalThis.ectoplasmPgliteArtifact === 'function') {
    const bytes = await globalThis.ectoplasmPgliteArtifact(name);
    progress.expect(name, bytes.byteLength);
    progress.add(name, bytes.byteLength, true);
    return bytes;
  }
  const response = await fetch(new URL(name, base || globalThis.location.href));
  if (!response.ok) throw new Error(`${name}: HTTP ${response.status}`);
  // Content-Length counts the bytes sent: the size only when not compressed.
  const encoding = response.headers.get('content-encoding');
  const length = Number(response.headers.get('content-length')) || 0;
  progress.expect(name, encoding && encoding !== 'identity' ? 0 : length);
  if (!response.body) {
    const bytes = await response.arrayBuffer();
    progress.add(name, bytes.byteLength, true);
    return bytes;
  }
  const reader = response.body.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    progress.add(name, value.byteLength);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  progress.add(name, 0, true);
  return bytes.buffer;
}

// The artifacts, fetched and compiled once per worker (a restart of the
// database, as a restore does, reuses them).
let loaded = null;

function load(base, onProgress) {
  if (!loaded) {
    const progress = new Progress(onProgress);
    loaded = Promise.all(ARTIFACTS.map((name) => artifact(base, name, progress))).then(
      async ([pglite, initdb, data]) => ({
        pgliteWasmModule: await WebAssembly.compile(pglite),
        initdbWasmModule: await WebAssembly.compile(initdb),
        fsBundle: new Blob([data]),
      }),
    );
    loaded.catch(() => {
      loaded = null;
    });
  }
  return loaded;
}

/**
 * Starts PostgreSQL. `base`: the URL the artifacts are served under (empty:
 * beside the worker's script);
 * `image`: a data directory from `dump` (a tar, Uint8Array) to start from,
 * or null for an empty cluster; `onProgress(loaded, total)` hears the
 * bytes of the artifacts fetched so far and their total (0 when a size
 * is not known), once per percent and when the last byte arrives (not at
 * all when this worker fetched them before). Resolves to the PGlite
 * instance, ready for `execProtocolRawSync`.
 */
export async function start(base, image, onProgress) {
  const options = await load(base, onProgress || (() => {}));
  const pg = await PGlite.create({
    ...options,
    extensions: extensions(base),
    loadDataDir: image ? new Blob([image]) : undefined,
  });
  return pg;
}

/** The whole data directory as an uncompressed tar. */
export async function dump(pg) {
  const file = await pg.dumpDataDir('none');
  return new Uint8Array(await file.arrayBuffer());
}

/** Stops the instance and frees its memory. */
export async function close(pg) {
  await pg.close();
}

/** The artifacts' names, for measuring what PostgreSQL adds to a download. */
export const artifacts = [...ARTIFACTS, ...EXTENSIONS.map((name) => `${name}.tar.gz`)];

globalThis.EctoplasmPglite = { start, dump, close, artifacts };
