/**
 * MMMU as lmms-eval v0.3.0 scores it (= the official MMMU eval code, except the multiple-choice parser's
 * extra lmms-eval rules noted below). Later lmms-eval versions keep only `str(parsed[0])` for open questions,
 * which breaks them; we follow v0.3.0 deliberately.
 *
 * Multiple choice (`parse_multi_choice_response`): strip , . ! ? ; : ' from both ends (one character kind
 * after another), pad with a space each side; candidates are the letters X with "(X)" in the text; else
 * with "X " (lmms-eval: no leading space, so "DNA is" yields A); else with "X."; else, when the text has
 * more than 5 words, the options whose text occurs in it (case-insensitive). Several candidates → the one
 * whose last occurrence ("(X)", " X " or the option text) is furthest right, ties to the earlier letter.
 * No candidate → the reference calls `random.choice`; we draw from an RNG seeded with the sample id (so the
 * pick is reproducible and independent of order) and flag it: `parseOk: false`, rule `random_fallback`.
 *
 * Open (`parse_open_response`): lower-cased, stripped, "." stripped; per line the shortest tail after an
 * indicator ("could be ", "so ", "is ", "thus ", "therefore ", "final ", "answer ", "result ", plus "="
 * on the last line); every number found in those tails is added; each item is normalised (`normalize_str`:
 * a number → float without commas, rounded to 2 decimals; else lower-case, and a single character x becomes
 * " x" and "x "); duplicates dropped. Correct (`eval_open`) when a parsed float equals a normalised gold
 * float, or a normalised gold string is a substring of a parsed string.
 *
 * Aggregates (`mmmu_aggregate_results`): `accuracy` (= "Overall"), `Overall-<discipline>` for all six
 * disciplines (0 when a discipline has no samples, as the reference prints it), one entry per subject that
 * belongs to a discipline, all instance-weighted and rounded to 5 decimals with Python `round`;
 * plus `parse_failure_rate` and `random_fallbacks` (how many multiple-choice picks were random).
 */
import type { Breakdown, Json, ScoredSample, Scorer } from "../src/core/types.js";
import { randomInt, rngFromSeed } from "../src/stats/rng.js";
import {
  checkStringArrayField,
  checkStringField,
  isRecord,
  meanMetric,
  PARSE_FAILURE_RATE,
  parseFailureRate,
} from "./common.js";
import {
  PY_SPACE_CLASS,
  PY_WORD_CLASS,
  pyFloat,
  pyLen,
  pyLower,
  pyRound,
  pySplit,
  pyStrip,
  pyStripChars,
} from "./python.js";

/** MMMU reference. */
export interface MmmuRef {
  [key: string]: Json;
  /** Gold answer as stored (a letter for multiple choice; free text for open). */
  answer: string;
  /** "multiple-choice" or "open". */
  questionType: string;
  /** The options list after Python-literal parsing (empty for open questions). */
  options: string[];
  /** Subject parsed from the id (`validation_Art_Theory_12` → `Art_Theory`). */
  subject: string;
}

/** Disciplines and their subjects, exactly as the reference's `DOMAIN_CAT2SUB_CAT`. */
export const DOMAIN_CAT2SUB_CAT: Readonly<Record<string, readonly string[]>> = {
  "Art and Design": ["Art", "Art_Theory", "Design", "Music"],
  Business: ["Accounting", "Economics", "Finance", "Manage", "Marketing"],
  Science: ["Biology", "Chemistry", "Geography", "Math", "Physics"],
  "Health and Medicine": [
    "Basic_Medical_Science",
    "Clinical_Medicine",
    "Diagnostics_and_Laboratory_Medicine",
    "Pharmacy",
    "Public_Health",
  ],
  "Humanities and Social Science": ["History", "Literature", "Sociology", "Psychology"],
  "Tech and Engineering": [
    "Agriculture",
    "Architecture_and_Engineering",
    "Computer_Science",
    "Electronics",
    "Energy_and_Power",
    "Materials",
    "Mechanical_Engineering",
  ],
};

/** A normalised open-answer item: a float (JS number) or a lower-cased string. */
export type OpenItem = number | string;

/** The result of the multiple-choice parser. */
export interface McParse {
  /** The chosen letter ("" only when there are no options). */
  letter: string;
  /** Which rule chose it. */
  rule: "bracket" | "letter_space" | "letter_period" | "option_text" | "random_fallback" | "no_options";
}

/** Letters A, B, … for n options (`chr(ord("A") + i)`). */
export function choiceLetters(n: number): string[] {
  return Array.from({ length: n }, (_, i) => String.fromCharCode(65 + i));
}

/** `parse_multi_choice_response`, with the random fallback seeded by `seed` (the sample id). */
export function parseMultiChoice(prediction: string, options: readonly string[], seed: string): McParse {
  let response = prediction;
  for (const ch of [",", ".", "!", "?", ";", ":", "'"]) response = pyStripChars(response, ch);
  response = ` ${response} `;
  const letters = choiceLetters(options.length);
  let candidates: string[] = letters.filter((c) => response.includes(`(${c})`));
  let rule: McParse["rule"] = "bracket";
  if (candidates.length === 0) {
    rule = "letter_space";
    candidates = letters.filter((c) => response.includes(`${c} `));
  }
  if (candidates.length === 0) {
    rule = "letter_period";
    candidates = letters.filter((c) => response.includes(`${c}.`));
  }
  const lowerResponse = pyLower(response);
  if (candidates.length === 0 && pySplit(response).length > 5) {
    rule = "option_text";
    candidates = letters.filter((_, i) => lowerResponse.includes(pyLower(options[i]!)));
  }
  if (candidates.length === 0) {
    if (letters.length === 0) return { letter: "", rule: "no_options" };
    const rng = rngFromSeed(`mmmu:${seed}`);
    return { letter: letters[randomInt(rng, letters.length)]!, rule: "random_fallback" };
  }
  if (candidates.length === 1) return { letter: candidates[0]!, rule };
  const position = (c: string): number => {
    if (rule === "bracket") return response.lastIndexOf(`(${c})`);
    if (rule === "option_text") return lowerResponse.lastIndexOf(pyLower(options[letters.indexOf(c)]!));
    // "X " and "X." candidates are located by " X " (often -1: then the earliest candidate wins).
    return response.lastIndexOf(` ${c} `);
  };
  let best = candidates[0]!;
  let bestPos = position(best);
  for (const c of candidates.slice(1)) {
    const p = position(c);
    if (p > bestPos) {
      best = c;
      bestPos = p;
    }
  }
  return { letter: best, rule };
}

const W = PY_WORD_CLASS;
const NUMBER_PATTERNS = [
  // with thousands separators: -?\b\d{1,3}(?:,\d{3})+\b
  new RegExp(`-?(?<![${W}])\\p{Nd}{1,3}(?:,\\p{Nd}{3})+(?![${W}])`, "gu"),
  // scientific: -?\d+(?:\.\d+)?[eE][+-]?\d+
  /-?\p{Nd}+(?:\.\p{Nd}+)?[eE][+-]?\p{Nd}+/gu,
  // simple: -?(?:\d+\.\d+|\.\d+|\d+\b)(?![eE][+-]?\d+)(?![,\d])
  new RegExp(
    `-?(?:\\p{Nd}+\\.\\p{Nd}+|\\.\\p{Nd}+|\\p{Nd}+(?![${W}]))(?![eE][+-]?\\p{Nd}+)(?![,\\p{Nd}])`,
    "gu",
  ),
];

/** `extract_numbers`: every comma number, then scientific, then simple number, as matched text. */
export function extractNumbers(s: string): string[] {
  const out: string[] = [];
  for (const re of NUMBER_PATTERNS) for (const m of s.matchAll(re)) out.push(m[0]);
  return out;
}

/** `normalize_str`. */
export function normalizeStr(input: string): OpenItem[] {
  const s = pyStrip(input);
  const value = pyFloat(s.replaceAll(",", ""));
  if (value !== null) return [pyRound(value, 2)];
  const lower = pyLower(s);
  return pyLen(lower) === 1 ? [` ${lower}`, `${lower} `] : [lower];
}

const INDICATORS = ["could be ", "so ", "is ", "thus ", "therefore ", "final ", "answer ", "result "];
const TRIVIAL = new Set([":", ",", ".", "!", "?", ";", "'"]);
const SUB_SPLIT = new RegExp(`\\.[${PY_SPACE_CLASS}](?=[A-Z])|\\n`, "u");

/** `get_key_subresponses`. */
export function keySubresponses(prediction: string): string[] {
  const response = pyLower(pyStripChars(pyStrip(prediction), "."));
  const subs = response.split(SUB_SPLIT);
  const keys: string[] = [];
  subs.forEach((resp, index) => {
    const indicators = index === subs.length - 1 ? [...INDICATORS, "="] : INDICATORS;
    let shortest: string | null = null;
    for (const ind of indicators) {
      const at = resp.lastIndexOf(ind);
      if (at < 0) continue;
      const tail = pyStrip(resp.slice(at + ind.length));
      // `not shortest` in the reference: an empty tail found earlier is replaced by any later one.
      if (!shortest || pyLen(tail) < pyLen(shortest)) shortest = tail;
    }
    if (shortest && !TRIVIAL.has(pyStrip(shortest))) keys.push(shortest);
  });
  return keys.length === 0 ? [response] : keys;
}

/** `parse_open_response`: normalised items, duplicates removed (first occurrence kept). */
export function parseOpen(prediction: string): OpenItem[] {
  const keys = keySubresponses(prediction);
  const items = [...keys];
  for (const k of keys) items.push(...extractNumbers(k));
  const out: OpenItem[] = [];
  for (const item of items.flatMap(normalizeStr)) {
    // Python set semantics: equal floats (0.0 == -0.0) collapse; NaN never equals anything.
    if (!out.some((o) => o === item)) out.push(item);
  }
  return out;
}

/** `eval_open` with a string gold answer. */
export function evalOpen(gold: string, parsed: readonly OpenItem[]): boolean {
  const golds = normalizeStr(gold);
  for (const pred of parsed) {
    if (typeof pred === "string") {
      if (golds.some((g) => typeof g === "string" && pred.includes(g))) return true;
    } else if (golds.some((g) => g === pred)) return true;
  }
  return false;
}

/** JSON form of parsed open items (non-finite floats as their Python repr strings). */
function openItemsJson(items: readonly OpenItem[]): Json {
  return items.map((x) =>
    typeof x === "string" || Number.isFinite(x)
      ? x
      : Number.isNaN(x)
        ? "float('nan')"
        : x > 0
          ? "float('inf')"
          : "float('-inf')",
  );
}

/** Instance-weighted accuracy over subjects (`calculate_ins_level_acc`), in the given subject order. */
function insLevelAcc(subjects: readonly { acc: number; n: number }[]): number {
  let acc = 0;
  let n = 0;
  for (const s of subjects) {
    acc += s.acc * s.n;
    n += s.n;
  }
  return n === 0 ? 0 : acc / n;
}

/** `Overall-<discipline>` and the per-subject accuracies `mmmu_aggregate_results` reports. */
const MMMU_BREAKDOWNS: readonly Breakdown[] = [
  {
    metric: "accuracy",
    by: "MMMU discipline (Overall-<discipline>)",
    matches: (name) => name.startsWith("Overall-") && name.slice("Overall-".length) in DOMAIN_CAT2SUB_CAT,
  },
  {
    metric: "accuracy",
    by: "MMMU subject",
    matches: (name) => Object.values(DOMAIN_CAT2SUB_CAT).some((subjects) => subjects.includes(name)),
  },
];

/** The MMMU scorer. */
export const mmmu: Scorer<MmmuRef> = {
  name: "mmmu",
  version: 1,
  primary: "accuracy",
  metrics: {
    accuracy: meanMetric("accuracy over every question (the reference's Overall, rounded to 5 decimals)"),
    random_fallbacks: {
      description: "multiple-choice answers with no recognisable letter, answered by a seeded random pick",
      aggregation: "count",
      higherIsBetter: false,
      ci: { method: "bootstrap" },
    },
    parse_failure_rate: PARSE_FAILURE_RATE,
  },
  breakdowns: MMMU_BREAKDOWNS,
  scoreSample(prediction, reference, id) {
    const pred = pyStrip(prediction);
    if (reference.questionType === "multiple-choice") {
      const { letter, rule } = parseMultiChoice(pred, reference.options, id);
      return {
        score: letter === reference.answer ? 1 : 0,
        parsed: letter,
        parseOk: rule !== "random_fallback" && rule !== "no_options",
        rule,
      };
    }
    const items = parseOpen(pred);
    return {
      score: evalOpen(reference.answer, items) ? 1 : 0,
      parsed: openItemsJson(items),
      parseOk: true,
      rule: "open",
    };
  },
  aggregate(samples: ScoredSample<MmmuRef>[]) {
    // Subjects in order of first appearance (the reference's dict order), each with its plain accuracy.
    const bySubject = new Map<string, { correct: number; n: number }>();
    let fallbacks = 0;
    for (const s of samples) {
      const entry = bySubject.get(s.reference.subject) ?? { correct: 0, n: 0 };
      entry.correct += s.result.score === 1 ? 1 : 0;
      entry.n++;
      bySubject.set(s.reference.subject, entry);
      if (s.result.rule === "random_fallback") fallbacks++;
    }
    const subjectAcc = new Map([...bySubject].map(([k, v]) => [k, { acc: v.correct / v.n, n: v.n }]));
    const out: Record<string, number> = {};
    out.accuracy = pyRound(insLevelAcc([...subjectAcc.values()]), 5);
    for (const [domain, subjects] of Object.entries(DOMAIN_CAT2SUB_CAT)) {
      const present = subjects.filter((s) => subjectAcc.has(s));
      out[`Overall-${domain}`] = pyRound(insLevelAcc(present.map((s) => subjectAcc.get(s)!)), 5);
      for (const s of present) out[s] = pyRound(subjectAcc.get(s)!.acc, 5);
    }
    out.parse_failure_rate = parseFailureRate(samples);
    out.random_fallbacks = fallbacks;
    return out;
  },
  checkReference(ref) {
    if (!isRecord(ref)) return ["reference must be an object with answer, questionType, options and subject"];
    const problems = [
      ...checkStringField(ref, "answer"),
      ...checkStringField(ref, "questionType"),
      ...checkStringField(ref, "subject"),
      ...checkStringArrayField(ref, "options", false),
    ];
    if (ref.questionType === "multiple-choice" && Array.isArray(ref.options) && ref.options.length === 0) {
      problems.push("reference.options must not be empty for a multiple-choice question");
    }
    return problems;
  },
};
