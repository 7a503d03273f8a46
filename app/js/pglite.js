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
export const artifacts = ARTIFACTS;

globalThis.EctoplasmPglite = { start, dump, close, artifacts };
