// The coordinator's scan jobs, with a scanner process behind it (test/support/coordinator-pair.ts):
// from QUEUED to SUCCEEDED, cancelled while queued and while running, and refused past a full queue.
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CancelJobRequest,
  GetJobRequest,
  ListJobsRequest,
  SubmitScanRequest,
  WatchJobEventsRequest,
  type WatchJobEventsResponse,
} from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { JobState } from "../../gen/ts/spreadscan/coordinator/v1/job.js";
import { readStatusDetails } from "../../services/common/status-details.js";
import { metricsJson, QUERY, startPair, take, type Pair } from "../support/coordinator-pair.js";
import { callUnary, failureOf } from "../support/echo-server.js";

describe("coordinator jobs", () => {
  let pair: Pair;
  // One job at a time, one queued, and market data paced to one request per 20 s: the
  // second job waits for its turn long enough to be seen and cancelled.
  beforeAll(async () => {
    pair = await startPair({ MAX_CONCURRENT_SCANS: "1", JOB_QUEUE_SIZE: "1", REQUESTS_PER_SECOND: "0.05", BURST_SIZE: "1" });
  });
  afterAll(() => pair.close());

  it("runs a job from QUEUED to SUCCEEDED, cancels running and queued ones, and refuses past a full queue", async () => {
    const { client } = pair;
    const submitted = await callUnary(client.submitScan.bind(client), SubmitScanRequest.fromPartial({ symbol: "AAPL", query: QUERY }));
    const jobId = submitted.response?.job?.id ?? "";
    expect([JobState.JOB_STATE_QUEUED, JobState.JOB_STATE_RUNNING]).toContain(submitted.response?.job?.state);
    const events = await take<WatchJobEventsResponse>(client.watchJobEvents(WatchJobEventsRequest.fromPartial({ jobId })), 99);
    expect(events.at(-1)?.job?.state).toBe(JobState.JOB_STATE_SUCCEEDED);
    expect(events.map((event) => event.sequence)).toEqual(events.map((_, index) => BigInt(index + 1)));
    const done = await callUnary(client.getJob.bind(client), GetJobRequest.fromPartial({ jobId }));
    expect(done.response?.job?.result?.spreads.length).toBeGreaterThan(0);
    expect(done.response?.job?.startedAt?.getTime()).toBeGreaterThanOrEqual(done.response?.job?.createdAt?.getTime() ?? Infinity);
    expect(done.response?.job?.finishedAt?.getTime()).toBeGreaterThanOrEqual(done.response?.job?.startedAt?.getTime() ?? Infinity);

    // The token is spent: this one runs and waits for market data, the next is queued.
    const running = (await callUnary(client.submitScan.bind(client), SubmitScanRequest.fromPartial({ symbol: "MSFT", query: QUERY }))).response?.job;
    const queued = (await callUnary(client.submitScan.bind(client), SubmitScanRequest.fromPartial({ symbol: "NVDA", query: QUERY }))).response?.job;
    await expect
      .poll(async () => (await callUnary(client.getJob.bind(client), GetJobRequest.fromPartial({ jobId: running?.id }))).response?.job?.state)
      .toBe(JobState.JOB_STATE_RUNNING);
    expect(queued?.state).toBe(JobState.JOB_STATE_QUEUED);
    // An identical scan joins the queued job rather than taking a place.
    const joined = await callUnary(client.submitScan.bind(client), SubmitScanRequest.fromPartial({ symbol: "NVDA", query: QUERY }));
    expect(joined.response?.job?.id).toBe(queued?.id);

    const refused = failureOf(
      await callUnary(client.submitScan.bind(client), SubmitScanRequest.fromPartial({ symbol: "TSLA", query: QUERY })),
      status.RESOURCE_EXHAUSTED,
    );
    expect(readStatusDetails(refused).retryDelayMs).toBeGreaterThan(0);
    const metrics = await metricsJson(pair);
    expect(metrics.active_jobs).toBe(1);
    expect(metrics.queued_jobs).toBe(1);

    const listed = await callUnary(
      client.listJobs.bind(client),
      ListJobsRequest.fromPartial({ states: [JobState.JOB_STATE_QUEUED, JobState.JOB_STATE_RUNNING] }),
    );
    expect(listed.response?.jobs.map((job) => job.id).sort()).toEqual([running?.id, queued?.id].sort());

    const cancelledQueued = await callUnary(client.cancelJob.bind(client), CancelJobRequest.fromPartial({ jobId: queued?.id }));
    expect(cancelledQueued.response?.job?.state).toBe(JobState.JOB_STATE_CANCELLED);
    const cancelledRunning = await callUnary(client.cancelJob.bind(client), CancelJobRequest.fromPartial({ jobId: running?.id }));
    expect(cancelledRunning.response?.job?.state).toBe(JobState.JOB_STATE_CANCELLED);
    const cancelled = await callUnary(client.getJob.bind(client), GetJobRequest.fromPartial({ jobId: running?.id }));
    expect(cancelled.response?.job?.error?.code).toBe(status.CANCELLED);

    const unknown = failureOf(await callUnary(client.getJob.bind(client), GetJobRequest.fromPartial({ jobId: "no-such-job" })), status.NOT_FOUND);
    expect(unknown.details).toContain("no-such-job");
    const badToken = failureOf(await callUnary(client.listJobs.bind(client), ListJobsRequest.fromPartial({ pageToken: "garbage" })), status.INVALID_ARGUMENT);
    expect(readStatusDetails(badToken).fieldViolations[0]?.field).toBe("page_token");
  });
});
