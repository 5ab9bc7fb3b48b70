/**
 * Golden cases of exact_match (GQA): lmms-eval's `exact_match_hf_evaluate` with `ignore_case` and
 * `ignore_punctuation`, on NumPy fixed-width strings. Each `why` names the rule; check_golden.py confirms every
 * expected value with the reference code.
 */
import type { ExactMatchRef } from "./exact_match.js";
import type { GoldenSet } from "./golden.js";

export const golden: GoldenSet<ExactMatchRef> = {
  cases: [
    { why: "identical", prediction: "yes", reference: { answer: "yes" }, score: 1 },
    { why: "case", prediction: "Yes", reference: { answer: "yes" }, score: 1 },
    { why: "case and ASCII punctuation", prediction: "YES.", reference: { answer: "yes" }, score: 1 },
    { why: "runner strips spaces", prediction: "  yes  ", reference: { answer: "yes" }, score: 1 },
    {
      why: "Python strip: NBSP and ideographic space",
      prediction: "\u00a0yes\u3000",
      reference: { answer: "yes" },
      score: 1,
    },
    {
      why: "Python strip: \\x1c is whitespace",
      prediction: "yes\x1c",
      reference: { answer: "yes" },
      score: 1,
    },
    {
      why: "Python strip: \\x85 is whitespace",
      prediction: "\x85yes",
      reference: { answer: "yes" },
      score: 1,
    },
    {
      why: "zero-width space is not whitespace",
      prediction: "\u200byes",
      reference: { answer: "yes" },
      score: 0,
    },
    { why: "BOM is not whitespace", prediction: "\ufeffyes", reference: { answer: "yes" }, score: 0 },
    { why: "hyphen deleted, not spaced", prediction: "t-shirt", reference: { answer: "tshirt" }, score: 1 },
    { why: "no whitespace collapsing", prediction: "T shirt", reference: { answer: "t-shirt" }, score: 0 },
    { why: "trailing period", prediction: "2.", reference: { answer: "2" }, score: 1 },
    { why: "no number words", prediction: "two", reference: { answer: "2" }, score: 0 },
    { why: "no article removal", prediction: "the cat", reference: { answer: "cat" }, score: 0 },
    { why: "! deleted", prediction: "cat!", reference: { answer: "Cat" }, score: 1 },
    { why: "Unicode quotes stay", prediction: "\u201ccat\u201d", reference: { answer: "cat" }, score: 0 },
    { why: "apostrophe deleted", prediction: "cat's", reference: { answer: "cats" }, score: 1 },
    { why: "empty prediction", prediction: "", reference: { answer: "yes" }, score: 0 },
    { why: "both empty", prediction: "", reference: { answer: "" }, score: 1 },
    { why: "non-ASCII case", prediction: "\u00c9COLE", reference: { answer: "\u00e9cole" }, score: 1 },
    {
      why: "ß has no single-letter upper form to undo",
      prediction: "STRASSE",
      reference: { answer: "stra\u00dfe" },
      score: 0,
    },
    {
      why: "ß lower-cases to itself",
      prediction: "Stra\u00dfe",
      reference: { answer: "stra\u00dfe" },
      score: 1,
    },
    {
      why: "NumPy fixed width: İ lower-cases to i + U+0307, cut to 1 char",
      prediction: "\u0130",
      reference: { answer: "i" },
      score: 1,
    },
    {
      why: "NumPy fixed width cuts the last letter",
      prediction: "\u0130stanbul",
      reference: { answer: "istanbul" },
      score: 0,
    },
    { why: "double space kept", prediction: "a b", reference: { answer: "a  b" }, score: 0 },
    { why: "newline stripped", prediction: "yes\n", reference: { answer: "yes" }, score: 1 },
    { why: "parentheses deleted", prediction: "(left)", reference: { answer: "left" }, score: 1 },
    { why: "comma deleted", prediction: "left,", reference: { answer: "left" }, score: 1 },
    { why: "hyphen vs space", prediction: "left-hand", reference: { answer: "left hand" }, score: 0 },
    { why: "dollar deleted", prediction: "$5", reference: { answer: "5" }, score: 1 },
    { why: "percent deleted", prediction: "5%", reference: { answer: "5" }, score: 1 },
    {
      why: "final sigma on both sides",
      prediction: "\u039f\u0394\u039f\u03a3",
      reference: { answer: "\u03bf\u03b4\u03bf\u03c2" },
      score: 1,
    },
    { why: "astral characters", prediction: "\u{1F600}", reference: { answer: "\u{1F600}" }, score: 1 },
    { why: "trailing NUL dropped by NumPy", prediction: "yes\u0000", reference: { answer: "yes" }, score: 1 },
    { why: "wrong answer", prediction: "no", reference: { answer: "yes" }, score: 0 },
    {
      why: "long answer, punctuation and case only differ",
      prediction: "The Quick, Brown Fox -- Jumps Over The Lazy Dog!",
      reference: { answer: "the quick brown fox  jumps over the lazy dog" },
      score: 1,
    },
  ],
};
