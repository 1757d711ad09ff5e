// `spreadscan saved create NAME (SYMBOL... | --watchlist NAME) [query flags]`: a new saved scan
// of yours, with the query flags of `scan`, a per-symbol cap, and how it alerts.
import { Option, type Command } from "commander";
import type { Duration } from "../../../gen/ts/google/protobuf/duration.js";
import { CreateSavedScanRequest, CreateSavedScanResponse, type AlertSettings } from "../../../gen/ts/spreadscan/coordinator/v1/saved_scan.js";
import { addConnectionFlags, withCoordinator, type ConnectionOptions } from "../coordinator-connection.js";
import { wholeNumberFrom } from "../number-flags.js";
import { protoJsonDocument } from "../proto-json.js";
import { parseDuration } from "../query-flag-parsers.js";
import { addQueryFlags, scanQueryFromFlags } from "../query-flags.js";
import { collectSymbols } from "./batch.js";
import { formatSavedScan } from "./saved-format.js";

const ALERT_GROUP = "Alerts:";
export const WEBHOOK_SECRET_ENV = "SPREADSCAN_WEBHOOK_SECRET";

interface CreateOptions extends ConnectionOptions {
  readonly watchlist?: string;
  readonly perSymbol?: number;
  readonly alertEvery?: Duration;
  readonly retention?: Duration;
  readonly webhook?: string;
  readonly webhookSecret?: string;
}

/** The alert settings the flags ask for; none when no alert flag is given (the saved scan does not alert). */
function alertSettingsOf(options: CreateOptions): AlertSettings | undefined {
  if (options.alertEvery === undefined && options.retention === undefined && options.webhook === undefined) return undefined;
  return {
    checkInterval: options.alertEvery,
    retention: options.retention,
    webhook: options.webhook === undefined ? undefined : { url: options.webhook, secret: options.webhookSecret ?? "", secretSet: false },
  };
}

async function createSavedScan(name: string, symbols: string[], options: CreateOptions, flagValues: Readonly<Record<string, unknown>>): Promise<void> {
  const request = CreateSavedScanRequest.fromPartial({
    savedScan: {
      name,
      symbols,
      watchlist: options.watchlist ?? "",
      query: scanQueryFromFlags(flagValues),
      perSymbolLimit: options.perSymbol ?? 0,
      alerts: alertSettingsOf(options),
    },
  });
  const response = await withCoordinator(options, flagValues, (connection) =>
    connection.unary(connection.savedScans.createSavedScan.bind(connection.savedScans), request),
  );
  if (options.json) process.stdout.write(protoJsonDocument(CreateSavedScanResponse, "spreadscan.coordinator.v1.CreateSavedScanResponse", response));
  else if (response.savedScan) process.stdout.write(formatSavedScan(response.savedScan));
}

/** Adds `create` to the `saved` group. */
export function registerSavedCreate(saved: Command): Command {
  const command = saved
    .command("create")
    .argument("<name>", "1 to 64 letters, digits, '.', '_' or '-'; unique among your saved scans")
    .argument("[symbols...]", "underlying tickers, like SPY QQQ IWM (or SPY,QQQ,IWM); leave out with --watchlist", collectSymbols)
    .description("save a scan: symbols or a watchlist, a query (the flags of `scan`), and how it alerts (ALREADY_EXISTS when you have one of that name)")
    .addOption(new Option("--watchlist <name>", "scan this watchlist of yours, read each time the scan runs, instead of listed symbols"))
    .addOption(
      new Option("--per-symbol <spreads>", "at most this many spreads of one symbol in the merged list (default: no cap)").argParser(wholeNumberFrom(1, "3")),
    )
    .addOption(
      new Option("--alert-every <duration>", "alert: run the scan this often and report spreads entering or leaving its top N, 10s to 1d (default 60s)")
        .argParser(parseDuration)
        .helpGroup(ALERT_GROUP),
    )
    .addOption(new Option("--retention <duration>", "alert: keep events this long, 1h to 90d (default 7d)").argParser(parseDuration).helpGroup(ALERT_GROUP))
    .addOption(new Option("--webhook <url>", "alert: also POST each event to this http:// or https:// URL").helpGroup(ALERT_GROUP))
    .addOption(
      new Option("--webhook-secret <secret>", "the key events are signed with, 16 to 256 characters (flags show in `ps`: prefer the variable)")
        .env(WEBHOOK_SECRET_ENV)
        .helpGroup(ALERT_GROUP),
    );
  addConnectionFlags(command, { json: "print the CreateSavedScanResponse as proto3 JSON" });
  addQueryFlags(command);
  return command.action(async (name: string, symbols: string[], options: CreateOptions, self: Command) => {
    if (symbols.length > 0 === (options.watchlist !== undefined)) {
      self.error("error: give the symbols to scan (SPY QQQ ...) or --watchlist NAME, one of the two");
    }
    if (options.webhookSecret !== undefined && options.webhook === undefined) self.error("error: --webhook-secret goes with --webhook URL");
    await createSavedScan(name, [...new Set(symbols)], options, self.opts<Record<string, unknown>>());
  });
}
