// Reads every row of a prepared sql.js statement in one call and packs the
// values into typed arrays, and binds every parameter from such packed
// arrays, so the engine crosses from wasm to JavaScript a few times per
// statement instead of several times per value. Loaded beside
// sql-wasm.js (the page, the engine's worker and the app's tests); the
// engine reads the result in app/src/sqljs.rs (`read_rows`).
//
// Result: { rows, tags: Uint8Array (0 null, 1 integer, 2 real, 3 text,
// 4 blob; one per value, row by row), ints: BigInt64Array, reals:
// Float64Array, text: string (every text value, concatenated), textLengths:
// Uint32Array (their lengths in UTF-16 units), blobs: Array of Uint8Array }.
globalThis.ectoplasmReadRows = function ectoplasmReadRows(stmt) {
  const config = { useBigInt: true };
  const tags = [];
  const ints = [];
  const reals = [];
  const texts = [];
  const textLengths = [];
  const blobs = [];
  let rows = 0;
  while (stmt.step()) {
    rows += 1;
    for (const v of stmt.get(null, config)) {
      if (v === null || v === undefined) {
        tags.push(0);
      } else if (typeof v === 'bigint') {
        tags.push(1);
        ints.push(v);
      } else if (typeof v === 'number') {
        tags.push(2);
        reals.push(v);
      } else if (typeof v === 'string') {
        tags.push(3);
        texts.push(v);
        textLengths.push(v.length);
      } else {
        tags.push(4);
        blobs.push(v);
      }
    }
  }
  return {
    rows,
    tags: Uint8Array.from(tags),
    ints: BigInt64Array.from(ints),
    reals: Float64Array.from(reals),
    text: texts.join(''),
    textLengths: Uint32Array.from(textLengths),
    blobs,
  };
};

// Binds a statement's parameters from packed arrays: tags (Uint8Array; 0
// null, 1 number, 3 text, 4 blob), nums (Float64Array, the numbers in
// order), text (every text value, concatenated), textLengths (Uint32Array,
// in UTF-16 units) and blobs (Array of Uint8Array).
globalThis.ectoplasmBindParams = function ectoplasmBindParams(stmt, tags, nums, text, textLengths, blobs) {
  const values = new Array(tags.length);
  let num = 0;
  let at = 0;
  let str = 0;
  let blob = 0;
  for (let i = 0; i < tags.length; i += 1) {
    switch (tags[i]) {
      case 0: values[i] = null; break;
      case 1: values[i] = nums[num++]; break;
      case 3: {
        const end = at + textLengths[str++];
        values[i] = text.slice(at, end);
        at = end;
        break;
      }
      default: values[i] = blobs[blob++];
    }
  }
  stmt.bind(values);
};
