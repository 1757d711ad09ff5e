// The events of a user's file (EVENTS_FILE). With a file, it is the only source: a symbol it
// does not list has an empty calendar, known to hold no event, since the user said these are
// the events; the simulated calendar is not consulted.
import type { EventCalendar } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { newYorkDate } from "../../engine/new-york-time.js";
import type { EventProvider } from "./event-provider.js";
import type { FileEvents } from "./events-file.js";

export const FILE_EVENTS_SOURCE = "file";

export class FileEventProvider implements EventProvider {
  readonly name = FILE_EVENTS_SOURCE;

  constructor(private readonly events: FileEvents) {}

  calendarFor(symbol: string, asOf: Date): EventCalendar {
    const today = newYorkDate(asOf);
    const events = (this.events.get(symbol.toUpperCase()) ?? []).filter((event) => event.date >= today);
    return { events, source: FILE_EVENTS_SOURCE };
  }
}
