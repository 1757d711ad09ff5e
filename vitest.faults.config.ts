import { defineConfig } from "vitest/config";

// The fault suites: real service processes, faults injected, figures recorded under
// test/faults/results/ by `make test-faults`, or under .tools/faults/ by `make test` (through
// test-faults-ci). Their names end in .fault.ts, so vitest.config.ts leaves them out.
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
