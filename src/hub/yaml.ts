/**
 * The small YAML subset dataset cards use in their front matter (card.ts reads `configs:` with it):
 * block mappings and sequences, plain and quoted scalars, flow sequences and mappings. Scalars stay
 * strings: only names and paths are needed.
 */

/** A parsed YAML value (scalars stay strings: we only need names and paths). */
export type YamlValue = string | null | YamlValue[] | { [key: string]: YamlValue };

interface Line {
  indent: number;
  text: string;
}

/** Parses block YAML made of mappings, sequences, plain/quoted scalars and flow sequences. */
export function parseYamlBlock(text: string): YamlValue {
  const lines = logicalLines(text);
  if (lines.length === 0) return null;
  const [value, next] = parseNode(lines, 0);
  if (next < lines.length) throw new Error(`unexpected YAML at '${lines[next]!.text}'`);
  return value;
}

/** Drops blanks and comments; splits `- item` into a `-` marker line and the item one level deeper. */
function logicalLines(text: string): Line[] {
  const out: Line[] = [];
  for (const raw of text.split("\n")) {
    if (raw.trim() === "" || raw.trim().startsWith("#")) continue;
    if (raw.includes("\t")) throw new Error("tabs are not allowed in YAML indentation");
    let indent = raw.length - raw.trimStart().length;
    let rest = raw.trim();
    while (rest === "-" || rest.startsWith("- ")) {
      out.push({ indent, text: "-" });
      const after = rest.slice(1);
      const pad = after.length - after.trimStart().length;
      indent += 1 + pad;
      rest = after.trim();
      if (rest === "") break;
    }
    if (rest !== "") out.push({ indent, text: rest });
  }
  return out;
}

/** A node starting at line i; its indentation is that of its first line. */
function parseNode(lines: Line[], i: number): [YamlValue, number] {
  const line = lines[i]!;
  if (line.text === "-") return parseSeq(lines, i, line.indent);
  if (splitKey(line.text) !== null) return parseMap(lines, i, line.indent);
  return [scalar(line.text), i + 1];
}

function parseSeq(lines: Line[], i: number, indent: number): [YamlValue, number] {
  const items: YamlValue[] = [];
  let j = i;
  while (j < lines.length && lines[j]!.indent === indent && lines[j]!.text === "-") {
    const next = lines[j + 1];
    if (next === undefined || next.indent <= indent) {
      items.push(null);
      j += 1;
      continue;
    }
    const [value, after] = parseNode(lines, j + 1);
    items.push(value);
    j = after;
  }
  return [items, j];
}

function parseMap(lines: Line[], i: number, indent: number): [YamlValue, number] {
  const map: { [key: string]: YamlValue } = {};
  let j = i;
  while (j < lines.length && lines[j]!.indent === indent && lines[j]!.text !== "-") {
    const kv = splitKey(lines[j]!.text);
    if (kv === null) throw new Error(`expected 'key: value' at '${lines[j]!.text}'`);
    const [key, rest] = kv;
    j += 1;
    if (rest !== "") {
      map[key] = scalar(rest);
      continue;
    }
    const next = lines[j];
    // A sequence may sit at the same indent as its key (`configs:\n- …`).
    if (next !== undefined && (next.indent > indent || (next.indent === indent && next.text === "-"))) {
      const [value, after] = parseNode(lines, j);
      map[key] = value;
      j = after;
    } else {
      map[key] = null;
    }
  }
  return [map, j];
}

/** `key: rest` outside quotes, or null when the line is not a mapping entry. */
function splitKey(text: string): [string, string] | null {
  if (text.startsWith("[") || text.startsWith("{")) return null;
  let quote: string | null = null;
  for (let k = 0; k < text.length; k++) {
    const c = text[k]!;
    if (quote !== null) {
      if (c === quote) quote = null;
      continue;
    }
    if ((c === '"' || c === "'") && k === 0) {
      quote = c;
      continue;
    }
    if (c === ":" && (k + 1 === text.length || text[k + 1] === " ")) {
      const key = scalar(text.slice(0, k));
      return [typeof key === "string" ? key : String(key), text.slice(k + 1).trim()];
    }
  }
  return null;
}

function scalar(text: string): YamlValue {
  const t = text.trim();
  if (t.startsWith('"')) {
    const end = closingQuote(t, '"');
    return JSON.parse(t.slice(0, end + 1)) as string;
  }
  if (t.startsWith("'")) {
    const end = closingQuote(t, "'");
    return t.slice(1, end).replace(/''/g, "'");
  }
  if (t.startsWith("[")) return flowSeq(t);
  if (t.startsWith("{")) return flowMap(t);
  const plain = t.replace(/\s+#.*$/, "");
  return plain === "~" || plain === "null" ? null : plain;
}

function closingQuote(t: string, q: string): number {
  for (let k = 1; k < t.length; k++) {
    if (q === '"' && t[k] === "\\") {
      k++;
      continue;
    }
    if (t[k] === q) {
      if (q === "'" && t[k + 1] === "'") {
        k++;
        continue;
      }
      return k;
    }
  }
  throw new Error(`unterminated quote in '${t}'`);
}

/** Splits a flow collection's body on top-level commas (not inside quotes or nested brackets). */
function flowItems(body: string): string[] {
  const items: string[] = [];
  let cur = "";
  let quote: string | null = null;
  let depth = 0;
  for (const c of body) {
    if (quote !== null) {
      cur += c;
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      quote = c;
      cur += c;
    } else if (c === "," && depth === 0) {
      items.push(cur);
      cur = "";
    } else {
      if (c === "[" || c === "{") depth++;
      if (c === "]" || c === "}") depth--;
      cur += c;
    }
  }
  if (cur.trim() !== "") items.push(cur);
  return items.map((s) => s.trim());
}

function flowSeq(t: string): YamlValue[] {
  const end = t.lastIndexOf("]");
  if (end < 0) throw new Error(`unterminated '[' in '${t}'`);
  return flowItems(t.slice(1, end)).map(scalar);
}

/** A flow mapping such as `{split: test, path: [a, b]}`. */
function flowMap(t: string): YamlValue {
  const end = t.lastIndexOf("}");
  if (end < 0) throw new Error(`unterminated '{' in '${t}'`);
  const map: { [key: string]: YamlValue } = {};
  for (const item of flowItems(t.slice(1, end))) {
    const kv = splitKey(item);
    if (kv === null) throw new Error(`expected 'key: value' in '${t}'`);
    map[kv[0]] = kv[1] === "" ? null : scalar(kv[1]);
  }
  return map;
}
