/** `run` and `predict` with an `openai:` model: --concurrency and --retries reach the backend. */
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunRecord } from "../../src/core/records.js";
import { openaiOptionsFor } from "../../src/models/openai/factory.js";
import { type FakeHub, startFakeHub } from "../helpers/fake-hub.js";
import { type FakeOpenAI, startFakeOpenAI } from "../helpers/fake-openai.js";
import { fixtureRoot } from "../helpers/fixtures.js";
import { cliEnv, runCli, workDir } from "./run-helpers.js";

let hub: FakeHub;
let work: string;
let env: NodeJS.ProcessEnv;
const servers: FakeOpenAI[] = [];

beforeAll(async () => {
  const root = await fixtureRoot({ rowsPerTask: 16, corruptImages: { docvqa: [2] } });
  hub = await startFakeHub({ root });
  work = workDir("e2e-run-openai-");
  env = cliEnv(hub.url, work);
  delete env.EVAL_API_KEY;
  delete env.OPENAI_API_KEY;
});
afterAll(async () => {
  await hub?.close();
  for (const s of servers) await s.close();
  rmSync(work, { recursive: true, force: true });
});

async function fakeOpenAI(options: Parameters<typeof startFakeOpenAI>[0]): Promise<FakeOpenAI> {
  const s = await startFakeOpenAI({ reply: () => "Yes", ...options });
  servers.push(s);
  return s;
}

function args(server: FakeOpenAI, out: string, extra: string[] = []): string[] {
  return [
    "run",
    "pope",
    "--model",
    `openai:${server.baseUrl}#m`,
    "--limit",
    "6",
    "--latency-samples",
    "0",
    "--out",
    join(work, out),
    "--lock",
    "lock.json",
    "--json",
    ...extra,
  ];
}

describe("run --model openai:…", () => {
  it("completes with --concurrency 2 and never has more than 2 requests in flight", async () => {
    const server = await fakeOpenAI({ firstTokenDelayMs: 30 });
    const r = await runCli(args(server, "conc", ["--concurrency", "2"]), env, work);
    expect(r.stderr).not.toMatch(/InternalError/);
    expect(r.code).toBe(0);
    const [rec] = JSON.parse(r.stdout) as RunRecord[];
    expect(rec?.status).toBe("complete");
    expect(rec?.nSamples).toMatchObject({ total: 6, failed: 0 });
    // The backend registry's clock is recorded, so reports refuse this run's TTFT by its clock.
    expect(rec?.model.clock).toBe("remote");
    expect(server.requests).toHaveLength(6);
    expect(server.maxInFlight()).toBeGreaterThanOrEqual(1);
    expect(server.maxInFlight()).toBeLessThanOrEqual(2);
  });

  it("--retries reaches the backend: with --retries 0 a 500 is a failed sample, not retried", async () => {
    const server = await fakeOpenAI({ faults: [{ kind: "status", status: 500 }] });
    const r = await runCli(args(server, "retries0", ["--retries", "0", "--max-error-rate", "1"]), env, work);
    expect(r.code).toBe(0);
    const [rec] = JSON.parse(r.stdout) as RunRecord[];
    expect(rec?.nSamples).toMatchObject({ total: 6, failed: 1 });
    // Six samples, no retry of the failed one (the backend's default would have retried it).
    expect(server.requests).toHaveLength(6);
  });

  it("predict --retries reaches the backend too", async () => {
    const server = await fakeOpenAI({ faults: [{ kind: "status", status: 500 }] });
    const model = `openai:${server.baseUrl}#m`;
    const r = await runCli(["predict", "--model", model, "--prompt", "Hi?", "--retries", "0"], env, work);
    expect(r.code).not.toBe(0);
    expect(server.requests).toHaveLength(1);
    const bad = await runCli(["predict", "--model", model, "--prompt", "Hi?", "--retries", "x"], env, work);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--retries must be a non-negative integer/);
  });

  it("runs against a server with other manners: CRLF, no space after data:, pings, split writes, no [DONE], a stream_options 400", async () => {
    // Not the fake above: a bare server written the way some llama.cpp-style and proxy servers behave.
    const bodies: Record<string, unknown>[] = [];
    const server = createServer((req, res) => {
      let raw = "";
      req.on("data", (c: Buffer) => {
        raw += c.toString("utf8");
      });
      req.on("end", () => {
        const body = JSON.parse(raw) as Record<string, unknown>;
        bodies.push(body);
        if ("stream_options" in body) {
          res.writeHead(400, { "content-type": "application/json" });
          res.end(
            JSON.stringify({ error: { message: "Unrecognized request argument supplied: stream_options" } }),
          );
          return;
        }
        res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8" });
        const chunk = (delta: unknown, finish: string | null = null) =>
          `data:${JSON.stringify({ choices: [{ index: 0, delta, finish_reason: finish }] })}\r\n\r\n`;
        const text = `: ping\r\n\r\n${chunk({ role: "assistant", content: null })}${chunk({ content: "Ye" })}${chunk({ content: "s" })}${chunk({}, "stop")}`;
        // Written in 7-byte pieces, so lines and even CRLF pairs arrive split.
        const pieces = text.match(/[\s\S]{1,7}/g) ?? [];
        const write = (i: number): void => {
          if (i >= pieces.length) {
            res.end();
            return;
          }
          res.write(pieces[i]);
          setImmediate(() => write(i + 1));
        };
        write(0);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const r = await runCli(
        [
          "run",
          "pope",
          "--model",
          `openai:http://127.0.0.1:${port}/v1#m`,
          "--limit",
          "4",
          "--latency-samples",
          "0",
          "--out",
          join(work, "manners"),
          "--lock",
          "lock.json",
          "--json",
        ],
        env,
        work,
      );
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/without stream_options from now on/);
      const [rec] = JSON.parse(r.stdout) as RunRecord[];
      expect(rec?.status).toBe("complete");
      expect(rec?.nSamples).toMatchObject({ total: 4, failed: 0 });
      // One refused request, then four without the field.
      expect(bodies).toHaveLength(5);
      expect(bodies.slice(1).every((b) => !("stream_options" in b))).toBe(true);
      const files = readdirSync(join(work, "manners"), { recursive: true, encoding: "utf8" }).filter((f) =>
        f.endsWith("samples.jsonl"),
      );
      expect(files).toHaveLength(1);
      const lines = readFileSync(join(work, "manners", files[0]!), "utf8")
        .trim()
        .split("\n");
      expect(lines).toHaveLength(4);
      for (const line of lines) expect((JSON.parse(line) as { prediction: string }).prediction).toBe("Yes");
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("openaiOptionsFor takes the run's bound and retries, and explicit options win", () => {
    expect(openaiOptionsFor({ concurrency: 3 }, undefined)).toEqual({
      concurrency: 3,
    });
    expect(openaiOptionsFor({ concurrency: 3, retries: 0 }, { retries: 2 })).toEqual({
      concurrency: 3,
      retries: 2,
    });
    // Outside a run (resolveModel called directly) only the explicit options apply.
    expect(openaiOptionsFor(undefined, { retries: 1 })).toEqual({ retries: 1 });
  });
});
