import { defineConfig } from "vitest/config";

// The fault suites of `make test-faults`: real service processes, faults injected, figures
// recorded under test/faults/results/. Not part of `make test`: their names end in .fault.ts.
export default defineConfig({
  test: {
    include: ["test/faults/**/*.fault.ts"],
    pool: "forks",
    // One suite at a time: they measure latency and memory, and two at once on two cores
    // would measure each other.
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 300_000,
    hookTimeout: 60_000,
  },
});
