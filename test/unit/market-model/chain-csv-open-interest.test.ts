// Open interest in CSV chain files (services/cli/chain-csv.ts): a quote whose open interest is
// unknown is written as an empty cell and read back as unknown, not as 0; a written 0 stays 0.
import { describe, expect, it } from "vitest";
import { OptionChain, OptionQuote, OptionRight } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { formatChainCsv, parseChainCsv } from "../../../services/cli/chain-file.js";

const HEADER = "ticker,strike,expiration,option_type,bid,ask,last,volume,open_interest,delta,gamma,theta,vega,implied_vol";
const put = (strike: number, openInterest: Partial<Pick<OptionQuote, "openInterest" | "openInterestUnknown">>): OptionQuote =>
  OptionQuote.fromPartial({ expiryDate: "2025-06-20", strike, right: OptionRight.OPTION_RIGHT_PUT, bid: 1, ask: 1.1, ...openInterest });

describe("open interest in a CSV chain", () => {
  it("writes unknown as an empty cell and reads it back as unknown, beside a known 0 and a known 250", () => {
    const chain = OptionChain.fromPartial({
      symbol: "SPY",
      source: "file",
      quotes: [put(590, { openInterestUnknown: true }), put(595, { openInterest: 0n }), put(600, { openInterest: 250n })],
    });
    const text = formatChainCsv(chain);
    const cells = text
      .trimEnd()
      .split("\n")
      .slice(1)
      .map((row) => row.split(",")[8]);
    expect(cells).toEqual(["", "0", "250"]);
    const quotes = parseChainCsv(text, "spy.csv").quotes;
    expect(quotes.map((quote) => [quote.openInterestUnknown, quote.openInterest])).toEqual([
      [true, 0n],
      [false, 0n],
      [false, 250n],
    ]);
  });

  it("reads a file written before unknown open interest existed: its numbers as they were, an empty cell as unknown", () => {
    const text = [HEADER, "SPY,600,2025-06-20,call,1,2,0,0,12,,,,,", "SPY,605,2025-06-20,call,1,2,0,0,,,,,,"].join("\n");
    const [written, empty] = parseChainCsv(text, "old.csv").quotes;
    expect(written).toMatchObject({ openInterest: 12n, openInterestUnknown: false });
    expect(empty).toMatchObject({ openInterest: 0n, openInterestUnknown: true });
  });
});
