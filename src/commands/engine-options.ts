/**
 * The backend flags `run`, `predict` and `bench` share: one declaration, derived from the backend registry
 * (each backend owns its flags), so their help agrees and a new backend's flags appear on all three.
 */
import { type Command, Option } from "commander";
import { warn } from "../core/log.js";
import { backendFlags, type EngineFlagValues } from "../models/registry.js";

/** The flags addEngineOptions registers, as commander parses them. */
export interface EngineFlags extends EngineFlagValues {
  /** --revision: the model's revision on predict and bench before `--model-revision` (deprecated there). */
  revision?: string;
}

/** Options of addEngineOptions. */
export interface EngineOptionsSettings {
  /** Also accept `--revision` as the model revision (hidden, deprecated): predict and bench had it. */
  deprecatedModelRevision?: boolean;
}

/** Adds every backend's flags (registry order). */
export function addEngineOptions(command: Command, settings: EngineOptionsSettings = {}): Command {
  for (const f of backendFlags()) command.option(f.flag, f.help);
  if (settings.deprecatedModelRevision) {
    command.addOption(new Option("--revision <rev>", "deprecated: use --model-revision").hideHelp());
  }
  return command;
}

/**
 * The backend flag values of `predict` and `bench`: a deprecated `--revision` still means the model's
 * revision there (with a warning); `--model-revision` wins when both are given.
 */
export function engineFlagValues(flags: EngineFlags, command: string): EngineFlagValues {
  const { revision, ...values } = flags;
  if (revision === undefined) return values;
  warn(
    `${command}: --revision for the model is deprecated; use --model-revision (--revision means the dataset's revision everywhere).`,
  );
  return { ...values, modelRevision: values.modelRevision ?? revision };
}
