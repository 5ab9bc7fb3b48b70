/**
 * Row schemas that differ from the Hub's canonical ones in representation, not meaning (another copy of a
 * dataset, another server's export): each task parses them, and the canonical rows' prompts do not change.
 */
import { describe, expect, it } from "vitest";
import type { RawRow, TaskDefinition } from "../../src/core/types.js";
import { TASKS } from "../../tasks/index.js";

const task = (name: string) => TASKS[name as keyof typeof TASKS] as unknown as TaskDefinition<unknown, never>;
const img = (n = 1) => ({ bytes: new Uint8Array([n]), path: null });
const sample = (name: string, raw: RawRow) => {
  const t = task(name);
  const row = t.parseRow(raw);
  const doc = t.doc(row);
  return { id: t.id(row), prompt: t.prompt(row), images: t.images(row), ref: t.referenceFromDoc(doc) };
};

describe("ids as int or string", () => {
  it("gqa, textvqa, docvqa, seedbench take integer (number or bigint) ids and string ids alike", () => {
    const gqa = { question: "Q?", answer: "a", imageId: 5, image: img() };
    expect(sample("gqa", { ...gqa, id: 12n }).id).toBe("12");
    expect(sample("gqa", { ...gqa, id: "12" }).id).toBe("12");
    const tv = { question: "what?", answers: ["a"], image: img() };
    expect(sample("textvqa", { ...tv, question_id: "34602" }).id).toBe("34602");
    expect(sample("textvqa", { ...tv, question_id: 34602 }).id).toBe("34602");
    expect(
      sample("docvqa", { question: "q", answers: ["a"], image: img(), questionId: 9007199254740993n }).id,
    ).toBe("9007199254740993");
    const seed = {
      answer: "A",
      choice_a: "a",
      choice_b: "b",
      choice_c: "c",
      choice_d: "d",
      data_type: "image",
      question: "q",
      question_type_id: 1,
      image: [img()],
    };
    expect(sample("seedbench", { ...seed, question_id: 101 }).id).toBe("101");
  });

  it("pope without an id column uses <category>-<question_id>, question_id int or string", () => {
    const base = { question: " Is there a cat? ", answer: "yes", category: "popular", image: img() };
    expect(sample("pope", { ...base, question_id: 3 }).id).toBe("popular-3");
    expect(sample("pope", { ...base, question_id: "3" }).id).toBe("popular-3");
  });
});

describe("answers lists", () => {
  it.each(["textvqa", "docvqa"])("%s drops null answers; all null is an error naming the column", (name) => {
    const base = { question: "q", image: img(), question_id: 1, questionId: "1" };
    expect(sample(name, { ...base, answers: ["a", null, "b"] }).ref).toEqual({ answers: ["a", "b"] });
    expect(() => sample(name, { ...base, answers: [null, null] })).toThrow(/Column 'answers'/);
    expect(() => sample(name, { ...base, answers: ["a", 3] })).toThrow(/Column 'answers\[1\]'/);
  });
});

describe("seedbench variants", () => {
  const seed = {
    answer: "B",
    choice_a: "a",
    choice_b: "b",
    choice_c: "c",
    choice_d: "d",
    data_type: "image",
    question: "Which?",
    question_id: "q1",
  };
  it("one Image struct instead of a list, and question_type_id as a string, give the same sample", () => {
    const canonical = sample("seedbench", { ...seed, question_type_id: 3, image: [img(7)] });
    const variant = sample("seedbench", { ...seed, question_type_id: "3", image: img(7) });
    expect(variant).toEqual(canonical);
    expect(
      task("seedbench").strata?.(
        task("seedbench").parseRow({ ...seed, question_type_id: "3", image: img() }),
      ),
    ).toBe("3");
    expect(() => sample("seedbench", { ...seed, question_type_id: "x", image: img() })).toThrow(
      /question_type_id/,
    );
  });
});

describe("mmmu variants", () => {
  const base = {
    id: "validation_Art_1",
    question: "Look at <image 1>. Which?",
    question_type: "multiple-choice",
    answer: "A",
    image_1: img(1),
    image_2: null,
    image_3: null,
    image_4: null,
    image_5: null,
    image_6: null,
    image_7: null,
  };
  it("options as a real list give the same prompt and reference as the Python-literal string", () => {
    const canonical = sample("mmmu", { ...base, options: "['x', 'y']" });
    const variant = sample("mmmu", { ...base, options: ["x", "y"] });
    expect(variant.prompt).toBe(canonical.prompt);
    expect(variant.ref).toEqual(canonical.ref);
    expect(variant.images).toHaveLength(1);
    expect(() => sample("mmmu", { ...base, options: ["x", 1] })).toThrow(/options\[1\]/);
  });

  it("a mentioned image column that is null is an error naming it; unmentioned nulls are fine", () => {
    expect(() => sample("mmmu", { ...base, question: "See <image 2>", options: "['x']" })).toThrow(/image_2/);
  });
});

describe("images stored as a path only", () => {
  it("load as an empty image whose source says why, so the sample fails later with that message", () => {
    const s = sample("pope", {
      id: "1",
      question: "q",
      answer: "no",
      category: "random",
      image: { bytes: null, path: "COCO_val2014_000000000042.jpg" },
    });
    expect(s.images[0]!.bytes.length).toBe(0);
    expect(s.images[0]!.source).toMatch(
      /image \(no bytes.*COCO_val2014_000000000042\.jpg.*cannot be loaded\)/,
    );
    // Neither bytes nor a path: still an error at load time.
    expect(() =>
      sample("pope", {
        id: "1",
        question: "q",
        answer: "no",
        category: "random",
        image: { bytes: null, path: null },
      }),
    ).toThrow(/Column 'image'/);
  });
});
