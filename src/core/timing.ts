/** Reading a Timing by its clock: what files store, and the TTFT only an on-device clock has. */
import { ModelError } from "./errors.js";
import type { ModelIdentity, StageTimes, Timing, TimingClock } from "./types.js";

/**
 * The stage spans as files store them: stages a clock could not observe are 0. The clock is stored once per
 * run, in run.json's `model.clock` (read it with `modelClock`).
 */
export function recordedTiming(t: Timing): StageTimes {
  return {
    preprocessMs: t.preprocessMs ?? 0,
    visionMs: t.visionMs ?? 0,
    prefillMs: t.prefillMs ?? 0,
    ttftMs: t.ttftMs ?? 0,
    decodeMs: t.decodeMs ?? 0,
    totalMs: t.totalMs,
  };
}

/** On-device TTFT, or null: a remote server's or a model-less backend's "TTFT" is not one. */
export function deviceTtftMs(t: Timing): number | null {
  return t.clock === "remote" || t.clock === "none" ? null : t.ttftMs;
}

/** The timing with its clock set (the backend registry tags every generation with its entry's clock). */
export function withClock(t: Timing, clock: TimingClock): Timing {
  const stages = recordedTiming(t);
  if (clock === "device") return { ...stages, clock };
  // Keep only what the backend measured: remote and model-less clocks leave stages out.
  return { ...t, clock };
}

/**
 * The stages of an on-device timing; throws for a remote or model-less clock, whose stages are not
 * on-device spans (`bench` and the benchmark suite measure FastVLM on this machine only).
 */
export function onDeviceStages(t: Timing): StageTimes {
  if (t.clock === "remote" || t.clock === "none") {
    throw new ModelError(
      `This measurement needs an on-device clock, but the backend's timings are ${t.clock === "remote" ? "a remote server's" : "those of a backend without a model"}.`,
      "Measure a registry model or a local model folder.",
    );
  }
  return t;
}

/**
 * The clock a run's timings were measured on: run.json's `model.clock`, or for run folders written before it
 * was recorded, what their execution provider says (baselines wrote `none`, `openai:` models `remote`).
 */
export function modelClock(model: Pick<ModelIdentity, "clock" | "executionProvider">): TimingClock {
  if (model.clock !== undefined) return model.clock;
  return model.executionProvider === "remote" || model.executionProvider === "none"
    ? model.executionProvider
    : "device";
}
