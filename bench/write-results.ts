// Writes each benchmark's page, bench/results/<bench>.md, from the runs recorded under
// bench/results/<bench>/ (BENCH_RESULTS_DIR elsewhere). `make bench` runs it after the
// benchmarks, also when one of them failed, so that the pages always show what was recorded.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PAGES } from "./support/pages.js";
import { renderPage } from "./support/render-page.js";
import { describeTarget, resultsDirectory, type BenchRun } from "./support/run-record.js";

function recordedRuns(directory: string): BenchRun[] {
  if (!existsSync(directory)) return [];
  return readdirSync(directory)
    .filter((name) => name.endsWith(".json"))
    .map((name) => JSON.parse(readFileSync(join(directory, name), "utf8")) as BenchRun);
}

const directory = resultsDirectory();
mkdirSync(directory, { recursive: true });
const missed: string[] = [];
for (const page of PAGES) {
  const runs = recordedRuns(join(directory, page.bench));
  const file = join(directory, `${page.bench}.md`);
  writeFileSync(file, renderPage(page, runs));
  const latest = [...runs].sort((a, b) => a.recordedAt.localeCompare(b.recordedAt)).at(-1);
  console.log(`${file}: written from ${runs.length} recorded run${runs.length === 1 ? "" : "s"}`);
  for (const each of latest?.targets ?? []) if (!each.met) missed.push(`MISS ${page.bench} (run of ${latest?.recordedAt ?? ""}): ${describeTarget(each)}`);
}
// Every missed target of the latest runs, together at the end of `make bench`'s output.
console.log(missed.length === 0 ? "no target missed by the latest runs" : missed.join("\n"));
