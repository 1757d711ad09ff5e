// Whose jobs a caller reads. A job is shared by every caller of the same scan (one computation,
// one result), but what a caller scans is its own business: with API keys on, a client lists,
// reads and watches only the jobs it asked for (ScanJob.askedBy), never which symbols and
// queries another client scans. A caller with the admin scope (an operator; every caller while
// keys are off, when all share one owner) reads every job, as it may cancel any; its lists
// leave out the coordinator's own work (refreshes ahead of expiry), which nobody asked for.
import type { CallContext } from "../../common/handlers.js";
import { ownerOf } from "../owner.js";
import { missingJob, type ScanJob } from "./scan-job.js";

export interface JobViewer {
  readonly owner: string;
  /** The admin scope: every job. */
  readonly everyJob: boolean;
}

export function viewerOf(context: Pick<CallContext, "caller" | "scopes">): JobViewer {
  return { owner: ownerOf(context.caller), everyJob: context.scopes.has("admin") };
}

/** Whether the job may be read by `viewer` (GetJob, WatchJobEvents). */
export function readableBy(viewer: JobViewer, job: Pick<ScanJob, "askedBy">): boolean {
  return viewer.everyJob || job.askedBy.has(viewer.owner);
}

/** Whether the job is in `viewer`'s lists (ListJobs): readable, and asked for by someone. */
export function listedTo(viewer: JobViewer, job: Pick<ScanJob, "askedBy">): boolean {
  return job.askedBy.size > 0 && readableBy(viewer, job);
}

/** The job if `viewer` may read it; otherwise NOT_FOUND, worded as for a job that does not exist, so that no id leaks. */
export function readableJob(viewer: JobViewer, id: string, job: ScanJob | undefined): ScanJob {
  if (!job || !readableBy(viewer, job)) throw missingJob(id);
  return job;
}
