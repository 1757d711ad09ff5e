// `spreadscan chain generate` as a user runs it: the real entry point in its own process,
// its exit statuses, its one line on stderr, and the files it writes.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { OptionChain, OptionRight } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { parseChainCsv } from "../../services/cli/chain-file.js";
import { runTool, type ToolResult } from "../support/tools.js";

const MAIN = "services/cli/main.ts";
const AS_OF = "2025-06-02T14:30:00Z";
const directory = mkdtempSync(join(tmpdir(), "cli-chain-generate-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function spreadscan(...args: string[]): Promise<ToolResult> {
  return runTool(process.execPath, ["--import", "tsx", MAIN, ...args]);
}

function output(name: string): string {
  return join(directory, name);
}

describe("spreadscan chain generate", () => {
  it("writes the SPY chain as proto3 JSON and says what it wrote in one line", async () => {
    const out = output("spy.json");
    const result = await spreadscan("chain", "generate", "--symbol", "SPY", "--spot", "600", "--seed", "42", "--as-of", AS_OF, "--out", out);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain("wrote 16608 contracts of SPY in 18 expirations (2025-06-06 to 2026-05-15)");
    expect(result.stderr).toContain(out);

    const text = readFileSync(out, "utf8");
    expect(text.endsWith("\n")).toBe(true);
    const chain = OptionChain.fromJSON(JSON.parse(text));
    expect(chain).toMatchObject({ symbol: "SPY", underlyingPrice: 600, source: "simulated", multiplier: 100 });
    expect(chain.asOf?.toISOString()).toBe("2025-06-02T14:30:00.000Z");
    expect(chain.quotes).toHaveLength(16_608);
    expect(chain.quotes.filter((quote) => quote.right === OptionRight.OPTION_RIGHT_PUT)).toHaveLength(8_304);
  });

  it("writes byte-identical files for the same seed, different ones for another seed", async () => {
    const args = ["chain", "generate", "--symbol", "qqq", "--as-of", AS_OF];
    const [first, second, other] = await Promise.all([
      spreadscan(...args, "--seed", "5", "--out", output("qqq-a.json")),
      spreadscan(...args, "--seed", "5", "--out", output("qqq-b.json")),
      spreadscan(...args, "--seed", "6", "--out", output("qqq-c.json")),
    ]);
    expect([first.exitCode, second.exitCode, other.exitCode]).toEqual([0, 0, 0]);
    const [a, b, c] = ["qqq-a.json", "qqq-b.json", "qqq-c.json"].map((name) => readFileSync(output(name)));
    expect(a?.equals(b ?? Buffer.alloc(0))).toBe(true);
    expect(a?.equals(c ?? Buffer.alloc(0))).toBe(false);
  });

  it("writes CSV for a .csv file, with the profile's spot by default", async () => {
    const out = output("tsla.csv");
    const result = await spreadscan("chain", "generate", "--symbol", "TSLA", "--as-of", AS_OF, "--out", out);
    expect(result.exitCode).toBe(0);
    const text = readFileSync(out, "utf8");
    expect(text.split("\n")[0]).toBe(
      "ticker,strike,expiration,option_type,bid,ask,last,volume,open_interest,delta,gamma,theta,vega,implied_vol,underlying_price,as_of,rate,dividend_yield",
    );
    const chain = parseChainCsv(text, out);
    expect(chain).toMatchObject({ symbol: "TSLA", underlyingPrice: 330, dividendYield: 0 });
    expect(result.stderr).toContain(`wrote ${chain.quotes.length} contracts of TSLA`);
  });

  it("generates an unknown symbol at the spot it is given", async () => {
    const result = await spreadscan("chain", "generate", "--symbol", "XYZ", "--spot", "42.5", "--as-of", AS_OF, "--out", output("xyz.json"));
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain("contracts of XYZ");
  });

  it.each([
    ["an unknown symbol without --spot", ["--symbol", "XYZ", "--out", "x.json"], /no market profile for XYZ.*--spot/],
    ["no --out", ["--symbol", "SPY"], /required option '--out <file>' not specified/],
    ["no --symbol", ["--out", "x.json"], /required option '--symbol <ticker>' not specified/],
    ["an --out that is neither .json nor .csv", ["--symbol", "SPY", "--out", "x.txt"], /--out <file>.*x\.txt.*\.json or \.csv/],
    ["a --spot that is not a price", ["--symbol", "SPY", "--spot", "-3", "--out", "x.json"], /--spot <price>.*-3/],
    ["a --seed that is not a whole number", ["--symbol", "SPY", "--seed", "1.5", "--out", "x.json"], /--seed <integer>.*1\.5/],
    ["an --as-of that is not a timestamp", ["--symbol", "SPY", "--as-of", "tomorrow", "--out", "x.json"], /--as-of <timestamp>.*tomorrow/],
    ["an unknown option", ["--symbol", "SPY", "--out", "x.json", "--colour"], /unknown option '--colour'/],
  ])("exits 2 for %s, naming the flag", async (_case, args, message) => {
    const result = await spreadscan("chain", "generate", ...args.map((arg) => (arg.endsWith(".json") || arg.endsWith(".txt") ? output(arg) : arg)));
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it("exits 2 naming the file when it cannot write it", async () => {
    const result = await spreadscan("chain", "generate", "--symbol", "SPY", "--out", join(directory, "no", "such", "dir.json"));
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^spreadscan: cannot write chain file .*dir\.json: no such file or directory\n$/);
  });
});

describe("spreadscan", () => {
  it("exits 2 with usage for no command or an unknown one, and 0 for --help", async () => {
    const [none, unknown, help] = await Promise.all([spreadscan(), spreadscan("frobnicate"), spreadscan("chain", "generate", "--help")]);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain("Usage: spreadscan");
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain("--symbol <ticker>");
  });
});
