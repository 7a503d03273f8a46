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
    let width = -1;
    while (stmt.step()) {
      rows += 1;
      if (width < 0) width = count(handle);
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
// order), bytes (Uint8Array: every text in UTF-8 and every blob,
// concatenated) and lengths (Uint32Array, each text's or blob's length in
// bytes). A number is bound as sql.js binds it (an INTEGER when it fits in
// 32 bits, a REAL otherwise). With `sql` (initSqlJs's object) the bytes are
// copied into SQLite's memory once and each value bound there by SQLite's
// own functions, without a copy (SQLITE_STATIC): the returned pointer is
// that memory, to be given to ectoplasmFreeParams once the statement is
// freed. Otherwise the values go through `Statement.bind` and 0 is returned.
globalThis.ectoplasmBindParams = function ectoplasmBindParams(stmt, sql, tags, nums, bytes, lengths) {
  const handle = sql && sqliteMemory && typeof sql._malloc === 'function' ? statementHandle(stmt, sql) : undefined;
  if (handle === undefined) {
    stmt.bind(unpackParams(tags, nums, bytes, lengths));
    return 0;
  }
  const base = sql._malloc(Math.max(bytes.length, 1));
  if (!base) throw new Error('out of memory');
  try {
    heap().set(bytes, base);
    let num = 0;
    let at = 0;
    let len = 0;
    for (let i = 0; i < tags.length; i += 1) {
      const pos = i + 1;
      let rc;
      switch (tags[i]) {
        case 0:
          rc = sql._sqlite3_bind_blob(handle, pos, 0, 0, 0);
          break;
        case 1: {
          const n = nums[num++];
          rc = n === (n | 0) ? sql._sqlite3_bind_int(handle, pos, n) : sql._sqlite3_bind_double(handle, pos, n);
          break;
        }
        case 3: {
          const n = lengths[len++];
          rc = sql._sqlite3_bind_text(handle, pos, base + at, n, 0);
          at += n;
          break;
        }
        default: {
          const n = lengths[len++];
          rc = sql._sqlite3_bind_blob(handle, pos, base + at, n, 0);
          at += n;
        }
      }
      if (rc !== 0) throw new Error(BIND_ERRORS[rc] || `parameter ${pos} could not be bound (SQLite code ${rc})`);
    }
  } catch (e) {
    // Bindings so far point into `base`: clear them before it is freed.
    sql._sqlite3_clear_bindings(handle);
    sql._free(base);
    throw e;
  }
  return base;
};

// Frees the memory ectoplasmBindParams returned (after its statement).
globalThis.ectoplasmFreeParams = function ectoplasmFreeParams(sql, ptr) {
  if (ptr) sql._free(ptr);
};

// SQLite's texts for the codes its bind functions return.
const BIND_ERRORS = { 7: 'out of memory', 18: 'string or blob too big', 21: 'bad parameter or other API misuse', 25: 'column index out of range' };

// The packed parameters as the values `Statement.bind` takes.
function unpackParams(tags, nums, bytes, lengths) {
  const utf8 = new TextDecoder();
  const values = new Array(tags.length);
  let num = 0;
  let at = 0;
  let len = 0;
  for (let i = 0; i < tags.length; i += 1) {
    switch (tags[i]) {
      case 0: values[i] = null; break;
      case 1: values[i] = nums[num++]; break;
      default: {
        const end = at + lengths[len++];
        values[i] = tags[i] === 3 ? utf8.decode(bytes.subarray(at, end)) : bytes.slice(at, end);
        at = end;
      }
    }
  }
  return values;
}
