// Chain files (services/cli/chain-file.ts), fed by the synthetic market: CSV and proto3 JSON
// round trips, what the reader passes through to the engine, and errors that name the line.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Greeks, OptionChain, OptionQuote, OptionRight } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { generateSyntheticChain } from "../../../services/market-model/synthetic-chain.js";
import {
  ChainFileError,
  applyOverrides,
  formatChainCsv,
  formatChainJson,
  parseAsOf,
  parseChainCsv,
  parseChainJson,
  readChainFile,
  writeChainFile,
} from "../../../services/cli/chain-file.js";

const AS_OF = new Date("2025-06-02T14:30:00Z");
const iwm = generateSyntheticChain({ symbol: "IWM", seed: 7, asOf: AS_OF });
const HEADER = "ticker,strike,expiration,option_type,bid,ask,last,volume,open_interest,delta,gamma,theta,vega,implied_vol";

const directory = mkdtempSync(join(tmpdir(), "chain-file-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** What a chain looks like after a trip through CSV, which has no columns for these fields. */
function withoutCsvOnlyFields(chain: OptionChain): OptionChain {
  return {
    ...chain,
    multiplier: 0,
    delayed: false,
    source: "file",
    quotes: chain.quotes.map((quote) => ({ ...quote, quoteTime: undefined, brokerContractId: 0n })),
  };
}

/** A chain with every awkward value a file can hold. */
const awkward = OptionChain.fromPartial({
  symbol: "XYZ",
  underlyingPrice: 101.25,
  asOf: AS_OF,
  rate: 0.05,
  dividendYield: 0,
  source: "file",
  quotes: [
    {
      expiryDate: "2025-07-18",
      strike: 100,
      right: OptionRight.OPTION_RIGHT_CALL,
      bid: 2.5,
      ask: 2.6,
      last: 2.55,
      volume: 2n ** 60n + 1n,
      openInterest: 12n,
      impliedVolatility: 0.3,
      greeks: Greeks.fromPartial({ delta: 0.55, gamma: 0.04, theta: -0.03, vega: 0.12 }),
    },
    { expiryDate: "2025-07-18", strike: 100, right: OptionRight.OPTION_RIGHT_PUT, bid: Number.NaN, ask: Number.POSITIVE_INFINITY },
    { expiryDate: "2020-01-17", strike: -5, right: OptionRight.OPTION_RIGHT_UNSPECIFIED, bid: 1e-7, ask: 0.01, impliedVolatility: 0 },
  ],
});

describe("proto3 JSON", () => {
  it("round-trips every field of a generated chain", () => {
    const text = formatChainJson(iwm);
    expect(text.endsWith("}\n")).toBe(true);
    expect(text.split("\n")[1]).toBe('  "symbol": "IWM",');
    expect(parseChainJson(text, "iwm.json")).toEqual(iwm);
  });

  it("round-trips NaN, infinities, 64-bit counts and absent greeks", () => {
    const text = formatChainJson(awkward);
    expect(text).toContain('"volume": "1152921504606846977"');
    expect(text).toContain('"bid": "NaN"');
    expect(parseChainJson(text, "x.json")).toEqual(awkward);
  });

  it("round-trips through a file, keeping the chain's own source", async () => {
    const path = join(directory, "iwm.json");
    await writeChainFile(path, iwm);
    expect(await readChainFile(path)).toEqual(iwm);
  });

  it("reads snake_case field names, as every proto3 JSON parser must", () => {
    const chain = parseChainJson(
      '{"symbol":"SPY","underlying_price":600,"as_of":"2025-06-02T14:30:00Z","quotes":[{"expiry_date":"2025-06-20","strike":600,"right":"OPTION_RIGHT_PUT","open_interest":"5"}]}',
      "f.json",
    );
    expect(chain.underlyingPrice).toBe(600);
    expect(chain.quotes[0]).toMatchObject({ expiryDate: "2025-06-20", right: OptionRight.OPTION_RIGHT_PUT, openInterest: 5n });
  });

  it.each([
    ["{", /f\.json is not valid JSON/],
    ["[1, 2]", /f\.json: expected an OptionChain object/],
    ['{"quotes": {}}', /"quotes" must be an array/],
    ['{"quotes": [{"volume": "lots"}]}', /f\.json: not an OptionChain/],
    ['{"asOf": "yesterday"}', /"asOf" is not an RFC 3339 timestamp/],
  ])("refuses %s with a message naming the file", (text, message) => {
    expect(() => parseChainJson(text, "f.json")).toThrow(message);
  });
});

describe("CSV", () => {
  it("round-trips every field CSV has a column for", () => {
    const text = formatChainCsv(iwm);
    expect(text.split("\n")[0]).toBe(`${HEADER},underlying_price,as_of,rate,dividend_yield`);
    expect(parseChainCsv(text, "iwm.csv")).toEqual(withoutCsvOnlyFields(iwm));
  });

  it("round-trips NaN, infinities, 64-bit counts, absent greeks, unknown rights and past expiries", () => {
    expect(parseChainCsv(formatChainCsv(awkward), "x.csv")).toEqual(awkward);
  });

  it("round-trips through a file", async () => {
    const path = join(directory, "iwm.csv");
    await writeChainFile(path, iwm);
    expect(await readChainFile(path)).toEqual(withoutCsvOnlyFields(iwm));
  });

  it("reads columns in any order and case, other screeners' extra columns, and their ways of writing dates and rights", () => {
    const text = [
      "Strike,TICKER,Option_Type,Expiration,Bid,Ask,Last,Volume,Open_Interest,Delta,Gamma,Theta,Vega,Implied_Vol,contract_symbol",
      "600,spy,C,20250620,1.5,1.6,,10,200,0.5,0.01,-0.2,0.3,0.18,SPY250620C00600000",
      '595,SPY,p,6/20/2025,1.1,1.2,1.15,0,7,,,,,,"x,y"',
      "590,SPY,Put,2025-06-20T00:00:00Z,0.9,1,0,3.0,0,,0.01,,,,",
      "",
    ].join("\r\n");
    const chain = parseChainCsv(text, "screener.csv");
    expect(chain.symbol).toBe("SPY");
    expect(chain.underlyingPrice).toBe(0);
    expect(chain.asOf).toBeUndefined();
    expect(chain.quotes).toEqual([
      OptionQuote.fromPartial({
        expiryDate: "2025-06-20",
        strike: 600,
        right: OptionRight.OPTION_RIGHT_CALL,
        bid: 1.5,
        ask: 1.6,
        volume: 10n,
        openInterest: 200n,
        impliedVolatility: 0.18,
        greeks: { delta: 0.5, gamma: 0.01, theta: -0.2, vega: 0.3 },
      }),
      OptionQuote.fromPartial({ expiryDate: "2025-06-20", strike: 595, right: OptionRight.OPTION_RIGHT_PUT, bid: 1.1, ask: 1.2, last: 1.15, openInterest: 7n }),
      // One greek alone is no Greeks message: the engine computes all four.
      OptionQuote.fromPartial({ expiryDate: "2025-06-20", strike: 590, right: OptionRight.OPTION_RIGHT_PUT, bid: 0.9, ask: 1, volume: 3n }),
    ]);
  });

  it("takes the chain-wide columns from the first row that fills them", () => {
    const text = [
      `${HEADER},underlying_price,as_of,rate,dividend_yield`,
      "SPY,600,2025-06-20,call,1,2,0,0,0,,,,,,,,,",
      "SPY,601,2025-06-20,call,1,2,0,0,0,,,,,,599.5,2025-06-02 10:30,0.04,0.01",
      "SPY,602,2025-06-20,call,1,2,0,0,0,,,,,,1000,2030-01-01T00:00:00Z,0.09,0.09",
    ].join("\n");
    const chain = parseChainCsv(text, "c.csv");
    expect(chain).toMatchObject({ underlyingPrice: 599.5, rate: 0.04, dividendYield: 0.01 });
    // A timestamp without a zone is New York time.
    expect(chain.asOf?.toISOString()).toBe("2025-06-02T14:30:00.000Z");
  });

  it("passes what the engine can judge through to it: negative strikes, NaN prices, unknown rights, past expiries", () => {
    const text = [
      HEADER,
      "SPY,-5,2025-06-20,call,1,2,0,0,0,,,,,",
      "SPY,600,2020-01-17,straddle,nan,-1,0,0,0,,,,,",
      "SPY,NaN,2025-06-20,,inf,2,0,0,0,,,,,",
    ].join("\n");
    const [negative, odd, nan] = parseChainCsv(text, "c.csv").quotes;
    expect(negative).toMatchObject({ strike: -5, right: OptionRight.OPTION_RIGHT_CALL });
    expect(odd).toMatchObject({ expiryDate: "2020-01-17", right: OptionRight.OPTION_RIGHT_UNSPECIFIED, ask: -1 });
    expect(odd?.bid).toBeNaN();
    expect(nan?.strike).toBeNaN();
    expect(nan?.bid).toBe(Number.POSITIVE_INFINITY);
  });

  it.each([
    [
      "a row with a missing field",
      [HEADER, "SPY,600,2025-06-20,call,1,2,0,0,0,,,,,", "SPY,600,2025-06-20,call,1,2,0,0,0,,,,"],
      /^c\.csv line 3: 13 fields where the header has 14$/,
    ],
    [
      "a strike that is not a number",
      [HEADER, "SPY,600,2025-06-20,call,1,2,0,0,0,,,,,", "", "SPY,six hundred,2025-06-20,call,1,2,0,0,0,,,,,"],
      /^c\.csv line 4: strike "six hundred" is not a number$/,
    ],
    ["an empty strike", [HEADER, "SPY,,2025-06-20,call,1,2,0,0,0,,,,,"], /^c\.csv line 2: strike is empty$/],
    ["a bid that is not a number", [HEADER, "SPY,600,2025-06-20,call,1.2.3,2,0,0,0,,,,,"], /^c\.csv line 2: bid "1\.2\.3" is not a number$/],
    ["a greek that is not a number", [HEADER, "SPY,600,2025-06-20,call,1,2,0,0,0,0.5,x,0,0,"], /^c\.csv line 2: gamma "x" is not a number$/],
    ["a negative volume", [HEADER, "SPY,600,2025-06-20,call,1,2,0,-3,0,,,,,"], /^c\.csv line 2: volume "-3" is not a whole number of contracts/],
    ["a fractional open interest", [HEADER, "SPY,600,2025-06-20,call,1,2,0,0,2.5,,,,,"], /^c\.csv line 2: open_interest "2\.5" is not a whole number/],
    ["an expiration that is not a date", [HEADER, "SPY,600,2025-02-30,call,1,2,0,0,0,,,,,"], /^c\.csv line 2: expiration "2025-02-30" is not a date/],
    [
      "a second underlying",
      [HEADER, "SPY,600,2025-06-20,call,1,2,0,0,0,,,,,", "QQQ,600,2025-06-20,call,1,2,0,0,0,,,,,"],
      /^c\.csv line 3: ticker QQQ differs from SPY on line 2/,
    ],
    ["a header without a required column", ["ticker,strike,expiration,bid,ask"], /^c\.csv line 1: the header lacks option_type, last, volume/],
    ["a column named twice", [`${HEADER},Strike`], /^c\.csv line 1: column strike appears twice/],
    ["an unclosed quote", [HEADER, 'SPY,600,2025-06-20,call,1,2,0,0,0,,,,,"'], /^c\.csv line 2: not readable as CSV/],
    ["nothing at all", [""], /^c\.csv is empty/],
  ])("refuses %s, naming the file and the line", (_case, lines, message) => {
    expect(() => parseChainCsv(lines.join("\n"), "c.csv")).toThrow(message);
    expect(() => parseChainCsv(lines.join("\n"), "c.csv")).toThrow(ChainFileError);
  });

  it("counts lines as the file has them, past quoted line breaks", () => {
    const text = [`${HEADER},note`, 'SPY,600,2025-06-20,call,1,2,0,0,0,,,,,,"two', 'lines"', "SPY,x,2025-06-20,call,1,2,0,0,0,,,,,,"].join("\n");
    expect(() => parseChainCsv(text, "c.csv")).toThrow(/^c\.csv line 4: strike "x"/);
  });
});

describe("overrides and defaults", () => {
  const bare = parseChainCsv([HEADER, "spy,600,2025-06-20,call,1,2,0,0,0,,,,,"].join("\n"), "bare.csv");

  it("needs an underlying price, and names --spot when there is none", () => {
    expect(() => applyOverrides(bare, "bare.csv")).toThrow(/^bare\.csv gives no underlying price: give it with --spot/);
  });

  it("lets the command line win over the file, and takes now for a missing as-of", () => {
    const now = new Date("2025-06-03T15:00:00Z");
    const chain = applyOverrides({ ...bare, underlyingPrice: 590, rate: 0.03 }, "bare.csv", { spot: 601, dividendYield: 0.02, symbol: "spy ", now: () => now });
    expect(chain).toMatchObject({ symbol: "SPY", underlyingPrice: 601, rate: 0.03, dividendYield: 0.02, source: "file" });
    expect(chain.asOf).toEqual(now);
    const asOf = new Date("2025-06-02T14:30:00Z");
    expect(applyOverrides({ ...bare, asOf: now }, "bare.csv", { spot: 1, asOf, rate: 0.05 })).toMatchObject({ asOf, rate: 0.05 });
  });

  it("needs a symbol, and names --symbol when there is none", () => {
    expect(() => applyOverrides({ ...bare, symbol: "" }, "x.json", { spot: 1 })).toThrow(/--symbol/);
  });

  it("applies overrides when reading a file", async () => {
    const path = join(directory, "bare.csv");
    writeFileSync(path, `${HEADER}\nSPY,600,2025-06-20,call,1,2,0,0,0,,,,,\n`);
    await expect(readChainFile(path)).rejects.toThrow(/--spot/);
    const chain = await readChainFile(path, { spot: 600.5, asOf: AS_OF });
    expect(chain).toMatchObject({ symbol: "SPY", underlyingPrice: 600.5, asOf: AS_OF });
  });

  it("names the file it cannot read or whose kind it does not know", async () => {
    await expect(readChainFile(join(directory, "missing.csv"))).rejects.toThrow(/cannot read chain file .*missing\.csv: no such file/);
    await expect(readChainFile(join(directory, "chain.txt"))).rejects.toThrow(/chain\.txt: a chain file must end in \.csv or \.json/);
    await expect(writeChainFile(join(directory, "chain.xml"), iwm)).rejects.toThrow(ChainFileError);
  });
});

describe("parseAsOf", () => {
  it.each([
    ["2025-06-02T14:30:00Z", "2025-06-02T14:30:00.000Z"],
    ["2025-06-02T10:30:00-04:00", "2025-06-02T14:30:00.000Z"],
    ["2025-06-02 10:30", "2025-06-02T14:30:00.000Z"],
    ["2025-01-02T10:30:15.5", "2025-01-02T15:30:15.500Z"],
    ["2025-06-02", "2025-06-02T20:00:00.000Z"],
  ])("reads %s as %s", (text, instant) => {
    expect(parseAsOf(text)?.toISOString()).toBe(instant);
  });

  it.each(["yesterday", "2025-13-01", "2025-06-02T25:00", "1717338600"])("refuses %s", (text) => {
    expect(parseAsOf(text)).toBeUndefined();
  });
});
