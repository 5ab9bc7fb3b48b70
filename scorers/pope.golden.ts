/**
 * Golden cases of pope: lmms-eval's `pope_process_results` (only `lower().strip()`, so "Yes." is neither yes
 * nor no) and the set-level accuracy, precision, recall, F1 and yes ratio, overall and per category. Each
 * `why` names the case; check_golden.py confirms every expected value with the reference code.
 */
import type { GoldenSet } from "./golden.js";
import type { PopeRef } from "./pope.js";

const s = (prediction: string, answer: string, category: string) => ({
  prediction,
  reference: { answer, category },
});

export const golden: GoldenSet<PopeRef> = {
  cases: [
    ...[
      ["yes", "yes", 1],
      ["Yes", "yes", 1],
      ["YES", "yes", 1],
      [" yes ", "yes", 1],
      ["yes\n", "yes", 1],
      ["Yes.", "yes", 0],
      ["Yes, there is", "yes", 0],
      ["Yes, there is a dog.", "yes", 0],
      ["no", "no", 1],
      ["No", "no", 1],
      ["NO", "no", 1],
      ["no", "yes", 0],
      ["yes", "no", 0],
      ["", "yes", 0],
      ["", "no", 0],
      ["y", "yes", 0],
      ["\u00a0no\u3000", "no", 1],
      ["nope", "no", 0],
      ["no.", "no", 0],
      ["\u200byes", "yes", 0],
      ["yes", "Yes", 1],
      ["No, there is not", "no", 0],
      ["yes yes", "yes", 0],
      ["\tYes\t", "yes", 1],
      ["Yes!", "yes", 0],
      ["yes\u0000", "yes", 0],
      ["YeS", "yes", 1],
      ["n o", "no", 0],
      ["no\r\n", "no", 1],
      ["\x1cno\x1d", "no", 1],
    ].map(([prediction, answer, score]) => ({
      why: `${JSON.stringify(prediction)} vs ${answer}`,
      prediction: prediction as string,
      reference: { answer: answer as string, category: "random" },
      score: score as number,
    })),
  ],
  aggregates: [
    {
      why: "a hand-built set with every branch: TP, FP, FN, TN, neither, empty denominators",
      samples: [
        s("yes", "yes", "adversarial"), // TP
        s("no", "yes", "adversarial"), // FN
        s("yes", "no", "adversarial"), // FP
        s("no", "no", "adversarial"), // TN
        s("Yes.", "yes", "adversarial"), // neither: not a TP, not an FN
        s("no", "no", "popular"), // TN
        s("maybe", "no", "popular"), // neither
        s("yes", "yes", "random"), // TP
        s("Yes", "yes", "random"), // TP
        s("yes", "no", "random"), // FP
      ],
      // Worked out by hand, checked with the reference's aggregate functions (check_golden.py).
      expected: {
        accuracy: 0.5, // 5 of 10 correct
        precision: 0.6, // TP 3 / (TP 3 + FP 2)
        recall: 0.75, // TP 3 / (TP 3 + FN 1)
        f1: (2 * (0.6 * 0.75)) / (0.6 + 0.75),
        yes_ratio: 0.5, // 5 of 10 ground truths are yes
        parse_failure_rate: 0.2,
        "accuracy/adversarial": 0.4,
        "precision/adversarial": 0.5,
        "recall/adversarial": 0.5,
        "f1/adversarial": 0.5,
        "yes_ratio/adversarial": 0.6,
        "accuracy/popular": 0.5,
        "precision/popular": 0, // no predicted yes: 0, not NaN
        "recall/popular": 0, // no ground-truth yes: 0
        "f1/popular": 0,
        "yes_ratio/popular": 0,
        "accuracy/random": 2 / 3,
        "precision/random": 2 / 3,
        "recall/random": 1,
        "f1/random": (2 * ((2 / 3) * 1)) / (2 / 3 + 1),
        "yes_ratio/random": 2 / 3,
        "parse_failure_rate/popular": 0.5, // "maybe" of the two
      },
    },
  ],
};
