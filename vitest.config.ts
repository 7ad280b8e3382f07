import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    // WASM instances are cheap, but the sweeps are CPU-bound: two workers match the 2-core machines.
    maxWorkers: 2,
  },
});
