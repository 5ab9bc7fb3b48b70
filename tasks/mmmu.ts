/**
 * MMMU validation, as lmms-eval v0.3 defines it (lmms_eval/tasks/mmmu/mmmu_val.yaml + utils.py
 * `construct_prompt`, `mmmu_doc_to_visual`, `extract_subset_name`; docs/benchmarks.md#mmmu).
 * Default config, split `validation`, 900 rows. `options` is a Python-literal list parsed like
 * `ast.literal_eval`. Prompt: multiple-choice → `question + "\n" + "A. o1\nB. o2…" + "\n\n" +
 * "Answer with the option's letter from the given choices directly."`; open → `question + "\n\n" +
 * "Answer the question using a single word or phrase."`. `<image N>` placeholders stay in the text
 * (interleaved_format false). Images: every distinct `<image N>` in the prompt (question and
 * options), sorted by name, read from columns `image_N`. Greedy, max_new_tokens 128.
 * Deviations: none in the prompt; scoring follows v0.3 (see the mmmu scorer).
 */
import { type MmmuRef, mmmu as mmmuScorer } from "../scorers/mmmu.js";
import { DataError } from "../src/core/errors.js";
import type { ImageInput, Json, RawRow, TaskDefinition } from "../src/core/types.js";
import { docOf, image, MC_ANSWER, RefProblems, SHORT_ANSWER, str } from "./_common.js";
import { PyLiteralError, parsePyStringList } from "./pyliteral.js";

/** A validated MMMU row. */
export interface MmmuRow {
  /** `id`, e.g. `validation_Art_Theory_12`. */
  id: string;
  /** Subject parsed from the id. */
  subject: string;
  /** The prompt, built once at parse time (it also decides the images). */
  prompt: string;
  /** The images the prompt mentions, in sorted column order. */
  images: ImageInput[];
  /** Doc fields (Hub names). */
  doc: Record<string, Json>;
}

const IMAGE_COLUMNS = ["image_1", "image_2", "image_3", "image_4", "image_5", "image_6", "image_7"];

/** `extract_subset_name`: the text between the split prefix and the trailing number. */
export function mmmuSubject(id: string): string | null {
  const split = id.split("_")[0] ?? "";
  const escaped = split.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const m = new RegExp(`^${escaped}_(.+?)_\\d+$`).exec(id);
  return m?.[1] ?? null;
}

/** `construct_prompt` with the default prompts. `options` is the parsed list (ignored for open questions). */
export function mmmuPrompt(question: string, questionType: string, options: readonly string[]): string {
  if (questionType === "multiple-choice") {
    const lettered = options.map((o, k) => `${String.fromCharCode(65 + k)}. ${o}`).join("\n");
    return `${question}\n${lettered}\n\n${MC_ANSWER}`;
  }
  return `${question}\n${SHORT_ANSWER}`;
}

/** `mmmu_doc_to_visual`'s column choice: distinct `<image N>` tokens of the prompt, sorted, as `image_N`. */
export function mmmuImageColumns(prompt: string): string[] {
  const names = new Set<string>();
  for (const m of prompt.matchAll(/<image \d+>/g)) names.add(m[0].slice(1, -1).replace(" ", "_"));
  // Python sorted() on str compares code points, like the default JS sort on ASCII names.
  return [...names].sort();
}

/** `options`: a Python-literal list in a string (the Hub's form), or a copy's real list of strings. */
function parseOptions(value: unknown, column: string): string[] {
  if (Array.isArray(value)) {
    const bad = value.findIndex((x) => typeof x !== "string");
    if (bad >= 0) throw new DataError(`Column '${column}[${bad}]': expected a string.`);
    return value as string[];
  }
  if (typeof value !== "string") {
    throw new DataError(`Column '${column}': expected a Python-literal list string or a list of strings.`);
  }
  try {
    return parsePyStringList(value);
  } catch (err) {
    if (err instanceof PyLiteralError) {
      throw new DataError(`Column '${column}': not a Python list of strings (${err.message}).`);
    }
    throw err;
  }
}

export const mmmu: TaskDefinition<MmmuRow, MmmuRef> = {
  name: "mmmu",
  version: 1,
  description: "MMMU validation: college-level multi-discipline questions with images (accuracy).",
  dataset: {
    repo: "lmms-lab/MMMU",
    fallbackRepos: ["lmms-lab-encoder/MMMU"],
    config: "default",
    split: "validation",
  },
  parseRow(raw: RawRow): MmmuRow {
    const id = str(raw, "id");
    const subject = mmmuSubject(id);
    if (subject === null) {
      throw new DataError(
        `Column 'id': ${JSON.stringify(id)} does not look like <split>_<Subject>_<number>.`,
      );
    }
    const question = str(raw, "question");
    const questionType = str(raw, "question_type");
    str(raw, "answer");
    if (typeof raw.options !== "string" && !Array.isArray(raw.options)) {
      throw new DataError("Column 'options': expected a Python-literal list string or a list of strings.");
    }
    // Open questions do not use their options (often "[]"), so only multiple-choice ones are parsed.
    const options = questionType === "multiple-choice" ? parseOptions(raw.options, "options") : [];
    const prompt = mmmuPrompt(question, questionType, options);
    const images = mmmuImageColumns(prompt).map((col) => {
      if (!IMAGE_COLUMNS.includes(col)) {
        throw new DataError(
          `Column 'question'/'options': mentions <${col.replace("_", " ")}>, but MMMU has image_1..image_7.`,
        );
      }
      return image(raw, col);
    });
    return { id, subject, prompt, images, doc: docOf(raw, IMAGE_COLUMNS) };
  },
  id: (row) => row.id,
  images: (row) => row.images,
  prompt: (row) => row.prompt,
  doc: (row) => row.doc,
  referenceFromDoc(doc): MmmuRef {
    const p = new RefProblems(doc);
    const id = p.str("id");
    const answer = p.str("answer");
    const questionType = p.str("question_type");
    let options: string[] = [];
    try {
      if (
        questionType === "multiple-choice" ||
        (typeof doc.options !== "string" && !Array.isArray(doc.options))
      ) {
        options = parseOptions(doc.options, "options");
      }
    } catch (err) {
      p.add(`'options' is not a list of strings (${err instanceof Error ? err.message : String(err)})`);
    }
    const subject = typeof doc.id === "string" ? mmmuSubject(id) : "";
    if (subject === null) p.add(`'id' ${JSON.stringify(id)} does not look like <split>_<Subject>_<number>`);
    p.check("mmmu");
    return { answer, questionType, options, subject: subject ?? "" };
  },
  strata: (row) => row.subject,
  scorer: mmmuScorer,
  ttftRank: 6,
  generation: { maxNewTokens: 128, stop: [] },
  rows: 900,
};
