/** Logs go to stderr so stdout carries only results. */

/** An informational line on stderr. */
export function info(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** A warning line on stderr. */
export function warn(message: string): void {
  process.stderr.write(`warning: ${message}\n`);
}

/** Writes a result line to stdout. */
export function out(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}

/** Writes one JSON value to stdout. */
export function outJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
