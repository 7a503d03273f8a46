// The CodeMirror 6 bundle for the playground: one global, EctoplasmEditor,
// with create(parent, options) -> editor. Bundled by esbuild (make js, or
// Trunk's pre_build hook) into app/js/build/editor.js; only
// app/src/editor.rs calls it.
//
// options: {
//   doc, label,                        initial text; aria-label of the text area
//   readOnly,                          shown and runnable (Mod-Enter), not editable
//   onChange(doc), onCursor(pos),      pos: UTF-16 offset of the main cursor
//   onRun(), onRunNext(), onFocus(),   Mod-Enter, Shift-Enter, focus
//   onHover(pos),                      the text position under the mouse (-1: none)
//   complete(doc, pos) -> Promise<{from, to, items: [{label, kind, detail}]} | null>
// }
// Everything shown comes from text: diagnostics and completions are
// rendered by CodeMirror as text nodes, never as HTML.
import { EditorView, Decoration, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter, drawSelection,
  highlightSpecialChars, dropCursor } from '@codemirror/view';
import { EditorState, Prec, StateEffect, StateField } from '@codemirror/state';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { bracketMatching, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from '@codemirror/autocomplete';
import { setDiagnostics, lintKeymap, lintGutter } from '@codemirror/lint';
import { classHighlighter } from '@lezer/highlight';
import { elixirLanguage } from './elixir-mode.js';

const KIND_TYPES = {
  function: 'function', field: 'property', assoc: 'type', keyword: 'keyword', variable: 'variable', module: 'namespace',
};

const theme = EditorView.theme({
  '&': { color: 'var(--fg)', backgroundColor: 'var(--panel)', fontSize: '14px' },
  '.cm-content': { fontFamily: 'var(--mono)', caretColor: 'var(--fg)', padding: '6px 0' },
  '.cm-scroller': { fontFamily: 'var(--mono)', lineHeight: '1.5' },
  '.cm-gutters': { backgroundColor: 'var(--code-bg)', color: 'var(--muted)', borderRight: '1px solid var(--border)' },
  '.cm-activeLine': { backgroundColor: 'var(--active-line)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--active-line)' },
  '&.cm-focused .cm-cursor': { borderLeftColor: 'var(--fg)' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection': { backgroundColor: 'var(--selection)' },
  '&.cm-focused .cm-matchingBracket': { backgroundColor: 'var(--bracket)', outline: '1px solid var(--accent)' },
  '&.cm-focused': { outline: 'none' },
  '.cm-tooltip': { backgroundColor: 'var(--panel)', color: 'var(--fg)', border: '1px solid var(--border)' },
  '.cm-tooltip-autocomplete ul li[aria-selected]': { backgroundColor: 'var(--accent)', color: 'var(--accent-fg)' },
  '.cm-completionDetail': { color: 'var(--muted)', fontStyle: 'normal', marginLeft: '0.8em' },
  '.cm-diagnostic-error': { borderLeftColor: 'var(--error-fg)' },
  '.cm-linked-clause': { backgroundColor: 'var(--linked)', outline: '1px solid var(--accent)', borderRadius: '2px' },
});

// Ranges of the text marked from outside (the plan node hovered in the
// query plan marks the clause it comes from).
const setMarks = StateEffect.define();
const marks = StateField.define({
  create: () => Decoration.none,
  update(deco, tr) {
    let d = deco.map(tr.changes);
    for (const e of tr.effects) if (e.is(setMarks)) d = e.value;
    return d;
  },
  provide: (f) => EditorView.decorations.from(f),
});
const clauseMark = Decoration.mark({ class: 'cm-linked-clause' });

/** A UTF-16 offset for a 0-based (line, column) pair, clamped to the document. */
function offset(doc, line, col) {
  const l = doc.line(Math.min(Math.max(line + 1, 1), doc.lines));
  return l.from + Math.min(Math.max(col, 0), l.length);
}

// Editors are built outside the document and attached together, once the
// current task's editors are all built: building one reads the DOM
// selection, which makes the browser lay out the whole page first, so a
// notebook opening with many cells would lay the page out once per cell.
// CodeMirror measures an attached editor on the next frame.
let detached = [];
function attach(parent, dom) {
  detached.push([parent, dom]);
  if (detached.length === 1) {
    queueMicrotask(() => {
      const list = detached;
      detached = [];
      for (const [p, d] of list) p.appendChild(d);
    });
  }
}

export function create(parent, options) {
  const o = options || {};
  const call = (f, ...args) => { if (typeof f === 'function') f(...args); };
  const runKeys = Prec.highest(keymap.of([
    { key: 'Mod-Enter', run: () => { call(o.onRun); return true; } },
    { key: 'Shift-Enter', run: () => { call(o.onRunNext); return true; } },
  ]));
  const source = async (context) => {
    if (typeof o.complete !== 'function') return null;
    const word = context.matchBefore(/[\w?!]*/);
    // While typing, only words (and `.`/`:` openers) ask the engine; a number
    // or whitespace never does, so the SQL preview is not queued behind it.
    if (!context.explicit && word) {
      const opener = /[.:]$/.test(context.state.sliceDoc(context.pos - 1, context.pos));
      if ((word.from === word.to && !opener) || /^\d/.test(word.text)) return null;
    }
    const r = await o.complete(context.state.doc.toString(), context.pos);
    // The answer is asynchronous: by the time it arrives the user may have
    // moved to another cell, and a list left open here would float over it.
    if (!r || context.aborted || (context.view && !context.view.hasFocus)) return null;
    return {
      from: r.from,
      to: r.to,
      validFor: /^[\w?!]*$/,
      options: r.items.map((i) => ({ label: i.label, type: KIND_TYPES[i.kind] || 'text', detail: i.detail })),
    };
  };
  let hovered = -1;
  const state = EditorState.create({
    doc: o.doc || '',
    extensions: [
      runKeys,
      lineNumbers(),
      highlightActiveLineGutter(),
      highlightSpecialChars(),
      history(),
      drawSelection(),
      dropCursor(),
      indentOnInput(),
      bracketMatching(),
      closeBrackets(),
      autocompletion({ override: [source], icons: true }),
      highlightActiveLine(),
      lintGutter(),
      keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...completionKeymap, ...lintKeymap, indentWithTab]),
      elixirLanguage,
      syntaxHighlighting(classHighlighter),
      theme,
      EditorState.tabSize.of(2),
      EditorState.readOnly.of(!!o.readOnly),
      EditorView.lineWrapping,
      EditorView.contentAttributes.of({ 'aria-label': o.label || 'Code', 'data-testid': 'cell-input', spellcheck: 'false',
        autocapitalize: 'off', autocorrect: 'off', 'aria-readonly': o.readOnly ? 'true' : 'false' }),
      marks,
      EditorView.domEventHandlers({
        mousemove: (e, v) => {
          const pos = v.posAtCoords({ x: e.clientX, y: e.clientY });
          const at = pos == null ? -1 : pos;
          if (at !== hovered) { hovered = at; call(o.onHover, at); }
        },
        mouseleave: () => {
          if (hovered !== -1) { hovered = -1; call(o.onHover, -1); }
        },
      }),
      EditorView.updateListener.of((u) => {
        if (u.docChanged) call(o.onChange, u.state.doc.toString());
        if (u.docChanged || u.selectionSet) call(o.onCursor, u.state.selection.main.head);
        if (u.focusChanged && u.view.hasFocus) {
          call(o.onFocus);
          call(o.onCursor, u.state.selection.main.head);
        }
      }),
    ],
  });
  const view = new EditorView({ state });
  attach(parent, view.dom);
  return {
    getDoc: () => view.state.doc.toString(),
    setDoc: (text) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }),
    cursor: () => view.state.selection.main.head,
    focus: () => view.focus(),
    /** list: [{fromLine, fromCol, toLine, toCol, severity, message}] (0-based, UTF-16 columns). */
    setDiagnostics: (list) => {
      const doc = view.state.doc;
      const diagnostics = (list || []).map((d) => {
        let from = offset(doc, d.fromLine, d.fromCol);
        let to = Math.max(from, offset(doc, d.toLine, d.toCol));
        if (from === to) {
          // An empty span (say, a missing `end` at the end) still gets a visible mark.
          if (to < doc.length) to += 1; else if (from > 0) from -= 1;
        }
        return { from, to, severity: d.severity === 'warning' ? 'warning' : 'error', message: String(d.message) };
      });
      view.dispatch(setDiagnostics(view.state, diagnostics));
    },
    /** ranges: [from, to, from, to, ...] (UTF-16 offsets); empty clears the marks. */
    mark: (ranges) => {
      const len = view.state.doc.length;
      const list = [];
      for (let i = 0; i + 1 < (ranges || []).length; i += 2) {
        const from = Math.max(0, Math.min(ranges[i], len));
        const to = Math.max(from, Math.min(ranges[i + 1], len));
        if (to > from) list.push(clauseMark.range(from, to));
      }
      view.dispatch({ effects: setMarks.of(Decoration.set(list, true)) });
    },
    destroy: () => view.destroy(),
  };
}
