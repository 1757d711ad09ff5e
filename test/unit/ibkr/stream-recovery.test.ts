import { describe, expect, it } from "vitest";
import { StreamRecovery } from "../../../services/coordinator/market/ibkr/stream-recovery.js";

/** Polls a condition; the timeout only bounds a failure. */
async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = performance.now() + 5000;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

function recovery() {
  const requested: string[] = [];
  let recovered = 0;
  const subject = new StreamRecovery<string>({
    initialDelayMs: 5,
    maxDelayMs: 20,
    pickProbe: (stopped) => stopped.find((line) => line === "underlying") ?? stopped[0]!,
    request: (line) => requested.push(line),
    onRecovered: () => recovered++,
  });
  return { subject, requested, recovered: () => recovered };
}

describe("StreamRecovery", () => {
  it("an episode begins once however many lines stop, and one line probes", async () => {
    const { subject, requested } = recovery();
    expect(subject.stop("a")).toBe(true);
    expect(subject.stop("underlying")).toBe(false);
    expect(subject.stop("b")).toBe(false);
    expect(subject.active).toBe(true);
    await waitFor(() => requested.length === 1);
    expect(requested).toEqual(["underlying"]);
    expect(subject.stopped).toBe(2);
  });

  it("a refused probe is tried again; data on it brings every stopped line back", async () => {
    const { subject, requested, recovered } = recovery();
    subject.stop("a");
    subject.stop("underlying");
    await waitFor(() => requested.length === 1);
    // Refused again: still one episode, another probe later.
    expect(subject.stop("underlying")).toBe(false);
    await waitFor(() => requested.length === 2);
    expect(subject.probesSent).toBe(2);
    // Data on a line that is not the probe changes nothing.
    subject.flowing("a");
    expect(recovered()).toBe(0);
    subject.flowing("underlying");
    expect(requested).toEqual(["underlying", "underlying", "a"]);
    expect(recovered()).toBe(1);
    expect(subject.active).toBe(false);
  });

  it("reset ends the episode without requesting anything (the caller requests every line)", async () => {
    const { subject, requested } = recovery();
    subject.stop("a");
    subject.reset();
    expect(subject.active).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(requested).toEqual([]);
  });

  it("a probe line that goes for good is replaced by another", async () => {
    const { subject, requested } = recovery();
    subject.stop("underlying");
    subject.stop("a");
    await waitFor(() => requested.length === 1);
    subject.forget("underlying");
    await waitFor(() => requested.length === 2);
    expect(requested).toEqual(["underlying", "a"]);
  });
});
