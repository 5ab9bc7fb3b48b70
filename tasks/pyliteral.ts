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

/** Parses a Python list-of-strings literal; throws PyLiteralError on anything else. */
export function parsePyStringList(text: string): string[] {
  let i = 0;
  const n = text.length;
  const skipSpace = (): void => {
    // literal_eval parses an expression: newlines and tabs between tokens are fine.
    while (i < n && " \t\n\r\f\v".includes(text[i]!)) i++;
  };

  const readString = (): string => {
    const start = i;
    let raw = false;
    while (i < n && /[rRuUbBfF]/.test(text[i]!)) {
      const p = text[i]!.toLowerCase();
      if (p === "b") throw new PyLiteralError("bytes literals are not strings", i);
      if (p === "f") throw new PyLiteralError("f-strings are not literals", i);
      if (p === "r") raw = true;
      i++;
      if (i - start > 2) throw new PyLiteralError("invalid string prefix", start);
    }
    const q = text[i];
    if (q !== "'" && q !== '"') throw new PyLiteralError("expected a string", start);
    const triple = text.startsWith(q.repeat(3), i);
    const delim = triple ? q.repeat(3) : q;
    i += delim.length;
    let out = "";
    for (;;) {
      if (i >= n) throw new PyLiteralError("unterminated string", start);
      if (text.startsWith(delim, i)) {
        i += delim.length;
        return out;
      }
      const c = text[i]!;
      if (!triple && (c === "\n" || c === "\r")) throw new PyLiteralError("newline inside a string", i);
      if (c !== "\\") {
        out += c;
        i++;
        continue;
      }
      const e = text[i + 1];
      if (e === undefined) throw new PyLiteralError("unterminated string", start);
      if (raw) {
        // Raw strings keep the backslash; it still stops the quote from ending the string.
        out += c + e;
        i += 2;
        continue;
      }
      i += 2;
      const simple = SIMPLE_ESCAPES[e];
      if (simple !== undefined) {
        out += simple;
      } else if (e === "\n") {
        // Backslash-newline is a line continuation: nothing is added.
      } else if (e >= "0" && e <= "7") {
        let digits = e;
        while (digits.length < 3 && i < n && text[i]! >= "0" && text[i]! <= "7") digits += text[i++];
        out += String.fromCodePoint(Number.parseInt(digits, 8));
      } else if (e === "x" || e === "u" || e === "U") {
        const len = e === "x" ? 2 : e === "u" ? 4 : 8;
        const hex = text.slice(i, i + len);
        if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) {
          throw new PyLiteralError(`truncated \\${e} escape`, i - 2);
        }
        const cp = Number.parseInt(hex, 16);
        if (cp > 0x10ffff) throw new PyLiteralError(`\\${e} escape out of range`, i - 2);
        out += String.fromCodePoint(cp);
        i += len;
      } else if (e === "N") {
        throw new PyLiteralError("\\N{name} escapes are not supported", i - 2);
      } else {
        // Python keeps unknown escapes verbatim (with a warning).
        out += c + e;
      }
    }
  };

  skipSpace();
  if (text[i] !== "[") throw new PyLiteralError("expected '['", i);
  i++;
  const items: string[] = [];
  for (;;) {
    skipSpace();
    if (text[i] === "]") {
      i++;
      break;
    }
    let value = readString();
    skipSpace();
    // Adjacent string literals concatenate, as in Python source.
    while (i < n && /['"rRuUbBfF]/.test(text[i]!)) {
      value += readString();
      skipSpace();
    }
    items.push(value);
    if (text[i] === ",") {
      i++;
      continue;
    }
    if (text[i] === "]") {
      i++;
      break;
    }
    throw new PyLiteralError(i >= n ? "unterminated list" : "expected ',' or ']'", i);
  }
  skipSpace();
  if (i !== n) throw new PyLiteralError("unexpected text after the list", i);
  return items;
}
