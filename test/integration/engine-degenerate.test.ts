/**
 * Models that misbehave on purpose (src/testbed/tiny-fastvlm/quirks.ts), fp32 and q4 (MatMulNBits): whatever they emit is an
 * answer. Empty answers, special tokens mid-answer, half a UTF-8 character, stop strings over several
 * tokens, newlines and one word forever: the same ids as transformers.js generate() on the same files,
 * text decoded as Python's tokenizer does, never a throw. Also the context-length check.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DataError } from "../../src/core/errors.js";
import { readSamples } from "../../src/core/records.js";
import type { GenerateRequest, Json, Scorer, TaskSample } from "../../src/core/types.js";
import { SPECIAL_IDS } from "../../src/models/fastvlm/constants.js";
import { type FastVLMEngine, loadFastVLM } from "../../src/models/fastvlm/engine.js";
import { buildInputs } from "../../src/models/fastvlm/processor.js";
import { runTask } from "../../src/runner/task-run.js";
import { MISBEHAVIOURS, type Misbehaviour } from "../../src/testbed/tiny-fastvlm/quirks.js";
import { tinyModelVariant } from "../helpers/tiny-model.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
type Tjs = typeof import("@huggingface/transformers");
type Dtype = "fp32" | "q4";
const ALL = (d: Dtype) => ({ vision_encoder: d, embed_tokens: d, decoder_model_merged: d });
const PROMPT = "What is written on the sign? Answer the question using a single word or phrase.";
const TOKENS = 8;
/** Models compared with transformers.js, and on which files. */
const PARITY: Partial<Record<Misbehaviour, Dtype>> = {
  "stop-first": "q4",
  "special-tokens": "fp32",
  "half-utf8": "q4",
  newline: "fp32",
  "one-word": "q4",
};

let tjs: Tjs;
let image: Uint8Array;
const dirs = new Map<Misbehaviour, string>();
const engines = new Map<string, FastVLMEngine>();

async function engine(kind: Misbehaviour, dtype: Dtype): Promise<FastVLMEngine> {
  const key = `${kind}/${dtype}`;
  let e = engines.get(key);
  if (!e) {
    e = await loadFastVLM(dirs.get(kind)!, { threads: 1, imageMode: "crop", dtype: ALL(dtype) });
    engines.set(key, e);
  }
  return e;
}

function request(maxNewTokens = TOKENS, stop: string[] = []): GenerateRequest {
  return {
    images: [{ bytes: image, source: "sign.png" }],
    prompt: PROMPT,
    generation: { maxNewTokens, stop },
  };
}

/** transformers.js greedy ids (the stop token it appends removed) on the same folder and dtype. */
async function theirIds(dir: string, dtype: Dtype, maxNewTokens: number): Promise<number[]> {
  tjs.env.localModelPath = `${dirname(dir)}/`;
  const model = await tjs.LlavaQwen2ForCausalLM.from_pretrained(basename(dir), {
    dtype: ALL(dtype),
    device: "cpu",
    session_options: { intraOpNumThreads: 1 },
  });
  try {
    const processor = await tjs.AutoProcessor.from_pretrained(basename(dir));
    const text = processor.apply_chat_template([{ role: "user", content: `<image>\n${PROMPT}` }], {
      add_generation_prompt: true,
    }) as string;
    const inputs = await processor(await tjs.RawImage.fromBlob(new Blob([image])), text, {
      add_special_tokens: false,
    });
    const out = (await model.generate({ ...inputs, max_new_tokens: maxNewTokens, do_sample: false })) as {
      tolist(): bigint[][];
    };
    const promptLen = (inputs.input_ids as { dims: number[] }).dims[1]!;
    const ids = out.tolist()[0]!.slice(promptLen).map(Number);
    const stop = new Set<number>([SPECIAL_IDS.imEnd, SPECIAL_IDS.endoftext]);
    const end = ids.findIndex((id) => stop.has(id));
    return end < 0 ? ids : ids.slice(0, end);
  } finally {
    await model.dispose();
  }
}

/** Decodes id sequences with the Python reference (test/helpers/decode_oracle.py). */
function pythonDecode(dir: string, sequences: number[][]): string[] {
  const tok = JSON.parse(readFileSync(join(dir, "tokenizer.json"), "utf8")) as {
    model: { vocab: Record<string, number> };
    added_tokens: { id: number; content: string; special: boolean }[];
  };
  const wanted = new Set(sequences.flat());
  const tokens: Record<string, string> = {};
  for (const [t, id] of Object.entries(tok.model.vocab)) if (wanted.has(id)) tokens[String(id)] = t;
  for (const a of tok.added_tokens) if (wanted.has(a.id)) tokens[String(a.id)] = a.content;
  const special = tok.added_tokens.filter((a) => a.special).map((a) => a.id);
  const r = spawnSync("python3", [join(ROOT, "test", "helpers", "decode_oracle.py")], {
    input: JSON.stringify({ tokens, special, sequences }),
    encoding: "utf8",
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as string[];
}

beforeAll(async () => {
  for (const kind of MISBEHAVIOURS)
    dirs.set(kind, await tinyModelVariant(`bad-${kind}`, { misbehave: kind, q4: true }));
  const raw = Buffer.alloc(64 * 48 * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 37) % 251;
  image = new Uint8Array(
    await sharp(raw, { raw: { width: 64, height: 48, channels: 3 } })
      .png()
      .toBuffer(),
  );
  tjs = await import("@huggingface/transformers");
  tjs.env.allowRemoteModels = false;
  tjs.env.allowLocalModels = true;
});

afterAll(async () => {
  await Promise.all([...engines.values()].map((e) => e.dispose()));
});

describe("misbehaving models: every output is an answer", () => {
  it("ids equal transformers.js on fp32 or q4 (MatMulNBits) files; text equals Python's decode", async () => {
    const seen: number[][] = [];
    const texts: string[] = [];
    for (const kind of MISBEHAVIOURS) {
      for (const dtype of ["fp32", "q4"] as const) {
        const e = await engine(kind, dtype);
        expect(e.info.dtype.decoder_model_merged).toBe(dtype);
        const g = await e.generate(request());
        // transformers.js (each load costs seconds) once for each model named in PARITY, on its dtype.
        if (PARITY[kind] === dtype)
          expect(g.tokens, `${kind} ${dtype}`).toEqual(await theirIds(dirs.get(kind)!, dtype, TOKENS));
        expect(g.outputTokens).toBe(g.tokens.length);
        seen.push(g.tokens);
        texts.push(g.text);
      }
    }
    expect(texts).toEqual(pythonDecode(dirs.get("special-tokens")!, seen));
    // The models did misbehave as asked (else the parity above proves little).
    const byKind = (k: Misbehaviour) =>
      texts.slice(2 * MISBEHAVIOURS.indexOf(k), 2 * MISBEHAVIOURS.indexOf(k) + 2);
    expect(byKind("stop-first")).toEqual(["", ""]);
    expect(byKind("newline")).toEqual(["\n".repeat(TOKENS), "\n".repeat(TOKENS)]);
    const special = seen[2 * MISBEHAVIOURS.indexOf("special-tokens")]!;
    expect(special).toContain(SPECIAL_IDS.image);
    expect(special).toContain(SPECIAL_IDS.imStart);
    for (const t of byKind("special-tokens")) expect(t).not.toMatch(/<image>|<\|im_start\|>/);
    const word = seen[2 * MISBEHAVIOURS.indexOf("one-word")]!;
    expect(new Set(word).size).toBe(1);
    expect(word).toHaveLength(TOKENS);
    // 16 engine loads and four transformers.js runs: about a minute alone, past the default 120 s on a loaded machine.
  }, 300_000);

  it("decodes cut UTF-8, lone special ids and mixtures exactly as Python does", async () => {
    const dir = dirs.get("half-utf8")!;
    const e = await engine("half-utf8", "fp32");
    const full = (await e.generate(request())).tokens;
    const [head, tail] = full;
    const sequences = [
      [],
      [head!],
      [head!, tail!],
      [head!, head!],
      [tail!],
      [SPECIAL_IDS.image],
      [SPECIAL_IDS.imEnd, SPECIAL_IDS.imStart, SPECIAL_IDS.endoftext],
      [head!, SPECIAL_IDS.image, tail!],
      full,
    ];
    expect(sequences.map((s) => e.model.tokenizer.decode(s))).toEqual(pythonDecode(dir, sequences));
    // Cut by --max-new-tokens in the middle of "中": half a character is one replacement character.
    const one = await e.generate(request(1));
    expect(one.tokens).toEqual([head]);
    expect(one.text).toBe("\uFFFD");
    expect((await e.generate(request(2))).text).toBe("中");
  });

  it("max new tokens 1 and stop strings at position 0 or across tokens give answers, not errors", async () => {
    for (const kind of MISBEHAVIOURS) {
      const g = await (await engine(kind, "fp32")).generate(request(1, ["ASSISTANT:"]));
      expect(g.tokens.length).toBeLessThanOrEqual(1);
      expect(typeof g.text).toBe("string");
    }
    const e = await engine("stop-string-first", "q4");
    const cut = async (stop: string[]) => (await e.generate(request(TOKENS, stop))).text;
    // The model's first four tokens spell "ASSISTANT:" (ASS|IST|ANT|: in the Qwen vocab).
    expect(await cut(["ASSISTANT:"])).toBe("");
    expect(await cut(["SI"])).toBe("AS");
    expect(await cut(["NT:", "IST"])).toBe("ASS");
    const stopped = await e.generate(request(TOKENS, ["ASSISTANT:"]));
    expect(stopped.tokens).toHaveLength(4);
  });

  it("refuses a prompt beyond the model's context before prefill (DataError, exit 2)", async () => {
    const e = await engine("never-stop", "fp32");
    expect(e.model.config.contextLength).toBe(8192);
    const long = { ...request(), prompt: "lorem ipsum ".repeat(9000) };
    const err = await e.generate(long).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).exitCode).toBe(2);
    expect((err as Error).message).toMatch(/too long.*context of 8192/s);
    // At the edge: the prompt fits, but not with the new tokens asked for.
    const { length } = await buildInputs(e.model, request());
    await expect(e.generate(request(8192 - length + 1))).rejects.toThrow(/max new tokens/);
    expect((await e.generate(request(3))).tokens).toHaveLength(3);
  });

  it("in a run, a too-long prompt is a failed sample with that message; the other samples are answered", async () => {
    const e = await engine("stop-first", "q4");
    const out = mkdtempSync(join(tmpdir(), "degenerate-run-"));
    const samples = async function* (): AsyncGenerator<TaskSample> {
      for (let i = 0; i < 4; i++) {
        const prompt = i === 2 ? "lorem ipsum ".repeat(9000) : `Question ${i}?`;
        yield { id: `s${i}`, prompt, images: request().images, doc: {}, reference: "yes", stratum: null };
      }
    };
    const scorer: Scorer<Json> = {
      name: "exact",
      version: 1,
      primary: "accuracy",
      metrics: {
        accuracy: {
          description: "exact answers",
          aggregation: "mean",
          higherIsBetter: true,
          ci: { method: "mean" },
        },
      },
      scoreSample: (p, ref) => ({ score: p === ref ? 1 : 0, parsed: p, parseOk: true, rule: "exact" }),
      aggregate: (xs) => ({ accuracy: xs.reduce((n, x) => n + x.result.score, 0) / xs.length }),
    };
    try {
      const r = await runTask({
        task: {
          name: "t",
          version: 1,
          generation: { maxNewTokens: 4, stop: [] },
        },
        scorer,
        dataset: { repo: "org/t", config: "default", split: "test", sha: "0".repeat(40) },
        samples,
        model: e,
        settings: {
          out,
          limit: null,
          subsetSeed: 0,
          shard: null,
          concurrency: 1,
          latencySamples: 0,
          warmup: 0,
          maxNewTokens: null,
          fresh: false,
          maxErrorRate: 1,
          reuse: false,
          promptSettings: {},
        },
      });
      const lines = readSamples(r.dir).records;
      expect(lines.filter((l) => l.error !== null).map((l) => l.id)).toEqual(["s2"]);
      expect(lines.find((l) => l.id === "s2")!.error).toMatch(
        /DataError: The prompt is too long for the model/,
      );
      // The empty answers are answers, scored (wrong) like any other.
      for (const l of lines.filter((x) => x.error === null))
        expect(l).toMatchObject({ prediction: "", score: 0 });
      expect(r.record.metrics.accuracy).toBe(0);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
