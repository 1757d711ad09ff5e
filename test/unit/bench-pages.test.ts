import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PAGES } from "../../bench/support/pages.js";
import { renderPage, type PageSpec } from "../../bench/support/render-page.js";
import type { BenchRun } from "../../bench/support/run-record.js";
import { REPO_ROOT } from "../support/tools.js";

const FIXTURES = join(REPO_ROOT, "test/fixtures/bench-runs");
const SPEC: PageSpec = { bench: "watch-fanout", title: "WatchSpreads fan-out", notes: ["A note with words only."] };

function fixtureRuns(): BenchRun[] {
  // Newest first, as a directory listing might give them: the page must order them itself.
  return readdirSync(FIXTURES)
    .sort()
    .reverse()
    .map((name) => JSON.parse(readFileSync(join(FIXTURES, name), "utf8")) as BenchRun);
}

describe("a benchmark's page", () => {
  it("shows the latest run in full and every run's targets, oldest first, from the recorded figures", () => {
    const expected = [
      "# WatchSpreads fan-out",
      "",
      "<!-- Written by bench/write-results.ts from bench/results/watch-fanout/*.json, the runs `make bench` recorded; edit those, not this page. -->",
      "",
      "`make bench` → `bench/watch-fanout.ts`.",
      "",
      "A note with words only.",
      "",
      "## Latest run",
      "",
      "Recorded 2026-12-01T09:30:15Z by `make bench` at commit fedcba9876 (with uncommitted changes).",
      "Machine: Example CPU 3000, 2 cores, 24 GiB, Linux 6.1.0 x64, Node v20.20.2, @grpc/grpc-js 1.14.7; load average (1, 5, 15 min) 0.12 / 0.30 / 0.25 at the start, 1.01 / 0.50 / 0.33 at the end.",
      "",
      "1,000 watchers over 100 queries.",
      "",
      "What was on:",
      "",
      "- logging at info to a file",
      "- call limits on",
      "",
      "### From UpdateChain to the watchers' messages (ms)",
      "",
      "| over | samples | p99 | checked | note |",
      "| --- | ---: | ---: | --- | --- |",
      "| every delivery | 120,000 | 187.1 | yes | – |",
      "| a \\| b | 120 | 193.6 | no | – |",
      "",
      "### Targets",
      "",
      "| target | measured | met |",
      "| --- | ---: | --- |",
      "| last watcher, p99 over updates, below 250.0 ms | 193.6 ms | met |",
      "| deliveries missed, below 1 | 3 | MISS |",
      "",
      "## Every run",
      "",
      "| recorded | commit | load at start → end (1 min) | target | measured | met |",
      "| --- | --- | --- | --- | ---: | --- |",
      "| 2026-11-30T08:00:00Z | 0123456789 | 0.05 → 1.50 | last watcher, p99 over updates, below 250.0 ms | 261.3 ms | MISS |",
      "| 2026-12-01T09:30:15Z | fedcba9876 (with uncommitted changes) | 0.12 → 1.01 | last watcher, p99 over updates, below 250.0 ms | 193.6 ms | met |",
      "| 2026-12-01T09:30:15Z | fedcba9876 (with uncommitted changes) | 0.12 → 1.01 | deliveries missed, below 1 | 3 | MISS |",
      "",
    ];
    expect(renderPage(SPEC, fixtureRuns()).split("\n")).toEqual(expected);
  });

  it("says there is no run yet rather than showing figures it does not have", () => {
    expect(renderPage(SPEC, []).split("\n").slice(-3)).toEqual(["", "No run recorded yet: `make bench` records one.", ""]);
  });

  it("has no figure in its own words: every number on a page comes from a recorded run", () => {
    for (const page of PAGES) {
      for (const note of page.notes) expect(note, `${page.bench}: ${note}`).not.toMatch(/\d/);
      expect(page.title).not.toMatch(/\d/);
    }
  });
});
