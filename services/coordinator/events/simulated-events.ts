// The simulated market's event calendar: deterministic, seeded per symbol. A single stock
// reports earnings every 91 days (a quarter), always at its own time of day (before the open or
// after the close, drawn once for the symbol); an index fund (SPY, QQQ, IWM) reports none. A
// symbol whose profile pays a dividend (services/market-model/symbol-profiles.ts) goes
// ex-dividend every 91 days too. Each series starts at a phase drawn for the symbol from the
// seed, and a date falling on a weekend moves to the Monday after. The same seed gives every
// coordinator the same calendar.
import { CorporateEventKind, EventTimeOfDay, type CorporateEvent, type EventCalendar } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { addDays, dayOfWeek, epochDay, newYorkDate } from "../../engine/new-york-time.js";
import { ContractRandom } from "../../market-model/contract-random.js";
import { profileFor } from "../../market-model/symbol-profiles.js";
import type { EventProvider } from "./event-provider.js";

export const SIMULATED_EVENTS_SOURCE = "simulated";

/** Days between two earnings, and between two ex-dividend dates. */
export const QUARTER_DAYS = 91;
/** How far ahead a calendar reaches: past the simulated market's last expiration (a year). */
const HORIZON_DAYS = 400;
/** Index funds report no earnings of their own. */
const INDEX_FUNDS = new Set(["SPY", "QQQ", "IWM"]);
const SATURDAY = 6;
const SUNDAY = 0;
/** The day the series are counted from: day 0 of every symbol's quarters. */
const ORIGIN = "2000-01-03";

export class SimulatedEventProvider implements EventProvider {
  readonly name = SIMULATED_EVENTS_SOURCE;

  constructor(private readonly seed: number) {}

  /** Undefined for a symbol the simulated market does not know. */
  calendarFor(symbol: string, asOf: Date): EventCalendar | undefined {
    const ticker = symbol.toUpperCase();
    const profile = profileFor(ticker);
    if (!profile) return undefined;
    const today = newYorkDate(asOf);
    const random = new ContractRandom(this.seed, `events:${ticker}`);
    // Drawn in a fixed order, so that each draw means the same for every symbol.
    const earningsPhase = Math.floor(random.uniform() * QUARTER_DAYS);
    const reportsAfterClose = random.uniform() < 0.5;
    const dividendPhase = Math.floor(random.uniform() * QUARTER_DAYS);
    const events: CorporateEvent[] = [];
    if (!INDEX_FUNDS.has(ticker)) {
      const timeOfDay = reportsAfterClose ? EventTimeOfDay.EVENT_TIME_OF_DAY_AFTER_MARKET_CLOSE : EventTimeOfDay.EVENT_TIME_OF_DAY_BEFORE_MARKET_OPEN;
      for (const date of quarterlyDates(earningsPhase, today)) events.push({ date, kind: CorporateEventKind.CORPORATE_EVENT_KIND_EARNINGS, timeOfDay });
    }
    if (profile.dividendYield > 0) {
      for (const date of quarterlyDates(dividendPhase, today)) {
        events.push({ date, kind: CorporateEventKind.CORPORATE_EVENT_KIND_EX_DIVIDEND, timeOfDay: EventTimeOfDay.EVENT_TIME_OF_DAY_UNSPECIFIED });
      }
    }
    events.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
    return { events, source: SIMULATED_EVENTS_SOURCE };
  }
}

/** The dates ORIGIN + phase + k·QUARTER_DAYS (weekends moved to Monday) from `today` to HORIZON_DAYS after it. */
function quarterlyDates(phase: number, today: string): string[] {
  const sinceOrigin = epochDay(today) - epochDay(ORIGIN) - phase;
  // The quarter before today's, so that one moved past a weekend onto today is not missed.
  let quarter = Math.floor(sinceOrigin / QUARTER_DAYS) - 1;
  const last = addDays(today, HORIZON_DAYS);
  const dates: string[] = [];
  for (;;) {
    const date = weekday(addDays(ORIGIN, phase + quarter * QUARTER_DAYS));
    if (date > last) return dates;
    if (date >= today) dates.push(date);
    quarter++;
  }
}

function weekday(date: string): string {
  const day = dayOfWeek(date);
  if (day === SATURDAY) return addDays(date, 2);
  if (day === SUNDAY) return addDays(date, 1);
  return date;
}
