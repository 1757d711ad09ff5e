// reqSecDefOptParams as a real TWS answers it, proven against the real @stoqey/ib 1.6.10: with
// secDefLines "realistic", one line per exchange, SMART not first, and an adjusted class
// ("2SPY") with odd strikes on SMART and some other exchanges. The lines disagree on dates: the
// adjusted class and the first line (the standard class on CBOE) each list a date that the
// standard SMART line does not.
import { SecType } from "@stoqey/ib";
import { afterEach, describe, expect, it } from "vitest";
import { cleanUp, connect, ibDate, SPY_CONID, SPY_LISTING, startFake, until } from "../support/fake-tws-client.js";

afterEach(cleanUp);

const EXPIRATIONS = [...new Set(SPY_LISTING.map((contract) => ibDate(contract.expiryDate)))].sort();
const STRIKES = [...new Set(SPY_LISTING.map((contract) => contract.strike))].sort((a, b) => a - b);

describe("fake TWS: option parameter lines", () => {
  it("single (default): one SMART line of the standard class", async () => {
    const fake = await startFake();
    const { api, events } = await connect(fake);
    api.reqSecDefOptParams(1, "SPY", "", SecType.STK, SPY_CONID);
    await until(() => events.optionParametersEnds.includes(1), "the end");
    expect(events.optionParameters.map((line) => [line.exchange, line.tradingClass])).toEqual([["SMART", "SPY"]]);
  });

  it("realistic: a line per exchange with the standard class, plus 2SPY lines with odd strikes; some lines list dates SMART does not", async () => {
    const fake = await startFake({ secDefLines: "realistic" });
    const { api, events } = await connect(fake);
    api.reqSecDefOptParams(1, "SPY", "", SecType.STK, SPY_CONID);
    await until(() => events.optionParametersEnds.includes(1), "the end");

    const lines = events.optionParameters;
    const standard = lines.filter((line) => line.tradingClass === "SPY");
    const adjusted = lines.filter((line) => line.tradingClass === "2SPY");
    expect(standard.length + adjusted.length).toBe(lines.length);
    expect(standard.map((line) => line.exchange)).toEqual(expect.arrayContaining(["SMART", "CBOE", "AMEX", "PHLX", "ISE"]));
    expect(new Set(standard.map((line) => line.exchange)).size).toBe(standard.length);
    // The first line is the standard class on CBOE, listing every date of the market and dates of its own.
    const [first, ...rest] = lines;
    expect(first).toMatchObject({ exchange: "CBOE", tradingClass: "SPY", underlyingConId: SPY_CONID, multiplier: 100, strikes: STRIKES });
    expect(first!.expirations).toEqual(expect.arrayContaining(EXPIRATIONS));
    expect(first!.expirations.filter((date) => !EXPIRATIONS.includes(date)).length).toBeGreaterThan(0);
    for (const line of rest.filter((other) => other.tradingClass === "SPY")) {
      expect(line).toMatchObject({ underlyingConId: SPY_CONID, multiplier: 100, expirations: EXPIRATIONS, strikes: STRIKES });
    }

    expect(adjusted.map((line) => line.exchange)).toContain("SMART");
    expect(adjusted.length).toBeGreaterThan(1);
    const smartAdjusted = adjusted.find((line) => line.exchange === "SMART")!;
    // Listed before the standard SMART line: taking the first SMART line takes the wrong class.
    expect(lines.indexOf(smartAdjusted)).toBeLessThan(lines.findIndex((line) => line.exchange === "SMART" && line.tradingClass === "SPY"));
    expect(smartAdjusted.multiplier).toBe(100);
    expect(smartAdjusted.strikes.length).toBeGreaterThan(0);
    // No adjusted strike is on the standard grid; some dates are the market's, some its own, none the venue line's own.
    expect(smartAdjusted.strikes.filter((strike) => Number.isInteger(strike * 2))).toEqual([]);
    const shared = smartAdjusted.expirations.filter((date) => EXPIRATIONS.includes(date));
    const own = smartAdjusted.expirations.filter((date) => !EXPIRATIONS.includes(date));
    expect(shared.length).toBeGreaterThan(0);
    expect(shared.length).toBeLessThan(EXPIRATIONS.length);
    expect(own.length).toBeGreaterThan(0);
    expect(own.filter((date) => first!.expirations.includes(date))).toEqual([]);
  });

  it("a standard contract on a date only the CBOE line lists is not in the market: error 200", async () => {
    const fake = await startFake({ secDefLines: "realistic" });
    const { api, events } = await connect(fake);
    api.reqSecDefOptParams(1, "SPY", "", SecType.STK, SPY_CONID);
    await until(() => events.optionParametersEnds.includes(1), "the end");
    const venueOnly = events.optionParameters[0]!.expirations.find((date) => !EXPIRATIONS.includes(date))!;
    api.reqContractDetails(2, {
      symbol: "SPY",
      secType: SecType.OPT,
      tradingClass: "SPY",
      lastTradeDateOrContractMonth: venueOnly,
      exchange: "CBOE",
      currency: "USD",
    });
    await until(() => events.errorsOf(200).length === 1, "error 200");
    expect(events.errorsOf(200)[0]!.reqId).toBe(2);
  });

  it("a contract of the adjusted class is not in this fake's market: error 200", async () => {
    const fake = await startFake({ secDefLines: "realistic" });
    const { api, events } = await connect(fake);
    const listed = SPY_LISTING[0]!;
    api.reqContractDetails(2, {
      symbol: "SPY",
      secType: SecType.OPT,
      tradingClass: "2SPY",
      lastTradeDateOrContractMonth: ibDate(listed.expiryDate),
      exchange: "SMART",
      currency: "USD",
    });
    await until(() => events.errorsOf(200).length === 1, "error 200");
    expect(events.errorsOf(200)[0]!.reqId).toBe(2);
  });
});
