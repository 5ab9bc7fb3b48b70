/**
 * Golden cases of anls (DocVQA, InfoVQA): normalised Levenshtein similarity, best over the answers, cut at
 * 0.5. Each `why` names the rule; check_golden.py confirms every expected value with the reference code.
 */
import type { GoldenSet } from "./golden.js";
import type { AnswersRef } from "./vqa_accuracy.js";

export const golden: GoldenSet<AnswersRef> = {
  cases: [
    { why: "identical", prediction: "abc", reference: { answers: ["abc"] }, score: 1 },
    { why: "case-insensitive", prediction: "ABC", reference: { answers: ["abc"] }, score: 1 },
    { why: "one edit of three", prediction: "abd", reference: { answers: ["abc"] }, score: 1 - 1 / 3 },
    { why: "exactly 0.5 is kept", prediction: "ab", reference: { answers: ["abcd"] }, score: 0.5 },
    { why: "below 0.5 → 0", prediction: "a", reference: { answers: ["abc"] }, score: 0 },
    { why: "runner strips the prediction", prediction: "  abc  ", reference: { answers: ["abc"] }, score: 1 },
    {
      why: "raw answer length (7) is the denominator",
      prediction: "abd",
      reference: { answers: ["  abc  "] },
      score: 1 - 1 / 7,
    },
    {
      why: "ß vs ss: 2 edits over len('STRASSE') = 7",
      prediction: "stra\u00dfe",
      reference: { answers: ["strasse"] },
      score: 1 - 2 / 7,
    },
    { why: "ß vs ss alone", prediction: "\u00df", reference: { answers: ["ss"] }, score: 0 },
    { why: "emoji identical", prediction: "\u{1F600}", reference: { answers: ["\u{1F600}"] }, score: 1 },
    {
      why: "emoji is one code point: 1 edit / 2 = 0.5",
      prediction: "\u{1F600}x",
      reference: { answers: ["\u{1F600}y"] },
      score: 0.5,
    },
    { why: "emoji insertion", prediction: "ab\u{1F600}", reference: { answers: ["ab"] }, score: 1 - 1 / 3 },
    { why: "empty prediction", prediction: "", reference: { answers: ["abc"] }, score: 0 },
    { why: "both empty → 1", prediction: "", reference: { answers: [""] }, score: 1 },
    { why: "best of several", prediction: "abc", reference: { answers: ["xyz", "abc"] }, score: 1 },
    {
      why: "best of several, partial",
      prediction: "abd",
      reference: { answers: ["xyz", "abc"] },
      score: 1 - 1 / 3,
    },
    {
      why: "whitespace collapsed before the distance",
      prediction: "Dr.  Smith",
      reference: { answers: ["dr. smith"] },
      score: 1,
    },
    { why: "4 edits / 10", prediction: "The answer", reference: { answers: ["answer"] }, score: 1 - 4 / 10 },
    { why: "comma costs one edit", prediction: "1,000", reference: { answers: ["1000"] }, score: 1 - 1 / 5 },
    {
      why: "long answer, one edit",
      prediction: "abcdefghij",
      reference: { answers: ["abcdefghi"] },
      score: 1 - 1 / 10,
    },
    {
      why: "ligature: 2 edits over len('FI') = 2",
      prediction: "\ufb01",
      reference: { answers: ["fi"] },
      score: 0,
    },
    {
      why: "İ lower-cases to i + combining dot",
      prediction: "\u0130",
      reference: { answers: ["i\u0307"] },
      score: 1,
    },
    {
      why: "NBSP splits the answer",
      prediction: "abc",
      reference: { answers: ["ab\u00a0c"] },
      score: 1 - 1 / 4,
    },
    {
      why: "zero-width space is a character",
      prediction: "ab\u200bc",
      reference: { answers: ["abc"] },
      score: 1 - 1 / 4,
    },
    { why: "yes vs no", prediction: "yes", reference: { answers: ["no"] }, score: 0 },
    {
      why: "two answers tie",
      prediction: "abcd",
      reference: { answers: ["abce", "xbcd"] },
      score: 1 - 1 / 4,
    },
    { why: "upper-case prediction", prediction: "ABCD", reference: { answers: ["abcd"] }, score: 1 },
    {
      why: "stripped prediction length is used",
      prediction: " x",
      reference: { answers: ["xy"] },
      score: 0.5,
    },
    {
      why: "answer's trailing space counts",
      prediction: "x",
      reference: { answers: ["xy "] },
      score: 1 - 1 / 3,
    },
    { why: "2 edits of 3 → 0", prediction: "xyz", reference: { answers: ["x"] }, score: 0 },
    {
      why: "final sigma",
      prediction: "\u039f\u0394\u039f\u03a3",
      reference: { answers: ["\u03bf\u03b4\u03bf\u03c2"] },
      score: 1,
    },
    { why: "3 edits of 6 = 0.5 kept", prediction: "abcdef", reference: { answers: ["abcxyz"] }, score: 0.5 },
    {
      why: "long answer: 30 substitutions over 100 characters",
      prediction: `${"x".repeat(30)}${"a".repeat(70)}`,
      reference: { answers: ["a".repeat(100)] },
      score: 1 - 30 / 100,
    },
    {
      why: "long prediction against a short answer",
      prediction: "The total amount due on the invoice is 1,234.56 dollars",
      reference: { answers: ["1,234.56"] },
      score: 0,
    },
  ],
  aggregates: [
    {
      why: "the mean of the per-question scores (1, 0.5, 0)",
      samples: [
        { prediction: "abc", reference: { answers: ["abc"] } },
        { prediction: "ab", reference: { answers: ["abcd"] } },
        { prediction: "a", reference: { answers: ["abc"] } },
      ],
      expected: { anls: 0.5, parse_failure_rate: 0 },
      complete: true,
    },
  ],
};
