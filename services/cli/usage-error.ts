/**
 * Input the user can fix, found after commander parsed the command line (a value the engine
 * refused, two flags that contradict each other). The CLI prints each line on stderr as it
 * stands, after "spreadscan: ", and exits 2.
 */
export class UsageError extends Error {
  override readonly name = "UsageError";

  constructor(readonly lines: readonly string[]) {
    super(lines.join("\n"));
  }
}
