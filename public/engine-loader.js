// The engine's Web Worker script. The playground's binary is the page and
// the engine at once (app/src/bin/ectoplasm.rs); the page starts this
// worker with the binary's hashed file names in the query string
// (Trunk.toml's pattern_script), and in a worker the binary runs the engine.
// Only names of files beside this one are taken.
(function () {
  'use strict';
  var query = new URLSearchParams(self.location.search);
  var name = /^\/?[A-Za-z0-9_.-]+$/;
  var js = query.get('js') || '';
  var wasm = query.get('wasm') || '';
  if (!name.test(js) || !name.test(wasm)) throw new Error('the engine\'s files are not named');
  importScripts(js);
  wasm_bindgen(wasm);
})();
