/* ectoplasm embed: turns <pre data-ectoplasm> code blocks into live notebooks.
 *
 *   <pre data-ectoplasm>
 *   x = 1 + 1
 *   # %% A second cell (the title is optional)
 *   IO.puts(x)
 *   </pre>
 *   <script src="https://PLAYGROUND/embed.js" defer></script>
 *
 * Each block becomes an iframe of the playground in embed mode
 * (?embed=1, plus &readonly=1 when the block has data-readonly), with the
 * notebook in the fragment (#nb= base64url of deflate-raw JSON, as the
 * playground's Share button makes). A line "# %%" starts a new cell, and
 * "# %% [markdown]" a Markdown cell (its lines are the text, as written). A
 * block with data-livemd="URL" embeds that Livebook file or lesson instead
 * (same origin as the playground, or served with CORS), exercises and all;
 * data-solutions on it is a teacher's embed (locked solutions shown). The
 * iframe grows and shrinks with its content: the playground posts
 * {type: 'ectoplasm:height', height} and this script applies it.
 * Options on the script tag: data-playground="URL" (default: where this
 * script was loaded from), data-readonly (every block read-only),
 * data-theme="light|dark" (default: the visitor's). On a block:
 * data-readonly, data-title, data-theme.
 * Plain JavaScript, no dependencies; blocks are left as they are in a
 * browser without CompressionStream. */
(function () {
  'use strict';
  var script = document.currentScript;
  var base = (script && script.getAttribute('data-playground')) || (script && script.src ? new URL('./', script.src).href : '');
  var allReadonly = !!(script && script.hasAttribute('data-readonly'));
  var allTheme = script && script.getAttribute('data-theme');
  var frames = [];

  /** Splits a block's text into cells at lines "# %%" (the rest of the line is the cell's title). */
  function cells(text) {
    var out = [];
    var current = { title: null, lines: [] };
    text.replace(/\r\n?/g, '\n').split('\n').forEach(function (line) {
      var m = /^\s*# %%(.*)$/.exec(line);
      if (m) {
        out.push(current);
        var rest = m[1].trim();
        var md = /^\[markdown\]\s*/.exec(rest);
        current = { title: (md ? rest.slice(md[0].length) : rest) || null, lines: [], markdown: !!md };
      } else {
        current.lines.push(line);
      }
    });
    out.push(current);
    return out
      .map(function (c) {
        var source = c.lines.join('\n').replace(/^\n+|\s+$/g, '');
        var cell = { source: source };
        if (c.title) cell.title = c.title;
        if (c.markdown) cell.kind = 'markdown';
        return cell;
      })
      .filter(function (c, i, all) { return c.source !== '' || c.title || all.length === 1; });
  }

  function base64url(bytes) {
    var bin = '';
    for (var i = 0; i < bytes.length; i += 0x8000) {
      bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function encode(notebook) {
    var stream = new Blob([JSON.stringify(notebook)]).stream().pipeThrough(new CompressionStream('deflate-raw'));
    return new Response(stream).arrayBuffer().then(function (buf) { return base64url(new Uint8Array(buf)); });
  }

  function frameFor(pre, src, title, lines) {
    var frame = document.createElement('iframe');
    frame.src = src;
    frame.title = title ? 'ectoplasm notebook: ' + title : 'ectoplasm notebook';
    frame.loading = 'lazy';
    frame.setAttribute('data-ectoplasm-frame', '');
    // A first guess from the code's length, corrected by the playground's height messages.
    frame.style.cssText = 'display:block;box-sizing:content-box;width:100%;border:1px solid rgba(127,127,127,.35);' +
      'border-radius:8px;height:' +
      Math.min(200 + lines * 21, 1200) + 'px';
    pre.replaceWith(frame);
    frames.push(frame);
    return frame;
  }

  function embed(pre) {
    var livemd = pre.getAttribute('data-livemd');
    if (livemd) {
      var url = new URL(livemd, document.baseURI).href;
      var theme0 = pre.getAttribute('data-theme') || allTheme;
      frameFor(pre, base + '?embed=1&livemd=' + encodeURIComponent(url) +
        (pre.hasAttribute('data-solutions') ? '&solutions=1' : '') +
        (theme0 === 'light' || theme0 === 'dark' ? '&theme=' + theme0 : ''), pre.getAttribute('data-title'), 30);
      return Promise.resolve();
    }
    var notebook = { v: 1, cells: cells(pre.textContent || '') };
    var title = pre.getAttribute('data-title');
    if (title) notebook.title = title;
    var readonly = allReadonly || pre.hasAttribute('data-readonly');
    var theme = pre.getAttribute('data-theme') || allTheme;
    return encode(notebook).then(function (payload) {
      var src = base + '?embed=1' + (readonly ? '&readonly=1' : '') +
        (theme === 'light' || theme === 'dark' ? '&theme=' + theme : '') + '#nb=' + payload;
      frameFor(pre, src, title, (pre.textContent || '').split('\n').length);
    });
  }

  window.addEventListener('message', function (event) {
    var data = event.data;
    if (!data || data.type !== 'ectoplasm:height' || typeof data.height !== 'number' || !isFinite(data.height)) return;
    for (var i = 0; i < frames.length; i += 1) {
      if (frames[i].contentWindow === event.source) {
        frames[i].style.height = Math.max(0, Math.min(Math.ceil(data.height), 100000)) + 'px';
      }
    }
  });

  function start() {
    if (typeof CompressionStream !== 'function' || !base) return;
    var blocks = document.querySelectorAll('pre[data-ectoplasm]');
    for (var i = 0; i < blocks.length; i += 1) embed(blocks[i]);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
