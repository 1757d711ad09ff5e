// How a command that ran to its end without a bug still failed, and with which exit status.
// main.ts prints each line after "spreadscan: " on stderr and exits with the status, so a
// failed call or a partly failed batch never shows a stack trace.

/** Exit statuses of the `spreadscan` command, as its --help documents them. */
export const EXIT_STATUS = {
  /** Done. */
  ok: 0,
  /** The call failed in a way the user cannot fix from the command line (unreachable, unavailable, internal), or a bug. */
  failure: 1,
  /** Bad usage, unreadable input, or a request the service refused as invalid or about something unknown. */
  usage: 2,
  /** `batch`: the call went through but some symbols failed. */
  partial: 3,
} as const;

export type ExitStatus = (typeof EXIT_STATUS)[keyof typeof EXIT_STATUS];

export class CommandFailure extends Error {
  override readonly name = "CommandFailure";

  constructor(
    readonly lines: readonly string[],
    readonly exitStatus: ExitStatus,
  ) {
    super(lines.join("\n"));
  }
}
