// The side panel: the caller's recent jobs and saved scans (the coordinator shows each caller
// only their own), each saved scan with a button that runs it.
import { JobState } from "../../gen/es/spreadscan/coordinator/v1/job_pb.js";
import type { SavedScan } from "../../gen/es/spreadscan/coordinator/v1/saved_scan_pb.js";
import { coordinator, savedScans } from "./coordinator.js";

/** How many of the newest jobs the panel lists. */
const JOBS_SHOWN = 10;

function stateWord(state: JobState): string {
  // A state newer than this page has no name here.
  return (JobState[state] as string | undefined)?.toLowerCase() ?? String(state);
}

/** What a saved scan scans: its symbols, or its watchlist. */
const scopeOf = (saved: SavedScan): string => (saved.watchlist === "" ? saved.symbols.join(" ") : `watchlist ${saved.watchlist}`);

/** Lists the caller's jobs and saved scans; `run` is called with a saved scan's name when its Run is pressed. */
export async function refreshPanel(jobList: HTMLElement, savedList: HTMLElement, run: (name: string) => void): Promise<void> {
  const [jobs, saved] = await Promise.all([coordinator.listJobs({ pageSize: JOBS_SHOWN }), savedScans.listSavedScans({})]);
  jobList.replaceChildren(
    ...jobs.jobs.map((job) => {
      const item = document.createElement("li");
      item.dataset.jobId = job.id;
      item.textContent = `${job.symbol} · ${stateWord(job.state)}${job.cacheHit ? " (cached)" : ""}`;
      item.title = job.id;
      return item;
    }),
  );
  savedList.replaceChildren(
    ...saved.savedScans.map((scan) => {
      const item = document.createElement("li");
      item.dataset.savedScan = scan.name;
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = "Run";
      button.addEventListener("click", () => run(scan.name));
      item.append(`${scan.name}: ${scopeOf(scan)} `, button);
      return item;
    }),
  );
}
