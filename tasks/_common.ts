/**
 * Helpers shared by the task files: Python string semantics the reference prompts rely on, row field
 * readers that throw DataError naming the column, and doc/reference conversion.
 */
import { DataError } from "../src/core/errors.js";
import type { ImageInput, Json, RawRow } from "../src/core/types.js";

/** The LLaVA-1.5 short-answer suffix used by GQA, TextVQA, DocVQA and POPE. */
export const SHORT_ANSWER = "\nAnswer the question using a single word or phrase.";
/** The multiple-choice instruction used by SEED-Bench and MMMU. */
export const MC_ANSWER = "Answer with the option's letter from the given choices directly.";

// Python's whitespace semantics have one home, shared with the scorers (the prompts strip like Python).
export { isPySpace, pyStrip } from "../scorers/python.js";

// Characters whose titlecase differs from String#toUpperCase (SpecialCasing.txt, UnicodeData.txt).
const TITLE_SPECIAL: Record<number, string> = {
  452: "\u01c5",
  453: "\u01c5",
  454: "\u01c5",
  455: "\u01c8",
  456: "\u01c8",
  457: "\u01c8",
  458: "\u01cb",
  459: "\u01cb",
  460: "\u01cb",
  497: "\u01f2",
  498: "\u01f2",
  499: "\u01f2",
  329: "\u02bcN",
  8114: "\u1fba\u0345",
  8116: "\u0386\u0345",
  8119: "\u0391\u0342\u0345",
  8130: "\u1fca\u0345",
  8132: "\u0389\u0345",
  8135: "\u0397\u0342\u0345",
  8178: "\u1ffa\u0345",
  8180: "\u038f\u0345",
  8183: "\u03a9\u0342\u0345",
  8115: "\u1fbc",
  8124: "\u1fbc",
  8131: "\u1fcc",
  8140: "\u1fcc",
  8179: "\u1ffc",
  8188: "\u1ffc",
};

/** Python's titlecase mapping of one code point (full mapping, so "ß" → "Ss", "ǆ" → "ǅ"). */
export function pyTitleChar(ch: string): string {
  const cp = ch.codePointAt(0)!;
  const special = TITLE_SPECIAL[cp];
  if (special !== undefined) return special;
  // Greek with ypogegrammeni: lower forms map to the titlecase (prosgegrammeni) forms, which map to themselves.
  if (cp >= 0x1f80 && cp <= 0x1faf) {
    return String.fromCodePoint((cp & ~0x0f) | (cp & 0x07) | 0x08);
  }
  // Georgian Mkhedruli has uppercase (Mtavruli) forms but titlecases to itself.
  if ((cp >= 0x10d0 && cp <= 0x10fa) || (cp >= 0x10fd && cp <= 0x10ff)) return ch;
  const upper = ch.toUpperCase();
  const cps = [...upper];
  // Multi-character uppercase (ligatures, ß, Armenian ech-yiwn): titlecase keeps the rest lower.
  return cps.length > 1 ? cps[0]! + cps.slice(1).join("").toLowerCase() : upper;
}

/** Python 3.8+ `str.capitalize()`: first character titlecased, the rest lower-cased. */
export function pyCapitalize(s: string): string {
  if (s.length === 0) return s;
  const first = String.fromCodePoint(s.codePointAt(0)!);
  const rest = s.slice(first.length);
  // JS toLowerCase applies the final-sigma rule like Python's lower(); lowering the rest on its own
  // would misjudge a sigma right after the first letter, so lower the whole string and drop the head.
  const lowered = (first + rest).toLowerCase();
  const loweredFirst = first.toLowerCase();
  return pyTitleChar(first) + lowered.slice(loweredFirst.length);
}

/** Reads a required string column. */
export function str(raw: RawRow, column: string): string {
  const v = raw[column];
  if (typeof v !== "string") throw columnError(column, "a string", v);
  return v;
}

/** Reads a required integer column (int32, or int64 already converted to number). */
export function int(raw: RawRow, column: string): number {
  const v = raw[column];
  if (typeof v === "bigint") {
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new DataError(`Column '${column}': integer ${v} is outside the safe range.`);
    }
    return Number(v);
  }
  if (typeof v !== "number" || !Number.isInteger(v)) throw columnError(column, "an integer", v);
  return v;
}

/** Reads a required id column: a string, or an integer (int32/int64, number or bigint) as its decimal form. */
export function idStr(raw: RawRow, column: string): string {
  const v = raw[column];
  if (typeof v === "string") return v;
  if (typeof v === "bigint" || (typeof v === "number" && Number.isInteger(v))) return String(v);
  throw columnError(column, "a string or integer id", v);
}

/** Reads a required integer column that some copies store as a decimal string ("3"). */
export function intLike(raw: RawRow, column: string): number {
  const v = raw[column];
  if (typeof v === "string" && /^\s*-?\d+\s*$/.test(v)) return Number(v);
  return int(raw, column);
}

/**
 * Reads a reference-answers column: a list of strings where some copies hold nulls. Null entries are
 * dropped (they can match nothing; lmms-eval would crash on them); a list with no string is an error.
 */
export function answerList(raw: RawRow, column: string): string[] {
  const v = raw[column];
  if (!Array.isArray(v)) throw columnError(column, "a list of strings", v);
  const bad = v.findIndex((x) => typeof x !== "string" && x !== null);
  if (bad >= 0) throw columnError(`${column}[${bad}]`, "a string", v[bad]);
  const out = v.filter((x): x is string => typeof x === "string");
  if (out.length === 0) throw columnError(column, "at least one answer string", v);
  return out;
}

/** Reads a required list-of-strings column (a helper for task files; @public). */
export function strList(raw: RawRow, column: string): string[] {
  const v = raw[column];
  if (!Array.isArray(v)) throw columnError(column, "a list of strings", v);
  const bad = v.findIndex((x) => typeof x !== "string");
  if (bad >= 0) throw columnError(`${column}[${bad}]`, "a string", v[bad]);
  return v as string[];
}

/**
 * An HF `Image` struct as an ImageInput, or null when the value is not one. A struct with null bytes but a
 * path (an image stored outside the parquet) cannot be loaded: it becomes an empty image whose source says
 * why, so that sample fails at the model stage with that message instead of the whole load failing.
 */
function imageInput(v: unknown, source: string): ImageInput | null {
  if (v === null || typeof v !== "object" || Array.isArray(v) || v instanceof Uint8Array) return null;
  const { bytes, path } = v as { bytes?: unknown; path?: unknown };
  if (bytes instanceof Uint8Array) return { bytes, source };
  if ((bytes === null || bytes === undefined) && typeof path === "string" && path !== "") {
    return {
      bytes: new Uint8Array(0),
      source: `${source} (no bytes in the parquet, only the path ${JSON.stringify(path)}, which cannot be loaded)`,
    };
  }
  return null;
}

/** Reads a required HF `Image` column (`{bytes, path}`); the bytes are not decoded here. */
export function image(raw: RawRow, column: string, source = column): ImageInput {
  const v = raw[column];
  const img = imageInput(v, source);
  if (img === null) {
    throw columnError(column, "an Image struct {bytes, path} with bytes", v);
  }
  return img;
}

/** Reads an optional HF `Image` column: null when the column is null or absent (a helper for task files; @public). */
export function optionalImage(raw: RawRow, column: string): ImageInput | null {
  const v = raw[column];
  if (v === null || v === undefined) return null;
  return image(raw, column);
}

/** Reads a `Sequence(Image)` column (SEED-Bench `image`); a copy storing one Image struct gives one image. */
export function imageList(raw: RawRow, column: string): ImageInput[] {
  const v = raw[column];
  if (!Array.isArray(v)) {
    const single = imageInput(v, `${column}[0]`);
    if (single === null) throw columnError(column, "a list of Image structs", v);
    return [single];
  }
  return v.map((item, k) => {
    const img = imageInput(item, `${column}[${k}]`);
    if (img === null) throw columnError(`${column}[${k}]`, "an Image struct {bytes, path} with bytes", item);
    return img;
  });
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "missing";
  if (Array.isArray(v)) return "a list";
  if (v instanceof Uint8Array) return "binary";
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return typeof v;
}

/** DataError for a column that is missing or has the wrong type. */
export function columnError(column: string, expected: string, got: unknown): DataError {
  return new DataError(
    `Column '${column}': expected ${expected}, got ${describe(got)}.`,
    "The dataset does not have the schema this task expects; check --dataset-repo/--revision.",
  );
}

/** Converts a decoded parquet value to JSON, dropping binary (image bytes). */
export function toJson(v: unknown): Json | undefined {
  if (v === null || v === undefined) return null;
  if (typeof v === "string" || typeof v === "boolean") return v;
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Uint8Array) return undefined;
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map((x) => toJson(x) ?? null);
  if (typeof v === "object") {
    const out: { [key: string]: Json } = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      const j = toJson(x);
      if (j !== undefined) out[k] = j;
    }
    return out;
  }
  return null;
}

/** The row's own fields as JSON, Hub names kept, the listed image columns left out. */
export function docOf(raw: RawRow, imageColumns: readonly string[]): Record<string, Json> {
  const doc: Record<string, Json> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (imageColumns.includes(k)) continue;
    const j = toJson(v);
    if (j !== undefined) doc[k] = j;
  }
  return doc;
}

/**
 * A task's image key (TaskDefinition.imageKey) from doc columns: their values joined by "/", or "" when one
 * is missing or not a string or integer (a copy without the column: the runner hashes the image bytes).
 */
export function imageKeyOf(doc: Record<string, Json>, ...columns: string[]): string {
  const parts: string[] = [];
  for (const c of columns) {
    const v = doc[c];
    if (typeof v === "string" && v !== "") parts.push(v);
    else if (typeof v === "number" && Number.isInteger(v)) parts.push(String(v));
    else return "";
  }
  return parts.join("/");
}

/** Collects every problem of a doc → reference conversion, then throws them all at once. */
export class RefProblems {
  private readonly problems: string[] = [];
  constructor(private readonly doc: Record<string, unknown>) {}

  /** A string field. */
  str(field: string): string {
    const v = this.doc[field];
    if (typeof v === "string") return v;
    this.problems.push(`'${field}' should be a string, got ${describe(v)}`);
    return "";
  }

  /** An integer field (some copies store it as a decimal string, "3"). */
  int(field: string): number {
    const v = this.doc[field];
    if (typeof v === "number" && Number.isInteger(v)) return v;
    if (typeof v === "string" && /^\s*-?\d+\s*$/.test(v)) return Number(v);
    this.problems.push(`'${field}' should be an integer, got ${describe(v)}`);
    return 0;
  }

  /** A list-of-strings field. */
  strList(field: string): string[] {
    const v = this.doc[field];
    if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v as string[];
    this.problems.push(`'${field}' should be a list of strings, got ${describe(v)}`);
    return [];
  }

  /** Reference answers: a list of strings, null entries dropped (see answerList); none left is a problem. */
  answers(field: string): string[] {
    const v = this.doc[field];
    if (Array.isArray(v) && v.every((x) => typeof x === "string" || x === null)) {
      const out = v.filter((x): x is string => typeof x === "string");
      if (out.length === 0) this.problems.push(`'${field}' is empty`);
      return out;
    }
    this.problems.push(`'${field}' should be a list of strings, got ${describe(v)}`);
    return [];
  }

  /** Records a problem found by the caller. */
  add(problem: string): void {
    this.problems.push(problem);
  }

  /** Throws one DataError listing every problem, if there were any. */
  check(task: string): void {
    if (this.problems.length === 0) return;
    throw new DataError(
      `${task}: invalid doc for the reference: ${this.problems.join("; ")}.`,
      "The doc must carry the Hub row's fields (as written by the runner in samples.jsonl).",
    );
  }
}

/** The id of a row without an id column: its position in the split (lmms-eval's `doc_id`), as a string. */
export function positionId(position: number | undefined): string {
  if (position === undefined || !Number.isInteger(position) || position < 0) {
    throw new DataError(
      "This task's rows have no id column: the sample id is the row's position in the split, and none was given.",
      "Load rows through loadSamples (src/data/samples.ts), which passes each row's position.",
    );
  }
  return String(position);
}

/** lmms-eval's lettered choices: `"A. first\nB. second…"` (letters from `chr(ord("A") + i)`). */
export function letteredChoices(choices: readonly string[]): string {
  return choices.map((c, i) => `${String.fromCharCode(65 + i)}. ${c}`).join("\n");
}

/** The multiple-choice suffix of AI2D and ScienceQA (a newline, then MC_ANSWER). */
export const MC_SUFFIX = `\n${MC_ANSWER}`;
