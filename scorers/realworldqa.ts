/**
 * RealWorldQA `realworldqa_process_results` (tasks/realworldqa/utils.py at 75571cfe). With `gt` the stripped
 * gold answer: when `gt.upper()` is A–D the prediction goes through lmms-eval's shared
 * `extract_mcq_answer(pred, ["A", "B", "C", "D"])` (tasks/_task_utils/mcq_extract.py) and must give
 * `gt.upper()`; otherwise `pred.lower().strip().rstrip(".") == gt.lower()`.
 *
 * `extract_mcq_answer`, literally: strip; strip each of , . ! ? ; : ' " in that order (one pass each); pad
 * with a space on both sides. Candidates (letter, position, format): "(X)" at its last occurrence
 * (priority 6), "X." (5), "X:" (4), "X)" (3), "X " (2); for each answer phrase found (first occurrence in the
 * lower-cased text), each letter's first occurrence after it (7); the stripped text starting with X not followed
 * by a letter (10, position 0) or ending with X not preceded by one (9, position len − 1); only when there is no
 * candidate at all, any occurrence (0, last position). The highest (priority, position) wins, the first
 * appended on a tie; none → "". So "Blue" falls back to B, and "I think it is A" ends with A.
 * Positions are Python code-point indices; the phrase position found in the *lower-cased* text is used as
 * an index into the original text, as the reference does (they differ only when lower-casing changes length).
 * lmms-eval v0.2.2 used a filter chain and plain string equality instead (see docs/benchmarks.md).
 */
import type { Json, ScoredSample, Scorer } from "../src/core/types.js";
import {
  checkStringField,
  isRecord,
  meanMetric,
  meanScore,
  PARSE_FAILURE_RATE,
  parseFailureRate,
} from "./common.js";
import { codePoints, pyLower, pyStrip, pyStripChars } from "./python.js";

/** RealWorldQA reference: the gold answer as stored (a letter A–D, or an open answer). */
export interface RealWorldQaRef {
  [key: string]: Json;
  /** Gold answer (`answer` column). */
  answer: string;
}

/** `_ANSWER_PHRASES`, in the reference's order. */
export const ANSWER_PHRASES: readonly string[] = [
  "the answer is",
  "answer is",
  "the correct answer is",
  "correct answer is",
  "the best answer is",
  "best answer is",
  "the correct option is",
  "correct option is",
  "the best option is",
  "best option is",
  "the choice is",
  "choice is",
  "the correct choice is",
  "correct choice is",
  "i choose",
  "i select",
  "i pick",
  "my answer is",
  "my choice is",
  "옵션",
  "정답은",
  "답은",
  "답:",
  "答案是",
  "答案为",
  "选",
  "答えは",
];

const PRIORITY = {
  start: 10,
  end: 9,
  phrase: 7,
  parentheses: 6,
  period: 5,
  colon: 4,
  right_paren: 3,
  space: 2,
  fallback: 0,
} as const;

type Format = keyof typeof PRIORITY;

const IS_ALPHA = /^[\p{L}]$/u;

/** Python `haystack.find(needle, start)` over code-point arrays. */
function find(hay: readonly string[], needle: readonly string[], start = 0): number {
  outer: for (let i = Math.max(0, start); i + needle.length <= hay.length; i++) {
    for (let k = 0; k < needle.length; k++) if (hay[i + k] !== needle[k]) continue outer;
    return i;
  }
  return -1;
}

/** Python `haystack.rfind(needle)` over code-point arrays. */
function rfind(hay: readonly string[], needle: readonly string[]): number {
  outer: for (let i = hay.length - needle.length; i >= 0; i--) {
    for (let k = 0; k < needle.length; k++) if (hay[i + k] !== needle[k]) continue outer;
    return i;
  }
  return -1;
}

/** `extract_mcq_answer(response, choices)`: the chosen letter and the format that won, or "" and null. */
export function extractMcqAnswer(
  response: string,
  choices: readonly string[] = ["A", "B", "C", "D", "E", "F", "G", "H"],
): { letter: string; format: Format | null } {
  if (response === "" || pyStrip(response) === "") return { letter: "", format: null };
  let stripped0 = pyStrip(response);
  for (const ch of [",", ".", "!", "?", ";", ":", "'", '"']) stripped0 = pyStripChars(stripped0, ch);
  const text = codePoints(` ${stripped0} `);
  const candidates: { letter: string; pos: number; format: Format }[] = [];
  const add = (letter: string, pos: number, format: Format) => candidates.push({ letter, pos, format });
  const patterns: [Format, (ch: string) => string][] = [
    ["parentheses", (ch) => `(${ch})`],
    ["period", (ch) => `${ch}.`],
    ["colon", (ch) => `${ch}:`],
    ["right_paren", (ch) => `${ch})`],
    ["space", (ch) => `${ch} `],
  ];
  for (const [format, make] of patterns) {
    for (const ch of choices) {
      const at = rfind(text, codePoints(make(ch)));
      if (at >= 0) add(ch, at, format);
    }
  }
  const lower = codePoints(pyLower(text.join("")));
  for (const phrase of ANSWER_PHRASES) {
    const idx = find(lower, codePoints(phrase));
    if (idx === -1) continue;
    const after = idx + codePoints(phrase).length;
    for (const ch of choices) {
      const at = find(text, codePoints(ch), after);
      if (at >= 0) add(ch, at, "phrase");
    }
  }
  const st = codePoints(pyStrip(text.join("")));
  for (const ch of choices) {
    if (st[0] === ch && (st.length === 1 || !IS_ALPHA.test(st[1]!))) add(ch, 0, "start");
  }
  for (const ch of choices) {
    if (
      st.length > 0 &&
      st[st.length - 1] === ch &&
      (st.length === 1 || !IS_ALPHA.test(st[st.length - 2]!))
    ) {
      add(ch, text.length - 1, "end");
    }
  }
  if (candidates.length === 0) {
    for (const ch of choices) {
      const at = rfind(text, codePoints(ch));
      if (at >= 0) add(ch, at, "fallback");
    }
  }
  let best: (typeof candidates)[number] | undefined;
  for (const c of candidates) {
    // Strictly greater only: Python's stable sort (reverse=True keeps equal keys in order) picks the first.
    if (
      best === undefined ||
      PRIORITY[c.format] > PRIORITY[best.format] ||
      (PRIORITY[c.format] === PRIORITY[best.format] && c.pos > best.pos)
    ) {
      best = c;
    }
  }
  return best ? { letter: best.letter, format: best.format } : { letter: "", format: null };
}

const LETTERS = ["A", "B", "C", "D"];

/** The RealWorldQA scorer. */
export const realworldqa: Scorer<RealWorldQaRef> = {
  name: "realworldqa",
  version: 1,
  primary: "exact_match",
  metrics: {
    exact_match: meanMetric("share of answers equal to the reference after extracting the option or phrase"),
    parse_failure_rate: PARSE_FAILURE_RATE,
  },
  scoreSample(prediction, reference) {
    const pred = pyStrip(prediction);
    const gt = pyStrip(reference.answer);
    if (LETTERS.includes(gt.toUpperCase())) {
      const { letter, format } = extractMcqAnswer(pred, LETTERS);
      return {
        score: letter === gt.toUpperCase() ? 1 : 0,
        parsed: letter,
        parseOk: letter !== "",
        rule: format ?? "no_letter",
      };
    }
    const open = rstripPeriods(pyStrip(pyLower(pred)));
    return {
      score: open === pyLower(gt) ? 1 : 0,
      parsed: open,
      parseOk: open !== "",
      rule: open === "" ? "empty" : "open",
    };
  },
  aggregate(samples: ScoredSample<RealWorldQaRef>[]) {
    return { exact_match: meanScore(samples), parse_failure_rate: parseFailureRate(samples) };
  },
  checkReference(ref) {
    return isRecord(ref)
      ? checkStringField(ref, "answer")
      : ["reference must be an object with an `answer` string"];
  },
};

/** Python `s.rstrip(".")`. */
function rstripPeriods(s: string): string {
  return s.replace(/\.+$/, "");
}
