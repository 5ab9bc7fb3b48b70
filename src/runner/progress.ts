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

/** Creates the stderr progress reporter; `await` because cli-progress is loaded lazily. */
export async function stderrProgress(options: ProgressOptions = {}): Promise<ProgressSink> {
  const tty = options.tty ?? process.stderr.isTTY === true;
  let metric: RunningMetric = () => null;
  let label = "";
  let total = 0;
  let count = 0;
  let failures = 0;
  let startedAt = 0;
  let startCount = 0;
  const rate = (): number => {
    const secs = (performance.now() - startedAt) / 1000;
    return secs > 0 ? (count - startCount) / secs : 0;
  };
  if (tty) {
    const { default: cliProgress } = await import("cli-progress");
    let bar: InstanceType<typeof cliProgress.SingleBar> | null = null;
    let lastMetricAt = 0;
    let metricText = "";
    const payload = (): Record<string, string> => {
      const now = performance.now();
      if (now - lastMetricAt > 1000) {
        metricText = fmtMetric(metric());
        lastMetricAt = now;
      }
      return { label, rate: rate().toFixed(2), metric: metricText, failures: String(failures) };
    };
    return {
      start(l, t, d, m) {
        metric = m ?? (() => null);
        metricText = "";
        lastMetricAt = 0;
        label = l;
        total = t;
        count = d;
        startCount = d;
        failures = 0;
        startedAt = performance.now();
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
        bar.start(total, count, payload());
      },
      tick(failed) {
        count += 1;
        if (failed) failures += 1;
        bar?.update(count, payload());
      },
      stop() {
        bar?.stop();
        bar = null;
      },
    };
  }
  const interval = (options.intervalSec ?? 10) * 1000;
  let lastLine = 0;
  const line = (): void => {
    const r = rate();
    const eta = r > 0 ? Math.round((total - count) / r) : null;
    const m = fmtMetric(metric());
    log.info(
      `${label}: ${count}/${total} | ${r.toFixed(2)} samples/s | ETA ${eta === null ? "?" : `${eta}s`}` +
        `${m ? ` | ${m}` : ""} | failures ${failures}`,
    );
  };
  return {
    start(l, t, d, m) {
      metric = m ?? (() => null);
      label = l;
      total = t;
      count = d;
      startCount = d;
      failures = 0;
      startedAt = performance.now();
      lastLine = startedAt;
    },
    tick(failed) {
      count += 1;
      if (failed) failures += 1;
      const now = performance.now();
      if (now - lastLine >= interval) {
        lastLine = now;
        line();
      }
    },
    stop() {
      if (total > 0) line();
    },
  };
}
