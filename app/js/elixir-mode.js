// Elixir for the editor: a small stream tokenizer (highlighting and
// indentation), in place of a full grammar's parse tables, which would weigh
// more than the rest of the editor's language support together. The engine
// parses the code for real (diagnostics, preview); this only colours it.
import { StreamLanguage } from '@codemirror/language';

const KEYWORDS = new Set(['do', 'end', 'fn', 'case', 'cond', 'if', 'unless', 'else', 'when', 'with', 'for', 'receive',
  'after', 'try', 'rescue', 'catch', 'raise', 'reraise', 'quote', 'unquote', 'unquote_splicing', 'and', 'or', 'not',
  'in', 'import', 'alias', 'require', 'use', 'throw', 'super']);
const DEFINITIONS = new Set(['def', 'defp', 'defmodule', 'defmacro', 'defmacrop', 'defstruct', 'defguard', 'defguardp',
  'defdelegate', 'defprotocol', 'defimpl', 'defexception', 'defoverridable', 'schema', 'embedded_schema', 'field',
  'belongs_to', 'has_many', 'has_one', 'many_to_many', 'embeds_one', 'embeds_many', 'timestamps']);
const CLOSE = { '(': ')', '[': ']', '{': '}', '<': '>', '/': '/', '|': '|', '"': '"', "'": "'" };
// Openers and closers counted for indentation.
const OPENS = /^(do|fn)$/;
const INDENT_UNIT = 2;

/** Reads a string body up to `close` (escapes and interpolations skipped over). */
function inString(stream, state) {
  const { close, heredoc } = state.str;
  while (!stream.eol()) {
    if (heredoc) {
      if (stream.match(close)) { state.str = null; return; }
      stream.next();
      continue;
    }
    const ch = stream.next();
    if (ch === '\\' && state.str.escapes) { stream.next(); continue; }
    if (ch === close) { state.str = null; return; }
  }
}

const elixirMode = {
  name: 'elixir',
  startState: () => ({ str: null, depth: 0, lineDepth: 0 }),
  copyState: (s) => ({ str: s.str && { ...s.str }, depth: s.depth, lineDepth: s.lineDepth }),
  token(stream, state) {
    if (stream.sol()) state.lineDepth = state.depth;
    if (state.str) {
      inString(stream, state);
      return state.str && state.str.regexp ? 'regexp' : 'string';
    }
    if (stream.eatSpace()) return null;
    if (stream.match(/^#.*/)) return 'comment';
    // Heredocs: """ and ''' (also after a sigil).
    if (stream.match(/^~[a-zA-Z]*("""|''')/) || stream.match(/^("""|''')/)) {
      const quote = stream.current().slice(-3);
      state.str = { close: quote, heredoc: true, escapes: true };
      inString(stream, state);
      return 'string';
    }
    // Sigils: ~r/…/, ~w(…), ~S"…" with their modifiers.
    const sigil = stream.match(/^~([a-zA-Z]+)([/|"'([{<])/);
    if (sigil) {
      state.str = { close: CLOSE[sigil[2]], heredoc: false, escapes: sigil[1] === sigil[1].toLowerCase(), regexp: sigil[1] === 'r' };
      inString(stream, state);
      if (!state.str) stream.match(/^[a-zA-Z]*/);
      return sigil[1] === 'r' ? 'regexp' : 'string';
    }
    const ch = stream.peek();
    if (ch === '"' || ch === "'") {
      stream.next();
      state.str = { close: ch, heredoc: false, escapes: true };
      inString(stream, state);
      return 'string';
    }
    // Atoms: :name, :"quoted", :Module, operator atoms; keyword keys `name:`.
    if (stream.match(/^:"(?:[^"\\]|\\.)*"/) || stream.match(/^:[a-zA-Z_][\w@]*[?!]?/) || stream.match(/^:(?:<<>>|\.\.\.|[+\-*\/<>=!&|]+)/)) return 'atom';
    if (stream.match(/^[a-zA-Z_][\w]*[?!]?:(?!:)/)) return 'atom';
    if (stream.match(/^\?(?:\\.|.)/)) return 'number';
    if (stream.match(/^0x[0-9a-fA-F_]+/) || stream.match(/^0b[01_]+/) || stream.match(/^0o[0-7_]+/)
      || stream.match(/^\d[\d_]*(?:\.\d[\d_]*)?(?:[eE][+-]?\d+)?/)) return 'number';
    if (stream.match(/^@[a-z_]\w*/)) return 'meta';
    if (stream.match(/^[A-Z][\w]*/)) return 'typeName';
    const word = stream.match(/^[a-z_][\w]*[?!]?/);
    if (word) {
      const w = word[0];
      if (OPENS.test(w)) state.depth += 1;
      if (w === 'end') state.depth = Math.max(0, state.depth - 1);
      if (w === 'true' || w === 'false') return 'bool';
      if (w === 'nil') return 'null';
      if (DEFINITIONS.has(w)) return 'definitionKeyword';
      if (KEYWORDS.has(w)) return 'keyword';
      if (stream.peek() === '(') return 'variableName.function';
      return 'variableName';
    }
    if (stream.match(/^[([{]/)) { state.depth += 1; return 'bracket'; }
    if (stream.match(/^[)\]}]/)) { state.depth = Math.max(0, state.depth - 1); return 'bracket'; }
    if (stream.match(/^(?:\|>|<>|->|<-|=>|\+\+|--|===?|!==?|<=|>=|&&|\|\||\.\.|::|\\\\|[+\-*\/<>=!&|^~%.])/)) return 'operator';
    stream.next();
    return null;
  },
  indent(state, textAfter, cx) {
    const closing = /^\s*(end\b|else\b|after\b|rescue\b|catch\b|[)\]}])/.test(textAfter);
    return Math.max(0, state.depth - (closing ? 1 : 0)) * (cx.unit || INDENT_UNIT);
  },
  languageData: {
    commentTokens: { line: '#' },
    indentOnInput: /^\s*(end|else|after|rescue|catch|[)\]}])$/,
    closeBrackets: { brackets: ['(', '[', '{', '"'] },
  },
};

export const elixirLanguage = StreamLanguage.define(elixirMode);
