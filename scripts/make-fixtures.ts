/**
 * Writes every benchmark's dataset in its real Hub schema and file layout, small and synthetic, for tests
 * and the bundled demo (the six original builders are below; newer ones are one file each in fixtures/):
 *
 *   <outDir>/datasets/<org>/<name>/README.md        (card with `configs:` front matter)
 *   <outDir>/datasets/<org>/<name>/<config files>   (parquet, several row groups, snappy + one zstd)
 *
 * Deterministic for a given seed and option set. Run:
 *   node --import tsx scripts/make-fixtures.ts <outDir> [--rows N] [--seed S] [--corrupt task:row,…]
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ai2dFixture } from "./fixtures/ai2d.js";
import { chartqaFixture } from "./fixtures/chartqa.js";
import { infovqaFixture } from "./fixtures/infovqa.js";
import {
  BOOL,
  type Column,
  card,
  corruptSet,
  type FixtureBuilder,
  type FixtureOptions,
  I32,
  I64,
  IMG,
  type Img,
  imageValue,
  img,
  list,
  rngFor,
  S,
  struct,
  writeTable,
} from "./fixtures/kit.js";
import { ocrbenchFixture } from "./fixtures/ocrbench.js";
import { realworldqaFixture } from "./fixtures/realworldqa.js";
import { scienceqaImgFixture } from "./fixtures/scienceqa_img.js";
import { vqav2Fixture } from "./fixtures/vqav2.js";

export type { FixtureOptions } from "./fixtures/kit.js";

/** What makeFixtures wrote. */
export interface FixtureManifest {
  /** The outDir passed in. */
  root: string;
  /** Per task: the dataset repo id and its folder. */
  datasets: Record<FixtureTask, { repo: string; dir: string; files: string[] }>;
}

async function gqaDataset(dir: string, n: number, seed: number, opts: FixtureOptions): Promise<string[]> {
  const r = rngFor(seed, "gqa");
  const nImages = Math.max(2, Math.ceil(n / 3));
  const bad = corruptSet(opts, "gqa");
  const imageIds = Array.from({ length: nImages }, (_, k) => `n${161313 + k * 7}`);
  const images: Record<string, unknown>[] = [];
  for (const [k, id] of imageIds.entries()) {
    const im = await img(r, seed * 7 + 1, k);
    images.push({ id, image: im });
  }
  const objects = ["cup", "table", "T-shirt", "dog", "bus", "chair", "lamp", "window"];
  const questions: [string, string, string][] = [
    ["Is the {o} to the left or to the right of the {p}?", "left", "The {o} is to the left of the {p}."],
    ["What color is the {o}?", "white", "The {o} is white."],
    ["Are there both a {o} and a {p} in this picture?", "yes", "Yes, there are both a {o} and a {p}."],
    ["Which kind of furniture is it, a {o} or a {p}?", "t-shirt", "It is a t-shirt."],
    ["Who is wearing the {o}?", "man", "The man is wearing the {o}."],
    ["What is the {o} made of?", "wood", "The {o} is made of wood."],
  ];
  const rows: Record<string, unknown>[] = [];
  for (let k = 0; k < n; k++) {
    const [q, a, fa] = questions[k % questions.length]!;
    const o = r.pick(objects);
    const p = r.pick(objects.filter((x) => x !== o));
    const fill = (s: string) => s.replaceAll("{o}", o).replaceAll("{p}", p);
    // Questions are not in image order, so the join must look images up, not walk alongside.
    const imageId = imageIds[(k * 5 + 3) % nImages]!;
    rows.push({
      id: String(20000000 + k * 13),
      imageId,
      question: fill(q),
      answer: a,
      fullAnswer: fill(fa),
      isBalanced: true,
      groups: { global: r.next() < 0.5 ? null : "place", local: `${(k % 14) + 1}-${o}` },
      entailed: "",
      equivalent: String(20000000 + k * 13),
      types: {
        structural: r.pick(["query", "verify", "choose"]),
        semantic: r.pick(["rel", "attr", "obj"]),
        detailed: "relS",
      },
      annotations: {
        answer: [],
        question: [{ objectId: String(3000000 + k), value: o }],
        fullAnswer: [{ objectId: String(3000000 + k), value: o }],
      },
      semantic: [
        { operation: "select", argument: `${o} (${3000000 + k})`, dependencies: [] },
        { operation: "relate", argument: `${p},to the left of,s`, dependencies: [0] },
      ],
      semanticStr: `select: ${o} ->relate: ${p},to the left of,s [0]`,
    });
  }
  // Corrupt indices refer to question rows; corrupt the image those rows join to.
  for (const k of bad) {
    const row = rows[k];
    if (!row) continue;
    const target = images.find((x) => x.id === row.imageId)!;
    target.image = imageValue(target.image as Img, true);
  }
  const instrCols: Column[] = [
    { name: "id", type: S },
    { name: "imageId", type: S },
    { name: "question", type: S },
    { name: "answer", type: S },
    { name: "fullAnswer", type: S },
    { name: "isBalanced", type: BOOL },
    {
      name: "groups",
      type: struct([
        ["global", S],
        ["local", S],
      ]),
    },
    { name: "entailed", type: S },
    { name: "equivalent", type: S },
    {
      name: "types",
      type: struct([
        ["structural", S],
        ["semantic", S],
        ["detailed", S],
      ]),
    },
    {
      name: "annotations",
      type: struct([
        [
          "answer",
          list(
            struct([
              ["objectId", S],
              ["value", S],
            ]),
          ),
        ],
        [
          "question",
          list(
            struct([
              ["objectId", S],
              ["value", S],
            ]),
          ),
        ],
        [
          "fullAnswer",
          list(
            struct([
              ["objectId", S],
              ["value", S],
            ]),
          ),
        ],
      ]),
    },
    {
      name: "semantic",
      type: list(
        struct([
          ["operation", S],
          ["argument", S],
          ["dependencies", list(I32)],
        ]),
      ),
    },
    { name: "semanticStr", type: S },
  ];
  const imgCols: Column[] = [
    { name: "id", type: S },
    { name: "image", type: IMG },
  ];
  const f1 = "testdev_balanced_instructions/testdev-00000-of-00001.parquet";
  const f2 = "testdev_balanced_images/testdev-00000-of-00001.parquet";
  await writeTable(join(dir, f1), { columns: instrCols, rows, rowGroupSize: 4 });
  await writeTable(join(dir, f2), { columns: imgCols, rows: images, rowGroupSize: 2, codec: "ZSTD" });
  await writeFile(
    join(dir, "README.md"),
    card("GQA", [
      {
        name: "testdev_balanced_images",
        columns: imgCols,
        splits: [{ split: "testdev", pattern: "testdev_balanced_images/testdev-*", rows: images.length }],
      },
      {
        name: "testdev_balanced_instructions",
        columns: instrCols,
        splits: [{ split: "testdev", pattern: "testdev_balanced_instructions/testdev-*", rows: n }],
      },
    ]),
  );
  return [f1, f2];
}

const TEXTVQA_Q: [string, string[], string][] = [
  ["what brand is this NOKIA phone?", ["NOKIA"], "nokia"],
  ["WHAT does the sign say?", ["STOP", "ONLY"], "stop"],
  ["what number is on the bus?", ["42", "ROUTE"], "42"],
  ["¿qué dice el cartel?", ["ABIERTO"], "abierto"],
  ["what word is written under ΣΟΦΙΑ?", ["ΣΟΦΙΑ", "café"], "café"],
  ["ǆungla brand name?", ["Straße 7"], "straße 7"],
  ["İs this the McDonald's logo?", ["McDONALD'S"], "yes"],
  ["what year is shown?", ["1999", "EST."], "1999"],
];

async function textvqaDataset(dir: string, n: number, seed: number, opts: FixtureOptions): Promise<string[]> {
  const r = rngFor(seed, "textvqa");
  const bad = corruptSet(opts, "textvqa");
  const cols: Column[] = [
    { name: "image_id", type: S },
    { name: "question_id", type: I32 },
    { name: "question", type: S },
    { name: "question_tokens", type: list(S) },
    { name: "image", type: IMG },
    { name: "image_width", type: I32 },
    { name: "image_height", type: I32 },
    { name: "flickr_original_url", type: S },
    { name: "flickr_300k_url", type: S },
    { name: "answers", type: list(S) },
    { name: "image_classes", type: list(S) },
    { name: "set_name", type: S },
    { name: "ocr_tokens", type: list(S) },
  ];
  const makeRows = async (count: number, split: string, base: number) => {
    const rows: Record<string, unknown>[] = [];
    for (let k = 0; k < count; k++) {
      const [q, words, a] = TEXTVQA_Q[k % TEXTVQA_Q.length]!;
      const im = await img(r, seed * 11 + base, k, { lines: words, min: 120 });
      const { default: sharp } = await import("sharp");
      const meta = await sharp(im.bytes).metadata();
      const answers =
        split === "test"
          ? []
          : Array.from({ length: 10 }, (_, j) => (j < 7 ? a : j < 9 ? a.toUpperCase() : "unanswerable"));
      rows.push({
        image_id: `${(base + k * 37).toString(16).padStart(16, "0")}`,
        question_id: base + k,
        question: q,
        question_tokens: q.split(" "),
        image: imageValue(im, split !== "test" && bad.has(k)),
        image_width: meta.width ?? 0,
        image_height: meta.height ?? 0,
        flickr_original_url: `https://farm${k}.staticflickr.com/${base + k}_o.jpg`,
        flickr_300k_url: `https://c${k}.staticflickr.com/${base + k}_z.jpg`,
        answers,
        image_classes: ["Poster", "Text"],
        set_name: split === "validation" ? "val" : split,
        ocr_tokens: words.flatMap((w) => w.split(" ")),
      });
    }
    return rows;
  };
  const fVal = "data/validation-00000-of-00001.parquet";
  const fTest = "data/test-00000-of-00001.parquet";
  await writeTable(join(dir, fVal), {
    columns: cols,
    rows: await makeRows(n, "validation", 34602),
    rowGroupSize: 5,
  });
  await writeTable(join(dir, fTest), {
    columns: cols,
    rows: await makeRows(2, "test", 39602),
    rowGroupSize: 5,
  });
  await writeFile(
    join(dir, "README.md"),
    card("TextVQA", [
      {
        name: "default",
        columns: cols,
        splits: [
          { split: "validation", pattern: "data/validation-*", rows: n },
          { split: "test", pattern: "data/test-*", rows: 2 },
        ],
      },
    ]),
  );
  return [fVal, fTest];
}

const DOCVQA_Q: [string, string[], string[]][] = [
  [
    "What is the date mentioned in this letter?",
    ["Date: March 3, 1998", "Dear Dr. Smith,"],
    ["March 3, 1998", "3/3/98"],
  ],
  ["What is the total amount?", ["INVOICE 4471", "Total: $1,250.00"], ["$1,250.00", "1,250.00"]],
  ["Who is the memo addressed to?", ["MEMORANDUM", "TO: J. Doe", "FROM: R. Roe"], ["J. Doe"]],
  ["What is the title of the document?", ["ANNUAL REPORT 1987", "Section 1"], ["Annual Report 1987"]],
  ["What is the page number?", ["Nutrition Facts", "page 12"], ["12"]],
  ["What is written in the heading?", ["Straße & Co. GmbH", "Köln"], ["Straße & Co. GmbH"]],
];

async function docvqaDataset(dir: string, n: number, seed: number, opts: FixtureOptions): Promise<string[]> {
  const r = rngFor(seed, "docvqa");
  const bad = corruptSet(opts, "docvqa");
  const cols: Column[] = [
    { name: "questionId", type: S },
    { name: "question", type: S },
    { name: "question_types", type: list(S) },
    { name: "image", type: IMG },
    { name: "docId", type: I64 },
    { name: "ucsf_document_id", type: S },
    { name: "ucsf_document_page_no", type: S },
    { name: "answers", type: list(S) },
    { name: "data_split", type: S },
  ];
  const rows: Record<string, unknown>[] = [];
  for (let k = 0; k < n; k++) {
    const [q, lines, answers] = DOCVQA_Q[k % DOCVQA_Q.length]!;
    const im = await img(r, seed * 13, k, { lines, min: 140 });
    rows.push({
      questionId: String(49153 + k * 3),
      question: q,
      question_types: [r.pick(["handwritten", "layout", "table/list", "form"])],
      image: imageValue(im, bad.has(k)),
      docId: 14465 + k,
      ucsf_document_id: `txpn${String(k).padStart(4, "0")}`,
      ucsf_document_page_no: String(r.int(1, 9)),
      answers,
      data_split: "val",
    });
  }
  const f = "DocVQA/validation-00000-of-00001.parquet";
  await writeTable(join(dir, f), { columns: cols, rows, rowGroupSize: 3 });
  await writeFile(
    join(dir, "README.md"),
    card("DocVQA", [
      {
        name: "DocVQA",
        columns: cols,
        splits: [{ split: "validation", pattern: "DocVQA/validation-*", rows: n }],
      },
    ]),
  );
  return [f];
}

const POPE_OBJ = [
  "snowboard",
  "dining table",
  "person",
  "car",
  "bottle",
  "traffic light",
  "handbag",
  "umbrella",
];
// Leading/trailing whitespace the reference strips with Python's str.strip(); U+FEFF is NOT Python whitespace.
const POPE_PAD: [string, string][] = [
  ["", ""],
  [" ", "  "],
  ["\u3000", "\n"],
  ["", "\u0085"],
  ["\t", "\u00a0"],
  ["", "\ufeff"],
  ["\u001f", ""],
];

async function popeDataset(dir: string, n: number, seed: number, opts: FixtureOptions): Promise<string[]> {
  const r = rngFor(seed, "pope");
  const bad = corruptSet(opts, "pope");
  const cols: Column[] = [
    { name: "id", type: S },
    { name: "question_id", type: S },
    { name: "question", type: S },
    { name: "answer", type: S },
    { name: "image_source", type: S },
    { name: "image", type: IMG },
    { name: "category", type: S },
  ];
  const categories = ["adversarial", "popular", "random"];
  const files: string[] = [];
  let global = 0;
  for (const [c, category] of categories.entries()) {
    const count = Math.floor(n / 3) + (c < n % 3 ? 1 : 0);
    const rows: Record<string, unknown>[] = [];
    for (let k = 0; k < count; k++) {
      const o = r.pick(POPE_OBJ);
      const [pre, post] = POPE_PAD[global % POPE_PAD.length]!;
      const im = await img(r, seed * 17 + c, k);
      rows.push({
        id: String(global),
        // question_id restarts in each category, as in the real data.
        question_id: String(k + 1),
        question: `${pre}Is there a ${o} in the image?${post}`,
        answer: (k + c) % 2 === 0 ? "yes" : "no",
        image_source: `COCO_val2014_${String(310196 + global * 11).padStart(12, "0")}`,
        image: imageValue(im, bad.has(global)),
        category,
      });
      global++;
    }
    const f = `data/test-0000${c}-of-00003.parquet`;
    await writeTable(join(dir, f), {
      columns: cols,
      rows,
      rowGroupSize: 2,
      codec: c === 1 ? "ZSTD" : "SNAPPY",
    });
    files.push(f);
  }
  await writeFile(
    join(dir, "README.md"),
    card("POPE", [
      { name: "default", columns: cols, splits: [{ split: "test", pattern: "data/test-*", rows: n }] },
    ]),
  );
  return files;
}

async function seedDataset(dir: string, n: number, seed: number, opts: FixtureOptions): Promise<string[]> {
  const r = rngFor(seed, "seedbench");
  const bad = corruptSet(opts, "seedbench");
  const cols: Column[] = [
    { name: "answer", type: S },
    { name: "choice_a", type: S },
    { name: "choice_b", type: S },
    { name: "choice_c", type: S },
    { name: "choice_d", type: S },
    { name: "data_id", type: S },
    { name: "data_type", type: S },
    { name: "question", type: S },
    { name: "question_id", type: S },
    { name: "question_type_id", type: I64 },
    { name: "image", type: list(IMG) },
  ];
  const qs: [string, string[]][] = [
    ["What is the main object in the image?", ["A red ball", "A blue car", "A green tree", "A yellow house"]],
    ["How many circles are there?", ["1", "2", "3", "4"]],
    ["Where is the square located?", ["Top left", "Top right", "Bottom left", "Bottom right"]],
    ["What is the man doing in the video?", ["Running", "Cooking", "Sleeping", "Reading"]],
    ["Which colour dominates the scene?", ["Red — mostly", "Blue", "Green", "Ünïcödé grey"]],
  ];
  const all: Record<string, unknown>[] = [];
  const nVideo = Math.max(2, Math.floor(n / 5));
  let imageRow = 0;
  let videos = 0;
  for (let k = 0; imageRow < n || videos < nVideo; k++) {
    // Every sixth row is a video question (several frames), dropped by the task.
    const video = videos < nVideo && (k % 6 === 5 || imageRow >= n);
    const [q, choices] = qs[video ? 3 : k % qs.length === 3 ? 0 : k % qs.length]!;
    let frames: Img[];
    if (video) {
      frames = [];
      for (let f = 0; f < 4; f++) frames.push(await img(r, seed * 19 + k, 10 + f, { min: 32, max: 48 }));
    } else {
      // A few image questions carry two images, to prove every listed image is passed.
      const count = imageRow % 4 === 2 ? 2 : 1;
      frames = [];
      for (let f = 0; f < count; f++) frames.push(await img(r, seed * 23 + k, f === 0 ? imageRow : 10 + f));
    }
    const corrupt = !video && bad.has(imageRow);
    all.push({
      answer: "ABCD"[k % 4]!,
      choice_a: choices[0],
      choice_b: choices[1],
      choice_c: choices[2],
      choice_d: choices[3],
      data_id: video ? `v_${k}_clip.mp4` : `${1454426 + k}_${2591111986 + k}`,
      data_type: video ? "video" : "image",
      question: q,
      question_id: video ? `${101000 + k}` : `${k + 1}`,
      question_type_id: video ? 10 + (k % 3) : (k % 9) + 1,
      image: frames.map((fr, j) => imageValue(fr, corrupt && j === 0)),
    });
    if (video) videos++;
    else imageRow++;
  }
  const half = Math.ceil(all.length / 2);
  const f1 = "data/test-00000-of-00002.parquet";
  const f2 = "data/test-00001-of-00002.parquet";
  await writeTable(join(dir, f1), { columns: cols, rows: all.slice(0, half), rowGroupSize: 3 });
  await writeTable(join(dir, f2), { columns: cols, rows: all.slice(half), rowGroupSize: 3 });
  await writeFile(
    join(dir, "README.md"),
    card("SEED-Bench", [
      {
        name: "default",
        columns: cols,
        splits: [{ split: "test", pattern: "data/test-*", rows: all.length }],
      },
    ]),
  );
  return [f1, f2];
}

interface MmmuQ {
  subject: string;
  question: string;
  options: string | null;
  answer: string;
  type: "multiple-choice" | "open";
  images: number[];
}

// Options are stored the way Python's str(list) prints them: single quotes unless the text has one.
const MMMU_Q: MmmuQ[] = [
  {
    subject: "Art_Theory",
    question: "<image 1> Which movement does this painting belong to?",
    options: "['Impressionism', 'Cubism', \"Pop art's revival\", 'Baroque']",
    answer: "A",
    type: "multiple-choice",
    images: [1],
  },
  {
    subject: "Math",
    question: "Compare <image 2> with <image 1>. What is the area of the shaded region in cm^2?",
    options: "[]",
    answer: "12.5",
    type: "open",
    images: [1, 2],
  },
  {
    subject: "Computer_Science",
    question: "Which graph is a tree?",
    options: "['<image 1>', '<image 2>', '<image 3>', 'None of them']",
    answer: "B",
    type: "multiple-choice",
    images: [1, 2, 3],
  },
  {
    subject: "Clinical_Medicine",
    question:
      "A 45-year-old presents with the finding in <image 1>. Most likely diagnosis?\nSee also <image 1>.",
    options: "['Pneumonia', 'Pneumothorax', 'Pleural effusion', 'Normal \\u2014 no finding', 'Cardiomegaly']",
    answer: "C",
    type: "multiple-choice",
    images: [1],
  },
  {
    subject: "Economics",
    question: "Using the table in <image 1>, compute the elasticity (two decimals).",
    options: "[]",
    answer: "1.25",
    type: "open",
    images: [1],
  },
  {
    subject: "Physics",
    question: "Two forces act as shown in <image 3> and <image 1>. What is the net force?",
    options: "['5 N', '10 N', '15 N\\n(approx.)', \"0 N — they cancel\"]",
    answer: "D",
    type: "multiple-choice",
    images: [1, 3],
  },
  {
    subject: "History",
    question: "Which option is the caption of this poster <image 1>?",
    options: "[\"It's \\\"the\\\" end\", 'Victory\\\\Peace', 'Caf\\xe9 society']",
    answer: "A",
    type: "multiple-choice",
    images: [1],
  },
];

async function mmmuDataset(dir: string, n: number, seed: number, opts: FixtureOptions): Promise<string[]> {
  const r = rngFor(seed, "mmmu");
  const bad = corruptSet(opts, "mmmu");
  const imageCols = [1, 2, 3, 4, 5, 6, 7].map((k) => `image_${k}`);
  const cols: Column[] = [
    { name: "id", type: S },
    { name: "question", type: S },
    { name: "options", type: S },
    { name: "explanation", type: S },
    ...imageCols.map((name) => ({ name, type: IMG })),
    { name: "img_type", type: S },
    { name: "answer", type: S },
    { name: "topic_difficulty", type: S },
    { name: "question_type", type: S },
    { name: "subfield", type: S },
  ];
  const make = async (count: number, split: string) => {
    const rows: Record<string, unknown>[] = [];
    const perSubject = new Map<string, number>();
    for (let k = 0; k < count; k++) {
      const q = MMMU_Q[k % MMMU_Q.length]!;
      const num = (perSubject.get(q.subject) ?? 0) + 1;
      perSubject.set(q.subject, num);
      const row: Record<string, unknown> = {
        id: `${split}_${q.subject}_${num}`,
        question: q.question,
        options: q.options,
        explanation: "",
        img_type: "['Diagrams']",
        answer: q.answer,
        topic_difficulty: r.pick(["Easy", "Medium", "Hard"]),
        question_type: q.type,
        subfield: q.subject.replaceAll("_", " "),
      };
      for (const [j, c] of imageCols.entries()) {
        const used = q.images.includes(j + 1);
        if (!used) {
          row[c] = null;
          continue;
        }
        const im = await img(r, seed * 29 + k, j === 0 ? k : 6 + j, { max: 160 });
        row[c] = imageValue(im, split === "validation" && bad.has(k) && j === q.images[0]! - 1);
      }
      rows.push(row);
    }
    return rows;
  };
  const fVal = "data/validation-00000-of-00001.parquet";
  const fDev = "data/dev-00000-of-00001.parquet";
  await writeTable(join(dir, fVal), { columns: cols, rows: await make(n, "validation"), rowGroupSize: 4 });
  await writeTable(join(dir, fDev), { columns: cols, rows: await make(2, "dev"), rowGroupSize: 4 });
  await writeFile(
    join(dir, "README.md"),
    card("MMMU", [
      {
        name: "default",
        columns: cols,
        splits: [
          { split: "dev", pattern: "data/dev-*", rows: 2 },
          { split: "validation", pattern: "data/validation-*", rows: n },
        ],
      },
    ]),
  );
  return [fVal, fDev];
}

const BUILDERS = {
  gqa: { repo: "lmms-lab/GQA", build: gqaDataset },
  textvqa: { repo: "lmms-lab/textvqa", build: textvqaDataset },
  docvqa: { repo: "lmms-lab/DocVQA", build: docvqaDataset },
  pope: { repo: "lmms-lab/POPE", build: popeDataset },
  seedbench: { repo: "lmms-lab/SEED-Bench", build: seedDataset },
  mmmu: { repo: "lmms-lab/MMMU", build: mmmuDataset },
  chartqa: chartqaFixture,
  // After docvqa: InfographicVQA is a second config of the same repo and card.
  infovqa: infovqaFixture,
  ocrbench: ocrbenchFixture,
  ai2d: ai2dFixture,
  scienceqa_img: scienceqaImgFixture,
  realworldqa: realworldqaFixture,
  vqav2: vqav2Fixture,
} satisfies Record<string, FixtureBuilder>;

/** The fixture datasets, by task name (one per task of the registry; tasks.test.ts checks they match). */
export type FixtureTask = keyof typeof BUILDERS;

/** Task names with a fixture builder. */
export const FIXTURE_TASKS = Object.keys(BUILDERS) as FixtureTask[];

/** Writes every fixture dataset under `<outDir>/datasets/<org>/<name>/` and a manifest.json. */
export async function makeFixtures(outDir: string, opts: FixtureOptions = {}): Promise<FixtureManifest> {
  const n = opts.rowsPerTask ?? 16;
  const seed = opts.seed ?? 1;
  if (!Number.isInteger(n) || n < 3) throw new Error(`rowsPerTask must be an integer ≥ 3, got ${n}`);
  const datasets = {} as FixtureManifest["datasets"];
  const started = new Set<string>();
  for (const task of FIXTURE_TASKS) {
    const { repo, build } = BUILDERS[task];
    const dir = join(outDir, "datasets", repo);
    await mkdir(dir, { recursive: true });
    // A card from an earlier run into the same folder must not be merged into (writeCard adds configs).
    if (!started.has(repo)) await rm(join(dir, "README.md"), { force: true });
    started.add(repo);
    const files = await build(dir, n, seed, opts);
    datasets[task] = { repo, dir, files: ["README.md", ...files] };
  }
  const manifest: FixtureManifest = { root: outDir, datasets };
  const portable = Object.fromEntries(
    Object.entries(datasets).map(([t, d]) => [t, { repo: d.repo, files: d.files }]),
  );
  await writeFile(
    join(outDir, "manifest.json"),
    `${JSON.stringify({ rowsPerTask: n, seed, corruptImages: opts.corruptImages ?? {}, datasets: portable }, null, 2)}\n`,
  );
  return manifest;
}

async function cli(argv: string[]): Promise<void> {
  const out = argv[0];
  if (!out || out.startsWith("-")) {
    process.stderr.write(
      "usage: node --import tsx scripts/make-fixtures.ts <outDir> [--rows N] [--seed S] [--corrupt task:row,…]\n",
    );
    process.exitCode = 2;
    return;
  }
  const opts: FixtureOptions = {};
  for (let k = 1; k < argv.length; k += 2) {
    const flag = argv[k];
    const value = argv[k + 1] ?? "";
    if (flag === "--rows") opts.rowsPerTask = Number(value);
    else if (flag === "--seed") opts.seed = Number(value);
    else if (flag === "--corrupt") {
      const corrupt: Partial<Record<FixtureTask, number[]>> = {};
      for (const item of value.split(",")) {
        const [t, row] = item.split(":");
        if (!t || !(t in BUILDERS) || row === undefined) throw new Error(`bad --corrupt item '${item}'`);
        corrupt[t as FixtureTask] = [...(corrupt[t as FixtureTask] ?? []), Number(row)];
      }
      opts.corruptImages = corrupt;
    } else throw new Error(`unknown flag ${flag}`);
  }
  const m = await makeFixtures(out, opts);
  process.stderr.write(`wrote ${Object.keys(m.datasets).length} datasets under ${out}/datasets\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await cli(process.argv.slice(2));
}
