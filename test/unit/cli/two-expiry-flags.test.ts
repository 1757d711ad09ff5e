// The query flags of calendars and diagonals: their strategy names, --min-back-dte and
// --max-back-dte (checked like every number flag, refusals naming the flag), and the help.
import { Command, CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import { Strategy } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import { addQueryFlags, scanQueryFromFlags } from "../../../services/cli/query-flags.js";
import { flagForQueryField, queryViolationLines } from "../../../services/cli/query-violation-lines.js";

/** A command with the query flags, parsing `args` as a user typed them; errors are thrown, not printed. */
function parse(args: readonly string[]): { readonly command: Command; readonly errors: string[] } {
  const errors: string[] = [];
  const command = addQueryFlags(new Command("scan"))
    .exitOverride()
    .configureOutput({ writeErr: (text) => errors.push(text), writeOut: () => undefined });
  command.parse([...args], { from: "user" });
  return { command, errors };
}

describe("calendar and diagonal flags", () => {
  it("name the four two-expiry strategies, alone or with others", () => {
    const query = scanQueryFromFlags(
      parse(["--strategy", "call-calendar,put-calendar", "--strategy", "call-diagonal", "--strategy", "put-diagonal,bull-put"]).command.opts(),
    );
    expect(query.strategies).toEqual([
      Strategy.STRATEGY_CALL_CALENDAR,
      Strategy.STRATEGY_PUT_CALENDAR,
      Strategy.STRATEGY_CALL_DIAGONAL,
      Strategy.STRATEGY_PUT_DIAGONAL,
      Strategy.STRATEGY_BULL_PUT,
    ]);
  });

  it("take the enum's own spelling too", () => {
    expect(scanQueryFromFlags(parse(["--strategy", "STRATEGY_PUT_CALENDAR"]).command.opts()).strategies).toEqual([Strategy.STRATEGY_PUT_CALENDAR]);
  });

  it("set min_back_dte and max_back_dte, and leave them absent when not given", () => {
    const query = scanQueryFromFlags(parse(["--strategy", "call-calendar", "--min-back-dte", "35", "--max-back-dte", "90"]).command.opts());
    expect(query.filters?.minBackDte).toBe(35);
    expect(query.filters?.maxBackDte).toBe(90);
    const bare = scanQueryFromFlags(parse(["--strategy", "call-calendar"]).command.opts());
    expect(bare.filters?.minBackDte).toBeUndefined();
    expect(bare.filters?.maxBackDte).toBeUndefined();
  });

  it.each([
    ["--min-back-dte", "2.5"],
    ["--max-back-dte", "-1"],
    ["--max-back-dte", "soon"],
    ["--min-back-dte", "4294967296"],
  ])("refuse %s %s, naming the flag", (flag, value) => {
    let thrown: unknown;
    try {
      parse([flag, value]);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CommanderError);
    expect((thrown as CommanderError).message).toBe(
      `error: option '${flag} <days>' argument '${value}' is invalid. expected a whole number, 0 or more, like 30.`,
    );
  });

  it("refuse a strategy name that is none of them", () => {
    expect(() => parse(["--strategy", "double-calendar"])).toThrow(/expected a strategy: .*call-calendar, put-calendar, call-diagonal, put-diagonal/);
  });

  it("map the engine's refusals of the back bounds to the flags", () => {
    expect(flagForQueryField("filters.min_back_dte")).toBe("--min-back-dte");
    expect(flagForQueryField("filters.max_back_dte")).toBe("--max-back-dte");
    expect(queryViolationLines([{ field: "filters.min_back_dte", description: "must not be above max_back_dte (90 > 60)" }])).toEqual([
      "--min-back-dte: must not be above --max-back-dte (90 > 60)",
    ]);
  });

  it("are in the help, with the strategies", () => {
    const help = parse([]).command.helpInformation();
    expect(help).toMatch(/--min-back-dte <days>\s+fewest calendar days to the back \(bought\) expiry/);
    expect(help).toMatch(/--max-back-dte <days>\s+most calendar days to the back \(bought\) expiry/);
    expect(help.replace(/\s+/g, " ")).toContain("call-calendar, put-calendar, call-diagonal, put-diagonal");
  });
});
