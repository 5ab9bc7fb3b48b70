/** The API key (EVAL_API_KEY, OPENAI_API_KEY, or the URL's user:password) and how it is kept out of messages. */
import { UsageError } from "../../core/errors.js";
import type { OpenAISpec } from "./spec.js";

/** Environment variables holding the API key, in priority order. */
export const API_KEY_ENV = ["EVAL_API_KEY", "OPENAI_API_KEY"] as const;

/** The credentials of one backend. */
export interface Auth {
  /** The Authorization header value, or null for none. */
  header: string | null;
  /** Every string that must never appear in a message. */
  secrets: string[];
}

/** The Authorization header from the environment (first) or the URL's userinfo. */
export function resolveAuth(env: NodeJS.ProcessEnv, userinfo: OpenAISpec["userinfo"]): Auth {
  for (const name of API_KEY_ENV) {
    const key = env[name]?.trim();
    if (key) {
      // A key with control characters would make fetch throw with a message we do not control.
      if (!/^[\x21-\x7e]+$/.test(key)) {
        throw new UsageError(
          `${name} contains spaces or non-printable characters.`,
          `Set ${name} to the API key alone, with no quotes or line breaks.`,
        );
      }
      return { header: `Bearer ${key}`, secrets: [key] };
    }
  }
  if (userinfo !== null) {
    const basic = Buffer.from(`${userinfo.username}:${userinfo.password}`).toString("base64");
    return {
      header: `Basic ${basic}`,
      secrets: [userinfo.password, basic].filter((s) => s.length >= 4),
    };
  }
  return { header: null, secrets: [] };
}

/** Replaces every secret in `text` with `***`. */
export function redactWith(auth: Auth, text: string): string {
  return auth.secrets.reduce((t, secret) => t.split(secret).join("***"), text);
}
