// The before-expiry rule of earnings and ex-dividend dates, on hand-worked cases, and the two
// exclude filters and the flags as a scan applies them.
import { describe, expect, it } from "vitest";
import { CorporateEventKind, EventCalendar, EventTimeOfDay } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { ScanQuery, Strategy } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import { EngineInputError, scanChain } from "../../../services/engine/index.js";
import { earningsBeforeExpiry, eventTimeline, exDividendBeforeExpiry } from "../../../services/engine/market-context/event-flags.js";
import { generateSyntheticChain } from "../../../services/market-model/synthetic-chain.js";

const EARNINGS = CorporateEventKind.CORPORATE_EVENT_KIND_EARNINGS;
const EX_DIVIDEND = CorporateEventKind.CORPORATE_EVENT_KIND_EX_DIVIDEND;
const { EVENT_TIME_OF_DAY_BEFORE_MARKET_OPEN: BMO, EVENT_TIME_OF_DAY_AFTER_MARKET_CLOSE: AMC, EVENT_TIME_OF_DAY_DURING_MARKET: DURING } = EventTimeOfDay;
const UNKNOWN_TIME = EventTimeOfDay.EVENT_TIME_OF_DAY_UNSPECIFIED;

// Monday 7 December 2026: New York is on EST (UTC−5), so 15:00Z is 10:00 in New York, after
// the 09:30 open, and 14:00Z is 09:00, before it.
const AFTER_OPEN = Date.parse("2026-12-07T15:00:00Z");
const BEFORE_OPEN = Date.parse("2026-12-07T14:00:00Z");
const EXPIRY = "2026-12-18";

const calendar = (...events: [string, CorporateEventKind, EventTimeOfDay][]): EventCalendar =>
  EventCalendar.fromPartial({ source: "test", events: events.map(([date, kind, timeOfDay]) => ({ date, kind, timeOfDay })) });

const earningsCounts = (date: string, time: EventTimeOfDay, asOfMs = AFTER_OPEN, expiry = EXPIRY): boolean =>
  earningsBeforeExpiry(eventTimeline(calendar([date, EARNINGS, time]), asOfMs)!, expiry);
const exDividendCounts = (date: string, expiry = EXPIRY): boolean =>
  exDividendBeforeExpiry(eventTimeline(calendar([date, EX_DIVIDEND, UNKNOWN_TIME]), AFTER_OPEN)!, expiry);

describe("earnings before an expiry", () => {
  it("after the close on the expiry date is not before it: the stretch [16:00, 24:00) begins at the 16:00 expiry, not before", () => {
    expect(earningsCounts(EXPIRY, AMC)).toBe(false);
    // A week later, the same announcement is before the next weekly expiry.
    expect(earningsCounts(EXPIRY, AMC, AFTER_OPEN, "2026-12-24")).toBe(true);
  });

  it("before the open on the expiry date is before it: [00:00, 09:30) begins before 16:00", () => {
    expect(earningsCounts(EXPIRY, BMO)).toBe(true);
  });

  it("during the session on the expiry date is before it: [09:30, 16:00)", () => {
    expect(earningsCounts(EXPIRY, DURING)).toBe(true);
  });

  it("of unknown time on the expiry date counts as inside it: the whole date [00:00, 24:00) begins before 16:00", () => {
    expect(earningsCounts(EXPIRY, UNKNOWN_TIME)).toBe(true);
  });

  it("before the open on the as-of date has passed once the as-of is after 09:30, not before", () => {
    // As of 10:00: the stretch ended at 09:30, before the as-of.
    expect(earningsCounts("2026-12-07", BMO, AFTER_OPEN)).toBe(false);
    // As of 09:00: it may still be ahead (it ends at 09:30).
    expect(earningsCounts("2026-12-07", BMO, BEFORE_OPEN)).toBe(true);
  });

  it("of unknown time or after the close on the as-of date is still ahead during that day", () => {
    expect(earningsCounts("2026-12-07", UNKNOWN_TIME)).toBe(true);
    expect(earningsCounts("2026-12-07", AMC)).toBe(true);
  });

  it("on a date before the as-of date has passed; after the expiry date is not before it", () => {
    expect(earningsCounts("2026-12-04", UNKNOWN_TIME)).toBe(false);
    expect(earningsCounts("2026-12-21", BMO)).toBe(false);
  });
});

describe("ex-dividend before an expiry (dates only)", () => {
  it("on the expiry date is before it; the day after is not", () => {
    expect(exDividendCounts(EXPIRY)).toBe(true);
    expect(exDividendCounts("2026-12-19")).toBe(false);
  });

  it("on the as-of date is not (the chain's quotes already trade without the dividend); the day after is", () => {
    expect(exDividendCounts("2026-12-07")).toBe(false);
    expect(exDividendCounts("2026-12-08")).toBe(true);
  });
});

// A synthetic SPY chain as of 10:00 New York on Monday 7 December 2026: weekly Friday
// expirations 2026-12-11, 12-18, 12-25 (holidays are not modelled), and on.
const AS_OF = new Date(AFTER_OPEN);
const spyChain = (events?: EventCalendar) => ({ ...generateSyntheticChain({ symbol: "SPY", seed: 3, asOf: AS_OF }), events });
const QUERY = ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_BULL_PUT, Strategy.STRATEGY_BEAR_CALL], limit: 1000, filters: { minDte: 0, maxDte: 30 } });
const excluding = (filters: object): ScanQuery => ScanQuery.fromPartial({ ...QUERY, filters: { ...QUERY.filters, ...filters } });

describe("a scan with an event calendar", () => {
  // Earnings on Friday 2026-12-18 before the open: the expirations before that date keep their
  // spreads; that one and every later one are left out by exclude_earnings_before_expiry.
  const earningsChain = spyChain(calendar(["2026-12-18", EARNINGS, BMO], ["2026-12-24", EX_DIVIDEND, UNKNOWN_TIME]));

  it("flags each spread and each expiry, and leaves out exactly the expirations on or after the earnings", () => {
    const all = scanChain(earningsChain, QUERY);
    const expiries = new Set(all.spreads.map((spread) => spread.expiryDate));
    expect([...expiries].sort()).toEqual(expect.arrayContaining(["2026-12-11", "2026-12-18"]));
    for (const spread of all.spreads) {
      expect(spread.earningsBeforeExpiry, spread.id).toBe(spread.expiryDate >= "2026-12-18");
      // The ex-dividend date 2026-12-24 is on or before the expirations from 2026-12-25 on.
      expect(spread.exDividendBeforeExpiry, spread.id).toBe(spread.expiryDate >= "2026-12-24");
      // Only a sold call runs the early-assignment risk.
      expect(spread.earlyAssignmentRisk, spread.id).toBe(spread.strategy === Strategy.STRATEGY_BEAR_CALL && spread.expiryDate >= "2026-12-24");
    }
    const context = all.marketContext!;
    expect(context.eventsSource).toBe("test");
    expect(context.nextEarningsDate).toBe("2026-12-18");
    expect(context.nextExDividendDate).toBe("2026-12-24");
    for (const expiry of context.expiries) expect(expiry.earningsBeforeExpiry, expiry.expiryDate).toBe(expiry.expiryDate >= "2026-12-18");

    const kept = scanChain(earningsChain, excluding({ excludeEarningsBeforeExpiry: true }));
    // The same as a scan of the expirations before 2026-12-18 alone (DTE 4; 2026-12-18 is DTE 11).
    const early = scanChain(earningsChain, excluding({ maxDte: 10 }));
    expect(kept.spreads.length).toBeGreaterThan(0);
    expect(kept.spreads.map((spread) => spread.id)).toEqual(early.spreads.map((spread) => spread.id));
    // Every candidate is still considered; those of the expirations left out are all cut by leg filters.
    expect(kept.candidatesConsidered).toBe(all.candidatesConsidered);
    expect(kept.candidatesRejectedByLegFilters).toBe(early.candidatesRejectedByLegFilters + (all.candidatesConsidered - early.candidatesConsidered));
  });

  it("without events leaves every flag unset, and an exclude filter then leaves out every spread", () => {
    const unknown = spyChain();
    const all = scanChain(unknown, QUERY);
    expect(all.spreads.length).toBeGreaterThan(0);
    for (const spread of all.spreads) {
      expect(spread.earningsBeforeExpiry).toBeUndefined();
      expect(spread.exDividendBeforeExpiry).toBeUndefined();
      expect(spread.earlyAssignmentRisk).toBeUndefined();
    }
    expect(all.marketContext?.eventsSource).toBe("");
    expect(all.marketContext?.expiries.every((expiry) => expiry.earningsBeforeExpiry === undefined)).toBe(true);
    for (const filters of [{ excludeEarningsBeforeExpiry: true }, { excludeExDividendBeforeExpiry: true }]) {
      const none = scanChain(unknown, excluding(filters));
      expect(none.spreads).toEqual([]);
      expect(none.candidatesRejectedByLegFilters).toBe(none.candidatesConsidered);
    }
  });

  it("with an empty calendar (known: no events) keeps every spread under both filters, each flagged false", () => {
    const clear = spyChain(EventCalendar.fromPartial({ source: "file", events: [] }));
    const all = scanChain(clear, QUERY);
    const filtered = scanChain(clear, excluding({ excludeEarningsBeforeExpiry: true, excludeExDividendBeforeExpiry: true }));
    expect(filtered.spreads.map((spread) => spread.id)).toEqual(all.spreads.map((spread) => spread.id));
    expect(filtered.spreads.every((spread) => spread.earningsBeforeExpiry === false && spread.earlyAssignmentRisk === false)).toBe(true);
  });

  it("refuses an event whose date is no calendar date, naming the field", () => {
    const bad = spyChain(calendar(["2026-12-18", EARNINGS, BMO], ["2026-13-01", EX_DIVIDEND, UNKNOWN_TIME]));
    let caught: unknown;
    try {
      scanChain(bad, QUERY);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EngineInputError);
    expect((caught as EngineInputError).violations.map((violation) => violation.field)).toEqual(["chain.events.events[1].date"]);
  });
});
