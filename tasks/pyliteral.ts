/**
 * A parser for the one Python literal shape the benchmarks store as text: a list of strings, as
 * `ast.literal_eval` reads it (MMMU's `options` column, e.g. `['a', "b's", '<image 1>']`).
 * Supports single/double/triple quotes, the `u`/`r` prefixes, every Python string escape except
 * `\N{name}`, adjacent-literal concatenation (`'a' 'b'` is one string) and a trailing comma.
 * Anything else (numbers, nested lists, bytes) is rejected with the offset of the problem.
 */

/** Thrown for text that is not a Python list of strings; `offset` points at the problem. */
export class PyLiteralError extends Error {
  /** Character offset in the input where parsing failed. */
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(`${message} at offset ${offset}`);
    this.name = "PyLiteralError";
    this.offset = offset;
  }
}

const SIMPLE_ESCAPES: Record<string, string> = {
  "\\": "\\",
  "'": "'",
  '"': '"',
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
};

/** The text being parsed and the offset reached. */
interface Cursor {
  /** The whole input. */
  readonly text: string;
  /** Offset of the next character to read. */
  i: number;
}

function skipSpace(c: Cursor): void {
  // literal_eval parses an expression: newlines and tabs between tokens are fine.
  while (c.i < c.text.length && " \t\n\r\f\v".includes(c.text[c.i]!)) c.i++;
}

/** Reads a string prefix (`u`, `r`, `ur`…); true when it makes the string raw. */
function readPrefix(c: Cursor): boolean {
  const start = c.i;
  let raw = false;
  while (c.i < c.text.length && /[rRuUbBfF]/.test(c.text[c.i]!)) {
    const p = c.text[c.i]!.toLowerCase();
    if (p === "b") throw new PyLiteralError("bytes literals are not strings", c.i);
    if (p === "f") throw new PyLiteralError("f-strings are not literals", c.i);
    if (p === "r") raw = true;
    c.i++;
    if (c.i - start > 2) throw new PyLiteralError("invalid string prefix", start);
  }
  return raw;
}

/** The text of the escape `\<e>` of a non-raw string; the cursor is just after `e` and moves past its digits. */
function readEscape(c: Cursor, e: string): string {
  const { text } = c;
  const simple = SIMPLE_ESCAPES[e];
  if (simple !== undefined) return simple;
  // Backslash-newline is a line continuation: nothing is added.
  if (e === "\n") return "";
  if (e >= "0" && e <= "7") {
    let digits = e;
    while (digits.length < 3 && c.i < text.length && text[c.i]! >= "0" && text[c.i]! <= "7")
      digits += text[c.i++];
    return String.fromCodePoint(Number.parseInt(digits, 8));
  }
  if (e === "x" || e === "u" || e === "U") {
    const len = e === "x" ? 2 : e === "u" ? 4 : 8;
    const hex = text.slice(c.i, c.i + len);
    if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) {
      throw new PyLiteralError(`truncated \\${e} escape`, c.i - 2);
    }
    const cp = Number.parseInt(hex, 16);
    if (cp > 0x10ffff) throw new PyLiteralError(`\\${e} escape out of range`, c.i - 2);
    c.i += len;
    return String.fromCodePoint(cp);
  }
  if (e === "N") throw new PyLiteralError("\\N{name} escapes are not supported", c.i - 2);
  // Python keeps unknown escapes verbatim (with a warning).
  return `\\${e}`;
}

/** Reads one string literal (prefix, quotes, body) and returns its value. */
function readString(c: Cursor): string {
  const { text } = c;
  const start = c.i;
  const raw = readPrefix(c);
  const q = text[c.i];
  if (q !== "'" && q !== '"') throw new PyLiteralError("expected a string", start);
  const triple = text.startsWith(q.repeat(3), c.i);
  const delim = triple ? q.repeat(3) : q;
  c.i += delim.length;
  let out = "";
  for (;;) {
    if (c.i >= text.length) throw new PyLiteralError("unterminated string", start);
    if (text.startsWith(delim, c.i)) {
      c.i += delim.length;
      return out;
    }
    const ch = text[c.i]!;
    if (!triple && (ch === "\n" || ch === "\r")) throw new PyLiteralError("newline inside a string", c.i);
    if (ch !== "\\") {
      out += ch;
      c.i++;
      continue;
    }
    const e = text[c.i + 1];
    if (e === undefined) throw new PyLiteralError("unterminated string", start);
    c.i += 2;
    // Raw strings keep the backslash; it still stops the quote from ending the string.
    out += raw ? ch + e : readEscape(c, e);
  }
}

/** Reads one list item: a string literal and any adjacent ones, concatenated as in Python source. */
function readItem(c: Cursor): string {
  let value = readString(c);
  skipSpace(c);
  while (c.i < c.text.length && /['"rRuUbBfF]/.test(c.text[c.i]!)) {
    value += readString(c);
    skipSpace(c);
  }
  return value;
}

/** Parses a Python list-of-strings literal; throws PyLiteralError on anything else. */
export function parsePyStringList(text: string): string[] {
  const c: Cursor = { text, i: 0 };
  skipSpace(c);
  if (text[c.i] !== "[") throw new PyLiteralError("expected '['", c.i);
  c.i++;
  const items: string[] = [];
  for (;;) {
    skipSpace(c);
    if (text[c.i] === "]") {
      c.i++;
      break;
    }
    items.push(readItem(c));
    if (text[c.i] === ",") {
      c.i++;
      continue;
    }
    if (text[c.i] === "]") {
      c.i++;
      break;
    }
    throw new PyLiteralError(c.i >= text.length ? "unterminated list" : "expected ',' or ']'", c.i);
  }
  skipSpace(c);
  if (c.i !== text.length) throw new PyLiteralError("unexpected text after the list", c.i);
  return items;
}
