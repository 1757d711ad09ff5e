// A benchmark's page (bench/results/<bench>.md), rendered from its recorded runs alone: the
// latest run in full, then every run's targets. The words around the figures say how the
// benchmark measures; any number on the page comes from a run.
import { markdownTable, renderTable } from "./markdown.js";
import { formatFigure, targetWithBound, type BenchRun, type Target } from "./run-record.js";

/** What a page says whatever its runs: its title, its source, and notes with no figures in them. */
export interface PageSpec {
  readonly bench: string;
  readonly title: string;
  /** Paragraphs of method and background; words only (a figure belongs to a run). */
  readonly notes: readonly string[];
}

const formatNumber = (value: number, digits: number): string => formatFigure(value, "", digits);

const shortTime = (iso: string): string => iso.replace(/\.\d+Z$/, "Z");
const shortCommit = (run: BenchRun): string => `${run.code.commit.slice(0, 10)}${run.code.uncommittedChanges ? " (with uncommitted changes)" : ""}`;
const load = (values: readonly number[]): string => values.map((value) => formatNumber(value, 2)).join(" / ");
const measured = (each: Target): string => formatFigure(each.measured, each.unit, each.digits ?? 0);

function renderMachine(run: BenchRun): string {
  const { machine } = run;
  return (
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}, @grpc/grpc-js ${machine.grpcJs}; ` +
    `load average (1, 5, 15 min) ${load(machine.loadAverage.start)} at the start, ${load(machine.loadAverage.end)} at the end.`
  );
}

/** The page of `spec`'s benchmark from its runs, oldest first (any order is sorted). */
export function renderPage(spec: PageSpec, runs: readonly BenchRun[]): string {
  const ordered = [...runs].sort((a, b) => a.recordedAt.localeCompare(b.recordedAt));
  const latest = ordered.at(-1);
  const lines: string[] = [
    `# ${spec.title}`,
    "",
    `<!-- Written by bench/write-results.ts from bench/results/${spec.bench}/*.json, the runs \`make bench\` recorded; edit those, not this page. -->`,
    "",
    `\`make bench\` → \`bench/${spec.bench}.ts\`.`,
  ];
  for (const note of spec.notes) lines.push("", note);
  if (!latest) {
    lines.push("", "No run recorded yet: `make bench` records one.", "");
    return lines.join("\n");
  }
  lines.push(
    "",
    "## Latest run",
    "",
    `Recorded ${shortTime(latest.recordedAt)} by \`${latest.command}\` at commit ${shortCommit(latest)}.`,
    renderMachine(latest),
    "",
    latest.method,
    "",
    "What was on:",
    "",
    ...latest.layers.map((layer) => `- ${layer}`),
  );
  for (const table of latest.tables) lines.push("", ...renderTable(table));
  lines.push(
    "",
    "### Targets",
    "",
    ...markdownTable(
      ["target", "measured", "met"],
      [false, true, false],
      latest.targets.map((each) => [targetWithBound(each), measured(each), each.met ? "met" : "MISS"]),
    ),
    "",
    "## Every run",
    "",
    ...markdownTable(
      ["recorded", "commit", "load at start → end (1 min)", "target", "measured", "met"],
      [false, false, false, false, true, false],
      ordered.flatMap((run) =>
        run.targets.map((each) => [
          shortTime(run.recordedAt),
          shortCommit(run),
          `${formatNumber(run.machine.loadAverage.start[0] ?? Number.NaN, 2)} → ${formatNumber(run.machine.loadAverage.end[0] ?? Number.NaN, 2)}`,
          targetWithBound(each),
          measured(each),
          each.met ? "met" : "MISS",
        ]),
      ),
    ),
    "",
  );
  return lines.join("\n");
}
