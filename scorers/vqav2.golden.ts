/**
 * Golden cases of vqav2 (lmms-eval 75571cfe): EvalAI punctuation plus digit/article normalisation (no
 * tokenising step), leave-one-out by dict inequality, `statistics.mean`; and the per-answer-type means.
 * Each `why` names the rule; check_golden_card.py confirms every expected value with the reference code.
 */
import type { GoldenSet } from "./golden.js";
import type { Vqav2Ref } from "./vqav2.js";

const V = (answers: string[], ids?: number[], answerType = "other"): Vqav2Ref => ({
  answers: answers.map((answer, i) => ({ answer, answer_confidence: "yes", answer_id: ids?.[i] ?? i + 1 })),
  answerType,
});
const rep = (a: string, n: number): string[] => Array.from({ length: n }, () => a);

export const golden: GoldenSet<Vqav2Ref> = {
  cases: [
    { why: "ten agree", prediction: "net", reference: V(rep("net", 10)), score: 1 },
    {
      why: "three of ten",
      prediction: "net",
      reference: V([...rep("net", 3), ...rep("mesh", 7)]),
      score: 0.9,
    },
    {
      why: "one of ten: only the nine others see it (9 × 1/3 / 10)",
      prediction: "net",
      reference: V(["net", ...rep("mesh", 9)]),
      score: 0.3,
    },
    { why: "two of ten", prediction: "net", reference: V([...rep("net", 2), ...rep("mesh", 8)]), score: 0.6 },
    { why: "four of ten", prediction: "net", reference: V([...rep("net", 4), ...rep("mesh", 6)]), score: 1 },
    {
      why: "case is not lowered before punctuation, but digit/article lower-cases",
      prediction: "Net",
      reference: V(rep("net", 10)),
      score: 1,
    },
    { why: "number words", prediction: "two", reference: V(rep("2", 10)), score: 1 },
    { why: "articles dropped", prediction: "the net", reference: V(rep("net", 10)), score: 1 },
    { why: "trailing period removed", prediction: "net.", reference: V(rep("net", 10)), score: 1 },
    {
      why: "no word_tokenize: the question mark is punctuation (replaced by a space)",
      prediction: "why?",
      reference: V(rep("why", 10)),
      score: 1,
    },
    {
      why: "no word_tokenize: 's is not split off",
      prediction: "man's",
      reference: V(rep("man 's", 10)),
      score: 0,
    },
    {
      why: "apostrophe is not in the punctuation list",
      prediction: "man's",
      reference: V(rep("man's", 10)),
      score: 1,
    },
    {
      why: "comma between digits: every mark deleted",
      prediction: "1,000",
      reference: V(rep("1000", 10)),
      score: 1,
    },
    {
      why: "comma elsewhere: replaced by a space",
      prediction: "hello,world",
      reference: V(rep("hello world", 10)),
      score: 1,
    },
    {
      why: "comma and space: deleted",
      prediction: "hello, world",
      reference: V(rep("hello world", 10)),
      score: 1,
    },
    {
      why: "hyphen between words becomes a space",
      prediction: "coca-cola",
      reference: V(rep("coca cola", 10)),
      score: 1,
    },
    { why: "contractions of lower-case keys", prediction: "dont", reference: V(rep("don't", 10)), score: 1 },
    {
      why: "tab becomes a space first",
      prediction: "left\tside",
      reference: V(rep("left side", 10)),
      score: 1,
    },
    { why: "decimal point kept", prediction: "3.5", reference: V(rep("3.5", 10)), score: 1 },
    { why: "empty prediction", prediction: "", reference: V(rep("net", 10)), score: 0 },
    { why: "no answers: 0 (the reference crashes)", prediction: "net", reference: V([]), score: 0 },
    { why: "one answer can never be matched", prediction: "net", reference: V(["net"]), score: 0 },
    {
      why: "identical dicts drop each other",
      prediction: "net",
      reference: V(rep("net", 4), [1, 1, 1, 1]),
      score: 0,
    },
    {
      why: "two identical dicts drop each other: (2/3 + 2/3 + 1 + 1 + 1) / 5",
      prediction: "net",
      reference: V(["net", "net", "net", "net", "mesh"], [1, 1, 2, 3, 4]),
      score: 13 / 15,
    },
    {
      // statistics.mean is the exact mean of the doubles (2/3 is stored just below 2/3), rounded once: one ulp below 5/6.
      why: "normalisation makes dicts equal: (2/3 + 2/3 + 1 + 1) / 4",
      prediction: "net",
      reference: V(["net", "Net.", "net", "net"], [1, 1, 2, 3]),
      score: 0.8333333333333333,
    },
    {
      why: "answers normalised too",
      prediction: "red",
      reference: V([...rep("Red.", 3), ...rep("maroon", 7)]),
      score: 0.9,
    },
    { why: "none becomes 0", prediction: "none", reference: V(rep("0", 10)), score: 1 },
    { why: "yes", prediction: "Yes", reference: V([...rep("yes", 9), "no"]), score: 1 },
    {
      why: "the minority answer: 9 × 1/3 / 10",
      prediction: "no",
      reference: V([...rep("yes", 9), "no"]),
      score: 0.3,
    },
    {
      why: "statistics.mean of thirds: (2 × 1/3 + 9 × 2/3) / 11",
      prediction: "a b",
      reference: V([...rep("a b", 2), ...rep("c", 9)]),
      score: 20 / 33,
    },
    {
      why: "eleven answers: (3 × 2/3 + 8 × 1) / 11",
      prediction: "net",
      reference: V([...rep("net", 3), ...rep("mesh", 8)]),
      score: 10 / 11,
    },
  ],
  aggregates: [
    {
      why: "overall and per answer type",
      samples: [
        { prediction: "yes", reference: V(rep("yes", 10), undefined, "yes/no") },
        { prediction: "no", reference: V(rep("yes", 10), undefined, "yes/no") },
        { prediction: "2", reference: V(rep("2", 10), undefined, "number") },
      ],
      expected: {
        vqa_accuracy: 2 / 3,
        parse_failure_rate: 0,
        "vqa_accuracy/yes/no": 0.5,
        "vqa_accuracy/number": 1,
      },
      complete: true,
    },
  ],
};
