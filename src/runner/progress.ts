/**
 * Progress on stderr: a cli-progress bar on a TTY (samples/s, ETA, running primary metric, failures), plain
 * periodic lines otherwise (CI logs). Never on stdout, which carries results.
 */
import * as log from "../core/log.js";

/** What the runner reports while it works. */
export interface ProgressSink {
  /** A pass starts: `done` of `total` samples are already recorded; `metric` gives the running headline. */
  start(label: string, total: number, done: number, metric?: RunningMetric): void;
  /** One more sample recorded. */
  tick(failed: boolean): void;
  /** The pass ended (or stopped). */
  stop(): void;
}

/** The running headline metric, computed when the display refreshes (null when nothing is scored). */
export type RunningMetric = () => { name: string; value: number } | null;

/** A sink that prints nothing (tests, and runs called with `progress: false`). */
export const silentProgress: ProgressSink = { start() {}, tick() {}, stop() {} };

/** Options of the stderr progress reporter. */
export interface ProgressOptions {
  /** Force the TTY bar on or off; default: `process.stderr.isTTY`. */
  tty?: boolean;
  /** Seconds between plain lines when not on a TTY. */
  intervalSec?: number;
}

function fmtMetric(m: { name: string; value: number } | null): string {
  return m === null ? "" : `${m.name} ${m.value.toFixed(4)}`;
}

/** The current pass, shared by both displays. */
interface Pass {
  /** The running headline metric. */
  metric: RunningMetric;
  /** What the pass is called on screen. */
  label: string;
  /** Samples in the pass. */
  total: number;
  /** Samples recorded so far (resumed ones included). */
  count: number;
  /** Failed samples recorded in this pass. */
  failures: number;
  /** performance.now() at start. */
  startedAt: number;
  /** `count` at start: the rate counts only this pass's samples. */
  startCount: number;
}

function idlePass(): Pass {
  return { metric: () => null, label: "", total: 0, count: 0, failures: 0, startedAt: 0, startCount: 0 };
}

/** Resets `pass` for a new one: `done` of `total` are already recorded. */
function beginPass(pass: Pass, label: string, total: number, done: number, metric?: RunningMetric): void {
  pass.metric = metric ?? (() => null);
  pass.label = label;
  pass.total = total;
  pass.count = done;
  pass.startCount = done;
  pass.failures = 0;
  pass.startedAt = performance.now();
}

function countTick(pass: Pass, failed: boolean): void {
  pass.count += 1;
  if (failed) pass.failures += 1;
}

/** Samples per second of this pass so far. */
function rate(pass: Pass): number {
  const secs = (performance.now() - pass.startedAt) / 1000;
  return secs > 0 ? (pass.count - pass.startCount) / secs : 0;
}

/** The TTY display: one cli-progress bar per pass, the metric recomputed at most once a second. */
async function barProgress(): Promise<ProgressSink> {
  const { default: cliProgress } = await import("cli-progress");
  const pass = idlePass();
  let bar: InstanceType<typeof cliProgress.SingleBar> | null = null;
  let lastMetricAt = 0;
  let metricText = "";
  const payload = (): Record<string, string> => {
    const now = performance.now();
    if (now - lastMetricAt > 1000) {
      metricText = fmtMetric(pass.metric());
      lastMetricAt = now;
    }
    return {
      label: pass.label,
      rate: rate(pass).toFixed(2),
      metric: metricText,
      failures: String(pass.failures),
    };
  };
  return {
    start(l, t, d, m) {
      metricText = "";
      lastMetricAt = 0;
      beginPass(pass, l, t, d, m);
      bar = new cliProgress.SingleBar(
        {
          stream: process.stderr,
          format:
            "{label} [{bar}] {value}/{total} | {rate} samples/s | ETA {eta_formatted} | {metric} | failures {failures}",
          hideCursor: true,
          clearOnComplete: false,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(pass.total, pass.count, payload());
    },
    tick(failed) {
      countTick(pass, failed);
      bar?.update(pass.count, payload());
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}

/** The plain display (CI logs): a line every `intervalSec` seconds of ticks, and one at stop. */
function lineProgress(intervalSec: number): ProgressSink {
  const pass = idlePass();
  const interval = intervalSec * 1000;
  let lastLine = 0;
  const line = (): void => {
    const r = rate(pass);
    const eta = r > 0 ? Math.round((pass.total - pass.count) / r) : null;
    const m = fmtMetric(pass.metric());
    log.info(
      `${pass.label}: ${pass.count}/${pass.total} | ${r.toFixed(2)} samples/s | ETA ${eta === null ? "?" : `${eta}s`}` +
        `${m ? ` | ${m}` : ""} | failures ${pass.failures}`,
    );
  };
  return {
    start(l, t, d, m) {
      beginPass(pass, l, t, d, m);
      lastLine = pass.startedAt;
    },
    tick(failed) {
      countTick(pass, failed);
      const now = performance.now();
      if (now - lastLine >= interval) {
        lastLine = now;
        line();
      }
    },
    stop() {
      if (pass.total > 0) line();
    },
  };
}

/** Creates the stderr progress reporter; `await` because cli-progress is loaded lazily. */
export async function stderrProgress(options: ProgressOptions = {}): Promise<ProgressSink> {
  const tty = options.tty ?? process.stderr.isTTY === true;
  return tty ? barProgress() : lineProgress(options.intervalSec ?? 10);
}
