/** The Hub layer's public API: everything other modules call lives here. */
export { type DatasetFiles, ensureDataset } from "./dataset.js";
export { downloadFiles, readRepoText } from "./download.js";
export { type HubEnv, hubEnv } from "./env.js";
export { listRepoFiles } from "./listing.js";
export { ensureModelFiles } from "./model-files.js";
export { resolveRevision } from "./revision.js";
export type { RepoFile } from "./types.js";
