/** The Hub layer's public API: everything other modules call lives here. */
export { type DatasetFiles, ensureDataset, ensureModelFiles } from "./dataset.js";
export { downloadFiles, listRepoFiles, readRepoText, resolveRevision } from "./download.js";
export { type HubEnv, hubEnv } from "./env.js";
export type { RepoFile } from "./types.js";
