import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "scorers/**/*.test.ts", "tasks/**/*.test.ts"],
    pool: "forks",
    // Two cores: more workers only thrash the ONNX sessions.
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 300_000,
    globalSetup: ["test/setup/global.ts"],
  },
});
