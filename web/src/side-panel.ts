// The side panel: the caller's recent jobs and saved scans (the coordinator shows each caller
// only their own), each finished job with a button that opens its result, each saved scan with
// buttons that run it, load it into the forms to change it, show its alerts (when it alerts)
// and delete it.
import { JobState, type Job } from "../../gen/es/spreadscan/coordinator/v1/job_pb.js";
import type { SavedScan } from "../../gen/es/spreadscan/coordinator/v1/saved_scan_pb.js";
import { coordinator, savedScans } from "./coordinator.js";
import { button } from "./dom.js";

/** How many of the newest jobs the panel lists. */
const JOBS_SHOWN = 10;

function stateWord(state: JobState): string {
  // A state newer than this page has no name here.
  return (JobState[state] as string | undefined)?.toLowerCase() ?? String(state);
}

/** What a saved scan scans: its symbols, or its watchlist. */
const scopeOf = (saved: SavedScan): string => (saved.watchlist === "" ? saved.symbols.join(" ") : `watchlist ${saved.watchlist}`);

/** What the panel's buttons do: a job's, given its id; a saved scan's, given its name. */
export interface PanelActions {
  openJob(id: string): void;
  edit(name: string): void;
  run(name: string): void;
  alerts(name: string): void;
  remove(name: string): void;
}

/** How often a saved scan alerts, or "" when it does not. */
function alertingOf(saved: SavedScan): string {
  if (!saved.alerts) return "";
  return ` · alerts every ${saved.alerts.checkInterval ? String(saved.alerts.checkInterval.seconds) : "60"} s`;
}

/** What a job's line says after its symbol: its state, and why when it failed. */
function jobText(job: Job): string {
  const failure = job.error && job.state !== JobState.SUCCEEDED ? `: ${job.error.message}` : "";
  return `${job.symbol} · ${stateWord(job.state)}${job.cacheHit ? " (cached)" : ""}${failure}`;
}

/** Lists the caller's jobs and saved scans, each with its buttons. */
export async function refreshPanel(jobList: HTMLElement, savedList: HTMLElement, actions: PanelActions): Promise<void> {
  const [jobs, saved] = await Promise.all([coordinator.listJobs({ pageSize: JOBS_SHOWN }), savedScans.listSavedScans({})]);
  jobList.replaceChildren(
    ...jobs.jobs.map((job) => {
      const item = document.createElement("li");
      item.dataset.jobId = job.id;
      item.title = job.id;
      item.append(jobText(job));
      // Only a job that succeeded has a result to open (GetJob returns it; ListJobs leaves it out).
      if (job.state === JobState.SUCCEEDED)
        item.append(
          " ",
          button("Open", `open job ${job.id}`, () => actions.openJob(job.id)),
        );
      return item;
    }),
  );
  savedList.replaceChildren(
    ...saved.savedScans.map((scan) => {
      const item = document.createElement("li");
      item.dataset.savedScan = scan.name;
      item.append(
        `${scan.name}: ${scopeOf(scan)}${alertingOf(scan)} `,
        button("Run", `run ${scan.name}`, () => actions.run(scan.name)),
        button("Edit", `edit ${scan.name}`, () => actions.edit(scan.name)),
        ...(scan.alerts ? [button("Alerts", `alerts of ${scan.name}`, () => actions.alerts(scan.name))] : []),
        button("Delete", `delete ${scan.name}`, () => actions.remove(scan.name)),
      );
      return item;
    }),
  );
}
