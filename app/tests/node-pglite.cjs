// Preloaded into Node (NODE_OPTIONS=--require) for the app's wasm tests,
// beside node-sqljs.cjs: makes `EctoplasmPglite` a global, as the worker's
// importScripts("pglite.js") does in the page, from the same entry
// (app/js/pglite.js, imported as the ES module it is, with PGlite from
// node_modules), and reads PGlite's artifacts and extensions from node_modules.
const path = require('node:path');
const { readFile } = require('node:fs/promises');
const { pathToFileURL } = require('node:url');

// The package's main file is in dist/, beside the artifacts.
const dist = path.dirname(require.resolve('@electric-sql/pglite'));
globalThis.ectoplasmPgliteArtifact = async (name) => {
  const bytes = await readFile(path.join(dist, name));
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
};
// An extension's bundle, as the URL PGlite reads it from under Node.
globalThis.ectoplasmPgliteExtension = (name) => pathToFileURL(path.join(dist, `${name}.tar.gz`));
const entry = import(pathToFileURL(path.join(__dirname, '..', 'js', 'pglite.js')).href);
globalThis.EctoplasmPglite = {
  start: async (...args) => (await entry).start(...args),
  dump: async (...args) => (await entry).dump(...args),
  close: async (...args) => (await entry).close(...args),
};
