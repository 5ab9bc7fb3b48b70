import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "scorers/**/*.test.ts", "tasks/**/*.test.ts"],
    pool: "forks",
    // Two cores: more workers only thrash the ONNX sessions.
    maxWorkers: 2,
    // A safety net for hung tests, not a speed bound: the model tests take minutes on a loaded 2-core machine.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    globalSetup: ["test/setup/global.ts"],
  },
});
