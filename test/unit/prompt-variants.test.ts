/** A task's prompt variant per model family (lmms-eval's lmms_eval_specific_kwargs), through loadSamples. */
import { describe, expect, it } from "vitest";
import type { Json, TaskSample } from "../../src/core/types.js";
import { loadSamples, promptFor } from "../../src/data/samples.js";
import { type AnyTask, TASKS } from "../../tasks/index.js";
import { fixtureDatasetFiles, fixtureRoot } from "../helpers/fixtures.js";

async function samplesOf(task: AnyTask, family?: string): Promise<TaskSample<Json>[]> {
  const files = fixtureDatasetFiles(await fixtureRoot(), "pope", task.dataset);
  const out: TaskSample<Json>[] = [];
  for await (const s of loadSamples(task, files, family !== undefined ? { family } : {})) out.push(s);
  return out;
}

describe("prompt variants", () => {
  const pope = TASKS.pope!;
  const shouting: AnyTask = {
    ...pope,
    promptVariants: { "chat-vlm": (row) => `${pope.prompt(row).toUpperCase()} ANSWER YES OR NO.` },
  };

  it("a model of the variant's family gets the variant; other families and none get today's prompt", async () => {
    const plain = await samplesOf(pope);
    expect(plain.length).toBeGreaterThan(0);
    const other = await samplesOf(shouting, "fastvlm");
    const none = await samplesOf(shouting);
    const variant = await samplesOf(shouting, "chat-vlm");
    expect(other.map((s) => s.prompt)).toEqual(plain.map((s) => s.prompt));
    expect(none.map((s) => s.prompt)).toEqual(plain.map((s) => s.prompt));
    expect(variant.map((s) => s.prompt)).toEqual(
      plain.map((s) => `${s.prompt.toUpperCase()} ANSWER YES OR NO.`),
    );
    // Only the prompt changes: ids and references are the task's.
    expect(variant.map((s) => [s.id, s.reference])).toEqual(plain.map((s) => [s.id, s.reference]));
  });

  it("promptFor falls back to the default for an unknown family", () => {
    const task = { prompt: (r: string) => `q:${r}`, promptVariants: { a: (r: string) => `A:${r}` } };
    expect(promptFor(task, "x", "a")).toBe("A:x");
    expect(promptFor(task, "x", "b")).toBe("q:x");
    expect(promptFor({ prompt: task.prompt }, "x", "a")).toBe("q:x");
  });
});
