/**
 * Golden cases of vqa_accuracy (TextVQA): the EvalAI answer processor and the leave-one-out mean over the
 * ten answers. Each `why` names the rule; check_golden.py confirms every expected value (and `parsed`, the
 * normalised prediction) with the reference code.
 */
import type { GoldenSet } from "./golden.js";
import type { AnswersRef } from "./vqa_accuracy.js";

const ten = (...answers: string[]): string[] => answers;
const rep = (a: string, n: number): string[] => Array.from({ length: n }, () => a);

export const golden: GoldenSet<AnswersRef> = {
  cases: [
    { why: "all ten agree", prediction: "red", reference: { answers: rep("red", 10) }, score: 1 },
    { why: "final period deleted", prediction: "Red.", reference: { answers: rep("red", 10) }, score: 1 },
    {
      why: "3 matches → 0.9",
      prediction: "red",
      reference: { answers: [...rep("red", 3), ...rep("blue", 7)] },
      score: 0.9,
    },
    {
      why: "1 match → 0.3",
      prediction: "red",
      reference: { answers: ["red", ...rep("blue", 9)] },
      score: 0.3,
    },
    {
      why: "2 matches → 0.6",
      prediction: "red",
      reference: { answers: [...rep("red", 2), ...rep("blue", 8)] },
      score: 0.6,
    },
    {
      why: "4 matches → 1",
      prediction: "red",
      reference: { answers: [...rep("red", 4), ...rep("blue", 6)] },
      score: 1,
    },
    { why: "number word", prediction: "two", reference: { answers: rep("2", 10) }, score: 1 },
    { why: "article 'the' dropped", prediction: "the dog", reference: { answers: rep("dog", 10) }, score: 1 },
    { why: "article 'a' dropped", prediction: "a dog", reference: { answers: rep("dog", 10) }, score: 1 },
    {
      why: "contraction dont → don't",
      prediction: "dont",
      reference: { answers: rep("don't", 10) },
      score: 1,
    },
    {
      why: "mixed-case key Im never matches",
      prediction: "Im",
      reference: { answers: rep("i'm", 10) },
      score: 0,
    },
    {
      why: "hyphen with no space → space",
      prediction: "coca-cola",
      reference: { answers: rep("coca cola", 10) },
      score: 1,
    },
    {
      why: "hyphen next to a space → deleted",
      prediction: "coca - cola",
      reference: { answers: rep("coca cola", 10) },
      score: 1,
    },
    { why: "decimal kept", prediction: "3.5", reference: { answers: rep("3.5", 10) }, score: 1 },
    {
      why: "trailing period after digit deleted",
      prediction: "3.",
      reference: { answers: rep("3", 10) },
      score: 1,
    },
    {
      why: "thousands comma deleted",
      prediction: "1,000",
      reference: { answers: rep("1000", 10) },
      score: 1,
    },
    {
      why: "'s split off on both sides",
      prediction: "cat's",
      reference: { answers: rep("cat 's", 10) },
      score: 1,
    },
    { why: "? deleted", prediction: "yes?", reference: { answers: rep("yes", 10) }, score: 1 },
    { why: "! → space", prediction: "Yes!", reference: { answers: rep("yes", 10) }, score: 1 },
    { why: "inner period deleted", prediction: "a.b", reference: { answers: rep("ab", 10) }, score: 1 },
    { why: "tabs and newlines", prediction: "\ttwo\n", reference: { answers: rep("2", 10) }, score: 1 },
    { why: "none → 0", prediction: "none", reference: { answers: rep("0", 10) }, score: 1 },
    { why: "one answer can never be matched", prediction: "red", reference: { answers: ["red"] }, score: 0 },
    { why: "no answers → 0", prediction: "red", reference: { answers: [] }, score: 0 },
    { why: "eleven answers", prediction: "red", reference: { answers: rep("red", 11) }, score: 1 },
    {
      why: "two answers: each sees one match",
      prediction: "red",
      reference: { answers: ["red", "red"] },
      score: 1 / 3,
    },
    { why: "empty matches empty", prediction: "", reference: { answers: rep("", 10) }, score: 1 },
    { why: "on the left", prediction: "on the left", reference: { answers: rep("on left", 10) }, score: 1 },
    { why: "he's", prediction: "He's", reference: { answers: rep("he 's", 10) }, score: 1 },
    {
      why: "hes → he's but gold he's → he 's",
      prediction: "hes",
      reference: { answers: rep("he's", 10) },
      score: 0,
    },
    { why: "NBSP stripped", prediction: "\u00a0red\u00a0", reference: { answers: rep("red", 10) }, score: 1 },
    {
      why: "zero-width space kept",
      prediction: "red\u200b",
      reference: { answers: rep("red", 10) },
      score: 0,
    },
    {
      why: "= next to a space → deleted",
      prediction: "x = 5",
      reference: { answers: rep("x 5", 10) },
      score: 1,
    },
    { why: "= without spaces → space", prediction: "x=5", reference: { answers: rep("x 5", 10) }, score: 1 },
    {
      why: "only 32 periods are removed: the 33rd survives, so the period-free gold no longer matches",
      prediction: `${"a.".repeat(33)}b`,
      reference: { answers: rep(`${"a".repeat(33)}b`, 10) },
      score: 0,
      parsed: `${"a".repeat(33)}.b`,
    },
    {
      why: "mixed set",
      prediction: "Two",
      reference: { answers: ten("2", "2", "two", "3", "2", "2", "II", "2", "two", "2") },
      score: 1,
    },
  ],
};
