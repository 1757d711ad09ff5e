// The user's events file (EVENTS_FILE): what it reads, and how the coordinator refuses to start
// with one it cannot read, naming the file, the line and the column.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CorporateEventKind, EventTimeOfDay } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { ConfigError, loadConfig } from "../../../services/common/config.js";
import { coordinatorConfig, coordinatorVariables } from "../../../services/coordinator/config.js";
import { EventsFileError, parseEvents } from "../../../services/coordinator/events/events-file.js";
import { FileEventProvider } from "../../../services/coordinator/events/file-events.js";

const directory = mkdtempSync(join(tmpdir(), "events-file-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function problemOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (error instanceof EventsFileError) return error.message;
    if (error instanceof ConfigError) return error.problems.join("\n");
    throw error;
  }
  throw new Error("no error");
}

describe("an events file", () => {
  it("reads each row, in any column order and case, an empty time of day as unknown, ascending by date per symbol", () => {
    const events = parseEvents(
      ["Kind,symbol,time_of_day,date,note", "earnings,spy,amc,2026-12-16,late", "ex_dividend,SPY,,2026-12-11,", "EARNINGS,aapl,bmo,2027-01-28,"].join("\n"),
      "events.csv",
    );
    expect(events.get("SPY")).toEqual([
      { date: "2026-12-11", kind: CorporateEventKind.CORPORATE_EVENT_KIND_EX_DIVIDEND, timeOfDay: EventTimeOfDay.EVENT_TIME_OF_DAY_UNSPECIFIED },
      { date: "2026-12-16", kind: CorporateEventKind.CORPORATE_EVENT_KIND_EARNINGS, timeOfDay: EventTimeOfDay.EVENT_TIME_OF_DAY_AFTER_MARKET_CLOSE },
    ]);
    expect(events.get("AAPL")).toEqual([
      { date: "2027-01-28", kind: CorporateEventKind.CORPORATE_EVENT_KIND_EARNINGS, timeOfDay: EventTimeOfDay.EVENT_TIME_OF_DAY_BEFORE_MARKET_OPEN },
    ]);
  });

  it("is the only source: a symbol it lists gets its events from the as-of date on, one it does not list an empty calendar", () => {
    const provider = new FileEventProvider(parseEvents("symbol,date,kind\nSPY,2026-12-01,earnings\nSPY,2026-12-16,earnings\n", "events.csv"));
    // 15:00Z on 7 December 2026 is 10:00 in New York.
    const asOf = new Date("2026-12-07T15:00:00Z");
    expect(provider.calendarFor("spy", asOf)).toEqual({
      source: "file",
      events: [{ date: "2026-12-16", kind: CorporateEventKind.CORPORATE_EVENT_KIND_EARNINGS, timeOfDay: EventTimeOfDay.EVENT_TIME_OF_DAY_UNSPECIFIED }],
    });
    expect(provider.calendarFor("QQQ", asOf)).toEqual({ source: "file", events: [] });
  });

  it("names the line and column of a bad date, kind, time of day or symbol", () => {
    const header = "symbol,date,kind,time_of_day\n";
    expect(problemOf(() => parseEvents(`${header}SPY,2026-12-16,earnings,amc\nSPY,2026-02-30,earnings,amc\n`, "e.csv"))).toBe(
      'e.csv line 3, column 2 (date): must be a calendar date YYYY-MM-DD; got "2026-02-30"',
    );
    expect(problemOf(() => parseEvents(`${header}SPY,2026-12-16,split,amc\n`, "e.csv"))).toBe(
      'e.csv line 2, column 3 (kind): must be earnings or ex_dividend; got "split"',
    );
    expect(problemOf(() => parseEvents(`${header}SPY,2026-12-16,earnings,noon\n`, "e.csv"))).toBe(
      'e.csv line 2, column 4 (time_of_day): must be bmo, amc, during, unknown or empty; got "noon"',
    );
    expect(problemOf(() => parseEvents(`${header}\n\n1SPY,2026-12-16,earnings,\n`, "e.csv"))).toBe(
      'e.csv line 4, column 1 (symbol): must be a ticker of 1 to 10 letters, digits or dots; got "1SPY"',
    );
  });

  it("refuses a header without the columns it needs, and text that is not CSV", () => {
    expect(problemOf(() => parseEvents("symbol,when,kind\nSPY,2026-12-16,earnings\n", "e.csv"))).toBe(
      "e.csv line 1: the header lacks date; an events file has the columns symbol,date,kind,time_of_day",
    );
    expect(problemOf(() => parseEvents('symbol,date,kind\nSPY,"2026-12-16,earnings\n', "e.csv"))).toMatch(/^e\.csv line \d+: not readable as CSV: /);
    expect(problemOf(() => parseEvents("", "e.csv"))).toBe("e.csv: is empty; it needs a header row: symbol,date,kind,time_of_day");
  });

  it("as EVENTS_FILE: read at start, or the configuration error names the variable, file, line and column", () => {
    const good = join(directory, "good.csv");
    writeFileSync(good, "symbol,date,kind,time_of_day\nSPY,2026-12-16,earnings,bmo\n");
    const config = coordinatorConfig(loadConfig(coordinatorVariables, { EVENTS_FILE: good }));
    expect(config.events.file?.path).toBe(good);
    expect(config.events.file?.events.get("SPY")).toHaveLength(1);
    expect(coordinatorConfig(loadConfig(coordinatorVariables, {})).events.file).toBeUndefined();

    const bad = join(directory, "bad.csv");
    writeFileSync(bad, "symbol,date,kind,time_of_day\nSPY,12/16/2026,earnings,bmo\n");
    expect(problemOf(() => loadConfig(coordinatorVariables, { EVENTS_FILE: bad }))).toBe(
      `EVENTS_FILE: ${bad} line 2, column 2 (date): must be a calendar date YYYY-MM-DD; got "12/16/2026"`,
    );
    const missing = join(directory, "missing.csv");
    expect(problemOf(() => loadConfig(coordinatorVariables, { EVENTS_FILE: missing }))).toMatch(new RegExp(`^EVENTS_FILE: ${missing}: cannot be read: `));
  });
});
