import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import { checkLock, emptyLock, readLock, updateLock, writeLock } from "../../src/hub/lock.js";
import { tempDirs } from "../helpers/temp-dirs.js";

const tmp = tempDirs("hub-lock-");

const SHA = "a".repeat(40);
const FILE = { path: "data/x.parquet", size: 3, sha256: "b".repeat(64) };

it("reads a missing lock as empty and round-trips entries with sorted keys", async () => {
  const path = join(tmp(), "sub", "lock.json");
  expect(await readLock(path)).toEqual(emptyLock());
  await updateLock(path, (lock) => {
    lock.datasets["z/z@c:s"] = { repo: "z/z", config: "c", split: "s", sha: SHA, files: [FILE], joins: {} };
    lock.datasets["a/a@c:s"] = {
      repo: "a/a",
      config: "c",
      split: "s",
      sha: SHA,
      files: [],
      joins: { "i:s": [FILE] },
    };
    lock.models["o/m"] = { repo: "o/m", sha: SHA, files: [FILE] };
  });
  const text = readFileSync(path, "utf8");
  expect(text.indexOf("a/a@c:s")).toBeLessThan(text.indexOf("z/z@c:s"));
  expect(text.endsWith("\n")).toBe(true);
  const back = await readLock(path);
  expect(back.models["o/m"]?.files).toEqual([FILE]);
  expect(back.datasets["a/a@c:s"]?.joins["i:s"]).toEqual([FILE]);
});

it("reports every problem of a malformed lock at once", async () => {
  const problems = checkLock({
    version: 2,
    datasets: { k: { repo: 1, sha: "main", files: [{ path: "x", size: -1, sha256: "nope" }], joins: {} } },
    models: [],
  });
  expect(problems).toEqual([
    "version: must be 1 (found 2)",
    'datasets["k"].repo: must be a string',
    'datasets["k"].sha: must be a 40-hex commit sha',
    'datasets["k"].files[0].size: must be a non-negative integer',
    'datasets["k"].files[0].sha256: must be 64 hex digits',
    'datasets["k"].config: must be a string',
    'datasets["k"].split: must be a string',
    "models: must be an object",
  ]);
  const path = join(tmp(), "lock.json");
  writeFileSync(path, "{ not json");
  await expect(readLock(path)).rejects.toThrow(UsageError);
  writeFileSync(path, JSON.stringify({ version: 1, datasets: {}, models: { m: {} } }));
  await expect(readLock(path)).rejects.toThrow(/models\["m"\]\.repo: must be a string/);
});

it("writes by rename, leaving no temp files", async () => {
  const dir = tmp();
  await writeLock(join(dir, "lock.json"), emptyLock());
  expect(readdirSync(dir)).toEqual(["lock.json"]);
});
