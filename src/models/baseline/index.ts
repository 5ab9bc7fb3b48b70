/**
 * Baselines: models that never look at the image. `baseline:random` answers like a coin (a seeded random
 * option letter, yes/no, or nothing) and `baseline:constant=<text>` always says the same thing. They give the
 * chance level of a benchmark and make runner tests instant and deterministic.
 */
import { createHash } from "node:crypto";
import { UsageError } from "../../core/errors.js";
import type {
  GenerateOptions,
  GenerateRequest,
  Generation,
  ModelBackend,
  ModelInfo,
} from "../../core/types.js";

/** A parsed `baseline:*` spec. */
export type BaselineSpec = { kind: "random"; seed: string } | { kind: "constant"; text: string };

const YES_NO_START =
  /^\s*(is|are|does|do|did|can|could|was|were|has|have|had|will|would|should|shall|may)\b/i;

/** Parses `baseline:random`, `baseline:random=<seed>` or `baseline:constant=<text>`. */
export function parseBaselineSpec(spec: string): BaselineSpec {
  const body = spec.startsWith("baseline:") ? spec.slice("baseline:".length) : spec;
  // `baseline:constant=<text>`; `baseline:constant:<text>` is accepted too.
  const eq = body.search(/[=:]/);
  const kind = eq >= 0 ? body.slice(0, eq) : body;
  const arg = eq >= 0 ? body.slice(eq + 1) : undefined;
  if (kind === "random") return { kind: "random", seed: arg ?? "0" };
  if (kind === "constant") {
    if (arg === undefined) {
      throw new UsageError(
        `Baseline '${spec}' needs its answer text.`,
        "Write it as baseline:constant=<text>, e.g. --model baseline:constant=yes.",
      );
    }
    return { kind: "constant", text: arg };
  }
  throw new UsageError(
    `Unknown baseline '${spec}'.`,
    "Baselines: baseline:random (optionally baseline:random=<seed>) and baseline:constant=<text>.",
  );
}

/** Option letters listed in a prompt as lines `A. …`, in order, deduplicated. */
export function optionLetters(prompt: string): string[] {
  const letters: string[] = [];
  for (const m of prompt.matchAll(/^([A-Z])[.)]\s/gm)) {
    const letter = m[1]!;
    if (!letters.includes(letter)) letters.push(letter);
  }
  return letters;
}

/** True when the prompt's question is a yes/no question ("Is there a dog in the image?"). */
export function isYesNoQuestion(prompt: string): boolean {
  const firstLine = prompt.split("\n")[0] ?? "";
  return YES_NO_START.test(firstLine) && firstLine.includes("?");
}

function pick(seed: string, key: string, n: number): number {
  const digest = createHash("sha256").update(`${seed}\0${key}`).digest();
  return digest.readUInt32BE(0) % n;
}

/** The deterministic random answer for one request. */
export function randomAnswer(seed: string, request: GenerateRequest): string {
  // Keyed by sample id; the prompt stands in when a caller does not pass one.
  const key = request.id ?? request.prompt;
  const letters = optionLetters(request.prompt);
  if (letters.length >= 2) return letters[pick(seed, key, letters.length)]!;
  if (isYesNoQuestion(request.prompt)) return pick(seed, key, 2) === 0 ? "Yes" : "No";
  return "";
}

function infoOf(name: string, spec: BaselineSpec): ModelInfo {
  const fingerprint = createHash("sha256").update(JSON.stringify(spec)).digest("hex").slice(0, 16);
  return {
    name,
    source: "builtin",
    revision: null,
    dtype: {},
    executionProvider: "none",
    threads: 0,
    fingerprint,
  };
}

/**
 * FASTVLM_EVAL_BASELINE_DELAY_MS: a simulated per-generation latency, so a baseline run lasts long enough to
 * watch progress or to interrupt (the kill -9 tests). Answers do not change; timing shows the delay in totalMs.
 */
function simulatedDelayMs(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.FASTVLM_EVAL_BASELINE_DELAY_MS ?? "0");
  return Number.isFinite(n) && n > 0 ? n : 0;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason ?? new DOMException("aborted", "AbortError"));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Creates a baseline backend from `baseline:random[=seed]` or `baseline:constant=<text>`. */
export function createBaseline(spec: string): ModelBackend {
  const parsed = parseBaselineSpec(spec);
  const delayMs = simulatedDelayMs();
  const name = spec.startsWith("baseline:") ? spec : `baseline:${spec}`;
  return {
    info: infoOf(name, parsed),
    async generate(request: GenerateRequest, options?: GenerateOptions): Promise<Generation> {
      options?.signal?.throwIfAborted();
      const start = performance.now();
      if (delayMs > 0) await sleep(delayMs, options?.signal);
      const text = parsed.kind === "random" ? randomAnswer(parsed.seed, request) : parsed.text;
      return {
        text,
        tokens: [],
        promptTokens: 0,
        visualTokens: 0,
        outputTokens: 0,
        timing: {
          preprocessMs: 0,
          visionMs: 0,
          prefillMs: 0,
          ttftMs: 0,
          decodeMs: 0,
          totalMs: performance.now() - start,
        },
      };
    },
    async dispose(): Promise<void> {},
  };
}
