import { defineConfig } from "vitest/config";

// `npm run perturb-rules`: the rule-constant perturbation run (test/rules.perturb.ts), apart
// from `npm test` because it compiles a variant core per constant.
export default defineConfig({
  test: {
    include: ["test/**/*.perturb.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    maxWorkers: 1,
  },
});
