// Where the coordinator's event calendars come from: the simulated market's seeded calendar,
// a user's events file (EVENTS_FILE), or nothing (events unknown, as for IBKR without a file).
// The coordinator attaches what it gives to each chain (chains-with-events.ts).
import type { EventCalendar } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";

export interface EventProvider {
  /** "simulated" or "file": the calendars' EventCalendar.source. */
  readonly name: string;
  /**
   * The symbol's events on or after the New York date of `asOf`, ascending by date; undefined
   * when this provider does not know the symbol's events (unknown, never "none").
   */
  calendarFor(symbol: string, asOf: Date): EventCalendar | undefined;
}
