/**
 * Which files hold a dataset config's split: the card's `configs:` front matter (a small YAML subset
 * parser, enough for the shapes the Hub writes) and glob matching like the Hub's data_files patterns.
 */

/** A parsed YAML value (scalars stay strings: we only need names and paths). */
export type YamlValue = string | null | YamlValue[] | { [key: string]: YamlValue };

/** One entry of the card's `configs:` list. */
export interface CardConfig {
  /** `config_name` (default `default`). */
  name: string;
  /** Split → path patterns, in card order. */
  dataFiles: Record<string, string[]>;
  /** `default: true`: the config `datasets.load_dataset` picks when none is named. */
  default?: true;
  /** `data_dir`: the folder the split conventions apply under when there are no data_files. */
  dataDir?: string;
}

interface Line {
  indent: number;
  text: string;
}

/** The YAML front matter between the leading `---` lines, or null when there is none. */
export function frontMatter(card: string): string | null {
  const text = card.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  if (!text.startsWith("---\n")) return null;
  const end = text.indexOf("\n---", 3);
  return end < 0 ? null : text.slice(4, end + 1);
}

/** The card's `configs:` entries; empty when the card has none. Throws on a malformed configs block. */
export function parseCardConfigs(card: string): CardConfig[] {
  const fm = frontMatter(card);
  if (fm === null) return [];
  const lines = fm.split("\n");
  const start = lines.findIndex((l) => /^(configs|"configs"|'configs'):\s*(#.*)?$/.test(l));
  if (start < 0) return [];
  const block: string[] = [];
  for (const l of lines.slice(start + 1)) {
    // The block ends at the next top-level key; top-level `- ` items still belong to it.
    if (/^[^\s#-]/.test(l) || /^-[^\s]/.test(l)) break;
    block.push(l);
  }
  const value = parseYamlBlock(block.join("\n"));
  if (!Array.isArray(value)) throw new Error("`configs:` is not a list");
  return value.map((entry, i) => toConfig(entry, i));
}

function toConfig(entry: YamlValue, index: number): CardConfig {
  if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
    throw new Error(`configs[${index}] is not a mapping`);
  }
  const name = typeof entry.config_name === "string" ? entry.config_name : "default";
  const isDefault = typeof entry.default === "string" && /^(true|True|TRUE|yes)$/.test(entry.default);
  const dataDir = typeof entry.data_dir === "string" ? entry.data_dir.replace(/^\.?\/+|\/+$/g, "") : "";
  return {
    name,
    dataFiles: dataFiles(entry.data_files ?? null, name),
    ...(isDefault ? { default: true as const } : {}),
    ...(dataDir !== "" ? { dataDir } : {}),
  };
}

function asStrings(value: YamlValue, where: string): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value as string[];
  throw new Error(`${where} must be a path or a list of paths`);
}

/** data_files as the Hub accepts it: a path, a list of paths (split `train`), `[{split, path}]`, or `{split: path}`. */
function dataFiles(value: YamlValue, config: string): Record<string, string[]> {
  const where = `data_files of config '${config}'`;
  if (value === null) return {};
  if (typeof value === "string") return { train: [value] };
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === "string")) return { train: value as string[] };
    const out: Record<string, string[]> = {};
    for (const item of value) {
      if (
        item === null ||
        typeof item !== "object" ||
        Array.isArray(item) ||
        typeof item.split !== "string"
      ) {
        throw new Error(`${where}: every entry needs 'split' and 'path'`);
      }
      out[item.split] = [
        ...(out[item.split] ?? []),
        ...asStrings(item.path ?? null, `${where} split ${item.split}`),
      ];
    }
    return out;
  }
  const out: Record<string, string[]> = {};
  for (const [split, paths] of Object.entries(value))
    out[split] = asStrings(paths, `${where} split ${split}`);
  return out;
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

/** A data_files glob as a RegExp: `*` and `?` stay inside a path segment, `**` crosses them, `{a,b}` alternates. */
export function globToRegExp(pattern: string): RegExp {
  let re = "";
  for (let k = 0; k < pattern.length; k++) {
    const c = pattern[k]!;
    if (c === "*") {
      if (pattern[k + 1] === "*") {
        // `**/` matches zero or more folders; a bare `**` anything.
        if (pattern[k + 2] === "/") {
          re += "(?:.*/)?";
          k += 2;
        } else {
          re += ".*";
          k += 1;
        }
      } else re += "[^/]*";
    } else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const close = pattern.indexOf("]", k + 1);
      if (close < 0) re += "\\[";
      else {
        const body = pattern
          .slice(k + 1, close)
          .replace(/^!/, "^")
          .replace(/\\/g, "\\\\");
        re += `[${body}]`;
        k = close;
      }
    } else if (c === "{") {
      const close = pattern.indexOf("}", k + 1);
      if (close < 0) re += "\\{";
      else {
        const alts = pattern
          .slice(k + 1, close)
          .split(",")
          .map((a) => globToRegExp(a).source.slice(1, -1));
        re += `(?:${alts.join("|")})`;
        k = close;
      }
    } else re += c.replace(/[.+^$()|\\/]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/** Patterns tried when the card has no `configs:` (the Hub's own conventions for parquet repos). */
export function conventionPatterns(config: string, split: string): string[] {
  const patterns = [
    `${config}/${split}-*.parquet`,
    `${config}/${split}/*.parquet`,
    `data/${split}-*.parquet`,
  ];
  if (config === "default") patterns.push(`data/${split}-*`, `${split}-*.parquet`);
  return patterns;
}

/** What a lookup found: the matching repo paths (sorted), or why there are none. */
export type SplitFiles = { ok: true; files: string[]; patterns: string[] } | { ok: false; problem: string };

/** The repo files of a config's split, from the card's configs or (when it has none) the conventions. */
export function splitFiles(
  configs: CardConfig[],
  paths: string[],
  config: string,
  split: string,
): SplitFiles {
  let patterns: string[];
  if (configs.length > 0) {
    // A task's "default" is what load_dataset picks without a name: the `default: true` config, or the only one.
    const cfg =
      configs.find((c) => c.name === config) ??
      (config === "default"
        ? (configs.find((c) => c.default) ?? (configs.length === 1 ? configs[0] : undefined))
        : undefined);
    if (cfg === undefined) {
      return {
        ok: false,
        problem: `the dataset card has no config '${config}' (configs: ${configs.map((c) => c.name).join(", ")})`,
      };
    }
    const noFiles = Object.keys(cfg.dataFiles).length === 0;
    // A config with only data_dir (or nothing) gets the folder conventions under that folder.
    const p = noFiles
      ? cfg.dataDir !== undefined
        ? [`${cfg.dataDir}/${split}-*`, `${cfg.dataDir}/${split}/*`, `${cfg.dataDir}/data/${split}-*`]
        : conventionPatterns(config, split)
      : cfg.dataFiles[split];
    if (p === undefined) {
      return {
        ok: false,
        problem: `config '${config}' has no split '${split}' (splits: ${Object.keys(cfg.dataFiles).join(", ") || "none"})`,
      };
    }
    patterns = p;
  } else {
    patterns = conventionPatterns(config, split);
  }
  const regs = patterns.map(globToRegExp);
  const files = paths.filter((p) => regs.some((r) => r.test(p))).sort();
  if (files.length === 0) {
    return {
      ok: false,
      problem: `no file matches ${patterns.join(" or ")} for config '${config}' split '${split}'`,
    };
  }
  return { ok: true, files, patterns };
}
