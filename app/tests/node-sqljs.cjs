// Preloaded into Node (NODE_OPTIONS=--require) for the app's wasm tests: makes
// sql.js's `initSqlJs` a global, as sql-wasm.js does in the page, and points it
// at the wasm file in node_modules whatever URL the app asks for.
const path = require('node:path');
const initSqlJs = require('sql.js');
const dist = path.dirname(require.resolve('sql.js/dist/sql-wasm.wasm'));
// The page's batched row reader, as sqljs-rows.js defines it beside sql.js.
require(path.join(__dirname, '..', '..', 'public', 'sqljs-rows.js'));
globalThis.ectoplasmInstantiateSqlite = async (_url, imports) =>
  (await WebAssembly.instantiate(require('node:fs').readFileSync(path.join(dist, 'sql-wasm.wasm')), imports)).instance;
globalThis.initSqlJs = (config = {}) =>
  initSqlJs({ ...config, locateFile: (file) => path.join(dist, file) });
