// What the IBKR provider asks TWS for when a query names calendars: its fronts and, besides
// them, the later expirations a calendar can buy, with only the strikes a bought leg can have;
// nothing for a query without one. Counted per expiry by the fake TWS (the real @stoqey/ib
// client over loopback, one fixed clock on both sides).
import { afterEach, describe, expect, it } from "vitest";
import { OptionRight, type OptionChain } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { ScanQuery, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { createLogger } from "../../services/common/logger.js";
import { dateToIbExpiry } from "../../services/coordinator/market/ibkr/chain-selection.js";
import { daysToExpiry } from "../../services/engine/new-york-time.js";
import { SYMBOL_PROFILES } from "../../services/market-model/symbol-profiles.js";
import { listSyntheticContracts, priceSyntheticChain } from "../../services/market-model/synthetic-chain.js";
import { scanChain } from "../../services/engine/index.js";
import { ibkrProviderOnFake } from "../support/ibkr-provider-on-fake.js";

/** Wednesday 11 March 2026, 11:00 in New York: Fridays 23 and 30 days out are the fronts. */
const NOW = new Date("2026-03-11T15:00:00Z");
const MIN_DTE = 20;
const MAX_DTE = 35;
/** The proto's default for an unset max_back_dte: the front's DTE plus 60. */
const BACK_SPAN = 60;
const FILTERS = { minDte: MIN_DTE, maxDte: MAX_DTE, minShortDelta: 0.2, maxShortDelta: 0.3 };

const SEED = 5;
const logger = createLogger({ service: "ibkr-two-expiry-test", level: "silent", format: "json" });
const ibkr = ibkrProviderOnFake({
  fake: { seed: SEED, now: () => NOW },
  market: {
    clientId: 9,
    marketDataType: 1,
    maxLines: 90,
    maxMessagesPerSecond: 45,
    lookupTimeoutMs: 5000,
    logger,
    now: () => NOW,
    feedIntervalMs: 50,
    reconnectInitialDelayMs: 50,
    reconnectMaxDelayMs: 200,
  },
});

afterEach(async () => {
  await ibkr.close();
});

/** The synthetic SPY listing's expirations (what the fake lists), with their DTE. */
const LISTED = [...new Set(listSyntheticContracts({ profile: SYMBOL_PROFILES.SPY!, spot: SYMBOL_PROFILES.SPY!.spot, asOf: NOW }).map((c) => c.expiryDate))]
  .sort()
  .map((date) => ({ date, dte: daysToExpiry(NOW, date) }));
const FRONTS = LISTED.filter(({ dte }) => dte >= MIN_DTE && dte <= MAX_DTE);
/** Later than some front and at most 60 days after it, not a front itself. */
const BACKS = LISTED.filter(({ dte }) => (dte < MIN_DTE || dte > MAX_DTE) && FRONTS.some((front) => dte > front.dte && dte <= front.dte + BACK_SPAN));

const quotesAt = (chain: OptionChain, date: string) => chain.quotes.filter((quote) => quote.expiryDate === date);

describe("IbkrMarket.fetchChain for calendars against the fake TWS", () => {
  it("requests the back expirations' calls at the fronts' short strikes, and nothing a calendar cannot use", async () => {
    expect(FRONTS.map(({ dte }) => dte)).toEqual([23, 30]);
    expect(BACKS.length).toBeGreaterThanOrEqual(3);
    const { fake, market } = await ibkr.start();
    const chain = await market.fetchChain({ symbol: "SPY", query: ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_CALL_CALENDAR], filters: FILTERS }) });

    const requests = fake.stats.optionRequestsByExpiry;
    // Exactly the fronts and the backs they pair with: nothing past the last front's 60 days, nothing before the fronts.
    expect(Object.keys(requests).sort()).toEqual([...FRONTS, ...BACKS].map(({ date }) => dateToIbExpiry(date)).sort());
    // Each request once, each answered: the requests per expiry are the chain's quotes there.
    for (const { date } of [...FRONTS, ...BACKS]) expect(requests[dateToIbExpiry(date)], date).toBe(quotesAt(chain, date).length);

    // Every call a front could sell (|Δ| 0.20–0.30, by the fake's own greeks) can be bought back in each back.
    const shortStrikes = new Set(
      FRONTS.flatMap(({ date }) =>
        quotesAt(chain, date)
          .filter((quote) => quote.right === OptionRight.OPTION_RIGHT_CALL && quote.greeks!.delta >= 0.2 && quote.greeks!.delta <= 0.3)
          .map((quote) => quote.strike),
      ),
    );
    expect(shortStrikes.size).toBeGreaterThan(4);
    const frontCallStrikes = new Set(
      FRONTS.flatMap(({ date }) =>
        quotesAt(chain, date)
          .filter((q) => q.right === OptionRight.OPTION_RIGHT_CALL)
          .map((q) => q.strike),
      ),
    );
    for (const { date } of BACKS) {
      const backs = quotesAt(chain, date);
      // Calls only, and only at strikes a front selected: no put, no wing, no at-the-money probe.
      expect(
        backs.every((quote) => quote.right === OptionRight.OPTION_RIGHT_CALL),
        date,
      ).toBe(true);
      expect(
        backs.every((quote) => frontCallStrikes.has(quote.strike)),
        date,
      ).toBe(true);
      const strikes = new Set(backs.map((quote) => quote.strike));
      for (const strike of shortStrikes) expect(strikes.has(strike), `${date} ${strike}`).toBe(true);
    }
    // At a front, puts only at the straddle that sizes the windows (nearest the spot) and the two
    // strikes either side of the forward (the expiration's σ).
    for (const { date } of FRONTS) expect(quotesAt(chain, date).filter((quote) => quote.right === OptionRight.OPTION_RIGHT_PUT).length).toBeLessThanOrEqual(3);
    expect(fake.stats.error100).toBe(0);
    expect(fake.stats.error101).toBe(0);
  });

  it("misses nothing the scan ranks: the fetched chain's top calendars and diagonals are those of every listed contract", async () => {
    const { fake, market } = await ibkr.start();
    const query = ScanQuery.fromPartial({
      strategies: [Strategy.STRATEGY_CALL_CALENDAR, Strategy.STRATEGY_PUT_DIAGONAL],
      filters: { ...FILTERS, maxWidth: 3 },
      limit: 40,
    });
    const fetched = await market.fetchChain({ symbol: "SPY", query });
    // The same chain with every contract the fake lists added to what was fetched, priced as the fake prices them.
    const profile = SYMBOL_PROFILES.SPY!;
    const listing = listSyntheticContracts({ profile, spot: profile.spot, asOf: NOW });
    const model = priceSyntheticChain({ symbol: "SPY", profile, spot: fake.spot("SPY")!, asOf: NOW, seed: SEED, contracts: listing });
    const key = (quote: OptionChain["quotes"][number]): string => `${quote.expiryDate} ${quote.strike} ${quote.right}`;
    const have = new Set(fetched.quotes.map(key));
    const whole = { ...fetched, quotes: [...fetched.quotes, ...model.quotes.filter((quote) => !have.has(key(quote)))] };
    expect(whole.quotes.length).toBeGreaterThan(10 * fetched.quotes.length);

    // Each strategy on its own, so that neither fills the top N alone.
    for (const strategy of query.strategies) {
      const one = { ...query, strategies: [strategy] };
      const fromWhole = scanChain(whole, one);
      expect(fromWhole.spreads, Strategy[strategy]).toHaveLength(40);
      expect(scanChain(fetched, one).spreads.map((spread) => spread.id)).toEqual(fromWhole.spreads.map((spread) => spread.id));
    }
  });

  it("requests no back expiration for the same filters without a calendar", async () => {
    const { fake, market } = await ibkr.start();
    await market.fetchChain({ symbol: "SPY", query: ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_BEAR_CALL], filters: FILTERS }) });
    expect(Object.keys(fake.stats.optionRequestsByExpiry).sort()).toEqual(FRONTS.map(({ date }) => dateToIbExpiry(date)));
  });
});
