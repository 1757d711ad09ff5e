// What the snapshot's builder runs before V8 takes the snapshot: the offline scan command,
// exactly as a user runs it, on a chain the market model generates here (no file of the
// user's or of the benchmarks). A fresh process then starts with the command's code already
// compiled to bytecode and with the feedback V8 gathered, instead of meeting it for the first
// time (docs/architecture.md, "Starting from a snapshot").
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OptionChain } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { generateSyntheticChain } from "../../market-model/synthetic-chain.js";
import { formatChainCsv, formatChainJson } from "../chain-file.js";
import { buildProgram } from "../program.js";

/** A chain no user has: its own symbol, spot, seed and date. */
const WARM_UP_CHAIN = { symbol: "QQQ", spot: 480, seed: 7, asOf: new Date("2025-03-03T15:00:00Z") } as const;
/**
 * Its first expirations only: the snapshot keeps bytecode, which one pass through each function
 * makes, not type feedback, which more quotes would gather; and the builder runs slowly.
 */
const EXPIRATIONS = 8;

/** The offline scans run, each with one of the three outputs: a spread of what users ask, not one query. */
function warmUpCommands(csv: string, json: string): string[][] {
  return [
    ["scan", "--chain", csv],
    [
      "scan",
      "--chain",
      csv,
      "--strategy",
      "iron-condor",
      "--min-dte",
      "20",
      "--max-dte",
      "50",
      "--min-short-delta",
      "0.1",
      "--max-short-delta",
      "0.3",
      "--json",
    ],
    // Wings of a few dollars, as most condor scans ask: their pairs of shorts go through the
    // compact pass (iron-compact-pass.ts), which the wider query above never reaches.
    ["scan", "--chain", csv, "--strategy", "iron-condor", "--min-dte", "25", "--max-dte", "50", "--max-width", "5", "--json"],
    ["scan", "--chain", json, "--strategy", "bull-put,bear-call", "--max-dte", "60", "--csv"],
    ["scan", "--chain", csv, "--strategy", "iron-butterfly,bull-call,bear-put", "--sort", "pop", "--json"],
    ["scan", "--chain", csv, "--strategy", "call-calendar,put-diagonal", "--max-dte", "40", "--json"],
  ];
}

/** Runs each warm-up command with its output thrown away; a command that fails fails the build. */
export async function warmUp(): Promise<void> {
  const generated = generateSyntheticChain(WARM_UP_CHAIN);
  const kept = new Set([...new Set(generated.quotes.map((quote) => quote.expiryDate))].sort().slice(0, EXPIRATIONS));
  const chain = OptionChain.fromPartial({ ...generated, quotes: generated.quotes.filter((quote) => kept.has(quote.expiryDate)) });
  const directory = await mkdtemp(join(tmpdir(), "spreadscan-snapshot-"));
  const write = process.stdout.write.bind(process.stdout);
  try {
    const csv = join(directory, "warm-up.csv");
    const json = join(directory, "warm-up.json");
    await writeFile(csv, formatChainCsv(chain));
    await writeFile(json, formatChainJson(chain));
    process.stdout.write = () => true;
    for (const args of warmUpCommands(csv, json)) {
      await buildProgram().parseAsync(args, { from: "user" });
    }
  } finally {
    process.stdout.write = write;
    await rm(directory, { recursive: true, force: true });
  }
}
