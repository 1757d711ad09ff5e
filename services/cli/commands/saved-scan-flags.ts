// What `saved create` and `saved update` share: the symbols or watchlist, the query flags of
// `scan`, the per-symbol cap and the alert flags, turned into the SavedScan the coordinator
// keeps. An update replaces every setting, so both commands take the same flags.
import { Option, type Command } from "commander";
import type { Duration } from "../../../gen/ts/google/protobuf/duration.js";
import type { AlertSettings, SavedScan } from "../../../gen/ts/spreadscan/coordinator/v1/saved_scan.js";
import type { ConnectionOptions } from "../coordinator-connection.js";
import { wholeNumberFrom } from "../number-flags.js";
import { parseDuration } from "../query-flag-parsers.js";
import { scanQueryFromFlags } from "../query-flags.js";
import { collectSymbols } from "./batch.js";

const ALERT_GROUP = "Alerts:";
export const WEBHOOK_SECRET_ENV = "SPREADSCAN_WEBHOOK_SECRET";

export interface SavedScanOptions extends ConnectionOptions {
  readonly watchlist?: string;
  readonly perSymbol?: number;
  readonly alertEvery?: Duration;
  readonly retention?: Duration;
  readonly webhook?: string;
  readonly webhookSecret?: string;
}

/** The alert settings the flags ask for; none when no alert flag is given (the saved scan does not alert). */
function alertSettingsOf(options: SavedScanOptions): AlertSettings | undefined {
  if (options.alertEvery === undefined && options.retention === undefined && options.webhook === undefined) return undefined;
  return {
    checkInterval: options.alertEvery,
    retention: options.retention,
    webhook: options.webhook === undefined ? undefined : { url: options.webhook, secret: options.webhookSecret ?? "", secretSet: false },
  };
}

/** The saved scan the command line describes. */
export function savedScanFromFlags(
  name: string,
  symbols: readonly string[],
  options: SavedScanOptions,
  flagValues: Readonly<Record<string, unknown>>,
): SavedScan {
  return {
    name,
    symbols: [...new Set(symbols)],
    watchlist: options.watchlist ?? "",
    query: scanQueryFromFlags(flagValues),
    perSymbolLimit: options.perSymbol ?? 0,
    alerts: alertSettingsOf(options),
    createTime: undefined,
    updateTime: undefined,
  };
}

/** The name and symbols arguments and every flag of a saved scan's settings (the connection's are added by the caller). */
export function addSavedScanArguments(command: Command, webhookSecretHelp: string): Command {
  command
    .argument("<name>", "1 to 64 letters, digits, '.', '_' or '-'; unique among your saved scans")
    .argument("[symbols...]", "underlying tickers, like SPY QQQ IWM (or SPY,QQQ,IWM); leave out with --watchlist", collectSymbols)
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
    .addOption(new Option("--webhook-secret <secret>", webhookSecretHelp).env(WEBHOOK_SECRET_ENV).helpGroup(ALERT_GROUP));
  return command;
}

/** The refusals of flags that cannot go together, before anything is sent. */
export function checkSavedScanFlags(symbols: readonly string[], options: SavedScanOptions, self: Command): void {
  if (symbols.length > 0 === (options.watchlist !== undefined)) {
    self.error("error: give the symbols to scan (SPY QQQ ...) or --watchlist NAME, one of the two");
  }
  if (options.webhookSecret !== undefined && options.webhook === undefined) self.error("error: --webhook-secret goes with --webhook URL");
}
