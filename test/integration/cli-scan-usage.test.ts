// `spreadscan scan --chain` used wrongly: every mistake exits 2 and names the flag or the
// file at fault, one line each.
import { writeFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { CSV_QUOTE_COLUMNS } from "../../services/cli/chain-file.js";
import { CHAIN_AS_OF, spreadscanFromSource, spyChainFiles } from "../support/cli-chain-files.js";

const { file, jsonChain } = spyChainFiles("cli-scan-usage-");
const AS_OF = CHAIN_AS_OF;
const spreadscan = spreadscanFromSource;

describe.concurrent("spreadscan scan: bad usage exits 2 naming the flag", () => {
  const badCsv = file("bad.csv");
  const noSpotCsv = file("no-spot.csv");
  beforeAll(() => {
    const header = CSV_QUOTE_COLUMNS.join(",");
    writeFileSync(badCsv, `${header}\nSPY,590,2025-06-27,put,1.10,1.15,1.12,10,100,-0.2,0.01,-0.1,0.5,0.18\nSPY,abc,2025-06-27,put,1,1.1,1,1,1,,,,,\n`);
    writeFileSync(
      noSpotCsv,
      `${header}\n` +
        ["590,put,1.10,1.15", "585,put,0.80,0.85", "610,call,1.00,1.05", "615,call,0.60,0.65"]
          .map((quote) => {
            const [strike, right, bid, ask] = quote.split(",");
            return `SPY,${strike},2025-06-27,${right},${bid},${ask},,50,500,,,,,`;
          })
          .join("\n") +
        "\n",
    );
  });

  it.each([
    ["--min-pop abc", ["--min-pop", "abc"], /option '--min-pop <fraction>' argument 'abc' is invalid/],
    ["--min-pop 1.5 (refused by the engine)", ["--min-pop", "1.5"], /^spreadscan: --min-pop: must be from 0 to 1\b.*got 1\.5$/m],
    ["--min-dte 30 --max-dte 10", ["--min-dte", "30", "--max-dte", "10"], /^spreadscan: --min-dte: must not be above --max-dte \(30 > 10\)$/m],
    ["--strategy straddle", ["--strategy", "straddle"], /option '--strategy <name>' argument 'straddle' is invalid. expected a strategy: bull-put, /],
    ["--limit 0", ["--limit", "0"], /^spreadscan: --limit: must be from 1 to 1000 spreads; got 0$/m],
    ["--limit 2.5", ["--limit", "2.5"], /option '--limit <spreads>' argument '2.5' is invalid/],
    ["--sort sideways", ["--sort", "sideways"], /option '--sort <key>' argument 'sideways' is invalid/],
    ["--pricing last", ["--pricing", "last"], /option '--pricing <mode>' argument 'last' is invalid. expected a pricing mode: mid, natural/],
    ["--max-quote-age soon", ["--max-quote-age", "soon"], /option '--max-quote-age <duration>' argument 'soon' is invalid/],
    ["an alias out of range, named as typed", ["--max-loss", "-5"], /^spreadscan: --max-loss: must be from 0 to .*got -5$/m],
    [
      "an alias with its long form",
      ["--max-loss", "5", "--max-max-loss", "6"],
      /option '--max-loss <dollars>' cannot be used with option '--max-max-loss <dollars>'/,
    ],
    [
      "all score weights 0",
      ["--weight-ev", "0", "--weight-pop", "0", "--weight-liquidity", "0"],
      /^spreadscan: --weight-ev, --weight-pop, --weight-liquidity: at least one weight/m,
    ],
    ["--spot -5 (refused by the engine)", ["--spot", "-5"], /^spreadscan: --spot: must be a positive finite price$/m],
    [
      "--volatility 0 (refused by the engine)",
      ["--volatility", "0"],
      /^spreadscan: --volatility: must be an annualised fraction above 0 and at most 10; got 0$/m,
    ],
    [
      "--volatility with --probability-model",
      ["--volatility", "0.2", "--probability-model", "short-leg"],
      /option '--volatility <fraction>' cannot be used with option '--probability-model <model>'/,
    ],
    [
      "--probability-model normal",
      ["--probability-model", "normal"],
      /option '--probability-model <model>' argument 'normal' is invalid. expected a probability model: expiry-atm, short-leg/,
    ],
  ])("%s", async (_case, args, message) => {
    const run = await spreadscan("scan", "--chain", jsonChain, "--max-dte", "10", "--max-width", "2", ...args);
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(message);
  });

  it("reports every refused flag, one line each", async () => {
    const run = await spreadscan("scan", "--chain", jsonChain, "--min-pop", "1.5", "--min-dte", "30", "--max-dte", "10", "--limit", "0");
    expect(run.exitCode).toBe(2);
    expect(
      run.stderr
        .trimEnd()
        .split("\n")
        .map((line) => /^spreadscan: (--[a-z-]+):/.exec(line)?.[1]),
    ).toEqual(["--limit", "--min-dte", "--min-pop"]);
  });

  it("a missing file", async () => {
    const run = await spreadscan("scan", "--chain", file("missing.json"));
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/^spreadscan: cannot read chain file .*missing\.json: no such file or directory\n$/);
  });

  it("no --chain", async () => {
    const run = await spreadscan("scan", "--min-pop", "0.5");
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/required option '--chain <file>' not specified/);
  });

  it("a CSV with a malformed row, naming the file and line", async () => {
    const run = await spreadscan("scan", "--chain", badCsv);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/^spreadscan: .*bad\.csv line 3: strike "abc" is not a number\n$/);
  });

  it("a CSV without underlying_price and no --spot; with --spot it scans", async () => {
    const [without, withSpot] = await Promise.all([
      spreadscan("scan", "--chain", noSpotCsv, "--as-of", AS_OF),
      spreadscan("scan", "--chain", noSpotCsv, "--as-of", AS_OF, "--spot", "600", "--json"),
    ]);
    expect(without.exitCode).toBe(2);
    expect(without.stderr).toMatch(/^spreadscan: .*no-spot\.csv gives no underlying price: give it with --spot/);
    expect(withSpot.exitCode).toBe(0);
    expect((JSON.parse(withSpot.stdout) as { result: unknown }).result).toMatchObject({ symbol: "SPY", underlyingPrice: 600 });
  });
});
