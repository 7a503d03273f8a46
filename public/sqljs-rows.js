// Loads sql.js (the global initSqlJs of sql-wasm.js) with the SQLite wasm
// at `wasmUrl`, instantiated here so that its memory is known: result
// texts and blobs are then copied from it as bytes, not decoded into
// JavaScript strings and encoded back. Rejects if the wasm cannot be loaded.
globalThis.ectoplasmInitSqlJs = function ectoplasmInitSqlJs(wasmUrl) {
  return new Promise((resolve, reject) => {
    const config = {
      locateFile: () => wasmUrl,
      instantiateWasm(imports, receive) {
        globalThis.ectoplasmInstantiateSqlite(wasmUrl, imports).then((instance) => {
          sqliteMemory = Object.values(instance.exports).find((v) => v instanceof WebAssembly.Memory) || null;
          receive(instance);
        }, reject);
        return {};
      },
    };
    globalThis.initSqlJs(config).then(resolve, reject);
  });
};

// Compiles and instantiates the SQLite wasm (replaced in Node, where the
// app's tests read it from node_modules).
globalThis.ectoplasmInstantiateSqlite = async function ectoplasmInstantiateSqlite(url, imports) {
  if (typeof WebAssembly.instantiateStreaming === 'function') {
    try {
      return (await WebAssembly.instantiateStreaming(fetch(url, { credentials: 'same-origin' }), imports)).instance;
    } catch (_) {
      // served with another MIME type: compile from the bytes below
    }
  }
  const response = await fetch(url, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return (await WebAssembly.instantiate(await response.arrayBuffer(), imports)).instance;
};

let sqliteMemory = null;
let heapView = new Uint8Array(0);
function heap() {
  if (heapView.buffer !== sqliteMemory.buffer) heapView = new Uint8Array(sqliteMemory.buffer);
  return heapView;
}

// Reads every row of a prepared sql.js statement in one call and packs the
// values into typed arrays, and binds every parameter from such packed
// arrays, so the engine crosses from wasm to JavaScript a few times per
// statement instead of several times per value. Loaded beside
// sql-wasm.js (the page, the engine's worker and the app's tests); the
// engine reads the result in app/src/sqljs.rs (`read_packed`).
//
// Result: { rows, tags: Uint8Array (0 null, 1 integer, 2 real, 3 text,
// 4 blob, 5 integer beyond 2^53 as its decimal text; one per value, row by
// row), nums: Float64Array (integers within 2^53 and reals, in order),
// bytes: Uint8Array (texts in UTF-8, blobs and big integers' digits,
// concatenated), lengths: Uint32Array (each one's length in bytes) }.
//
// `sql` is the object initSqlJs resolved to: its exported SQLite functions
// read each value straight from the statement (an INTEGER as a double when
// that is exact, not through its text as `get(null, {useBigInt: true})`
// does). Without it, or if the statement's handle cannot be found, rows go
// through `Statement.get`.
globalThis.ectoplasmReadRows = function ectoplasmReadRows(stmt, sql) {
  const tags = [];
  const nums = [];
  const lengths = [];
  let bytes = new Uint8Array(1024);
  let used = 0;
  const room = (n) => {
    if (used + n <= bytes.length) return;
    const grown = new Uint8Array(Math.max(bytes.length * 2, used + n));
    grown.set(bytes.subarray(0, used));
    bytes = grown;
  };
  const copy = (from, ptr, n) => {
    room(n);
    if (n < 32) {
      for (let k = 0; k < n; k += 1) bytes[used + k] = from[ptr + k];
    } else {
      bytes.set(from.subarray(ptr, ptr + n), used);
    }
    used += n;
    lengths.push(n);
  };
  const utf8 = new TextEncoder();
  const putString = (s) => {
    room(s.length * 3);
    const n = utf8.encodeInto(s, bytes.subarray(used)).written;
    used += n;
    lengths.push(n);
  };
  let rows = 0;
  const handle = sql ? statementHandle(stmt, sql) : undefined;
  if (handle !== undefined) {
    const count = sql._sqlite3_data_count;
    const type = sql._sqlite3_column_type;
    const double = sql._sqlite3_column_double;
    const textAt = sql._sqlite3_column_text;
    const blobAt = sql._sqlite3_column_blob;
    const size = sql._sqlite3_column_bytes;
    const decode = sql.UTF8ToString;
    const text = (i) => {
      const ptr = textAt(handle, i);
      const n = size(handle, i);
      if (sqliteMemory) copy(heap(), ptr, n);
      else putString(decode(ptr, n, true));
    };
    while (stmt.step()) {
      rows += 1;
      const width = count(handle);
      for (let i = 0; i < width; i += 1) {
        switch (type(handle, i)) {
          case 1: {
            const d = double(handle, i);
            if (Number.isSafeInteger(d)) {
              tags.push(1);
              nums.push(d);
            } else {
              tags.push(5);
              text(i);
            }
            break;
          }
          case 2:
            tags.push(2);
            nums.push(double(handle, i));
            break;
          case 3:
            tags.push(3);
            text(i);
            break;
          case 4:
            tags.push(4);
            if (sqliteMemory) {
              const ptr = blobAt(handle, i);
              copy(heap(), ptr, size(handle, i));
            } else {
              const blob = stmt.getBlob(i);
              copy(blob, 0, blob.length);
            }
            break;
          default:
            tags.push(0);
        }
      }
    }
  } else {
    const config = { useBigInt: true };
    while (stmt.step()) {
      rows += 1;
      for (const v of stmt.get(null, config)) {
        if (v === null || v === undefined) {
          tags.push(0);
        } else if (typeof v === 'bigint') {
          const d = Number(v);
          if (Number.isSafeInteger(d)) {
            tags.push(1);
            nums.push(d);
          } else {
            tags.push(5);
            putString(v.toString());
          }
        } else if (typeof v === 'number') {
          tags.push(2);
          nums.push(v);
        } else if (typeof v === 'string') {
          tags.push(3);
          putString(v);
        } else {
          tags.push(4);
          copy(v, 0, v.length);
        }
      }
    }
  }
  return {
    rows,
    tags: Uint8Array.from(tags),
    nums: Float64Array.from(nums),
    bytes: bytes.subarray(0, used),
    lengths: Uint32Array.from(lengths),
  };
};

// The SQLite statement pointer inside a sql.js Statement. Its property is
// renamed by the minifier, so it is found once, by asking SQLite for the
// text of each numeric property taken as a statement and comparing it with
// `getSQL()`, and remembered.
let handleKey;
function statementHandle(stmt, sql) {
  if (typeof sql._sqlite3_column_type !== 'function' || typeof sql.UTF8ToString !== 'function') return undefined;
  if (handleKey !== undefined) return stmt[handleKey];
  const text = stmt.getSQL();
  for (const key of Object.keys(stmt)) {
    const ptr = stmt[key];
    if (typeof ptr !== 'number' || !Number.isInteger(ptr) || ptr < 1024) continue;
    try {
      if (sql.UTF8ToString(sql._sqlite3_sql(ptr)) === text) {
        handleKey = key;
        return ptr;
      }
    } catch (_) {
      // not a statement
    }
  }
  return undefined;
}

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
