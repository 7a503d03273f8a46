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

async function artifact(base, name, onProgress) {
  if (typeof globalThis.ectoplasmPgliteArtifact === 'function') {
    const bytes = await globalThis.ectoplasmPgliteArtifact(name);
    onProgress(name, bytes.byteLength);
    return bytes;
  }
  const response = await fetch(new URL(name, base || globalThis.location.href));
  if (!response.ok) throw new Error(`${name}: HTTP ${response.status}`);
  const bytes = await response.arrayBuffer();
  onProgress(name, bytes.byteLength);
  return bytes;
}

// The artifacts, fetched and compiled once per worker (a restart of the
// database, as a restore does, reuses them).
let loaded = null;

function load(base, onProgress) {
  if (!loaded) {
    loaded = Promise.all(ARTIFACTS.map((name) => artifact(base, name, onProgress))).then(
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
 * or null for an empty cluster; `onProgress(name, bytes)` is called as
 * each artifact arrives. Resolves to the PGlite instance, ready for
 * `execProtocolRawSync`.
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
