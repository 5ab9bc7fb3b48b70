/**
 * Which files hold a dataset config's split: the card's `configs:` front matter (a small YAML subset
 * parser in yaml.ts, enough for the shapes the Hub writes) and glob matching like the Hub's data_files
 * patterns.
 */
import { parseYamlBlock, type YamlValue } from "./yaml.js";

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
