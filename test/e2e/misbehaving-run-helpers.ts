/**
 * Shared body of the misbehaving-run tests (one file per seed, so the two run side by side).
 * Property: whatever a model emits, `run` records it as the prediction. Every registered task, run
 * through the CLI on tiny models that misbehave on purpose (first token a stop token, a stop string
 * first, special tokens mid-answer, half a UTF-8 character, newlines forever, one word forever), with
 * several seeds: no exit 70, no failed sample except the one whose image is corrupt, and each prediction
 * equals what the engine gives directly (and `predict` on the CLI) for the same image and prompt.
 */
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FixtureTask } from "../../scripts/make-fixtures.js";
import { type RunRecord, readSamples } from "../../src/core/records.js";
import type { TaskSample } from "../../src/core/types.js";
import { loadSamples } from "../../src/data/samples.js";
import { loadFastVLM } from "../../src/models/fastvlm/engine.js";
import type { Misbehaviour } from "../../src/testbed/tiny-fastvlm/quirks.js";
import { TASKS } from "../../tasks/index.js";
import { fixtureDatasetFiles, fixtureRoot } from "../helpers/fixtures.js";
import { seededMisbehaver, tinyModelVariant } from "../helpers/tiny-model.js";
import { type FixtureHub, runCli, startFixtureHub } from "./run-helpers.js";

const FIXTURE = { rowsPerTask: 3, corruptImages: { docvqa: [1] } };
const CORRUPT_TASK = "docvqa";
const MAX_NEW = 4;
/** Samples per task whose prediction is regenerated directly and compared (the first ones). */
const COMPARED = 2;

/**
 * Seed 1 uses the q4 folders the engine tests use (the default dtype then picks the q4 vision encoder and
 * decoder); other seeds fp32-only folders of other weights and 256-pixel images.
 */
function modelDir(kind: Misbehaviour, seed: number): Promise<string> {
  return seed === 1
    ? tinyModelVariant(`bad-${kind}`, { misbehave: kind, q4: true })
    : seededMisbehaver(kind, seed);
}

/** Defines the test of one seed over `kinds`. */
export function misbehavingRun(seed: number, kinds: Misbehaviour[]): void {
  let fx: FixtureHub;
  const samples = new Map<string, Map<string, TaskSample>>();

  beforeAll(async () => {
    fx = await startFixtureHub(FIXTURE, "e2e-misbehave-");
    const root = await fixtureRoot(FIXTURE);
    for (const [name, task] of Object.entries(TASKS)) {
      const byId = new Map<string, TaskSample>();
      const files = fixtureDatasetFiles(root, name as FixtureTask, task.dataset);
      for await (const s of loadSamples(task, files)) byId.set(s.id, s);
      samples.set(name, byId);
    }
  });
  afterAll(async () => {
    await fx?.close();
  });

  describe("run on models that misbehave", () => {
    it(`seed ${seed}: ${kinds.join(", ")}: every task completes, predictions equal direct generation`, async () => {
      const tasks = Object.keys(TASKS);
      const empties: number[] = [];
      const total: number[] = [];
      for (const kind of kinds) {
        const dir = await modelDir(kind, seed);
        const out = join(fx.work, `out-${kind}-${seed}`);
        const r = await runCli(
          [
            "run",
            ...tasks,
            "--model",
            dir,
            "--out",
            out,
            "--latency-samples",
            "0",
            "--max-new-tokens",
            String(MAX_NEW),
            "--concurrency",
            "2",
            "--lock",
            "lock.json",
            // One corrupt image in four samples is beyond the default budget; the failures are counted below.
            "--max-error-rate",
            "0.5",
            "--json",
          ],
          fx.env,
          fx.work,
        );
        expect(r.stderr).not.toMatch(/InternalError|bug in fastvlm-eval/);
        expect({ kind, code: r.code }).toEqual({ kind, code: 0 });
        const records = JSON.parse(r.stdout) as RunRecord[];
        expect(records.map((x) => x.task.name)).toEqual(tasks);
        const engine = await loadFastVLM(dir, { threads: 1 });
        let empty = 0;
        let answered = 0;
        try {
          for (const rec of records) {
            expect(rec.status).toBe("complete");
            const runDir = join(out, readdirSync(out)[0]!, rec.task.name, rec.runId);
            const lines = readSamples(runDir).records;
            const failed = lines.filter((s) => s.error !== null);
            // Only the corrupt image fails; the answer itself never does.
            expect({ task: rec.task.name, failed: failed.length }).toEqual({
              task: rec.task.name,
              failed: rec.task.name === CORRUPT_TASK ? 1 : 0,
            });
            for (const f of failed) expect(f.error).toMatch(/image/i);
            const task = TASKS[rec.task.name]!;
            const answers = lines.filter((s) => s.error === null);
            for (const line of answers) {
              // Every answer is scored, the empty ones included.
              expect(typeof line.score).toBe("number");
              if (line.prediction === "") empty++;
              answered++;
            }
            for (const line of answers.slice(0, COMPARED)) {
              const sample = samples.get(rec.task.name)!.get(line.id)!;
              const g = await engine.generate({
                images: sample.images,
                prompt: sample.prompt,
                generation: { maxNewTokens: MAX_NEW, stop: task.generation.stop },
              });
              expect({ id: line.id, prediction: line.prediction }).toEqual({
                id: line.id,
                prediction: g.text,
              });
            }
          }
        } finally {
          await engine.dispose();
        }
        empties.push(empty);
        total.push(answered);
        // `predict` on the CLI gives the same answer for one sample (pope: one image, no stop strings).
        const [id, sample] = [...samples.get("pope")!.entries()][0]!;
        const image = join(fx.work, `${kind}-${seed}.png`);
        writeFileSync(image, sample.images[0]!.bytes);
        const p = await runCli(
          [
            "predict",
            "--model",
            dir,
            "--image",
            image,
            "--prompt",
            sample.prompt,
            "--max-new-tokens",
            String(MAX_NEW),
            "--json",
          ],
          fx.env,
          fx.work,
        );
        expect({ kind, code: p.code, stderr: p.code === 0 ? "" : p.stderr }).toEqual({
          kind,
          code: 0,
          stderr: "",
        });
        const popeRun = records.find((x) => x.task.name === "pope")!;
        const popeDir = join(out, readdirSync(out)[0]!, "pope", popeRun.runId);
        const line = readSamples(popeDir).records.find((s) => s.id === id)!;
        expect((JSON.parse(p.stdout) as { text: string }).text).toBe(line.prediction);
      }
      // The scripted models did produce empty answers where they should.
      const at = (k: Misbehaviour) => empties[kinds.indexOf(k)];
      if (kinds.includes("stop-first")) expect(at("stop-first")).toBeGreaterThan(0);
      if (kinds.includes("stop-string-first")) expect(at("stop-string-first")).toBeGreaterThan(0);
      // "For some prompts": empty answers and others in the same run.
      if (kinds.includes("stop-sometimes")) expect(at("stop-sometimes")).toBeGreaterThan(0);
      if (kinds.includes("stop-sometimes"))
        expect(at("stop-sometimes")).toBeLessThan(total[kinds.indexOf("stop-sometimes")]!);
      // Thirteen tasks × three models through the CLI: ~85 s alone on 2 cores, more beside other files.
    }, 300_000);
  });
}
