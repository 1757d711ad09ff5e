// How the operating system schedules this process, for a run's record: on a shared host a
// benchmark may be run at a raised priority (`chrt -f 10 node dist/bench/…`, `nice -n -10`)
// so that the other work on the machine takes less of its time, and its record must say so.
// Linux only (/proc/self/stat); elsewhere "unknown".
import { readFileSync } from "node:fs";

/** Linux scheduling policies by number (sched(7)). */
const POLICIES = ["SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH", "SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE"];

/** This process's scheduling, in words: its policy with its real-time priority, or its nice value. */
export function schedulingPolicy(): string {
  let stat: string;
  try {
    stat = readFileSync("/proc/self/stat", "utf8");
  } catch {
    return "scheduling unknown (no /proc/self/stat)";
  }
  // The fields after the command name, which is in parentheses and may hold spaces: field 3 on.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const nice = Number(fields[19 - 3]);
  const realTimePriority = Number(fields[40 - 3]);
  const policyNumber = Number(fields[41 - 3]);
  const policy = POLICIES[policyNumber] ?? `policy ${policyNumber}`;
  return policy === "SCHED_FIFO" || policy === "SCHED_RR"
    ? `scheduled ${policy} at real-time priority ${realTimePriority} (children inherit it): the host's other work yields to it`
    : `scheduled ${policy}, nice ${nice}`;
}
