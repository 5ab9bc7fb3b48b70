/**
 * Golden cases of seed (SEED-Bench): the first code point of the stripped output against the answer letter,
 * and the accuracies by data type and question type. Each `why` names the case; check_golden.py confirms
 * every expected score and `parsed` letter with the reference code.
 */
import type { GoldenSet } from "./golden.js";
import type { SeedRef } from "./seed.js";

const s = (prediction: string, answer: string, questionTypeId: number, dataType: string) => ({
  prediction,
  reference: { answer, questionTypeId, dataType },
});

export const golden: GoldenSet<SeedRef> = {
  cases: [
    ...(
      [
        ["A", "A", 1, "A"],
        ["a", "A", 1, "a"],
        ["B.", "B", 1, "B"],
        ["(B)", "B", 0, "("],
        ["The answer is B", "B", 0, "T"],
        [" C ", "C", 1, "C"],
        ["", "A", 0, ""],
        ["D) dog", "D", 1, "D"],
        ["\u{1F600}", "A", 0, "\u{1F600}"],
        ["\u{1F600}x", "A", 0, "\u{1F600}"],
        ["Answer: A", "A", 1, "A"],
        ["Answer: B", "B", 0, "A"],
        ["b)", "B", 1, "b"],
        ["\u00a0B", "B", 1, "B"],
        ["\u200bB", "B", 0, "\u200b"],
        ["AB", "B", 0, "A"],
        ["B\nC", "B", 1, "B"],
        ["\u0391", "A", 0, "\u0391"],
        ["D", "D", 1, "D"],
        ["C", "D", 0, "C"],
        ["c.", "C", 1, "c"],
        ["\tA\t", "A", 1, "A"],
        ["A, because", "A", 1, "A"],
        ["Option C", "C", 0, "O"],
        ["[A]", "A", 0, "["],
        ["d", "D", 1, "d"],
        ["\u3000D\u3000", "D", 1, "D"],
        ["1", "A", 0, "1"],
        ["E", "E", 1, "E"],
        ["B", " B ", 1, "B"],
      ] as const
    ).map(([prediction, answer, score, parsed]) => ({
      why: `${JSON.stringify(prediction)} vs ${answer}`,
      prediction,
      reference: { answer, questionTypeId: 1, dataType: "image" },
      score,
      parsed,
    })),
  ],
  aggregates: [
    {
      why: "by data type and by question type (v1 names; an unknown id by number)",
      samples: [
        s("A", "A", 1, "image"),
        s("B", "A", 1, "image"),
        s("C", "C", 9, "image"),
        s("(D)", "D", 9, "image"),
        s("D", "D", 42, "image"),
        s("A", "A", 10, "video"),
      ],
      expected: {
        seed_image: 0.6,
        seed_video: 1,
        seed_all: 4 / 6,
        parse_failure_rate: 1 / 6, // "(D)"
        "seed_image/Scene Understanding": 0.5,
        "seed_image/Text Understanding": 0.5,
        "seed_image/42": 1,
      },
      complete: true,
    },
  ],
};
