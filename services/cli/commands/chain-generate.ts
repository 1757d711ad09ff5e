// `spreadscan chain generate`: writes a synthetic option chain to a file, so a scan can be
// tried, a bug reproduced or a test fed without a broker connection.
import { InvalidArgumentError, type Command } from "commander";
import { SYMBOL_PROFILES, profileFor } from "../../market-model/symbol-profiles.js";
import { generateSyntheticChain } from "../../market-model/synthetic-chain.js";
import { ChainFileError, assertChainFilePath, parseAsOf, writeChainFile } from "../chain-file.js";

/** The seed when none is given, so two runs without --seed agree. */
export const DEFAULT_SEED = 42;

interface GenerateOptions {
  readonly symbol: string;
  readonly spot?: number;
  readonly seed: number;
  readonly asOf?: Date;
  readonly out: string;
}

function parseSymbol(text: string): string {
  const symbol = text.trim().toUpperCase();
  if (!/^[A-Z][A-Z0-9.]{0,9}$/.test(symbol)) throw new InvalidArgumentError("expected a ticker like SPY or BRK.B.");
  return symbol;
}

function parseSpot(text: string): number {
  const spot = Number(text);
  if (text.trim() === "" || !Number.isFinite(spot) || spot <= 0) throw new InvalidArgumentError("expected a price above 0, like 600.");
  return spot;
}

function parseSeed(text: string): number {
  const seed = Number(text);
  if (!/^[+-]?\d+$/.test(text.trim()) || !Number.isSafeInteger(seed)) throw new InvalidArgumentError("expected a whole number, like 42.");
  return seed;
}

function parseAsOfOption(text: string): Date {
  const asOf = parseAsOf(text.trim());
  if (!asOf) throw new InvalidArgumentError("expected a timestamp like 2025-06-02T14:30:00Z (no zone means New York time).");
  return asOf;
}

function parseOut(text: string): string {
  try {
    assertChainFilePath(text);
  } catch (error) {
    if (error instanceof ChainFileError) throw new InvalidArgumentError("the file must end in .json or .csv.");
    throw error;
  }
  return text;
}

/** Adds `generate` to the `chain` command group. */
export function registerChainGenerate(chain: Command): Command {
  const known = Object.keys(SYMBOL_PROFILES).join(", ");
  return chain
    .command("generate")
    .description("write a deterministic synthetic option chain (weekly and monthly expirations, a skewed smile) to a file")
    .requiredOption("--symbol <ticker>", `underlying ticker; with a market profile: ${known}`, parseSymbol)
    .option("--spot <price>", "underlying price (default: the symbol's profile; required for other symbols)", parseSpot)
    .option("--seed <integer>", "seed of the volume and open-interest noise", parseSeed, DEFAULT_SEED)
    .option("--as-of <timestamp>", "the instant the chain describes, RFC 3339 (default: now)", parseAsOfOption)
    .requiredOption("--out <file>", "where to write it: proto3 JSON for .json, CSV for .csv", parseOut)
    .action(async (options: GenerateOptions, command: Command) => {
      const profile = profileFor(options.symbol, options.spot);
      if (!profile) command.error(`error: no market profile for ${options.symbol} (known: ${known}); give its price with --spot`);
      const asOf = options.asOf ?? new Date();
      const chain = generateSyntheticChain({ symbol: options.symbol, spot: profile.spot, seed: options.seed, asOf, profile });
      await writeChainFile(options.out, chain);
      const expirations = [...new Set(chain.quotes.map((quote) => quote.expiryDate))];
      process.stderr.write(
        `spreadscan: wrote ${chain.quotes.length} contracts of ${chain.symbol} in ${expirations.length} expirations ` +
          `(${expirations[0] ?? "none"} to ${expirations.at(-1) ?? "none"}) at spot ${profile.spot}, seed ${options.seed}, ` +
          `as of ${asOf.toISOString()}, to ${options.out}\n`,
      );
    });
}
