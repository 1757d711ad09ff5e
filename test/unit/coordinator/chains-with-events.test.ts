// The coordinator's one place for event calendars: every chain of the simulated market, fetched
// or from a live feed, carries its symbol's calendar; without an event provider (IBKR without a
// file) the market is left as it is and chains carry none (events unknown).
import { afterEach, describe, expect, it } from "vitest";
import type { OptionChain } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { chainsWithEvents } from "../../../services/coordinator/events/chains-with-events.js";
import { chooseEventProvider } from "../../../services/coordinator/events/event-provider-choice.js";
import { parseEvents } from "../../../services/coordinator/events/events-file.js";
import { SimulatedEventProvider } from "../../../services/coordinator/events/simulated-events.js";
import { SimulatedMarket } from "../../../services/coordinator/market/simulated-market.js";
import { stillMarket, START } from "../../support/simulated-market-helpers.js";

let market: SimulatedMarket | undefined;
afterEach(async () => {
  await market?.close();
});

describe("chains with events", () => {
  it("attaches the symbol's calendar, as of the chain, to fetched chains and to each chain of a feed", async () => {
    // The system clock: a feed ticks only as the market's clock moves.
    market = new SimulatedMarket({ seed: 4, tickIntervalMs: 5 });
    const provider = new SimulatedEventProvider(4);
    const withEvents = chainsWithEvents(market, provider);
    const fetched = await withEvents.fetchChain({ symbol: "AAPL" });
    expect(fetched.events).toEqual(provider.calendarFor("AAPL", fetched.asOf!));
    expect(fetched.events?.events.length).toBeGreaterThan(0);

    const fed = await new Promise<OptionChain>((resolve, reject) => {
      const feed = withEvents.openFeed(
        { symbol: "MSFT" },
        {
          onChain: (chain) => {
            feed.close();
            resolve(chain);
          },
          onError: reject,
        },
      );
    });
    expect(fed.symbol).toBe("MSFT");
    expect(fed.events).toEqual(provider.calendarFor("MSFT", fed.asOf!));
  });

  it("chooses the file over the simulated calendar, the simulated one on the simulated market, none on IBKR", async () => {
    const file = { path: "events.csv", events: parseEvents("symbol,date,kind\nAAPL,2025-06-10,earnings\n", "events.csv") };
    expect(chooseEventProvider({ file, simulatedSeed: 1 }, "simulated")?.name).toBe("file");
    expect(chooseEventProvider({ file, simulatedSeed: 1 }, "ibkr")?.name).toBe("file");
    expect(chooseEventProvider({ simulatedSeed: 1 }, "simulated")?.name).toBe("simulated");
    expect(chooseEventProvider({ simulatedSeed: 1 }, "ibkr")).toBeUndefined();

    market = stillMarket(4);
    expect(chainsWithEvents(market, undefined)).toBe(market);
    const fromFile = await chainsWithEvents(market, chooseEventProvider({ file, simulatedSeed: 1 }, "simulated")).fetchChain({ symbol: "SPY" });
    // START is 2025-06-02: SPY is not in the file, so its calendar is known and empty.
    expect(fromFile.asOf).toEqual(START);
    expect(fromFile.events).toEqual({ source: "file", events: [] });
  });
});
