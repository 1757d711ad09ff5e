// A chain's quotes are hashed once however many objects carry them: the coordinator meets one
// step of a live symbol as the feed's tick and as each fetch of that step with its event
// calendar attached, and stores every result computed on it with its reach digest. The digests
// of shared quotes must equal those of the same quotes hashed afresh, and a changed copy must not
// borrow them.
import { afterEach, describe, expect, it } from "vitest";
import { OptionChain, type OptionQuote } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { ScanQuery } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import { chainsWithEvents } from "../../../services/coordinator/events/chains-with-events.js";
import { SimulatedEventProvider } from "../../../services/coordinator/events/simulated-events.js";
import type { SimulatedMarket } from "../../../services/coordinator/market/simulated-market.js";
import { ChainReach, quoteDigestsComputedSoFar } from "../../../services/coordinator/warming/chain-reach.js";
import { stillMarket } from "../../support/simulated-market-helpers.js";

const NEAR = ScanQuery.fromPartial({ filters: { minDte: 0, maxDte: 30 } });
const FAR = ScanQuery.fromPartial({ filters: { minDte: 31, maxDte: 400 } });

let market: SimulatedMarket | undefined;
afterEach(async () => {
  await market?.close();
});

const copyOf = (quotes: readonly OptionQuote[]): OptionQuote[] => quotes.map((quote) => ({ ...quote }));

describe("chain reach over shared quotes", () => {
  it("hashes one step's quotes once across the fetches that carry them, with the digests of a fresh hash", async () => {
    market = stillMarket(11);
    const withEvents = chainsWithEvents(market, new SimulatedEventProvider(11));
    const first = await withEvents.fetchChain({ symbol: "QQQ" });
    const second = await withEvents.fetchChain({ symbol: "QQQ" });
    // Two objects (each with its calendar attached) around the one priced step.
    expect(second).not.toBe(first);
    expect(second.quotes).toBe(first.quotes);

    const before = quoteDigestsComputedSoFar();
    const reaches = [new ChainReach(first), new ChainReach(second), new ChainReach(first)];
    expect(quoteDigestsComputedSoFar() - before).toBe(1);

    const fresh = new ChainReach({ ...first, quotes: copyOf(first.quotes) });
    expect(quoteDigestsComputedSoFar() - before).toBe(2);
    for (const reach of reaches) {
      expect(reach.of(NEAR)).toBe(fresh.of(NEAR));
      expect(reach.of(FAR)).toBe(fresh.of(FAR));
    }
  });

  it("never lends a chain's digests to another array of different quotes", () => {
    const quotes = [{ expiryDate: "2026-12-18", strike: 100, bid: 1, ask: 1.1 }].map((partial) => OptionChain.fromPartial({ quotes: [partial] }).quotes[0]!);
    const asOf = new Date("2026-11-20T15:00:00Z");
    const original = OptionChain.fromPartial({ symbol: "X", asOf, quotes });
    const moved = OptionChain.fromPartial({ symbol: "X", asOf, quotes: copyOf(quotes).map((quote) => ({ ...quote, bid: 1.05 })) });
    const originalReach = new ChainReach(original);
    expect(new ChainReach(moved).of(NEAR)).not.toBe(originalReach.of(NEAR));
    expect(new ChainReach({ ...original }).of(NEAR)).toBe(originalReach.of(NEAR));
  });
});
