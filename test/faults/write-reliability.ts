// Renders docs/RELIABILITY.md from the fault suites' results (test/faults/results/*.json),
// so that the document always shows the last run of `make test-faults`, which runs this
// after the suites. A suite that did not get as far as recording shows as such.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { failuresText, memoryText, RESULTS_DIR, verdict, type FaultResult } from "./support/fault-report.js";
import { KNOWN_DEFECTS, type KnownDefect } from "./support/known-defects.js";
import { counted, MIN_RUNS, readSpreadFile, saneBand, spreadOf, upperBound } from "./support/spread.js";
import { REPO_ROOT } from "../support/tools.js";

const SUITES: readonly { readonly name: string; readonly file: string }[] = [
  { name: "scanner-sigkill", file: "scanner-sigkill.fault.ts" },
  { name: "sigterm", file: "sigterm.fault.ts" },
  { name: "stuck-watcher", file: "stuck-watcher.fault.ts" },
  { name: "fuzz", file: "fuzz.fault.ts" },
  { name: "overload", file: "overload.fault.ts" },
  { name: "market-drop", file: "market-drop.fault.ts" },
  { name: "defects", file: "defects.fault.ts" },
  { name: "tws-drop", file: "tws-drop.fault.ts" },
  { name: "feed-owner", file: "feed-owner.fault.ts" },
  { name: "shared-cache-hit", file: "shared-cache.fault.ts" },
  { name: "shared-cache-single-flight", file: "shared-cache.fault.ts" },
  { name: "shared-cache-owner-killed", file: "shared-cache.fault.ts" },
  { name: "shared-cache-redis-faults", file: "shared-cache.fault.ts" },
  { name: "chain-bus", file: "chain-bus.fault.ts" },
  { name: "scanner-replicas", file: "scanner-replicas.fault.ts" },
  { name: "scanner-replicas-sigterm", file: "scanner-replicas.fault.ts" },
  { name: "cluster-chain-updates", file: "cluster.fault.ts" },
  { name: "cluster-feed-owner", file: "cluster.fault.ts" },
];

/** A table cell: no pipes or line breaks to break the row. */
const cell = (value: unknown): string =>
  String(value)
    .replace(/\|/g, "\\|")
    .replace(/\s*\n\s*/g, " ");

const row = (values: readonly unknown[]): string => `| ${values.map(cell).join(" | ")} |`;

function table(head: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [row(head), row(head.map(() => "---")), ...rows.map(row)].join("\n");
}

function read(name: string): FaultResult | undefined {
  const path = `${RESULTS_DIR}/${name}.json`;
  return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as FaultResult) : undefined;
}

const results = SUITES.map((suite) => ({ ...suite, result: read(suite.name) }));
const recorded = results.flatMap(({ result }) => (result ? [result] : []));
const lastRun =
  recorded
    .map((result) => result.ranAt)
    .sort()
    .at(-1) ?? "never";
const totalSeconds = recorded.reduce((sum, result) => sum + result.durationSeconds, 0);

const verdicts = (result: FaultResult): string => {
  const failed = result.criteria.filter((each) => !each.passed);
  const known = failed.filter((each) => each.knownDefect !== undefined);
  const defects = [...new Set(known.map((each) => each.knownDefect))].join(", ");
  return `${result.criteria.length - failed.length} of ${result.criteria.length} met${known.length > 0 ? `; ${known.length} not, known defects ${defects}` : ""}${failed.length > known.length ? `; ${failed.length - known.length} FAILED` : ""}`;
};

const summary = table(
  ["test", "load", "faults injected", "calls", "calls failed, by status", "hung calls", "lost watcher updates", "memory before → after", "pass criteria"],
  results.map(({ file, result }) =>
    result
      ? [
          result.title,
          result.load,
          result.faults,
          result.calls,
          failuresText(result.byStatus),
          result.hungCalls,
          result.lostWatcherUpdates ?? "n/a",
          memoryText(result.memory) || "n/a",
          verdicts(result),
        ]
      : [file, "—", "—", "—", "no result: the suite did not get as far as recording (see the run's output)", "—", "—", "—", "—"],
  ),
);

/** Where each defect shows: the criteria flagged with it, or (once fixed) the regression checks named after it. */
const defectSection = ([id, defect]: [string, KnownDefect]): string => {
  const seen = recorded.flatMap((result) =>
    result.criteria
      .filter((each) => each.knownDefect === id || each.criterion.startsWith(`[${id}]`))
      .map((each) => `- ${result.title}: ${each.criterion} — measured ${each.measured} (${each.passed ? "met" : "not met"} in this run)`),
  );
  return [
    `### ${id}: ${defect.title}`,
    "",
    ...(defect.fixed ? [`**Fixed** ${defect.fixed}`, ""] : []),
    defect.detail,
    "",
    ...(seen.length > 0 ? seen : ["- not exercised in this run"]),
  ].join("\n");
};
const openDefects = Object.entries(KNOWN_DEFECTS).filter(([, defect]) => defect.fixed === undefined);
const fixedDefects = Object.entries(KNOWN_DEFECTS).filter(([, defect]) => defect.fixed !== undefined);

/** Every recorded spread: per suite and measurement, the values seen and the bound they give. */
const spreadRows = SUITES.flatMap(({ name }) => {
  const file = readSpreadFile(name);
  if (!file || file.runs.length === 0) return [];
  const dates = file.runs.map((run) => run.ranAt.slice(0, 10)).sort();
  const loads = file.runs.filter(counted).map((run) => run.loadAverage.before[0] ?? Number.NaN);
  const seconds = file.runs.filter(counted).map((run) => run.durationSeconds);
  const names = [...new Set(file.runs.flatMap((run) => Object.keys(run.measurements)))];
  return names.map((measurement) => {
    const spread = spreadOf(name, measurement);
    const values = file.runs.map((run) => run.measurements[measurement]).filter((value): value is number => typeof value === "number");
    return [
      name,
      measurement,
      `${spread?.runs ?? 0} of ${values.length}`,
      spread ? `${spread.min} – ${spread.max}` : `${Math.min(...values)} – ${Math.max(...values)}`,
      spread ? upperBound(name, measurement).value : `fewer than ${MIN_RUNS} runs`,
      spread ? saneBand(name, measurement).text : "",
      `${dates[0]}${dates.at(-1) === dates[0] ? "" : ` to ${dates.at(-1)}`}`,
      `${Math.min(...loads)} – ${Math.max(...loads)}`,
      `${Math.min(...seconds)} – ${Math.max(...seconds)}`,
    ];
  });
});

const suiteSections = results.map(({ file, result }) => {
  if (!result) return `### ${file}\n\nNo result: the suite did not get as far as recording. The run's output says why.`;
  const memory = result.memory.map((figure) => `${figure.process} ${figure.beforeMb} → ${figure.afterMb} MB${figure.note ? ` (${figure.note})` : ""}`);
  return [
    `### ${result.title}`,
    "",
    `\`test/faults/${file}\` — ran ${result.ranAt}, ${result.durationSeconds} s.`,
    "",
    `- load: ${result.load}`,
    `- faults injected: ${result.faults}`,
    `- calls: ${result.calls}; by status: ${
      Object.entries(result.byStatus)
        .map(([name, count]) => `${name} ${count}`)
        .join(", ") || "none"
    }`,
    `- hung calls: ${result.hungCalls}; lost watcher updates: ${result.lostWatcherUpdates ?? "n/a"}`,
    `- memory: ${memory.join("; ") || "n/a"}`,
    "",
    table(
      ["pass criterion", "measured", "met"],
      result.criteria.map((each) => [each.criterion, each.measured, verdict(each)]),
    ),
    "",
    table(["figure", "value"], Object.entries(result.figures)),
  ].join("\n");
});

const document = `# Reliability

<!-- Generated by \`make test-faults\` (test/faults/write-reliability.ts) from test/faults/results/; edit those, not this. -->

What the fault suites of \`make test-faults\` (\`test/faults/\`) did to the real services, and how
they held up, as of the last run: ${lastRun}, on ${recorded[0]?.machine ?? "an unknown machine"}, ${Math.round(totalSeconds)} s of suites.

Every suite starts the services as processes (the market-drop suite assembles the coordinator
in-process, to reach the simulated market's fault switch; the tws-drop suite runs its coordinator
on IBKR market data against a fake TWS in the test process), injects its faults under load,
records what it saw and asserts its pass criteria. A criterion marked with a known defect is
recorded but not asserted; the defect is described below and reproduced by
\`defects.fault.ts\`, which keeps the fixed ones as regression tests (criteria named
\`[KD-n]\`). "Calls" counts unary
calls and stream connections (a watcher's reconnection attempts included); "calls failed"
lists every status but OK, including the statuses a suite expects (UNAVAILABLE while a service
is down, NOT_FOUND for a watch of a scanner that has no chain yet, RESOURCE_EXHAUSTED past a
limit). A hung call is one not ended a second past its deadline. Memory is resident memory
(\`process_resident_memory_bytes\` from the admin port) unless the suite says otherwise.

### How the criteria are made

A criterion that guards a defect or a promise must fail when the defect is back. Where the
promise is about what a service does, the criterion counts it from the services' own metrics
and logs rather than timing it: chains fetched while the scanner's circuit is open
(\`spreadscan_market_chain_fetches_total\` against the coordinator's "scanner circuit opened"
lines), half-open probes that fail without reaching a restarted scanner (the coordinator's
circuit lines against the scanner's call lines), the calls a service had started when it was
signalled and how each ended (its call lines, found by the request id the suite sent), the
messages the services held for a watcher that stopped reading (what reaches it once it reads
again, less its own buffer). A timing bound passes in runs where the defect is present as
often as the timers fall its way.

Where a bound is about time or memory, it comes from measured spread, not from a guess: each
such suite records the raw figures it compares (its result's \`measurements\`), and
\`node --import tsx test/faults/measure-spread.ts <suite> [runs]\` runs it again and again
and keeps every run's figures, with the machine, the date and the load average, in
\`test/faults/spread/<suite>.json\`. The suite derives each bound from that file by one rule:
**the largest value seen plus the range seen** (max + (max − min), at least ${MIN_RUNS} runs),
so that a run fails only when it is worse than every recorded run by as much again as they
differed among themselves. Before each run the script waits for the machine to be quiet (a
1-minute load average at most its core count); a run that started on a busy machine anyway
is kept in the file but not counted. A relative criterion ("≤ 2× the baseline") gets as slack only the
excess over 2× that recorded runs showed (none when they never went above), and checks its
baseline first: enough samples, and a value within the range seen widened by the range on
each side (not below half the smallest): a baseline outside it fails the criterion rather than
making it easy. The bounds and the runs they come from are listed under "Recorded spread".

## Summary

${summary}

## Known defects

${openDefects.length > 0 ? `Found by these suites in the services and open; not fixed here.\n\n${openDefects.map(defectSection).join("\n\n")}` : "None open: every defect these suites found is fixed (below)."}

## Fixed defects

Found by these suites and fixed since; their checks stay as regression tests.

${fixedDefects.length > 0 ? fixedDefects.map(defectSection).join("\n\n") : "None yet."}

## Suites

${suiteSections.join("\n\n")}

## Recorded spread

The runs each measured bound is derived from (\`test/faults/spread/\`): how many counted (of
those recorded), the values they saw, the upper bound those give (max + range) and, for a
baseline, the band it must lie in; when they ran, the machine's 1-minute load average as each
counted run started, and how long each took. Which of these a suite uses, and how, its
criteria say.

${spreadRows.length > 0 ? table(["suite", "measurement", "runs", "seen (min – max)", "max + range", "baseline band", "when", "load average", "seconds per run"], spreadRows) : "None recorded."}
`;

// RELIABILITY_FILE: where `make test` puts its copy, outside the committed tree.
const target = path.resolve(REPO_ROOT, process.env.RELIABILITY_FILE ?? "docs/RELIABILITY.md");
mkdirSync(path.dirname(target), { recursive: true });
writeFileSync(target, document);
process.stdout.write(`${path.relative(REPO_ROOT, target)} written from ${recorded.length} of ${SUITES.length} results (last run ${lastRun})\n`);

// Last in the output, where a CI log's tail keeps it: what failed, with what was measured and
// the suite's figures, since the test runner's own message is cut to the width of its frame.
const failedDigest = results.flatMap(({ file, result }) => {
  if (!result) return [`FAILED ${file}: no result recorded`];
  const failed = result.criteria.filter((each) => !each.passed && each.knownDefect === undefined);
  if (failed.length === 0) return [];
  return [
    `FAILED ${result.name} (${file}):`,
    ...failed.map((each) => `  criterion: ${each.criterion}\n    measured: ${each.measured}`),
    ...Object.entries(result.figures).map(([figure, value]) => `  figure: ${figure}: ${cell(value)}`),
  ];
});
if (failedDigest.length > 0) process.stdout.write(`${failedDigest.join("\n")}\n`);
