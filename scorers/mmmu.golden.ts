/**
 * Golden cases of mmmu (lmms-eval v0.3.0): the multiple-choice parse (letter and rule; a random pick is
 * flagged, its letter not pinned), the open-answer parse and `eval_open`, and the discipline aggregates with
 * Python's `round`. Each `why` names the rule; check_golden.py confirms every expected value with the
 * reference code.
 */
import type { GoldenAggregate, GoldenCase, GoldenSet } from "./golden.js";
import type { MmmuRef } from "./mmmu.js";

/** A multiple-choice case: options, the expected letter ("?" for a random fallback) and rule. */
interface Mc {
  why: string;
  prediction: string;
  options: string[];
  letter: string;
  rule: string;
}

const DNA = ["DNA", "RNA", "protein", "lipid"];
const IMAGES = ["<image 1>", "<image 2>", "<image 3>"];

const MC: Mc[] = [
  { why: "bare letter", prediction: "A", options: DNA, letter: "A", rule: "letter_space" },
  { why: "bracketed", prediction: "(B)", options: DNA, letter: "B", rule: "bracket" },
  { why: "letter + period", prediction: "B.", options: DNA, letter: "B", rule: "letter_space" },
  {
    why: "sentence ending in a letter",
    prediction: "The answer is C",
    options: DNA,
    letter: "C",
    rule: "letter_space",
  },
  {
    why: "lmms-eval quirk: 'DNA is' yields A",
    prediction: "DNA is the answer",
    options: DNA,
    letter: "A",
    rule: "letter_space",
  },
  { why: "two brackets: last wins", prediction: "(A) or (C)", options: DNA, letter: "C", rule: "bracket" },
  { why: "two brackets reversed", prediction: "(C) or (A)", options: DNA, letter: "A", rule: "bracket" },
  { why: "two letters: last ' X ' wins", prediction: "C D", options: DNA, letter: "D", rule: "letter_space" },
  { why: "'A.' is not 'A '", prediction: "A. B.", options: DNA, letter: "B", rule: "letter_space" },
  {
    why: "option text in a long answer",
    prediction: "I think it is protein because of many reasons",
    options: DNA,
    letter: "C",
    rule: "option_text",
  },
  {
    why: "two option texts: the later one",
    prediction: "It is RNA, not DNA, that we want to pick here",
    options: DNA,
    letter: "A",
    rule: "option_text",
  },
  { why: "empty output → random", prediction: "", options: DNA, letter: "?", rule: "random_fallback" },
  { why: "no letter → random", prediction: "none", options: DNA, letter: "?", rule: "random_fallback" },
  { why: "Answer: D", prediction: "Answer: D", options: DNA, letter: "D", rule: "letter_space" },
  { why: "quotes stripped", prediction: "'B'", options: DNA, letter: "B", rule: "letter_space" },
  { why: "periods stripped", prediction: ".A.", options: DNA, letter: "A", rule: "letter_space" },
  {
    why: "lower-case letter is not a choice",
    prediction: "b",
    options: DNA,
    letter: "?",
    rule: "random_fallback",
  },
  { why: "(E) with four options", prediction: "(E)", options: DNA, letter: "?", rule: "random_fallback" },
  { why: "all letters: last wins", prediction: "A B C D", options: DNA, letter: "D", rule: "letter_space" },
  { why: "first 'X ' only", prediction: "DNA and RNA", options: DNA, letter: "A", rule: "letter_space" },
  {
    why: "image options, no match",
    prediction: "The answer is the second image shown",
    options: IMAGES,
    letter: "?",
    rule: "random_fallback",
  },
  {
    why: "image option text",
    prediction: "I choose <image 2> as the answer here",
    options: IMAGES,
    letter: "B",
    rule: "option_text",
  },
  {
    why: "tie (both rfind -1) → earlier letter",
    prediction: "XB YA",
    options: DNA,
    letter: "A",
    rule: "letter_space",
  },
  { why: "letter + period inside", prediction: "(see B.)", options: DNA, letter: "B", rule: "letter_period" },
  {
    why: "letter-period tie → earlier letter",
    prediction: "A.B.x",
    options: DNA,
    letter: "A",
    rule: "letter_period",
  },
  {
    why: "empty option text matches at the end",
    prediction: "one two three four five six",
    options: ["", "x"],
    letter: "A",
    rule: "option_text",
  },
  {
    why: "option text case-insensitive",
    prediction: "We can see that Protein is correct here",
    options: DNA,
    letter: "C",
    rule: "option_text",
  },
  {
    why: "exactly five words is not enough",
    prediction: "it is protein i think",
    options: DNA,
    letter: "?",
    rule: "random_fallback",
  },
  { why: "! stripped then bracket", prediction: "!(A)!", options: DNA, letter: "A", rule: "bracket" },
  { why: "trailing comma", prediction: "A,", options: DNA, letter: "A", rule: "letter_space" },
  {
    why: "Option B is correct",
    prediction: "Option B is correct",
    options: DNA,
    letter: "B",
    rule: "letter_space",
  },
  {
    why: "bracket beats later bare letter",
    prediction: "I'd say (B), though C is close",
    options: DNA,
    letter: "B",
    rule: "bracket",
  },
];

/** Open questions: expected score. */
const OPEN: { why: string; prediction: string; answer: string; score: number }[] = [
  { why: "plain number", prediction: "5", answer: "5", score: 1 },
  { why: "sentence", prediction: "The answer is 5.", answer: "5", score: 1 },
  { why: "comma number", prediction: "answer is 1,000", answer: "1000", score: 1 },
  { why: "'1,000' also yields '000' → 0.0", prediction: "it is 1,000", answer: "0", score: 1 },
  { why: "round(0.125, 2) = 0.12 (ties to even)", prediction: "so 0.125", answer: "0.12", score: 1 },
  { why: "round(2.675, 2) = 2.67 (binary value below)", prediction: "2.675", answer: "2.67", score: 1 },
  { why: "2.675 is not 2.68", prediction: "2.675", answer: "2.68", score: 0 },
  { why: "round(0.375, 2) = 0.38", prediction: "0.375", answer: "0.38", score: 1 },
  { why: "one-character gold", prediction: "x", answer: "x", score: 1 },
  { why: "one-character gold inside words", prediction: "the value x", answer: "x", score: 1 },
  { why: "one-character gold not at a word edge", prediction: "xylophone", answer: "x", score: 0 },
  { why: "case and trailing period", prediction: "It is blue.", answer: "Blue", score: 1 },
  { why: "could be", prediction: "It could be blue or new york", answer: "New York", score: 1 },
  { why: "scientific notation", prediction: "1e3", answer: "1000", score: 1 },
  { why: "Arabic-Indic digits are numbers to Python", prediction: "\u0661\u0662", answer: "12", score: 1 },
  { why: "inf equals inf", prediction: "inf", answer: "inf", score: 1 },
  { why: "nan never equals", prediction: "nan", answer: "nan", score: 0 },
  { why: "empty matches empty gold", prediction: "", answer: "", score: 1 },
  { why: "shortest tail wins", prediction: "The final answer is B", answer: "B", score: 1 },
  {
    why: "multi-line with =",
    prediction: "Therefore, the result is 3.14159.\nSo x = 7",
    answer: "3.14",
    score: 1,
  },
  { why: "comma numbers and trailing 000", prediction: "5,000,000 and 12,34", answer: "5000000", score: 1 },
  { why: "empty tail falls back to the whole text", prediction: "is .", answer: ".", score: 0 },
  { why: "equation", prediction: "x = 5", answer: "5", score: 1 },
  { why: "negative decimal", prediction: "-0.5", answer: "-0.5", score: 1 },
  { why: "number inside text", prediction: "about 5", answer: "5.0", score: 1 },
  { why: "list-literal gold is a plain string", prediction: "1.1", answer: "['1.1', '1.10']", score: 0 },
  {
    why: "list-literal gold as substring",
    prediction: "['1.1', '1.10']",
    answer: "['1.1', '1.10']",
    score: 1,
  },
  { why: "underscore digits in gold", prediction: "1000", answer: "1_000", score: 1 },
  { why: "trailing zero", prediction: "so 12.50", answer: "12.5", score: 1 },
  { why: "= on the last line", prediction: "x=5", answer: "5", score: 1 },
  { why: "gold comma removed: '1,5' is 15", prediction: "15", answer: "1,5", score: 1 },
  { why: "both round to 0.0", prediction: "0.0025", answer: "2.5e-3", score: 1 },
  { why: "wrong number", prediction: "The answer is 6", answer: "5", score: 0 },
];

/** The gold is always A, so a parsed letter scores 1 exactly when it is A. */
const mc = (c: Mc): GoldenCase<MmmuRef> => ({
  why: `MC: ${c.why}`,
  prediction: c.prediction,
  id: "validation_Art_1",
  reference: { answer: "A", questionType: "multiple-choice", options: c.options, subject: "Art" },
  rule: c.rule,
  ...(c.rule === "random_fallback"
    ? { parseOk: false }
    : { parsed: c.letter, parseOk: true, score: c.letter === "A" ? 1 : 0 }),
});

const open = (c: (typeof OPEN)[number]): GoldenCase<MmmuRef> => ({
  why: `open: ${c.why}`,
  prediction: c.prediction,
  id: "validation_Math_1",
  reference: { answer: c.answer, questionType: "open", options: [], subject: "Math" },
  score: c.score,
});

/** `n` multiple-choice samples of `subject`, the first `correct` of them right. */
const many = (subject: string, n: number, correct: number): GoldenAggregate<MmmuRef>["samples"] =>
  Array.from({ length: n }, (_, i) => ({
    prediction: i < correct ? "A" : "B",
    reference: { answer: "A", questionType: "multiple-choice", options: ["x", "y"], subject },
  }));

/** Aggregates: the reference's printed accuracies (plus our parse_failure_rate and random_fallbacks). */
const AGG: GoldenAggregate<MmmuRef>[] = [
  {
    why: "per-discipline weighting and 5-decimal rounding (incl. exact ties: 1/64, 3/64)",
    samples: [
      ...many("Art", 3, 1),
      ...many("Art_Theory", 2, 2),
      ...many("Math", 7, 5),
      ...many("Physics", 64, 1),
      ...many("Accounting", 64, 3),
      ...many("Unknown_Subject", 1, 1),
    ],
    expected: {
      "Overall-Art and Design": 0.6,
      Art: 0.33333,
      Art_Theory: 1,
      "Overall-Business": 0.04688, // 3/64 = 0.046875: half-even keeps 8 (4687.5 → 4688)
      Accounting: 0.04688,
      "Overall-Science": 0.08451, // (5 + 1) / 71
      Math: 0.71429,
      Physics: 0.01562, // 1/64 = 0.015625: half-even → 0.01562 (toFixed would give 0.01563)
      "Overall-Health and Medicine": 0,
      "Overall-Humanities and Social Science": 0,
      "Overall-Tech and Engineering": 0,
      accuracy: 0.0922, // 13 / 141, the unknown subject counted only here
    },
  },
  {
    why: "no samples: every discipline 0",
    samples: [],
    expected: {
      "Overall-Art and Design": 0,
      "Overall-Business": 0,
      "Overall-Science": 0,
      "Overall-Health and Medicine": 0,
      "Overall-Humanities and Social Science": 0,
      "Overall-Tech and Engineering": 0,
      accuracy: 0,
    },
  },
];

export const golden: GoldenSet<MmmuRef> = {
  cases: [...MC.map(mc), ...OPEN.map(open)],
  aggregates: AGG.map((a) => ({
    ...a,
    alsoReported: ["parse_failure_rate", "random_fallbacks"],
    complete: true,
  })),
};
