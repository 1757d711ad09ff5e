// `spreadscan scan --chain FILE` on a chain from after the close: the summary says the quotes
// are frozen where it says delayed or live, and a spread whose legs' open interest the source
// did not give shows "?" in the OI column, never 0. The chain is the synthetic SPY chain with
// its puts' open interest unknown, written as `chain generate` writes files.
import { describe, expect, it } from "vitest";
import { OptionChain, OptionRight } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { writeChainFile } from "../../services/cli/chain-file.js";
import { spreadscanFromSource, spyChainFiles } from "../support/cli-chain-files.js";

const files = spyChainFiles("cli-scan-frozen-");
const FLAGS = ["--min-dte", "20", "--max-dte", "40", "--max-width", "5", "--limit", "60"];

interface JsonLeg {
  readonly right: string;
  readonly openInterest?: string;
  readonly openInterestUnknown?: boolean;
}
interface JsonSpread {
  readonly strategy: string;
  readonly legs: readonly JsonLeg[];
}

/** The synthetic chain frozen, its puts' open interest unknown; written in `format`. */
async function frozenChain(format: "json" | "csv"): Promise<string> {
  const chain = files.chain();
  const frozen = OptionChain.fromPartial({
    ...chain,
    frozen: true,
    quotes: chain.quotes.map((quote) => (quote.right === OptionRight.OPTION_RIGHT_PUT ? { ...quote, openInterest: 0n, openInterestUnknown: true } : quote)),
  });
  const path = files.file(`frozen.${format}`);
  await writeChainFile(path, frozen);
  return path;
}

describe("spreadscan scan of a frozen chain with unknown open interest", () => {
  it.each(["bull-put", "bear-call"])("says frozen in the summary, and for %s spreads the open interest as ? where a leg is a put", async (strategy) => {
    const path = await frozenChain("json");
    const flags = [...FLAGS, "--strategy", strategy];
    const [table, json] = await Promise.all([
      spreadscanFromSource("scan", "--chain", path, ...flags),
      spreadscanFromSource("scan", "--chain", path, ...flags, "--json"),
    ]);
    expect(table.stderr).toBe("");
    expect(table.exitCode).toBe(0);
    const [summary = "", , header = "", , ...rows] = table.stdout.trimEnd().split("\n");
    expect(summary).toMatch(/^SPY [\d.]+ as of \S+ \(frozen\) · /);
    const columns = header.trim().split(/\s{2,}/);
    expect(columns.at(-1)).toBe("OI");
    const spreads = (JSON.parse(json.stdout) as { result: { spreads: JsonSpread[] } }).result.spreads;
    expect(spreads.length).toBeGreaterThan(0);
    expect(rows).toHaveLength(spreads.length);
    rows.forEach((row, index) => {
      const legs = spreads[index]?.legs ?? [];
      const cell = row
        .trim()
        .split(/\s{2,}/)
        .at(-1);
      if (legs.some((leg) => leg.right === "OPTION_RIGHT_PUT")) {
        expect(cell).toBe("?");
      } else {
        const least = legs.map((leg) => BigInt(leg.openInterest ?? "0")).reduce((a, b) => (b < a ? b : a));
        expect(cell).toBe(new Intl.NumberFormat("en-US").format(least));
      }
    });
  });

  it("reads the CSV export of that chain back with the open interest unknown, so a floor on it skips those quotes as such", async () => {
    const path = await frozenChain("csv");
    const run = await spreadscanFromSource("scan", "--chain", path, ...FLAGS, "--strategy", "bull-put,bear-call", "--min-open-interest", "1", "--json");
    expect(run.exitCode).toBe(0);
    const result = (JSON.parse(run.stdout) as { result: { spreads: JsonSpread[]; skippedQuotes?: { reason: string; count: string }[] } }).result;
    // Every put is of unknown open interest: only bear calls can pass a floor on it.
    expect(result.spreads.length).toBeGreaterThan(0);
    for (const spread of result.spreads) expect(spread.strategy).toBe("STRATEGY_BEAR_CALL");
    const unknown = result.skippedQuotes?.find((entry) => entry.reason === "SKIP_REASON_OPEN_INTEREST_UNKNOWN");
    expect(Number(unknown?.count ?? 0)).toBeGreaterThan(0);
  });
});
