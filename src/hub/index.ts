/** The Hub layer's public API: everything other modules call lives here. */
export { type CardConfig, globToRegExp, parseCardConfigs, splitFiles } from "./card.js";
export {
  type DatasetFiles,
  type EnsureDatasetOptions,
  ensureDataset,
  ensureModelFiles,
  type ModelFiles,
} from "./dataset.js";
export {
  downloadFiles,
  EntryNotFoundError,
  listRepoFiles,
  RepoNotFoundError,
  readRepoText,
  resolveRevision,
  snapshotDir,
} from "./download.js";
export { accessToken, type HubEnv, hubEnv, redact } from "./env.js";
export {
  type DatasetLockEntry,
  defaultLockPath,
  type LockedFile,
  type LockFile,
  type ModelLockEntry,
  readLock,
} from "./lock.js";
export type { HubOptions, ProgressEvent, RepoFile, RepoKind, RepoRef } from "./types.js";
