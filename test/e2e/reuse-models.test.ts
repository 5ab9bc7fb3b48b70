import { afterAll, beforeAll, expect, it } from "vitest";
import {
  expectedSerialReuse,
  prefixPositions,
  type RunRead,
  runShaped,
  type ShapedHub,
  sortedOutputs,
  startShapedHub,
} from "../helpers/reuse-runs.js";
import type { ShapedTask } from "../helpers/shaped-datasets.js";
import { seededMisbehaver, tinyModelVariant } from "../helpers/tiny-model.js";

let fx: ShapedHub;
beforeAll(async () => {
  fx = await startShapedHub(
    { gqa: { images: 3, perImage: 6 }, docvqa: { images: 4, perImage: 4 } },
    "e2e-reuse-models-",
  );
});
afterAll(async () => {
  await fx?.close();
});

async function run(
  task: ShapedTask,
  model: string,
  mode: "on" | "off",
  out: string,
  extra: string[],
): Promise<RunRead> {
  const read = await runShaped(fx, task, model, mode, out, extra);
  expect(read.record.status).toBe("complete");
  return read;
}

/** Both modes of one task on one model: identical outputs, the implied counts; returns the on run. */
async function onEqualsOff(task: ShapedTask, model: string, name: string, extra: string[]): Promise<RunRead> {
  const data = fx.census[task]!;
  const on = await run(task, model, "on", `${name}-on`, extra);
  const off = await run(task, model, "off", `${name}-off`, extra);
  expect(on.samples.length).toBe(data.samples.length);
  expect(on.samples.every((s) => s.error === null)).toBe(true);
  expect(sortedOutputs(on)).toEqual(sortedOutputs(off));
  const want = expectedSerialReuse(on, data, prefixPositions(model));
  expect(want.total.visionReused).toBe(data.samples.length - data.distinctImages);
  expect(on.record.reuse).toEqual({ mode: "on", ...want.total });
  expect(off.record.reuse?.visionReused).toBe(0);
  expect(off.record.reuse?.prefixReused).toBe(0);
  return on;
}

it("q4 graphs: gqa with reuse on equals reuse off", async () => {
  // The folder the engine's q4 tests use (q4 and fp16 graphs beside fp32): generated once, reused.
  const model = await tinyModelVariant("q4", { q4: true, fp16: true });
  const on = await onEqualsOff("gqa", model, "q4", ["--dtype", "q4"]);
  expect(on.record.model.dtype).toEqual({
    vision_encoder: "q4",
    embed_tokens: "q4",
    decoder_model_merged: "q4",
  });
});

it("a model that stops at once for some prompts: docvqa with reuse on equals reuse off", async () => {
  // The same folder as the seed-2 misbehaving-run tests (fp32, stop-sometimes).
  const model = await seededMisbehaver("stop-sometimes", 2);
  const on = await onEqualsOff("docvqa", model, "stop-sometimes", []);
  // The model misbehaves on this data: some answers are empty, some are not.
  expect(on.samples.filter((s) => s.prediction === "").length).toBeGreaterThan(0);
  expect(on.samples.filter((s) => s.prediction !== "").length).toBeGreaterThan(0);
});
