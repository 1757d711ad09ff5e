// What a described spread says of its legs as a whole (liquidity, net greeks, breakevens,
// id), checked against its legs as the chain quoted them: each leg found again among the
// chain's quotes, and the summaries worked out here from those quotes, not from the engine.
import { describe, expect, it } from "vitest";
import { OptionChain, OptionRight, type OptionQuote } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { ScanQuery, Strategy } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import { LegAction } from "../../../gen/ts/spreadscan/scanner/v1/spread.js";
import { scanChain } from "../../../services/engine/index.js";
import { generateSyntheticChain } from "../../../services/market-model/synthetic-chain.js";

const AS_OF = new Date("2026-12-22T15:00:00Z");

/** The generated chain with volumes and open interest that differ from quote to quote, some of it unknown. */
function variedChain(): OptionChain {
  const chain = generateSyntheticChain({ symbol: "SPY", spot: 600, seed: 7, asOf: AS_OF });
  const quotes = chain.quotes.map((quote, index) => ({
    ...quote,
    volume: BigInt((index * 37) % 101),
    openInterest: BigInt((index * 53) % 211),
    openInterestUnknown: index % 5 === 0,
  }));
  return OptionChain.fromPartial({ ...chain, quotes });
}

function quoteOf(chain: OptionChain, expiryDate: string, right: OptionRight, strike: number): OptionQuote {
  const found = chain.quotes.filter((quote) => quote.expiryDate === expiryDate && quote.right === right && quote.strike === strike);
  expect(found).toHaveLength(1);
  return found[0] as OptionQuote;
}

describe("a described spread", () => {
  it("sums up its legs' liquidity, greeks and strikes as the chain quoted them", () => {
    const chain = variedChain();
    const strategies = [
      Strategy.STRATEGY_IRON_CONDOR,
      Strategy.STRATEGY_IRON_BUTTERFLY,
      Strategy.STRATEGY_BULL_PUT,
      Strategy.STRATEGY_BEAR_CALL,
      Strategy.STRATEGY_BULL_CALL,
      Strategy.STRATEGY_BEAR_PUT,
    ];
    let described = 0;
    for (const strategy of strategies) {
      const result = scanChain(chain, ScanQuery.fromPartial({ strategies: [strategy], limit: 15, filters: { minDte: 20, maxDte: 60, maxWidth: 10 } }));
      expect(result.spreads.length, `strategy ${strategy}`).toBeGreaterThan(0);
      for (const spread of result.spreads) {
        described++;
        const quotes = spread.legs.map((leg) => quoteOf(chain, leg.expiryDate, leg.right, leg.strike));
        // The legs in strike order, puts first at a shared strike.
        const order = spread.legs.map((leg) => leg.strike + (leg.right === OptionRight.OPTION_RIGHT_CALL ? 0.1 : 0));
        expect(order).toEqual([...order].sort((a, b) => a - b));
        spread.legs.forEach((leg, at) => {
          const quote = quotes[at] as OptionQuote;
          expect(leg.volume).toBe(quote.volume);
          expect(leg.openInterestUnknown).toBe(quote.openInterestUnknown);
          if (!quote.openInterestUnknown) expect(leg.openInterest).toBe(quote.openInterest);
        });
        const widths = quotes.map((quote) => quote.ask - quote.bid);
        const known = quotes.filter((quote) => !quote.openInterestUnknown).map((quote) => quote.openInterest);
        const volumes = quotes.map((quote) => quote.volume);
        expect(spread.liquidity?.maxLegBidAskWidth).toBeCloseTo(Math.max(...widths), 12);
        expect(spread.liquidity?.totalBidAskWidth).toBeCloseTo(
          widths.reduce((sum, width) => sum + width, 0),
          12,
        );
        expect(spread.liquidity?.minLegVolume).toBe(volumes.reduce((least, volume) => (volume < least ? volume : least)));
        expect(spread.liquidity?.openInterestUnknown).toBe(quotes.some((quote) => quote.openInterestUnknown));
        expect(spread.liquidity?.minLegOpenInterest).toBe(known.length === 0 ? 0n : known.reduce((least, value) => (value < least ? value : least)));
        for (const greek of ["delta", "gamma", "theta", "vega"] as const) {
          const net = quotes.reduce(
            (sum, quote, at) => sum + (spread.legs[at]?.action === LegAction.LEG_ACTION_BUY ? 1 : -1) * (quote.greeks?.[greek] ?? 0),
            0,
          );
          expect(spread.netGreeks?.[greek], `${spread.id} ${greek}`).toBeCloseTo(net, 12);
        }
        expect(spread.breakevens).toEqual([...spread.breakevens].sort((a, b) => a - b));
        const strikes = [...quotes.map((quote) => quote.strike)].sort((a, b) => a - b).join("/");
        expect(spread.id).toBe(`SPY:${spread.expiryDate}:${Strategy[strategy].replace("STRATEGY_", "")}:${strikes}`);
      }
    }
    expect(described).toBeGreaterThan(40);
  });
});
