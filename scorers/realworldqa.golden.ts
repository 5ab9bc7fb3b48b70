/**
 * Golden cases of realworldqa (lmms-eval 75571cfe): `extract_mcq_answer` for letter answers (`parsed` is its
 * letter), lower-case and `rstrip('.')` equality for open ones. Each `why` names the rule;
 * check_golden_card.py confirms every expected value and letter with the reference code.
 */
import type { GoldenSet } from "./golden.js";
import type { RealWorldQaRef } from "./realworldqa.js";

const L = (answer: string): RealWorldQaRef => ({ answer });

export const golden: GoldenSet<RealWorldQaRef> = {
  cases: [
    { why: "letter", prediction: "C", reference: L("C"), score: 1, parsed: "C" },
    { why: "start: letter then period", prediction: "C. Right", reference: L("C"), score: 1, parsed: "C" },
    {
      why: "start beats a later letter in parentheses",
      prediction: "A (B)",
      reference: L("A"),
      score: 1,
      parsed: "A",
    },
    {
      why: "trailing period stripped, then start/end",
      prediction: "B.",
      reference: L("B"),
      score: 1,
      parsed: "B",
    },
    { why: "parentheses", prediction: "(B)", reference: L("B"), score: 1, parsed: "B" },
    { why: "the answer is", prediction: "The answer is D", reference: L("D"), score: 1, parsed: "D" },
    {
      why: "end beats phrase",
      prediction: "I think the answer is B, not A",
      reference: L("A"),
      score: 1,
      parsed: "A",
    },
    { why: "fallback: Blue has a B", prediction: "Blue", reference: L("B"), score: 1, parsed: "B" },
    {
      why: "fallback picks the highest position",
      prediction: "Bad Cat",
      reference: L("C"),
      score: 1,
      parsed: "C",
    },
    {
      why: "lower-case letters are not candidates",
      prediction: "b",
      reference: L("B"),
      score: 0,
      parsed: "",
    },
    {
      why: "lower-case gold letter is upper-cased",
      prediction: "B",
      reference: L("b"),
      score: 1,
      parsed: "B",
    },
    { why: "gold is stripped", prediction: "B", reference: L(" B "), score: 1, parsed: "B" },
    { why: "E is not among the four choices", prediction: "E", reference: L("A"), score: 0, parsed: "" },
    { why: "empty prediction", prediction: "", reference: L("A"), score: 0, parsed: "" },
    { why: "space format: last 'X ' wins", prediction: "xA yB z", reference: L("B"), score: 1, parsed: "B" },
    { why: "period format beats space", prediction: "xA. yB z", reference: L("A"), score: 1, parsed: "A" },
    { why: "Chinese phrase", prediction: "答案是C", reference: L("C"), score: 1, parsed: "C" },
    { why: "Korean phrase", prediction: "정답은 D입니다", reference: L("D"), score: 1, parsed: "D" },
    { why: "quotes stripped once each", prediction: "'B'", reference: L("B"), score: 1, parsed: "B" },
    { why: "Answer: A", prediction: "Answer: A", reference: L("A"), score: 1, parsed: "A" },
    {
      why: "two parentheses: the later wins",
      prediction: "(A) or (B)",
      reference: L("B"),
      score: 1,
      parsed: "B",
    },
    { why: "A or B: start wins", prediction: "A or B", reference: L("A"), score: 1, parsed: "A" },
    { why: "AB: start needs a non-letter after", prediction: "AB", reference: L("A"), score: 0, parsed: "B" },
    {
      why: "open answer: exact after lower and rstrip('.')",
      prediction: "Downhill.",
      reference: L("downhill"),
      score: 1,
    },
    { why: "open answer: several trailing periods", prediction: "0..", reference: L("0"), score: 1 },
    {
      why: "open answer: the gold is lower-cased, not stripped of periods",
      prediction: "yes",
      reference: L("Yes."),
      score: 0,
    },
    { why: "open answer: leading period stays", prediction: ".5", reference: L("5"), score: 0 },
    { why: "open answer: number words are not converted", prediction: "two", reference: L("2"), score: 0 },
    { why: "open answer: space before the period", prediction: "0 .", reference: L("0"), score: 0 },
    {
      why: "open answer: empty gold matches an empty prediction",
      prediction: "",
      reference: L(""),
      score: 1,
    },
    {
      why: "open answer: a gold of spaces is stripped to empty",
      prediction: ".",
      reference: L("  "),
      score: 1,
    },
  ],
};
