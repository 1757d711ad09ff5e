// `spreadscan jobs` and `spreadscan cancel` against the fixed coordinator
// (test/fixtures/fixed-coordinator.ts), which starts with a job in each state and keeps a
// submitted job queued until the test runs it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ListJobsResponse } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { JobState } from "../../gen/ts/spreadscan/coordinator/v1/job.js";
import { startFixedCoordinator, type FixedCoordinator } from "../fixtures/fixed-coordinator.js";
import { QUICK_FLAGS } from "../support/cli-queries.js";
import { spreadscan, tableRows } from "../support/spreadscan-cli.js";
import type { ToolResult } from "../support/tools.js";

let coordinator: FixedCoordinator;
const remote = (...args: string[]): Promise<ToolResult> => spreadscan([...args, "--addr", coordinator.address]);

beforeAll(async () => {
  coordinator = await startFixedCoordinator();
});
afterAll(async () => {
  await coordinator.close();
});

describe.concurrent("spreadscan jobs, cancel", () => {
  it("`jobs` alone lists jobs as a table: id, state, symbol, created, duration, error", async () => {
    const run = await remote("jobs");
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/^id\s+state\s+symbol\s+created\s+duration\s+error\n─+\n/);
    expect(run.stdout).toMatch(/^job-000001\s+succeeded\s+SPY\s+2025-06-02T14:30:00Z\s+1\.3 s$/m);
    expect(run.stdout).toMatch(/^job-000002\s+failed\s+ZZZZ\s+2025-06-02T14:31:00Z\s+40 ms\s+NOT_FOUND: no market data for ZZZZ$/m);
    expect(run.stdout).toMatch(/^job-000003\s+cancelled\s+QQQ\s+2025-06-02T14:32:00Z\s+—\s+CANCELLED: cancelled by the caller$/m);
    expect(run.stdout).toMatch(/^job-000004\s+running\s+IWM\s+.* so far$/m);
    expect(run.stdout).toMatch(/^job-000005\s+queued\s+AAPL\s+2025-06-02T14:35:00Z\s+—$/m);
  });

  it("--state selects, --json is a ListJobsResponse", async () => {
    const [failed, json] = await Promise.all([remote("jobs", "--state", "failed,cancelled"), remote("jobs", "list", "--state", "queued", "--json")]);
    expect(failed.exitCode).toBe(0);
    const rows = failed.stdout.trimEnd().split("\n").slice(2);
    // The fixture's own failed and cancelled jobs, newest first; a job another test here cancels meanwhile may join them.
    const listedStates = rows.map((row) => row.split(/\s+/).slice(0, 2));
    expect(listedStates.every(([, state]) => state === "cancelled" || state === "failed")).toBe(true);
    const ids = listedStates.map(([id]) => id);
    expect(ids).toContain("job-000002");
    expect(ids).toContain("job-000003");
    expect(ids.indexOf("job-000003")).toBeLessThan(ids.indexOf("job-000002"));
    const listed = ListJobsResponse.fromJSON(JSON.parse(json.stdout));
    expect(listed.jobs.length).toBeGreaterThan(0);
    expect(listed.jobs.every((job) => job.state === JobState.JOB_STATE_QUEUED)).toBe(true);
  });

  it("submit prints the id; watch follows it to its final state; get shows its spreads", async () => {
    const submitted = await remote("jobs", "submit", "SPY", ...QUICK_FLAGS);
    expect(submitted.exitCode).toBe(0);
    const id = submitted.stdout.trim();
    expect(id).toMatch(/^job-\d{6}$/);
    expect(submitted.stderr).toContain(`job ${id} queued`);

    const watching = remote("jobs", "watch", id);
    await coordinator.jobWatchersOpen(1);
    coordinator.runJob(id);
    const watched = await watching;
    expect(watched.stderr).toBe("");
    expect(watched.exitCode).toBe(0);
    const events = watched.stdout.trimEnd().split("\n");
    expect(events).toHaveLength(2);
    expect(events[0]).toMatch(new RegExp(`^#1  \\S+  ${id}  SPY  queued → running$`));
    expect(events[1]).toMatch(new RegExp(`^#2  \\S+  ${id}  SPY  running → succeeded$`));

    const got = await remote("jobs", "get", id);
    expect(got.exitCode).toBe(0);
    expect(got.stdout).toMatch(/^state\s+succeeded$/m);
    expect(tableRows(got.stdout)).toHaveLength(4);
  });

  it("cancel cancels a queued job and prints its final state; an already finished job keeps its own", async () => {
    const id = coordinator.submitJob("QQQ");
    const [cancelled, finished] = await Promise.all([remote("cancel", id), remote("jobs", "cancel", "job-000001")]);
    expect(cancelled.exitCode).toBe(0);
    expect(cancelled.stdout).toBe(`${id}: cancelled\n`);
    expect(coordinator.job(id)).toMatchObject({ state: JobState.JOB_STATE_CANCELLED, error: { code: 1 } });
    expect(finished.exitCode).toBe(0);
    expect(finished.stdout).toBe("job-000001: succeeded (it had already finished; nothing to cancel)\n");
    expect(coordinator.job("job-000001")?.state).toBe(JobState.JOB_STATE_SUCCEEDED);
  });

  it("an unknown job is NOT_FOUND, exit 2", async () => {
    const [cancel, get] = await Promise.all([remote("cancel", "job-999999"), remote("jobs", "get", "job-999999")]);
    for (const run of [cancel, get]) {
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toBe("spreadscan: NOT_FOUND: no job job-999999\n");
    }
  });
});
