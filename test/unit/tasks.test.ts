/** Every task over the fixture datasets: joins, filters, image selection, validation errors. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parquetWriteBuffer } from "hyparquet-writer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURE_TASKS, type FixtureTask, makeFixtures } from "../../scripts/make-fixtures.js";
import { DataError } from "../../src/core/errors.js";
import type { Json, TaskSample } from "../../src/core/types.js";
import { streamParquetRows } from "../../src/data/parquet.js";
import { loadSamples } from "../../src/data/samples.js";
import { type AnyTask, TASKS } from "../../tasks/index.js";
import { fixtureDatasetFiles, fixtureRoot } from "../helpers/fixtures.js";

let root: string;
let tmp: string;

beforeAll(async () => {
  root = await fixtureRoot();
  tmp = mkdtempSync(join(tmpdir(), "tasks-test-"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function task(name: string): AnyTask {
  return TASKS[name]!;
}

async function samplesOf(name: FixtureTask, r = root): Promise<TaskSample<Json>[]> {
  const t = task(name);
  const out: TaskSample<Json>[] = [];
  for await (const s of loadSamples(t, fixtureDatasetFiles(r, name, t.dataset))) out.push(s);
  return out;
}

describe("task registry", () => {
  it("keys every task by its own name, with a positive token budget", () => {
    for (const [key, t] of Object.entries(TASKS)) {
      expect(t.name, key).toBe(key);
      expect(Number.isInteger(t.generation.maxNewTokens) && t.generation.maxNewTokens > 0, key).toBe(true);
    }
  });

  it("keeps the reference quirks: stop strings where lmms-eval sets them, the lmms-lab-encoder fallback", () => {
    expect(task("textvqa").generation.stop).toEqual(["ASSISTANT:"]);
    expect(task("seedbench").generation.stop).toEqual(["ASSISTANT:"]);
    expect(task("gqa").generation.stop).toEqual([]);
    for (const t of Object.values(TASKS)) {
      // OCRBench is not an lmms-lab dataset and was not moved.
      const expected =
        t.name === "ocrbench" ? undefined : [t.dataset.repo.replace("lmms-lab/", "lmms-lab-encoder/")];
      expect(t.dataset.fallbackRepos, t.name).toEqual(expected);
    }
  });

  it("has no fixture module for a task that is not registered (scripts/fixtures/<task>.ts)", () => {
    const dir = fileURLToPath(new URL("../../scripts/fixtures", import.meta.url));
    // A builder module exports `fixture`; the shared writer pieces (kit.ts, images.ts, rng.ts, …) do not.
    const modules = readdirSync(dir)
      .filter((f) => f.endsWith(".ts") && /^export const fixture\b/m.test(readFileSync(join(dir, f), "utf8")))
      .map((f) => f.slice(0, -3));
    expect(modules.filter((m) => !(m in TASKS))).toEqual([]);
    expect(modules.sort()).toEqual([...FIXTURE_TASKS].sort());
  });
});

describe("loadSamples over the fixtures", () => {
  for (const name of FIXTURE_TASKS) {
    it(`${name}: 16 samples with unique ids, prompts, images and references`, async () => {
      const samples = await samplesOf(name);
      expect(samples).toHaveLength(16);
      expect(new Set(samples.map((s) => s.id)).size).toBe(16);
      for (const s of samples) {
        expect(s.prompt.length).toBeGreaterThan(10);
        expect(s.images.length).toBeGreaterThan(0);
        // The doc carries no image bytes, and the reference round-trips through it.
        expect(JSON.stringify(s.doc)).not.toMatch(/"bytes"/);
        expect(task(name).referenceFromDoc(JSON.parse(JSON.stringify(s.doc)))).toEqual(s.reference);
      }
    });
  }

  it("gqa: joins each question's image by imageId from the images config", async () => {
    const t = task("gqa");
    const files = fixtureDatasetFiles(root, "gqa", t.dataset);
    const byId = new Map<string, Uint8Array>();
    for await (const r of streamParquetRows(files.joins.testdev_balanced_images![0]!)) {
      byId.set(r.id as string, (r.image as { bytes: Uint8Array }).bytes);
    }
    const samples = await samplesOf("gqa");
    const imageIds = new Set<string>();
    for (const s of samples) {
      const imageId = s.doc.imageId as string;
      imageIds.add(imageId);
      expect(Buffer.from(s.images[0]!.bytes).equals(Buffer.from(byId.get(imageId)!))).toBe(true);
      expect(s.images[0]!.source).toBe("testdev_balanced_images/image");
      expect(s.doc.id).toBe(s.id);
    }
    expect(imageIds.size).toBeGreaterThan(2);
  });

  it("gqa: a tiny join cache (evicting every group) gives the same images", async () => {
    const t = task("gqa");
    const files = fixtureDatasetFiles(root, "gqa", t.dataset);
    const small: string[] = [];
    for await (const s of loadSamples(t, files, { joinCacheBytes: 1 }))
      small.push(Buffer.from(s.images[0]!.bytes).toString("hex"));
    const normal = (await samplesOf("gqa")).map((s) => Buffer.from(s.images[0]!.bytes).toString("hex"));
    expect(small).toEqual(normal);
  });

  it("seedbench: drops video rows and passes every image of multi-image rows", async () => {
    const t = task("seedbench");
    const files = fixtureDatasetFiles(root, "seedbench", t.dataset);
    let video = 0;
    for (const f of files.files)
      for await (const r of streamParquetRows(f)) if (r.data_type === "video") video++;
    expect(video).toBeGreaterThanOrEqual(2);
    const samples = await samplesOf("seedbench");
    expect(samples.every((s) => (s.reference as { dataType: string }).dataType === "image")).toBe(true);
    const multi = samples.filter((s) => s.images.length === 2);
    expect(multi.length).toBeGreaterThan(0);
    expect(multi[0]!.images.map((i) => i.source)).toEqual(["image[0]", "image[1]"]);
    expect(samples.every((s) => /^\d+$/.test(s.stratum ?? ""))).toBe(true);
  });

  it("mmmu: images are the distinct <image N> of question and options, sorted by name", async () => {
    const samples = await samplesOf("mmmu");
    const sources = (subject: string) =>
      samples.find((s) => s.id.startsWith(`validation_${subject}_`))!.images.map((i) => i.source);
    expect(sources("Math")).toEqual(["image_1", "image_2"]); // <image 2> mentioned before <image 1>
    expect(sources("Physics")).toEqual(["image_1", "image_3"]);
    expect(sources("Computer_Science")).toEqual(["image_1", "image_2", "image_3"]); // options are images
    expect(sources("Clinical_Medicine")).toEqual(["image_1"]); // mentioned twice, passed once
    const subjects = new Set(samples.map((s) => s.stratum));
    expect(subjects.size).toBeGreaterThanOrEqual(5);
    const mc = samples.find((s) => s.id.startsWith("validation_History_"))!;
    expect((mc.reference as { options: string[] }).options).toEqual([
      'It\'s "the" end',
      "Victory\\Peace",
      "Café society",
    ]);
  });

  it("pope: three categories as strata, questions stripped the Python way", async () => {
    const samples = await samplesOf("pope");
    expect(new Set(samples.map((s) => s.stratum))).toEqual(new Set(["adversarial", "popular", "random"]));
    for (const s of samples) expect(s.prompt).toMatch(/^\S/);
    // U+FEFF is not Python whitespace, so it survives strip().
    expect(samples.some((s) => s.prompt.includes("\ufeff\nAnswer"))).toBe(true);
    expect(samples.every((s) => ["yes", "no"].includes((s.reference as { answer: string }).answer))).toBe(
      true,
    );
  });

  it("textvqa: the prompt lower-cases the rest of the question like str.capitalize()", async () => {
    const samples = await samplesOf("textvqa");
    expect(samples[0]!.prompt.startsWith("What brand is this nokia phone?\n")).toBe(true);
    expect((samples[0]!.reference as { answers: string[] }).answers).toHaveLength(10);
  });
});

describe("errors name the file, the row and the column", () => {
  function writeTextVqa(path: string, questions: (string | null)[]): void {
    const n = questions.length;
    const buf = parquetWriteBuffer({
      schema: [
        { name: "schema", num_children: 4 },
        { name: "question_id", type: "INT32", repetition_type: "OPTIONAL" },
        { name: "question", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" },
        { name: "image", repetition_type: "OPTIONAL", num_children: 2 },
        { name: "bytes", type: "BYTE_ARRAY", repetition_type: "OPTIONAL" },
        { name: "path", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" },
        { name: "answers", repetition_type: "OPTIONAL", num_children: 1, converted_type: "LIST" },
        { name: "list", repetition_type: "REPEATED", num_children: 1 },
        { name: "element", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" },
      ],
      columnData: [
        { name: "question_id", data: Array.from({ length: n }, (_, k) => k) },
        { name: "question", data: questions },
        // Not an image at all: loading must still succeed.
        {
          name: "image",
          data: Array.from({ length: n }, () => ({ bytes: new Uint8Array([1, 2, 3]), path: null })),
        },
        { name: "answers", data: Array.from({ length: n }, () => ["a"]) },
      ],
      rowGroupSize: 2,
    });
    writeFileSync(path, new Uint8Array(buf));
  }

  it("reports a bad row with its file, index and column", async () => {
    const path = join(tmp, "validation-00000-of-00001.parquet");
    writeTextVqa(path, ["ok?", "fine?", null, "ok?"]);
    const run = async () => {
      for await (const _ of loadSamples(task("textvqa"), {
        repo: "x/y",
        sha: "s",
        files: [path],
        joins: {},
      }));
    };
    await expect(run()).rejects.toBeInstanceOf(DataError);
    await expect(run()).rejects.toThrow(`${path} row 2: Column 'question': expected a string, got null.`);
  });

  it("does not fail on unreadable image bytes (the model stage records those)", async () => {
    const path = join(tmp, "garbage-images.parquet");
    writeTextVqa(path, ["a?", "b?"]);
    const got = [];
    for await (const s of loadSamples(task("textvqa"), { repo: "x/y", sha: "s", files: [path], joins: {} }))
      got.push(s);
    expect(got).toHaveLength(2);
  });

  it("reports a GQA imageId missing from the images config", async () => {
    const t = task("gqa");
    const files = fixtureDatasetFiles(root, "gqa", t.dataset);
    const imagesOnly = join(tmp, "images.parquet");
    const buf = parquetWriteBuffer({
      schema: [
        { name: "schema", num_children: 2 },
        { name: "id", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" },
        { name: "image", repetition_type: "OPTIONAL", num_children: 2 },
        { name: "bytes", type: "BYTE_ARRAY", repetition_type: "OPTIONAL" },
        { name: "path", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" },
      ],
      columnData: [
        { name: "id", data: ["nothing-matches"] },
        { name: "image", data: [{ bytes: new Uint8Array([1]), path: null }] },
      ],
    });
    writeFileSync(imagesOnly, new Uint8Array(buf));
    const run = async () => {
      for await (const _ of loadSamples(t, { ...files, joins: { testdev_balanced_images: [imagesOnly] } }));
    };
    await expect(run()).rejects.toThrow(
      /row 0: Column 'imageId': "n\d+" has no row in config 'testdev_balanced_images'/,
    );
  });

  it("pope falls back to <category>-<question_id> when a copy has no id column", () => {
    const t = task("pope");
    const base = { question_id: "7", question: "Is there a cat?", answer: "no", category: "random" };
    const image = { bytes: new Uint8Array([1]), path: null };
    expect(t.id(t.parseRow({ ...base, image }))).toBe("random-7");
    expect(t.id(t.parseRow({ ...base, id: "42", image }))).toBe("42");
    // An integer id (another copy's schema) keeps its decimal form; anything else is still an error.
    expect(t.id(t.parseRow({ ...base, id: 42, image }))).toBe("42");
    expect(() => t.parseRow({ ...base, id: 4.5, image })).toThrow(
      /Column 'id': expected a string or integer id, got number/,
    );
  });

  it("referenceFromDoc lists every problem at once", () => {
    expect(() => task("seedbench").referenceFromDoc({ answer: 3, data_type: "image" })).toThrow(
      /'answer' should be a string, got number; 'question_type_id' should be an integer, got missing/,
    );
    expect(() => task("pope").referenceFromDoc({ answer: "maybe", category: null })).toThrow(
      /'category' should be a string, got null; 'answer' should be "yes" or "no"/,
    );
    expect(() =>
      task("mmmu").referenceFromDoc({
        id: "bad",
        answer: "A",
        question_type: "multiple-choice",
        options: "[1]",
      }),
    ).toThrow(/'options' .*not a Python list of strings.*; 'id' "bad" does not look like/);
  });
});

describe("bundled demo data", () => {
  const demo = fileURLToPath(new URL("../../demo/data", import.meta.url));
  for (const name of FIXTURE_TASKS) {
    it(`${name}: loads 8 samples`, async () => {
      expect(await samplesOf(name, demo)).toHaveLength(8);
    });
  }
});

describe("fixture options", () => {
  it("fixtureRoot is safe when called concurrently and deterministic for a seed", async () => {
    const opts = { rowsPerTask: 3, seed: 99 };
    const [a, b] = await Promise.all([fixtureRoot(opts), fixtureRoot(opts)]);
    expect(a).toBe(b);
    const again = mkdtempSync(join(tmpdir(), "fixtures-again-"));
    try {
      await makeFixtures(again, opts);
      const rel = "datasets/lmms-lab/MMMU/data/validation-00000-of-00001.parquet";
      expect(readFileSync(join(again, rel)).equals(readFileSync(join(a, rel)))).toBe(true);
    } finally {
      rmSync(again, { recursive: true, force: true });
    }
  });

  it("regenerating into the same folder gives the same cards (a shared repo's card is not merged twice)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fixtures-twice-"));
    try {
      const cards = ["lmms-lab/DocVQA", "lmms-lab/ScienceQA", "lmms-lab-encoder/ai2d"].map(
        (repo) => `datasets/${repo}/README.md`,
      );
      await makeFixtures(dir, { rowsPerTask: 3 });
      const first = cards.map((c) => readFileSync(join(dir, c), "utf8"));
      await makeFixtures(dir, { rowsPerTask: 3 });
      expect(cards.map((c) => readFileSync(join(dir, c), "utf8"))).toEqual(first);
      expect(first[0]!.match(/- config_name: InfographicVQA/g)).toHaveLength(2); // dataset_info + configs
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("writes garbage image bytes for the requested rows, which still load", async () => {
    const bad = await fixtureRoot({ rowsPerTask: 6, seed: 3, corruptImages: { docvqa: [1] } });
    const samples = await samplesOf("docvqa", bad);
    expect(samples).toHaveLength(6);
    const text = new TextDecoder().decode(samples[1]!.images[0]!.bytes);
    expect(text).toMatch(/not an image/);
    expect([...samples[0]!.images[0]!.bytes.slice(0, 2)]).not.toEqual([
      ...samples[1]!.images[0]!.bytes.slice(0, 2),
    ]);
  });
});
